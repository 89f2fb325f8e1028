"""Reductions: sum, mean, prod, var, std, max, min, logsumexp, cumulative_sum, argmax, ..."""

from __future__ import annotations

import builtins
from typing import Any

from arraygrad import _dtypes
from arraygrad.ops.elementwise import sqrt
from arraygrad.ops.registry import defop, unary
from arraygrad.tensor import Tensor

Axis = Any  # int, tuple of ints, or None


def normalize_axis(axis: Axis, ndim: int) -> tuple[int, ...]:
    """Axis argument as a sorted tuple of non-negative ints (None means all axes)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of {ndim} dimensions")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(out))


def kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the keepdims shape)."""
    axes = normalize_axis(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(xp, g, x, axis, keepdims):
    # Bring a reduced gradient back to keepdims shape so it broadcasts against x.
    return g if keepdims else xp.reshape(g, kept_shape(tuple(x.shape), axis))


def _count(shape, axis) -> int:
    n = 1
    for a in normalize_axis(axis, len(shape)):
        n *= shape[a]
    return n


SUM = defop("sum", lambda xp, x, axis=None, keepdims=False: xp.sum(x, axis=axis,
                                                                 keepdims=keepdims),
            (lambda xp, g, ans, x, axis=None, keepdims=False: xp.broadcast_to(
                _expand(xp, g, x, axis, keepdims), tuple(x.shape)),),
            checks_inputs=False)
MEAN = defop("mean", lambda xp, x, axis=None, keepdims=False: xp.mean(x, axis=axis,
                                                                    keepdims=keepdims),
             (lambda xp, g, ans, x, axis=None, keepdims=False: xp.broadcast_to(
                 _expand(xp, g, x, axis, keepdims) / _count(tuple(x.shape), axis),
                 tuple(x.shape)),),
             checks_inputs=False)


def _prod_vjp(xp, g, ans, x, axis=None, keepdims=False):
    # ans / x is the product of the other elements, except where x == 0. With one zero in
    # a slice, the zero's gradient is the product of the others; with two, all are 0.
    g = _expand(xp, g, x, axis, keepdims)
    ans = _expand(xp, ans, x, axis, keepdims)
    is_zero = x == 0
    safe_x = xp.where(is_zero, xp.ones_like(x), x)
    zeros = xp.sum(xp.astype(is_zero, x.dtype), axis=axis, keepdims=True)
    others = xp.prod(safe_x, axis=axis, keepdims=True)
    at_zero = xp.where(zeros == 1, others, xp.zeros_like(others))
    return g * xp.where(is_zero, at_zero, ans / safe_x)


PROD = defop("prod", lambda xp, x, axis=None, keepdims=False: xp.prod(x, axis=axis,
                                                                    keepdims=keepdims),
             (_prod_vjp,), uses_ans=True)


def _extremum_vjp(xp, g, ans, x, axis=None, keepdims=False):
    # Ties share the gradient evenly (as PyTorch's amax/amin).
    g = _expand(xp, g, x, axis, keepdims)
    mask = xp.astype(x == _expand(xp, ans, x, axis, keepdims), x.dtype)
    return g * mask / xp.sum(mask, axis=axis, keepdims=True)


MAX = defop("max", lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis,
                                                                 keepdims=keepdims),
            (_extremum_vjp,), uses_ans=True)
MIN = defop("min", lambda xp, x, axis=None, keepdims=False: xp.min(x, axis=axis,
                                                                 keepdims=keepdims),
            (_extremum_vjp,), uses_ans=True)


def _logsumexp_forward(xp, x, axis=None, keepdims=False):
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # all -inf slices stay -inf, not nan
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.reshape(out, tuple(
        n for i, n in enumerate(x.shape) if i not in normalize_axis(axis, x.ndim)))


LOGSUMEXP = defop("logsumexp", _logsumexp_forward,
                  (lambda xp, g, ans, x, axis=None, keepdims=False: _expand(
                      xp, g, x, axis, keepdims) * xp.exp(x - _expand(xp, ans, x, axis,
                                                                     keepdims)),),
                  uses_ans=True)


def _cumsum_vjp(xp, g, ans, x, axis=0, include_initial=False):
    if include_initial:  # out[0] is the empty sum: it does not depend on x
        g = g[(slice(None),) * axis + (slice(1, None), Ellipsis)]
    return xp.flip(xp.cumulative_sum(xp.flip(g, axis=axis), axis=axis), axis=axis)


CUMULATIVE_SUM = defop("cumulative_sum",
                       lambda xp, x, axis=0, include_initial=False: xp.cumulative_sum(
                           x, axis=axis, include_initial=include_initial),
                       (_cumsum_vjp,), checks_inputs=False)
ARGMAX = defop("argmax", lambda xp, x, axis=None, keepdims=False: xp.argmax(
    x, axis=axis, keepdims=keepdims), None)
ARGMIN = defop("argmin", lambda xp, x, axis=None, keepdims=False: xp.argmin(
    x, axis=axis, keepdims=keepdims), None)
# Descending order sorts the negated values (stable, and NumPy's argsort has no
# ``descending``), so it needs a signed or floating dtype.
ARGSORT = defop("argsort", lambda xp, x, axis=-1, descending=False, stable=True: xp.argsort(
    -x if descending else x, axis=axis, stable=stable), None)
ALL = defop("all", lambda xp, x, axis=None, keepdims=False: xp.all(x, axis=axis,
                                                                 keepdims=keepdims), None)
