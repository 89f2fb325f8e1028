"""Tensor creation: ``tensor``, ``asarray``, ``zeros``, ``ones``, ``full``, ``arange``, ...

Every function takes ``dtype=``, ``device=`` and ``backend=``; without ``backend`` new
tensors go to the current backend (``ag.set_backend`` / ``ag.use_backend`` /
``$ARRAYGRAD_BACKEND``), except that a tensor made from an existing array keeps that
array's backend. Python floats become ``float32`` (as in PyTorch), ints ``int64``.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from arraygrad import _dtypes
from arraygrad.backend_registry import (
    Backend,
    current_backend,
    declared_specs,
    default_complex,
    default_float,
    get_backend,
    loaded_backends,
    move_array,
)
from arraygrad.tensor import Tensor, _make, _register_view

__all__ = [
    "tensor", "asarray", "as_tensor", "from_numpy", "from_dlpack", "zeros", "ones", "empty",
    "full", "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace", "eye",
]


def _python_dtype(obj: Any, backend: Backend, *, numpy_scalars: bool = True
                  ) -> _dtypes.DType | None:
    """The arraygrad dtype of a Python scalar or nested list on ``backend`` (None if not
    pure Python, or floats: the default float). NumPy's float64 and complex128 scalars
    subclass Python's float and complex; with ``numpy_scalars`` they keep their 64-bit
    precision, as ``torch.tensor(np.float64(1.5))`` does."""
    kinds = set()
    scalar_dtypes = set()  # NumPy scalars' own dtypes
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if type(item).__module__ == "numpy" and getattr(item, "ndim", None) == 0:
            scalar_dtypes.add(item.dtype.name)
            if not numpy_scalars:
                item = item.item()  # ``full``'s fill value: its Python kind only
        if isinstance(item, bool):
            kinds.add("b")
        elif isinstance(item, int):
            kinds.add("i")
        elif isinstance(item, float):
            kinds.add("d" if numpy_scalars and type(item) is not float else "f")
        elif isinstance(item, complex):
            kinds.add("D" if numpy_scalars and type(item) is not complex else "c")
        elif scalar_dtypes and getattr(item, "ndim", None) == 0:
            kinds.add("n")  # another NumPy scalar (np.int32, np.float32...)
        else:
            return None
    if numpy_scalars and "n" in kinds:
        if len(scalar_dtypes) == 1 and kinds == {"n"}:  # all one NumPy dtype: keep it
            return _dtypes.dtype_from_name(scalar_dtypes.pop())
        return _python_dtype(obj, backend, numpy_scalars=False)  # mixed: Python's kinds
    if "D" in kinds or ("c" in kinds and "d" in kinds):
        return _dtypes.complex128
    if "c" in kinds:
        return default_complex(backend)
    if "d" in kinds:
        return _dtypes.float64
    if "f" in kinds or not kinds:
        return None  # the backend's default float
    if "i" in kinds:
        return _dtypes.int64
    return _dtypes.bool


def _owner(obj: Any) -> Backend | None:
    """The backend whose native array ``obj`` is, loading it if needed."""
    for backend in loaded_backends():
        if backend.owns(obj):
            return backend
    module = type(obj).__module__.split(".")[0]
    for spec in declared_specs():
        if spec.owns_module(module):
            try:
                backend = get_backend(spec.name)
            except Exception:
                return None
            if backend.owns(obj):
                return backend
    return None


def _to_native(data: Any, *, dtype=None, device=None, backend=None, copy=None):
    """Native array and backend for ``data`` under the creation rules above."""
    if isinstance(data, Tensor):
        be = data._backend if backend is None else get_backend(backend)
        arr = data._data
        if be is not data._backend or (device is not None and str(device) != data.device):
            arr = move_array(arr, data._backend, be, be.check_device(device))
        if dtype is not None:
            arr = be.xp.astype(arr, be.native_dtype(dtype), copy=bool(copy))
        elif copy:
            arr = be.xp.asarray(arr, copy=True)
        return arr, be
    if backend is not None:
        be = get_backend(backend)
    else:
        owner: Backend | None = None
        if not isinstance(data, (bool, int, float, complex, list, tuple)):
            owner = _owner(data)
            if owner is not None and device is not None and str(device) not in owner.devices:
                owner = None  # the array's own library lacks that device: use the current one
        be = owner or current_backend()
    device = be.check_device(device)
    if dtype is None and isinstance(data, (bool, int, float, complex, list, tuple)):
        dtype = _python_dtype(data, be) or default_float(be)
    native = None if dtype is None else be.native_dtype(dtype)
    try:
        arr = be.from_object(data, dtype=native, device=device, copy=copy)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"tensor: cannot make a {be.name} tensor from "
                        f"{type(data).__name__}: {exc}") from exc
    if getattr(arr, "dtype", None) not in be.dtype_of:
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} {data!r:.80}: "
                        f"its dtype {arr.dtype} is not a numeric Array-API dtype (strings and "
                        f"objects are not supported)")
    return arr, be


def _finish(arr: Any, be: Backend, requires_grad: bool) -> Tensor:
    t = _make(arr, be, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data: Any, *, dtype=None, device: str | None = None, backend=None,
           requires_grad: bool = False) -> Tensor:
    """Make a new leaf tensor (always a copy) from a scalar, list, NumPy or backend array.

    Like ``torch.tensor``, host data goes to the current backend: Python numbers and lists,
    and NumPy arrays too (a copy is made anyway). Another library's array (CuPy, JAX, a
    Tensor) stays on its own backend unless ``backend=`` says otherwise; ``ag.asarray`` and
    ``ag.from_numpy`` keep a NumPy array on the NumPy backend, sharing its memory.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.tensor([[1, 2], [3, 4]]).dtype
    arraygrad.int64
    >>> ag.tensor([1.5]).dtype
    arraygrad.float32
    """
    if backend is None and type(data).__module__ == "numpy":
        backend = current_backend()
    arr, be = _to_native(data, dtype=dtype, device=device, backend=backend, copy=True)
    return _finish(arr, be, requires_grad)


def asarray(obj: Any, /, *, dtype=None, device: str | None = None, copy: bool | None = None,
            backend=None, requires_grad: bool = False) -> Tensor:
    """Convert to a tensor, sharing memory where possible (the Array-API ``asarray``).

    Examples
    --------
    >>> import numpy as np
    >>> import arraygrad as ag
    >>> ag.asarray(np.arange(3.0))
    tensor([0., 1., 2.], dtype=float64)
    >>> ag.asarray([1.0, 2.0], requires_grad=True).requires_grad
    True
    """
    if isinstance(obj, Tensor) and dtype is None and device is None and backend is None \
            and not copy and not requires_grad:
        return obj
    arr, be = _to_native(obj, dtype=dtype, device=device, backend=backend, copy=copy)
    out = _finish(arr, be, requires_grad)
    if isinstance(obj, Tensor) and arr is obj._data:
        # The same storage: later writes to either must reach the other (even where the
        # array cannot be changed in place, e.g. a 0-d NumPy scalar), as a detach() alias.
        _register_view(out, obj, None)
    return out


as_tensor = asarray


def from_numpy(array: Any, *, backend=None, device: str | None = None) -> Tensor:
    """A tensor from a NumPy array (shares memory on the NumPy backend)."""
    return asarray(array, backend=backend or "numpy", device=device)


def from_dlpack(x: Any, /, *, device: str | None = None, copy: bool | None = None,
                backend=None) -> Tensor:
    """A tensor from any DLPack-capable array.

    ``copy=True`` always copies, ``copy=False`` never does (a ValueError where sharing is
    impossible, e.g. across backends or devices), None shares where it can.
    """
    return asarray(x, backend=backend, device=device, copy=copy)


def _shape_of(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) > 1 and shape[0] == ():  # zeros() with more sizes is not a thing
        raise TypeError(f"shape must be ints, got {shape!r}")
    try:  # operator.index: 2.5 (or a float tensor) is not a size, as in PyTorch
        sizes = tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"shape must be ints, got {shape!r}") from None
    if any(n < 0 for n in sizes):
        raise ValueError(f"shape must not have negative sizes, got {sizes}")
    return sizes


def _sized(op: str, shape: tuple, size: Any) -> tuple:
    """The shape, given positionally or as PyTorch's ``size=`` keyword (not both)."""
    if size is None:
        return shape
    if shape != ((),):
        raise TypeError(f"{op}: give the shape positionally or as size=, not both")
    return (size,)


