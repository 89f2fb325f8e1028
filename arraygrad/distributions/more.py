"""More distributions: ``TransformedDistribution`` and the distributions built on it
(``LogNormal``, ``HalfNormal``, ``HalfCauchy``, ``Gumbel``, ``Weibull``, ``Pareto``),
``Exponential``, ``Laplace``, ``Cauchy``, ``StudentT``, ``Chi2``, the counting
distributions ``Poisson``, ``Geometric``, ``Binomial``, ``NegativeBinomial``,
``Multinomial``, and ``MixtureSameFamily``; formulas as PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions._math import (
    cholesky,
    eye_like,
    lgamma,
    softplus,
    solve_lower,
    xlogy,
)
from arraygrad.distributions.continuous import Normal, _rand
from arraygrad.distributions.discrete import Categorical, _clamp_probs, _float_tensor, _one_of
from arraygrad.distributions.distribution import (
    Distribution,
    _shape,
    broadcast_all,
    expand_params,
    sum_rightmost,
)
from arraygrad.distributions.gamma import Gamma, _standard_gamma
from arraygrad.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    Transform,
)
from arraygrad.tensor import Tensor

__all__ = ["TransformedDistribution", "Exponential", "Laplace", "LogNormal", "HalfNormal",
           "Cauchy", "HalfCauchy", "StudentT", "Chi2", "Gumbel", "Weibull", "Pareto",
           "Poisson", "Geometric", "Binomial", "NegativeBinomial", "Multinomial",
           "MixtureSameFamily", "LogitRelaxedBernoulli", "RelaxedBernoulli",
           "ExpRelaxedCategorical", "RelaxedOneHotCategorical", "LowRankMultivariateNormal"]

_EULER = 0.57721566490153286060


def _uniform_open(shape: tuple[int, ...], like: Tensor) -> Tensor:
    """Uniform samples in (0, 1): never exactly 0 (PyTorch's ``finfo.smallest_normal`` clamp)."""
    u = _rand(shape, like)
    return ag.clip(u, ag.finfo(u.dtype).smallest_normal, 1.0 - ag.finfo(u.dtype).eps)


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (applied in order), with the
    change-of-variables ``log_prob`` (elementwise transforms).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import ExpTransform, Normal, TransformedDistribution
    >>> d = TransformedDistribution(Normal(ag.tensor(0.0), ag.tensor(1.0)), [ExpTransform()])
    >>> round(d.log_prob(ag.tensor(1.0)).item(), 4)
    -0.9189
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None) -> None:
        if isinstance(transforms, Transform):
            transforms = [transforms]
        elif not isinstance(transforms, (list, tuple)) or not all(
                isinstance(t, Transform) for t in transforms):
            raise ValueError(f"transforms must be a Transform or a list of Transforms, got "
                             f"{transforms!r}")
        self.base_dist = base_distribution
        self.transforms = list(transforms)
        super().__init__(base_distribution.batch_shape, base_distribution.event_shape,
                         validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution has ``rsample``."""
        return self.base_dist.has_rsample

    @property
    def support(self) -> Any:
        """The last transform's codomain."""
        return self.transforms[-1].codomain if self.transforms else self.base_dist.support

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Transformed base samples (no gradient)."""
        with ag.no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Transformed reparameterised base samples."""
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Tensor) -> Tensor:
        """``base.log_prob(x) - sum log|dy/dx|`` along the inverse chain."""
        if self._validate_args:
            self._validate_sample(value)
        total: Any = 0.0
        y = value
        event_dim = len(self.event_shape)
        for t in reversed(self.transforms):
            x = t.inv(y)
            # an elementwise term is summed over the event axes (PyTorch's _sum_rightmost)
            term = sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.event_dim)
            total = total - term
            y = x
        return self.base_dist.log_prob(y) + total

    def cdf(self, value: Tensor) -> Tensor:
        """The base cdf of the inverse image (flipped for decreasing transforms)."""
        sign = 1
        for t in reversed(self.transforms):
            value = t.inv(value)
            sign *= t.sign
        out = self.base_dist.cdf(value)
        return out if sign == 1 else 1 - out


class Exponential(Distribution):
    """Exponential distribution with ``rate`` (mean ``1 / rate``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Exponential
    >>> d = Exponential(ag.tensor(2.0))
    >>> d.mean.item(), round(d.log_prob(ag.tensor(1.0)).item(), 4)
    (0.5, -1.3069)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        """An Exponential with ``rate`` broadcast to ``batch_shape``."""
        return expand_params(Exponential, self, batch_shape, "rate")

    @property
    def mean(self) -> Tensor:
        """``1 / rate``."""
        return 1.0 / self.rate

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.rate * 0.0

    @property
    def variance(self) -> Tensor:
        """``rate ** -2``."""
        return self.rate ** -2

    @property
    def stddev(self) -> Tensor:
        """``1 / rate``."""
        return 1.0 / self.rate

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``-log(u) / rate``."""
        u = _uniform_open(self._extended_shape(sample_shape), self.rate)
        return -ag.log(u) / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        """``log(rate) - rate * value``."""
        if self._validate_args:
            self._validate_sample(value)
        return ag.log(self.rate) - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        """``1 - exp(-rate * value)``."""
        return 1 - ag.exp(-self.rate * value)

    def icdf(self, value: Tensor) -> Tensor:
        """``-log1p(-value) / rate``."""
        return -ag.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        """``1 - log(rate)``."""
        return 1.0 - ag.log(self.rate)


