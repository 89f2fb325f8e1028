"""Elementwise ops: arithmetic, math functions, comparisons and logic.

Each op is forward plus one VJP per input, side by side. Rules return gradients with the
output's (broadcast) shape; the engine reduces them to each input's shape.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from arraygrad.creation import zeros_like
from arraygrad.ops._arrays import is_array
from arraygrad.ops.registry import Op, apply, binary, broadcast_check, defop, unary, unary_function
from arraygrad.tensor import Tensor


def _zeros(xp, g, ans, *args, **params):
    # Piecewise-constant ops (floor, sign, ...): zero gradient, as in PyTorch.
    return xp.zeros_like(g)


# --------------------------------------------------------------------------- arithmetic
ADD: Op = defop("add", lambda xp, a, b: a + b,
            (lambda xp, g, ans, a, b: g, lambda xp, g, ans, a, b: g), checks_inputs=False)
SUBTRACT: Op = defop("subtract", lambda xp, a, b: a - b,
                 (lambda xp, g, ans, a, b: g, lambda xp, g, ans, a, b: -g),
                 checks_inputs=False)
MULTIPLY: Op = defop("multiply", lambda xp, a, b: a * b,
                 (lambda xp, g, ans, a, b: g * b, lambda xp, g, ans, a, b: g * a),
                 reads=((1,), (0,)))
DIVIDE: Op = defop("divide", lambda xp, a, b: a / b,
               (lambda xp, g, ans, a, b: g / b, lambda xp, g, ans, a, b: -g * a / (b * b)),
               reads=((1,), (0, 1)))


def _pow_grad_b(xp, g, ans, a, b):
    # d(a**b)/db = a**b log a; where a == 0 the limit is taken as 0 (as PyTorch).
    if isinstance(a, (int, float)):  # 2.0 ** x: a Python base has no array methods
        return g * ans * (math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
    return g * xp.where(a == 0, xp.zeros_like(ans), ans * xp.log(
        xp.where(a == 0, xp.ones_like(a), a)))


def _integral_operand(xp: Any, v: Any) -> bool:
    if hasattr(v, "dtype"):
        return xp.isdtype(v.dtype, ("integral", "bool"))
    return isinstance(v, int)


def _pow_forward(xp, a, b):
    # PyTorch's integer powers: a negative Python-int exponent raises; a negative element
    # of an integer exponent tensor gives 1 for base 1, +-1 for base -1 and 0 otherwise
    # (NumPy raises ValueError for both).
    if not (_integral_operand(xp, a) and _integral_operand(xp, b)):
        return a ** b
    if not hasattr(b, "dtype"):
        if b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return a ** b
    if xp.isdtype(b.dtype, "unsigned integer") or xp.isdtype(b.dtype, "bool"):
        return a ** b
    negative = b < 0
    out = a ** xp.where(negative, xp.zeros_like(b), b)
    one = xp.ones_like(out)
    signed = xp.where((b % 2) != 0, -one, one)  # (-1) ** b
    if hasattr(a, "dtype"):
        unit = xp.where(a == 1, one, xp.where(a == -1, signed, xp.zeros_like(out)))
    else:
        unit = one if a == 1 else (signed if a == -1 else xp.zeros_like(out))
    return xp.where(negative, unit, out)


POW: Op = defop("pow", _pow_forward,
            (lambda xp, g, ans, a, b: g * b * a ** (b - 1), _pow_grad_b), uses_ans=True)
def _floor_divide(xp, a, b):
    out = xp.floor_divide(a, b)
    if not xp.isdtype(out.dtype, "real floating"):
        return out
    # The standard's special cases that NumPy misses: an infinite dividend over a finite
    # divisor gives the infinite true quotient (NumPy gives nan), and a finite dividend
    # over an infinite divisor gives the signed zero quotient (NumPy gives -1 for
    # opposite signs).
    q = a / b
    inf_b = xp.isinf(b) if hasattr(b, "dtype") else math.isinf(b)
    finite_a = xp.isfinite(a) if hasattr(a, "dtype") else math.isfinite(a)
    return xp.where(xp.isinf(q) | (inf_b & finite_a), q, out)


FLOOR_DIVIDE: Op = defop("floor_divide", _floor_divide, None)
REMAINDER: Op = defop("remainder", lambda xp, a, b: xp.remainder(a, b),
                  (lambda xp, g, ans, a, b: g,
                   lambda xp, g, ans, a, b: -g * xp.floor(a / b)))
NEGATIVE: Op = defop("negative", lambda xp, a: -a, (lambda xp, g, ans, a: -g,),
                 checks_inputs=False)
POSITIVE: Op = defop("positive", lambda xp, a: +a, (lambda xp, g, ans, a: g,),
                 checks_inputs=False)
MAXIMUM: Op = defop(
    "maximum", lambda xp, a, b: xp.maximum(a, b),
    # Ties split the gradient evenly between the two inputs (as PyTorch).
    (lambda xp, g, ans, a, b: xp.where(a > b, g, xp.where(a == b, g / 2, xp.zeros_like(g))),
     lambda xp, g, ans, a, b: xp.where(b > a, g, xp.where(a == b, g / 2, xp.zeros_like(g)))))
MINIMUM: Op = defop(
    "minimum", lambda xp, a, b: xp.minimum(a, b),
    (lambda xp, g, ans, a, b: xp.where(a < b, g, xp.where(a == b, g / 2, xp.zeros_like(g))),
     lambda xp, g, ans, a, b: xp.where(b < a, g, xp.where(a == b, g / 2, xp.zeros_like(g)))))
def _atan2_denominator(xp, a, b):
    # a**2 + b**2, with 1 where both are 0: the gradient at the origin is 0 (as PyTorch).
    d = a * a + b * b
    return xp.where(d == 0, xp.ones_like(d), d)


ATAN2 = defop("atan2", lambda xp, a, b: xp.atan2(a, b),
              (lambda xp, g, ans, a, b: g * b / _atan2_denominator(xp, a, b),
               lambda xp, g, ans, a, b: -g * a / _atan2_denominator(xp, a, b)))
HYPOT: Op = defop("hypot", lambda xp, a, b: xp.hypot(a, b),
              (lambda xp, g, ans, a, b: g * a / ans, lambda xp, g, ans, a, b: g * b / ans),
              uses_ans=True)
LOGADDEXP: Op = defop("logaddexp", lambda xp, a, b: xp.logaddexp(a, b),
                  (lambda xp, g, ans, a, b: g * xp.exp(a - ans),
                   lambda xp, g, ans, a, b: g * xp.exp(b - ans)), uses_ans=True)
COPYSIGN: Op = defop("copysign", lambda xp, a, b: xp.copysign(a, b),
                 # sign(x1) * sign(out): +-1 where x1 != 0, and 0 at x1 = +-0 (as PyTorch).
                 (lambda xp, g, ans, a, b: g * xp.sign(a) * xp.sign(ans), None),
                 uses_ans=True)

# --------------------------------------------------------------------------- unary math
ABS: Op = defop("abs", lambda xp, a: xp.abs(a),
            # Subgradient 0 at 0 (xp.sign(0) == 0), as PyTorch.
            (lambda xp, g, ans, a: g * xp.sign(a),))
# Rules that read only ``ans`` declare reads=((),): the input may change afterwards.
EXP: Op = defop("exp", lambda xp, a: xp.exp(a), (lambda xp, g, ans, a: g * ans,), uses_ans=True,
            reads=((),))


def _expm1(xp, a):
    if not xp.isdtype(a.dtype, "complex floating"):
        return xp.expm1(a)
    # Complex: NumPy's expm1 misses the standard's special cases and loses digits near 0.
    # Finite results come from expm1(x) cos(y) - 2 sin(y/2)**2 + i e**x sin(y); the
    # others (infinities, NaNs) from exp(z) - 1, whose special cases are the standard's.
    x, y = xp.real(a), xp.imag(a)
    half = xp.sin(y / 2)
    re = xp.expm1(x) * xp.cos(y) - 2 * half * half
    im = xp.where(y == 0, y, xp.exp(x) * xp.sin(y))
    finite = xp.isfinite(re) & xp.isfinite(im)
    zero = xp.zeros_like(re)
    accurate = xp.where(finite, re, zero) + xp.where(finite, im, zero) * 1j
    return xp.where(finite, xp.astype(accurate, a.dtype), xp.exp(a) - 1)


EXPM1 = defop("expm1", _expm1, (lambda xp, g, ans, a: g * (ans + 1),), uses_ans=True,
              reads=((),))
LOG: Op = defop("log", lambda xp, a: xp.log(a), (lambda xp, g, ans, a: g / a,))
LOG1P = defop("log1p", lambda xp, a: xp.log1p(a), (lambda xp, g, ans, a: g / (a + 1),))
LOG2 = defop("log2", lambda xp, a: xp.log2(a),
             (lambda xp, g, ans, a: g / (a * 0.6931471805599453),))
LOG10 = defop("log10", lambda xp, a: xp.log10(a),
              (lambda xp, g, ans, a: g / (a * 2.302585092994046),))
SQRT: Op = defop("sqrt", lambda xp, a: xp.sqrt(a), (lambda xp, g, ans, a: g / (2 * ans),),
             uses_ans=True, reads=((),))
SQUARE: Op = defop("square", lambda xp, a: xp.square(a), (lambda xp, g, ans, a: 2 * g * a,))
SIN: Op = defop("sin", lambda xp, a: xp.sin(a), (lambda xp, g, ans, a: g * xp.cos(a),))
COS: Op = defop("cos", lambda xp, a: xp.cos(a), (lambda xp, g, ans, a: -g * xp.sin(a),))
TAN: Op = defop("tan", lambda xp, a: xp.tan(a), (lambda xp, g, ans, a: g * (1 + ans * ans),),
            uses_ans=True, reads=((),))
ASIN: Op = defop("asin", lambda xp, a: xp.asin(a),
             (lambda xp, g, ans, a: g / xp.sqrt(1 - a * a),))
ACOS: Op = defop("acos", lambda xp, a: xp.acos(a),
             (lambda xp, g, ans, a: -g / xp.sqrt(1 - a * a),))
ATAN: Op = defop("atan", lambda xp, a: xp.atan(a), (lambda xp, g, ans, a: g / (1 + a * a),))
SINH: Op = defop("sinh", lambda xp, a: xp.sinh(a), (lambda xp, g, ans, a: g * xp.cosh(a),))
COSH: Op = defop("cosh", lambda xp, a: xp.cosh(a), (lambda xp, g, ans, a: g * xp.sinh(a),))
def _tanh(xp: Any, a: Any) -> Any:
    out = xp.tanh(a)
    if not xp.isdtype(a.dtype, "complex floating"):
        return out
    # The standard: tanh(±inf + yj) is ±1 with a zero imaginary part of y's sign for finite
    # y (NumPy gives the sign of sin(2y)). conj() flips only the zero's sign.
    re, im = xp.real(a), xp.imag(a)
    base = xp.astype(xp.sign(re), a.dtype)
    limit = xp.where(im < 0, xp.conj(base), base)
    return xp.where(xp.isinf(re) & xp.isfinite(im), limit, out)


TANH: Op = defop("tanh", _tanh, (lambda xp, g, ans, a: g * (1 - ans * ans),),
             uses_ans=True, reads=((),))
ASINH: Op = defop("asinh", lambda xp, a: xp.asinh(a),
              (lambda xp, g, ans, a: g / xp.sqrt(a * a + 1),))
ACOSH: Op = defop("acosh", lambda xp, a: xp.acosh(a),
              (lambda xp, g, ans, a: g / xp.sqrt(a * a - 1),))
ATANH: Op = defop("atanh", lambda xp, a: xp.atanh(a), (lambda xp, g, ans, a: g / (1 - a * a),))
# sigmoid through tanh: never overflows, unlike 1 / (1 + exp(-x)) for very negative x.
SIGMOID: Op = defop("sigmoid", lambda xp, a: 0.5 * xp.tanh(0.5 * a) + 0.5,
                (lambda xp, g, ans, a: g * ans * (1 - ans),), uses_ans=True, reads=((),))
# relu: subgradient 0 at 0, as PyTorch.
RELU: Op = defop("relu", lambda xp, a: xp.maximum(a, 0),
             (lambda xp, g, ans, a: xp.where(a > 0, g, 0.0),))  # scalar: no zeros array
FLOOR: Op = defop("floor", lambda xp, a: xp.floor(a), (_zeros,), checks_inputs=False)
CEIL: Op = defop("ceil", lambda xp, a: xp.ceil(a), (_zeros,), checks_inputs=False)
ROUND: Op = defop("round", lambda xp, a: xp.round(a), (_zeros,), checks_inputs=False)
TRUNC: Op = defop("trunc", lambda xp, a: xp.trunc(a), (_zeros,), checks_inputs=False)
SIGN: Op = defop("sign", lambda xp, a: xp.sign(a), (_zeros,), checks_inputs=False)
CLIP: Op = defop(
    "clip", lambda xp, a, min=None, max=None: xp.clip(a, min=min, max=max),
    # The gradient passes where min <= x <= max (boundaries included, as PyTorch's clamp).
    (lambda xp, g, ans, a, min=None, max=None: xp.where(
        _inside(a, min, max), g, xp.zeros_like(g)),))
WHERE: Op = defop("where", lambda xp, c, a, b: xp.where(c, a, b),
              (None,
               lambda xp, g, ans, c, a, b: xp.where(c, g, xp.zeros_like(g)),
               lambda xp, g, ans, c, a, b: xp.where(c, xp.zeros_like(g), g)),
              checks_inputs=False)


def _clip_forward(xp, a, lo, hi):
    out = a
    if lo is not None:
        out = xp.maximum(out, lo)
    if hi is not None:
        out = xp.minimum(out, hi)
    return out


def _clip_grad_x(xp, g, ans, a, lo, hi):
    return xp.where(_inside(a, lo, hi), g, xp.zeros_like(g))


def _clip_grad_lo(xp, g, ans, a, lo, hi):
    # PyTorch's clamp: the lower bound gets the gradient where x < lo < hi.
    below = a < lo if hi is None else (a < lo) & (lo < hi)
    return xp.where(below, g, xp.zeros_like(g))


def _clip_grad_hi(xp, g, ans, a, lo, hi):
    # ... and the upper bound where x > hi or lo > hi (the result is hi).
    above = a > hi if lo is None else (a > hi) | (lo > hi)
    return xp.where(above, g, xp.zeros_like(g))


# clip with tensor bounds: ties go to x (PyTorch's clamp), never split.
CLIP_TENSOR: Op = defop("clip_tensor", _clip_forward, (_clip_grad_x, _clip_grad_lo,
                                                   _clip_grad_hi))


def _inside(a, lo, hi):
    if lo is None:
        return a <= hi
    if hi is None:
        return a >= lo
    return (a >= lo) & (a <= hi)


# --------------------------------------------------------------- comparisons and logic
def _nondiff(name: str, fn: Any) -> Op:
    return defop(name, fn, None)


EQUAL: Op = _nondiff("equal", lambda xp, a, b: a == b)
NOT_EQUAL: Op = _nondiff("not_equal", lambda xp, a, b: a != b)
LESS: Op = _nondiff("less", lambda xp, a, b: a < b)
LESS_EQUAL: Op = _nondiff("less_equal", lambda xp, a, b: a <= b)
GREATER: Op = _nondiff("greater", lambda xp, a, b: a > b)
GREATER_EQUAL: Op = _nondiff("greater_equal", lambda xp, a, b: a >= b)
LOGICAL_AND: Op = _nondiff("logical_and", lambda xp, a, b: xp.logical_and(a, b))
LOGICAL_OR: Op = _nondiff("logical_or", lambda xp, a, b: xp.logical_or(a, b))
LOGICAL_XOR: Op = _nondiff("logical_xor", lambda xp, a, b: xp.logical_xor(a, b))
LOGICAL_NOT: Op = _nondiff("logical_not", lambda xp, a: xp.logical_not(a))
BITWISE_AND: Op = _nondiff("bitwise_and", lambda xp, a, b: a & b)
BITWISE_OR: Op = _nondiff("bitwise_or", lambda xp, a, b: a | b)
BITWISE_XOR: Op = _nondiff("bitwise_xor", lambda xp, a, b: a ^ b)
BITWISE_INVERT: Op = _nondiff("bitwise_invert", lambda xp, a: ~a)
ISNAN: Op = _nondiff("isnan", lambda xp, a: xp.isnan(a))
ISINF: Op = _nondiff("isinf", lambda xp, a: xp.isinf(a))
ISFINITE: Op = _nondiff("isfinite", lambda xp, a: xp.isfinite(a))
SIGNBIT: Op = _nondiff("signbit", lambda xp, a: xp.signbit(a))


# --------------------------------------------------------------------------- functions
def _fn1(op, doc: str):
    return unary_function(op, op.name, doc)  # unary(op, x), one Python frame shorter


def _fn2(op, doc: str):
    def f(x1: Tensor | float, x2: Tensor | float, /) -> Tensor:
        return binary(op, x1, x2)

    f.__name__ = f.__qualname__ = op.name
    f.__doc__ = doc
    return f


add = _fn2(ADD, "Elementwise ``x1 + x2`` with broadcasting.")
subtract = _fn2(SUBTRACT, "Elementwise ``x1 - x2`` with broadcasting.")
multiply = _fn2(MULTIPLY, "Elementwise ``x1 * x2`` with broadcasting.")
divide = _fn2(DIVIDE, "Elementwise true division ``x1 / x2`` with broadcasting.")
pow = _fn2(POW, "Elementwise ``x1 ** x2``.")  # noqa: A001 - the standard's name
floor_divide = _fn2(FLOOR_DIVIDE, "Elementwise ``x1 // x2`` (not differentiable).")
remainder = _fn2(REMAINDER, "Elementwise ``x1 % x2``.")
maximum = _fn2(MAXIMUM, "Elementwise maximum; ties split the gradient evenly.")
minimum = _fn2(MINIMUM, "Elementwise minimum; ties split the gradient evenly.")
atan2 = _fn2(ATAN2, "Elementwise arc tangent of ``x1 / x2`` choosing the quadrant.")
hypot = _fn2(HYPOT, "Elementwise ``sqrt(x1**2 + x2**2)``.")
logaddexp = _fn2(LOGADDEXP, "Elementwise ``log(exp(x1) + exp(x2))``, computed stably.")
copysign = _fn2(COPYSIGN, "Magnitude of ``x1`` with the sign of ``x2``.")
negative = _fn1(NEGATIVE, "Elementwise ``-x``.")
positive = _fn1(POSITIVE, "Elementwise ``+x``.")
abs = _fn1(ABS, "Elementwise absolute value (gradient 0 at 0).")  # noqa: A001
exp = _fn1(EXP, "Elementwise exponential.")
expm1 = _fn1(EXPM1, "Elementwise ``exp(x) - 1``, accurate near 0.")
log = _fn1(LOG, "Elementwise natural logarithm.")
log1p = _fn1(LOG1P, "Elementwise ``log(1 + x)``, accurate near 0.")
log2 = _fn1(LOG2, "Elementwise base-2 logarithm.")
log10 = _fn1(LOG10, "Elementwise base-10 logarithm.")
sqrt = _fn1(SQRT, "Elementwise square root.")
square = _fn1(SQUARE, "Elementwise ``x * x``.")
sin = _fn1(SIN, "Elementwise sine.")
cos = _fn1(COS, "Elementwise cosine.")
tan = _fn1(TAN, "Elementwise tangent.")
asin = _fn1(ASIN, "Elementwise arc sine.")
acos = _fn1(ACOS, "Elementwise arc cosine.")
atan = _fn1(ATAN, "Elementwise arc tangent.")
sinh = _fn1(SINH, "Elementwise hyperbolic sine.")
cosh = _fn1(COSH, "Elementwise hyperbolic cosine.")
tanh = _fn1(TANH, "Elementwise hyperbolic tangent.")
asinh = _fn1(ASINH, "Elementwise inverse hyperbolic sine.")
acosh = _fn1(ACOSH, "Elementwise inverse hyperbolic cosine.")
atanh = _fn1(ATANH, "Elementwise inverse hyperbolic tangent.")
sigmoid = _fn1(SIGMOID, "Elementwise logistic sigmoid ``1 / (1 + exp(-x))``, overflow-free.")
relu = _fn1(RELU, "Elementwise ``max(x, 0)`` (gradient 0 at 0).")
floor = _fn1(FLOOR, "Elementwise floor (zero gradient).")
ceil = _fn1(CEIL, "Elementwise ceiling (zero gradient).")
_round = _fn1(ROUND, "Elementwise rounding to nearest even (zero gradient).")


def round(x: Tensor, /, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Elementwise rounding to the nearest even (zero gradient); ``decimals`` rounds to
    that many decimal places (negative: to tens, hundreds...) by PyTorch's formula,
    ``round(x * 10**d) / 10**d`` (``round(x / 10**-d) * 10**-d`` for ``d < 0``)."""
    if not decimals:
        return _round(x)
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    if x.dtype.kind not in "fc":
        raise TypeError(f"round: decimals={decimals} needs a floating-point tensor, got "
                        f"dtype {x.dtype.name} (PyTorch has no integer kernel for it either)")
    scale = 10.0 ** builtins.abs(decimals)
    return _round(x * scale) / scale if decimals > 0 else _round(x / scale) * scale
