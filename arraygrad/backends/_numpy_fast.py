"""Faster spellings of NumPy namespace functions that gradient rules call on every step.

``numpy.sum``, ``numpy.max``, ``numpy.min`` and ``numpy.matrix_transpose`` are Python
wrappers (argument dispatch, a keyword dict per call) around a C call; on the small arrays
of a training step the wrapper costs more than the arithmetic. For a plain ``ndarray``
these go straight to the ufunc reduction / the ``mT`` view, which is exactly what the
wrappers end up calling; anything else (NumPy scalars, subclasses) takes the wrapper.
"""

from __future__ import annotations

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


FAST_FUNCTIONS = {"sum": sum, "max": max, "min": min, "matrix_transpose": matrix_transpose}
