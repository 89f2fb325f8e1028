"""In-place operations give the right values whether or not the backend's arrays are mutable.

On an immutable backend (JAX) the tensor is rebound to a new array; on a mutable one the
array may change in place. Either way the version counter goes up, so a backward that
needs an overwritten value raises.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import host


def test_inplace_arithmetic_values(backend):
    x = ag.tensor([1.0, 2.0, 4.0])
    x += 1.0
    x -= ag.tensor([0.5, 0.5, 0.5])
    x *= 2.0
    x /= ag.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose(host(x), [3.0, 2.5, 2.25])
    assert x.backend is backend and x.dtype == ag.float32


def test_inplace_keeps_dtype(backend):
    x = ag.tensor([1, 2, 3])
    before = x.dtype  # int64, or the backend's default integer (JAX without x64: int32)
    x *= 2
    assert x.dtype == before and before.kind == "i"
    np.testing.assert_array_equal(host(x), [2, 4, 6])
    y = ag.ones(2)
    y += ag.tensor([1, 2])
    assert y.dtype == ag.float32
    np.testing.assert_array_equal(host(y), [2.0, 3.0])


def test_inplace_setitem(backend):
    x = ag.zeros(3, 2)
    x[0] = 1.0
    x[1:, 1] = ag.tensor([5.0, 6.0])
    x[..., 0] = x[..., 0] + 10.0
    np.testing.assert_array_equal(host(x), [[11, 1], [10, 5], [10, 6]])


def test_inplace_setitem_mask(backend):
    x = ag.tensor([-1.0, 2.0, -3.0])
    x[x < 0] = 0.0
    np.testing.assert_array_equal(host(x), [0.0, 2.0, 0.0])


def test_inplace_zero_and_fill(backend):
    x = ag.ones(2, 2)
    assert x.zero_() is x
    np.testing.assert_array_equal(host(x), np.zeros((2, 2)))
    x.fill_(7.0)
    np.testing.assert_array_equal(host(x), np.full((2, 2), 7.0))


def test_inplace_leaves_copies_alone(backend):
    x = ag.tensor([1.0, 2.0])
    copy = ag.tensor(x)  # ag.tensor always copies
    x += 1.0
    x[0] = 9.0
    np.testing.assert_array_equal(host(copy), [1.0, 2.0])
    np.testing.assert_array_equal(host(x), [9.0, 3.0])


def test_inplace_under_no_grad_on_a_parameter(backend):
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    assert w.grad is not None
    with ag.no_grad():
        w -= 0.5 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(host(w), [0.0, 0.0])
    assert w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(host(w.grad), [0.0, 0.0])


def test_inplace_on_saved_tensor_makes_backward_raise(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1.0
    b = a.sin()  # sin reads its input (exp would not: it saves its output)
    a += 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_inplace_recorded_gradient(backend):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    y *= x  # y = 2 x^2
    y[0] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), [0.0, 8.0, 12.0])
