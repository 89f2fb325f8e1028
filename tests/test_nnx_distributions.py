"""The added distributions and transforms against torch.distributions: log_prob, entropy,
mean, variance, cdf, KL pairs, gradients of log_prob, and sample moments (fixed seed)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

P = np.array([0.7, 1.3, 2.5])  # positive parameters
R = np.array([-0.4, 0.2, 1.1])  # real parameters
U = np.array([0.2, 0.5, 0.8])  # probabilities

# name, constructor args (numpy), values for log_prob, (moment check: draws, tolerance)
CASES = [
    ("Exponential", (P,), np.array([0.3, 1.0, 2.0])),
    ("Laplace", (R, P), np.array([-1.0, 0.5, 3.0])),
    ("LogNormal", (R, P * 0.5), np.array([0.5, 1.0, 2.5])),
    ("HalfNormal", (P,), np.array([0.1, 1.0, 2.0])),
    ("Cauchy", (R, P), np.array([-1.0, 0.5, 3.0])),
    ("HalfCauchy", (P,), np.array([0.1, 1.0, 2.0])),
    ("StudentT", (P + 2.0, R, P), np.array([-1.0, 0.5, 3.0])),
    ("Chi2", (P * 2,), np.array([0.5, 1.0, 4.0])),
    ("Gumbel", (R, P), np.array([-1.0, 0.5, 3.0])),
    ("Weibull", (P, P + 0.5), np.array([0.5, 1.0, 2.0])),
    ("Pareto", (P * 0.5, P + 2.0), np.array([0.5, 1.0, 2.0])),
    ("Poisson", (P,), np.array([0.0, 1.0, 4.0])),
    ("Geometric", (U,), np.array([0.0, 1.0, 4.0])),
    ("Binomial", (10.0, U), np.array([0.0, 3.0, 10.0])),
    ("NegativeBinomial", (P * 2, U), np.array([0.0, 2.0, 7.0])),
]
PROBS_KW = {"Geometric": 1, "Binomial": 2, "NegativeBinomial": 2}  # probs= at this position


def _make(lib, name, args, dtype):
    module = ag if lib is D else torch
    wrap = [module.tensor(np.asarray(a, dtype=dtype), requires_grad=np.ndim(a) > 0)
            for a in args]
    cls = getattr(lib, name)
    if name in PROBS_KW:
        i = PROBS_KW[name] - 1
        return cls(*wrap[:i], probs=wrap[i]), wrap
    return cls(*wrap), wrap


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("name,args,values", CASES)
def test_against_torch(name, args, values):
    ours, oa = _make(D, name, args, np.float64)
    theirs, ta = _make(TD, name, args, np.float64)
    for attr in ("mean", "variance"):
        np.testing.assert_allclose(_np(getattr(ours, attr)), _np(getattr(theirs, attr)),
                                   rtol=1e-9, err_msg=f"{name}.{attr}")
    try:
        want_entropy = theirs.entropy()
    except NotImplementedError:
        want_entropy = None
    if want_entropy is not None:
        np.testing.assert_allclose(_np(ours.entropy()), _np(want_entropy), rtol=1e-9,
                                   err_msg=f"{name}.entropy")
    lp_a = ours.log_prob(ag.tensor(values))
    lp_t = theirs.log_prob(torch.tensor(values))
    np.testing.assert_allclose(_np(lp_a), _np(lp_t), rtol=1e-9, atol=1e-12,
                               err_msg=f"{name}.log_prob")
    lp_a.sum().backward()
    lp_t.sum().backward()
    for a, t in zip(oa, ta):
        if t.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-12,
                                       err_msg=f"{name} log_prob gradient")
    assert ours.batch_shape == tuple(theirs.batch_shape)


@pytest.mark.parametrize("name,args,values", CASES)
def test_sample_moments(name, args, values):
    if name in ("Cauchy", "HalfCauchy"):  # no mean: check the median instead
        ag.manual_seed(0)
        d, _ = _make(D, name, args, np.float64)
        s = d.sample((20000,)).numpy()
        med = np.median(s, axis=0)
        want = args[0] if name == "Cauchy" else args[0] * 1.0
        np.testing.assert_allclose(med, want, rtol=0.1, atol=0.05)
        return
    ag.manual_seed(0)
    d, _ = _make(D, name, args, np.float64)
    s = d.sample((20000,))
    assert tuple(s.shape) == (20000, 3)
    mean, var = _np(d.mean), _np(d.variance)
    finite = np.isfinite(var)
    sd = np.sqrt(np.where(finite, var, 1.0))
    # the sample mean is within 5 standard errors of the mean
    assert np.all(np.abs(s.numpy().mean(axis=0) - mean)[finite] < 5 * sd[finite] / np.sqrt(2e4))
    if d.has_rsample:
        d2, params = _make(D, name, args, np.float64)
        d2.rsample((4,)).sum().backward()
        assert any(p.grad is not None for p in params)


def test_kl_pairs():
    p2, r2, u2 = P[::-1].copy(), R[::-1].copy(), U[::-1].copy()
    pairs = [("Exponential", (P,), (p2,)), ("Laplace", (R, P), (r2, p2)),
             ("Poisson", (P,), (p2,)), ("Gumbel", (R, P), (r2, p2))]
    for name, a1, a2 in pairs:
        got = D.kl_divergence(getattr(D, name)(*[ag.tensor(a) for a in a1]),
                              getattr(D, name)(*[ag.tensor(a) for a in a2]))
        want = TD.kl_divergence(getattr(TD, name)(*[torch.tensor(a) for a in a1]),
                                getattr(TD, name)(*[torch.tensor(a) for a in a2]))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9, err_msg=name)
    got = D.kl_divergence(D.Geometric(probs=ag.tensor(U)), D.Geometric(probs=ag.tensor(u2)))
    want = TD.kl_divergence(TD.Geometric(probs=torch.tensor(U)),
                            TD.Geometric(probs=torch.tensor(u2)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-9)


def test_multinomial_and_mixture():
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
    x = np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0]])
    ours, theirs = D.Multinomial(6, probs=ag.tensor(probs)), TD.Multinomial(
        6, probs=torch.tensor(probs))
    np.testing.assert_allclose(ours.log_prob(ag.tensor(x)).numpy(),
                               theirs.log_prob(torch.tensor(x)).numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.variance.numpy(), theirs.variance.numpy(), rtol=1e-12)
    ag.manual_seed(1)
    s = ours.sample((3000,)).numpy()
    assert np.all(s.sum(axis=-1) == 6)
    np.testing.assert_allclose(s.mean(axis=0), 6 * probs, atol=0.15)
    w = np.array([0.3, 0.7])
    locs, scales = np.array([-1.0, 2.0]), np.array([0.5, 1.5])
    mix_a = D.MixtureSameFamily(D.Categorical(probs=ag.tensor(w)),
                                D.Normal(ag.tensor(locs), ag.tensor(scales)))
    mix_t = TD.MixtureSameFamily(TD.Categorical(probs=torch.tensor(w)),
                                 TD.Normal(torch.tensor(locs), torch.tensor(scales)))
    v = np.array([-1.0, 0.0, 2.5])
    np.testing.assert_allclose(mix_a.log_prob(ag.tensor(v)).numpy(),
                               mix_t.log_prob(torch.tensor(v)).numpy(), rtol=1e-10)
    np.testing.assert_allclose(mix_a.mean.numpy(), mix_t.mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mix_a.variance.numpy(), mix_t.variance.numpy(), rtol=1e-12)
    s = mix_a.sample((20000,)).numpy()
    assert abs(s.mean() - mix_t.mean.item()) < 5 * np.sqrt(mix_t.variance.item() / 2e4)
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(probs=ag.tensor([0.5, 0.5])),
                            D.Normal(ag.zeros(3), ag.ones(3)))


@pytest.mark.parametrize("parts", [["exp"], ["affine", "sigmoid"], ["tanh"],
                                   ["affine", "exp", "power"], ["softplus"]])
def test_transformed_distribution(parts):
    def build(lib_t, module):
        table = {"exp": lambda: lib_t.ExpTransform(), "sigmoid": lambda: lib_t.SigmoidTransform(),
                 "tanh": lambda: lib_t.TanhTransform(),
                 "affine": lambda: lib_t.AffineTransform(module.tensor(0.5),
                                                         module.tensor(-1.5)),
                 "power": lambda: lib_t.PowerTransform(module.tensor(2.0)),
                 "softplus": lambda: lib_t.SoftplusTransform()}
        return [table[p]() for p in parts]

    base_a = D.Normal(ag.tensor([0.1, -0.3]), ag.tensor([0.8, 0.4]))
    base_t = TD.Normal(torch.tensor([0.1, -0.3]), torch.tensor([0.8, 0.4]))
    ours = D.TransformedDistribution(base_a, build(D, ag))
    theirs = TD.TransformedDistribution(base_t, build(TD.transforms, torch))
    ag.manual_seed(3)
    y = ours.sample((4,))
    np.testing.assert_allclose(ours.log_prob(y).numpy(),
                               theirs.log_prob(torch.tensor(y.numpy())).numpy(), rtol=2e-5,
                               atol=2e-5)
    t = D.ComposeTransform(build(D, ag))
    x = ag.tensor([0.3, -0.2])
    np.testing.assert_allclose(t.inv(t(x)).numpy(), x.numpy(), rtol=1e-5, atol=1e-6)


def test_relaxed_distributions_match_torch():
    t, p, v = np.array([0.5, 1.2]), np.array([0.3, 0.8]), np.array([0.2, 0.9])
    ta = ag.tensor(t, requires_grad=True)
    tt = torch.tensor(t, requires_grad=True)
    ours = D.RelaxedBernoulli(ta, probs=ag.tensor(p))
    theirs = TD.RelaxedBernoulli(tt, probs=torch.tensor(p))
    lp_a, lp_t = ours.log_prob(ag.tensor(v)), theirs.log_prob(torch.tensor(v))
    np.testing.assert_allclose(lp_a.detach().numpy(), lp_t.detach().numpy(), rtol=1e-10)
    lp_a.sum().backward()
    lp_t.sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), tt.grad.numpy(), rtol=1e-9)
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    x = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    ours_c = D.RelaxedOneHotCategorical(ag.tensor(0.7), probs=ag.tensor(probs))
    theirs_c = TD.RelaxedOneHotCategorical(torch.tensor(0.7, dtype=torch.float64),
                                           probs=torch.tensor(probs))
    np.testing.assert_allclose(ours_c.log_prob(ag.tensor(x)).numpy(),
                               theirs_c.log_prob(torch.tensor(x)).numpy(), rtol=1e-6)
    assert ours_c.event_shape == (3,) and ours_c.batch_shape == (2,)
    ag.manual_seed(0)
    s = ours_c.rsample((5000,)).numpy()
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-6)
    # at a low temperature the samples are nearly one-hot with the categories' frequencies
    cold = D.RelaxedOneHotCategorical(ag.tensor(0.05), probs=ag.tensor(probs)).sample((20000,))
    freq = (cold.numpy().argmax(axis=-1)[..., None] == np.arange(3)).mean(axis=0)
    np.testing.assert_allclose(freq, probs, atol=0.02)
    hard = (D.RelaxedBernoulli(ag.tensor(0.05), probs=ag.tensor(p)).sample((20000,)).numpy()
            > 0.5).mean(axis=0)
    np.testing.assert_allclose(hard, p, atol=0.02)


def test_low_rank_multivariate_normal_matches_torch():
    rng = np.random.default_rng(0)
    loc, w = rng.standard_normal((2, 4)), rng.standard_normal((2, 4, 2))
    diag, v = rng.uniform(0.5, 2.0, (2, 4)), rng.standard_normal((3, 2, 4))
    ours_args = [ag.tensor(a, requires_grad=True) for a in (loc, w, diag)]
    theirs_args = [torch.tensor(a, requires_grad=True) for a in (loc, w, diag)]
    ours = D.LowRankMultivariateNormal(*ours_args)
    theirs = TD.LowRankMultivariateNormal(*theirs_args)
    lp_a, lp_t = ours.log_prob(ag.tensor(v)), theirs.log_prob(torch.tensor(v))
    np.testing.assert_allclose(lp_a.detach().numpy(), lp_t.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.entropy().detach().numpy(),
                               theirs.entropy().detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.variance.detach().numpy(),
                               theirs.variance.detach().numpy(), rtol=1e-12)
    lp_a.sum().backward()
    lp_t.sum().backward()
    for a, t in zip(ours_args, theirs_args):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    ag.manual_seed(0)
    s = ours.sample((20000,)).numpy()
    np.testing.assert_allclose(np.cov(s[:, 0].T), theirs.covariance_matrix[0].detach().numpy(),
                               atol=0.2)
    assert ours.batch_shape == (2,) and ours.event_shape == (4,)
    with pytest.raises(ValueError, match="cov_factor must be a batch of matrices"):
        D.LowRankMultivariateNormal(ag.zeros(3), ag.ones(4, 1), ag.ones(3))
