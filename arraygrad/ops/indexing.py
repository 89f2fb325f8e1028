"""Indexing: ``__getitem__``, ``take``, ``scatter_add`` and functional ``__setitem__``.

Gradients of indexing scatter-add into zeros through the backend's ``scatter_add`` (the
standard has none), so repeated integer indices accumulate.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtypes
from arraygrad.backend import BackendError
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
    ones = xp.ones(tuple(_gather(xp, x, key).shape), dtype=x.dtype)
    return xp.scatter_add(xp.zeros_like(x), key, ones) > 0


def _index_put_forward(xp, x, values, key):
    selected = tuple(_gather(xp, x, key).shape)
    if isinstance(values, (int, float, bool, complex)):
        values = xp.full(selected, values, dtype=x.dtype)
    values = xp.broadcast_to(xp.astype(values, x.dtype), selected)
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
    backend = x._backend
    parts = key if isinstance(key, tuple) else (key,)
    out = []
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


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` with ints, slices, None, ``...``, boolean masks and integer arrays."""
    if isinstance(key, (int, slice)) and not isinstance(key, bool) and x.ndim == 1:
        return unary(GETITEM, x, {"key": key})
    key = normalize_key(x, key)
    axis = _single_array_axis(lambda k: _is_int_array(x._backend, k), key, x.ndim)
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
    idx = normalize_key(x, indices)[0]
    return unary(TAKE, x, {"indices": idx, "axis": axis % x.ndim})


def scatter_add(target: Tensor, key: Any, values: Tensor | float) -> Tensor:
    """A copy of ``target`` with ``values`` added at ``target[key]`` (repeats accumulate).

    Differentiable in ``target`` and ``values``; the standard has no scatter, so this is
    arraygrad's own (backends provide the kernel).
    """
    return apply(SCATTER_ADD, (target, values), {"key": normalize_key(target, key)})


def index_put(x: Tensor, key: Any, values: Tensor | float) -> Tensor:
    """A copy of ``x`` with ``x[key] = values`` (differentiable in both)."""
    return apply(INDEX_PUT, (x, values), {"key": normalize_key(x, key)})
