"""The ``Distribution`` base class (PyTorch's ``torch.distributions.Distribution``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.tensor import Tensor

__all__ = ["Distribution"]

D = TypeVar("D", bound="Distribution")


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


def _describe(value: Any) -> str:
    return f"Tensor of shape {tuple(value.shape)}" if isinstance(value, Tensor) \
        else type(value).__name__


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Tensors (numbers become tensors like the first Tensor given) broadcast together."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
        elif like is not None:
            out.append(ag.asarray(float(v), dtype=like.dtype, backend=like.backend,
                                  device=like.device))
        else:
            out.append(ag.asarray(float(v)))
    shape = ag.broadcast_shapes(*(t.shape for t in out))
    return tuple(t if t.shape == shape else t.expand(*shape) for t in out)


def expand_params(cls: Callable[..., D], dist: Distribution, batch_shape: Any,
                  *names: str) -> D:
    """``cls(*params, validate_args=False)`` with each parameter of ``dist`` named in
    ``names`` expanded to ``batch_shape`` (for elementwise parameters, no event dims)."""
    shape = _shape(batch_shape)
    return cls(*(getattr(dist, name).expand(*shape) for name in names), validate_args=False)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum over the ``dim`` rightmost dimensions."""
    return value.sum(axis=tuple(range(-dim, 0))) if dim > 0 else value


class Distribution:
    """Base class of probability distributions, with PyTorch's interface.

    Parameters
    ----------
    batch_shape : tuple of int
        Shape over which parameters are batched (independent, not identical).
    event_shape : tuple of int
        Shape of one sample of one distribution.
    validate_args : bool, optional
        Check parameters (at construction) and values (in ``log_prob``) against their
        constraints. Default: :meth:`set_default_validate_args`'s value (True, as in PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Normal
    >>> d = Normal(ag.zeros(3), ag.ones(3))
    >>> d.batch_shape, d.event_shape, tuple(d.sample((5, 2)).shape)
    ((3,), (), (5, 2, 3))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints: dict[str, constraints.Constraint] = {}
    support: Any = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions created afterwards."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = (), event_shape: Any = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = _shape(batch_shape)
        self._event_shape = _shape(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if isinstance(constraint, constraints._Dependent):
                    continue
                if param not in self.__dict__:
                    continue  # the other parametrisation was given
                value = getattr(self, param)
                ok = constraint.check(value)
                if not bool(ok.all()):
                    raise ValueError(
                        f"Expected parameter {param} ({_describe(value)}) of distribution "
                        f"{self!r} to satisfy the constraint {constraint!r}, but found "
                        f"invalid values:\n{value}")

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        """Shape of a single sample (without batching)."""
        return self._event_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A distribution with parameters broadcast to ``batch_shape``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement expand")

    @property
    def mean(self) -> Tensor:
        """The mean."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        """The mode."""
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        """The variance."""
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return ag.sqrt(self.variance)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        with ag.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Reparameterised samples: differentiable with respect to the parameters."""
        raise NotImplementedError(
            f"{type(self).__name__} does not support rsample (has_rsample is False); use "
            f"sample() with a score-function estimator (log_prob) instead")

    def sample_n(self, n: int) -> Tensor:
        """``sample((n,))``."""
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """Log of the density (or mass) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def entropy(self) -> Tensor:
        """Entropy, one per batch entry."""
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy")

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return ag.exp(self.entropy())

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        return _shape(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise ValueError(f"The value argument to log_prob must be a Tensor, got "
                             f"{type(value).__name__}")
        n = len(self._event_shape)
        if tuple(value.shape[len(value.shape) - n:]) != self._event_shape or \
                len(value.shape) < n:
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {self._event_shape}.")
        try:
            ag.broadcast_shapes(tuple(value.shape), self._batch_shape + self._event_shape)
        except Exception:
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                             f"{tuple(value.shape)} vs "
                             f"{self._batch_shape + self._event_shape}.") from None
        support = self.support
        if support is None or isinstance(support, constraints._Dependent):
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({_describe(value)}) to be within the support "
                f"({support!r}) of the distribution {self!r}, but found invalid values:\n"
                f"{value}")

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{k}: {tuple(self.__dict__[k].shape)}" if isinstance(
            self.__dict__[k], Tensor) else f"{k}: {self.__dict__[k]!r}" for k in names)
        return f"{type(self).__name__}({args})"


LOG_2PI = math.log(2 * math.pi)
