"""``ag.autograd.functional`` against ``torch.autograd.functional``: the same values, the
same result structure (Tensor or tuples), PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.autograd import functional as AF

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

X0 = np.array([0.5, -1.0, 2.0])
Y0 = np.array([[1.0, 2.0], [0.5, -0.5]])


def _fns(lib):
    return {
        "square": lambda x: x ** 2,
        "scalar": lambda x: (x ** 3).sum() + x.prod(),
        "pair": lambda x, y: (x.sum() * y, lib.tanh(y).sum() + x[0]),
        "matrix": lambda y: y @ y,
    }


def _inputs(name, lib):
    if name == "pair":
        return (lib.tensor(X0), lib.tensor(Y0))
    return lib.tensor(Y0) if name == "matrix" else lib.tensor(X0)


def _np(r):
    if isinstance(r, tuple):
        return tuple(_np(x) for x in r)
    return r.detach().numpy() if hasattr(r, "detach") else np.asarray(r)


def _same(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert not isinstance(a, tuple)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["square", "scalar", "pair", "matrix"])
def test_jacobian(name):
    got = AF.jacobian(_fns(ag)[name], _inputs(name, ag))
    want = TF.jacobian(_fns(torch)[name], _inputs(name, torch))
    _same(_np(got), _np(want))


def test_hessian_and_vector_products():
    f, tf = _fns(ag)["scalar"], _fns(torch)["scalar"]
    x, tx = ag.tensor(X0), torch.tensor(X0)
    v, tv = ag.tensor([1.0, 0.5, -2.0]), torch.tensor([1.0, 0.5, -2.0], dtype=torch.float64)
    _same(_np(AF.hessian(f, x)), _np(TF.hessian(tf, tx)))
    for name in ("vhp", "hvp"):
        _same(_np(getattr(AF, name)(f, x, v)), _np(getattr(TF, name)(tf, tx, tv)))
    _same(_np(AF.vjp(f, x)), _np(TF.vjp(tf, tx)))
    g, tg = _fns(ag)["pair"], _fns(torch)["pair"]
    args, targs = _inputs("pair", ag), _inputs("pair", torch)
    cot = (ag.ones(2, 2), ag.tensor(3.0, dtype=ag.float64))
    tcot = (torch.ones(2, 2, dtype=torch.float64), torch.tensor(3.0, dtype=torch.float64))
    _same(_np(AF.vjp(g, args, cot)), _np(TF.vjp(tg, targs, tcot)))
    tan = (ag.tensor([1.0, 0.0, 1.0]), ag.ones(2, 2, dtype=ag.float64))
    ttan = (torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64),
            torch.ones(2, 2, dtype=torch.float64))
    _same(_np(AF.jvp(g, args, tan)), _np(TF.jvp(tg, targs, ttan)))
    _same(_np(AF.hessian(lambda a, b: (a * b.sum()).sum(), args)),
          _np(TF.hessian(lambda a, b: (a * b.sum()).sum(), targs)))


def test_errors_and_independent_inputs():
    x = ag.tensor(X0)
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda a: a ** 2, x)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, x), strict=True)
    j = AF.jacobian(lambda a, b: a * 2, (x, x))
    assert j[1].tolist() == [[0.0] * 3] * 3
    with pytest.raises(TypeError, match="inputs must be a Tensor"):
        AF.jacobian(lambda a: a, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="single element"):
        AF.hessian(lambda a: a ** 2, x)


def test_create_graph_keeps_the_results_differentiable():
    x = ag.tensor(X0, requires_grad=True)
    tx = torch.tensor(X0, requires_grad=True)
    h = AF.hessian(lambda a: (a ** 3).sum(), x, create_graph=True)
    th = TF.hessian(lambda a: (a ** 3).sum(), tx, create_graph=True)
    h.sum().backward()
    th.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert not AF.jacobian(lambda a: a ** 2, x).requires_grad
    assert ag.autograd.no_grad is ag.no_grad and ag.autograd.enable_grad is ag.enable_grad
