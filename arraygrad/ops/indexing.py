"""Indexing: ``__getitem__``, ``take``, ``scatter_add`` and functional ``__setitem__``.

Gradients of indexing scatter-add into zeros through the backend's ``scatter_add`` (the
standard has none), so repeated integer indices accumulate.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtypes
from arraygrad.backend_registry import BackendError
from arraygrad.creation import asarray
from arraygrad.ops._arrays import is_array, is_batched, physical
from arraygrad.ops._axes import normalize_axis
from arraygrad.ops.registry import apply, defop, unary
from arraygrad.tensor import Tensor

_FULL = slice(None)


def _getitem_vjp(xp, g, ans, x, key):
    return xp.scatter_add(xp.zeros_like(x), key, g)


# Basic indexing (ints, slices, None, ...) makes a view, as in PyTorch; indexing with
# arrays (boolean masks, several integer arrays) makes a copy: the ``index`` op.
GETITEM = defop("getitem", lambda xp, x, key: x[key], (_getitem_vjp,), checks_inputs=False,
                view=True)
INDEX = defop("index", lambda xp, x, key: x[key], (_getitem_vjp,), checks_inputs=False)
TAKE = defop("take", lambda xp, x, indices, axis: xp.take(x, indices, axis=axis),
             (lambda xp, g, ans, x, indices, axis: xp.scatter_add(
                 xp.zeros_like(x), (_FULL,) * axis + (indices,), g),),
             checks_inputs=False)
SCATTER_ADD = defop(
    "scatter_add",
    lambda xp, target, values, key: xp.scatter_add(xp.asarray(target, copy=True), key, values),
    (lambda xp, g, ans, target, values, key: g,
     lambda xp, g, ans, target, values, key: _gather(xp, g, key)),
    checks_inputs=False)


def _gather(xp, x, key):
    """``x[key]`` for a raw array or a Tensor, through ``take`` when ``key`` is one integer
    array on one axis (the only integer-array form every Array-API library supports)."""
    if not isinstance(x, Tensor):
        axis = _single_array_axis(
            lambda k: hasattr(k, "dtype") and xp.isdtype(k.dtype, "integral"), key, x.ndim)
        if axis is not None:
            return xp.take(x, key[axis], axis=axis)
    return x[key]


def _put_mask(xp, x, key):
    # Counted in int32 whatever x's dtype (bool and complex have no order, and JAX's
    # scatter-add refuses bool).
    gathered = _gather(xp, x, key)
    ones = xp.ones_like(gathered, dtype=xp.int32)
    return xp.scatter_add(xp.zeros_like(x, dtype=xp.int32), key, ones) > 0


def _index_put_forward(xp, x, values, key):
    selected = tuple(_gather(xp, x, key).shape)
    if isinstance(values, (int, float, bool, complex)):
        values = xp.full(selected, values, dtype=x.dtype)
    values = xp.broadcast_to(xp.astype(values, x.dtype), selected)
    if xp.isdtype(x.dtype, "bool"):  # scatter in int8, then back to bool
        placed = xp.scatter_add(xp.zeros_like(x, dtype=xp.int8), key,
                                xp.astype(values, xp.int8)) != 0
    else:
        placed = xp.scatter_add(xp.zeros_like(x), key, values)
    return xp.where(_put_mask(xp, x, key), placed, x)


# Functional x[key] = values (for immutable backends and for recorded in-place writes).
# With repeated indices in ``key`` the written values are summed (NumPy keeps the last).
INDEX_PUT = defop(
    "index_put", _index_put_forward,
    (lambda xp, g, ans, x, values, key: xp.where(_put_mask(xp, x, key), xp.zeros_like(g), g),
     lambda xp, g, ans, x, values, key: _gather(xp, g, key)),
    checks_inputs=False)


def _is_int_array(backend, k) -> bool:
    dtype = backend.dtype_of.get(getattr(k, "dtype", None))
    return dtype is not None and dtype.kind in "iu"


def normalize_key(x: Tensor, key: Any) -> tuple:
    """An indexing key with Tensors and lists replaced by native arrays of ``x``'s backend."""
    backend = x.backend
    parts = key if isinstance(key, tuple) else (key,)
    out: list[Any] = []  # None, Ellipsis, ints, slices and native index arrays
    for k in parts:
        if k is None or k is Ellipsis or isinstance(k, (int, slice)):
            out.append(k)
        elif isinstance(k, Tensor):
            if k.ndim == 0 and k.dtype.kind in "iu":
                out.append(int(k.item()))  # x[t.argmax()]: a 0-d index is an int (as PyTorch)
                continue
            if k._backend is not backend:
                raise BackendError(
                    f"getitem: index tensor is on backend {k._backend.name!r} but the indexed "
                    f"tensor is on {backend.name!r}"
                )
            out.append(k._data)
        elif is_batched(k):
            raise TypeError(
                "getitem: an index tensor batched by ag.func.vmap cannot be part of a "
                "multi-entry key here; index with it alone (x[idx]) or use take_along_axis")
        elif isinstance(k, range):  # x[range(n), y], as in PyTorch
            out.append(backend.from_object(list(k), device=x.device))
        elif isinstance(k, (list, tuple)) or hasattr(k, "shape"):
            out.append(backend.from_object(k, device=x.device))
        else:
            raise TypeError(
                f"getitem: unsupported index {k!r} of type {type(k).__name__}; use ints, "
                f"slices, None, ..., boolean masks or integer arrays"
            )
    if not any(k is Ellipsis for k in parts):
        # NumPy/PyTorch index the leading axes; the standard wants the rest said explicitly,
        # except for a boolean mask that is the sole index (the standard allows no other
        # entry beside it).
        used = 0
        masks = 0
        for k in out:
            if k is None:
                continue
            is_mask = backend.dtype_of.get(getattr(k, "dtype", None)) is _dtypes.bool
            masks += is_mask
            used += k.ndim if is_mask else 1
        if used < x.ndim and not (masks == 1 and len(out) == 1):
            out.append(Ellipsis)
    return tuple(out)


