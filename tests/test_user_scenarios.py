"""Regression tests from acceptance testing as a PyTorch user: habits that must carry over.

Each test is a snippet a PyTorch user writes daily that once failed or gave a wrong answer.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import host

torch = pytest.importorskip("torch")


def _t(values, **kw):
    return ag.tensor(values, **kw)


def _close(actual, expected, tol=1e-6):
    expected = expected.detach().numpy() if hasattr(expected, "detach") else expected
    actual = host(actual)
    assert actual.shape == np.shape(expected)
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


# ---------------------------------------------------------------------- PyTorch spellings
def test_cat_and_stack_take_dim_positionally_and_by_keyword(backend):
    a, b = ag.ones((2, 3)), ag.zeros((2, 3))
    ta, tb = torch.ones(2, 3), torch.zeros(2, 3)
    _close(ag.cat([a, b], 1), torch.cat([ta, tb], 1))
    _close(ag.cat((a, b), dim=1), torch.cat((ta, tb), dim=1))
    _close(ag.cat([a, b], dim=-1), torch.cat([ta, tb], dim=-1))
    _close(ag.stack([a, b], 1), torch.stack([ta, tb], 1))
    _close(ag.stack([a, b], dim=2), torch.stack([ta, tb], dim=2))
    assert ag.concat([a, b], axis=None).shape == (12,)  # the standard's flattening form
    with pytest.raises(TypeError, match="concat: pass either axis= or dim="):
        ag.cat([a, b], axis=1, dim=0)


def test_cat_with_dim_is_differentiable(backend):
    w = ag.tensor([[1.0, 2.0]], requires_grad=True)
    (ag.cat([w, 3 * w], dim=1) ** 2).sum().backward()
    tw = torch.tensor([[1.0, 2.0]], requires_grad=True)
    (torch.cat([tw, 3 * tw], dim=1) ** 2).sum().backward()
    _close(w.grad, tw.grad)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "logsumexp", "argmax", "argmin"])
def test_namespace_reductions_take_dim_and_keepdim(backend, name):
    x = ag.arange(12, dtype=ag.float32).reshape((3, 4)) / 4.0
    tx = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 4.0
    fn, tfn = getattr(ag, name), getattr(torch, name)
    _close(fn(x, dim=1), tfn(tx, dim=1), 1e-5)
    _close(fn(x, dim=0, keepdim=True), tfn(tx, dim=0, keepdim=True), 1e-5)
    _close(fn(x, 1), tfn(tx, 1), 1e-5)
    with pytest.raises(TypeError, match=f"{name}: pass either axis= or dim="):
        fn(x, axis=0, dim=1)


def test_namespace_all_any_take_dim(backend):
    x = ag.tensor([[True, False], [True, True]])
    assert ag.all(x, dim=1).tolist() == [False, True]
    assert ag.any(x, dim=0, keepdim=True).tolist() == [[True, True]]


def test_transpose_swaps_the_two_given_dims(backend):
    x = ag.arange(24).reshape((2, 3, 4))
    tx = torch.arange(24).reshape(2, 3, 4)
    _close(ag.transpose(x, 0, 2), torch.transpose(tx, 0, 2))
    _close(ag.transpose(x, -1, 1), torch.transpose(tx, -1, 1))
    _close(ag.transpose(ag.ones((2, 3))), torch.ones(3, 2))  # default: the last two axes


def test_expand_with_minus_one_keeps_that_size(backend):
    x = ag.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    y = x.expand(-1, 4)
    _close(y, torch.tensor([[1.0], [2.0], [3.0]]).expand(-1, 4))
    assert x.expand(2, -1, 4).shape == (2, 3, 4)
    y.sum().backward()
    assert x.grad.tolist() == [[4.0], [4.0], [4.0]]
    with pytest.raises(ValueError, match=r"-1 .* must stand for an existing axis"):
        x.expand(-1, 3, 1)


# ---------------------------------------------------------------------------- indexing
def test_row_mask_on_a_3d_tensor_values_and_gradient(backend):
    data = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    x = ag.tensor(data.tolist(), requires_grad=True)  # a list: made on the current backend
    y = x[ag.tensor([True, False])]
    tx = torch.tensor(data, requires_grad=True)
    ty = tx[torch.tensor([True, False])]
    _close(y, ty)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    _close(x.grad, tx.grad)


def test_zero_d_integer_tensor_indexes_like_an_int(backend):
    x = ag.arange(24).reshape((2, 3, 4))
    i = ag.max(ag.tensor([0, 1]))  # e.g. the result of argmax
    assert x[i].tolist() == x[1].tolist()
    assert x[:, i, 0].tolist() == [4, 16]


def test_setitem_with_integer_array_index(backend):
    y = ag.zeros(4)
    y[ag.tensor([0, 2])] = ag.tensor([5.0, 6.0])
    assert y.tolist() == [5.0, 0.0, 6.0, 0.0]
    z = ag.zeros((2, 3))
    z[ag.tensor([1])] = 1.0
    assert z.tolist() == [[0.0] * 3, [1.0] * 3]


def test_recorded_setitem_with_integer_array_index_has_gradients(backend):
    w = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = ag.tensor([10.0, 20.0], requires_grad=True)
    y = w * 2
    y[ag.tensor([1, 3])] = v
    (y * y).sum().backward()
    assert w.grad.tolist() == [8.0, 0.0, 24.0, 0.0]
    assert v.grad.tolist() == [20.0, 40.0]


# ---------------------------------------------------------------------------- creation
@pytest.mark.parametrize("data", ["abc", np.array(["a", "b"]), np.array([object()])])
def test_tensor_from_strings_or_objects_is_a_type_error(data):
    with pytest.raises(TypeError, match="not a numeric Array-API dtype"):
        ag.tensor(data)


# ------------------------------------------------- bugs in files others were restructuring
def test_softmax_method_with_dim(backend):
    x = ag.tensor([[1.0, 2.0], [3.0, 5.0]])
    tx = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    _close(x.softmax(dim=0), tx.softmax(dim=0), 1e-6)
    _close(x.log_softmax(dim=0), tx.log_softmax(dim=0), 1e-6)


def test_max_with_dim_returns_values_and_indices(backend):
    x = ag.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert x.min(dim=0)[0].tolist() == [1.0, 0.0, 2.0]


@pytest.mark.parametrize("name", ["numpy", "array_api_strict"])
def test_numpy_scalar_operand_keeps_the_tensor_dtype(name):
    x = ag.ones(2, backend=name)
    assert (x * np.float64(2.0)).dtype == ag.float32
    assert (np.float32(2.0) + x).dtype == ag.float32


@pytest.mark.parametrize("arg", [1.0, [1.0, 2.0], np.ones(2)])
def test_op_on_non_tensor_is_a_type_error(arg):
    with pytest.raises(TypeError, match="exp"):
        ag.exp(arg)


def test_format_spec_on_a_0d_tensor():
    assert f"{ag.tensor(3.14159):.2f}" == "3.14"
