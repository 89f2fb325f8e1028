"""Backend-independent dtype objects.

``ag.float32`` is one object shared by every backend; ``tensor.dtype`` returns it, so
``tensor.dtype == ag.float32`` holds whatever library stores the data. Each backend maps
these objects to its native dtypes (see :mod:`arraygrad.backend_registry`).
"""

from __future__ import annotations

__all__ = [
    "DType", "DTYPES", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
    "uint32", "uint64", "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "is_floating", "is_complex", "is_differentiable", "dtype_from_name", "isdtype",
]

_builtin_bool = bool


class DType:
    """A dtype understood by every backend.

    Compares equal to itself and to its name (``ag.float32 == "float32"``).
    """

    __slots__ = {
        "name": "The standard's name of the dtype, e.g. ``\"float32\"``.",
        "kind": "One letter: ``b`` bool, ``i`` signed int, ``u`` unsigned int, ``f`` real "
                "float, ``c`` complex.",
        "bits": "The size of one element in bits.",
    }

    def __init__(self, name: str, kind: str, bits: int) -> None:
        self.name = name
        self.kind = kind  # "b" bool, "i" signed, "u" unsigned, "f" real float, "c" complex
        self.bits = bits

    def __eq__(self, other: object) -> _builtin_bool:
        if isinstance(other, DType):
            return self is other
        if isinstance(other, str):
            return self.name == other
        name = getattr(other, "name", None)  # numpy and JAX dtypes
        return name == self.name if isinstance(name, str) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"arraygrad.{self.name}"

    def __reduce__(self):
        return (dtype_from_name, (self.name,))


bool = DType("bool", "b", 8)  # noqa: A001 - the standard's name
int8 = DType("int8", "i", 8)
int16 = DType("int16", "i", 16)
int32 = DType("int32", "i", 32)
int64 = DType("int64", "i", 64)
uint8 = DType("uint8", "u", 8)
uint16 = DType("uint16", "u", 16)
uint32 = DType("uint32", "u", 32)
uint64 = DType("uint64", "u", 64)
float16 = DType("float16", "f", 16)
# Not in the standard: PyTorch's bfloat16, on the backends whose library has it (JAX).
bfloat16 = DType("bfloat16", "f", 16)
float32 = DType("float32", "f", 32)
float64 = DType("float64", "f", 64)
complex64 = DType("complex64", "c", 64)
complex128 = DType("complex128", "c", 128)

DTYPES: dict[str, DType] = {
    d.name: d
    for d in (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
              float16, bfloat16, float32, float64, complex64, complex128)
}


def dtype_from_name(name: str) -> DType:
    """Return the arraygrad dtype called ``name`` (``"float32"`` -> ``ag.float32``)."""
    try:
        return DTYPES[name]
    except KeyError:
        raise TypeError(
            f"unknown dtype {name!r}; known dtypes: {', '.join(DTYPES)}"
        ) from None


def is_floating(dtype: DType) -> _builtin_bool:
    """True for real floating dtypes."""
    return dtype.kind == "f"


def is_complex(dtype: DType) -> _builtin_bool:
    """True for complex dtypes."""
    return dtype.kind == "c"


def is_differentiable(dtype: DType) -> _builtin_bool:
    """True for dtypes that can carry gradients (real and complex floating)."""
    return dtype.kind in "fc"


_KIND_NAMES = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


def isdtype(dtype: DType, kind) -> _builtin_bool:
    """Array-API ``isdtype``: is ``dtype`` of ``kind`` (a dtype, a kind name, or a tuple)?"""
    if isinstance(kind, tuple):
        return any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, DType):
        return dtype is kind
    try:
        return dtype.kind in _KIND_NAMES[kind]
    except KeyError:
        raise ValueError(
            f"isdtype: unknown kind {kind!r}; use a dtype or one of {sorted(_KIND_NAMES)}"
        ) from None
