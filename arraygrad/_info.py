"""Array-API namespace helpers: ``finfo``, ``iinfo``, ``result_type``, ``can_cast``,
``__array_namespace_info__`` and constants."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtypes
from arraygrad.backend import current_backend

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None


def _dtype_of(x: Any) -> _dtypes.DType:
    from arraygrad.tensor import Tensor

    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, _dtypes.DType):
        return x
    if isinstance(x, str):
        return _dtypes.dtype_from_name(x)
    return _dtypes.dtype_from_name(getattr(x, "name", str(x)))


def finfo(dtype: Any):
    """Machine limits of a floating dtype (the backend's ``finfo``)."""
    be = current_backend()
    return be.xp.finfo(be.native_dtype(_dtype_of(dtype)))


def iinfo(dtype: Any):
    """Machine limits of an integer dtype (the backend's ``iinfo``)."""
    be = current_backend()
    return be.xp.iinfo(be.native_dtype(_dtype_of(dtype)))


def result_type(*arrays_and_dtypes: Any) -> _dtypes.DType:
    """The dtype that the standard's promotion rules give for the arguments."""
    from arraygrad.tensor import Tensor

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
        return {"real floating": be.default_float,
                "complex floating": _dtypes.complex64 if be.default_float.bits == 32
                else _dtypes.complex128,
                "integral": _dtypes.int64, "indexing": _dtypes.int64}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, _dtypes.DType]:
        be = current_backend()
        return {d.name: d for d in be.native_dtypes
                if kind is None or _dtypes.isdtype(d, kind)}


def __array_namespace_info__() -> _NamespaceInfo:
    """Inspection API of the Array-API standard."""
    return _NamespaceInfo()
