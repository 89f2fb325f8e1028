"""Reductions: sum, mean, prod, var, std, max, min, logsumexp, cumulative_sum, argmax, ..."""

from __future__ import annotations

from typing import Any, NamedTuple

from arraygrad import _dtypes
from arraygrad.creation import asarray
from arraygrad.ops._axes import axis_alias, normalize_axes, normalize_axis
from arraygrad.ops.indexing import take_along_axis
from arraygrad.ops.registry import apply, axis_check, defop, unary
from arraygrad.tensor import Tensor

Axis = Any  # int, tuple of ints, or None


def kept_shape(shape: tuple[int, ...], axis: Axis) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the keepdims shape)."""
    axes = normalize_axes("reduction", axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand(xp, g, x, axis, keepdims):
    # Bring a reduced gradient back to keepdims shape so it broadcasts against x.
    return g if keepdims else xp.reshape(g, kept_shape(tuple(x.shape), axis))


def _count(shape, axis) -> int:
    n = 1
    for a in normalize_axes("reduction", axis, len(shape)):
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


def _move_last(xp, x, axes):
    """``x`` with ``axes`` moved to the end and merged into one (and how to undo it)."""
    rest = [i for i in range(x.ndim) if i not in axes]
    order = tuple(rest) + tuple(axes)
    moved = xp.permute_dims(x, order)
    k = 1
    for a in axes:
        k *= x.shape[a]
    merged = xp.reshape(moved, tuple(moved.shape[:len(rest)]) + (k,))

    def undo(y):
        y = xp.reshape(y, tuple(moved.shape))
        inverse = [0] * len(order)
        for i, a in enumerate(order):
            inverse[a] = i
        return xp.permute_dims(y, tuple(inverse))

    return merged, undo


def _exclusive_cumprod(xp, x):
    # Products of the elements strictly before each one along the last axis.
    return xp.cumulative_prod(x, axis=-1, include_initial=True)[..., :-1]


def _prod_vjp(xp, g, ans, x, axis=None, keepdims=False):
    # The gradient of one element is the product of the others in its slice, computed
    # without division as (product of those before) * (product of those after): right
    # with zeros in the slice, and differentiable again (second derivatives with two
    # zeros are the product of the rest, as PyTorch).
    axes = normalize_axes("prod", axis, x.ndim)
    g = _expand(xp, g, x, axis, keepdims)
    if not axes:
        return g * xp.ones_like(x)
    merged, undo = _move_last(xp, x, axes)
    before = _exclusive_cumprod(xp, merged)
    after = xp.flip(_exclusive_cumprod(xp, xp.flip(merged, axis=-1)), axis=-1)
    return g * undo(before * after)


PROD = defop("prod", lambda xp, x, axis=None, keepdims=False: xp.prod(x, axis=axis,
                                                                    keepdims=keepdims),
             (_prod_vjp,))


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


def _var_vjp(xp, g, ans, x, axis=None, correction=0.0, keepdims=False):
    g = _expand(xp, g, x, axis, keepdims)
    centered = x - xp.mean(x, axis=axis, keepdims=True)
    return g * centered * (2.0 / (_count(tuple(x.shape), axis) - correction))


def _std_vjp(xp, g, ans, x, axis=None, correction=0.0, keepdims=False):
    # Where the standard deviation is 0 the gradient is 0 (PyTorch's choice), not nan.
    g = _expand(xp, g, x, axis, keepdims)
    s = _expand(xp, ans, x, axis, keepdims)
    centered = x - xp.mean(x, axis=axis, keepdims=True)
    zero = s == 0
    safe = xp.where(zero, xp.ones_like(s), s)
    scaled = g * centered / (safe * (_count(tuple(x.shape), axis) - correction))
    return xp.where(zero, xp.zeros_like(scaled), scaled)


VAR = defop("var", lambda xp, x, axis=None, correction=0.0, keepdims=False: xp.var(
    x, axis=axis, correction=correction, keepdims=keepdims), (_var_vjp,))
STD = defop("std", lambda xp, x, axis=None, correction=0.0, keepdims=False: xp.std(
    x, axis=axis, correction=correction, keepdims=keepdims), (_std_vjp,), uses_ans=True)


def _reduced_shape(shape, axis, keepdims):
    axes = normalize_axes("reduction", axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _logsumexp_forward(xp, x, axis=None, keepdims=False):
    if _count(tuple(x.shape), axis) == 0:  # the empty sum: log 0 = -inf (as PyTorch)
        return xp.full(_reduced_shape(tuple(x.shape), axis, keepdims), -float("inf"),
                       dtype=x.dtype)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # all -inf slices stay -inf, not nan
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.reshape(out, _reduced_shape(tuple(x.shape), axis, False))


LOGSUMEXP = defop("logsumexp", _logsumexp_forward,
                  (lambda xp, g, ans, x, axis=None, keepdims=False: _expand(
                      xp, g, x, axis, keepdims) * xp.exp(x - _expand(xp, ans, x, axis,
                                                                     keepdims)),),
                  uses_ans=True)


def _initial_dropped(g, axis, include_initial):
    # out[0] is the empty sum/product: it does not depend on x.
    return g[(slice(None),) * axis + (slice(1, None), Ellipsis)] if include_initial else g


def _cumsum_vjp(xp, g, ans, x, axis=0, include_initial=False):
    if x.ndim == 0:
        return g
    g = _initial_dropped(g, axis, include_initial)
    return xp.flip(xp.cumulative_sum(xp.flip(g, axis=axis), axis=axis), axis=axis)


def _cumprod_vjp(xp, g, ans, x, axis=0, include_initial=False):
    # d out[j] / d x[i] = prod(x[k] for k <= j, k != i) for j >= i: one cumulative product
    # per i with x[i] replaced by 1 (quadratic in the axis length, right with zeros, and
    # differentiable again).
    if x.ndim == 0:
        return g
    g = _initial_dropped(g, axis, include_initial)
    n = x.shape[axis]
    xm = xp.moveaxis(x, axis, -1)
    gm = xp.moveaxis(g, axis, -1)
    idx = xp.arange(n)
    eye = xp.reshape(idx, (n, 1)) == xp.reshape(idx, (1, n))  # [i, k]
    rows = xp.expand_dims(xm, axis=-2) * xp.ones_like(xp.expand_dims(xm, axis=-1))
    rows = xp.where(eye, xp.ones_like(rows), rows)  # [..., i, k]: x with x[i] -> 1
    partial = xp.cumulative_prod(rows, axis=-1)  # [..., i, j]
    later = xp.reshape(idx, (1, n)) >= xp.reshape(idx, (n, 1))  # j >= i
    terms = xp.where(later, partial * xp.expand_dims(gm, axis=-2), xp.zeros_like(partial))
    return xp.moveaxis(xp.sum(terms, axis=-1), -1, axis)


def _cumulative_forward(name):
    def forward(xp, x, axis=0, include_initial=False):
        if x.ndim == 0:  # PyTorch: the cumulative sum/product of a 0-d tensor is itself
            return getattr(xp, name)(xp.reshape(x, (1,)), axis=0)[0]
        return getattr(xp, name)(x, axis=axis, include_initial=include_initial)

    return forward


CUMULATIVE_SUM = defop("cumulative_sum", _cumulative_forward("cumulative_sum"),
                       (_cumsum_vjp,), checks_inputs=False)
CUMULATIVE_PROD = defop("cumulative_prod", _cumulative_forward("cumulative_prod"),
                        (_cumprod_vjp,))
ARGMAX = defop("argmax", lambda xp, x, axis=None, keepdims=False: xp.argmax(
    x, axis=axis, keepdims=keepdims), None)
ARGMIN = defop("argmin", lambda xp, x, axis=None, keepdims=False: xp.argmin(
    x, axis=axis, keepdims=keepdims), None)


def _argsort_forward(xp, x, axis=-1, descending=False, stable=True):
    if not descending:
        return xp.argsort(x, axis=axis, stable=stable)
    # Descending and stable: ascending order of the flipped axis, mapped back, then
    # reversed (equal elements keep their original order). Works for every dtype.
    n = x.shape[axis]
    flipped = xp.argsort(xp.flip(x, axis=axis), axis=axis, stable=stable)
    return xp.flip((n - 1) - flipped, axis=axis)


ARGSORT = defop("argsort", _argsort_forward, None)
ALL = defop("all", lambda xp, x, axis=None, keepdims=False: xp.all(x, axis=axis,
                                                                 keepdims=keepdims), None)
ANY = defop("any", lambda xp, x, axis=None, keepdims=False: xp.any(x, axis=axis,
                                                                 keepdims=keepdims), None)


def _reduce(op, x: Tensor, axis: Axis, keepdims: bool, **params: Any) -> Tensor:
    """Apply reduction ``op`` over ``axis`` (checked by the one axis normaliser).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.ops.reductions import SUM, reduce
    >>> reduce(SUM, ag.ones((2, 3)), -1, False).tolist()
    [3.0, 3.0]
    """
    if axis is None and not keepdims and not params:
        return unary(op, x)
    if axis is not None:
        axis = normalize_axes(op.name, axis, x.ndim)
    return unary(op, x, {"axis": axis, "keepdims": keepdims, **params})


reduce = _reduce  # the one reduction helper (Tensor methods call it too)


def _accumulator(op: str, x: Tensor, dtype: Any) -> Tensor:
    """``x`` cast for a sum or product: ``dtype`` if given, else the standard's default
    (bool and integers of fewer bits to the default integer of their signedness)."""
    if dtype is not None:
        dtype = _dtypes.dtype_from_name(getattr(dtype, "name", str(dtype)))
    else:
        kind, bits = x.dtype.kind, x.dtype.bits
        dtype = x.dtype
        if kind == "b" or (kind == "i" and bits < 64):
            dtype = _dtypes.int64
        elif kind == "u" and bits < 64:
            dtype = _dtypes.uint64
    return x if x.dtype == dtype else x.astype(dtype)


def _as(out: Tensor, like: Tensor) -> Tensor:
    # Some backends widen small integers in sum/prod (NumPy); the requested dtype wins
    # (integer results wrap around the same way).
    return out if out.dtype == like.dtype else out.astype(like.dtype)


def sum(x: Tensor, /, axis: Axis = None, *, dtype=None, keepdims: bool = False,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Sum over ``axis`` (all axes by default); ``dim``/``keepdim`` as in PyTorch.

    Integer and boolean inputs are summed in the default integer dtype of their signedness
    (int64 or uint64) unless ``dtype`` says otherwise, as the standard requires.
    """
    axis, keepdims = axis_alias("sum", axis, dim, keepdims, keepdim)
    x = _accumulator("sum", x, dtype)
    return _as(_reduce(SUM, x, axis, keepdims), x)


