"""PyTorch-fidelity gaps: transfers under vmap, in-place chains, poisson, unique(dim), max/min.

PyTorch is the oracle: where it raises, arraygrad raises the same exception class; where it
computes, arraygrad computes the same values and gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func as tf

import arraygrad as ag

F64 = ag.float64


def _np(x):
    return np.asarray(x.detach().numpy(), dtype=float)


def _close(a, b, tol=1e-9):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).normal(size=shape)
    return ag.asarray(a, dtype=F64), torch.tensor(a)


def _other_backend(name):
    return "array_api_strict" if name != "array_api_strict" else "numpy"


# ----------------------------------------------------------------------- transfers in vmap
def test_transfer_under_vmap_is_batched_in_and_out_and_differentiable(backend):
    x, tx = _pair((4, 3), 1)
    backend = backend.name
    x = x.to(backend=backend)
    other = _other_backend(backend)
    seen = []

    def f(xp, move):
        def fn(r):
            u = move(r)
            seen.append((tuple(u.shape), u.backend.name if xp is ag else None))
            return (xp.sin(u) * u).sum()
        return fn

    there = ag.func.vmap(f(ag, lambda r: r.to(backend=other)))(x)
    assert there.backend.name == other and tuple(there.shape) == (4,)
    assert seen == [((3,), other)]
    _close(there, tf.vmap(f(torch, lambda r: r))(tx))
    # Batched in, batched out, back again; per-example gradients flow to the source backend.
    back = lambda r: r.to(backend=other).to(backend=backend)  # noqa: E731
    g = ag.func.vmap(ag.func.grad(f(ag, back)))(x)
    assert g.backend.name == backend
    _close(g, tf.vmap(tf.grad(f(torch, lambda r: r)))(tx))
    # Reverse mode through the vmapped transfer, into a leaf on the source backend.
    leaf = x.detach().requires_grad_()
    ag.func.vmap(f(ag, lambda r: r.to(backend=other)))(leaf).sum().backward()
    tleaf = tx.detach().requires_grad_()
    tf.vmap(f(torch, lambda r: r))(tleaf).sum().backward()
    assert leaf.grad.backend.name == backend
    _close(leaf.grad, tleaf.grad)


def test_transfer_under_nested_vmap_with_dtype_and_device():
    x = ag.arange(24.0, dtype=F64).reshape((2, 3, 4))
    moved = ag.func.vmap(ag.func.vmap(
        lambda t: t.to(backend="array_api_strict", dtype=ag.float32) + 1))(x)
    assert moved.backend.name == "array_api_strict" and moved.dtype == ag.float32
    np.testing.assert_array_equal(moved.numpy(), np.arange(24.0).reshape((2, 3, 4)) + 1)
    same = ag.func.vmap(lambda t: t.cpu().to_device("cpu") * 2, in_dims=1)(x)
    np.testing.assert_array_equal(same.numpy(), np.moveaxis(np.arange(24.0).reshape(
        (2, 3, 4)), 1, 0) * 2)
    # An unknown device is refused with the usual message, inside vmap too.
    with pytest.raises(ag.backends.BackendError, match="no available backend has device"):
        ag.func.vmap(lambda t: t.to("tpu:7"))(x)
