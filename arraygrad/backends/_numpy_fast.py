"""Faster spellings of NumPy namespace functions that gradient rules call on every step.

``numpy.sum``, ``numpy.max``, ``numpy.min`` and ``numpy.matrix_transpose`` are Python
wrappers (argument dispatch, a keyword dict per call) around a C call; on the small arrays
of a training step the wrapper costs more than the arithmetic. For a plain ``ndarray``
these go straight to the ufunc reduction / the ``mT`` view, which is exactly what the
wrappers end up calling; anything else (NumPy scalars, subclasses) takes the wrapper.

``numpy.where`` branches per element: on the unpredictable masks of gradient rules (ReLU's
``where(x > 0, g, 0)``) it runs at about 4 ns per element, 7 times slower than a
multiplication. For large masks :func:`where` selects with integer bit masks instead,
which gives the same bits (``+0.0`` for a zero, NaNs and signs kept).

``numpy.isdtype`` is pure Python (it costs more than a ufunc call on 16 numbers);
forwards such as ``tanh`` ask it on every call whether their input is complex, so
:func:`isdtype` remembers each answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["FAST_FUNCTIONS"]

_ndarray = np.ndarray
# Called with ``axis=None | int | tuple`` and ``dtype=None``, which NumPy's overloads of
# ``ufunc.reduce`` do not cover all at once.
_add_reduce: Callable[..., Any] = np.add.reduce
_max_reduce: Callable[..., Any] = np.maximum.reduce
_min_reduce: Callable[..., Any] = np.minimum.reduce


def sum(x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """``numpy.sum`` without the dispatch wrapper for ndarrays."""
    if type(x) is _ndarray:
        return _add_reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)
    return np.sum(x, axis=axis, dtype=dtype, keepdims=keepdims)


def max(x: Any, /, *, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """``numpy.max`` without the dispatch wrapper for non-empty ndarrays."""
    if type(x) is _ndarray and x.size:
        return _max_reduce(x, axis=axis, keepdims=keepdims)
    return np.max(x, axis=axis, keepdims=keepdims)


def min(x: Any, /, *, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """``numpy.min`` without the dispatch wrapper for non-empty ndarrays."""
    if type(x) is _ndarray and x.size:
        return _min_reduce(x, axis=axis, keepdims=keepdims)
    return np.min(x, axis=axis, keepdims=keepdims)


def matrix_transpose(x: Any, /) -> Any:
    """``numpy.matrix_transpose`` as the ``mT`` view for ndarrays of 2 or more dimensions."""
    if type(x) is _ndarray and x.ndim >= 2:
        return x.mT
    return np.matrix_transpose(x)


_np_where = np.where
_bool = np.dtype(bool)
_BITS: dict[int, Any] = {4: np.dtype(np.int32), 8: np.dtype(np.int64)}
# Below this many elements the few extra calls of the bit-mask path cost more than the
# branch mispredictions they save.
_MIN_WHERE_SIZE = 2048


def _positive_zero(v: Any, other: Any) -> bool:
    """``v`` is a Python zero that NumPy casts to ``other``'s dtype, as ``+0``."""
    return (type(v) is int and v == 0) or (type(v) is float and v == 0.0 and
                                           math.copysign(1.0, v) > 0 and other.dtype.kind == "f")


def _maskable(x: Any, shape: tuple) -> bool:
    return type(x) is _ndarray and x.shape == shape and x.dtype.itemsize in _BITS \
        and x.dtype.kind in "fiu" and x.dtype.isnative


def where(condition: Any, x1: Any, x2: Any, /) -> Any:
    """``numpy.where``; branch-free for a large boolean mask choosing between two arrays of
    its shape and dtype, or between one such array and a (positive) zero."""
    if type(condition) is _ndarray and condition.dtype == _bool \
            and condition.size >= _MIN_WHERE_SIZE:
        shape = condition.shape
        if _maskable(x1, shape):
            bits = _BITS[x1.dtype.itemsize]
            if _positive_zero(x2, x1):
                mask = np.negative(condition, dtype=bits)  # True -> all ones, False -> 0
                return np.bitwise_and(x1.view(bits), mask, out=mask).view(x1.dtype)
            if _maskable(x2, shape) and x2.dtype == x1.dtype:
                mask = np.negative(condition, dtype=bits)
                picked = np.bitwise_and(x1.view(bits), mask)
                np.invert(mask, out=mask)
                np.bitwise_and(x2.view(bits), mask, out=mask)
                return np.bitwise_or(picked, mask, out=picked).view(x1.dtype)
        elif _maskable(x2, shape) and _positive_zero(x1, x2):
            bits = _BITS[x2.dtype.itemsize]
            mask = np.subtract(condition, 1, dtype=bits)  # True -> 0, False -> all ones
            return np.bitwise_and(x2.view(bits), mask, out=mask).view(x2.dtype)
    return _np_where(condition, x1, x2)


_np_isdtype = np.isdtype
# (dtype, kind) -> bool, for the pairs ``numpy.isdtype`` accepted. The keys are dtypes (and
# scalar types) crossed with a few kind names, so the table stays small.
_ISDTYPE: dict[tuple[Any, Any], bool] = {}


def isdtype(dtype: Any, kind: Any, /) -> bool:
    """``numpy.isdtype``, with each answer remembered (only answers, never errors: an
    argument it refuses is refused again on every call)."""
    try:
        return _ISDTYPE[dtype, kind]
    except KeyError:
        pass
    except TypeError:  # an unhashable kind (a list): numpy.isdtype says what is wrong
        return _np_isdtype(dtype, kind)
    answer = _np_isdtype(dtype, kind)
    _ISDTYPE[dtype, kind] = answer
    return answer


FAST_FUNCTIONS = {"sum": sum, "max": max, "min": min, "matrix_transpose": matrix_transpose,
                  "where": where, "isdtype": isdtype}
