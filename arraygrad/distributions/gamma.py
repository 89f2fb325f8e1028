"""Gamma, Beta and Dirichlet.

Samples come from Marsaglia and Tsang's method, vectorised: every element draws a
candidate at once and only the rejected ones draw again (a few rounds in all), with the
``alpha < 1`` boost ``Gamma(a) = Gamma(a + 1) * U ** (1 / a)``.

``rsample`` uses implicit reparameterisation gradients (Figurnov et al., 2018): with ``P``
the regularised lower incomplete gamma function, a sample ``x`` of ``Gamma(alpha, 1)``
satisfies ``P(alpha, x) = u`` for a fixed uniform ``u``, so
``dx/dalpha = -(dP/dalpha) / p(x; alpha)``. Dividing the series
``P = sum_n exp((alpha + n) log x - x - lgamma(alpha + n + 1))`` term by term by the
density gives ``dx/dalpha = -sum_n r_n (log x - digamma(alpha + n + 1))`` with ``r_0 = x / alpha``
and ``r_{n+1} = r_n x / (alpha + n + 1)``: no exponentials, so no underflow. The sum runs
``max(x - alpha) + 9 sqrt(max x) + 30`` terms (past the peak of the terms, by 9 standard
deviations). Measured against finite differences of SciPy's ``gammaincinv`` it agrees to
about 1e-9 relative for alpha from 0.05 to 3000; precision degrades only in the far upper
tail, where the series for ``P`` nears 1 and cancels (measured: 3e-6 relative at 6
standard deviations and 5e-4 at 7 for alpha = 900; such samples have probability below
1e-9). The gradient is first-order only (as in
PyTorch): differentiating it again raises.
"""

from __future__ import annotations

import math
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions._math import digamma, lgamma, xlogy
from arraygrad.distributions.continuous import _rand, _randn
from arraygrad.distributions.distribution import (
    Distribution,
    _shape,
    broadcast_all,
    expand_params,
)
from arraygrad.tensor import Tensor

__all__ = ["Gamma", "Beta", "Dirichlet"]

_MAX_ROUNDS = 1000


def _standard_gamma(alpha: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``Gamma(alpha, 1)`` samples of ``shape`` (``alpha`` broadcast to it), no gradient."""
    with ag.no_grad():
        alpha = alpha.detach().expand(*shape)
        boost = alpha < 1
        a = ag.where(boost, alpha + 1, alpha)
        d = a - 1.0 / 3.0
        c = 1.0 / ag.sqrt(9.0 * d)
        out = ag.zeros_like(a)
        done = ag.zeros(*shape, dtype=ag.bool, backend=a.backend, device=a.device)
        for _ in range(_MAX_ROUNDS):
            x = _randn(shape, a)
            v = (1 + c * x) ** 3
            u = _rand(shape, a)
            ok = (v > 0) & (ag.log(ag.where(u > 0, u, 1.0)) <
                            0.5 * x * x + d - d * v + d * ag.log(ag.where(v > 0, v, 1.0)))
            accept = ok & ~done
            out = ag.where(accept, d * v, out)
            done = done | accept
            if bool(done.all()):
                break
        else:
            raise RuntimeError("Gamma sampling: Marsaglia-Tsang rejection did not finish in "
                               f"{_MAX_ROUNDS} rounds (alpha: {alpha})")
        u = _rand(shape, a)
        out = ag.where(boost, out * u ** (1.0 / alpha), out)
        return ag.clip(out, ag.finfo(out.dtype).smallest_normal, None)


def _dx_dalpha(alpha: Tensor, x: Tensor) -> Tensor:
    """``d x / d alpha`` at fixed ``P(alpha, x)`` (see the module docstring); no gradient."""
    with ag.no_grad():
        logx = ag.log(x)
        r = x / alpha
        psi = digamma(alpha + 1)
        total = r * (logx - psi)
        top = float(ag.max(x).item())
        past = max(float(ag.max(x - alpha).item()), 0.0)
        for n in range(1, int(math.ceil(past + 9 * math.sqrt(top) + 30))):
            r = r * x / (alpha + n)
            psi = psi + 1.0 / (alpha + n)
            total = total + r * (logx - psi)
        return -total


class _StandardGammaRsample(ag.autograd.Function):
    """``x`` (a standard gamma sample of ``alpha``) with the implicit gradient."""

    @staticmethod
    def forward(ctx, alpha, x):
        ctx.save_for_backward(alpha, x)
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        if ag.is_grad_enabled():
            raise RuntimeError("the gradient of Gamma/Beta/Dirichlet rsample is first-order "
                               "only: it cannot be differentiated again (create_graph=True)")
        alpha, x = ctx.saved_tensors
        return g * _dx_dalpha(alpha, x), None


def _standard_gamma_rsample(alpha: Tensor, shape: tuple[int, ...]) -> Tensor:
    x = _standard_gamma(alpha, shape)
    return _StandardGammaRsample.apply(alpha.expand(*shape), x)


class Gamma(Distribution):
    """Gamma distribution with shape ``concentration`` and inverse scale ``rate``.

    Examples
    --------
    >>> import math

import arraygrad as ag
    >>> from arraygrad.distributions import Gamma
    >>> d = Gamma(ag.tensor([2.0]), ag.tensor([1.0]))
    >>> round(d.log_prob(ag.tensor([1.0])).item(), 4), d.mean.tolist()
    (-1.0, [2.0])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any,
                 validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        """A Gamma with its parameters broadcast to ``batch_shape``."""
        return expand_params(Gamma, self, batch_shape, "concentration", "rate")

    @property
    def mean(self) -> Tensor:
        """``concentration / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """``max(concentration - 1, 0) / rate``."""
        return ag.clip((self.concentration - 1) / self.rate, 0.0, None)

    @property
    def variance(self) -> Tensor:
        """``concentration / rate ** 2``."""
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Samples, differentiable in both parameters (implicit reparameterisation)."""
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma_rsample(self.concentration, shape) / self.rate
        return ag.clip(x, ag.finfo(x.dtype).smallest_normal, None)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration, self.rate
        return xlogy(a, b) + xlogy(a - 1, value) - b * value - lgamma(a)

    def entropy(self) -> Tensor:
        """``a - log(b) + lgamma(a) + (1 - a) digamma(a)``."""
        a = self.concentration
        return a - ag.log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)


