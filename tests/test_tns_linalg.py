"""tns group 3: torch-level and torch.linalg / torch.fft functions against torch (values,
gradients, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.torch_compat as agt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().array)


def _close(a, t, tol=1e-9):
    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (a.dtype, t.dtype)
    assert tuple(a.shape) == tuple(t.shape), (a.shape, t.shape)
    np.testing.assert_allclose(_np(a), _np(t), rtol=tol, atol=tol, equal_nan=True)


def _pair(values, grad=True):
    values = np.asarray(values, dtype=np.float64)
    return ag.tensor(values, requires_grad=grad), torch.tensor(values, requires_grad=grad)


def _spd(n, batch=()):
    m = RNG.normal(size=batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _check(fa, ft, inputs, tol=1e-9):
    """Values of ``fa(*ag inputs)`` and ``ft(*torch inputs)``, then the gradients of a
    weighted sum of every output."""
    pairs = [_pair(v) for v in inputs]
    ra, rt = fa(*(p[0] for p in pairs)), ft(*(p[1] for p in pairs))
    ra = ra if isinstance(ra, tuple) else (ra,)
    rt = rt if isinstance(rt, tuple) else (rt,)
    loss_a, loss_t = 0, 0
    for x, y in zip(ra, rt):
        _close(x, y, tol)
        if x.dtype.kind == "f" and x.requires_grad:
            w = RNG.normal(size=tuple(x.shape))
            loss_a = loss_a + (x * ag.tensor(w)).sum()
            loss_t = loss_t + (y * torch.tensor(w)).sum()
    loss_a.backward()
    loss_t.backward()
    for (a, _), (_, t) in zip(pairs, pairs):
        if t.grad is not None:
            _close(a.grad, t.grad, tol * 100)


def test_determinants_and_inverses():
    a = RNG.normal(size=(3, 3))
    _check(agt.det, torch.det, [a])
    _check(agt.inverse, torch.inverse, [a])
    _check(lambda x: tuple(agt.slogdet(x)), lambda x: tuple(torch.slogdet(x)), [a])
    _check(agt.logdet, torch.logdet, [_spd(3)])
    neg = np.diag([-1.0, 2.0, 3.0])
    _close(agt.logdet(ag.tensor(neg)), torch.logdet(torch.tensor(neg)))
    _close(agt.logdet(ag.zeros((2, 2), dtype=ag.float64)),
           torch.logdet(torch.zeros(2, 2, dtype=torch.float64)))
    _check(agt.pinverse, torch.pinverse, [RNG.normal(size=(4, 3))])
    _check(lambda x: agt.matrix_power(x, 3), lambda x: torch.matrix_power(x, 3), [a])
    _check(lambda x: x.inverse(), lambda x: x.inverse(), [a])


@pytest.mark.parametrize("scale", [0.1, 1.0, 6.0])
def test_matrix_exp(scale):
    a = RNG.normal(size=(2, 3, 3)) * scale
    _check(agt.matrix_exp, torch.matrix_exp, [a], tol=1e-10 * max(1.0, scale ** 4))
    _close(ag.linalg.matrix_exp(ag.tensor(a)), torch.linalg.matrix_exp(torch.tensor(a)),
           1e-10 * max(1.0, scale ** 4))


@pytest.mark.parametrize("upper", [False, True])
def test_triangular_and_cholesky_solves(upper):
    a = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    b = RNG.normal(size=(3, 2))
    for unit in (False, True):
        _check(lambda x, y, u=unit: ag.linalg.solve_triangular(x, y, upper=upper, unitriangular=u),
               lambda x, y, u=unit: torch.linalg.solve_triangular(x, y, upper=upper,
                                                                  unitriangular=u), [a, b])
    _check(lambda x, y: ag.linalg.solve_triangular(x, y, upper=upper, left=False),
           lambda x, y: torch.linalg.solve_triangular(x, y, upper=upper, left=False),
           [a, b.T])
    for tr in (False, True):
        _check(lambda y, x, t=tr: tuple(agt.triangular_solve(y, x, upper, t)),
               lambda y, x, t=tr: tuple(torch.triangular_solve(y, x, upper, t)), [b, a])
    factor = np.linalg.cholesky(_spd(3))
    factor = factor.T if upper else factor
    _check(lambda y, f: agt.cholesky_solve(y, f, upper),
           lambda y, f: torch.cholesky_solve(y, f, upper), [b, factor])
    _check(lambda f: agt.cholesky_inverse(f, upper), lambda f: torch.cholesky_inverse(f, upper),
           [factor])
    _check(lambda s: agt.cholesky(s, upper), lambda s: torch.cholesky(s, upper), [_spd(3)])


def test_old_decompositions():
    a = RNG.normal(size=(4, 3))
    for some in (True, False):
        qa, ra = agt.qr(ag.tensor(a), some)
        qt, rt = torch.qr(torch.tensor(a), some)
        _close(qa, qt)
        _close(ra, rt)
    ua, sa, va = agt.svd(ag.tensor(a))
    ut, st, vt = torch.svd(torch.tensor(a))
    _close(sa, st)
    _close(ua @ ag.diag(sa) @ va.mT, torch.tensor(a))
    _close(ag.abs(va), torch.abs(vt))
    za, _, wa = agt.svd(ag.tensor(a), compute_uv=False)
    zt, _, wt = torch.svd(torch.tensor(a), compute_uv=False)
    _close(za, zt)
    _close(wa, wt)


def test_products():
    x, b1, b2 = RNG.normal(size=(2, 4)), RNG.normal(size=(3, 2, 5)), RNG.normal(size=(3, 5, 4))
    _check(lambda i, p, q: agt.addbmm(i, p, q, beta=0.5, alpha=2.0),
           lambda i, p, q: torch.addbmm(i, p, q, beta=0.5, alpha=2.0), [x, b1, b2])
    _check(lambda i, p, q: agt.addr(i, p, q, alpha=3.0), lambda i, p, q: torch.addr(
        i, p, q, alpha=3.0), [x, RNG.normal(size=2), RNG.normal(size=4)])
    _check(agt.vdot, torch.vdot, [RNG.normal(size=5), RNG.normal(size=5)])
    mats = [RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))]
    _check(lambda *m: agt.chain_matmul(*m), lambda *m: torch.chain_matmul(*m), mats)
    _check(lambda *m: ag.linalg.multi_dot(list(m)), lambda *m: torch.linalg.multi_dot(list(m)),
           [RNG.normal(size=3), mats[1], RNG.normal(size=4)])
    _check(agt.nuclear_norm, torch.nuclear_norm, [RNG.normal(size=(3, 4))])
    _check(lambda v: (v * 1).addr_(ag.ones(2, dtype=ag.float64), ag.ones(4, dtype=ag.float64)),
           lambda v: (v * 1).addr_(torch.ones(2, dtype=torch.float64),
                                     torch.ones(4, dtype=torch.float64)), [x])
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        agt.vdot(ag.ones((2, 2)), ag.ones((2, 2)))


def test_torch_linalg_extras():
    a = RNG.normal(size=(3, 3))
    for p in (None, 2, -2, "nuc"):
        _check(lambda x, q=p: ag.linalg.cond(x, q), lambda x, q=p: torch.linalg.cond(x, q), [a])
    for p in ("fro", 1, float("inf")):  # torch.linalg.cond's own backward fails for these
        _close(ag.linalg.cond(ag.tensor(a), p), torch.linalg.cond(torch.tensor(a), p))
        _check(lambda x, q=p: ag.linalg.cond(x, q), lambda x, q=p: torch.linalg.matrix_norm(x, q)
               * torch.linalg.matrix_norm(torch.linalg.inv(x), q), [a])
    _check(lambda x: ag.linalg.vander(x, N=4), lambda x: torch.linalg.vander(x, N=4),
           [RNG.normal(size=(2, 3))])
    t = RNG.normal(size=(4, 6, 8, 3)) + 0.0
    _check(lambda x: ag.linalg.tensorinv(x, 2), lambda x: torch.linalg.tensorinv(x, 2),
           [t.reshape(4, 6, 24)[:, :, :24].reshape(4, 6, 8, 3)], tol=1e-8)
    _check(ag.linalg.tensorsolve, torch.linalg.tensorsolve,
           [RNG.normal(size=(2, 3, 6)), RNG.normal(size=(2, 3))], tol=1e-8)
    for driver in (None, "gelsy", "gelsd", "gelss", "gels"):
        m, rhs = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))
        ra = ag.linalg.lstsq(ag.tensor(m), ag.tensor(rhs), driver=driver)
        rt = torch.linalg.lstsq(torch.tensor(m), torch.tensor(rhs), driver=driver)
        for x, y in zip(ra, rt):
            _close(x, y)
    _check(lambda x, y: ag.linalg.lstsq(x, y).solution,
           lambda x, y: torch.linalg.lstsq(x, y).solution,
           [RNG.normal(size=(2, 5, 3)), RNG.normal(size=(2, 5, 1))])


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2"])
def test_fft_2d_and_torch_signatures(name):
    x = RNG.normal(size=(2, 4, 6))
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ra, rt = getattr(ag.fft, name)(a), getattr(torch.fft, name)(t)
    _close(ra, rt)
    w = RNG.normal(size=tuple(ra.shape))
    (ag.real(ra) * ag.tensor(w)).sum().backward()
    (torch.real(rt) * torch.tensor(w)).sum().backward()
    _close(a.grad, t.grad)
    _close(getattr(ag.fft, name)(a, (3, 4), (0, 2), "ortho"),
           getattr(torch.fft, name)(t, (3, 4), (0, 2), "ortho"))


def test_fft_positional_and_dim_forms():
    x = RNG.normal(size=(4, 6))
    a, t = ag.tensor(x), torch.tensor(x)
    _close(ag.fft.fft(a, 8, 0, "ortho"), torch.fft.fft(t, 8, 0, "ortho"))
    _close(ag.fft.rfft(a, dim=0), torch.fft.rfft(t, dim=0))
    _close(ag.fft.irfft2(ag.fft.rfft2(a), (4, 6)), torch.fft.irfft2(torch.fft.rfft2(t), (4, 6)))
    _close(ag.fft.fftn(a, (3, 3), (0, 1)), torch.fft.fftn(t, (3, 3), (0, 1)))
    _close(ag.fft.fftshift(a, dim=0), torch.fft.fftshift(t, dim=0))
    _close(ag.fft.fftfreq(5, 0.5), torch.fft.fftfreq(5, 0.5), 1e-7)
    with pytest.raises(TypeError, match="either dim"):
        ag.fft.fft(a, dim=0, axis=0)
