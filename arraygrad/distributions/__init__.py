"""Probability distributions with PyTorch's names and semantics (``torch.distributions``).

Everything is written with arraygrad ops, so gradients of ``log_prob``, ``entropy``,
``kl_divergence`` and ``rsample`` with respect to the parameters flow on every backend,
and samples come from the backend's RNG (reproducible under ``ag.manual_seed``).

Examples
--------
>>> import arraygrad as ag
>>> from arraygrad.distributions import Categorical
>>> logits = ag.zeros(4, requires_grad=True)
>>> d = Categorical(logits=logits)
>>> action = d.sample()
>>> (-d.log_prob(action)).backward()
>>> tuple(logits.grad.shape)
(4,)
"""

from arraygrad.distributions import constraints
from arraygrad.distributions.continuous import MultivariateNormal, Normal, Uniform
from arraygrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.gamma import Beta, Dirichlet, Gamma
from arraygrad.distributions.independent import Independent
from arraygrad.distributions.kl import kl_divergence, register_kl
from arraygrad.distributions.more import (
    Binomial,
    Cauchy,
    Chi2,
    Exponential,
    ExpRelaxedCategorical,
    Geometric,
    Gumbel,
    HalfCauchy,
    HalfNormal,
    Laplace,
    LogitRelaxedBernoulli,
    LogNormal,
    LowRankMultivariateNormal,
    MixtureSameFamily,
    Multinomial,
    NegativeBinomial,
    Pareto,
    Poisson,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
    StudentT,
    TransformedDistribution,
    Weibull,
)
from arraygrad.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
    Transform,
    identity_transform,
)

__all__ = [
    "Distribution", "Normal", "MultivariateNormal", "Uniform", "Bernoulli", "Categorical",
    "OneHotCategorical", "Gamma", "Beta", "Dirichlet", "Independent", "kl_divergence",
    "register_kl", "constraints", "TransformedDistribution", "Exponential", "Laplace",
    "LogNormal", "HalfNormal", "Cauchy", "HalfCauchy", "StudentT", "Chi2", "Gumbel", "Weibull",
    "Pareto", "Poisson", "Geometric", "Binomial", "NegativeBinomial", "Multinomial",
    "MixtureSameFamily", "Transform", "ExpTransform", "AffineTransform", "SigmoidTransform",
    "TanhTransform", "ComposeTransform", "PowerTransform", "AbsTransform", "SoftplusTransform",
    "identity_transform", "RelaxedBernoulli", "RelaxedOneHotCategorical",
    "LogitRelaxedBernoulli", "ExpRelaxedCategorical", "LowRankMultivariateNormal",
]