def mean(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Arithmetic mean over ``axis``; ``dim``/``keepdim`` as in PyTorch.

    Integer and boolean tensors raise ``RuntimeError``, as in PyTorch (the standard asks
    for a floating-point input): cast first, ``x.float().mean()``."""
    axis, keepdims = axis_alias("mean", axis, dim, keepdims, keepdim)
    kind = getattr(getattr(x, "dtype", None), "kind", "f")
    if kind not in "fc":
        raise RuntimeError(f"mean: could not infer the output dtype: the input must be "
                           f"floating point or complex, got {x.dtype.name} (shape "
                           f"{tuple(x.shape)}); cast it first, e.g. x.float().mean()")
    return _reduce(MEAN, x, axis, keepdims)


def prod(x: Tensor, /, axis: Axis = None, *, dtype=None, keepdims: bool = False,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Product over ``axis`` (gradients right with zeros in the input, to any order).

    Integer and boolean inputs multiply in the default integer dtype of their signedness
    unless ``dtype`` says otherwise.
    """
    axis, keepdims = axis_alias("prod", axis, dim, keepdims, keepdim)
    x = _accumulator("prod", x, dtype)
    return _as(_reduce(PROD, x, axis, keepdims), x)


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
    return _reduce(VAR, x, axis, keepdims, correction=correction)


def std(x: Tensor, /, *, axis: Axis = None, correction: float = 0.0,
        keepdims: bool = False) -> Tensor:
    """Standard deviation over ``axis`` (see :func:`var` for ``correction``).

    Where the standard deviation is 0 the gradient is 0, as in PyTorch.
    """
    return _reduce(STD, x, axis, keepdims, correction=correction)


def logsumexp(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,
              dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, stable for large inputs (``-inf`` when empty)."""
    axis, keepdims = axis_alias("logsumexp", axis, dim, keepdims, keepdim)
    return _reduce(LOGSUMEXP, x, axis, keepdims)


def _cumulative(op, x: Tensor, axis: int | None, include_initial: bool) -> Tensor:
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{op.name}: axis is required for a {x.ndim}-d tensor of "
                             f"shape {x.shape}")
        axis = 0
    axis = normalize_axis(op.name, axis, x.ndim, scalar_ok=True)
    if x.ndim == 0 and include_initial:
        raise ValueError(f"{op.name}: include_initial needs at least one dimension "
                         f"(got a 0-d tensor)")
    return unary(op, x, {"axis": axis, "include_initial": include_initial})


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype=None,
                   include_initial: bool = False) -> Tensor:
    """Cumulative sum along ``axis`` (required for tensors of more than one dimension).

    Integer and boolean inputs accumulate in the default integer dtype of their
    signedness unless ``dtype`` says otherwise.
    """
    x = _accumulator("cumulative_sum", x, dtype)
    return _as(_cumulative(CUMULATIVE_SUM, x, axis, include_initial), x)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype=None,
                    include_initial: bool = False) -> Tensor:
    """Cumulative product along ``axis`` (differentiable, also with zeros in ``x``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.cumulative_prod(ag.tensor([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 6.0]
    """
    x = _accumulator("cumulative_prod", x, dtype)
    return _as(_cumulative(CUMULATIVE_PROD, x, axis, include_initial), x)


def _index_reduction(op, x: Tensor, axis: int | None, keepdims: bool) -> Tensor:
    if axis is not None:
        axis = normalize_axis(op.name, axis, x.ndim, scalar_ok=True)
        if x.ndim == 0:
            axis = None
    if x.size == 0:
        raise ValueError(f"{op.name}: the tensor of shape {x.shape} is empty")
    return unary(op, x, {"axis": axis, "keepdims": keepdims})


def argmax(x: Tensor, /, axis: int | None = None, *, keepdims: bool = False,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the maximum along ``axis`` (flattened when None). Not differentiable."""
    axis, keepdims = axis_alias("argmax", axis, dim, keepdims, keepdim)
    return _index_reduction(ARGMAX, x, axis, keepdims)


def argmin(x: Tensor, /, axis: int | None = None, *, keepdims: bool = False,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Index of the minimum along ``axis`` (flattened when None). Not differentiable."""
    axis, keepdims = axis_alias("argmin", axis, dim, keepdims, keepdim)
    return _index_reduction(ARGMIN, x, axis, keepdims)


def argsort(x: Tensor, /, *, axis: int = -1, descending: bool = False,
            stable: bool = True) -> Tensor:
    """Indices that sort ``x`` along ``axis`` (any real dtype, also descending).
    Not differentiable."""
    axis = normalize_axis("argsort", axis, x.ndim, scalar_ok=True)
    if x.ndim == 0:
        return unary(ARGSORT, x.reshape((1,)), {"axis": 0, "descending": descending,
                                                "stable": stable}).reshape(())
    return unary(ARGSORT, x, {"axis": axis, "descending": descending, "stable": stable})


def sort(x: Tensor, /, *, axis: int = -1, descending: bool = False,
         stable: bool = True) -> Tensor:
    """``x`` sorted along ``axis``; differentiable (the gradient goes back to where each
    element came from, as PyTorch's ``sort``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.sort(ag.tensor([3.0, 1.0, 2.0]), descending=True).tolist()
    [3.0, 2.0, 1.0]
    """
    axis = normalize_axis("sort", axis, x.ndim, scalar_ok=True)
    if x.ndim == 0:
        return x * 1 if x.dtype.kind != "b" else x.astype(x.dtype)
    order = argsort(x, axis=axis, descending=descending, stable=stable)
    return take_along_axis(x, order, axis=axis)


def all(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Whether all elements along ``axis`` are true."""
    axis, keepdims = axis_alias("all", axis, dim, keepdims, keepdim)
    return _reduce(ALL, x, axis, keepdims)


def any(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Whether any element along ``axis`` is true."""
    axis, keepdims = axis_alias("any", axis, dim, keepdims, keepdim)
    return _reduce(ANY, x, axis, keepdims)


def count_nonzero(x: Tensor, /, *, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Number of non-zero elements along ``axis`` (default integer dtype)."""
    return sum(x if x.dtype.kind == "b" else x != 0, axis=axis, keepdims=keepdims)


# ------------------------------------------------------------- searching and set functions
# Data-dependent shapes: computed eagerly on every backend (JAX included), never traced.
NONZERO = defop("nonzero", lambda xp, x: xp.stack(xp.nonzero(x)), None)
SEARCHSORTED = defop(
    "searchsorted",
    lambda xp, x1, x2, sorter=None, side="left": xp.searchsorted(x1, x2, side=side,
                                                                 sorter=sorter), None)
_UNIQUE_PARTS = ("values", "indices", "inverse_indices", "counts")
def _unique_forward(xp, x, part="values"):
    try:
        return getattr(xp.unique_all(x), part)
    except (NotImplementedError, AttributeError):
        pass
    # From unique_inverse / unique_counts (for namespaces without unique_all): the first
    # index of each value is the first position of its group in a stable sort of the
    # inverse indices.
    if part == "values":
        return xp.unique_counts(x).values
    if part == "counts":
        return xp.unique_counts(x).counts
    inverse = xp.unique_inverse(x).inverse_indices
    if part == "inverse_indices":
        return inverse
    counts = xp.unique_counts(x).counts
    order = xp.argsort(xp.reshape(inverse, (-1,)), stable=True)
    starts = xp.cumulative_sum(counts) - counts
    return xp.take(order, xp.astype(starts, order.dtype), axis=0)


UNIQUE = defop("unique", _unique_forward, None)
UNIQUE_VALUES = defop("unique_values", lambda xp, x: xp.unique_values(x), None)


def nonzero(x: Tensor, /) -> tuple[Tensor, ...]:
    """Indices of the non-zero elements, one integer tensor per axis (not for 0-d)."""
    if x.ndim == 0:
        raise ValueError("nonzero: a 0-d tensor has no axes to index; reshape it to (1,) "
                         "first")
    stacked = unary(NONZERO, x)
    return tuple(stacked[i] for i in range(x.ndim))


def searchsorted(x1: Tensor, x2: Tensor, /, *, side: str | None = None,
                 sorter: Tensor | None = None, right: bool | None = None,
                 out_int32: bool = False) -> Tensor:
    """Indices where ``x2``'s elements would be inserted into the sorted 1-D ``x1``.

    ``side`` is the standard's (``"left"`` by default); PyTorch's ``right=True`` means
    ``side="right"`` and ``out_int32=True`` gives int32 indices. ``x2`` may be a Python
    number (a 0-d result), as in PyTorch."""
    if right is not None and side is not None and (side == "right") != bool(right):
        raise RuntimeError(f"searchsorted: side and right can't be set to opposites, got "
                           f"side={side!r} while right={right}")
    if side is None:
        side = "right" if right else "left"
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', not {side!r}")
    if x1.ndim != 1:
        raise ValueError(f"searchsorted: x1 must be 1-D, got shape {x1.shape} (a batch of "
                         f"sorted rows is not supported)")
    if not isinstance(x2, Tensor) and not getattr(type(x2), "_ag_batched", False):
        x2 = _scalar_like(x2, x1)
    out = apply(SEARCHSORTED, (x1, x2, sorter), {"side": side})
    want = _dtypes.int32 if out_int32 else _dtypes.int64
    # The standard's default index dtype (JAX returns int32 even in x64 mode).
    return out if out.dtype == want else out.astype(want, copy=False)


def _scalar_like(value: Any, like: Tensor) -> Tensor:
    return asarray(value, dtype=like.dtype, backend=like.backend, device=like.device)


def _unique_parts(x: Tensor, parts: tuple[str, ...]) -> tuple[Tensor, ...]:
    return tuple(unary(UNIQUE, x, {"part": p}) for p in parts)


class UniqueAll(NamedTuple):
    """What :func:`unique_all` returns."""

    values: Tensor
    indices: Tensor
    inverse_indices: Tensor
    counts: Tensor


class UniqueCounts(NamedTuple):
    """What :func:`unique_counts` returns."""

    values: Tensor
    counts: Tensor


class UniqueInverse(NamedTuple):
    """What :func:`unique_inverse` returns."""

    values: Tensor
    inverse_indices: Tensor


def unique_all(x: Tensor, /) -> UniqueAll:
    """Unique values with first indices, inverse indices and counts (NaNs all distinct).
    Not differentiable."""
    return UniqueAll(*_unique_parts(x, _UNIQUE_PARTS))


def unique_counts(x: Tensor, /) -> UniqueCounts:
    """Unique values and how often each occurs. Not differentiable."""
    return UniqueCounts(*_unique_parts(x, ("values", "counts")))


def unique_inverse(x: Tensor, /) -> UniqueInverse:
    """Unique values and, for each element of ``x``, the index of its value."""
    return UniqueInverse(*_unique_parts(x, ("values", "inverse_indices")))


def unique_values(x: Tensor, /) -> Tensor:
    """The unique values of ``x``, sorted (NaNs all distinct). Not differentiable."""
    return unary(UNIQUE_VALUES, x)


# Reductions report an out-of-range axis as an IndexError on every backend.
for _op in (SUM, MEAN, PROD, MAX, MIN, VAR, STD, LOGSUMEXP, CUMULATIVE_SUM, CUMULATIVE_PROD,
            ARGMAX, ARGMIN, ARGSORT, ALL, ANY):
    _op.diagnose = axis_check