def _creation_backend(backend, device) -> tuple[Backend, str]:
    be = get_backend(backend) if backend is not None else current_backend()
    return be, be.check_device(device)


def _filled(kind: str, shape: Sequence[int], dtype, device, backend, requires_grad,
            fill: Any = None) -> Tensor:
    be, dev = _creation_backend(backend, device)
    native = be.native_dtype(dtype if dtype is not None else default_float(be))
    xp = be.xp
    if kind == "full":
        arr = xp.full(shape, fill, dtype=native, device=_native_device(be, dev))
    else:
        arr = getattr(xp, kind)(shape, dtype=native, device=_native_device(be, dev))
    return _finish(arr, be, requires_grad)


def _native_device(be: Backend, device: str) -> Any:
    # Native device object for xp creation functions (from an existing array's device).
    return be.native_device(device)


def zeros(shape: Any = (), *more: int, dtype=None, device: str | None = None,
          backend=None, requires_grad: bool = False, size: Any = None) -> Tensor:
    """A tensor of zeros; ``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros(shape=(2, 3))``
    all work."""
    return _filled("zeros", _shape_of(_sized("zeros", (shape,) + more, size)), dtype,
                   device, backend, requires_grad)


def ones(shape: Any = (), *more: int, dtype=None, device: str | None = None,
         backend=None, requires_grad: bool = False, size: Any = None) -> Tensor:
    """A tensor of ones (``ones(2, 3)`` or ``ones(shape=(2, 3))``)."""
    return _filled("ones", _shape_of(_sized("ones", (shape,) + more, size)), dtype,
                   device, backend, requires_grad)


