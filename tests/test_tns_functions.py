"""PyTorch's functions and Tensor methods added by the tns branch, against torch: values,
dtypes, gradients and errors (numpy backend; the compositions run on every backend)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.torch_compat as agt
from arraygrad.ops.torch_namespace import INPLACE_FUNCTIONS

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().array)


def _close(a, t, tol=1e-6):
    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (a.dtype, t.dtype)
    np.testing.assert_allclose(_np(a), _np(t), rtol=tol, atol=tol, equal_nan=True)


def _pair(values, dtype="float64", grad=False):
    a = ag.tensor(values, dtype=getattr(ag, dtype), requires_grad=grad)
    t = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=grad)
    return a, t


X = [[0.5, -1.25, 2.0], [3.0, -0.75, 1.5]]

UNARY = ["absolute", "arccos", "arcsin", "arctan", "arcsinh", "arctanh", "fix", "negative",
         "deg2rad", "rad2deg", "sinc", "isposinf", "isneginf", "isreal"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_functions_match_torch(name):
    vals = [[0.5, -0.25, 0.0], [0.75, -0.9, math.inf]] if name.startswith("is") else \
        [[0.5, -0.25, 0.0], [0.75, -0.9, 0.1]]
    a, t = _pair(vals, grad=not name.startswith("is") and name != "fix")
    ra, rt = getattr(agt, name)(a), getattr(torch, name)(t)
    _close(ra, rt)
    if a.requires_grad:
        ra.sum().backward()
        rt.sum().backward()
        _close(a.grad, t.grad)
        _close(getattr(a.detach(), name)(), getattr(t.detach(), name)())


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "arctan2", "fmax",
                                  "fmin", "logaddexp2", "float_power", "rsub", "ldexp"])
def test_binary_functions_match_torch(name):
    av = [[1.0, math.nan, 2.0, -1.0], [0.5, 2.0, math.nan, 3.0]]
    bv = [[1.0, 1.0, math.nan, 2.0], [0.5, -1.0, math.nan, 4.0]]
    if name in ("ldexp", "float_power", "logaddexp2", "rsub"):
        av = [[1.0, 0.5, 2.0, -1.0], [0.5, 2.0, 1.5, 3.0]]
        bv = [[1.0, -2.0, 3.0, 2.0], [0.0, 1.0, 2.0, 4.0]]
    a, t = _pair(av, "float32", grad=name not in ("eq", "ne", "lt", "le", "gt", "ge"))
    b, u = _pair(bv, "float32")
    if name == "ldexp":
        b, u = ag.tensor(bv, dtype=ag.int64), torch.tensor(bv, dtype=torch.int64)
    ra, rt = getattr(agt, name)(a, b), getattr(torch, name)(t, u)
    _close(ra, rt)
    if a.requires_grad:
        ra.sum().backward()
        rt.sum().backward()
        if name == "ldexp":  # torch's gradient takes 2 ** other in integer arithmetic
            t.grad = 2.0 ** u.float()
        _close(a.grad, t.grad)


def test_int_pow_follows_torch():
    base = [0, 1, -1, 2, -2, 0, -1]
    exps = [-1, -3, -3, -1, -1, 0, -2]
    _close(ag.tensor(base) ** ag.tensor(exps), torch.tensor(base) ** torch.tensor(exps))
    _close(ag.pow(-1, ag.tensor([-1, -2, 3])), torch.pow(-1, torch.tensor([-1, -2, 3])))
    for make in (lambda m: m.tensor([1, 2]), lambda m: m.tensor([True, False]),
                 lambda m: m.tensor([3], dtype=m.uint8)):
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            make(torch) ** -1
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            make(ag) ** -1
    x = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
        x.pow_(-2)
    assert x.tolist() == [1, 2]
    x **= ag.tensor([-1, 3])
    assert x.tolist() == [1, 8]


def test_inplace_methods_and_functions():
    for name in ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "less_equal_",
                 "not_equal_", "multiply_", "subtract_", "divide_", "true_divide_", "hypot_",
                 "atan2_", "fmod_", "copysign_"]:
        a, t = _pair(X)
        b, u = _pair([[0.5, 1.0, 2.0], [-3.0, 1.0, 1.0]])
        _close(getattr(a, name)(b), getattr(t, name)(u))
        _close(a, t)
    for name in ["sign_", "sqrt_", "rsqrt_", "log_", "log2_", "log1p_", "exp2_", "tan_",
                 "sinh_", "erf_", "erfc_", "frac_", "deg2rad_", "sinc_", "arccos_", "fix_",
                 "absolute_", "negative_", "tril_", "triu_", "cumsum_"]:
        vals = [[0.5, 0.25, 0.9], [0.1, 0.3, 0.7]]
        a, t = _pair(vals, grad=True)
        a2, t2 = a * 1, t * 1
        args = (0,) if name == "cumsum_" else ()
        getattr(a2, name)(*args)
        getattr(t2, name)(*args)
        _close(a2, t2)
        a2.sum().backward()
        t2.sum().backward()
        _close(a.grad, t.grad)
    for name in INPLACE_FUNCTIONS:
        assert hasattr(torch, name), name
        if name in ("fill_", "clamp_", "clip_", "clamp_min_", "clamp_max_", "xlogy_",
                    "detach_", "zero_"):
            continue
        a, t = _pair([[0.5, 0.25, 0.9], [0.1, 0.3, 0.7]])
        assert getattr(agt, name)(a) is a
        getattr(torch, name)(t)
        _close(a, t)
    a, t = _pair(X)
    agt.fill_(a, 2.5)
    agt.clamp_(a, max=1.0)
    torch.fill_(t, 2.5)
    torch.clamp_(t, max=1.0)
    _close(a, t)


@pytest.mark.parametrize("name", ["exp_", "sqrt_", "sigmoid_", "div_", "true_divide_"])
def test_inplace_refuses_an_uncastable_result(name):
    x = ag.tensor([1, 2])
    args = (ag.tensor([2, 3]),) if "div" in name else ()
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        getattr(torch.tensor([1, 2]), name)(*(torch.tensor([2, 3]),) if args else ())
    with pytest.raises((RuntimeError, TypeError), match=r"cast"):
        getattr(x, name)(*args)
    assert x.tolist() == [1, 2]


def test_view_inplace_methods():
    a, t = _pair(X, grad=True)
    a2, t2 = a * 2, t * 2
    a2.unsqueeze_(0).transpose_(0, 2).squeeze_()
    t2.unsqueeze_(0).transpose_(0, 2).squeeze_()
    assert tuple(a2.shape) == tuple(t2.shape)
    w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    (a2 * ag.tensor(w, dtype=ag.float64)).sum().backward()
    (t2 * torch.tensor(w, dtype=torch.float64)).sum().backward()
    _close(a.grad, t.grad)
    m, mt = ag.ones((2, 3)), torch.ones(2, 3)
    assert tuple(m.t_().shape) == tuple(mt.t_().shape)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        torch.ones(2, requires_grad=True).unsqueeze_(0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        ag.ones(2, requires_grad=True).unsqueeze_(0)
    base = ag.ones((2, 3))
    view = base[0]
    with pytest.raises(RuntimeError, match="view"):
        view.unsqueeze_(0)
    assert view.shape == (3,)


def test_tensor_attributes():
    a, t = _pair(X, "float32")
    for name in ["is_cpu", "is_cuda", "nbytes", "itemsize"]:
        assert getattr(a, name) == getattr(t, name), name
    for name in ["get_device", "ndimension", "is_signed"]:
        assert getattr(a, name)() == getattr(t, name)(), name
    assert not ag.tensor([1], dtype=ag.uint8).is_signed()
    assert a.is_same_size(a * 2) and not a.is_same_size(a[0])
    assert ag.tensor([2.0]).is_nonzero() and not ag.tensor([0]).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value"):
        a.is_nonzero()
    _close(a.ravel(), t.ravel())
    _close(a.tile(2), t.tile(2))
    _close(a.tile((2, 1, 2)), t.tile((2, 1, 2)))
    assert a.real is a
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        t.imag  # noqa: B018
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        a.imag  # noqa: B018
    z = ag.tensor([1 + 2j, 3 - 1j])
    assert z.imag.tolist() == [2.0, -1.0] and z.real.tolist() == [1.0, 3.0]


def test_creation_and_dtype_functions():
    _close(agt.range(0, 1, 0.25), torch.range(0, 1, 0.25))
    _close(agt.range(1, 4), torch.range(1, 4))
    _close(agt.logspace(-1, 2, 7), torch.logspace(-1, 2, 7))
    _close(agt.logspace(0, 3, 4, base=2.0, dtype=agt.float64),
           torch.logspace(0, 3, 4, base=2.0, dtype=torch.float64))
    _close(agt.scalar_tensor(3), torch.scalar_tensor(3))
    assert isinstance(ag.tensor([1.0]).dtype, agt.dtype)
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
             "float32", "float64", "complex64", "complex128"]
    for x in names:
        for y in names:
            assert agt.promote_types(getattr(ag, x), getattr(ag, y)).name == \
                str(torch.promote_types(getattr(torch, x), getattr(torch, y))).split(".")[1]
    a, b = agt.broadcast_tensors(ag.ones((2, 1)), ag.ones(3))
    assert a.shape == b.shape == (2, 3)
    _close(agt.concatenate([ag.ones(2), ag.zeros(1)]),
           torch.concatenate([torch.ones(2), torch.zeros(1)]))
    _close(agt.row_stack([ag.ones(2), ag.zeros(2)]),
           torch.vstack([torch.ones(2), torch.zeros(2)]))


def test_integer_functions():
    a, b = [4, -6, 0, 7, 0, 12], [6, 4, 0, 0, 5, -18]
    for name in ["gcd", "lcm"]:
        _close(getattr(agt, name)(ag.tensor(a), ag.tensor(b)),
               getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
    with pytest.raises(RuntimeError, match="gcd"):
        agt.gcd(ag.tensor([1.0]), ag.tensor([2.0]))
    with pytest.raises(RuntimeError):
        torch.gcd(torch.tensor([1.0]), torch.tensor([2.0]))


def test_frexp_matches_torch():
    vals = [0.0, 1.0, -3.0, 0.1, math.inf, -math.inf, 1e-310, 1.7e308, -0.0, 0.5]
    a, t = _pair(vals, grad=False)
    ma, ea = agt.frexp(a)
    mt, et = torch.frexp(t)
    _close(ma, mt)
    _close(ea, et)
    with pytest.raises(RuntimeError, match="floating-point"):
        agt.frexp(ag.tensor([1]))


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cumulative_extrema(name):
    vals = [[1.0, 3.0, 2.0, 3.0, math.nan, 5.0, math.nan, 1.0],
            [4.0, 1.0, 1.0, 2.0, 0.0, 0.0, 7.0, -1.0]]
    a, t = _pair(vals, grad=True)
    for dim in (1, 0, -1):
        va, ia = getattr(agt, name)(a, dim)
        vt, it = getattr(torch, name)(t, dim)
        _close(va, vt)
        _close(ia, it)
    va.sum().backward()
    vt.sum().backward()
    _close(a.grad, t.grad)
    s, st = _pair(2.0)
    _close(getattr(agt, name)(s, 0).indices, getattr(torch, name)(st, 0).indices)


def test_logcumsumexp_aminmax_msort():
    vals = [[-1000.0, 0.0, 1000.0, 2.0, -math.inf], [1.0, 2.0, 3.0, -5.0, 0.5]]
    a, t = _pair(vals, grad=True)
    for dim in (0, 1):
        _close(agt.logcumsumexp(a, dim), torch.logcumsumexp(t, dim))
    agt.logcumsumexp(a, 1).sum().backward()
    torch.logcumsumexp(t, 1).sum().backward()
    _close(a.grad, t.grad)
    b, u = _pair(X)
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}):
        for ra, rt in zip(agt.aminmax(b, **kw), torch.aminmax(u, **kw)):
            _close(ra, rt)
    _close(agt.msort(b), torch.msort(u))


_NN_CALLS = {
    "conv2d": lambda m, x: m.conv2d(x, m.ones((2, 3, 2, 2)) * 0.1, None, 1, 1),
    "conv1d": lambda m, x: m.conv1d(x[:, :, 0], m.ones((2, 3, 2)) * 0.2, None, 2),
    "max_pool2d": lambda m, x: m.max_pool2d(x, 2, 2),
    "avg_pool1d": lambda m, x: m.avg_pool1d(x[:, :, 0], 2),
    "layer_norm": lambda m, x: m.layer_norm(x, (4,), None, None, 1e-5),
    "group_norm": lambda m, x: m.group_norm(x, 1),
    "dropout": lambda m, x: m.dropout(x, 0.5, False),
    "selu": lambda m, x: m.selu(x), "celu": lambda m, x: m.celu(x, 0.5),
    "threshold": lambda m, x: m.threshold(x, 0.1, -1.0),
    "hardshrink": lambda m, x: m.hardshrink(x, 0.3),
    "cosine_similarity": lambda m, x: m.cosine_similarity(x, x * 2 + 1, 1),
    "pairwise_distance": lambda m, x: m.pairwise_distance(x[0, 0], x[0, 1]),
    "pixel_shuffle": lambda m, x: m.pixel_shuffle(m.cat([x, x, x, x[:, :1]], 1)[:, :8], 2),
    "prelu": lambda m, x: m.prelu(x, m.ones(1) * 0.25),
}


@pytest.mark.parametrize("name", sorted(_NN_CALLS))
def test_top_level_nn_functions(name):
    x = np.random.default_rng(3).normal(size=(2, 3, 4, 4)).astype(np.float32)
    _close(_NN_CALLS[name](agt, ag.tensor(x)), _NN_CALLS[name](torch, torch.tensor(x)))
