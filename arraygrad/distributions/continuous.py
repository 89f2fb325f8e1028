"""Normal, MultivariateNormal and Uniform: reparameterised (``rsample`` is differentiable)."""

from __future__ import annotations

import math
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions._math import cholesky, diagonal, eye_like, solve_lower
from arraygrad.distributions.distribution import (
    LOG_2PI,
    Distribution,
    _shape,
    broadcast_all,
    expand_params,
)
from arraygrad.tensor import Tensor

__all__ = ["Normal", "MultivariateNormal", "Uniform"]


def _randn(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return ag.randn(*shape, dtype=like.dtype, backend=like.backend, device=like.device)


def _rand(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return ag.rand(*shape, dtype=like.dtype, backend=like.backend, device=like.device)


class _LocIsMean(Distribution):
    """A distribution whose mean and mode are its ``loc`` (Normal, MultivariateNormal)."""

    loc: Tensor

    @property
    def mean(self) -> Tensor:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc


class Normal(_LocIsMean):
    """Normal distribution with mean ``loc`` and standard deviation ``scale``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Normal
    >>> d = Normal(ag.tensor([0.0]), ag.tensor([2.0]))
    >>> round(d.log_prob(ag.tensor([1.0])).item(), 4)
    -1.7371
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Normal:
        """A Normal with ``loc`` and ``scale`` broadcast to ``batch_shape``."""
        return expand_params(Normal, self, batch_shape, "loc", "scale")

    @property
    def stddev(self) -> Tensor:
        """``scale``."""
        return self.scale

    @property
    def variance(self) -> Tensor:
        """``scale ** 2``."""
        return self.scale ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * eps`` with ``eps`` standard normal."""
        eps = _randn(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - ag.log(self.scale) \
            - 0.5 * LOG_2PI

    def cdf(self, value: Tensor) -> Tensor:
        """``P(X <= value)``."""
        from arraygrad.nn.functional import erf

        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def entropy(self) -> Tensor:
        """``0.5 + 0.5 log(2 pi) + log(scale)``."""
        return 0.5 + 0.5 * LOG_2PI + ag.log(self.scale)


class Uniform(Distribution):
    """Uniform distribution on ``[low, high)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Uniform
    >>> d = Uniform(ag.tensor(0.0), ag.tensor(4.0))
    >>> round(d.entropy().item(), 4), d.mean.item()
    (1.3863, 2.0)
    """

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, (), validate_args)
        if self._validate_args and not bool((self.low < self.high).all()):
            raise ValueError(f"Uniform is not defined when low >= high (low: {self.low}, "
                             f"high: {self.high})")

    @property
    def support(self) -> constraints.Constraint:
        """``HalfOpenInterval(low, high)``."""
        return constraints.half_open_interval(self.low, self.high)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Uniform:
        """A Uniform with ``low`` and ``high`` broadcast to ``batch_shape``."""
        return expand_params(Uniform, self, batch_shape, "low", "high")

    @property
    def mean(self) -> Tensor:
        """``(low + high) / 2``."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        """NaN (every point in the support is a mode)."""
        return self.high * math.nan

    @property
    def stddev(self) -> Tensor:
        """``(high - low) / sqrt(12)``."""
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Tensor:
        """``(high - low) ** 2 / 12``."""
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``low + u * (high - low)`` with ``u`` uniform on ``[0, 1)``."""
        u = _rand(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        """``-log(high - low)`` inside the support, ``-inf`` outside."""
        if self._validate_args:
            self._validate_sample(value)
        inside = (self.low <= value) & (self.high > value)
        return ag.log(inside.astype(self.low.dtype)) - ag.log(self.high - self.low)

    def cdf(self, value: Tensor) -> Tensor:
        """``P(X <= value)``, clamped to ``[0, 1]``."""
        if self._validate_args:
            self._validate_sample(value)
        return ag.clip((value - self.low) / (self.high - self.low), 0.0, 1.0)

    def entropy(self) -> Tensor:
        """``log(high - low)``."""
        return ag.log(self.high - self.low)


def _batch_mv(mat: Tensor, vec: Tensor) -> Tensor:
    return (mat @ vec[..., None])[..., 0]


class MultivariateNormal(_LocIsMean):
    """Multivariate normal given ``loc`` and one of ``covariance_matrix``,
    ``precision_matrix`` or ``scale_tril`` (a lower Cholesky factor of the covariance).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import MultivariateNormal
    >>> d = MultivariateNormal(ag.zeros(2), covariance_matrix=ag.eye(2))
    >>> round(d.entropy().item(), 4)
    2.8379
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(loc, Tensor):
            raise TypeError(f"MultivariateNormal: loc must be a Tensor, got "
                            f"{type(loc).__name__}")
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        matrix = given[0]
        name = ("covariance_matrix" if covariance_matrix is not None else
                "precision_matrix" if precision_matrix is not None else "scale_tril")
        if matrix.ndim < 2:
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional "
                             f"leading batch dimensions")
        n = loc.shape[-1]
        if matrix.shape[-2:] != (n, n):
            raise ValueError(f"MultivariateNormal: {name} has shape {matrix.shape}, expected "
                             f"(..., {n}, {n}) to match loc of shape {loc.shape}")
        batch_shape = ag.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        matrix = matrix.expand(*(batch_shape + (n, n)))
        self.loc = loc.expand(*(batch_shape + (n,)))
        setattr(self, name, matrix)
        super().__init__(batch_shape, (n,), validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = cholesky(covariance_matrix)
        else:
            assert precision_matrix is not None
            lp = cholesky(precision_matrix)  # P = Lp Lp^T, so Sigma = Lp^-T Lp^-1
            lp_inv = solve_lower(lp, eye_like(lp, n))
            self._unbroadcasted_scale_tril = cholesky(lp_inv.transpose(-1, -2) @ lp_inv)

    @property
    def scale_tril(self) -> Tensor:
        """Lower Cholesky factor of the covariance."""
        if "scale_tril" in self.__dict__:
            return self.__dict__["scale_tril"]
        return self._unbroadcasted_scale_tril.expand(
            *(self._batch_shape + self._event_shape * 2))

    @scale_tril.setter
    def scale_tril(self, value: Tensor) -> None:
        self.__dict__["scale_tril"] = value

    @property
    def covariance_matrix(self) -> Tensor:
        """``scale_tril @ scale_tril.T``."""
        if "covariance_matrix" in self.__dict__:
            return self.__dict__["covariance_matrix"]
        low = self._unbroadcasted_scale_tril
        return (low @ low.transpose(-1, -2)).expand(*(self._batch_shape +
                                                      self._event_shape * 2))

    @covariance_matrix.setter
    def covariance_matrix(self, value: Tensor) -> None:
        self.__dict__["covariance_matrix"] = value

    @property
    def precision_matrix(self) -> Tensor:
        """Inverse of the covariance."""
        if "precision_matrix" in self.__dict__:
            return self.__dict__["precision_matrix"]
        low = self._unbroadcasted_scale_tril
        inv = solve_lower(low, eye_like(low, low.shape[-1]))
        return (inv.transpose(-1, -2) @ inv).expand(*(self._batch_shape +
                                                      self._event_shape * 2))

    @precision_matrix.setter
    def precision_matrix(self, value: Tensor) -> None:
        self.__dict__["precision_matrix"] = value

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        """A MultivariateNormal with parameters broadcast to ``batch_shape``."""
        shape = _shape(batch_shape)
        n = self._event_shape[0]
        return MultivariateNormal(self.loc.expand(*(shape + (n,))),
                                  scale_tril=self._unbroadcasted_scale_tril.expand(
                                      *(shape + (n, n))), validate_args=False)

    @property
    def variance(self) -> Tensor:
        """Diagonal of the covariance."""
        return (self._unbroadcasted_scale_tril ** 2).sum(axis=-1).expand(
            *(self._batch_shape + self._event_shape))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale_tril @ eps`` with ``eps`` standard normal."""
        eps = _randn(self._extended_shape(sample_shape), self.loc)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self) -> Tensor:
        return ag.log(diagonal(self._unbroadcasted_scale_tril)).sum(axis=-1)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        n = self._event_shape[0]
        shape = ag.broadcast_shapes(diff.shape[:-1], self._unbroadcasted_scale_tril.shape[:-2])
        low = self._unbroadcasted_scale_tril.expand(*(shape + (n, n)))
        z = solve_lower(low, diff.expand(*(shape + (n,)))[..., None])[..., 0]
        maha = (z ** 2).sum(axis=-1)
        return -0.5 * (n * LOG_2PI + maha) - self._half_log_det()

    def entropy(self) -> Tensor:
        """``n/2 (1 + log(2 pi)) + log|scale_tril|``."""
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + LOG_2PI) + self._half_log_det()
        return h.expand(*self._batch_shape) if self._batch_shape else h