trunc = _fn1(TRUNC, "Elementwise truncation toward zero (zero gradient).")
sign = _fn1(SIGN, "Elementwise sign (zero gradient).")
equal = _fn2(EQUAL, "Elementwise ``x1 == x2`` (boolean result).")
not_equal = _fn2(NOT_EQUAL, "Elementwise ``x1 != x2`` (boolean result).")
less = _fn2(LESS, "Elementwise ``x1 < x2`` (boolean result).")
less_equal = _fn2(LESS_EQUAL, "Elementwise ``x1 <= x2`` (boolean result).")
greater = _fn2(GREATER, "Elementwise ``x1 > x2`` (boolean result).")
greater_equal = _fn2(GREATER_EQUAL, "Elementwise ``x1 >= x2`` (boolean result).")
logical_and = _fn2(LOGICAL_AND, "Elementwise logical AND of boolean tensors.")
logical_or = _fn2(LOGICAL_OR, "Elementwise logical OR of boolean tensors.")
logical_xor = _fn2(LOGICAL_XOR, "Elementwise logical XOR of boolean tensors.")
logical_not = _fn1(LOGICAL_NOT, "Elementwise logical NOT of a boolean tensor.")
bitwise_and = _fn2(BITWISE_AND, "Elementwise ``x1 & x2`` for integer or boolean tensors.")
bitwise_or = _fn2(BITWISE_OR, "Elementwise ``x1 | x2`` for integer or boolean tensors.")
bitwise_xor = _fn2(BITWISE_XOR, "Elementwise ``x1 ^ x2`` for integer or boolean tensors.")
bitwise_invert = _fn1(BITWISE_INVERT, "Elementwise ``~x`` for integer or boolean tensors.")
isnan = _fn1(ISNAN, "Elementwise test for NaN.")
isinf = _fn1(ISINF, "Elementwise test for infinity.")
isfinite = _fn1(ISFINITE, "Elementwise test for finite values.")
signbit = _fn1(SIGNBIT, "Elementwise test of the sign bit.")