def _single_array_axis(is_int_array, key: tuple, ndim: int) -> int | None:
    """Axis of the only index array in ``key`` if every other entry is ``:`` (else None)."""
    entries = list(key)
    if entries and entries[-1] is Ellipsis:
        entries.pop()
    if len(entries) > ndim:
        return None
    axis = None
    for i, k in enumerate(entries):
        if isinstance(k, slice) and k == _FULL:
            continue
        if axis is None and is_int_array(k) and getattr(k, "ndim", 0) == 1:
            axis = i
            continue
        return None
    return axis


def _out_of_bounds(index: Any, axis: int, size: int) -> IndexError:
    return IndexError(f"getitem: index {index} is out of bounds for axis {axis} with size "
                      f"{size} (valid: {-size} to {size - 1})")


def check_bounds(x: Tensor, key: tuple) -> None:
    """Raise IndexError for an int or integer-array entry of ``key`` outside its axis.

    Every backend gets the same check: JAX would clamp (or fill with NaN) silently.
    """
    backend = x.backend
    shape = x.shape
    ndim = len(shape)
    consumed = _consumed_axes(key, backend)
    axis = 0
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            axis += ndim - consumed
            continue
        if isinstance(k, slice):
            axis += 1
            continue
        if isinstance(k, int):
            if axis < ndim and not -shape[axis] <= k < shape[axis]:
                raise _out_of_bounds(k, axis, shape[axis])
            axis += 1
            continue
        dtype = backend.dtype_of.get(getattr(k, "dtype", None))
        if dtype is _dtypes.bool:
            axis += k.ndim
            continue
        if dtype is not None and dtype.kind in "iu" and axis < ndim and 0 not in k.shape:
            xp = backend.xp
            n = shape[axis]
            # one yes/no read (the range only for the message): it stays the same from
            # batch to batch, so a compiled step's value check holds
            if not bool(xp.all((k >= -n) & (k < n))):
                lo, hi = int(xp.min(k)), int(xp.max(k))
                raise _out_of_bounds(lo if lo < -n else hi, axis, n)
        axis += 1



