"""In-place operations: version counters, leaf protection, rebinding on immutable backends.

(Values of ``+= -= *= /=``, ``__setitem__``, ``zero_`` on every backend are checked by the
conformance kit, collected in test_conformance.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import host

INPLACE = [
    ("+=", lambda x: x.__iadd__(1.0)),
    ("-=", lambda x: x.__isub__(1.0)),
    ("*=", lambda x: x.__imul__(2.0)),
    ("/=", lambda x: x.__itruediv__(2.0)),
    ("setitem", lambda x: x.__setitem__(0, 5.0)),
    ("zero_", lambda x: x.zero_()),
    ("fill_", lambda x: x.fill_(3.0)),
    ("copy_", lambda x: x.copy_(ag.ones(2))),
]


@pytest.mark.parametrize("name,op", INPLACE, ids=[n for n, _ in INPLACE])
def test_version_counter_counts_every_inplace_op(backend, name, op):
    x = ag.tensor([1.0, 2.0])
    before = x._version_number
    op(x)
    assert x._version_number == before + 1, name


@pytest.mark.parametrize("name,op", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_on_a_leaf_that_requires_grad_raises(backend, name, op):
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf") as info:
        op(w)
    assert "(2,)" in str(info.value) and "no_grad" in str(info.value)
    np.testing.assert_array_equal(host(w), [1.0, 2.0])
    with ag.no_grad():
        op(w)  # allowed under no_grad, as optimizers do


def test_immutable_backend_rebinds_the_same_tensor(backend):
    x = ag.tensor([1.0, 2.0, 3.0])
    before = x.array
    ident = id(x)
    x += 1.0
    x[0] = 0.0
    x.zero_()
    assert id(x) == ident
    np.testing.assert_array_equal(host(x), [0.0, 0.0, 0.0])
    if not backend.mutable:
        assert x.array is not before  # a new array: the old one is untouched
        np.testing.assert_array_equal(backend.to_numpy(before), [1.0, 2.0, 3.0])


def test_modified_view_invalidates_saved_tensor(backend):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    v = y[0:2]  # a view shares its base's version counter
    w = v.sin()  # sin saves its input (exp would save only its output)
    y += 1.0
    with pytest.raises(RuntimeError, match="inplace") as info:
        w.sum().backward()
    assert "sin" in str(info.value) and "version" in str(info.value)


def test_inplace_not_needed_by_backward_is_fine(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y + 2.0  # add does not save its inputs' values
    y *= 3.0
    (z.sum() + y.sum()).backward()
    np.testing.assert_allclose(host(x.grad), [4.0, 4.0])


def test_failed_inplace_leaves_the_tensor_unchanged(backend):
    x = ag.tensor([1.0, 2.0, 3.0])
    version = x._version_number
    with pytest.raises(ValueError, match=r"add.*\(2,\).*\(3,\)"):
        x += ag.ones(2)
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(3,\)"):
        x += ag.ones(2, 3)
    np.testing.assert_array_equal(host(x), [1.0, 2.0, 3.0])
    assert x._version_number == version


def test_setitem_with_a_tensor_that_requires_grad(backend):
    x = ag.zeros(3)
    v = ag.tensor([2.0, 3.0], requires_grad=True)
    x[1:] = v * 2.0
    assert x.requires_grad and not x.is_leaf
    (x * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_allclose(host(v.grad), [20.0, 200.0])


def test_zero_grad_pattern(backend):
    w = ag.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with ag.no_grad():
            w -= 0.25 * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(host(w), [0.125, -0.125])