def clip(x: Tensor, /, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp ``x`` to ``[min, max]``; the gradient flows where ``min <= x <= max``.

    ``min`` and ``max`` may be Python scalars, None, or Tensors (then they get gradients
    too, by PyTorch's rule: ``min`` where ``x < min < max``, ``max`` where ``x > max`` or
    ``min > max``; ties go to ``x``).
    """
    if is_array(min) or is_array(max):
        return apply(CLIP_TENSOR, (x, min, max))
    if min is None and max is None:
        return positive(x)
    return unary(CLIP, x, {"min": min, "max": max})


def reciprocal(x: Tensor, /) -> Tensor:
    """Elementwise ``1 / x``."""
    return binary(DIVIDE, 1.0, x)


def where(condition: Tensor, x1: Any, x2: Any, /) -> Tensor:
    """Elementwise ``x1 if condition else x2`` with broadcasting."""
    return apply(WHERE, (condition, x1, x2))


# ------------------------------------------------- shifts, complex parts, nextafter
BITWISE_LEFT_SHIFT: Op = _nondiff("bitwise_left_shift", lambda xp, a, b: xp.bitwise_left_shift(
    a, b))
BITWISE_RIGHT_SHIFT: Op = _nondiff("bitwise_right_shift",
                               lambda xp, a, b: xp.bitwise_right_shift(a, b))
# Equal operands give x2 (IEEE 754: nextafter(-0.0, +0.0) is +0.0).
NEXTAFTER: Op = _nondiff("nextafter", lambda xp, a, b: xp.where(a == b, b, xp.nextafter(a, b)))
# Gradients of the complex parts follow PyTorch: the real part passes g, the imaginary
# part passes 1j * g, conj passes conj(g) (the engine casts them to the input's dtype).
REAL: Op = defop("real", lambda xp, a: xp.real(a), (lambda xp, g, ans, a: g,),
             checks_inputs=False)
IMAG: Op = defop("imag", lambda xp, a: xp.imag(a), (lambda xp, g, ans, a: g * 1j,),
             checks_inputs=False)
CONJ: Op = defop("conj", lambda xp, a: xp.conj(a), (lambda xp, g, ans, a: xp.conj(g),),
             checks_inputs=False)

bitwise_left_shift = _fn2(BITWISE_LEFT_SHIFT,
                          "Elementwise ``x1 << x2`` for integer tensors (``x2 >= 0``).")
bitwise_right_shift = _fn2(BITWISE_RIGHT_SHIFT,
                           "Elementwise ``x1 >> x2`` (arithmetic) for integer tensors.")
nextafter = _fn2(NEXTAFTER, "The next representable float after ``x1`` toward ``x2`` "
                            "(not differentiable).")


def _is_complex(x: Any) -> bool:
    return is_array(x) and x.dtype.kind == "c"


def real(x: Tensor, /) -> Tensor:
    """Real part (a copy of ``x`` for real dtypes); differentiable."""
    return unary(REAL, x) if _is_complex(x) else positive(x)


def imag(x: Tensor, /) -> Tensor:
    """Imaginary part (zeros for real dtypes); differentiable."""
    if _is_complex(x):
        return unary(IMAG, x)

    return zeros_like(x)


def conj(x: Tensor, /) -> Tensor:
    """Complex conjugate (a copy of ``x`` for real dtypes); differentiable."""
    return unary(CONJ, x) if _is_complex(x) else positive(x)


# Two-input ops report a broadcast mismatch in one wording and class on every backend.
for _op in (ADD, SUBTRACT, MULTIPLY, DIVIDE, POW, FLOOR_DIVIDE, REMAINDER, MAXIMUM, MINIMUM,
            ATAN2, HYPOT, LOGADDEXP, COPYSIGN, EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER,
            GREATER_EQUAL, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR, BITWISE_AND, BITWISE_OR,
            BITWISE_XOR, BITWISE_LEFT_SHIFT, BITWISE_RIGHT_SHIFT, NEXTAFTER):
    _op.diagnose = broadcast_check
