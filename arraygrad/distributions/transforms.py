"""Bijections for :class:`~arraygrad.distributions.TransformedDistribution` (PyTorch's
``torch.distributions.transforms``): elementwise transforms with their inverses and
``log |d y / d x|``."""

from __future__ import annotations

import math
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions._math import softplus
from arraygrad.tensor import Tensor

__all__ = ["Transform", "ExpTransform", "AffineTransform", "SigmoidTransform",
           "TanhTransform", "ComposeTransform", "PowerTransform", "AbsTransform",
           "SoftplusTransform", "identity_transform"]


class Transform:
    """An invertible map ``y = T(x)`` with ``log_abs_det_jacobian(x, y)``.

    ``event_dim`` is the number of rightmost axes the map acts on together (0 for the
    elementwise transforms here); ``inv`` is the inverse transform.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions.transforms import ExpTransform
    >>> t = ExpTransform()
    >>> round(t.inv(t(ag.tensor([0.5]))).item(), 6)
    0.5
    """

    domain: Any = constraints.real
    codomain: Any = constraints.real
    bijective = True
    sign: int = 1
    event_dim = 0

    def __call__(self, x: Tensor) -> Tensor:
        return self._call(x)

    def _call(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define the forward map")

    def _inverse(self, y: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no inverse")

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |dy/dx|`` at ``x`` (with ``y = T(x)``), elementwise."""
        raise NotImplementedError(f"{type(self).__name__} does not define its Jacobian")

    @property
    def inv(self) -> Transform:
        """The inverse transform."""
        return _Inverse(self)

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """The output shape for an input of ``shape`` (the same, elementwise)."""
        return tuple(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """The input shape for an output of ``shape``."""
        return tuple(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Inverse(Transform):
    def __init__(self, base: Transform) -> None:
        self._base = base
        self.domain, self.codomain = base.codomain, base.domain
        self.sign = base.sign
        self.event_dim = base.event_dim

    def _call(self, x: Tensor) -> Tensor:
        return self._base._inverse(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return self._base._call(y)

    @property
    def inv(self) -> Transform:
        return self._base

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -self._base.log_abs_det_jacobian(y, x)

    def __repr__(self) -> str:
        return f"_InverseTransform({self._base!r})"


class _Identity(Transform):
    def _call(self, x: Tensor) -> Tensor:
        return x

    def _inverse(self, y: Tensor) -> Tensor:
        return y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x * 0.0


identity_transform = _Identity()


class ExpTransform(Transform):
    """``y = exp(x)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import ExpTransform
    >>> ExpTransform()(ag.tensor([0.0])).tolist()
    [1.0]
    """

    codomain = constraints.positive

    def _call(self, x: Tensor) -> Tensor:
        return ag.exp(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return ag.log(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``x``."""
        return x


class PowerTransform(Transform):
    """``y = x ** exponent`` on positive ``x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import PowerTransform
    >>> PowerTransform(2.0)(ag.tensor([3.0])).tolist()
    [9.0]
    """

    domain = constraints.positive
    codomain = constraints.positive

    def __init__(self, exponent: Any) -> None:
        self.exponent = exponent

    def _call(self, x: Tensor) -> Tensor:
        return x ** self.exponent

    def _inverse(self, y: Tensor) -> Tensor:
        return y ** (1 / self.exponent)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |exponent * y / x|``."""
        return ag.log(ag.abs(self.exponent * y / x))


class AffineTransform(Transform):
    """``y = loc + scale * x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import AffineTransform
    >>> AffineTransform(1.0, 2.0)(ag.tensor([3.0])).tolist()
    [7.0]
    """

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0) -> None:
        self.loc, self.scale, self.event_dim = loc, scale, event_dim

    @property
    def sign(self) -> int:  # type: ignore[override]
        """The sign of ``scale`` (a number)."""
        scale = self.scale
        value = float(scale.item()) if isinstance(scale, Tensor) and scale.size == 1 else scale
        if isinstance(value, (int, float)):
            return 1 if value > 0 else -1 if value < 0 else 0
        raise NotImplementedError("AffineTransform.sign is defined for a scalar scale only")

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``log |scale|`` (summed over the ``event_dim`` rightmost axes)."""
        scale = self.scale
        if isinstance(scale, Tensor):
            result = ag.log(ag.abs(scale)) + x * 0.0
        else:
            result = x * 0.0 + math.log(abs(scale))
        if self.event_dim:
            result = result.sum(axis=tuple(range(-self.event_dim, 0)))
        return result


class SigmoidTransform(Transform):
    """``y = sigmoid(x)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import SigmoidTransform
    >>> SigmoidTransform()(ag.tensor([0.0])).tolist()
    [0.5]
    """

    codomain = constraints.unit_interval

    def _call(self, x: Tensor) -> Tensor:
        finfo = ag.finfo(x.dtype)
        return ag.clip(ag.sigmoid(x), finfo.smallest_normal, 1.0 - finfo.eps)

    def _inverse(self, y: Tensor) -> Tensor:
        finfo = ag.finfo(y.dtype)
        y = ag.clip(y, finfo.smallest_normal, 1.0 - finfo.eps)
        return ag.log(y) - ag.log1p(-y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``-softplus(-x) - softplus(x)``."""
        return -softplus(-x) - softplus(x)


class TanhTransform(Transform):
    """``y = tanh(x)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import TanhTransform
    >>> TanhTransform()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x: Tensor) -> Tensor:
        return ag.tanh(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return ag.atanh(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``2 (log 2 - x - softplus(-2x))`` (PyTorch's stable form)."""
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(Transform):
    """``y = |x|`` (not bijective; the inverse is the identity on positive values).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import AbsTransform
    >>> AbsTransform()(ag.tensor([-2.0])).tolist()
    [2.0]
    """

    codomain = constraints.positive
    bijective = False

    def _call(self, x: Tensor) -> Tensor:
        return ag.abs(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return y


class SoftplusTransform(Transform):
    """``y = log(1 + exp(x))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import SoftplusTransform
    >>> round(SoftplusTransform()(ag.tensor([0.0])).item(), 4)
    0.6931
    """

    codomain = constraints.positive

    def _call(self, x: Tensor) -> Tensor:
        return softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return y + ag.log(-ag.expm1(-y))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """``-softplus(-x)``."""
        return -softplus(-x)


class ComposeTransform(Transform):
    """Apply ``parts`` in order: ``y = parts[-1](... parts[0](x))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import AffineTransform, ComposeTransform, ExpTransform
    >>> t = ComposeTransform([AffineTransform(0.0, 2.0), ExpTransform()])
    >>> round(t(ag.tensor([0.5])).item(), 4)
    2.7183
    """

    def __init__(self, parts: list[Transform]) -> None:
        self.parts = list(parts)
        self.event_dim = max((p.event_dim for p in self.parts), default=0)
        if self.parts:
            self.domain, self.codomain = self.parts[0].domain, self.parts[-1].codomain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        """Whether every part is."""
        return all(p.bijective for p in self.parts)

    @property
    def sign(self) -> int:  # type: ignore[override]
        """The product of the parts' signs."""
        out = 1
        for p in self.parts:
            out *= p.sign
        return out

    def _call(self, x: Tensor) -> Tensor:
        for p in self.parts:
            x = p(x)
        return x

    def _inverse(self, y: Tensor) -> Tensor:
        for p in reversed(self.parts):
            y = p.inv(y)
        return y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """The sum of the parts' terms along the chain."""
        if not self.parts:
            return x * 0.0
        total = None
        for p in self.parts:
            y_part = p(x)
            term = p.log_abs_det_jacobian(x, y_part)
            total = term if total is None else total + term
            x = y_part
        assert total is not None
        return total

    def __repr__(self) -> str:
        return f"ComposeTransform({self.parts!r})"
