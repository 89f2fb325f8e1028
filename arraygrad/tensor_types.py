"""PyTorch's legacy typed constructors: ``ag.FloatTensor``, ``ag.LongTensor`` and friends.

``ag.FloatTensor([1, 2])`` makes a float32 tensor from data, ``ag.FloatTensor(2, 3)`` an
uninitialised one of that size (as in PyTorch); ``isinstance(t, ag.FloatTensor)`` checks
the dtype, and ``t.type(ag.LongTensor)`` casts.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtypes
from arraygrad.tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "TENSOR_TYPES"]


class _TensorType(type):
    """Metaclass: the typed constructor's class checks a tensor's dtype in isinstance."""

    dtype: _dtypes.DType

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'arraygrad.{cls.__name__}'>"


def _typed(name: str, dtype: _dtypes.DType) -> _TensorType:
    def __new__(cls: type, *data: Any, device: Any = None, backend: Any = None) -> Tensor:
        return Tensor(*data, dtype=dtype, device=device, backend=backend)

    doc = (f"``{name}(data)`` or ``{name}(*sizes)``: a {dtype.name} tensor (PyTorch's legacy "
           f"constructor); ``isinstance(t, ag.{name})`` checks the dtype.")
    return _TensorType(name, (), {"__new__": __new__, "dtype": dtype, "__doc__": doc,
                                  "__module__": "arraygrad"})


FloatTensor = _typed("FloatTensor", _dtypes.float32)
DoubleTensor = _typed("DoubleTensor", _dtypes.float64)
HalfTensor = _typed("HalfTensor", _dtypes.float16)
BFloat16Tensor = _typed("BFloat16Tensor", _dtypes.bfloat16)
LongTensor = _typed("LongTensor", _dtypes.int64)
IntTensor = _typed("IntTensor", _dtypes.int32)
ShortTensor = _typed("ShortTensor", _dtypes.int16)
CharTensor = _typed("CharTensor", _dtypes.int8)
ByteTensor = _typed("ByteTensor", _dtypes.uint8)
BoolTensor = _typed("BoolTensor", _dtypes.bool)

TENSOR_TYPES: dict[str, _TensorType] = {t.__name__: t for t in (
    FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
    CharTensor, ByteTensor, BoolTensor)}