def _in_range_slice(k: slice, n: int) -> slice:
    """``k`` with Python's clamping applied (PyTorch and NumPy clamp out-of-range slice
    bounds; the standard leaves them unspecified and array_api_strict refuses them): the
    same elements, bounds within ``[0, n)`` or None. Unchanged when already in range."""
    if all(b is None or -n <= b < n for b in (k.start, k.stop)):
        return k
    r = range(*k.indices(n))
    if not r:
        return slice(0, 0, 1)
    step = r.step
    stop: int | None = r[-1] + 1 if step > 0 else r[-1] - 1
    if stop is not None and (stop >= n or stop < 0):
        stop = None
    return slice(r[0], stop, step)


def _consumed_axes(key: tuple, backend: Any) -> int:
    """How many axes of the indexed tensor the entries of ``key`` take (a boolean mask one
    per dimension of its own, ``None`` and ``...`` none)."""
    consumed = 0
    for k in key:
        if k is None or k is Ellipsis:
            continue
        dtype = backend.dtype_of.get(getattr(k, "dtype", None))
        consumed += k.ndim if dtype is _dtypes.bool else 1
    return consumed


def _clamp_slices(shape: tuple, key: tuple, backend: Any) -> tuple:
    """Every slice of ``key`` in range for its axis (see :func:`_in_range_slice`)."""
    ndim = len(shape)
    consumed = _consumed_axes(key, backend)
    out, axis, changed = [], 0, False
    for k in key:
        if k is Ellipsis:
            axis += ndim - consumed
        elif isinstance(k, slice):
            if axis < ndim:
                fixed = _in_range_slice(k, shape[axis])
                changed = changed or fixed is not k
                k = fixed
            axis += 1
        elif k is not None:
            dtype = backend.dtype_of.get(getattr(k, "dtype", None))
            axis += k.ndim if dtype is _dtypes.bool else 1
        out.append(k)
    return tuple(out) if changed else key

