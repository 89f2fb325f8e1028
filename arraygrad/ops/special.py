"""Special functions the standard does not name: ``lgamma``, ``digamma`` (PyTorch's names).

Each is written with the standard's elementwise functions only, so it runs on every
backend. The rules are those functions too (``lgamma' = digamma``, ``digamma' =
trigamma``): with ``create_graph=True`` they run on Tensors and are differentiated like any
composite, which gives every higher order.

Accuracy: ``lgamma`` is Lanczos' approximation (g = 7, nine terms) for ``x >= 0.5`` and
the reflection formula below: about 1e-14 relative in float64, 1e-6 absolute in float32.
``digamma`` and ``trigamma`` shift the argument up by ten with the recurrence, then sum the
asymptotic series (terms to ``x**-14``), with the reflection formula for ``x < 0.5``. At
the poles (0, -1, -2, ...) ``lgamma`` is ``inf``; ``digamma`` is ``-inf`` at 0 and NaN at
the negative integers, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad.ops.registry import defop, unary
from arraygrad.tensor import Tensor

__all__ = ["lgamma", "digamma", "LGAMMA", "DIGAMMA"]

_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905,
            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# Bernoulli numbers B_2k for the asymptotic series of digamma and trigamma.
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)
_SHIFT = 10


def _split(xp: Any, x: Any) -> tuple[Any, Any, Any]:
    """(x < 0.5, x on the direct branch, x on the reflected branch): each branch sees only
    safe values, so neither the forward nor the rules make an unused inf or NaN."""
    low = x < 0.5
    direct = xp.where(low, 1.0 - x, x)  # >= 0.5 everywhere
    reflected = xp.where(low, x, 0.25)  # where sin(pi x) != 0 unless x is a pole
    return low, direct, reflected


def _lgamma_direct(xp: Any, x: Any) -> Any:
    z = x - 1.0
    acc = _LANCZOS[0]
    for i in range(1, len(_LANCZOS)):
        acc = acc + _LANCZOS[i] / (z + i)
    t = z + 7.5
    return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(acc)


def lgamma_xp(xp: Any, x: Any) -> Any:
    """``log|Gamma(x)|`` written against ``xp``."""
    low, direct, refl = _split(xp, x)
    value = _lgamma_direct(xp, direct)
    reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * refl))) - value
    out = xp.where(low, reflected, value)
    return xp.where(_pole(xp, x, low), math.inf, out)


def _pole(xp: Any, x: Any, low: Any) -> Any:
    """Where ``x`` is 0 or a negative integer (sin(pi x) is only nearly 0 there)."""
    return xp.logical_and(low, x == xp.floor(x))


def _shifted(xp: Any, x: Any, power: int) -> tuple[Any, Any]:
    """(x + _SHIFT, sum_k 1/(x + k)**power for k < _SHIFT)."""
    total = 0.0
    for k in range(_SHIFT):
        total = total + 1.0 / (x + k) ** power
    return x + _SHIFT, total


def digamma_xp(xp: Any, x: Any) -> Any:
    """The digamma function ``Gamma'(x) / Gamma(x)`` written against ``xp``."""
    low, direct, refl = _split(xp, x)
    y, head = _shifted(xp, direct, 1)
    inv2 = 1.0 / (y * y)
    series = 0.0
    power = inv2
    for k, b in enumerate(_B2K, start=1):
        series = series + b / (2 * k) * power
        power = power * inv2
    value = xp.log(y) - 0.5 / y - series - head
    reflected = value - math.pi / xp.tan(math.pi * refl)
    out = xp.where(low, reflected, value)
    pole = _pole(xp, x, low)
    return xp.where(pole, xp.where(x == 0, -math.inf, x * math.nan), out)


def trigamma_xp(xp: Any, x: Any) -> Any:
    """The trigamma function (digamma's derivative) written against ``xp``."""
    low, direct, refl = _split(xp, x)
    y, head = _shifted(xp, direct, 2)
    inv = 1.0 / y
    inv2 = inv * inv
    series = 0.0
    power = inv * inv2
    for b in _B2K:
        series = series + b * power
        power = power * inv2
    value = inv + 0.5 * inv2 + series + head
    s = xp.sin(math.pi * refl)
    reflected = math.pi ** 2 / (s * s) - value
    return xp.where(low, reflected, value)


LGAMMA = defop("lgamma", lgamma_xp, (lambda xp, g, ans, x: g * digamma_xp(xp, x),),
               doc="log|Gamma(x)| (PyTorch's lgamma)")
DIGAMMA = defop("digamma", digamma_xp, (lambda xp, g, ans, x: g * trigamma_xp(xp, x),),
                doc="the digamma function (PyTorch's digamma)")


def lgamma(x: Tensor, /) -> Tensor:
    """``log|Gamma(x)|`` elementwise (``torch.lgamma``); its gradient is :func:`digamma`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.lgamma(ag.tensor([5.0], dtype=ag.float64)).item(), 10)  # log(4!)
    3.1780538303
    """
    return unary(LGAMMA, x)


def digamma(x: Tensor, /) -> Tensor:
    """The digamma function elementwise (``torch.digamma``, the derivative of
    :func:`lgamma`)."""
    return unary(DIGAMMA, x)
