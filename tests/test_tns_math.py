"""tns group 2: statistics, windows, special functions and ``ag.special`` against torch
(values, dtypes, gradients, errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.torch_compat as agt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach().array)


def _close(a, t, tol=1e-7):
    assert str(a.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (a.dtype, t.dtype)
    assert tuple(a.shape) == tuple(t.shape), (a.shape, t.shape)
    np.testing.assert_allclose(_np(a), _np(t), rtol=tol, atol=tol, equal_nan=True)


def _pair(values, grad=False):
    values = np.asarray(values, dtype=np.float64)
    return (ag.tensor(values, requires_grad=grad),
            torch.tensor(values, requires_grad=grad))


def _grads(fa, ft, a, t):
    fa.sum().backward() if fa.ndim else fa.backward()
    ft.sum().backward() if ft.ndim else ft.backward()
    _close(a.grad, t.grad)


def test_trapezoid_family():
    y = RNG.normal(size=(3, 5))
    x = np.sort(RNG.normal(size=5))
    a, t = _pair(y, grad=True)
    xa, xt = _pair(x)
    _close(agt.trapezoid(a, xa), torch.trapezoid(t, xt))
    _close(agt.trapz(a, dx=0.5, dim=0), torch.trapz(t, dx=0.5, dim=0))
    _close(agt.cumulative_trapezoid(a, dim=0), torch.cumulative_trapezoid(t, dim=0))
    _grads(agt.cumulative_trapezoid(a, xa), torch.cumulative_trapezoid(t, xt), a, t)
    with pytest.raises(RuntimeError, match="one `x` value for each"):
        agt.trapezoid(a, xa[:3])


@pytest.mark.parametrize("kw", [{}, {"correction": 0}, {"fweights": "f"}, {"aweights": "a"},
                                {"fweights": "f", "aweights": "a", "correction": 2}])
def test_cov_corrcoef(kw):
    x = RNG.normal(size=(3, 6))
    f, w = np.array([1, 2, 1, 3, 1, 2]), RNG.uniform(0.5, 1.0, 6)

    def weights(mod, v):
        return mod.tensor(f) if v == "f" else (mod.tensor(w) if v == "a" else v)

    a, t = _pair(x, grad=True)
    ra = agt.cov(a, **{k: weights(ag, v) for k, v in kw.items()})
    rt = torch.cov(t, **{k: weights(torch, v) for k, v in kw.items()})
    _close(ra, rt)
    _grads(ra, rt, a, t)
    _close(agt.corrcoef(a.detach()), torch.corrcoef(t.detach()))
    _close(agt.cov(a.detach()[0]), torch.cov(t.detach()[0]))
    with pytest.raises(RuntimeError, match="fweights to have integral dtype"):
        agt.cov(a, fweights=ag.tensor(w))


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window",
                                  "bartlett_window"])
def test_windows(name):
    for n in (0, 1, 2, 7):
        for periodic in (True, False):
            _close(getattr(agt, name)(n, periodic), getattr(torch, name)(n, periodic), 1e-6)
    _close(getattr(agt, name)(5, dtype=agt.float64), getattr(torch, name)(5, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="non-negative window_length"):
        getattr(agt, name)(-1)


def test_vander_unravel_combinations():
    _close(agt.vander(ag.tensor([1, 2, 3])), torch.vander(torch.tensor([1, 2, 3])))
    a, t = _pair([0.0, 2.0, -1.5], grad=True)
    _close(agt.vander(a.detach(), 4, True), torch.vander(t.detach(), 4, True))
    # torch.vander's own backward fails (an in-place write); the columns 1, x, x^2, x^3
    # built by products are the oracle
    cols = [torch.ones_like(t)]
    for _ in range(3):
        cols.append(cols[-1] * t)
    _grads(agt.vander(a, 4, True), torch.stack(cols, 1), a, t)
    for idx, shp in (([4, 1, -1, 6, -8], (2, 3)), (5, (2, 3)), ([3], 6)):
        ra = agt.unravel_index(ag.tensor(idx), shp)
        rt = torch.unravel_index(torch.tensor(idx), shp)
        assert len(ra) == len(rt)
        for u, v in zip(ra, rt):
            _close(u, v)
    with pytest.raises(TypeError, match="integer"):
        agt.unravel_index(ag.tensor([1.0]), (2, 3))
    b, u = _pair([1.0, 2.0, 3.0, 4.0], grad=True)
    for r in (0, 2, 3, 5):
        for rep in (False, True):
            _close(agt.combinations(b.detach(), r, rep), torch.combinations(u.detach(), r, rep))
    _grads(agt.combinations(b, 3, True) ** 2, torch.combinations(u, 3, True) ** 2, b, u)


def test_nanmedian_and_quantiles():
    x = [[1.0, math.nan, 3.0, 2.0], [4.0, 1.0, 1.0, math.nan], [math.nan] * 4]
    a, t = _pair(x, grad=True)
    _close(agt.nanmedian(a[:2]), torch.nanmedian(t[:2]))
    va, ia = agt.nanmedian(a, 1)
    vt, it = torch.nanmedian(t, 1)
    _close(va, vt)
    _close(ia[:2], it[:2])  # an all-NaN row: any index
    _grads(va[:2], vt[:2], a, t)
    for q in (0.4, [0.0, 0.25, 1.0]):
        qa = q if isinstance(q, float) else ag.tensor(q, dtype=ag.float64)
        qt = q if isinstance(q, float) else torch.tensor(q, dtype=torch.float64)
        for dim in (None, 0, 1):
            for keepdim in (False, True):
                for how in ("linear", "lower", "higher", "midpoint", "nearest"):
                    for name in ("quantile", "nanquantile"):
                        _close(getattr(agt, name)(a.detach(), qa, dim, keepdim,
                                                  interpolation=how),
                               getattr(torch, name)(t.detach(), qt, dim, keepdim,
                                                    interpolation=how))
    b, u = _pair(RNG.normal(size=(3, 5)), grad=True)
    _grads(agt.quantile(b, 0.3, 1), torch.quantile(u, 0.3, 1), b, u)
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\]"):
        agt.quantile(b, 1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        agt.quantile(ag.tensor([1, 2]), 0.5)


def test_polygamma_mvlgamma_erfinv():
    v = [0.3, 2.5, -1.5, 10.0, 0.01, -3.7, 50.0]
    for n in (0, 1, 2, 3, 5):
        a, t = _pair(v)
        # torch's trigamma is itself accurate to ~3e-10 relative here
        _close(agt.polygamma(n, a), torch.polygamma(n, t), 1e-8)
    a, t = _pair([0.7, 2.5, 4.0], grad=True)
    _grads(agt.polygamma(2, a), torch.polygamma(2, t), a, t)
    _close(a.detach().polygamma(1), t.detach().polygamma(1))
    b, u = _pair([2.5, 3.0, 7.25], grad=True)
    _grads(agt.mvlgamma(b, 3), torch.mvlgamma(u, 3), b, u)
    vals = [0.0, 0.3, -0.7, 0.999999, -1 + 2 ** -53, 1.0, -1.0, 1.5, math.nan]
    c, w = _pair(vals)
    _close(agt.erfinv(c), torch.erfinv(w), 1e-14)
    _close(agt.erfinv(ag.tensor(vals[:5], dtype=ag.float32)),
           torch.erfinv(torch.tensor(vals[:5], dtype=torch.float32)), 1e-6)
    d, z = _pair([0.1, -0.5, 0.9], grad=True)
    _grads(d.erfinv(), z.erfinv(), d, z)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "expit", "logit", "gammaln",
                                  "digamma", "psi", "ndtr", "log1p", "expm1", "exp2", "sinc",
                                  "entr", "round"])
def test_special_unary(name):
    vals = [0.1, 0.5, 0.75, 0.9, 0.3, 0.6] if name in ("logit", "erfinv", "entr") else \
        [-8.0, -1.5, 0.25, 0.7, 2.0, 3.5]
    a, t = _pair(vals, grad=name != "round")
    ra, rt = getattr(ag.special, name)(a), getattr(torch.special, name)(t)
    _close(ra, rt, 1e-12)
    if a.requires_grad:
        _grads(ra, rt, a, t)


def test_special_other():
    a, t = _pair([[0.0, 1.5, -0.5], [2.0, 0.0, 3.0]], grad=True)
    b, u = _pair([[0.5, math.nan, 2.0], [1.0, -0.5, 0.0]])
    for name in ("xlogy", "xlog1py"):
        _close(getattr(ag.special, name)(a.detach(), b), getattr(torch.special, name)(
            t.detach(), u))
    _close(ag.special.entr(a.detach()), torch.special.entr(t.detach()))
    _close(ag.special.entr(ag.tensor([-1.0, math.nan])),
           torch.special.entr(torch.tensor([-1.0, math.nan])))
    _close(ag.special.multigammaln(a.detach() + 2, 2), torch.special.multigammaln(
        t.detach() + 2, 2))
    _close(ag.special.polygamma(1, a.detach() + 1), torch.special.polygamma(1, t.detach() + 1),
           1e-9)
    _close(ag.special.logsumexp(a.detach(), 1), torch.special.logsumexp(t.detach(), 1))
    _close(ag.special.softmax(a.detach(), 0), torch.special.softmax(t.detach(), 0))
    _close(ag.special.log_softmax(a.detach(), 1), torch.special.log_softmax(t.detach(), 1))
    # the lower tail from erfc (torch's 1 + erf cancels to 0 there)
    tail = ag.special.ndtr(ag.tensor([-30.0], dtype=ag.float64)).item()
    assert tail == pytest.approx(0.5 * math.erfc(30.0 / math.sqrt(2.0)), rel=1e-13)


def _on_every_backend_values(names):
    """Results of the new compositions named ``names``, as NumPy arrays, on the current
    backend (erfinv, a registered op, runs on every backend in the op table)."""
    x = ag.tensor([[0.5, -1.25, 2.0, 0.75], [3.0, -0.75, 1.5, -2.0]], dtype=ag.float32)
    i = ag.tensor([4, -6, 0, 7])
    calls = {
        "cummax": lambda: agt.cummax(x, 1).indices,
        "logcumsumexp": lambda: agt.logcumsumexp(x, 1),
        "quantile": lambda: agt.quantile(x, 0.3, 1),
        "nanmedian": lambda: agt.nanmedian(x, 0).values,
        "cov": lambda: agt.cov(x), "trapezoid": lambda: agt.trapezoid(x),
        "fmax": lambda: agt.fmax(x, x * 0), "gcd": lambda: agt.gcd(i, ag.tensor([6, 4, 0, 0])),
        "hann": lambda: agt.hann_window(5), "frexp": lambda: agt.frexp(x).mantissa,
        "pow": lambda: i ** ag.tensor([-1, 2, 3, -2]), "ndtr": lambda: ag.special.ndtr(x),
        "vander": lambda: agt.vander(x[0]), "combinations": lambda: agt.combinations(x[0]),
        "sinc": lambda: agt.sinc(x), "polygamma": lambda: agt.polygamma(1, ag.abs(x) + 0.5),
    }
    return {k: np.asarray(calls[k]().numpy()) for k in (names or calls)}


# JAX compiles each small op on first use (the whole table took 15 s there): it runs the
# ones whose code differs by backend most (index scans, integer powers, Euclid's loop).
_ON_JAX = ("cummax", "logcumsumexp", "gcd", "pow", "ndtr", "sinc")


def test_compositions_run_on_every_backend(backend):
    names = _ON_JAX if backend.name == "jax" else None
    got = _on_every_backend_values(names)
    with ag.use_backend("numpy"):
        want = _on_every_backend_values(names)
    for name, value in want.items():
        assert got[name].dtype == value.dtype, name
        np.testing.assert_allclose(got[name], value, rtol=2e-6, atol=2e-6, err_msg=name)


def test_numerical_gradient():
    f = RNG.normal(size=(5, 6))
    c0, c1 = np.sort(RNG.uniform(0, 3, size=5)), np.sort(RNG.uniform(0, 3, size=6))
    for kw in ({}, {"spacing": 0.5}, {"spacing": [2.0, 0.5]}, {"dim": 1, "edge_order": 2},
               {"spacing": "coords"}, {"spacing": "coords", "edge_order": 2}):
        ka, kt = dict(kw), dict(kw)
        if kw.get("spacing") == "coords":
            ka["spacing"] = (ag.tensor(c0), ag.tensor(c1))
            kt["spacing"] = (torch.tensor(c0), torch.tensor(c1))
        a, t = _pair(f, grad=True)
        ra, rt = agt.gradient(a, **ka), torch.gradient(t, **kt)
        assert len(ra) == len(rt)
        for x, y in zip(ra, rt):
            _close(x, y, 1e-12)
        _grads(ra[-1], rt[-1], a, t)
    _close(agt.gradient(ag.tensor([1, 4, 9, 16]))[0], torch.gradient(torch.tensor([1, 4, 9,
                                                                                   16]))[0])
    with pytest.raises(RuntimeError, match="edge_order"):
        agt.gradient(ag.tensor(f), edge_order=3)
    _close(agt.frobenius_norm(ag.tensor(f), (0, 1)), torch.frobenius_norm(torch.tensor(f),
                                                                           (0, 1)))