ANY = defop("any", lambda xp, x, axis=None, keepdims=False: xp.any(x, axis=axis,
                                                                 keepdims=keepdims), None)


def _torch_names(op: str, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None):
    """Merge PyTorch's ``dim``/``keepdim`` into the standard's ``axis``/``keepdims``."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: pass either axis= or dim=, not both")
        axis = dim
    return axis, keepdims if keepdim is None else keepdim


def _reduce(op, x: Tensor, axis: Axis, keepdims: bool) -> Tensor:
    if axis is None and not keepdims:
        return unary(op, x)
    if isinstance(axis, list):
        axis = tuple(axis)
    return unary(op, x, {"axis": axis, "keepdims": keepdims})


def sum(x: Tensor, /, axis: Axis = None, *, dtype=None, keepdims: bool = False,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Sum over ``axis`` (all axes by default); ``dim``/``keepdim`` as in PyTorch.

    A boolean input counts its ``True`` values in int64, as PyTorch does (``(pred ==
    y).sum()``); the Array-API standard leaves ``sum`` of booleans undefined, and
    array_api_strict refuses it.
    """
    axis, keepdims = _torch_names("sum", axis, keepdims, dim, keepdim)
    if dtype is None and x.dtype == _dtypes.bool:
        dtype = _dtypes.int64
    if dtype is not None:
        x = x.astype(dtype)
    return _reduce(SUM, x, axis, keepdims)


def mean(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Arithmetic mean over ``axis``; ``dim``/``keepdim`` as in PyTorch."""
    axis, keepdims = _torch_names("mean", axis, keepdims, dim, keepdim)
    return _reduce(MEAN, x, axis, keepdims)


def prod(x: Tensor, /, axis: Axis = None, *, dtype=None, keepdims: bool = False,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Product over ``axis`` (gradient correct with zeros in the input)."""
    axis, keepdims = _torch_names("prod", axis, keepdims, dim, keepdim)
    if dtype is not None:
        x = x.astype(dtype)
    return _reduce(PROD, x, axis, keepdims)


def max(x: Tensor, /, *, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; tied maxima share the gradient evenly."""
    return _reduce(MAX, x, axis, keepdims)


def min(x: Tensor, /, *, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Minimum over ``axis``; tied minima share the gradient evenly."""
    return _reduce(MIN, x, axis, keepdims)


def var(x: Tensor, /, *, axis: Axis = None, correction: float = 0.0,
        keepdims: bool = False) -> Tensor:
    """Variance over ``axis`` with ``correction`` degrees of freedom removed (0: population).

    Note PyTorch's default is ``correction=1``; the Array-API standard's is 0.
    """
    n = _count(x.shape, axis)
    centered = x - mean(x, axis=axis, keepdims=True)
    return sum(centered * centered, axis=axis, keepdims=keepdims) / builtins.max(
        n - correction, 0)


def std(x: Tensor, /, *, axis: Axis = None, correction: float = 0.0,
        keepdims: bool = False) -> Tensor:
    """Standard deviation over ``axis`` (see :func:`var` for ``correction``)."""
    return sqrt(var(x, axis=axis, correction=correction, keepdims=keepdims))


def logsumexp(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,
              dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, stable for large inputs."""
    axis, keepdims = _torch_names("logsumexp", axis, keepdims, dim, keepdim)
    return unary(LOGSUMEXP, x, {"axis": axis, "keepdims": keepdims})


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype=None,
                   include_initial: bool = False) -> Tensor:
    """Cumulative sum along ``axis`` (required for tensors of more than one dimension)."""
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"cumulative_sum: axis is required for a {x.ndim}-d tensor")
        axis = 0
    if dtype is not None:
        x = x.astype(dtype)
    axis = normalize_axis(axis, x.ndim)[0]
    return unary(CUMULATIVE_SUM, x, {"axis": axis, "include_initial": include_initial})


def argmax(x: Tensor, /, axis: int | None = None, *, keepdims: bool = False,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the maximum along ``axis`` (flattened when None). Not differentiable."""
    axis, keepdims = _torch_names("argmax", axis, keepdims, dim, keepdim)
    return _reduce(ARGMAX, x, axis, keepdims)


def argmin(x: Tensor, /, axis: int | None = None, *, keepdims: bool = False,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the minimum along ``axis`` (flattened when None). Not differentiable."""
    axis, keepdims = _torch_names("argmin", axis, keepdims, dim, keepdim)
    return _reduce(ARGMIN, x, axis, keepdims)


def argsort(x: Tensor, /, *, axis: int = -1, descending: bool = False,
            stable: bool = True) -> Tensor:
    """Indices that sort ``x`` along ``axis``. Not differentiable."""
    if descending and x.dtype.kind not in "if":
        raise TypeError(f"argsort(descending=True) needs a signed or floating dtype, not "
                        f"{x.dtype.name}")
    return unary(ARGSORT, x, {"axis": axis, "descending": descending, "stable": stable})


def all(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Whether all elements along ``axis`` are true."""
    axis, keepdims = _torch_names("all", axis, keepdims, dim, keepdim)
    return _reduce(ALL, x, axis, keepdims)


def any(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Whether any element along ``axis`` is true."""
    axis, keepdims = _torch_names("any", axis, keepdims, dim, keepdim)
    return _reduce(ANY, x, axis, keepdims)

