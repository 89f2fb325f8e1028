"""tns group 4: shape and indexing functions against torch (values, gradients, errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.torch_compat as agt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().array)


def _close(a, t, tol=1e-10):
    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (a.dtype, t.dtype)
    assert tuple(a.shape) == tuple(t.shape), (a.shape, t.shape)
    np.testing.assert_allclose(_np(a), _np(t), rtol=tol, atol=tol, equal_nan=True)


def _run(fa, ft, *values, extra=()):
    """Compare ``fa(*tensors, *extra)`` with torch's, values then gradients (a weighted sum
    of every floating output)."""
    ta = [ag.tensor(v, requires_grad=np.asarray(v).dtype.kind == "f") for v in values]
    tt = [torch.tensor(v, requires_grad=np.asarray(v).dtype.kind == "f") for v in values]
    ra, rt = fa(*ta, *extra[0]) if extra else fa(*ta), ft(*tt, *extra[1]) if extra else ft(*tt)
    ra = ra if isinstance(ra, tuple) else (ra,)
    rt = rt if isinstance(rt, tuple) else (rt,)
    assert len(ra) == len(rt)
    la, lt = 0, 0
    for x, y in zip(ra, rt):
        _close(x, y)
        if x.requires_grad:
            w = RNG.normal(size=tuple(x.shape))
            la, lt = la + (x * ag.tensor(w)).sum(), lt + (y * torch.tensor(w)).sum()
    if not isinstance(la, int):
        la.backward()
        lt.backward()
        for a, t in zip(ta, tt):
            if t.grad is not None:
                _close(a.grad, t.grad)


X = RNG.normal(size=(3, 4, 6))


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
def test_rot90(k):
    _run(lambda x: agt.rot90(x, k, (0, 2)), lambda x: torch.rot90(x, k, (0, 2)), X)
    _run(lambda x: x.rot90(k), lambda x: x.rot90(k), X[0])


def test_flips_and_splits():
    _run(agt.fliplr, torch.fliplr, X)
    _run(agt.flipud, torch.flipud, X[0, 0])
    for name, arg in (("hsplit", 2), ("vsplit", 3), ("dsplit", [1, 4]), ("hsplit", [1])):
        _run(lambda x, n=name, a=arg: getattr(agt, n)(x, a),
             lambda x, n=name, a=arg: getattr(torch, n)(x, a), X)
    _run(lambda x: agt.hsplit(x, 3), lambda x: torch.hsplit(x, 3), X[0, 0])
    _run(lambda x: agt.split_with_sizes(x, [1, 2, 3], 2),
         lambda x: torch.split_with_sizes(x, [1, 2, 3], 2), X)
    with pytest.raises(RuntimeError, match="not divisible"):
        agt.hsplit(ag.tensor(X), 5)
    with pytest.raises(RuntimeError):
        torch.hsplit(torch.tensor(X), 5)
    with pytest.raises(RuntimeError, match="sum exactly"):
        agt.split_with_sizes(ag.tensor(X), [1, 2], 2)
    _run(lambda x: agt.diagflat(x, 1), lambda x: torch.diagflat(x, 1), X[0, :2, :3])


def test_scatters():
    _run(lambda x, s: agt.select_scatter(x, s, 1, -2), lambda x, s: torch.select_scatter(
        x, s, 1, -2), X, RNG.normal(size=(3, 6)))
    _run(lambda x, s: agt.slice_scatter(x, s, 2, 1, 6, 2),
         lambda x, s: torch.slice_scatter(x, s, 2, 1, 6, 2), X, RNG.normal(size=(3, 4, 3)))
    for offset, d1, d2 in ((0, 0, 1), (1, 0, 2), (-2, 2, 1), (2, -1, 0)):
        src_shape = tuple(torch.diagonal(torch.tensor(X), offset, d1, d2).shape)
        _run(lambda x, s, o=offset, a=d1, b=d2: agt.diagonal_scatter(x, s, o, a, b),
             lambda x, s, o=offset, a=d1, b=d2: torch.diagonal_scatter(x, s, o, a, b), X,
             RNG.normal(size=src_shape))
    with pytest.raises(RuntimeError, match="slice of self"):
        agt.diagonal_scatter(ag.tensor(X), ag.ones((2, 2), dtype=ag.float64))
    with pytest.raises(RuntimeError, match="slice of self"):
        agt.slice_scatter(ag.tensor(X), ag.ones((2, 2), dtype=ag.float64), 0)
    idx = np.array([2, 0])
    _run(lambda x: agt.index_fill(x, 1, ag.tensor(idx), -1.5),
         lambda x: torch.index_fill(x, 1, torch.tensor(idx), -1.5), X)
    _run(lambda x, s: agt.index_copy(x, 2, ag.tensor([5, 1]), s),
         lambda x, s: torch.index_copy(x, 2, torch.tensor([5, 1]), s), X,
         RNG.normal(size=(3, 4, 2)))
    mask = RNG.uniform(size=(4, 6)) > 0.5
    _run(lambda x, s: agt.masked_scatter(x, ag.tensor(mask), s),
         lambda x, s: torch.masked_scatter(x, torch.tensor(mask), s), X,
         RNG.normal(size=(80,)))
    with pytest.raises(RuntimeError, match="at least"):
        agt.masked_scatter(ag.tensor(X), ag.tensor(mask), ag.ones(3, dtype=ag.float64))
    for acc in (False, True):
        _run(lambda x, s, a=acc: agt.put(x, ag.tensor([0, -1, 7, 0][: 3 + a]), s, a),
             lambda x, s, a=acc: torch.put(x, torch.tensor([0, -1, 7, 0][: 3 + a]), s, a),
             X[0], RNG.normal(size=(3 + acc,)))
        # duplicates only when accumulating (torch leaves the written one undefined)
        rows, cols = np.array([0, 2, 0 if acc else 1]), np.array([1, 3, 1])
        key_a, key_t = (ag.tensor(rows), ag.tensor(cols)), (torch.tensor(rows),
                                                             torch.tensor(cols))
        _run(lambda x, v, a=acc, k=key_a: agt.index_put(x, k, v, a),
             lambda x, v, a=acc, k=key_t: torch.index_put(x, k, v, a), X[0, :3],
             RNG.normal(size=(3,)))
        _run(lambda x, v, a=acc, k=key_a[:1]: agt.index_put(x, k, v, a),
             lambda x, v, a=acc, k=key_t[:1]: torch.index_put(x, k, v, a), X[0],
             RNG.normal(size=(3, 6)))
    x = ag.tensor(X[0])
    t = torch.tensor(X[0])
    x.index_put_((ag.tensor([1]),), ag.tensor(2.0, dtype=ag.float64), accumulate=True)
    t.index_put_((torch.tensor([1]),), torch.tensor(2.0, dtype=torch.float64), accumulate=True)
    _close(x, t)
    x.index_fill_(0, ag.tensor([0]), 3.0)
    t.index_fill_(0, torch.tensor([0]), 3.0)
    _close(x, t)
    with pytest.raises(IndexError, match="out of range"):
        agt.index_fill(ag.tensor(X), 1, ag.tensor([4]), 0.0)


def test_complex_helpers():
    re, im = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    _run(lambda a, b: ag.real(agt.complex(a, b) ** 2), lambda a, b: torch.real(
        torch.complex(a, b) ** 2), re, im)
    _run(lambda a, b: ag.imag(agt.polar(a, b)), lambda a, b: torch.imag(torch.polar(a, b)),
         np.abs(re), im)
    _close(agt.complex(ag.tensor(re, dtype=ag.float32), ag.tensor(im, dtype=ag.float32)),
           torch.complex(torch.tensor(re, dtype=torch.float32),
                         torch.tensor(im, dtype=torch.float32)), 1e-6)
    with pytest.raises(RuntimeError, match="scalar type"):
        agt.complex(ag.tensor(re), ag.tensor(im, dtype=ag.float32))
    vals = [-1.5, 0.0, 2.0, math.nan, -0.0]
    _run(agt.angle, torch.angle, np.array(vals))
    _close(agt.angle(ag.tensor([-2, 3])), torch.angle(torch.tensor([-2, 3])))
    z = (re + 1j * im)
    _close(agt.angle(ag.tensor(z)), torch.angle(torch.tensor(z)))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_renorm(p):
    _run(lambda x: agt.renorm(x, p, 1, 1.5), lambda x: torch.renorm(x, p, 1, 1.5), X)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        agt.renorm(ag.ones(3), p, 0, 1.0)


def test_mode_unique_consecutive_and_small_methods():
    vals = np.array([[1, 2, 2, 3, 3], [5, 5, 1, 1, 0], [3, 3, 3, 1, 1]])
    for dim in (0, 1, -1):
        for keep in (False, True):
            for ra, rt in zip(agt.mode(ag.tensor(vals), dim, keep),
                              torch.mode(torch.tensor(vals), dim, keep)):
                _close(ra, rt)
    f = RNG.integers(0, 3, size=(3, 7)).astype(np.float64)
    _run(lambda x: agt.mode(x, 1).values, lambda x: torch.mode(x, 1).values, f)
    seq = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    for ra, rt in zip(agt.unique_consecutive(ag.tensor(seq), True, True),
                      torch.unique_consecutive(torch.tensor(seq), True, True)):
        _close(ra, rt)
    grid = np.array([[1, 1, 2], [1, 1, 2], [0, 1, 2], [0, 1, 2]])
    for dim in (0, 1):
        for ra, rt in zip(agt.unique_consecutive(ag.tensor(grid), True, True, dim),
                          torch.unique_consecutive(torch.tensor(grid), True, True, dim)):
            _close(ra, rt)
    _run(lambda x: x.sum_to_size(3, 1, 6), lambda x: x.sum_to_size(3, 1, 6), X)
    _run(lambda x: x.sum_to_size((4, 1)), lambda x: x.sum_to_size((4, 1)), X)
    with pytest.raises(RuntimeError, match="not expandable"):
        ag.tensor(X).sum_to_size(2, 4, 6)
    _run(agt.adjoint, torch.adjoint, X)
    _run(lambda x: agt.fill(x, 2.5), lambda x: torch.fill(x, 2.5), X[0])
    _run(lambda x: x.reciprocal(), lambda x: x.reciprocal(), X[0] + 3)
    for name in ("byte", "char", "short", "cfloat", "cdouble"):
        _close(getattr(ag.tensor(X[0] * 3), name)(), getattr(torch.tensor(X[0] * 3), name)(),
               1e-6)
    _close(agt.bitwise_not(ag.tensor([1, -2])), torch.bitwise_not(torch.tensor([1, -2])))
    for name in ("is_conj", "is_neg"):
        assert getattr(agt, name)(ag.tensor(X)) is getattr(torch, name)(torch.tensor(X))
    for name in ("gcd_", "lcm_"):
        a, t = ag.tensor([4, 6]), torch.tensor([4, 6])
        getattr(agt, name)(a, ag.tensor([6, 4]))
        getattr(torch, name)(t, torch.tensor([6, 4]))
        _close(a, t)
    assert agt.get_device(ag.tensor(X)) == torch.get_device(torch.tensor(X))
    _close(agt.ravel(ag.tensor(X)), torch.ravel(torch.tensor(X)))
    draws = ag.full((2000,), 0.25, dtype=ag.float64).bernoulli()
    assert 0.18 < float(draws.mean()) < 0.32 and draws.dtype == ag.float64
    picks = ag.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]).multinomial(2, True)
    assert picks.tolist() == [[1, 1], [0, 0]]
