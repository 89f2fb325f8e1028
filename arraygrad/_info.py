"""Array-API namespace helpers: ``finfo``, ``iinfo``, ``result_type``, ``can_cast``,
``__array_namespace_info__`` and constants."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from arraygrad import _dtypes
from arraygrad.backend_registry import current_backend, default_complex, default_float
from arraygrad.tensor import Tensor

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None


def _dtype_of(x: Any) -> _dtypes.DType:
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, _dtypes.DType):
        return x
    if isinstance(x, str):
        return _dtypes.dtype_from_name(x)
    return _dtypes.dtype_from_name(getattr(x, "name", str(x)))


class finfo_object(NamedTuple):
    """Machine limits of a floating dtype (what :func:`finfo` returns)."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: _dtypes.DType


class iinfo_object(NamedTuple):
    """Machine limits of an integer dtype (what :func:`iinfo` returns)."""

    bits: int
    max: int
    min: int
    dtype: _dtypes.DType


def _native_of(be: Any, x: Any) -> Any:
    if hasattr(x, "_data") and hasattr(x, "_backend"):
        return x._data.dtype
    return be.native_dtype(_dtype_of(x))


def finfo(type: Any, /) -> finfo_object:  # noqa: A002 - the standard's name
    """Machine limits of a floating dtype (or tensor): Python floats and an ``ag`` dtype.

    For a complex dtype the limits are those of its real components (as the standard).
    """
    be = current_backend()
    native = _native_of(be, type)
    dtype = be.dtype_of[native]
    if dtype.kind != "f" and dtype.kind != "c":
        raise TypeError(f"finfo: {dtype.name} is not a floating dtype; use iinfo for "
                        f"integers")
    info = be.xp.finfo(native)
    # A complex dtype's limits (and dtype) are those of its real components.
    dtype = be.dtype_of.get(getattr(info, "dtype", None), dtype)
    return finfo_object(int(info.bits), float(info.eps), float(info.max), float(info.min),
                        float(info.smallest_normal), dtype)


def iinfo(type: Any, /) -> iinfo_object:  # noqa: A002 - the standard's name
    """Machine limits of an integer dtype (or tensor): Python ints and an ``ag`` dtype."""
    be = current_backend()
    native = _native_of(be, type)
    dtype = be.dtype_of[native]
    if dtype.kind not in "iu":
        raise TypeError(f"iinfo: {dtype.name} is not an integer dtype; use finfo for "
                        f"floating dtypes")
    info = be.xp.iinfo(native)
    return iinfo_object(int(info.bits), int(info.max), int(info.min), dtype)


def result_type(*arrays_and_dtypes: Any) -> _dtypes.DType:
    """The dtype that the standard's promotion rules give for the arguments."""
    be = next((a._backend for a in arrays_and_dtypes if isinstance(a, Tensor)),
              current_backend())
    natives = [a._data if isinstance(a, Tensor) else
               (a if isinstance(a, (int, float, complex, bool)) else
                be.native_dtype(_dtype_of(a))) for a in arrays_and_dtypes]
    return be.dtype_of[be.xp.result_type(*natives)]


def can_cast(from_: Any, to: Any, /) -> bool:
    """Whether ``from_`` can be cast to ``to`` under the standard's rules."""
    be = current_backend()
    src = from_._data.dtype if hasattr(from_, "_data") else be.native_dtype(_dtype_of(from_))
    return bool(be.xp.can_cast(src, be.native_dtype(_dtype_of(to))))


# The standard's dtypes (float16, which some backends have, is not one).
_STANDARD_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                    "uint64", "float32", "float64", "complex64", "complex128")


class _NamespaceInfo:
    """What ``ag.__array_namespace_info__()`` returns (for the current backend)."""

    def capabilities(self) -> dict[str, Any]:
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": None}

    def default_device(self) -> str:
        return current_backend().default_device

    def devices(self) -> list[str]:
        return list(current_backend().devices)

    def default_dtypes(self, *, device: Any = None) -> dict[str, _dtypes.DType]:
        be = current_backend()
        return {"real floating": default_float(be), "complex floating": default_complex(be),
                "integral": _dtypes.int64, "indexing": _dtypes.int64}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, _dtypes.DType]:
        be = current_backend()
        return {d.name: d for d in be.native_dtypes
                if d.name in _STANDARD_DTYPES and (kind is None or _dtypes.isdtype(d, kind))}


def __array_namespace_info__() -> _NamespaceInfo:
    """Inspection API of the Array-API standard."""
    return _NamespaceInfo()