class Laplace(Distribution):
    """Laplace distribution with location ``loc`` and scale ``scale``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Laplace
    >>> round(Laplace(ag.tensor(0.0), ag.tensor(1.0)).log_prob(ag.tensor(1.0)).item(), 4)
    -1.6931
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Laplace:
        """A Laplace with its parameters broadcast to ``batch_shape``."""
        return expand_params(Laplace, self, batch_shape, "loc", "scale")

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``2 scale**2``."""
        return 2 * self.scale ** 2

    @property
    def stddev(self) -> Tensor:
        """``sqrt(2) scale``."""
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc - scale * sign(u) * log1p(-|u|)`` with ``u`` uniform in (-1, 1)."""
        shape = self._extended_shape(sample_shape)
        u = _rand(shape, self.loc) * 2.0 - 1.0
        u = ag.clip(u, -1.0 + ag.finfo(u.dtype).eps, 1.0)
        return self.loc - self.scale * ag.sign(u) * ag.log1p(-ag.abs(u))

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(2 scale) - |value - loc| / scale``."""
        if self._validate_args:
            self._validate_sample(value)
        return -ag.log(2 * self.scale) - ag.abs(value - self.loc) / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        """``0.5 - 0.5 sign(z) expm1(-|z|)``, ``z = (value - loc) / scale``."""
        z = (value - self.loc) / self.scale
        return 0.5 - 0.5 * ag.sign(z) * ag.expm1(-ag.abs(z))

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse cdf."""
        term = value - 0.5
        return self.loc - self.scale * ag.sign(term) * ag.log1p(-2 * ag.abs(term))

    def entropy(self) -> Tensor:
        """``1 + log(2 scale)``."""
        return 1 + ag.log(2 * self.scale)


class Cauchy(Distribution):
    """Cauchy distribution with location ``loc`` and scale ``scale`` (no mean: NaN;
    infinite variance).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Cauchy
    >>> round(Cauchy(ag.tensor(0.0), ag.tensor(1.0)).log_prob(ag.tensor(0.0)).item(), 4)
    -1.1447
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Cauchy:
        """A Cauchy with its parameters broadcast to ``batch_shape``."""
        return expand_params(Cauchy, self, batch_shape, "loc", "scale")

    @property
    def mean(self) -> Tensor:
        """NaN (undefined)."""
        return self.loc * 0.0 + math.nan

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """Infinity."""
        return self.loc * 0.0 + math.inf

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * tan(pi (u - 1/2))``."""
        u = _uniform_open(self._extended_shape(sample_shape), self.loc)
        return self.loc + self.scale * ag.tan(math.pi * (u - 0.5))

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(pi) - log(scale) - log1p(z**2)``."""
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - ag.log(self.scale) - ag.log1p(z * z)

    def cdf(self, value: Tensor) -> Tensor:
        """``atan(z) / pi + 1/2``."""
        return ag.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        """``loc + scale * tan(pi (value - 1/2))``."""
        return self.loc + self.scale * ag.tan(math.pi * (value - 0.5))

    def entropy(self) -> Tensor:
        """``log(4 pi scale)``."""
        return math.log(4 * math.pi) + ag.log(self.scale)


class LogNormal(TransformedDistribution):
    """``exp(X)`` for ``X ~ Normal(loc, scale)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import LogNormal
    >>> round(LogNormal(ag.tensor(0.0), ag.tensor(1.0)).mean.item(), 4)
    1.6487
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        self.loc, self.scale = base.loc, base.scale
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogNormal:
        """A LogNormal with its parameters broadcast to ``batch_shape``."""
        return expand_params(LogNormal, self, batch_shape, "loc", "scale")

    @property
    def mean(self) -> Tensor:
        """``exp(loc + scale**2 / 2)``."""
        return ag.exp(self.loc + self.scale ** 2 / 2)

    @property
    def mode(self) -> Tensor:
        """``exp(loc - scale**2)``."""
        return ag.exp(self.loc - self.scale ** 2)

    @property
    def variance(self) -> Tensor:
        """``expm1(scale**2) exp(2 loc + scale**2)``."""
        s2 = self.scale ** 2
        return ag.expm1(s2) * ag.exp(2 * self.loc + s2)

    def entropy(self) -> Tensor:
        """The normal's entropy plus ``loc``."""
        return self.base_dist.entropy() + self.loc


