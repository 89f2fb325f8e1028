"""Backends: one registered array library each, and the registry that selects one.

A :class:`Backend` is data plus a few functions (no class hierarchy): the library's
Array-API namespace, its devices, conversions in and out, random numbers, ``scatter_add``
and optional faster kernels. Backends are declared by plugins through the
``arraygrad_backends`` hook (see :mod:`arraygrad.hookspecs`) and loaded on first use.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from arraygrad import _dtypes
from arraygrad._dtypes import DType
from arraygrad.plugin_manager import PluginRegistry, on_refresh, plugin_failures

__all__ = [
    "Backend", "BackendSpec", "BackendStatus", "RNG", "make_namespace",
    "get_backend", "set_backend", "use_backend", "current_backend", "available", "names",
    "refresh", "BackendError", "declared_specs", "move_array", "set_default_dtype",
    "get_default_dtype", "default_float", "default_complex",
]

ENV_VAR = "ARRAYGRAD_BACKEND"
DEFAULT_BACKEND = "numpy"


class BackendError(ValueError):
    """A backend could not be found or loaded, or two backends/devices were mixed."""


class RNG(Protocol):
    """Random numbers for one backend (the Array-API standard has none).

    Every method returns a native array of the backend on ``device``. An RNG may also
    define ``get_state()`` and ``set_state(state)`` (any object that repeats the draws):
    ``ag.random.get_rng_state``, ``fork_rng`` and ``utils.checkpoint`` use them; without
    them ``get_rng_state`` leaves the backend out and ``checkpoint`` replays its draws.
    """

    def seed(self, seed: int) -> None: ...
    def uniform(self, shape: tuple[int, ...], dtype: Any, device: str,
                low: float, high: float) -> Any: ...
    def normal(self, shape: tuple[int, ...], dtype: Any, device: str,
               mean: float, std: float) -> Any: ...
    def integers(self, low: int, high: int, shape: tuple[int, ...], dtype: Any,
                 device: str) -> Any: ...
    def permutation(self, n: int, device: str) -> Any: ...
    def bernoulli(self, p: float, shape: tuple[int, ...], dtype: Any, device: str) -> Any: ...


def make_namespace(raw: Any, **extras: Any) -> types.SimpleNamespace:
    """Copy a namespace's public names into a flat object and add ``extras``.

    Rules call ``xp.name`` on the hot path; a flat ``SimpleNamespace`` keeps that a dict
    look-up while letting a backend add functions the standard lacks (``scatter_add``).
    """
    names = {k: getattr(raw, k) for k in dir(raw) if not k.startswith("_")}
    for ext in ("linalg", "fft"):  # extensions a module may serve lazily (not in dir())
        if ext not in names and getattr(raw, ext, None) is not None:
            names[ext] = getattr(raw, ext)
    names["__array_api_version__"] = getattr(raw, "__array_api_version__", "2023.12")
    names.update(extras)
    return types.SimpleNamespace(**names)


@dataclass(eq=False)
class Backend:
    """One array library as arraygrad sees it.

    Attributes
    ----------
    name : str
        Registry name (``"numpy"``).
    xp : namespace
        The library's Array-API namespace plus ``scatter_add``, built with
        :func:`make_namespace` (rules find the backend's ``kernels`` through it).
    devices : tuple of str
        Canonical device names (``"cpu"``, ``"cuda:0"``).
    default_device : str
        Where new tensors go when no device is given.
    mutable : bool
        Whether arrays can be changed in place. If False, in-place tensor ops rebind.
    from_object : callable
        ``from_object(obj, dtype, device, copy)`` -> native array from a Python scalar,
        nested list, NumPy array or any DLPack-capable array. ``dtype`` is native or None.
    to_numpy : callable
        ``to_numpy(array)`` -> ``numpy.ndarray`` on the host.
    device_of : callable
        ``device_of(array)`` -> canonical device name.
    to_device : callable
        ``to_device(array, device)`` -> array on that device.
    native_device : callable
        ``native_device(device)`` -> the library's device object for ``device=`` arguments.
    owns : callable
        ``owns(obj)`` -> whether ``obj`` is a native array of this library.
    rng : RNG
        The backend's random-number source.
    scatter_add : callable
        ``scatter_add(target, key, values)`` -> ``target`` with ``values`` added at
        ``target[key]``, repeated indices accumulating. A mutable backend may update
        ``target`` in place and return it; callers always pass an array they own.
    kernels : dict
        Optional faster kernels by name (``"conv2d"``, ``"sgd_update"``...). The core
        falls back to portable Array-API code when a name is missing.
    default_float : DType
        The float dtype of tensors made from Python floats (``float32``, as in PyTorch).
    dtype_note : str
        Appended to the error for an unsupported dtype: how to enable it, if possible.
    scalar_operands : bool
        Whether a Python number combined with a float32/float64 tensor by ``+ - * /``
        should be converted once, to a 0-d array of the tensor's dtype, which the forward
        and the gradient rule then share (same values: the standard's scalar rules cast it
        to that dtype too). True where kernels on 0-d arrays are faster than on Python
        scalars (NumPy); False where making an array costs more than it saves (a device
        allocation on JAX or CuPy).
    """

    name: str
    xp: Any
    devices: tuple[str, ...]
    default_device: str
    mutable: bool
    from_object: Callable[..., Any]
    to_numpy: Callable[[Any], Any]
    device_of: Callable[[Any], str]
    to_device: Callable[[Any, str], Any]
    native_device: Callable[[str], Any]
    owns: Callable[[Any], bool]
    rng: RNG
    scatter_add: Callable[[Any, Any, Any], Any]
    kernels: dict[str, Callable[..., Any]] = field(default_factory=dict)
    default_float: DType = _dtypes.float32
    dtype_note: str = ""
    scalar_operands: bool = False
    # Derived in __post_init__:
    native_dtypes: dict[DType, Any] = field(default_factory=dict, repr=False)
    dtype_of: dict[Any, DType] = field(default_factory=dict, repr=False)
    multi_device: bool = field(default=False, repr=False)
    complex_natives: frozenset = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        xp = self.xp
        for ag_dtype in _dtypes.DTYPES.values():
            native = getattr(xp, ag_dtype.name, None)
            if native is None:
                continue
            try:  # the canonical object that `array.dtype` returns
                native = xp.empty((0,), dtype=native).dtype
            except Exception:
                continue
            self.native_dtypes[ag_dtype] = native
            self.dtype_of[native] = ag_dtype
        self.multi_device = len(self.devices) > 1
        self.complex_natives = frozenset(n for d, n in self.native_dtypes.items()
                                         if d.kind == "c")
        # Rules see only ``xp``; it points back to its backend so a rule can find the
        # optional kernels (arraygrad's own namespace, used with create_graph=True, has no
        # such attribute, so rules fall back to portable code there).
        if isinstance(xp, types.SimpleNamespace):  # never write onto a library's module
            xp.arraygrad_backend = self

    def native_dtype(self, dtype: DType | str | Any) -> Any:
        """Native dtype for an arraygrad dtype, a name, or an already-native dtype."""
        if isinstance(dtype, str):
            dtype = _dtypes.dtype_from_name(dtype)
        if isinstance(dtype, DType):
            try:
                return self.native_dtypes[dtype]
            except KeyError:
                raise TypeError(
                    f"backend {self.name!r} has no dtype {dtype.name}; it supports "
                    f"{', '.join(d.name for d in self.native_dtypes)}{self.dtype_note}"
                ) from None
        if dtype in self.dtype_of:
            return dtype
        name = getattr(dtype, "__name__", None) or getattr(dtype, "name", None)
        if isinstance(name, str) and name in _dtypes.DTYPES:
            return self.native_dtype(name)
        raise TypeError(f"backend {self.name!r} does not understand dtype {dtype!r}")

    def check_device(self, device: str | None) -> str:
        """Return a canonical device name of this backend, or raise naming the choices."""
        if device is None:
            return self.default_device
        device = str(device)
        if device == "cuda" and "cuda:0" in self.devices:
            device = "cuda:0"
        if device == "gpu" and "gpu:0" in self.devices:
            device = "gpu:0"
        if device not in self.devices:
            raise BackendError(
                f"backend {self.name!r} has no device {device!r}; its devices are "
                f"{list(self.devices)}"
            )
        return device

    def __repr__(self) -> str:
        return f"Backend({self.name!r}, devices={list(self.devices)})"


@dataclass(frozen=True)
class BackendSpec:
    """A backend declaration returned by the ``arraygrad_backends`` hook.

    ``load`` imports the library and builds the :class:`Backend`; it runs on first use.
    """

    name: str
    load: Callable[[], Backend]
    description: str = ""
    #: Top-level modules whose array types this backend may own (default: ``(name,)``), so
    #: an array of a library not loaded yet finds its backend (JAX's arrays are ``jaxlib``).
    modules: tuple[str, ...] = ()

    def owns_module(self, module: str) -> bool:
        """Whether arrays from top-level module ``module`` may be this backend's."""
        return module == self.name or module in self.modules


@dataclass(frozen=True)
class BackendStatus:
    """What ``available()`` reports for one declared backend."""

    name: str
    ok: bool
    devices: tuple[str, ...] = ()
    error: str | None = None
    plugin: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"{self.name}: ok, devices {', '.join(self.devices)}"
        return f"{self.name}: unavailable ({self.error})"


def _backend_entries(result: Any) -> list[tuple[Any, Any]]:
    if isinstance(result, (str, bytes)) or not isinstance(result, (list, tuple)):
        raise TypeError(f"returned a {type(result).__name__}, not a list of BackendSpec")
    return [(getattr(spec, "name", None), spec) for spec in result]


def _check_spec(name: str, spec: Any) -> None:
    if not isinstance(spec, BackendSpec):
        raise TypeError(f"a {type(spec).__name__}, not an arraygrad.backend_registry.BackendSpec")
    if not callable(spec.load):
        raise TypeError("its load is not callable")


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.table = PluginRegistry("arraygrad_backends", kind="backend",
                                    entries=_backend_entries, check=_check_spec)
        self.loaded: dict[str, Backend] = {}
        self.errors: dict[str, str] = {}
        self.default_name: str | None = None
        # PyTorch's initial seed: drawn at start-up, given to every backend loaded, until
        # ag.manual_seed replaces it (ag.initial_seed() reports it)
        self.seed: int = secrets.randbits(63)
        on_refresh(lambda: refresh())

    def declared(self) -> dict[str, tuple[BackendSpec, str]]:
        """Declared backends under the registry rule (arraygrad.plugin_manager)."""
        return self.table.get()


_registry = _Registry()


class _Local(threading.local):
    stack: list[Backend] = []

    def __init__(self) -> None:
        self.stack = []


_local = _Local()


def refresh() -> None:
    """Forget declared backends so the next look-up asks the plugins again (called by the
    plugin manager whenever plugins change)."""
    with _registry.lock:
        _registry.table.clear()
        _registry.errors = {k: v for k, v in _registry.errors.items() if k in _registry.loaded}


def names() -> list[str]:
    """Names of every declared backend (loaded or not)."""
    return list(_registry.declared())


def declared_specs() -> list[BackendSpec]:
    """The declared backends' specs (nothing is loaded)."""
    return [spec for spec, _plugin in _registry.declared().values()]


def get_backend(name: str | Backend) -> Backend:
    """Return the loaded backend called ``name``, loading it on first use.

    Raises
    ------
    BackendError
        If no plugin declares ``name`` (the message lists those that do) or its library
        failed to load (the message carries the error).
    """
    if isinstance(name, Backend):
        return name
    backend = _registry.loaded.get(name)
    if backend is not None:
        return backend
    with _registry.lock:
        backend = _registry.loaded.get(name)
        if backend is not None:
            return backend
        declared = _registry.declared()
        if name not in declared:
            listed = ", ".join(sorted(declared)) or (
                "none (is arraygrad installed? even the built-in backends are entry points: "
                "pip install -e .)")
            raise BackendError(f"unknown backend {name!r}; available backends: {listed}")
        if name in _registry.errors:
            raise BackendError(f"backend {name!r} is unavailable: {_registry.errors[name]}")
        spec, _plugin = declared[name]
        try:
            backend = spec.load()
        except Exception as exc:
            _registry.errors[name] = f"{type(exc).__name__}: {exc}"
            raise BackendError(
                f"backend {name!r} is unavailable: {_registry.errors[name]}") from exc
        backend.rng.seed(_registry.seed)
        _registry.loaded[name] = backend
        return backend


def available(load: bool = True) -> dict[str, BackendStatus]:
    """Report every declared backend: loaded with its devices, or unavailable with the error.

    With ``load=True`` (default) each declared backend is loaded to learn whether it works.
    Plugins whose entry point failed to import appear too, under the entry-point name; a
    plugin whose hook raised or returned the wrong type under ``<plugin>``, and a declaration
    refused by the registry rule (a name already taken, see
    :func:`arraygrad.plugin_manager.prefer`) under ``<plugin>:name``.
    """
    report: dict[str, BackendStatus] = {}
    for name, (_spec, plugin) in _registry.declared().items():
        if load:
            try:
                get_backend(name)
            except BackendError:
                pass
        backend = _registry.loaded.get(name)
        if backend is not None:
            report[name] = BackendStatus(name, True, backend.devices, None, plugin)
        else:
            report[name] = BackendStatus(name, False, (), _registry.errors.get(name,
                                         "not loaded yet"), plugin)
    for failure in plugin_failures():
        if failure.name not in report:
            report[failure.name] = BackendStatus(
                failure.name, False, (), f"plugin {failure.target} failed to import: "
                f"{failure.error}", failure.target)
    for problem in _registry.table.problems():  # broken hooks, bad specs, name clashes
        report.setdefault(problem.key, BackendStatus(problem.key, False, (), str(problem),
                                                     problem.plugin))
    return report


def current_backend() -> Backend:
    """The backend new tensors use: the innermost ``use_backend``, else the default.

    The default is the one given to :func:`set_backend`, else ``$ARRAYGRAD_BACKEND``,
    else ``"numpy"``.
    """
    stack = _local.stack
    if stack:
        return stack[-1]
    name = _registry.default_name
    if name is None:
        name = os.environ.get(ENV_VAR) or DEFAULT_BACKEND
        _registry.default_name = name
    return get_backend(name)


def set_backend(name: str) -> Backend:
    """Make ``name`` the process-wide default backend and return it.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.set_backend("numpy").name
    'numpy'
    """
    backend = get_backend(name)
    _registry.default_name = backend.name
    return backend


@contextlib.contextmanager
def use_backend(name: str | Backend) -> Iterator[Backend]:
    """Use backend ``name`` for new tensors inside a ``with`` block (this thread only).

    Examples
    --------
    >>> import arraygrad as ag
    >>> with ag.use_backend("array_api_strict"):
    ...     x = ag.ones(2)
    >>> x
    tensor([1., 1.], backend='array_api_strict')
    """
    backend = get_backend(name)
    _local.stack.append(backend)
    try:
        yield backend
    finally:
        _local.stack.pop()


def loaded_backends() -> list[Backend]:
    """Backends loaded so far."""
    return list(_registry.loaded.values())


def seed_all(seed: int) -> None:
    """Seed every loaded backend's RNG, and every backend loaded later."""
    _registry.seed = seed
    for backend in _registry.loaded.values():
        backend.rng.seed(seed)


def move_array(array: Any, src: Backend, dst: Backend, device: str) -> Any:
    """Move a native array to ``dst`` on ``device``: DLPack first, else through host memory.

    ``dst.from_object`` takes DLPack-capable arrays directly (zero-copy where the two
    libraries and devices allow it); when that fails (different device types, a library
    without DLPack) the array goes through a NumPy copy on the host. Memory is shared only
    when one side is immutable (JAX): two mutable libraries sharing a buffer would let an
    in-place write on one side change the other behind autograd's version counters.
    """
    if src is dst:
        return dst.to_device(array, device)
    copy = True if src.mutable and dst.mutable else None
    try:
        return dst.from_object(array, device=device, copy=copy)
    except (BufferError, TypeError, ValueError, RuntimeError, NotImplementedError):
        return dst.from_object(src.to_numpy(array), device=device, copy=copy)


# ``ag.set_default_dtype``'s choice (process-wide, as PyTorch's); empty: each backend's own.
_DEFAULT_DTYPE: list[DType] = []
_DEFAULT_CHOICES = (_dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64)


def set_default_dtype(dtype: DType | None) -> None:
    """Make ``dtype`` the floating dtype of new tensors made from Python floats, of
    ``zeros``/``ones``/``rand``... without ``dtype=``, on every backend (PyTorch's
    ``torch.set_default_dtype``); complex numbers follow (``complex128`` for ``float64``,
    else ``complex64``). ``None`` returns to each backend's own default (``float32`` for
    the built-in ones).

    Raises
    ------
    TypeError
        If ``dtype`` is not a floating dtype (PyTorch refuses those too).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.set_default_dtype(ag.float64)
    >>> ag.tensor([1.5]).dtype, ag.zeros(2).dtype
    (arraygrad.float64, arraygrad.float64)
    >>> ag.set_default_dtype(None)
    >>> ag.get_default_dtype()
    arraygrad.float32
    """
    if dtype is None:
        _DEFAULT_DTYPE.clear()
        return
    if not isinstance(dtype, DType) or dtype not in _DEFAULT_CHOICES:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type ({', '.join(d.name for d in _DEFAULT_CHOICES)}), got "
                        f"{getattr(dtype, 'name', repr(dtype))}")
    _DEFAULT_DTYPE[:] = [dtype]


def creation_state() -> tuple:
    """A cheap snapshot of what decides the backend and floating dtype of new tensors (the
    innermost ``use_backend``, the default backend's name, :func:`set_default_dtype`'s
    choice): equal snapshots mean equal :func:`current_backend` and
    :func:`get_default_dtype` (``ag.compile``'s per-call guard compares it)."""
    stack = _local.stack
    return (stack[-1] if stack else _registry.default_name,
            _DEFAULT_DTYPE[0] if _DEFAULT_DTYPE else None)


def get_default_dtype() -> DType:
    """The floating dtype new tensors get by default: :func:`set_default_dtype`'s choice,
    else the current backend's."""
    return default_float(current_backend())


def default_float(backend: Backend) -> DType:
    """The default floating dtype on ``backend`` (:func:`set_default_dtype` wins)."""
    return _DEFAULT_DTYPE[0] if _DEFAULT_DTYPE else backend.default_float


def default_complex(backend: Backend) -> DType:
    """The complex dtype matching :func:`default_float` (``complex128`` for ``float64``)."""
    return _dtypes.complex128 if default_float(backend).bits == 64 else _dtypes.complex64
