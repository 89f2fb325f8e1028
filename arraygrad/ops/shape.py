"""Shape ops: reshape, permute_dims, expand_dims, squeeze, broadcast_to, concat, stack, flip,
matrix_transpose, transpose, astype, tril/triu, roll, moveaxis."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad import _dtypes
from arraygrad.ops._axes import axis_alias, normalize_axes, normalize_axis
from arraygrad.ops.indexing import take
from arraygrad.ops.registry import apply, defop, unary
from arraygrad.tensor import Tensor


def _inverse_permutation(axes: Sequence[int]) -> tuple[int, ...]:
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return tuple(inverse)


RESHAPE = defop("reshape", lambda xp, x, shape: xp.reshape(x, shape),
                (lambda xp, g, ans, x, shape: xp.reshape(g, tuple(x.shape)),),
                checks_inputs=False, view=True)
PERMUTE_DIMS = defop("permute_dims", lambda xp, x, axes: xp.permute_dims(x, axes),
                     (lambda xp, g, ans, x, axes: xp.permute_dims(
                         g, _inverse_permutation(axes)),),
                     checks_inputs=False, view=True)
MATRIX_TRANSPOSE = defop("matrix_transpose", lambda xp, x: xp.matrix_transpose(x),
                         (lambda xp, g, ans, x: xp.matrix_transpose(g),),
                         checks_inputs=False, view=True)
EXPAND_DIMS = defop("expand_dims", lambda xp, x, axis: xp.expand_dims(x, axis=axis),
                    (lambda xp, g, ans, x, axis: xp.reshape(g, tuple(x.shape)),),
                    checks_inputs=False, view=True)
SQUEEZE = defop("squeeze", lambda xp, x, axis: xp.squeeze(x, axis=axis),
                (lambda xp, g, ans, x, axis: xp.reshape(g, tuple(x.shape)),),
                checks_inputs=False, view=True)
# The engine sums a broadcast gradient back to the input's shape, so the rule is identity.
BROADCAST_TO = defop("broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape),
                     (lambda xp, g, ans, x, shape: g,), checks_inputs=False, view=True)
# flip copies, as in PyTorch (NumPy's flip is a view: copy, so writes to it stay apart).
FLIP = defop("flip", lambda xp, x, axis=None: xp.asarray(xp.flip(x, axis=axis), copy=True),
             (lambda xp, g, ans, x, axis=None: xp.flip(g, axis=axis),), checks_inputs=False)
ROLL = defop("roll", lambda xp, x, shift, axis=None: xp.roll(x, shift, axis=axis),
             (lambda xp, g, ans, x, shift, axis=None: xp.roll(
                 g, _negate(shift), axis=axis),), checks_inputs=False)
# The engine casts a gradient to its input's dtype, so the rule is identity.
ASTYPE = defop("astype", lambda xp, x, dtype, copy=True: xp.astype(x, dtype, copy=copy),
               (lambda xp, g, ans, x, dtype, copy=True: g,), checks_inputs=False)
TRIL = defop("tril", lambda xp, x, k=0: xp.tril(x, k=k),
             (lambda xp, g, ans, x, k=0: xp.tril(g, k=k),), checks_inputs=False)
TRIU = defop("triu", lambda xp, x, k=0: xp.triu(x, k=k),
             (lambda xp, g, ans, x, k=0: xp.triu(g, k=k),), checks_inputs=False)


def _negate(shift):
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


def _split_vjp(xp, g, ans, *xs, axis=0, argnum=0):
    start = 0
    for x in xs[:argnum]:
        start += x.shape[axis]
    stop = start + xs[argnum].shape[axis]
    return g[(slice(None),) * axis + (slice(start, stop), Ellipsis)]


CONCAT = defop("concat", lambda xp, *xs, axis=0: xp.concat(xs, axis=axis), _split_vjp,
               checks_inputs=False)
STACK = defop("stack", lambda xp, *xs, axis=0: xp.stack(xs, axis=axis),
              # Complete keys (trailing ...): the standard requires every axis be indexed.
              lambda xp, g, ans, *xs, axis=0, argnum=0: g[
                  (slice(None),) * axis + (argnum, Ellipsis)],
              checks_inputs=False)


def reshape(x: Tensor, /, shape: Sequence[int], *, copy: bool | None = None) -> Tensor:
    """Give ``x`` a new shape with the same number of elements (one entry may be -1)."""
    shape = tuple(int(s) for s in shape)
    if shape == x.shape:
        return x if copy is False else unary(RESHAPE, x, {"shape": shape})
    known = math.prod(s for s in shape if s != -1)
    size = math.prod(x.shape)
    if shape.count(-1) > 1 or any(s < -1 for s in shape) or (
            size != known if -1 not in shape else (known == 0 or size % known)):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} (size {size}) "
                         f"into shape {shape}")
    return unary(RESHAPE, x, {"shape": shape})


def permute_dims(x: Tensor, /, axes: Sequence[int]) -> Tensor:
    """Reorder the axes of ``x``."""
    given = tuple(axes)
    if len(given) != x.ndim:
        raise ValueError(f"permute_dims: axes {given} must name each of the {x.ndim} axes "
                         f"of a tensor of shape {x.shape} once")
    try:
        axes = normalize_axes("permute_dims", given, x.ndim, scalar_ok=False, sort=False)
    except ValueError:  # a repeated axis
        axes = given
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute_dims: axes {axes} are not a permutation of the "
                         f"{x.ndim} axes of a tensor of shape {x.shape}")
    return unary(PERMUTE_DIMS, x, {"axes": axes})


def matrix_transpose(x: Tensor, /) -> Tensor:
    """Swap the last two axes."""
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose needs at least 2 dimensions, got shape {x.shape}")
    return unary(MATRIX_TRANSPOSE, x)


def transpose(x: Tensor, dim0: int = -2, dim1: int = -1, /) -> Tensor:
    """Swap axes ``dim0`` and ``dim1`` (PyTorch's ``torch.transpose``; default: the last two).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.transpose(ag.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    if x.ndim < 2 and (dim0, dim1) == (-2, -1):
        raise ValueError(f"transpose needs at least 2 dimensions, got shape {x.shape}")
    axes = list(range(x.ndim))
    d0 = normalize_axis("transpose", dim0, x.ndim, scalar_ok=True)
    d1 = normalize_axis("transpose", dim1, x.ndim, scalar_ok=True)
    if x.ndim == 0:
        return x
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return permute_dims(x, axes)


def expand_dims(x: Tensor, /, axis: int = 0) -> Tensor:
    """Insert a size-1 axis at ``axis`` (``-x.ndim - 1 <= axis <= x.ndim``)."""
    axis = normalize_axis("expand_dims", axis, x.ndim + 1)
    return unary(EXPAND_DIMS, x, {"axis": axis})


def squeeze(x: Tensor, /, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Remove size-1 axes (``axis`` required by the standard; None removes all, as PyTorch)."""
    if axis is None:
        axis = tuple(i for i, n in enumerate(x.shape) if n == 1)
    axes = normalize_axes("squeeze", axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of a tensor of shape {x.shape} has size "
                             f"{x.shape[a]}, not 1")
    return unary(SQUEEZE, x, {"axis": axes})


def broadcast_to(x: Tensor, /, shape: Sequence[int]) -> Tensor:
    """Broadcast ``x`` to ``shape``; as in PyTorch's ``expand``, -1 keeps that axis's size."""
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
        lead = len(shape) - x.ndim
        if lead < 0 or any(s == -1 for s in shape[:lead]):
            raise ValueError(f"broadcast_to: -1 (keep the size) in {shape} must stand for an "
                             f"existing axis of the tensor of shape {x.shape}")
        shape = shape[:lead] + tuple(n if s == -1 else s for s, n in zip(shape[lead:], x.shape))
    return unary(BROADCAST_TO, x, {"shape": shape})


def broadcast_arrays(*arrays: Tensor) -> list[Tensor]:
    """Broadcast tensors against each other."""
    shape = broadcast_shapes(*(a.shape for a in arrays))
    return [broadcast_to(a, shape) for a in arrays]


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that the given shapes broadcast to, or a ValueError naming them."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(ndim):
        sizes = {s[len(s) - ndim + i] for s in shapes if len(s) - ndim + i >= 0}
        sizes.discard(1)
        if len(sizes) > 1:
            raise ValueError(f"shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be "
                             f"broadcast together")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def flip(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes by default)."""
    if axis is not None:
        axes = normalize_axes("flip", axis, x.ndim, sort=False)
        axis = axes if isinstance(axis, (tuple, list)) else (axes[0] if axes else None)
        if x.ndim == 0:
            axis = None
    return unary(FLIP, x, {"axis": axis})


def roll(x: Tensor, /, shift: int | tuple[int, ...], *,
         axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Roll elements along ``axis`` by ``shift`` positions."""
    if isinstance(shift, list):
        shift = tuple(shift)
    if axis is not None:
        axes = normalize_axes("roll", axis, x.ndim, sort=False)
        if isinstance(axis, (tuple, list)):
            if not isinstance(shift, tuple) or len(shift) != len(axes):
                raise ValueError(f"roll: shift {shift!r} must be a tuple with one entry per "
                                 f"axis in {axis!r}")
            axis = axes
        else:
            axis = axes[0] if axes else None
    return unary(ROLL, x, {"shift": shift, "axis": axis})


def moveaxis(x: Tensor, source: int | tuple[int, ...], destination: int | tuple[int, ...],
             /) -> Tensor:
    """Move axes ``source`` to positions ``destination`` (ints or tuples of equal length)."""
    src = normalize_axes("moveaxis", source, x.ndim, scalar_ok=False, sort=False)
    dst = normalize_axes("moveaxis", destination, x.ndim, scalar_ok=False, sort=False)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must "
                         f"name the same number of axes")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute_dims(x, order)


def concat(arrays: Sequence[Tensor], /, axis: int | None = 0, *,
           dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (flattened first when ``axis`` is None).

    ``dim`` is PyTorch's name for ``axis``, so ``ag.cat([a, b], dim=1)`` and
    ``ag.cat([a, b], 1)`` work as ``torch.cat`` does.
    """
    if dim is not None:
        axis, _ = axis_alias("concat", None if axis == 0 else axis, dim)
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("concat: expected at least one tensor")
    if axis is None:
        arrays = tuple(reshape(a, (-1,)) for a in arrays)
        axis = 0
    ndims = {a.ndim for a in arrays}
    if len(ndims) > 1:
        raise ValueError(f"concat: tensors must have the same number of dimensions; got "
                         f"shapes {', '.join(str(a.shape) for a in arrays)}")
    axis = normalize_axis("concat", axis, arrays[0].ndim)
    return apply(CONCAT, arrays, {"axis": axis})


def stack(arrays: Sequence[Tensor], /, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along a new axis (``dim`` is PyTorch's name for ``axis``)."""
    if dim is not None:
        axis, _ = axis_alias("stack", None if axis == 0 else axis, dim)
    arrays = tuple(arrays)
    if not arrays:
        raise ValueError("stack: expected at least one tensor")
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"stack: tensors must have the same shape; got "
                         f"{', '.join(str(a.shape) for a in arrays)}")
    axis = normalize_axis("stack", axis, arrays[0].ndim + 1)
    return apply(STACK, arrays, {"axis": axis})


def astype(x: Tensor, dtype: Any, /, *, copy: bool = True, device: str | None = None) -> Tensor:
    """Cast to ``dtype`` (an ``ag`` dtype or name). Gradients are cast back."""
    backend = x.backend
    native = backend.native_dtype(dtype)
    if device is not None and device != x.device:
        x = x.to(device=device)
    if native == backend.native_dtype(x.dtype) and not copy:
        return x
    if x.requires_grad and not _dtypes.is_differentiable(backend.dtype_of[native]):
        x = x.detach()  # an integer or bool result carries no gradient (as PyTorch)
    return unary(ASTYPE, x, {"dtype": native, "copy": copy})


def tril(x: Tensor, /, *, k: int = 0) -> Tensor:
    """Lower triangle of the last two axes (elements above diagonal ``k`` zeroed)."""
    return unary(TRIL, x, {"k": k})


def triu(x: Tensor, /, *, k: int = 0) -> Tensor:
    """Upper triangle of the last two axes (elements below diagonal ``k`` zeroed)."""
    return unary(TRIU, x, {"k": k})


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    """Split ``x`` along ``axis`` into a tuple of tensors (each a differentiable view)."""
    axis = normalize_axis("unstack", axis, x.ndim)
    lead = (slice(None),) * axis
    return tuple(x[lead + (i, ...)] for i in range(x.shape[axis]))


def tile(x: Tensor, repetitions: Sequence[int], /) -> Tensor:
    """Repeat the whole of ``x`` ``repetitions[i]`` times along axis ``i`` (NumPy's tile)."""
    reps = tuple(int(r) for r in repetitions)
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape_ = (1,) * (ndim - x.ndim) + x.shape
    # Interleave a new axis of size r before each axis, broadcast, then merge the pairs.
    pairs = tuple(s for n in shape_ for s in (1, n))
    expanded = broadcast_to(reshape(x, pairs), tuple(s for r, n in zip(reps, shape_)
                                                     for s in (r, n)))
    return reshape(expanded, tuple(r * n for r, n in zip(reps, shape_)))


REPEAT_INDICES = defop("repeat_indices", lambda xp, repeats: xp.repeat(
    xp.arange(repeats.shape[0], dtype=repeats.dtype), repeats), None)


def repeat(x: Tensor, repeats: int | Tensor, /, *, axis: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (the flattened tensor when None).

    ``repeats`` is an int or a 1-D integer tensor with one count per element along
    ``axis`` (a data-dependent shape, computed eagerly on every backend). Differentiable
    in ``x``.
    """
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    axis = normalize_axis("repeat", axis, x.ndim)
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu" or repeats.ndim > 1:
            raise TypeError(f"repeat: repeats must be an int or a 1-D integer tensor, got "
                            f"{repeats.dtype.name} of shape {repeats.shape}")
        n = x.shape[axis]
        if repeats.ndim == 0 or repeats.shape[0] == 1:
            repeats = int(repeats.reshape(()).item())
        else:
            if repeats.shape[0] != n:
                raise ValueError(f"repeat: repeats has {repeats.shape[0]} entries but axis "
                                 f"{axis} of the tensor of shape {x.shape} has {n}")
            if bool((repeats < 0).any()):
                raise ValueError("repeat: repeats must be non-negative")

            return take(x, unary(REPEAT_INDICES, repeats), axis=axis)
    if isinstance(repeats, bool) or not isinstance(repeats, int):
        raise TypeError(f"repeat: repeats must be an int or a 1-D integer tensor, got "
                        f"{type(repeats).__name__}")
    if repeats < 0:
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats}")
    expanded = broadcast_to(expand_dims(x, axis=axis + 1),
                            x.shape[:axis + 1] + (repeats,) + x.shape[axis + 1:])
    return reshape(expanded, x.shape[:axis] + (x.shape[axis] * repeats,) + x.shape[axis + 1:])


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors (``indexing`` "xy" or "ij", as the standard)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', not {indexing!r}")
    sizes = [a.shape[0] for a in arrays]
    if indexing == "xy" and len(arrays) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, a in enumerate(arrays):
        axis = i
        if indexing == "xy" and len(arrays) > 1 and i < 2:
            axis = 1 - i
        shape_ = [1] * len(arrays)
        shape_[axis] = a.shape[0]
        out.append(broadcast_to(reshape(a, tuple(shape_)), tuple(sizes)))
    return out


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th discrete difference along ``axis``: ``x[1:] - x[:-1]``, ``n`` times.

    ``prepend`` and ``append`` are joined to ``x`` along ``axis`` first (as NumPy).
    """
    if n < 0:
        raise ValueError(f"diff: n must be non-negative, got {n}")
    axis = normalize_axis("diff", axis, x.ndim)
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, x, append) if p is not None]
        x = concat(parts, axis=axis)
    lead = (slice(None),) * axis
    for _ in range(n):
        x = x[lead + (slice(1, None), ...)] - x[lead + (slice(None, -1), ...)]
    return x
