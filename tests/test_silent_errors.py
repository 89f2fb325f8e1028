"""Regression tests: inputs that once gave a wrong answer with no error.

Each test states the old wrong result; when PyTorch raises we raise, when PyTorch computes
we compute the same value.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import arraygrad as ag


@pytest.mark.parametrize("fn", [ag.exp, ag.sigmoid, ag.tanh, ag.sqrt])
def test_modified_saved_output_raises(backend, fn):
    """``y = exp(x); with no_grad: y *= 2`` gave twice the gradient; PyTorch raises."""
    x = ag.tensor([0.5, 1.0, 2.0], requires_grad=True, backend=backend)
    y = fn(x)
    with ag.no_grad():
        y *= 2
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modified_saved_output_through_detach_alias_raises(backend):
    x = ag.tensor([0.5, 1.0], requires_grad=True, backend=backend)
    y = ag.exp(x)
    alias = y.detach()
    alias.add_(1.0)
    with pytest.raises(RuntimeError, match="its output"):
        y.sum().backward()


def test_hook_returning_wrong_shape_raises(backend):
    """A hook's wrong-shape gradient was silently broadcast or reshaped."""
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True, backend=backend)
    y = x * 2
    y.register_hook(lambda g: ag.ones((1, 3), backend=backend))
    with pytest.raises(RuntimeError, match=r"hook.*shape \(1, 3\) \(expected \(3,\)\)"):
        y.sum().backward()


def test_leaf_hook_changing_dtype_raises(backend):
    if not ag.get_backend(backend).native_dtypes.get(ag.float64):
        pytest.skip(f"backend {backend!r} has no float64")
    x = ag.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    x.register_hook(lambda g: g.astype(ag.float64))
    with pytest.raises(RuntimeError, match="dtype float64"):
        (x * 3).sum().backward()


def _function_with_gradient(name, grad_shape, backend):
    """An ``autograd.Function`` called ``name``: identity forward, and a backward that
    returns ones of ``grad_shape`` whatever the input's shape."""
    def forward(ctx, x):
        return x * 1

    def backward(ctx, g):
        return ag.ones(grad_shape, backend=backend)

    return type(name, (ag.autograd.Function,), {"forward": staticmethod(forward),
                                                "backward": staticmethod(backward)})


def test_function_backward_wrong_shape_raises(backend):
    bad = _function_with_gradient("Bad", (6,), backend)
    x = ag.ones((2, 3), requires_grad=True, backend=backend)
    with pytest.raises(RuntimeError, match=r"Bad.*shape \(6,\).*\(2, 3\)"):
        bad.apply(x).sum().backward()


def test_function_backward_broadcast_gradient_is_summed(backend):
    """A gradient the input broadcasts to is summed down, as PyTorch does."""
    spread = _function_with_gradient("Spread", (4, 3), backend)
    x = ag.ones((3,), requires_grad=True, backend=backend)
    spread.apply(x).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0, 4.0]


def test_assigning_wrong_grad_raises(backend):
    x = ag.zeros(3, requires_grad=True, backend=backend)
    with pytest.raises(RuntimeError, match=r"shape \(2,\) \(expected \(3,\)\)"):
        x.grad = ag.zeros(2, backend=backend)
    with pytest.raises(TypeError):
        x.grad = [0.0, 0.0, 0.0]
    x.grad = ag.ones(3, backend=backend)
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_concurrent_backward_accumulates_every_gradient():
    """4 threads x 300 backward calls into one leaf lost up to 28% of the sums."""
    w = ag.zeros(16, requires_grad=True, backend="numpy")
    x = ag.ones(16, backend="numpy")

    def work():
        for _ in range(300):
            (w * x).sum().backward()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_array_equal(w.grad.numpy(), np.full(16, 1200.0))


def test_writes_to_unread_inputs_are_allowed(backend):
    """Spurious version errors where PyTorch computes: y*2, y @ W, exp(y), flip(y)."""
    x = ag.tensor([[0.5, 1.0], [1.5, 2.0]], requires_grad=True, backend=backend)
    w = ag.tensor([[1.0, 0.0], [2.0, 1.0]], backend=backend)
    y = x * 1
    outs = [y * 2, y @ w, ag.exp(y), ag.tanh(y), ag.sigmoid(y)]
    f = y.flip(0)
    f.add_(1.0)  # a copy: y is untouched
    y.add_(1.0)
    sum(o.sum() for o in outs).backward()
    expected = (2 + w.sum(1).numpy()[None, :] + np.exp(x.detach().numpy())
                + 1 - np.tanh(x.detach().numpy()) ** 2
                + (s := 1 / (1 + np.exp(-x.detach().numpy()))) * (1 - s))
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() + 1)


def test_write_to_read_input_still_raises(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    w = ag.tensor([3.0, 4.0], requires_grad=True, backend=backend)
    y = x * 1
    out = (y * w).sum()  # w's gradient reads y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_complex_gradients_follow_pytorch():
    """Elementwise rules ignored conjugation: multiply's gradient must be g * conj(b)."""
    torch = pytest.importorskip("torch")
    z = np.array([1 + 2j, -0.5 + 0.3j])
    w = np.array([0.3 - 1j, 2 + 0.5j])
    a = ag.tensor(z, requires_grad=True)
    b = ag.tensor(w, requires_grad=True)
    loss = ag.real((ag.exp(a) * b / (a + 2)).sum() * ag.conj(b).sum() + (a @ b))
    loss.backward()
    ta = torch.tensor(z, requires_grad=True)
    tb = torch.tensor(w, requires_grad=True)
    torch.real((torch.exp(ta) * tb / (ta + 2)).sum() * torch.conj(tb).sum()
               + (ta @ tb)).backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)


def test_complex_input_to_a_real_only_rule_raises():
    z = ag.tensor(np.array([1 + 2j, -0.5 + 0.3j]), requires_grad=True)
    with pytest.raises(NotImplementedError, match="abs"):
        ag.real(ag.abs(z).sum()).backward()


@pytest.mark.parametrize("shape", [2.5, (2, 2.0), (3, -1)])
def test_creation_rejects_non_integer_or_negative_sizes(shape):
    """``ag.zeros(2.5)`` made shape (2,); PyTorch raises."""
    with pytest.raises((TypeError, ValueError), match="shape"):
        ag.zeros(shape)