class HalfNormal(TransformedDistribution):
    """``|X|`` for ``X ~ Normal(0, scale)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import HalfNormal
    >>> round(HalfNormal(ag.tensor(1.0)).log_prob(ag.tensor(0.0)).item(), 4)
    -0.2258
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        (scale,) = broadcast_all(scale)
        base = Normal(scale * 0.0, scale, validate_args=False)
        self.scale = base.scale
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfNormal:
        """A HalfNormal with ``scale`` broadcast to ``batch_shape``."""
        return expand_params(HalfNormal, self, batch_shape, "scale")

    @property
    def mean(self) -> Tensor:
        """``scale * sqrt(2 / pi)``."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.scale * 0.0

    @property
    def variance(self) -> Tensor:
        """``scale**2 (1 - 2 / pi)``."""
        return self.scale ** 2 * (1 - 2 / math.pi)

    def log_prob(self, value: Tensor) -> Tensor:
        """``normal.log_prob(value) + log 2``; ``-inf`` below 0."""
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return ag.where(value >= 0, lp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        """``2 Phi(value) - 1``."""
        return 2 * self.base_dist.cdf(value) - 1

    def entropy(self) -> Tensor:
        """The normal's entropy minus ``log 2``."""
        return self.base_dist.entropy() - math.log(2)


class HalfCauchy(TransformedDistribution):
    """``|X|`` for ``X ~ Cauchy(0, scale)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import HalfCauchy
    >>> round(HalfCauchy(ag.tensor(1.0)).log_prob(ag.tensor(0.0)).item(), 4)
    -0.4516
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        (scale,) = broadcast_all(scale)
        base = Cauchy(scale * 0.0, scale, validate_args=False)
        self.scale = base.scale
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfCauchy:
        """A HalfCauchy with ``scale`` broadcast to ``batch_shape``."""
        return expand_params(HalfCauchy, self, batch_shape, "scale")

    @property
    def mean(self) -> Tensor:
        """Infinity."""
        return self.scale * 0.0 + math.inf

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.scale * 0.0

    @property
    def variance(self) -> Tensor:
        """Infinity."""
        return self.scale * 0.0 + math.inf

    def log_prob(self, value: Tensor) -> Tensor:
        """``cauchy.log_prob(value) + log 2``; ``-inf`` below 0."""
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return ag.where(value >= 0, lp, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        """``2 F(value) - 1``."""
        return 2 * self.base_dist.cdf(value) - 1

    def entropy(self) -> Tensor:
        """The Cauchy's entropy minus ``log 2``."""
        return self.base_dist.entropy() - math.log(2)


class Gumbel(TransformedDistribution):
    """Gumbel distribution with location ``loc`` and scale ``scale``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Gumbel
    >>> round(Gumbel(ag.tensor(0.0), ag.tensor(1.0)).log_prob(ag.tensor(0.0)).item(), 4)
    -1.0
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        Distribution.__init__(self, self.loc.shape, (), validate_args)
        self.base_dist = Exponential(self.loc * 0.0 + 1.0, validate_args=False)
        # x = loc - scale * log(E) for E ~ Exponential(1)
        self.transforms = [ExpTransform().inv, AffineTransform(self.loc, -self.scale)]

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        """A Gumbel with its parameters broadcast to ``batch_shape``."""
        return expand_params(Gumbel, self, batch_shape, "loc", "scale")

    @property
    def mean(self) -> Tensor:
        """``loc + scale * euler_gamma``."""
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``pi**2 / 6 * scale**2``."""
        return math.pi ** 2 / 6 * self.scale ** 2

    def log_prob(self, value: Tensor) -> Tensor:
        """``-(z + exp(-z)) - log(scale)``."""
        if self._validate_args:
            self._validate_sample(value)
        z = (self.loc - value) / self.scale
        return z - ag.exp(z) - ag.log(self.scale)

    def cdf(self, value: Tensor) -> Tensor:
        """``exp(-exp(-(value - loc) / scale))``."""
        return ag.exp(-ag.exp(-(value - self.loc) / self.scale))

    def entropy(self) -> Tensor:
        """``log(scale) + 1 + euler_gamma``."""
        return ag.log(self.scale) + 1 + _EULER


class Weibull(TransformedDistribution):
    """Weibull distribution with ``scale`` and shape ``concentration``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Weibull
    >>> round(Weibull(ag.tensor(1.0), ag.tensor(1.0)).mean.item(), 4)
    1.0
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        Distribution.__init__(self, self.scale.shape, (), validate_args)
        self.base_dist = Exponential(self.scale * 0.0 + 1.0, validate_args=False)
        self.transforms = [PowerTransform(1.0 / self.concentration),
                           AffineTransform(self.scale * 0.0, self.scale)]

    def expand(self, batch_shape: Any, _instance: Any = None) -> Weibull:
        """A Weibull with its parameters broadcast to ``batch_shape``."""
        return expand_params(Weibull, self, batch_shape, "scale", "concentration")

    @property
    def mean(self) -> Tensor:
        """``scale * Gamma(1 + 1/concentration)``."""
        return self.scale * ag.exp(lgamma(1 + 1.0 / self.concentration))

    @property
    def mode(self) -> Tensor:
        """``scale ((k - 1) / k) ** (1 / k)``, 0 for ``k <= 1``."""
        k = self.concentration
        return self.scale * ag.clip((k - 1) / k, 0.0, None) ** (1 / k)

    @property
    def variance(self) -> Tensor:
        """``scale**2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)**2)``."""
        k = self.concentration
        return self.scale ** 2 * (ag.exp(lgamma(1 + 2 / k)) - ag.exp(2 * lgamma(1 + 1 / k)))

    def log_prob(self, value: Tensor) -> Tensor:
        """``log(k / scale) + (k - 1) log(value / scale) - (value / scale) ** k``."""
        if self._validate_args:
            self._validate_sample(value)
        k, z = self.concentration, value / self.scale
        return ag.log(k / self.scale) + (k - 1) * ag.log(z) - z ** k

    def cdf(self, value: Tensor) -> Tensor:
        """``1 - exp(-(value / scale) ** k)``."""
        return 1 - ag.exp(-((value / self.scale) ** self.concentration))

    def entropy(self) -> Tensor:
        """``euler_gamma (1 - 1/k) + log(scale / k) + 1``."""
        k = self.concentration
        return _EULER * (1 - 1 / k) + ag.log(self.scale / k) + 1


class Pareto(TransformedDistribution):
    """Pareto type I distribution with ``scale`` (minimum) and tail index ``alpha``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Pareto
    >>> Pareto(ag.tensor(1.0), ag.tensor(2.0)).mean.item()
    2.0
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        Distribution.__init__(self, self.scale.shape, (), validate_args)
        self.base_dist = Exponential(self.alpha, validate_args=False)
        self.transforms = [ExpTransform(), AffineTransform(self.scale * 0.0, self.scale)]

    @property
    def support(self) -> Any:
        """``[scale, inf)``."""
        return constraints.greater_than_eq(self.scale)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Pareto:
        """A Pareto with its parameters broadcast to ``batch_shape``."""
        return expand_params(Pareto, self, batch_shape, "scale", "alpha")

    @property
    def mean(self) -> Tensor:
        """``alpha scale / (alpha - 1)`` for ``alpha > 1``, else infinity."""
        a = ag.clip(self.alpha, 1.0, None)
        return ag.where(self.alpha > 1, a * self.scale / (a - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        """``scale``."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """``scale**2 alpha / ((alpha - 1)**2 (alpha - 2))`` for ``alpha > 2``, else inf."""
        a = ag.clip(self.alpha, 2.0, None)
        return ag.where(self.alpha > 2, self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2)),
                        math.inf)

    def log_prob(self, value: Tensor) -> Tensor:
        """``log(alpha) + alpha log(scale) - (alpha + 1) log(value)``."""
        if self._validate_args:
            self._validate_sample(value)
        return ag.log(self.alpha) + self.alpha * ag.log(self.scale) \
            - (self.alpha + 1) * ag.log(value)

    def entropy(self) -> Tensor:
        """``log(scale / alpha) + 1 / alpha + 1``."""
        return ag.log(self.scale / self.alpha) + 1 / self.alpha + 1


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, ``loc`` and ``scale``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import StudentT
    >>> round(StudentT(ag.tensor(3.0)).log_prob(ag.tensor(0.0)).item(), 4)
    -1.0009
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        super().__init__(self.df.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        """A StudentT with its parameters broadcast to ``batch_shape``."""
        return expand_params(StudentT, self, batch_shape, "df", "loc", "scale")

    @property
    def mean(self) -> Tensor:
        """``loc`` for ``df > 1``, else NaN."""
        return ag.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``scale**2 df / (df - 2)`` for ``df > 2``, infinity for ``1 < df <= 2``, else NaN."""
        df = self.df
        safe = ag.where(df > 2, df, 3.0)
        var = self.scale ** 2 * safe / (safe - 2)
        return ag.where(df > 2, var, ag.where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * Z / sqrt(V / df)`` with ``Z`` normal and ``V ~ Chi2(df)``
        (``V`` without gradient: ``df`` gets none, as it is not reparameterised here)."""
        shape = self._extended_shape(sample_shape)
        z = ag.randn(*shape, dtype=self.loc.dtype, backend=self.loc.backend,
                     device=self.loc.device)
        v = 2.0 * _standard_gamma(0.5 * self.df, shape)
        return self.loc + self.scale * z * ag.sqrt(self.df.detach() / v)

    def log_prob(self, value: Tensor) -> Tensor:
        """PyTorch's closed form."""
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = ag.log(self.scale) + 0.5 * ag.log(self.df) + 0.5 * math.log(math.pi) \
            + lgamma(0.5 * self.df) - lgamma(0.5 * (self.df + 1.0))
        return -0.5 * (self.df + 1.0) * ag.log1p(y ** 2 / self.df) - z

    def entropy(self) -> Tensor:
        """PyTorch's closed form (log-beta and digamma terms)."""
        from arraygrad.distributions._math import digamma

        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return ag.log(self.scale) + 0.5 * (df + 1) * (digamma(0.5 * (df + 1))
                                                      - digamma(0.5 * df)) \
            + 0.5 * ag.log(df) + lbeta


class Chi2(Gamma):
    """Chi-squared distribution with ``df`` degrees of freedom (``Gamma(df / 2, 1 / 2)``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Chi2
    >>> Chi2(ag.tensor(4.0)).mean.item()
    4.0
    """

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, df * 0.0 + 0.5, validate_args=validate_args)

    @property
    def df(self) -> Tensor:
        """``2 * concentration``."""
        return self.concentration * 2

    def expand(self, batch_shape: Any, _instance: Any = None) -> Chi2:
        """A Chi2 with ``df`` broadcast to ``batch_shape``."""
        return Chi2(self.df.expand(*_shape(batch_shape)), validate_args=False)


# ------------------------------------------------------------------------- counting
class _ProbsOrLogits(Distribution):
    """``probs`` or ``logits`` (of a binary event), the other one derived lazily."""

    def _set_probs_logits(self, probs: Any, logits: Any, *others: Any) -> tuple[Tensor, ...]:
        _one_of(probs, logits)
        given = _float_tensor(probs if probs is not None else logits,
                              "probs" if probs is not None else "logits")
        values = broadcast_all(given, *others)
        if probs is not None:
            self.probs = values[0]
            pc = _clamp_probs(self.probs)
            self._logits = ag.log(pc) - ag.log1p(-pc)
        else:
            self.logits = values[0]
            self._probs = ag.sigmoid(self.logits)
        return values

    def __getattr__(self, name: str) -> Any:
        if name in ("probs", "logits"):
            return self.__dict__["_" + name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class Geometric(_ProbsOrLogits):
    """The number of failures before the first success of Bernoulli(``probs``) trials.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Geometric
    >>> round(Geometric(probs=ag.tensor(0.25)).mean.item(), 4)
    3.0
    """

    arg_constraints = {"probs": constraints.interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        (p,) = self._set_probs_logits(probs, logits)
        super().__init__(p.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        """A Geometric with its parameter broadcast to ``batch_shape``."""
        shape = _shape(batch_shape)
        if "probs" in self.__dict__:
            return Geometric(probs=self.probs.expand(*shape), validate_args=False)
        return Geometric(logits=self.logits.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """``1 / probs - 1``."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.probs * 0.0

    @property
    def variance(self) -> Tensor:
        """``(1 / probs - 1) / probs``."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``floor(log(u) / log1p(-probs))``."""
        with ag.no_grad():
            p = self.probs.detach()
            u = _uniform_open(self._extended_shape(sample_shape), p)
            return ag.floor(ag.log(u) / ag.log1p(-p))

    def log_prob(self, value: Tensor) -> Tensor:
        """``value * log1p(-probs) + log(probs)`` (0 * log 0 taken as 0)."""
        if self._validate_args:
            self._validate_sample(value)
        value, p = broadcast_all(value, self.probs)
        p_safe = ag.where((p == 1) & (value == 0), 0.0, p)
        return value * ag.log1p(-p_safe) + ag.log(p)

    def entropy(self) -> Tensor:
        """PyTorch's ``binary_cross_entropy_with_logits(logits, probs) / probs``."""
        logits, p = self.logits, self.probs
        bce = softplus(logits) - p * logits
        return bce / p


class Poisson(Distribution):
    """Poisson distribution with ``rate``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Poisson
    >>> round(Poisson(ag.tensor(2.0)).log_prob(ag.tensor(1.0)).item(), 4)
    -1.3069
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        """A Poisson with ``rate`` broadcast to ``batch_shape``."""
        return expand_params(Poisson, self, batch_shape, "rate")

    @property
    def mean(self) -> Tensor:
        """``rate``."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """``floor(rate)``."""
        return ag.floor(self.rate)

    @property
    def variance(self) -> Tensor:
        """``rate``."""
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples from the backend's Poisson generator (``ag.poisson``)."""
        with ag.no_grad():
            rate = self.rate.detach().expand(*self._extended_shape(sample_shape))
            return ag.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        """``xlogy(value, rate) - rate - lgamma(value + 1)``."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)


class Binomial(_ProbsOrLogits):
    """The number of successes in ``total_count`` Bernoulli(``probs``) trials.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Binomial
    >>> Binomial(10, probs=ag.tensor(0.25)).mean.item()
    2.5
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        p, self.total_count = self._set_probs_logits(probs, logits, total_count)
        self.total_count = self.total_count.astype(p.dtype)
        super().__init__(p.shape, (), validate_args)

    @property
    def support(self) -> Any:
        """``{0, ..., total_count}``."""
        return constraints.integer_interval(0, self.total_count)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        """A Binomial with its parameters broadcast to ``batch_shape``."""
        shape = _shape(batch_shape)
        n = self.total_count.expand(*shape)
        if "probs" in self.__dict__:
            return Binomial(n, probs=self.probs.expand(*shape), validate_args=False)
        return Binomial(n, logits=self.logits.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """``total_count * probs``."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """``floor((total_count + 1) probs)``, at most ``total_count``."""
        return ag.clip(ag.floor((self.total_count + 1) * self.probs), None, self.total_count)

    @property
    def variance(self) -> Tensor:
        """``total_count probs (1 - probs)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The count of ``total_count`` uniform draws below ``probs``."""
        with ag.no_grad():
            shape = self._extended_shape(sample_shape)
            p = self.probs.detach().expand(*shape)
            n = self.total_count.detach().expand(*shape)
            trials = int(ag.max(n).item()) if n.size else 0
            count = p * 0.0
            for i in range(trials):
                hit = (_rand(shape, p) < p) & (n > i)
                count = count + hit.astype(p.dtype)
            return count

    def log_prob(self, value: Tensor) -> Tensor:
        """PyTorch's logits form (stable for extreme probabilities)."""
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_factorial_n = lgamma(n + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(n - value + 1)
        logits = self.logits
        # PyTorch's _clamp_by_zero: max(x, 0) with slope 1/2 at 0
        clamped = (ag.clip(logits, 0.0, None) + logits - ag.clip(logits, None, 0.0)) / 2
        normalize = n * clamped + n * ag.log1p(ag.exp(-ag.abs(logits))) - log_factorial_n
        return value * logits - log_factorial_k - log_factorial_nmk - normalize

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0 .. total_count`` along a new leading axis (homogeneous ``total_count``)."""
        n = int(ag.max(self.total_count).item())
        if int(ag.min(self.total_count).item()) != n:
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = ag.arange(n + 1, dtype=self.probs.dtype, backend=self.probs.backend,
                           device=self.probs.device)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand(n + 1, *self.batch_shape) if expand else values

    def entropy(self) -> Tensor:
        """``-sum p log p`` over the support (homogeneous ``total_count``, as PyTorch)."""
        n = int(ag.max(self.total_count).item())
        if int(ag.min(self.total_count).item()) != n:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(ag.exp(log_prob) * log_prob).sum(axis=0)


class NegativeBinomial(_ProbsOrLogits):
    """The number of successes before ``total_count`` failures of Bernoulli(``probs``)
    trials (PyTorch's parametrisation).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import NegativeBinomial
    >>> NegativeBinomial(3.0, probs=ag.tensor(0.5)).mean.item()
    3.0
    """

    arg_constraints = {"total_count": constraints.nonnegative,
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        p, self.total_count = self._set_probs_logits(probs, logits, total_count)
        self.total_count = self.total_count.astype(p.dtype)
        super().__init__(p.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> NegativeBinomial:
        """A NegativeBinomial with its parameters broadcast to ``batch_shape``."""
        shape = _shape(batch_shape)
        n = self.total_count.expand(*shape)
        if "probs" in self.__dict__:
            return NegativeBinomial(n, probs=self.probs.expand(*shape), validate_args=False)
        return NegativeBinomial(n, logits=self.logits.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """``total_count * exp(logits)``."""
        return self.total_count * ag.exp(self.logits)

    @property
    def mode(self) -> Tensor:
        """``floor((total_count - 1) exp(logits))``, at least 0."""
        return ag.clip(ag.floor((self.total_count - 1) * ag.exp(self.logits)), 0.0, None)

    @property
    def variance(self) -> Tensor:
        """``mean / sigmoid(-logits)``."""
        return self.mean / ag.sigmoid(-self.logits)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A Poisson draw of a Gamma(``total_count``, ``exp(-logits)``) rate (PyTorch's)."""
        with ag.no_grad():
            shape = self._extended_shape(sample_shape)
            rate = _standard_gamma(self.total_count.detach(), shape) * ag.exp(
                self.logits.detach())
            return ag.poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        """PyTorch's closed form in ``logsigmoid``s and ``lgamma``s."""
        if self._validate_args:
            self._validate_sample(value)
        r, logits = self.total_count, self.logits
        unnormalized = r * -softplus(logits) + value * -softplus(-logits)
        normalization = -lgamma(ag.where(r + value == 0, 1.0, r + value)) + lgamma(1.0 + value) \
            + lgamma(ag.where(r == 0, 1.0, r))
        normalization = ag.where(r + value == 0.0, 0.0, normalization)
        return unnormalized - normalization


class Multinomial(Distribution):
    """Counts of ``total_count`` draws from Categorical(``probs``/``logits``) (last axis).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Multinomial
    >>> d = Multinomial(4, probs=ag.tensor([0.5, 0.5]))
    >>> round(d.log_prob(ag.tensor([2.0, 2.0])).item(), 4)
    -0.9808
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        shape = self._categorical.batch_shape
        super().__init__(shape, self._categorical.param_shape[-1:], validate_args)

    @property
    def probs(self) -> Tensor:
        """The category probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    @property
    def support(self) -> Any:
        """Count vectors summing to ``total_count``."""
        return constraints.independent(constraints.integer_interval(0, self.total_count), 1)

    @property
    def mean(self) -> Tensor:
        """``total_count * probs``."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """``total_count probs (1 - probs)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The counts of ``total_count`` categorical draws."""
        with ag.no_grad():
            shape = _shape(sample_shape)
            draws = self._categorical.sample((self.total_count, *shape))
            k = self._event_shape[0]
            classes = ag.arange(k, backend=draws.backend, device=draws.device)
            hot = (ag.expand_dims(draws, axis=-1) == classes).astype(self.probs.dtype)
            return hot.sum(axis=0)

    def log_prob(self, value: Tensor) -> Tensor:
        """``lgamma(n + 1) - sum lgamma(x + 1) + sum x log p`` (``0 * -inf`` as 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = ag.where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_factorial_n = math.lgamma(self.total_count + 1)
        log_factorial_xs = lgamma(value + 1).sum(axis=-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(axis=-1)


class MixtureSameFamily(Distribution):
    """A mixture of the batch of ``component_distribution`` along its rightmost batch
    axis, weighted by ``mixture_distribution`` (a Categorical).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Categorical, MixtureSameFamily, Normal
    >>> mix = Categorical(probs=ag.tensor([0.5, 0.5]))
    >>> d = MixtureSameFamily(mix, Normal(ag.tensor([-1.0, 1.0]), ag.tensor([1.0, 1.0])))
    >>> d.mean.item()
    0.0
    """

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("The Mixture distribution needs to be an instance of "
                             "torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution need to be an instance of "
                             "torch.distributions.Distribution")
        mbs = mixture_distribution.batch_shape
        cbs = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mbs), reversed(cbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mbs}) is not "
                                 f"compatible with `component_distribution.batch_shape`({cbs})")
        k = mixture_distribution.param_shape[-1]
        if component_distribution.batch_shape[-1:] != (k,):
            raise ValueError(f"`mixture_distribution component` ({k}) does not equal "
                             f"`component_distribution.batch_shape[-1]` "
                             f"({component_distribution.batch_shape[-1:]})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cbs, component_distribution.event_shape, validate_args)

    @property
    def mixture_distribution(self) -> Categorical:
        """The mixture weights."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components."""
        return self._component_distribution

    def _pad_weights(self, t: Tensor) -> Tensor:
        return t.reshape(tuple(t.shape) + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        """``sum_k w_k mean_k``."""
        w = self._pad_weights(self.mixture_distribution.probs)
        return (w * self.component_distribution.mean).sum(axis=-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        """The law of total variance."""
        w = self._pad_weights(self.mixture_distribution.probs)
        axis = -1 - self._event_ndims
        comp = self.component_distribution
        mean_cond_var = (w * comp.variance).sum(axis=axis)
        mean = self.mean
        diff = comp.mean - ag.expand_dims(mean, axis=axis)
        return mean_cond_var + (w * diff * diff).sum(axis=axis)

    def log_prob(self, value: Tensor) -> Tensor:
        """``logsumexp_k(log w_k + log p_k(value))``."""
        if self._validate_args:
            self._validate_sample(value)
        x = ag.expand_dims(value, axis=-1 - self._event_ndims)
        log_prob_x = self.component_distribution.log_prob(x)
        log_mix = ag.log_softmax(self.mixture_distribution.logits, axis=-1)
        return ag.logsumexp(log_prob_x + log_mix, axis=-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A component index from the mixture, then that component's sample."""
        with ag.no_grad():
            shape = _shape(sample_shape)
            index = self.mixture_distribution.sample(shape)  # sample + mixture batch
            comps = self.component_distribution.sample(shape)  # sample + batch + (K,) + event
            k_axis = len(shape) + len(self.batch_shape)
            idx = index.reshape(tuple(index.shape) + (1,) * (1 + self._event_ndims))
            target = tuple(comps.shape[:k_axis]) + (1,) + tuple(comps.shape[k_axis + 1:])
            idx = ag.broadcast_to(idx, target)
            return ag.squeeze(ag.take_along_axis(comps, idx, axis=k_axis), axis=k_axis)


# ------------------------------------------------------------------- relaxed (concrete)
class LogitRelaxedBernoulli(_ProbsOrLogits):
    """The logit of a :class:`RelaxedBernoulli` sample (Maddison et al.'s binary Concrete,
    in logit space): ``(logit(u) + logits) / temperature``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import LogitRelaxedBernoulli
    >>> d = LogitRelaxedBernoulli(ag.tensor(0.5), logits=ag.tensor(0.0))
    >>> round(d.log_prob(ag.tensor(0.0)).item(), 4)
    -2.0794
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        p, self.temperature = self._set_probs_logits(probs, logits, temperature)
        super().__init__(p.shape, (), validate_args)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``(log u - log1p(-u) + logits) / temperature``."""
        u = _clamp_probs(_rand(self._extended_shape(sample_shape), self.logits))
        return (ag.log(u) - ag.log1p(-u) + self.logits) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        """``log(t) + d - 2 log1p(exp(d))`` with ``d = logits - value * t``."""
        if self._validate_args:
            self._validate_sample(value)
        diff = self.logits - value * self.temperature
        return ag.log(self.temperature) + diff - 2 * ag.log1p(ag.exp(diff))


class RelaxedBernoulli(TransformedDistribution):
    """The binary Concrete / relaxed Bernoulli: ``sigmoid`` of a
    :class:`LogitRelaxedBernoulli` sample, in (0, 1).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import RelaxedBernoulli
    >>> d = RelaxedBernoulli(ag.tensor(0.5), probs=ag.tensor(0.3))
    >>> tuple(d.rsample((4,)).shape)
    (4,)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature  # type: ignore[attr-defined]

    @property
    def logits(self) -> Tensor:
        """The logits."""
        return self.base_dist.logits  # type: ignore[attr-defined]

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self.base_dist.probs  # type: ignore[attr-defined]


class ExpRelaxedCategorical(Distribution):
    """The log of a :class:`RelaxedOneHotCategorical` sample (the Concrete distribution in
    log space): ``log_softmax((logits + gumbel) / temperature)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import ExpRelaxedCategorical
    >>> d = ExpRelaxedCategorical(ag.tensor(1.0), probs=ag.tensor([0.5, 0.5]))
    >>> d.event_shape
    (2,)
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        (self.temperature,) = broadcast_all(temperature)
        self.temperature = self.temperature.astype(self._categorical.logits.dtype)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args)

    @property
    def logits(self) -> Tensor:
        """The normalised logits."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``scores - logsumexp(scores)`` with ``scores = (logits + gumbel) / temperature``."""
        u = _clamp_probs(_rand(self._extended_shape(sample_shape), self.logits))
        gumbels = -ag.log(-ag.log(u))
        scores = (self.logits + gumbels) / self.temperature
        return scores - ag.logsumexp(scores, axis=-1, keepdims=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """PyTorch's closed form (``lgamma(K) + (K - 1) log t`` plus the scores)."""
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        log_scale = math.lgamma(k) - ag.log(self.temperature) * -(k - 1)
        score = self.logits - value * self.temperature
        score = (score - ag.logsumexp(score, axis=-1, keepdims=True)).sum(axis=-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """The Concrete / Gumbel-softmax distribution: ``exp`` of an
    :class:`ExpRelaxedCategorical` sample, on the simplex.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import RelaxedOneHotCategorical
    >>> d = RelaxedOneHotCategorical(ag.tensor(0.5), probs=ag.tensor([0.2, 0.8]))
    >>> round(float(d.rsample().sum().item()), 5)
    1.0
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature  # type: ignore[attr-defined]

    @property
    def logits(self) -> Tensor:
        """The normalised logits."""
        return self.base_dist.logits  # type: ignore[attr-defined]

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self.base_dist.probs  # type: ignore[attr-defined]


class LowRankMultivariateNormal(Distribution):
    """Multivariate normal with covariance ``cov_factor @ cov_factor.T + diag(cov_diag)``
    (``cov_factor`` (..., k, r), ``cov_diag`` (..., k)): ``log_prob`` and ``entropy``
    through the rank-``r`` capacitance matrix ``I + W.T D^-1 W`` (Woodbury), as PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import LowRankMultivariateNormal
    >>> d = LowRankMultivariateNormal(ag.zeros(3), ag.ones(3, 1), ag.ones(3))
    >>> d.variance.tolist()
    [2.0, 2.0, 2.0]
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, cov_factor: Any, cov_diag: Any,
                 validate_args: bool | None = None) -> None:
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        k = loc.shape[-1]
        if cov_factor.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != (k,):
            raise ValueError(f"cov_factor must be a batch of matrices with shape {k} x m")
        if tuple(cov_diag.shape[-1:]) != (k,):
            raise ValueError(f"cov_diag must be a batch of vectors with shape {(k,)}")
        loc_ = ag.expand_dims(loc, axis=-1)
        diag_ = ag.expand_dims(cov_diag, axis=-1)
        try:
            loc_, cov_factor, diag_ = ag.broadcast_arrays(loc_, cov_factor, diag_)
        except ValueError:
            raise ValueError(f"Incompatible batch shapes: loc {tuple(loc.shape)}, cov_factor "
                             f"{tuple(cov_factor.shape)}, cov_diag "
                             f"{tuple(cov_diag.shape)}") from None
        self.loc = loc_[..., 0]
        self.cov_diag = diag_[..., 0]
        self.cov_factor = cov_factor
        self._unbroadcasted_cov_factor = cov_factor
        self._capacitance_tril = self._capacitance(cov_factor, cov_diag)
        super().__init__(tuple(self.loc.shape[:-1]), (k,), validate_args)

    @staticmethod
    def _capacitance(w: Tensor, d: Tensor) -> Tensor:
        """The Cholesky factor of ``I + W.T D^-1 W``."""
        wt_dinv = ag.matrix_transpose(w) / ag.expand_dims(d, axis=-2)
        cap = ag.matmul(wt_dinv, w) + eye_like(w, w.shape[-1])
        return cholesky(cap)

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """``sum(W**2, -1) + cov_diag``."""
        return (self.cov_factor ** 2).sum(axis=-1) + self.cov_diag

    @property
    def covariance_matrix(self) -> Tensor:
        """``W W.T + diag(cov_diag)``."""
        w = self.cov_factor
        return ag.matmul(w, ag.matrix_transpose(w)) + \
            ag.expand_dims(self.cov_diag, axis=-1) * eye_like(w, w.shape[-2])

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + W eps_r + sqrt(cov_diag) eps_k``."""
        shape = self._extended_shape(sample_shape)
        r = self.cov_factor.shape[-1]
        eps_w = ag.randn(*(shape[:-1] + (r,)), dtype=self.loc.dtype, backend=self.loc.backend,
                         device=self.loc.device)
        eps_d = ag.randn(*shape, dtype=self.loc.dtype, backend=self.loc.backend,
                         device=self.loc.device)
        return self.loc + ag.matmul(self.cov_factor, ag.expand_dims(eps_w, axis=-1))[..., 0] \
            + ag.sqrt(self.cov_diag) * eps_d

    def _log_det(self) -> Tensor:
        tril = self._capacitance_tril
        log_diag = ag.log(ag.sum(tril * eye_like(tril, tril.shape[-1]), axis=-1))
        return 2 * log_diag.sum(axis=-1) + ag.log(self.cov_diag).sum(axis=-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-0.5 (k log 2 pi + log det + Mahalanobis)`` by Woodbury."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        d = self.cov_diag
        w = self.cov_factor
        wt_dinv_diff = ag.matmul(ag.matrix_transpose(w) / ag.expand_dims(d, axis=-2),
                                 ag.expand_dims(diff, axis=-1))
        tril = self._capacitance_tril
        shape = ag.broadcast_shapes(tuple(tril.shape[:-2]), tuple(wt_dinv_diff.shape[:-2]))
        tril = ag.broadcast_to(tril, shape + tuple(tril.shape[-2:]))
        rhs = ag.broadcast_to(wt_dinv_diff, shape + tuple(wt_dinv_diff.shape[-2:]))
        solved = solve_lower(tril, rhs)[..., 0]
        mahalanobis = (diff * diff / d).sum(axis=-1) - (solved * solved).sum(axis=-1)
        k = self._event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + self._log_det() + mahalanobis)

    def entropy(self) -> Tensor:
        """``0.5 (k (1 + log 2 pi) + log det)``."""
        k = self._event_shape[0]
        return 0.5 * (k * (1.0 + math.log(2 * math.pi)) + self._log_det())
