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

from arraygrad.ops.conv import erf_generic, erfc_generic
from arraygrad.ops.registry import defop, unary
from arraygrad.tensor import Tensor

__all__ = ["lgamma", "digamma", "erfinv", "LGAMMA", "DIGAMMA", "ERFINV", "polygamma_series"]

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


def polygamma_series(n: int, x: Any, shift: int) -> Any:
    """``polygamma(n, x)`` for ``n >= 1``, written with arithmetic only (so it runs on raw
    arrays and on Tensors, where it is differentiable): the recurrence
    ``psi_n(x) = psi_n(x + 1) + (-1)**(n+1) n! / x**(n+1)`` moves ``x`` up by ``shift``,
    then the asymptotic series (terms to ``y**-(14 + n)``) finishes. Accurate to about
    1e-14 relative in float64 when ``x + shift >= 10``."""
    sign = -1.0 if n % 2 == 0 else 1.0
    fact_n = float(math.factorial(n))
    head = 0.0
    for k in range(shift):
        head = head + 1.0 / (x + k) ** (n + 1)
    y = x + shift
    tail = math.factorial(n - 1) / y ** n + fact_n / (2.0 * y ** (n + 1))
    for k, b in enumerate(_B2K, start=1):
        coef = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
        tail = tail + coef / y ** (2 * k + n)
    return sign * (fact_n * head + tail)


# Giles (2010), "Approximating the erfinv function": single-precision polynomials in
# w = -log(1 - x^2), the starting point of the refinement below.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
               0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _horner(coefficients: tuple[float, ...], w: Any) -> Any:
    p = coefficients[0]
    for c in coefficients[1:]:
        p = c + p * w
    return p


def erfinv_xp(xp: Any, x: Any) -> Any:
    """The inverse error function written against ``xp``: Giles' approximation, then
    Halley steps on ``erf(t) = |x|``; above ``|x| = 0.5`` Newton steps on
    ``log erfc(t) = log(1 - |x|)`` instead (``1 - |x|`` is exact there, so the tails keep
    their digits); +-inf at +-1, NaN outside."""
    a = xp.abs(x)
    inside = a < 1
    m = xp.where(inside, a, xp.zeros_like(a))
    w = -xp.log((1.0 - m) * (1.0 + m))
    central = w < 5.0
    start = xp.where(central, _horner(_GILES_CENTRAL, xp.where(central, w, 5.0) - 2.5),
                     _horner(_GILES_TAIL, xp.sqrt(xp.where(central, 5.0, w)) - 3.0))
    t = start * m
    tail = m > 0.5
    gap = 1.0 - m  # exact where the tail branch uses it
    log_gap = xp.log(xp.where(tail, gap, xp.ones_like(gap)))
    for _ in range(4 if x.dtype == xp.float64 else 2):
        slope = _TWO_OVER_SQRT_PI * xp.exp(-t * t)
        # Centre: Halley on erf(t) - m. Tail: Newton on log erfc(t) - log(1 - m), nearly
        # linear in t there, so it converges from Giles' start to the last digit.
        f = erf_generic(xp, t) - m
        central_step = f / (slope + t * f)
        c = erfc_generic(xp, xp.where(tail, t, xp.ones_like(t)))
        tail_step = (log_gap - xp.log(c)) * c / slope
        t = t - xp.where(tail, tail_step, central_step)
    out = xp.copysign(t, x)
    infinity = xp.full_like(x, math.inf)
    edge = xp.where(x < 0, -infinity, infinity)
    return xp.where(inside, out, xp.where(a == 1, edge, x * math.nan))


ERFINV = defop("erfinv", erfinv_xp,
               (lambda xp, g, ans, x: g * (math.sqrt(math.pi) / 2) * xp.exp(ans * ans),),
               uses_ans=True, doc="the inverse error function (PyTorch's erfinv)")


def erfinv(x: Tensor, /) -> Tensor:
    """The inverse of the error function, elementwise (``torch.erfinv``): ``erf(y) = x``
    for ``-1 < x < 1``, +-inf at +-1, NaN outside; the gradient is
    ``sqrt(pi) / 2 * exp(erfinv(x) ** 2)``."""
    return unary(ERFINV, x)
