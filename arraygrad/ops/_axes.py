"""The one axis normaliser every op uses, and the one ``axis``/``dim`` alias helper.

Axes are checked, never wrapped with a bare ``%``: an out-of-range axis is an
``IndexError`` naming the op, the axis and the number of dimensions (as PyTorch and NumPy),
and a repeated axis is a ``ValueError``. As in PyTorch, a 0-d tensor accepts ``axis=0`` and
``axis=-1`` where ``scalar_ok`` is set (reductions): the axis then names no dimension.
"""

from __future__ import annotations

import operator
from typing import Any

__all__ = ["normalize_axis", "normalize_axes", "axis_alias"]


def _as_int(op: str, axis: Any) -> int:
    if isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, not bool ({axis!r})")
    try:
        return operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an int, got {axis!r} of type "
                        f"{type(axis).__name__}") from None


def normalize_axis(op: str, axis: Any, ndim: int, *, scalar_ok: bool = False) -> int:
    """``axis`` as a non-negative int below ``ndim``.

    Parameters
    ----------
    op : str
        The op's name, for the error message.
    axis : int
        The axis, counted from the end when negative.
    ndim : int
        The number of dimensions the axis indexes.
    scalar_ok : bool
        Accept ``0`` and ``-1`` when ``ndim`` is 0 (PyTorch's rule for reductions); the
        result is then 0.

    Raises
    ------
    IndexError
        When ``axis`` is out of range, naming ``op``, ``axis`` and ``ndim``.

    Examples
    --------
    >>> from arraygrad.ops._axes import normalize_axis
    >>> normalize_axis("sum", -1, 3)
    2
    """
    a = _as_int(op, axis)
    bound = max(ndim, 1) if scalar_ok else ndim
    if not -bound <= a < bound:
        allowed = f"[{-bound}, {bound - 1}]" if bound else "none (the tensor is 0-d)"
        raise IndexError(f"{op}: axis {a} is out of range for a tensor of {ndim} "
                         f"dimension{'s' if ndim != 1 else ''} (allowed: {allowed})")
    return a + bound if a < 0 else a


def normalize_axes(op: str, axis: Any, ndim: int, *, scalar_ok: bool = True,
                   sort: bool = True) -> tuple[int, ...]:
    """An axis argument (None, an int, or a sequence of ints) as a tuple of axes.

    None means every axis. With ``scalar_ok`` a 0-d tensor accepts 0 and -1, which name
    no dimension (the result is ``()``). Sorted unless ``sort`` is False.

    Raises
    ------
    IndexError
        An axis is out of range (see :func:`normalize_axis`).
    ValueError
        An axis is repeated.

    Examples
    --------
    >>> from arraygrad.ops._axes import normalize_axes
    >>> normalize_axes("sum", (-1, 0), 3)
    (0, 2)
    """
    if axis is None:
        return tuple(range(ndim))
    items = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    out = [normalize_axis(op, a, ndim, scalar_ok=scalar_ok) for a in items]
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r} for a tensor of {ndim} dimensions")
    if ndim == 0:
        return ()
    return tuple(sorted(out)) if sort else tuple(out)


def axis_alias(op: str, axis: Any, dim: Any, keepdims: bool = False,
               keepdim: bool | None = None) -> tuple[Any, bool]:
    """Merge PyTorch's ``dim``/``keepdim`` into the standard's ``axis``/``keepdims``.

    A list axis becomes a tuple. Passing both ``axis`` and ``dim`` is a TypeError.

    Examples
    --------
    >>> from arraygrad.ops._axes import axis_alias
    >>> axis_alias("sum", None, [0, 1], False, True)
    ((0, 1), True)
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: pass either axis= or dim=, not both")
        axis = dim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, keepdims if keepdim is None else keepdim