class Dirichlet(Distribution):
    """Dirichlet distribution over the simplex, with ``concentration`` (last dim K).

    Examples
    --------
    >>> import math

import arraygrad as ag
    >>> from arraygrad.distributions import Dirichlet
    >>> d = Dirichlet(ag.tensor([1.0, 1.0, 1.0]))
    >>> round(d.log_prob(ag.tensor([0.2, 0.3, 0.5])).item(), 4)
    0.6931
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if not isinstance(concentration, Tensor) or concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        """A Dirichlet with ``concentration`` broadcast to ``batch_shape``."""
        shape = _shape(batch_shape) + self._event_shape
        return Dirichlet(self.concentration.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """``concentration / concentration.sum(-1)``."""
        return self.concentration / self.concentration.sum(axis=-1, keepdims=True)

    @property
    def mode(self) -> Tensor:
        """The mode (PyTorch's convention: the one-hot argmax when every
        concentration is below 1)."""
        cm1 = ag.clip(self.concentration - 1, 0.0, None)
        mode = cm1 / cm1.sum(axis=-1, keepdims=True)
        k = self._event_shape[0]
        classes = ag.arange(k, backend=mode.backend, device=mode.device)
        hot = (ag.argmax(self.concentration, axis=-1)[..., None] == classes).astype(mode.dtype)
        low = (self.concentration < 1).all(axis=-1, keepdims=True)
        return ag.where(low, hot, mode)

    @property
    def variance(self) -> Tensor:
        """``c (c0 - c) / (c0 ** 2 (c0 + 1))``."""
        c = self.concentration
        c0 = c.sum(axis=-1, keepdims=True)
        return c * (c0 - c) / (c0 ** 2 * (c0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Samples on the simplex (normalised Gamma draws), differentiable."""
        shape = self._extended_shape(sample_shape)
        g = _standard_gamma_rsample(self.concentration, shape)
        x = g / g.sum(axis=-1, keepdims=True)
        info = ag.finfo(x.dtype)
        return ag.clip(x, info.smallest_normal, 1 - info.eps)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(axis=-1) + lgamma(c.sum(axis=-1)) \
            - lgamma(c).sum(axis=-1)

    def entropy(self) -> Tensor:
        """Entropy."""
        c = self.concentration
        k = c.shape[-1]
        c0 = c.sum(axis=-1)
        return lgamma(c).sum(axis=-1) - lgamma(c0) - (k - c0) * digamma(c0) \
            - ((c - 1.0) * digamma(c)).sum(axis=-1)


class Beta(Distribution):
    """Beta distribution on ``[0, 1]`` with ``concentration1`` (alpha) and
    ``concentration0`` (beta).

    Examples
    --------
    >>> import math

import arraygrad as ag
    >>> from arraygrad.distributions import Beta
    >>> d = Beta(ag.tensor([2.0]), ag.tensor([2.0]))
    >>> d.mean.tolist(), round(d.log_prob(ag.tensor([0.5])).item(), 4)
    ([0.5], 0.4055)
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1,
                                                                 concentration0)
        super().__init__(self.concentration1.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        """A Beta with its parameters broadcast to ``batch_shape``."""
        return expand_params(Beta, self, batch_shape, "concentration1", "concentration0")

    @property
    def mean(self) -> Tensor:
        """``a / (a + b)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """The mode (Dirichlet's convention for two categories)."""
        both = ag.stack([self.concentration1, self.concentration0], axis=-1)
        return Dirichlet(both, validate_args=False).mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """``a b / ((a + b) ** 2 (a + b + 1))``."""
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total ** 2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Samples ``X / (X + Y)`` with ``X ~ Gamma(a)``, ``Y ~ Gamma(b)``, differentiable."""
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma_rsample(self.concentration1, shape)
        y = _standard_gamma_rsample(self.concentration0, shape)
        out = x / (x + y)
        info = ag.finfo(out.dtype)
        return ag.clip(out, info.smallest_normal, 1 - info.eps)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        return xlogy(a - 1.0, value) + xlogy(b - 1.0, 1.0 - value) - lgamma(a) - lgamma(b) \
            + lgamma(a + b)

    def entropy(self) -> Tensor:
        """Entropy."""
        a, b = self.concentration1, self.concentration0
        total = a + b
        return lgamma(a) + lgamma(b) - lgamma(total) - (a - 1) * digamma(a) \
            - (b - 1) * digamma(b) + (total - 2) * digamma(total)
