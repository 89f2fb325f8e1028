"""Constraints: which values a parameter or a sample may take (PyTorch's names).

A constraint is plain data with a ``check(value)`` that returns a boolean Tensor (one
entry per event) and a PyTorch-style ``repr`` used in error messages.

Examples
--------
>>> import arraygrad as ag
>>> from arraygrad.distributions import constraints
>>> constraints.positive.check(ag.tensor([1.0, -1.0])).tolist()
[True, False]
>>> constraints.unit_interval
Interval(lower_bound=0.0, upper_bound=1.0)
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import arraygrad as ag

__all__ = [
    "Constraint", "real", "real_vector", "positive", "nonnegative", "unit_interval",
    "simplex", "boolean", "one_hot", "nonnegative_integer", "integer_interval", "interval",
    "half_open_interval", "greater_than", "greater_than_eq", "less_than", "independent",
    "positive_definite", "lower_cholesky", "dependent",
]


class Constraint:
    """A region of values; ``event_dim`` is how many rightmost dims form one event."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Any) -> Any:
        """A boolean Tensor: whether each event of ``value`` lies in the region."""
        raise NotImplementedError(f"{type(self).__name__}.check is not defined")

    _fields: tuple[str, ...] = ()  # the attributes a bounded constraint's repr shows

    def __repr__(self) -> str:
        if not self._fields:
            return f"{type(self).__name__}()"
        fields = ", ".join(f"{name}={getattr(self, name)}" for name in self._fields)
        return f"{type(self).__name__.lstrip('_')}({fields})"


class _Dependent(Constraint):
    """The region depends on other parameters (not checked on its own, as in PyTorch)."""

    def check(self, value: Any) -> Any:
        """Dependent constraints cannot be checked alone: always raises ValueError."""
        raise ValueError("cannot check a dependent constraint on its own")

    def __repr__(self) -> str:
        return "Dependent()"


class _Real(Constraint):
    def check(self, value):
        return value == value  # False exactly at NaN

    def __repr__(self) -> str:
        return "Real()"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        is_bool = ((value == 0) | (value == 1)).all(axis=-1)
        return is_bool & (value.sum(axis=-1) == 1)


class _Interval(Constraint):
    """``lower_bound <= value <= upper_bound``; subclasses change the comparisons."""

    _fields = ("lower_bound", "upper_bound")
    _lower: Callable[..., Any] = operator.ge
    _upper: Callable[..., Any] = operator.le

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def check(self, value):
        return self._lower(value, self.lower_bound) & self._upper(value, self.upper_bound)


class _HalfOpenInterval(_Interval):
    _upper = operator.lt


class _IntegerInterval(_Interval):
    is_discrete = True

    def check(self, value):
        return (value % 1 == 0) & super().check(value)


class _OneSided(Constraint):
    """``compare(value, bound)`` and not NaN; the bound is ``lower_bound`` or
    ``upper_bound`` (PyTorch's attribute names)."""

    _compare: Callable[..., Any] = operator.gt

    def __init__(self, bound: Any) -> None:
        setattr(self, self._fields[0], bound)

    def check(self, value):
        return self._compare(value, getattr(self, self._fields[0])) & (value == value)


class _GreaterThan(_OneSided):
    _fields = ("lower_bound",)
    lower_bound: Any


class _GreaterThanEq(_GreaterThan):
    _compare = operator.ge


class _LessThan(_OneSided):
    _fields = ("upper_bound",)
    _compare = operator.lt
    upper_bound: Any


class _IntegerGreaterThan(Constraint):
    is_discrete = True
    _fields = ("lower_bound",)

    def __init__(self, lower_bound: int) -> None:
        self.lower_bound = lower_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        total = value.sum(axis=-1)
        return (value >= 0).all(axis=-1) & (ag.abs(total - 1) < 1e-6)


class _Independent(Constraint):
    """``base`` with ``reinterpreted_batch_ndims`` more rightmost dims in each event."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def check(self, value):
        ok = self.base_constraint.check(value)
        n = self.reinterpreted_batch_ndims
        if n:
            ok = ok.all(axis=tuple(range(-n, 0)))
        return ok

    def __repr__(self) -> str:
        return (f"IndependentConstraint({self.base_constraint!r}, "
                f"{self.reinterpreted_batch_ndims})")


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        lower = (ag.triu(value, k=1) == 0).all(axis=(-2, -1))
        n = value.shape[-1]
        diag = (value * ag.eye(n, dtype=value.dtype, backend=value.backend,
                               device=value.device)).sum(axis=-1)
        return lower & (diag > 0).all(axis=-1)


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, value):
        from arraygrad.distributions._math import cholesky, diagonal

        sym = (ag.abs(value - value.transpose(-1, -2)) <= 1e-6 * (1 + ag.abs(value))).all(
            axis=(-2, -1))
        with ag.no_grad():
            diag = diagonal(cholesky(value.detach()))
        return sym & ((diag > 0) & ag.isfinite(diag)).all(axis=-1)


def greater_than(lower_bound: Any) -> Constraint:
    """Values strictly above ``lower_bound``."""
    return _GreaterThan(lower_bound)


def greater_than_eq(lower_bound: Any) -> Constraint:
    """Values at or above ``lower_bound``."""
    return _GreaterThanEq(lower_bound)


def less_than(upper_bound: Any) -> Constraint:
    """Values strictly below ``upper_bound``."""
    return _LessThan(upper_bound)


def interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Values in the closed interval ``[lower_bound, upper_bound]``."""
    return _Interval(lower_bound, upper_bound)


def half_open_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Values in ``[lower_bound, upper_bound)``."""
    return _HalfOpenInterval(lower_bound, upper_bound)


def integer_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """Integers in ``[lower_bound, upper_bound]``."""
    return _IntegerInterval(lower_bound, upper_bound)


def independent(base: Constraint, reinterpreted_batch_ndims: int) -> Constraint:
    """``base`` applied to events with ``reinterpreted_batch_ndims`` more dimensions."""
    return _Independent(base, reinterpreted_batch_ndims)


dependent = _Dependent()
real = _Real()
real_vector = _Independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
simplex = _Simplex()
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_definite = _PositiveDefinite()
lower_cholesky = _LowerCholesky()