def empty(shape: Any = (), *more: int, dtype=None, device: str | None = None,
          backend=None, requires_grad: bool = False, size: Any = None) -> Tensor:
    """An uninitialized tensor (``empty(2, 3)`` or ``empty(shape=(2, 3))``)."""
    return _filled("empty", _shape_of(_sized("empty", (shape,) + more, size)), dtype,
                   device, backend, requires_grad)


def full(shape: Any = None, fill_value: Any = None, *, dtype=None, device: str | None = None,
         backend=None, requires_grad: bool = False, size: Any = None) -> Tensor:
    """A tensor filled with ``fill_value`` (dtype inferred from it when not given);
    ``size=`` is PyTorch's name for ``shape``."""
    if size is not None:
        if shape is not None:
            raise TypeError("full: give the shape positionally or as size=, not both")
        shape = size
    if shape is None or fill_value is None:
        raise TypeError("full: shape (or size=) and fill_value are required")
    if dtype is None:
        dtype = _python_dtype(fill_value, get_backend(backend) if backend is not None
                              else current_backend(), numpy_scalars=False)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _filled("full", shape, dtype, device, backend, requires_grad, fill_value)


def _like(x: Tensor, dtype, device):
    return dict(dtype=dtype if dtype is not None else x.dtype,
                device=device if device is not None else x.device, backend=x._backend)


def zeros_like(x: Tensor, /, *, dtype=None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and by default dtype, device, backend) of ``x``."""
    return zeros(x.shape, requires_grad=requires_grad, **_like(x, dtype, device))


def ones_like(x: Tensor, /, *, dtype=None, device: str | None = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and by default dtype, device, backend) of ``x``."""
    return ones(x.shape, requires_grad=requires_grad, **_like(x, dtype, device))


def empty_like(x: Tensor, /, *, dtype=None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Uninitialized, with the shape (and by default dtype, device, backend) of ``x``."""
    return empty(x.shape, requires_grad=requires_grad, **_like(x, dtype, device))


def full_like(x: Tensor, /, fill_value: Any, *, dtype=None, device: str | None = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and by default dtype...) of ``x``."""
    return full(x.shape, fill_value, requires_grad=requires_grad, **_like(x, dtype, device))


def arange(start: float, /, stop: float | None = None, step: float = 1, *, dtype=None,
           device: str | None = None, backend=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, stop)``; int64 for int arguments, else float32."""
    be, dev = _creation_backend(backend, device)
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, stop, step) if v is not None)
        dtype = _dtypes.int64 if ints else default_float(be)
    arr = be.xp.arange(start, stop, step, dtype=be.native_dtype(dtype),
                       device=be.native_device(dev))
    return _finish(arr, be, requires_grad)


def linspace(start: float, stop: float, /, num: int, *, dtype=None, device: str | None = None,
             endpoint: bool = True, backend=None, requires_grad: bool = False) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    be, dev = _creation_backend(backend, device)
    native = be.native_dtype(dtype if dtype is not None else default_float(be))
    arr = be.xp.linspace(start, stop, num, dtype=native, device=be.native_device(dev),
                         endpoint=endpoint)
    return _finish(arr, be, requires_grad)


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype=None,
        device: str | None = None, backend=None, requires_grad: bool = False) -> Tensor:
    """A 2-D tensor with ones on diagonal ``k``."""
    be, dev = _creation_backend(backend, device)
    native = be.native_dtype(dtype if dtype is not None else default_float(be))
    arr = be.xp.eye(n_rows, n_cols, k=k, dtype=native, device=be.native_device(dev))
    return _finish(arr, be, requires_grad)
