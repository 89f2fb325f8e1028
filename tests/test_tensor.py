"""The Tensor API: attributes, conversions, creation functions, random numbers, and the
``arraygrad`` module as an Array-API namespace."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import host


def test_attributes(backend):
    x = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.dtype == ag.float32 and x.dtype == "float32"
    assert x.device == backend.default_device
    assert x.backend is backend
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    np.testing.assert_array_equal(host(x.T), host(x).T)
    assert x.T.shape == (3, 2)
    b = ag.ones(4, 2, 3)
    assert b.mT.shape == (4, 3, 2)
    y = x * 2.0
    assert not y.is_leaf and y.grad_fn is not None and y.grad_fn.name() == "MultiplyBackward"
    assert y.grad_fn.next_functions[0][0] is x


def test_detach_item_tolist_numpy(backend):
    x = ag.tensor([[1.5, -2.0]], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.numpy(), [[1.5, -2.0]])
    assert x[0, 1].item() == -2.0 and isinstance(x[0, 1].item(), float)
    assert x.tolist() == [[1.5, -2.0]]
    assert ag.tensor(3).item() == 3 and isinstance(ag.tensor(3).item(), int)
    assert float(ag.tensor(2.5)) == 2.5 and int(ag.tensor(4)) == 4
    assert bool(ag.tensor(True))


def test_to_dtype_and_requires_grad_(backend):
    x = ag.tensor([1.0, 2.0])
    assert x.to(ag.int64).dtype == ag.int64
    assert x.to(dtype=ag.float32) is x or x.to(dtype=ag.float32).dtype == ag.float32
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = ag.tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_repr(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    text = repr(x)
    assert text.startswith("tensor([1., 2.]") and "requires_grad=True" in text
    assert "grad_fn=<MultiplyBackward>" in repr(x * 2.0)
    assert "dtype=int32" in repr(ag.tensor([1, 2], dtype=ag.int32))
    if backend.name != "numpy":
        assert repr(backend.name) in text


def test_creation_functions(backend):
    assert ag.tensor([1, 2]).dtype == ag.int64
    assert ag.tensor([1.0, 2]).dtype == ag.float32
    assert ag.tensor([True]).dtype == ag.bool
    src = np.arange(6.0).reshape(2, 3)
    assert ag.asarray(src).backend.name == "numpy"  # an existing array keeps its library
    a = ag.asarray(src, backend=backend)
    assert a.dtype == ag.float64 and a.shape == (2, 3)
    np.testing.assert_array_equal(host(a), src)
    assert ag.asarray(a) is a
    cases = {
        "zeros": (ag.zeros(2, 3), np.zeros((2, 3))),
        "zeros_tuple": (ag.zeros((2, 3)), np.zeros((2, 3))),
        "ones": (ag.ones(3), np.ones(3)),
        "full": (ag.full((2, 2), 7.5), np.full((2, 2), 7.5)),
        "arange": (ag.arange(5), np.arange(5)),
        "arange_float": (ag.arange(0.0, 1.0, 0.25), np.arange(0.0, 1.0, 0.25)),
        "linspace": (ag.linspace(0.0, 1.0, 5), np.linspace(0.0, 1.0, 5)),
        "eye": (ag.eye(3), np.eye(3)),
        "eye_k": (ag.eye(2, 3, k=1), np.eye(2, 3, k=1)),
        "zeros_like": (ag.zeros_like(a), np.zeros((2, 3))),
        "ones_like": (ag.ones_like(a), np.ones((2, 3))),
        "full_like": (ag.full_like(a, 2.0), np.full((2, 3), 2.0)),
    }
    for name, (made, expected) in cases.items():
        assert made.backend is backend, name
        np.testing.assert_allclose(host(made), expected, err_msg=name)
    assert ag.arange(5).dtype == ag.int64 and ag.zeros(2).dtype == ag.float32
    assert ag.zeros_like(a).dtype == ag.float64
    assert ag.full((2,), 3).dtype == ag.int64
    assert ag.empty(2, 3).shape == (2, 3) and ag.empty_like(a).shape == (2, 3)
    assert ag.zeros(2, requires_grad=True).requires_grad


def test_random_functions(backend):
    ag.manual_seed(5)
    a = [ag.rand(2, 3), ag.randn(4), ag.randint(0, 3, (5,)), ag.normal(0.0, 2.0, (3,))]
    ag.manual_seed(5)
    b = [ag.rand(2, 3), ag.randn(4), ag.randint(0, 3, (5,)), ag.normal(0.0, 2.0, (3,))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(host(x), host(y))
        assert x.backend is backend
    assert a[0].shape == (2, 3) and a[2].dtype == ag.int64
    assert ag.rand(2, requires_grad=True).requires_grad
    with pytest.raises(TypeError):
        ag.rand(2, dtype=ag.int64)
    with pytest.raises(ValueError):
        ag.randint(3, 3, (2,))


def test_namespace_is_arraygrad(backend):
    x = ag.ones(2)
    assert x.__array_namespace__() is ag
    assert ag.float32 == x.dtype and ag.isdtype(x.dtype, "real floating")
    assert ag.finfo(ag.float32).eps == pytest.approx(np.finfo(np.float32).eps)


def _standard_softplus_norm(x):
    """Array-API code that knows nothing of arraygrad."""
    xp = x.__array_namespace__()
    y = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, xp.zeros_like(x))
    return xp.sqrt(xp.sum(y * y, axis=-1))


def test_array_api_code_is_differentiable(backend):
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]])
    x = ag.asarray(data, dtype=ag.float64 if ag.float64 in backend.native_dtypes else None,
                   requires_grad=True)
    out = _standard_softplus_norm(x)
    np.testing.assert_allclose(host(out), _standard_softplus_norm(data), rtol=1e-6)
    out.sum().backward()
    assert x.grad.shape == (2, 3)
    if x.dtype == ag.float64:
        assert ag.autograd.gradcheck(lambda t: _standard_softplus_norm(t), (x.detach()
                                                                         .requires_grad_(),))
