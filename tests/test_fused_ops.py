"""The fused fast paths (cross-entropy, linear): same values and gradients as the general
composition and as PyTorch, first and second order, on every backend; and the fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")


def _problem(n=5, c=4, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * scale, rng.integers(0, c, size=n)


def _torch_reference(logits, target, reduction):
    t = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(t, torch.tensor(target), reduction=reduction)
    loss.backward()
    return loss.item(), t.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_fused_matches_pytorch(backend, reduction, scale):
    logits, target = _problem(scale=scale)
    x = ag.tensor(logits.tolist(), dtype=ag.float64, requires_grad=True)
    loss = ag.cross_entropy(x, ag.tensor(target.tolist()), reduction=reduction)
    assert loss.grad_fn.name() == "SoftmaxCrossEntropyBackward"  # the fast path was taken
    loss.backward()
    value, grad = _torch_reference(logits, target, reduction)
    np.testing.assert_allclose(loss.item(), value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-10, atol=1e-12)


def test_fused_float32_keeps_dtype(backend):
    logits, target = _problem()
    x = ag.tensor(logits.tolist(), dtype=ag.float32, requires_grad=True)
    loss = ag.cross_entropy(x, ag.tensor(target.tolist()))
    loss.backward()
    assert loss.dtype == ag.float32 and x.grad.dtype == ag.float32
    np.testing.assert_allclose(x.grad.numpy(), _torch_reference(logits, target, "mean")[1],
                               rtol=1e-5, atol=1e-6)


def test_fused_first_and_second_order_by_finite_differences(backend):
    logits, target = _problem(n=3, c=3)
    x = ag.tensor(logits.tolist(), dtype=ag.float64, requires_grad=True)
    t = ag.tensor(target.tolist())
    assert ag.autograd.gradcheck(lambda v: ag.cross_entropy(v, t), (x,))
    assert ag.autograd.gradgradcheck(lambda v: ag.cross_entropy(v, t, reduction="sum"), (x,))


@pytest.mark.parametrize("kwargs", [{"ignore_index": 1}, {"label_smoothing": 0.1},
                                    {"reduction": "none"}, {"weight": [1.0, 2.0, 0.5, 1.0]}])
def test_general_path_when_fused_does_not_apply(backend, kwargs):
    logits, target = _problem()
    target[0] = 1
    x = ag.tensor(logits.tolist(), dtype=ag.float64, requires_grad=True)
    ours = dict(kwargs)
    theirs = dict(kwargs)
    if "weight" in kwargs:
        ours["weight"] = ag.tensor(kwargs["weight"], dtype=ag.float64)
        theirs["weight"] = torch.tensor(kwargs["weight"], dtype=torch.float64)
    loss = ag.cross_entropy(x, ag.tensor(target.tolist()), **ours)
    assert loss.grad_fn.name() != "SoftmaxCrossEntropyBackward"
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(target), **theirs)
    np.testing.assert_allclose(loss.detach().numpy(), ref.detach().numpy(), rtol=1e-10)
    loss.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_out_of_range_labels_still_raise_the_general_error(backend):
    x = ag.tensor(np.zeros((2, 3)).tolist(), requires_grad=True)
    with pytest.raises(IndexError, match=r"must be in \[0, 2\]"):  # IndexError, as torch
        ag.cross_entropy(x, ag.tensor([0, 3]))


# ------------------------------------------------------------------- fused linear layer
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 4, 3), (3,)])
def test_fused_linear_matches_pytorch(backend, x_shape):
    rng = np.random.default_rng(1)
    xv, wv, bv = (rng.standard_normal(s) for s in (x_shape, (5, 3), (5,)))
    gv = rng.standard_normal(x_shape[:-1] + (5,))
    ours = [ag.tensor(v.tolist(), dtype=ag.float64, requires_grad=True) for v in (xv, wv, bv)]
    out = ag.nn.functional.linear(*ours)
    assert out.grad_fn.name() == "LinearBackward"  # the fused path was taken
    out.backward(ag.tensor(gv.tolist(), dtype=ag.float64))
    theirs = [torch.tensor(v, requires_grad=True) for v in (xv, wv, bv)]
    ref = torch.nn.functional.linear(*theirs)
    ref.backward(torch.tensor(gv))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_fused_linear_second_order_and_fallbacks(backend):
    x = ag.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=ag.float64, requires_grad=True)
    w = ag.tensor([[1.0, 2.0], [-0.5, 0.3], [0.7, 0.1]], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([0.1, 0.2, 0.3], dtype=ag.float64, requires_grad=True)
    F = ag.nn.functional
    assert ag.autograd.gradcheck(lambda *a: ag.tanh(F.linear(*a)), (x, w, b))
    assert ag.autograd.gradgradcheck(lambda *a: ag.tanh(F.linear(*a)), (x, w, b))
    assert F.linear(x, w).grad_fn.name() != "LinearBackward"  # no bias: composition
    with pytest.raises(ValueError, match="matmul"):  # mismatched shapes: composition's error
        F.linear(x, ag.ones(3, 4, dtype=ag.float64), b)
