"""Errors name what went wrong: the op, shapes, backends."""

from __future__ import annotations

import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import other_backend


def test_error_mixed_backends_names_both(backend):
    other = other_backend(backend)
    a = ag.ones(2, backend=backend)
    b = ag.ones(2, backend=other)
    with pytest.raises(ag.BackendError) as info:
        a + b
    message = str(info.value)
    assert "add" in message and repr(backend.name) in message and repr(other.name) in message
    with pytest.raises(ag.BackendError, match="concat"):
        ag.concat([a, b])


def test_error_broadcast_mismatch_names_op_and_shapes(backend):
    a = ag.ones(2, 3)
    b = ag.ones(4)
    with pytest.raises(ValueError) as info:
        a * b
    message = str(info.value)
    assert "multiply" in message and "(2, 3)" in message and "(4,)" in message


def test_error_matmul_mismatch_names_shapes(backend):
    with pytest.raises(ValueError) as info:
        ag.ones(2, 3) @ ag.ones(2, 3)
    assert "matmul" in str(info.value) and "(2, 3)" in str(info.value)


def test_error_reduction_axis_out_of_range(backend):
    # PyTorch raises IndexError, NumPy an AxisError (both classes); either is accepted.
    with pytest.raises((IndexError, ValueError)) as info:
        ag.ones(2, 3).sum(axis=2)
    assert "sum" in str(info.value) and "axis 2" in str(info.value)
