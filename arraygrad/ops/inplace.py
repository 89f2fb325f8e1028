"""In-place tensor ops (``+=``, ``__setitem__``, ``zero_``, ...) with version counting.

Outside recording (``no_grad``, or nothing requires grad) a mutable backend changes the
array in place and an immutable one (JAX) rebinds the tensor to a new array. When the
operation must be recorded, the tensor is rebound to the recorded out-of-place result.
Either way the version counter goes up, so a backward that needs the old value raises
instead of returning a wrong gradient.
"""

from __future__ import annotations

import operator
from typing import Any

from arraygrad.grad_mode import STATE
from arraygrad.ops import elementwise as ew
from arraygrad.ops.indexing import INDEX_PUT, _is_int_array, normalize_key
from arraygrad.ops.registry import _mixed_backends, apply, binary, defop, op_error
from arraygrad.tensor import Tensor, _make


def _check_leaf(x: Tensor, name: str) -> None:
    if x.requires_grad and x._node is None and STATE.enabled:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad (shape {x.shape}, dtype {x.dtype.name}) "
            f"is being used in an in-place operation. Do it under ag.no_grad() (as optimizers "
            f"do) or work on a copy (x.clone())."
        )


def _snapshot(x: Tensor) -> Tensor:
    """A tensor standing for ``x``'s current value in the graph, with its own version."""
    old = _make(x._data, x._backend, x._node)
    old.requires_grad = x.requires_grad
    old._version = [x._version_number]
    return old


def _rebind(x: Tensor, result: Tensor, name: str) -> None:
    if result.shape != x.shape:
        raise ValueError(f"{name}: the result has shape {result.shape}, which cannot be "
                         f"written into a tensor of shape {x.shape}")
    if result.dtype is not x.dtype:
        result = result.astype(x.dtype)
    x._data = result._data
    x._node = result._node
    x.requires_grad = x.requires_grad or result.requires_grad


def _writable(data: Any) -> bool:
    flags = getattr(data, "flags", None)
    return flags is None or flags.writeable


def _operand(x: Tensor, other: Any, op) -> Any:
    if isinstance(other, Tensor):
        if other._backend is not x._backend:
            raise _mixed_backends(op, (x, other))
        data = other._data
        if data.dtype != x._data.dtype:
            data = x._backend.xp.astype(data, x._data.dtype)
        return data
    return other


def _check_fits(x: Tensor, other: Any, op, name: str) -> None:
    """Raise ValueError unless ``other`` broadcasts to ``x``'s own shape (before any write:
    backends word this differently, and a mutable one might write part of it)."""
    from arraygrad.ops.shape import broadcast_shapes

    try:
        fits = broadcast_shapes(x.shape, tuple(other.shape)) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name} ({op.name}): an operand of shape {tuple(other.shape)} cannot "
                         f"be written into a tensor of shape {x.shape} (dtype "
                         f"{x.dtype.name}, backend {x._backend.name!r})")


def inplace_binary(x: Tensor, other: Any, op, iop, name: str) -> Tensor:
    """``x <op>= other`` following the module rules."""
    _check_leaf(x, name)
    if STATE.enabled and (x.requires_grad or (isinstance(other, Tensor) and other.requires_grad)):
        _rebind(x, binary(op, _snapshot(x), other), name)
    else:
        data = x._data
        operand = _operand(x, other, op)
        shape = getattr(operand, "shape", None)
        if shape is not None and tuple(shape) != tuple(data.shape):
            _check_fits(x, other, op, name)
        try:
            if x._backend.mutable and _writable(data) and getattr(data, "ndim", 0) > 0:
                new = iop(data, operand)
            else:
                new = op.forward(x._backend.xp, data, operand)
                if new.dtype != data.dtype:
                    new = x._backend.xp.astype(new, data.dtype)
        except Exception as exc:
            raise op_error(op, (x, other), {}, exc) from exc
        x._data = new
    x._bump_version()
    return x


def _has_int_array(x: Tensor, key: tuple) -> bool:
    return any(getattr(k, "ndim", None) is not None and _is_int_array(x._backend, k)
               for k in key)


def _put(x: Tensor, key: tuple, value: Any) -> None:
    """Unrecorded ``x[key] = value`` through the functional ``index_put``; rebinds ``x``."""
    x._data = apply(INDEX_PUT, (_make(x._data, x._backend, None),
                                value.detach() if isinstance(value, Tensor) else value),
                    {"key": key})._data


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value``."""
    _check_leaf(x, "setitem")
    nkey = normalize_key(x, key)
    if STATE.enabled and (x.requires_grad or (isinstance(value, Tensor) and value.requires_grad)):
        _rebind(x, apply(INDEX_PUT, (_snapshot(x), value), {"key": nkey}), "setitem")
    elif x._backend.mutable and _writable(x._data) and getattr(x._data, "ndim", 0) > 0:
        try:
            x._data[nkey] = _operand(x, value, INDEX_PUT)
        except Exception as exc:
            if not _has_int_array(x, nkey):
                raise op_error(INDEX_PUT, (x, value), {"key": key}, exc) from exc
            # The library's __setitem__ refuses integer index arrays (the standard leaves
            # them out; array-api-strict does): write through the functional index_put.
            _put(x, nkey, value)
    else:
        _put(x, nkey, value)
    x._bump_version()


def fill_(x: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` in place."""
    _check_leaf(x, "fill_")
    xp = x._backend.xp
    if x.requires_grad and STATE.enabled and x._node is not None:
        x._node = None
        x.requires_grad = False
    if x._backend.mutable and _writable(x._data) and getattr(x._data, "ndim", 0) > 0:
        x._data[...] = value
    else:
        x._data = xp.full(tuple(x._data.shape), value, dtype=x._data.dtype,
                          device=x._backend.native_device(x.device))
    x._bump_version()
    return x


def zero_(x: Tensor) -> Tensor:
    """Set every element to zero in place."""
    return fill_(x, 0)


def copy_(x: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to ``x``'s shape) into ``x`` in place."""
    return inplace_binary(x, src, _COPY, _copy_into, "copy_")


def _copy_into(data, src):
    data[...] = src
    return data


_COPY = defop("copy", lambda xp, x, src: xp.broadcast_to(xp.asarray(src, dtype=x.dtype),
                                                           tuple(x.shape)) + xp.zeros_like(x),
              (None, lambda xp, g, ans, x, src: g), checks_inputs=False)

IADD = (ew.ADD, operator.iadd, "add_")
ISUB = (ew.SUBTRACT, operator.isub, "sub_")
IMUL = (ew.MULTIPLY, operator.imul, "mul_")
IDIV = (ew.DIVIDE, operator.itruediv, "div_")
IPOW = (ew.POW, operator.ipow, "pow_")
IFLOORDIV = (ew.FLOOR_DIVIDE, operator.ifloordiv, "floor_divide_")
IMOD = (ew.REMAINDER, operator.imod, "remainder_")
