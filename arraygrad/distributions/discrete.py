"""Bernoulli, Categorical and OneHotCategorical (``probs`` or ``logits``)."""

from __future__ import annotations

import math
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions._math import softplus
from arraygrad.distributions.continuous import _rand
from arraygrad.distributions.distribution import Distribution, _shape, broadcast_all
from arraygrad.tensor import Tensor

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical"]


def _one_of(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _clamp_probs(probs: Tensor) -> Tensor:
    eps = ag.finfo(probs.dtype).eps
    return ag.clip(probs, eps, 1 - eps)


def _float_tensor(x: Any, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        x = ag.asarray(x)
        if not ag.isdtype(x.dtype, "real floating"):
            x = x.astype(ag.float32)
    if not ag.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{name} must be a floating-point Tensor, got dtype {x.dtype}")
    return x


class Bernoulli(Distribution):
    """Bernoulli distribution: 1 with probability ``probs`` (or ``sigmoid(logits)``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Bernoulli
    >>> d = Bernoulli(logits=ag.tensor([0.0]))
    >>> d.probs.tolist(), round(d.log_prob(ag.tensor([1.0])).item(), 4)
    ([0.5], -0.6931)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(_float_tensor(probs, "probs"))
            pc = _clamp_probs(self.probs)
            self._logits = ag.log(pc) - ag.log1p(-pc)
            shape = self.probs.shape
        else:
            (self.logits,) = broadcast_all(_float_tensor(logits, "logits"))
            self._probs = ag.sigmoid(self.logits)
            shape = self.logits.shape
        super().__init__(shape, (), validate_args)

    def __getattr__(self, name: str) -> Any:
        if name in ("probs", "logits"):
            return self.__dict__["_" + name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        """A Bernoulli with its parameter broadcast to ``batch_shape``."""
        shape = _shape(batch_shape)
        if "probs" in self.__dict__:
            return Bernoulli(probs=self.probs.expand(*shape), validate_args=False)
        return Bernoulli(logits=self.logits.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """``probs``."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where ``probs > 0.5``, 0 below, NaN at exactly 0.5."""
        p = self.probs
        return ag.where(p == 0.5, math.nan, (p > 0.5).astype(p.dtype))

    @property
    def variance(self) -> Tensor:
        """``probs * (1 - probs)``."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """0/1 samples (floating, like ``probs``)."""
        with ag.no_grad():
            p = self.probs.detach()
            u = _rand(self._extended_shape(sample_shape), p)
            return (u < p).astype(p.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """``value * logits - softplus(logits)``."""
        if self._validate_args:
            self._validate_sample(value)
        return value * self.logits - softplus(self.logits)

    def entropy(self) -> Tensor:
        """``softplus(logits) - probs * logits``."""
        return softplus(self.logits) - self.probs * self.logits


class Categorical(Distribution):
    """Categorical distribution over ``0 .. K-1`` given ``probs`` or ``logits`` (last dim K).

    ``probs`` are normalised to sum to 1 and ``logits`` to ``log_softmax``, as in PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Categorical
    >>> d = Categorical(probs=ag.tensor([0.25, 0.75]))
    >>> round(d.log_prob(ag.tensor(1)).item(), 4), round(d.entropy().item(), 4)
    (-0.2877, 0.5623)
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits)
        given = _float_tensor(probs if probs is not None else logits,
                              "probs" if probs is not None else "logits")
        if given.ndim < 1:
            raise ValueError(f"`{'probs' if probs is not None else 'logits'}` parameter must "
                             f"be at least one-dimensional.")
        if probs is not None:
            self.probs = given / given.sum(axis=-1, keepdims=True)
            self._logits = ag.log(_clamp_probs(self.probs))
        else:
            self.logits = given - ag.logsumexp(given, axis=-1, keepdims=True)
            self._probs = ag.softmax(self.logits, axis=-1)
        self._num_events = given.shape[-1]
        super().__init__(given.shape[:-1], (), validate_args)

    def __getattr__(self, name: str) -> Any:
        if name in ("probs", "logits"):
            return self.__dict__["_" + name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def param_shape(self) -> tuple[int, ...]:
        """Shape of ``probs`` / ``logits``."""
        return self.probs.shape

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        """``IntegerInterval(0, K - 1)``."""
        return constraints.integer_interval(0, self._num_events - 1)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        """A Categorical with its parameter broadcast to ``batch_shape``."""
        shape = _shape(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            return Categorical(probs=self.probs.expand(*shape), validate_args=False)
        return Categorical(logits=self.logits.expand(*shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        """NaN (as in PyTorch: categories have no mean)."""
        return ag.full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                       backend=self.probs.backend, device=self.probs.device)

    @property
    def variance(self) -> Tensor:
        """NaN (as in PyTorch)."""
        return self.mean

    @property
    def mode(self) -> Tensor:
        """The most likely category."""
        return ag.argmax(self.probs, axis=-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Category indices (int64) by inverse-CDF sampling."""
        with ag.no_grad():
            p = self.probs.detach()
            cdf = ag.cumulative_sum(p, axis=-1)
            u = _rand(self._extended_shape(sample_shape) + (1,), p)
            idx = (u * cdf[..., -1:] >= cdf).astype(ag.int64).sum(axis=-1)
            return ag.clip(idx, 0, self._num_events - 1)

    def _one_hot(self, value: Tensor) -> Tensor:
        classes = ag.arange(self._num_events, backend=value.backend, device=value.device)
        return value.astype(ag.int64)[..., None] == classes

    def log_prob(self, value: Tensor) -> Tensor:
        """Log probability of category ``value``."""
        if self._validate_args:
            self._validate_sample(value)
        hot = self._one_hot(value)
        shape = ag.broadcast_shapes(hot.shape, self.logits.shape)
        return ag.where(hot.expand(*shape), self.logits.expand(*shape), 0.0).sum(axis=-1)

    def entropy(self) -> Tensor:
        """``-sum(probs * logits)`` (logits clamped to the dtype's most negative finite)."""
        logits = ag.clip(self.logits, ag.finfo(self.logits.dtype).min, None)
        return -(logits * self.probs).sum(axis=-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0 .. K-1`` along a new leading dim (expanded over the batch if ``expand``)."""
        values = ag.arange(self._num_events, backend=self.probs.backend,
                           device=self.probs.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(*((self._num_events,) + self._batch_shape)) if expand else values


class OneHotCategorical(Distribution):
    """Categorical whose samples are one-hot vectors of length K.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import OneHotCategorical
    >>> d = OneHotCategorical(probs=ag.tensor([0.0, 1.0]))
    >>> d.sample().tolist()
    [0.0, 1.0]
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape,
                         self._categorical.param_shape[-1:], validate_args=False)
        if validate_args is not None:
            self._validate_args = validate_args
        else:
            self.__dict__.pop("_validate_args", None)

    @property
    def probs(self) -> Tensor:
        """Normalised probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """Normalised logits."""
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        """Shape of ``probs`` / ``logits``."""
        return self._categorical.param_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        """A OneHotCategorical with its parameter broadcast to ``batch_shape``."""
        cat = self._categorical.expand(batch_shape)
        if "probs" in cat.__dict__:
            return OneHotCategorical(probs=cat.probs, validate_args=False)
        return OneHotCategorical(logits=cat.logits, validate_args=False)

    @property
    def mean(self) -> Tensor:
        """``probs``."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """One-hot of the most likely category."""
        return self._categorical._one_hot(self._categorical.mode).astype(self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        """``probs * (1 - probs)``."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """One-hot samples (floating, like ``probs``)."""
        idx = self._categorical.sample(sample_shape)
        return self._categorical._one_hot(idx).astype(self.probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log probability of the category that ``value`` marks."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(ag.argmax(value, axis=-1))

    def entropy(self) -> Tensor:
        """The categorical's entropy."""
        return self._categorical.entropy()

    def __repr__(self) -> str:
        return f"OneHotCategorical(probs: {self.probs.shape})"