def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` with ints, slices, None, ``...``, boolean masks and integer arrays.

    Out-of-range ints and integer-array entries raise IndexError on every backend.
    """
    if isinstance(key, (int, slice)) and not isinstance(key, bool) and x.ndim == 1:
        if isinstance(key, int) and not -x.shape[0] <= key < x.shape[0]:
            raise _out_of_bounds(key, 0, x.shape[0])
        if isinstance(key, slice):
            key = _in_range_slice(key, x.shape[0])
        return unary(GETITEM, x, {"key": key})
    key = normalize_key(x, key)
    check_bounds(x, key)
    key = _clamp_slices(x.shape, key, x.backend)
    axis = _single_array_axis(lambda k: _is_int_array(x.backend, k), key, x.ndim)
    if axis is not None:  # lower to take: the one form every Array-API library supports
        return unary(TAKE, x, {"indices": key[axis], "axis": axis})
    if any(hasattr(k, "shape") for k in key):
        return unary(INDEX, x, {"key": key})
    return unary(GETITEM, x, {"key": key})


def take(x: Tensor, indices: Any, /, *, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at integer ``indices`` along ``axis`` (flattened when None)."""
    if axis is None:
        if x.ndim != 1:
            x = x.reshape((-1,))
        axis = 0
    axis = normalize_axis("take", axis, x.ndim)
    if is_batched(indices):  # one index vector per example (inside vmap): a gather
        return _take_batched(x, indices, axis)
    idx = normalize_key(x, indices)[0]
    check_bounds(x, (slice(None),) * axis + (idx,))
    return unary(TAKE, x, {"indices": idx, "axis": axis})


def _take_batched(x: Any, indices: Any, axis: int) -> Any:
    """``take`` with batched 1-D ``indices``: ``take_along_axis`` with the indices spread
    over the other axes (``take_along_axis`` has a batching rule). The shape ops are
    reached as methods: ``ops.shape`` sits above this module."""
    if indices.ndim != 1 or indices.dtype.kind not in "iu":
        raise TypeError(f"take: indices must be a 1-D integer tensor, got "
                        f"{indices.dtype.name} of shape {indices.shape}")
    view = [1] * x.ndim
    view[axis] = indices.shape[0]
    target = list(x.shape)
    target[axis] = indices.shape[0]
    spread = indices.reshape(tuple(view)).broadcast_to(tuple(target))
    return take_along_axis(x, spread, axis=axis)


def _flat_positions(xp, shape, indices, axis):
    """Flat positions in an array of ``shape`` of ``take_along_axis`` ``indices``."""
    n = shape[axis]
    indices = xp.where(indices < 0, indices + n, indices)
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    flat = indices * strides[axis]
    for d in range(len(shape)):
        if d == axis:
            continue
        ar = xp.arange(indices.shape[d], dtype=indices.dtype)
        view = [1] * len(shape)
        view[d] = indices.shape[d]
        flat = flat + xp.reshape(ar, tuple(view)) * strides[d]
    return xp.reshape(flat, (-1,))


def _take_along_vjp(xp, g, ans, x, indices, axis=-1):
    # Scatter-add the gradient back through flat positions (one 1-D integer index: the
    # form every backend's scatter_add supports); repeated indices accumulate.
    shape = tuple(g.shape[:axis]) + (x.shape[axis],) + tuple(g.shape[axis + 1:])
    size = 1
    for n in shape:
        size *= n
    flat = _flat_positions(xp, shape, xp.broadcast_to(indices, tuple(g.shape)), axis)
    zeros = xp.zeros_like(xp.reshape(xp.broadcast_to(x, shape), (size,)))
    return xp.reshape(xp.scatter_add(zeros, (flat,), xp.reshape(g, (-1,))), shape)


TAKE_ALONG_AXIS = defop("take_along_axis",
                        lambda xp, x, indices, axis=-1: xp.take_along_axis(x, indices,
                                                                           axis=axis),
                        (_take_along_vjp, None), checks_inputs=False)


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (indices of the same rank as ``x``,
    broadcast against it on the other axes); differentiable in ``x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([[3.0, 1.0], [2.0, 5.0]])
    >>> ag.take_along_axis(x, ag.argsort(x, axis=1), axis=1).tolist()
    [[1.0, 3.0], [2.0, 5.0]]
    """
    if not is_array(indices):
        indices = asarray(indices, backend=x.backend, device=x.device)
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices must have the rank of x ({x.ndim}); got "
                         f"shape {indices.shape} for x of shape {x.shape}")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers, got "
                        f"{indices.dtype.name}")
    axis = normalize_axis("take_along_axis", axis, x.ndim)
    if math.prod(indices.shape):
        xp = x.backend.xp
        raw = physical(indices).array  # every example's indices are checked
        n = x.shape[axis]
        if not bool(xp.all((raw >= -n) & (raw < n))):  # one yes/no read, as above
            lo, hi = int(xp.min(raw)), int(xp.max(raw))
            raise _out_of_bounds(lo if lo < -n else hi, axis, n)
    return apply(TAKE_ALONG_AXIS, (x, indices), {"axis": axis})


def scatter_add(target: Tensor, key: Any, values: Tensor | float) -> Tensor:
    """A copy of ``target`` with ``values`` added at ``target[key]`` (repeats accumulate).

    Differentiable in ``target`` and ``values``; the standard has no scatter, so this is
    arraygrad's own (backends provide the kernel).
    """
    return apply(SCATTER_ADD, (target, values), {"key": normalize_key(target, key)})


def index_put(x: Tensor, key: Any, values: Tensor | float) -> Tensor:
    """A copy of ``x`` with ``x[key] = values`` (differentiable in both)."""
    return apply(INDEX_PUT, (x, values), {"key": normalize_key(x, key)})
