"""PyTorch's type promotion where NumPy's differs: a floating tensor with an integer or
bool tensor keeps the floating dtype (NumPy: float32 with int64 is float64), an integer
tensor with a Python float computes in the default floating dtype, a bool tensor with a
Python int in int64; matmul refuses a floating with an integer matrix."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")

INTS = ["int64", "int32", "uint8", "bool"]
FLOATS = ["float32", "float64"]
OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
       operator.lt, operator.eq]


def _pair(dtype, values):
    return ag.tensor(values, dtype=getattr(ag, dtype)), \
        torch.tensor(values, dtype=getattr(torch, dtype))


@pytest.mark.parametrize("fdt", FLOATS)
@pytest.mark.parametrize("idt", INTS)
@pytest.mark.parametrize("op", OPS, ids=lambda f: f.__name__)
def test_floating_with_integer_tensor(op, idt, fdt):
    f, tf = _pair(fdt, [0.5, -1.25, 2.0])
    i, ti = _pair(idt, [1, 0, 3] if idt != "bool" else [True, False, True])
    if op is operator.sub and idt == "bool":
        for a, b in ((f, i), (i, f)):
            with pytest.raises(RuntimeError, match="Subtraction.*bool tensor"):
                op(a, b)
        return
    for got, want in ((op(f, i), op(tf, ti)), (op(i, f), op(ti, tf))):
        assert got.dtype.name == str(want.dtype).replace("torch.", "")
        np.testing.assert_allclose(np.asarray(got.tolist(), dtype=float),
                                   np.asarray(want.tolist(), dtype=float), rtol=1e-6)


@pytest.mark.parametrize("idt", INTS)
@pytest.mark.parametrize("number", [0.5, 2, -3.0])
@pytest.mark.parametrize("op", OPS, ids=lambda f: f.__name__)
def test_integer_tensor_with_a_python_number(op, number, idt):
    i, ti = _pair(idt, [1, 2, 3] if idt != "bool" else [True, False, True])
    if op is operator.sub and idt == "bool":
        for a, b in ((i, number), (number, i)):
            with pytest.raises(RuntimeError, match="Subtraction.*bool tensor"):
                op(a, b)
        return
    for got, want in ((op(i, number), op(ti, number)), (op(number, i), op(number, ti))):
        assert got.dtype.name == str(want.dtype).replace("torch.", ""), (got, want)
        np.testing.assert_allclose(np.asarray(got.tolist(), dtype=float),
                                   np.asarray(want.tolist(), dtype=float), rtol=1e-6)
    assert ag.mul(i, number).dtype.name == str((ti * number).dtype).replace("torch.", "")


def test_gradients_and_matmul():
    w = ag.tensor([0.5, 1.5, -2.0], requires_grad=True)
    tw = torch.tensor([0.5, 1.5, -2.0], requires_grad=True)
    y, ty = ag.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    loss, tloss = ((w - y) ** 2 / y).sum(), ((tw - ty) ** 2 / ty).sum()
    loss.backward()
    tloss.backward()
    assert loss.dtype == ag.float32 and w.grad.dtype == ag.float32
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.ones(2, 2) @ ag.ones(2, 2, dtype=ag.int64)
    assert (ag.ones(2, 2, dtype=ag.float64) @ ag.ones(2, 2)).dtype == ag.float64
