"""``arraygrad.torch_compat``: the namespace with PyTorch's meaning for the calls the
Array-API standard reads differently (torch is the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.torch_compat as compat

torch = pytest.importorskip("torch")

X = [[3.0, 1.0, 2.0], [2.0, 4.0, 0.0]]
CALLS = {
    "std()": lambda m, x: m.std(x),
    "var()": lambda m, x: m.var(x),
    "std(dim)": lambda m, x: m.std(x, 1),
    "std(False)": lambda m, x: m.std(x, False),
    "var(dim, unbiased=False)": lambda m, x: m.var(x, 0, unbiased=False),
    "std(dim, keepdim)": lambda m, x: m.std(x, 1, keepdim=True),
    "var(correction=0)": lambda m, x: m.var(x, correction=0),
    "sort()": lambda m, x: m.sort(x),
    "sort(0, descending)": lambda m, x: m.sort(x, 0, descending=True),
    "nonzero()": lambda m, x: m.nonzero(x - 2.0),
    "nonzero(as_tuple)": lambda m, x: m.nonzero(x - 2.0, as_tuple=True),
    "equal(same)": lambda m, x: m.equal(x, x * 1),
    "equal(other)": lambda m, x: m.equal(x, x + 1),
    "equal(shapes)": lambda m, x: m.equal(x, x[:1]),
    "meshgrid": lambda m, x: m.meshgrid(m.arange(2), m.arange(3)),
    "meshgrid(list, xy)": lambda m, x: m.meshgrid([m.arange(2), m.arange(3)], indexing="xy"),
}


def _plain(v):
    if isinstance(v, (tuple, list)):
        return [_plain(p) for p in v]
    return v.tolist() if hasattr(v, "tolist") else v


@pytest.mark.parametrize("name", list(CALLS))
def test_calls_mean_what_they_mean_in_torch(name):
    ours = CALLS[name](compat, compat.tensor(X))
    theirs = CALLS[name](torch, torch.tensor(X))
    def kind(v):
        return "tuple" if isinstance(v, (tuple, list)) else type(v).__name__
    assert kind(ours) == kind(theirs)  # Tensor, bool or tuple, as torch
    if hasattr(theirs, "_fields"):
        assert ours._fields == theirs._fields  # (values, indices)
    np.testing.assert_allclose(np.asarray(_plain(ours), dtype=float),
                               np.asarray(_plain(theirs), dtype=float), rtol=1e-6)


def test_gradients_through_the_replaced_functions_match_torch():
    grads = []
    for m in (compat, torch):
        x = m.tensor(X, requires_grad=True)
        (m.std(x) + m.var(x, 1).sum() + m.sort(x).values[:, 0].sum()).backward()
        grads.append(x.grad.tolist())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_everything_else_is_the_namespace_itself():
    replaced = {"std", "var", "sort", "nonzero", "equal", "meshgrid", "imag"}
    assert set(compat.__all__) == set(ag.__all__)
    for name in ag.__all__:
        if name not in replaced:
            assert getattr(compat, name) is getattr(ag, name), name
    for name in replaced:
        assert getattr(compat, name) is not getattr(ag, name)
        assert getattr(compat, name).__doc__
