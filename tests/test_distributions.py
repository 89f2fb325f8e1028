"""arraygrad.distributions against torch.distributions (float64): values, gradients of
log_prob / entropy / rsample / kl_divergence, sample moments, shapes, seeding, validation."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import distributions as D
from arraygrad.testing.conformance._util import host

torch = pytest.importorskip("torch")
TD = torch.distributions

RNG = np.random.default_rng(0)


def _spd(n, batch=()):
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _simplex(shape):
    p = RNG.uniform(0.1, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


_COV = _spd(3, (2,))
# name -> (ag class, torch class, params (numpy, float64), positional names, value,
#          differentiable params, keyword-only)
CASES = {
    "normal": ("Normal", {"loc": RNG.normal(size=(2, 3)), "scale": RNG.uniform(0.5, 2, (2, 3))},
               RNG.normal(size=(2, 3))),
    "uniform": ("Uniform", {"low": np.array([-1.0, 0.5]), "high": np.array([2.0, 3.0])},
                np.array([0.3, 2.5])),
    "bernoulli_probs": ("Bernoulli", {"probs": np.array([0.2, 0.7, 0.5])},
                        np.array([1.0, 0.0, 1.0])),
    "bernoulli_logits": ("Bernoulli", {"logits": np.array([-1.5, 0.3, 2.0])},
                         np.array([1.0, 0.0, 0.0])),
    "categorical_probs": ("Categorical", {"probs": _simplex((2, 4))}, np.array([3, 0])),
    "categorical_logits": ("Categorical", {"logits": RNG.normal(size=(3, 4))},
                           np.array([1, 2, 3])),
    "onehot": ("OneHotCategorical", {"logits": RNG.normal(size=(2, 3))},
               np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    "gamma": ("Gamma", {"concentration": np.array([0.5, 2.0, 7.5]),
                        "rate": np.array([1.0, 0.3, 2.0])}, np.array([0.4, 3.0, 2.0])),
    "beta": ("Beta", {"concentration1": np.array([0.7, 2.0, 5.0]),
                      "concentration0": np.array([1.5, 3.0, 0.9])}, np.array([0.2, 0.5, 0.9])),
    "dirichlet": ("Dirichlet", {"concentration": RNG.uniform(0.5, 3.0, (2, 3))},
                  _simplex((2, 3))),
    "mvn_cov": ("MultivariateNormal", {"loc": RNG.normal(size=(2, 3)),
                                       "covariance_matrix": _COV}, RNG.normal(size=(2, 3))),
    "mvn_diag": ("MultivariateNormal", {"loc": RNG.normal(size=(3,)),
                                        "covariance_matrix": np.diag([0.5, 2.0, 1.5])},
                 RNG.normal(size=(4, 3))),
    "mvn_precision": ("MultivariateNormal", {"loc": RNG.normal(size=(3,)),
                                             "precision_matrix": _spd(3)},
                      RNG.normal(size=(3,))),
    "mvn_scale_tril": ("MultivariateNormal", {"loc": RNG.normal(size=(2, 3)),
                                              "scale_tril": np.linalg.cholesky(_COV)},
                       RNG.normal(size=(2, 3))),
}
# integer-valued parameters/values and those no gradient flows to
_INT_VALUE = {"categorical_probs", "categorical_logits"}
SMALL = ["normal", "categorical_logits", "gamma", "mvn_cov"]


def _make(case, lib):
    cls_name, params, _ = CASES[case]
    if lib == "torch":
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        return getattr(TD, cls_name)(**tp), tp
    ap = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in params.items()}
    return getattr(D, cls_name)(**ap), ap


def _value(case, lib):
    v = CASES[case][2]
    if case in _INT_VALUE:
        return torch.tensor(v) if lib == "torch" else ag.tensor(v, dtype=ag.int64)
    return torch.tensor(v) if lib == "torch" else ag.tensor(v, dtype=ag.float64)


def _close(a, t, rtol=1e-9, atol=1e-10):
    t = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    a = host(a)
    assert a.shape == t.shape, (a.shape, t.shape)
    np.testing.assert_allclose(a, t, rtol=rtol, atol=atol)


def _grads(fn_ag, fn_t, case):
    d, ap = _make(case, "ag")
    td, tp = _make(case, "torch")
    fn_ag(d).sum().backward()
    fn_t(td).sum().backward()
    for k in ap:
        if tp[k].grad is None:  # the quantity does not depend on this parameter
            assert ap[k].grad is None or not host(ap[k].grad).any(), (case, k)
            continue
        assert ap[k].grad is not None, (case, k)
        # polygamma in torch is accurate to ~1e-9 relative (digamma' and below)
        _close(ap[k].grad, tp[k].grad, rtol=1e-7, atol=1e-9)


def _cases(backend):
    if backend.name == "jax":  # jax compiles each new op shape: keep its run short
        return SMALL[:2]
    return list(CASES) if backend.name == "numpy" else SMALL


def test_values_and_gradients_match_torch(backend):
    for case in _cases(backend):
        d, _ = _make(case, "ag")
        td, _ = _make(case, "torch")
        assert d.batch_shape == tuple(td.batch_shape), case
        assert d.event_shape == tuple(td.event_shape), case
        _close(d.log_prob(_value(case, "ag")), td.log_prob(_value(case, "torch")))
        _close(d.entropy(), td.entropy())
        if not case.startswith("categorical"):  # torch: NaN mean and variance
            _close(d.mean, td.mean)
            _close(d.variance, td.variance)
            _close(d.stddev, td.stddev)
        _grads(lambda d, c=case: d.log_prob(_value(c, "ag")),
               lambda d, c=case: d.log_prob(_value(c, "torch")), case)
        _grads(lambda d: d.entropy(), lambda d: d.entropy(), case)


def test_modes_match_torch():
    for case in ["normal", "bernoulli_probs", "categorical_probs", "onehot", "gamma", "beta",
                 "dirichlet", "mvn_cov"]:
        d, _ = _make(case, "ag")
        td, _ = _make(case, "torch")
        _close(d.mode, td.mode)


def test_mvn_derived_matrices_match_torch():
    d, _ = _make("mvn_precision", "ag")
    td, _ = _make("mvn_precision", "torch")
    _close(d.covariance_matrix, td.covariance_matrix)
    _close(d.scale_tril, td.scale_tril)
    _close(d.precision_matrix, td.precision_matrix)


@pytest.mark.parametrize("case", ["normal", "uniform", "mvn_cov"])
def test_rsample_is_the_pathwise_formula_with_torch_gradients(case):
    """Draw with arraygrad; push the same noise through torch's formula; compare values
    and the gradients of a function of the sample w.r.t. every parameter."""
    d, ap = _make(case, "ag")
    _, tp = _make(case, "torch")
    ag.manual_seed(3)
    x = d.rsample((5,))
    ag.manual_seed(3)
    if case == "uniform":
        noise = torch.tensor(host(ag.rand(*x.shape, dtype=ag.float64)))
        tx = tp["low"] + noise * (tp["high"] - tp["low"])
    else:
        noise = torch.tensor(host(ag.randn(*x.shape, dtype=ag.float64)))
        if case == "normal":
            tx = tp["loc"] + noise * tp["scale"]
        else:
            tl = torch.linalg.cholesky(tp["covariance_matrix"])
            tx = tp["loc"] + (tl @ noise.unsqueeze(-1)).squeeze(-1)
    _close(x, tx)
    (ag.sin(x) * x).sum().backward()
    (torch.sin(tx) * tx).sum().backward()
    for k in ap:
        _close(ap[k].grad, tp[k].grad)
    assert not d.sample().requires_grad


def test_sample_shapes_and_moments(backend):
    big = 20000
    cases = list(CASES) if backend.name == "numpy" else ["normal", "gamma", "categorical_probs"]
    if backend.name == "jax":  # its rejection sampler runs op by op: ~15 s of compiles
        cases.remove("gamma")  # gamma is covered on numpy and array_api_strict
    ag.manual_seed(0)
    for case in cases:
        d, _ = _make(case, "ag")
        s = d.sample((5, 2))
        assert s.shape == (5, 2) + d.batch_shape + d.event_shape, case
        assert not s.requires_grad
        s = host(d.sample((big,)))
        if case.startswith("categorical"):
            freq = np.stack([(s == k).mean(0) for k in range(host(d.probs).shape[-1])], -1)
            np.testing.assert_allclose(freq, host(d.probs), atol=0.02, err_msg=case)
            continue
        assert s.dtype == np.float64, case
        mean, var = host(d.mean.detach()), host(d.variance.detach())
        se = np.sqrt(var / big)
        assert np.all(np.abs(s.mean(0) - mean) < 5 * se + 1e-12), case
        np.testing.assert_allclose(s.var(0), var, rtol=0.1, err_msg=case)


def test_gamma_sample_support_small_concentration():
    ag.manual_seed(1)
    s = host(D.Gamma(ag.tensor([0.05, 0.3], dtype=ag.float64), 1.0).sample((4000,)))
    assert (s > 0).all() and np.isfinite(s).all()
    np.testing.assert_allclose(s.mean(0), [0.05, 0.3], rtol=0.15)


def test_sampling_is_reproducible_under_manual_seed(backend):
    if backend.name == "jax":
        pytest.skip("jax compiles every new op shape (seconds each on a shared CPU); its "
                    "sampling is covered by test_sample_shapes_and_moments")
    dists = [D.Normal(ag.zeros(3), ag.ones(3)), D.Gamma(ag.ones(3), ag.ones(3)),
             D.Categorical(logits=ag.zeros(4)), D.Bernoulli(probs=ag.full((3,), 0.3))]
    if backend.name != "numpy":  # each new op shape compiles once on jax: keep it short
        dists = dists[:1]
    for d in dists:
        ag.manual_seed(7)
        a = host(d.sample((4,)))
        ag.manual_seed(7)
        b = host(d.sample((4,)))
        np.testing.assert_array_equal(a, b)
        c = host(d.sample((4,)))
        assert not np.array_equal(a, c) or isinstance(d, D.Bernoulli)


def _kl_pairs():
    n = {"loc": RNG.normal(size=3), "scale": RNG.uniform(0.5, 2, 3)}
    return {
        "Normal": ({"loc": RNG.normal(size=3), "scale": RNG.uniform(0.5, 2, 3)}, n),
        "Categorical": ({"probs": _simplex((2, 4))}, {"logits": RNG.normal(size=(2, 4))}),
        "Bernoulli": ({"probs": np.array([0.1, 0.6])}, {"logits": np.array([0.3, -1.0])}),
        "MultivariateNormal": ({"loc": RNG.normal(size=(2, 3)), "covariance_matrix": _COV},
                               {"loc": RNG.normal(size=3), "scale_tril":
                                np.linalg.cholesky(_spd(3))}),
        "Beta": ({"concentration1": np.array([0.5, 2.0]), "concentration0": np.array([3., 1.])},
                 {"concentration1": np.array([1.5, 0.7]), "concentration0": np.array([2., 4.])}),
        "Gamma": ({"concentration": np.array([0.5, 4.0]), "rate": np.array([2.0, 0.5])},
                  {"concentration": np.array([1.5, 3.0]), "rate": np.array([1.0, 1.0])}),
        "Dirichlet": ({"concentration": RNG.uniform(0.5, 3, (2, 3))},
                      {"concentration": RNG.uniform(0.5, 3, (2, 3))}),
        "Uniform": ({"low": np.array([0.0, -1.0]), "high": np.array([1.0, 2.0])},
                    {"low": np.array([-1.0, 0.0]), "high": np.array([2.0, 3.0])}),
    }


def test_kl_divergence_matches_torch():
    for name, (pp, qp) in _kl_pairs().items():
        ap = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in pp.items()}
        aq = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in qp.items()}
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in pp.items()}
        tq = {k: torch.tensor(v, requires_grad=True) for k, v in qp.items()}
        kl = D.kl_divergence(getattr(D, name)(**ap), getattr(D, name)(**aq))
        tkl = TD.kl_divergence(getattr(TD, name)(**tp), getattr(TD, name)(**tq))
        _close(kl, tkl)
        kl.sum().backward()
        tkl.sum().backward()
        for a, t in [(ap, tp), (aq, tq)]:
            for k in a:
                _close(a[k].grad, t[k].grad, rtol=1e-7, atol=1e-9)


def test_kl_special_cases_and_independent():
    # support mismatch: infinite, as in torch
    p, q = D.Uniform(ag.tensor([0.0]), ag.tensor([2.0])), D.Uniform(ag.tensor([0.5]), 1.0)
    assert host(D.kl_divergence(p, q)).tolist() == [np.inf]
    pb = D.Bernoulli(probs=ag.tensor([0.0, 1.0, 0.5]))
    qb = D.Bernoulli(probs=ag.tensor([0.0, 0.0, 0.0]))
    tkl = TD.kl_divergence(TD.Bernoulli(probs=torch.tensor([0.0, 1.0, 0.5])),
                           TD.Bernoulli(probs=torch.tensor([0.0, 0.0, 0.0])))
    _close(D.kl_divergence(pb, qb), tkl)
    loc, scale = RNG.normal(size=(4, 3)), RNG.uniform(0.5, 2, (4, 3))
    ip = D.Independent(D.Normal(ag.tensor(loc), ag.tensor(scale)), 1)
    iq = D.Independent(D.Normal(ag.zeros(4, 3, dtype=ag.float64), 1.0), 1)
    tip = TD.Independent(TD.Normal(torch.tensor(loc), torch.tensor(scale)), 1)
    tiq = TD.Independent(TD.Normal(torch.zeros(4, 3, dtype=torch.float64), 1.0), 1)
    _close(D.kl_divergence(ip, iq), TD.kl_divergence(tip, tiq))
    assert ip.batch_shape == (4,) and ip.event_shape == (3,)
    x = RNG.normal(size=(4, 3))
    _close(ip.log_prob(ag.tensor(x)), tip.log_prob(torch.tensor(x)))
    _close(ip.entropy(), tip.entropy())
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(ip, D.Normal(ag.zeros(3), 1.0))


def test_register_kl_dispatches_to_the_most_specific_pair():
    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return p.loc * 0 + 42.0

    p = MyNormal(ag.zeros(2), ag.ones(2))
    assert host(D.kl_divergence(p, D.Normal(ag.zeros(2), 1.0))).tolist() == [42.0, 42.0]
    assert host(D.kl_divergence(D.Normal(ag.zeros(2), 1.0), p)).tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="register_kl expects Distribution"):
        D.register_kl(int, D.Normal)


def test_validation_errors():
    with pytest.raises(ValueError, match=r"Expected parameter scale \(Tensor of shape \(3,\)\) "
                       r"of distribution Normal\(loc: \(3,\), scale: \(3,\)\) to satisfy the "
                       r"constraint GreaterThan\(lower_bound=0.0\), but found invalid values"):
        D.Normal(ag.zeros(3), ag.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="constraint Real"):
        D.Normal(ag.tensor([0.0, float("nan")]), 1.0)
    with pytest.raises(ValueError, match="within the support"):
        D.Gamma(ag.ones(2), 1.0).log_prob(ag.tensor([-1.0, 1.0]))
    with pytest.raises(ValueError, match="within the support"):
        D.Categorical(logits=ag.zeros(3)).log_prob(ag.tensor(3))
    with pytest.raises(ValueError, match="within the support"):
        D.Bernoulli(probs=ag.tensor([0.5])).log_prob(ag.tensor([0.5]))
    with pytest.raises(ValueError, match="Simplex"):
        D.Categorical(probs=ag.tensor([-0.5, 1.5]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Bernoulli(probs=ag.tensor([0.5]), logits=ag.tensor([0.0]))
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
        D.MultivariateNormal(ag.zeros(2))
    with pytest.raises(ValueError, match="PositiveDefinite"):
        D.MultivariateNormal(ag.zeros(2), covariance_matrix=ag.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="LowerCholesky"):
        D.MultivariateNormal(ag.zeros(2), scale_tril=ag.tensor([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="Uniform is not defined when low >= high"):
        D.Uniform(ag.tensor([1.0]), ag.tensor([0.0]))
    with pytest.raises(ValueError, match="right-most size of value must match event_shape"):
        D.Dirichlet(ag.ones(3)).log_prob(ag.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        D.Independent(D.Normal(ag.zeros(3), 1.0), 2)
    with pytest.raises(NotImplementedError, match="has_rsample is False"):
        D.Categorical(logits=ag.zeros(2)).rsample()
    # turned off: no error, and log_prob outside the support computes (as torch does)
    d = D.Gamma(ag.tensor([1.0, 2.0]), 1.0, validate_args=False)
    td = TD.Gamma(torch.tensor([1.0, 2.0]), 1.0, validate_args=False)
    _close(d.log_prob(ag.tensor([-1.0, 1.0])), td.log_prob(torch.tensor([-1.0, 1.0])), 1e-6)
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(ag.zeros(1), ag.tensor([-1.0]))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(ag.zeros(1), ag.tensor([-1.0]))


def test_expand_and_reinforce_step():
    d = D.Normal(ag.zeros(3), ag.ones(3)).expand((2, 3))
    assert d.batch_shape == (2, 3) and d.sample().shape == (2, 3)
    assert D.Categorical(logits=ag.zeros(4)).expand((5,)).sample().shape == (5,)
    assert D.Gamma(ag.ones(3), 1.0).expand((2, 3)).sample().shape == (2, 3)
    assert D.MultivariateNormal(ag.zeros(2), ag.eye(2)).expand((4,)).sample().shape == (4, 2)
    # REINFORCE: gradient of -log_prob(action) * return reaches the policy logits
    logits = ag.tensor([0.1, 0.2, -0.3], requires_grad=True)
    tlogits = torch.tensor([0.1, 0.2, -0.3], requires_grad=True)
    d = D.Categorical(logits=logits)
    a = d.sample()
    (-d.log_prob(a) * 2.0 - 0.01 * d.entropy()).backward()
    td = TD.Categorical(logits=tlogits)
    (-td.log_prob(torch.tensor(int(a.item()))) * 2.0 - 0.01 * td.entropy()).backward()
    _close(logits.grad, tlogits.grad, rtol=1e-5, atol=1e-6)
    _, counts = np.unique(host(D.Categorical(logits=ag.tensor([0.0, -np.inf, 0.0])).sample(
        (200,))), return_counts=True)
    assert len(counts) == 2  # masked category never drawn


def test_cdf_perplexity_and_enumerate_support_match_torch():
    loc, scale = RNG.normal(size=3), RNG.uniform(0.5, 2, 3)
    x = RNG.normal(size=3)
    d, td = D.Normal(ag.tensor(loc), ag.tensor(scale)), TD.Normal(torch.tensor(loc),
                                                                  torch.tensor(scale))
    _close(d.cdf(ag.tensor(x)), td.cdf(torch.tensor(x)), rtol=1e-7, atol=1e-9)
    _close(d.perplexity(), td.perplexity())
    u, tu = D.Uniform(ag.tensor([0.0]), 2.0), TD.Uniform(torch.tensor([0.0]), 2.0)
    _close(u.cdf(ag.tensor([0.5])), tu.cdf(torch.tensor([0.5])))
    c = D.Categorical(logits=ag.zeros(2, 3))
    tc = TD.Categorical(logits=torch.zeros(2, 3))
    _close(c.enumerate_support(), tc.enumerate_support())
    _close(c.enumerate_support(expand=False), tc.enumerate_support(expand=False))


def test_gamma_family_rsample_implicit_gradients_match_torch_and_scipy():
    """dx/dalpha at our samples vs torch's _standard_gamma_grad and vs finite differences of
    SciPy's inverse incomplete gamma; Beta/Dirichlet gradients follow by composition."""
    ag.manual_seed(5)
    alpha = np.array([0.05, 0.4, 1.0, 3.0, 40.0, 900.0])
    rate = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    a = ag.tensor(alpha, requires_grad=True)
    b = ag.tensor(rate, requires_grad=True)
    s = D.Gamma(a, b).rsample((50,))
    s.sum().backward()
    x = host(s.detach()) * rate  # the standard gamma draws
    ta = torch.tensor(alpha).expand(50, 6)
    dxda = torch._standard_gamma_grad(ta, torch.tensor(x)).numpy()
    # torch's _standard_gamma_grad is a fitted approximation (about 1e-4 relative); SciPy
    # below is the precise oracle
    np.testing.assert_allclose(host(a.grad), (dxda / rate).sum(0), rtol=5e-4)
    np.testing.assert_allclose(host(b.grad), -(x / rate ** 2).sum(0), rtol=1e-10)
    from arraygrad.distributions.gamma import _dx_dalpha

    sp = pytest.importorskip("scipy.special")
    exact = _dx_dalpha(ag.tensor(np.broadcast_to(alpha, x.shape).copy()), ag.tensor(x))
    u = sp.gammainc(alpha, x)
    h = 1e-6 * alpha
    fd = (sp.gammaincinv(alpha + h, u) - sp.gammaincinv(alpha - h, u)) / (2 * h)
    np.testing.assert_allclose(host(exact), fd, rtol=1e-6)
    # Beta = X / (X + Y) and Dirichlet = normalised gammas: gradients flow to every parameter
    c1 = ag.tensor([0.5, 2.0], requires_grad=True)
    c0 = ag.tensor([1.5, 3.0], requires_grad=True)
    D.Beta(c1, c0).rsample((20,)).sum().backward()
    assert np.isfinite(host(c1.grad)).all() and np.isfinite(host(c0.grad)).all()
    conc = ag.tensor([0.5, 1.0, 4.0], requires_grad=True)
    (D.Dirichlet(conc).rsample((20,))[..., 0]).sum().backward()
    assert np.isfinite(host(conc.grad)).all()
    # the mean of rsample has the analytic gradient d(a / b)/da = 1 / b (Monte Carlo)
    a = ag.tensor([2.0], dtype=ag.float64, requires_grad=True)
    D.Gamma(a, 1.0).rsample((20000,)).mean().backward()
    assert abs(host(a.grad)[0] - 1.0) < 0.03
    x = ag.tensor([3.0], requires_grad=True)
    g = D.Gamma(x, 1.0).rsample((3,)).sum()
    with pytest.raises(RuntimeError, match="first-order only"):
        (gx,) = ag.autograd.grad(g, x, create_graph=True)
        gx.sum().backward()
