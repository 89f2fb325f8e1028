"""Every op-table row: values against NumPy (float32 and float64) and gradcheck (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import (
    diagnose,
    downcast_message,
    host,
    require_case,
)
from arraygrad.testing.op_table import (
    CASES,
    cast_inputs,
    grad_args,
    numpy_reference,
    sample_inputs,
    to_tensors,
)

GRADCHECK_CASES = [c for c in CASES if c.differentiable and c.gradcheck]


def _ids(case):
    return case.name


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_op_forward(backend, case, dtype):
    """The op's value equals NumPy's; non-differentiable ops record nothing."""
    require_case(case, backend, dtype)
    arrays = cast_inputs(sample_inputs(case), dtype)
    with diagnose(backend, case.name):
        inputs = to_tensors(case, arrays, dtype, backend)
        out = case.fn(ag, *inputs)
    expected = np.asarray(numpy_reference(case, arrays))
    assert isinstance(out, ag.Tensor), f"{case.name}: returned {type(out).__name__}"
    assert out.backend is backend, f"{case.name}: result on backend {out.backend.name!r}"
    assert out.shape == expected.shape, (
        f"{case.name}: shape {out.shape}, NumPy gives {expected.shape}")
    values = host(out)
    if expected.dtype.kind in "biu":
        assert out.dtype.kind == expected.dtype.kind, (
            f"{case.name}: dtype {out.dtype.name}, NumPy gives {expected.dtype}")
        np.testing.assert_array_equal(values, expected, err_msg=case.name)
    else:
        assert out.dtype.kind == "f", f"{case.name}: dtype {out.dtype.name}"
        if dtype == "float64" and any(np.asarray(a).dtype.kind == "f" for a in arrays):
            assert out.dtype.name != "float32", downcast_message(
                backend, f"{case.name} on float64 inputs", out.dtype.name)
        rtol, atol = case.tol32 if dtype == "float32" else case.tol64
        np.testing.assert_allclose(values, expected, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=f"{case.name} in {dtype}")
    if not case.differentiable:
        assert not out.requires_grad, f"{case.name}: a non-differentiable result requires grad"
    elif grad_args(case, arrays):
        assert out.requires_grad, f"{case.name}: the result does not require grad"


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=_ids)
def test_op_gradcheck(backend, case):
    """Analytic gradients equal central finite differences in float64."""
    require_case(case, backend, "float64")
    arrays = sample_inputs(case)
    with diagnose(backend, case.name):
        inputs = to_tensors(case, arrays, "float64", backend)
        assert ag.autograd.gradcheck(lambda *xs: case.fn(ag, *xs), inputs)
