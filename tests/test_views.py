"""PyTorch's view semantics on every backend: writes through views reach the base, writes
to the base reach its views, and gradients follow the rewritten history (CopySlices).

Each program runs on arraygrad (``lib = ag``) and on PyTorch (``lib = torch``); values and
gradients must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")

X = [[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]]
W = [[0.3, -1.0, 2.0], [1.5, 0.25, -0.5]]


def _slice_add(lib, x, w):
    y = x * 2
    y[:, 1:].add_(100)
    return (y * w).sum(), y


def _select_mul(lib, x, w):
    y = x * 1
    y[1].mul_(3)
    return (y * y * w).sum(), y


def _transpose_zero(lib, x, w):
    y = x + 1
    y.T[0].zero_()
    return (y * w).sum(), y


def _reshape_fill(lib, x, w):
    y = x * 3
    y.reshape(-1)[2].fill_(5.0)
    return (y * y * w).sum(), y


def _view_setitem(lib, x, w):
    y = x * 1
    v = y[0]
    v[1] = x[1, 1] * 10
    return (y * w).sum(), y


def _base_write_reaches_view(lib, x, w):
    y = x * 1
    v = y[:, 0:2]
    y.mul_(x)
    return (v * w[:, 0:2]).sum(), v


def _base_write_reaches_transposed_view(lib, x, w):
    y = x + 0
    v = y.T
    y.add_(x * x)
    return (v * w.T).sum(), v


def _two_views_of_one_base(lib, x, w):
    y = x * 1
    a = y[0]
    b = y[:, 1]
    a.mul_(2)  # b[0] is y[0, 1]: must see the write
    return (b * b).sum() + (a * w[0]).sum(), b


def _write_with_grad_operand(lib, x, w):
    y = (x * 0).detach()
    y[0:1].add_(x[1:2] * w[0:1])
    return (y * y).sum(), y


def _unsqueeze_squeeze_write(lib, x, w):
    y = x * 2
    y.unsqueeze(0)[0, 1].sub_(1.0)
    return (y * w).sum(), y


def _permute_write(lib, x, w):
    y = (x * 1).reshape(1, 2, 3)
    y.permute(2, 0, 1)[1].mul_(-1)
    return (y.reshape(2, 3) * w).sum(), y


PROGRAMS = [_slice_add, _select_mul, _transpose_zero, _reshape_fill, _view_setitem,
            _base_write_reaches_view, _base_write_reaches_transposed_view,
            _two_views_of_one_base, _write_with_grad_operand, _unsqueeze_squeeze_write,
            _permute_write]


def _run_torch(program):
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    w = torch.tensor(W, dtype=torch.float64)
    loss, shown = program(torch, x, w)
    loss.backward()
    return loss.item(), shown.detach().numpy(), x.grad.numpy()


def _run_ag(program, backend):
    dtype = ag.float64 if ag.float64 in ag.get_backend(backend).native_dtypes else ag.float32
    x = ag.tensor(X, dtype=dtype, requires_grad=True, backend=backend)
    w = ag.tensor(W, dtype=dtype, backend=backend)
    loss, shown = program(ag, x, w)
    loss.backward()
    return loss.item(), shown.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_view_writes_match_pytorch(backend, program):
    expected = _run_torch(program)
    got = _run_ag(program, backend)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-5)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5)
    np.testing.assert_allclose(got[2], expected[2], rtol=1e-5)


def test_unrecorded_write_through_view_reaches_base(backend):
    y = ag.zeros((2, 3), backend=backend)
    v = y[1]
    t = y.T
    v.fill_(7.0)
    assert y.tolist() == [[0.0, 0.0, 0.0], [7.0, 7.0, 7.0]]
    assert t.tolist() == [[0.0, 7.0], [0.0, 7.0], [0.0, 7.0]]
    with ag.no_grad():
        y.add_(1.0)
    assert v.tolist() == [8.0, 8.0, 8.0]


def test_write_through_detached_alias_reaches_original(backend):
    y = ag.ones(3, backend=backend)
    alias = y.detach()
    alias.mul_(4.0)
    assert y.tolist() == [4.0, 4.0, 4.0]


def test_write_through_view_of_leaf_requiring_grad_raises(backend):
    x = ag.ones((2, 2), requires_grad=True, backend=backend)
    with pytest.raises(RuntimeError, match="a view of a leaf tensor that requires grad"):
        x[0].add_(1.0)
    assert x.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_write_into_expanded_view_raises(backend):
    y = ag.ones((1, 3), backend=backend) * 1
    with pytest.raises(RuntimeError, match="clone"):
        y.expand(4, 3).add_(1.0)


def test_advanced_index_result_is_a_copy(backend):
    """x[mask] and x[[i, j]] are copies in PyTorch: writing to them leaves x alone."""
    y = ag.tensor([1.0, 2.0, 3.0], backend=backend)
    picked = y[ag.tensor([True, False, True], backend=backend)]
    picked.add_(10.0)
    assert y.tolist() == [1.0, 2.0, 3.0]


def test_fill_on_non_leaf_is_recorded(backend):
    """``y = x*2; y[0:2].zero_()`` gave x.grad [2, 2, 2] (PyTorch: [0, 0, 2])."""
    x = ag.ones(3, requires_grad=True, backend=backend)
    y = x * 2
    y[0:2].zero_()
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 2.0]
    x.grad = None
    y = x * 2
    y.fill_(1.0)
    assert y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
