"""The JAX backend: ``jax.numpy`` (the Array-API namespace since JAX 0.4.32) on CPU, GPU, TPU.

JAX arrays are immutable, so the backend is declared ``mutable=False`` and arraygrad's
in-place tensor ops rebind the tensor to a new array; ``scatter_add`` is
``target.at[key].add(values)``. Random numbers come from ``jax.random`` with a key the
backend owns and splits on every draw, so ``ag.manual_seed`` makes runs reproducible.

Devices are named ``"cpu"`` (JAX's first CPU device; more CPU devices, if configured,
are ``"cpu:1"``, ...), ``"cuda:N"`` for GPUs and ``"tpu:N"`` for TPUs. The default device
is JAX's default (the first accelerator when one is present).

float64, int64 and complex128 need JAX's x64 mode, enabled *before JAX is first used*:
``JAX_ENABLE_X64=1`` in the environment or ``jax.config.update("jax_enable_x64", True)``.
Without it, int64 requests give int32 (as JAX does) and float64 requests raise.
"""

from __future__ import annotations

import secrets
import threading
import warnings
from typing import Any

from arraygrad import _dtypes
from arraygrad.backend_registry import Backend, BackendSpec, make_namespace
from arraygrad.hookspecs import hookimpl

_X64_NOTE = (
    ". JAX computes in 32 bits unless x64 mode is on: set JAX_ENABLE_X64=1 in the "
    "environment, or call jax.config.update('jax_enable_x64', True), before JAX is first used"
)
_PREFIXES = {"gpu": "cuda", "cuda": "cuda", "rocm": "rocm", "tpu": "tpu"}


def device_names(jax: Any) -> dict[Any, str]:
    """Canonical names for every JAX device: CPU devices first, then the accelerators."""
    names: dict[Any, str] = {}
    for i, dev in enumerate(jax.local_devices(backend="cpu")):
        names[dev] = "cpu" if i == 0 else f"cpu:{i}"
    default = jax.local_devices()
    if default and default[0].platform != "cpu":
        for i, dev in enumerate(default):
            prefix = _PREFIXES.get(dev.platform, dev.platform)
            names[dev] = f"{prefix}:{i}"
    return names


class JaxRNG:
    """``jax.random`` with a key owned by the backend and split on every draw.

    A lock keeps two threads from drawing with the same sub-key.
    """

    def __init__(self, jax: Any, native_devices: dict[str, Any], default_device: str) -> None:
        self._jax = jax
        self._random = jax.random
        self._devices = native_devices
        self._default = default_device
        self._lock = threading.Lock()
        self._key = self._random.key(secrets.randbits(31))

    def seed(self, seed: int) -> None:
        with self._lock:
            self._key = self._random.key(seed % 2**31)

    def get_state(self) -> Any:
        """The current key (immutable): :meth:`set_state` with it repeats the draws."""
        with self._lock:
            return self._key

    def set_state(self, state: Any) -> None:
        """Continue from a key :meth:`get_state` returned."""
        with self._lock:
            self._key = state

    def _subkey(self, device: str) -> Any:
        with self._lock:
            self._key, sub = self._random.split(self._key)
        if device != self._default:  # draw where the numbers are needed
            sub = self._jax.device_put(sub, self._devices[device])
        return sub

    def uniform(self, shape, dtype, device, low=0.0, high=1.0):
        return self._random.uniform(self._subkey(device), tuple(shape), dtype, low, high)

    def normal(self, shape, dtype, device, mean=0.0, std=1.0):
        out = self._random.normal(self._subkey(device), tuple(shape), dtype)
        if std != 1.0:
            out = out * std
        return out + mean if mean != 0.0 else out

    def integers(self, low, high, shape, dtype, device):
        return self._random.randint(self._subkey(device), tuple(shape), low, high, dtype)

    def permutation(self, n, device):
        return self._random.permutation(self._subkey(device), n)

    def bernoulli(self, p, shape, dtype, device):
        return self._random.bernoulli(self._subkey(device), p, tuple(shape)).astype(dtype)


def _fix_dtypes(backend: Backend, x64: bool) -> None:
    """Without x64 JAX silently narrows 64-bit dtypes: say so instead of lying about them."""
    if x64:
        return
    narrowed = {_dtypes.int64: _dtypes.int32, _dtypes.uint64: _dtypes.uint32}
    native = {d: n for d, n in backend.native_dtypes.items() if getattr(n, "name", "") == d.name}
    for wide, narrow in narrowed.items():  # Python ints -> int32, as JAX itself does
        if narrow in native:
            native[wide] = native[narrow]
    backend.native_dtypes.clear()
    backend.native_dtypes.update(native)
    backend.dtype_of.clear()
    backend.dtype_of.update({n: d for d, n in native.items() if n.name == d.name})


def load() -> Backend:
    """Build the JAX backend."""
    try:
        import jax
    except ImportError as exc:
        raise ImportError(f'the jax backend needs JAX, which does not import here ({exc}): '
                          f'pip install "arraygrad[jax]"') from exc
    import jax.numpy as jnp
    import numpy as np

    names = device_names(jax)
    native_devices = {name: dev for dev, name in names.items()}
    default_device = names[jax.local_devices()[0]]
    x64 = bool(jax.config.read("jax_enable_x64"))
    Array = jax.Array

    def device_of(array):
        try:
            return names[array.device]
        except (KeyError, TypeError, AttributeError):  # sharded over devices, or a tracer
            devices = getattr(array, "devices", None)
            try:
                first = next(iter(devices()), None) if devices is not None else None
            except TypeError:  # a tracer inside jax.jit has no devices: the default one
                first = None
            return names.get(first, default_device)

    def place(array, device):
        dev = native_devices[device]
        return array if array.device == dev else jax.device_put(array, dev)

    def from_object(obj, dtype=None, device=None, copy=None):
        device = device or default_device
        if device not in native_devices:
            raise ValueError(f"jax has no device {device!r}; its devices are "
                             f"{list(native_devices)}")
        dev = native_devices[device]
        if isinstance(obj, Array):  # immutable: sharing is always safe
            out = obj if dtype is None or obj.dtype == dtype else obj.astype(dtype)
            return place(out, device)
        if not isinstance(obj, (np.ndarray, np.generic, list, tuple, int, float, bool,
                                complex)) and hasattr(obj, "__dlpack__"):
            try:  # copy: the source library may change its array in place later
                imported = jnp.from_dlpack(obj, copy=True)
            except (BufferError, TypeError, ValueError, RuntimeError):
                pass  # not importable through DLPack: through host memory below
            else:
                if dtype is not None and imported.dtype != dtype:
                    imported = imported.astype(dtype)
                return place(imported, device)
            obj = np.asarray(obj)
        # jnp.asarray copies host memory, so a NumPy array changed later never leaks in.
        return jnp.asarray(obj, dtype=dtype, device=dev)

    def to_device(array, device):
        return place(array, device)

    def scatter_add(target, key, values):
        return target.at[key].add(values)

    with warnings.catch_warnings():  # x64 off: JAX warns while dtypes are probed
        warnings.simplefilter("ignore", UserWarning)
        backend = Backend(
            name="jax",
            xp=make_namespace(jnp, scatter_add=scatter_add, **_quirk_fixes(jnp)),
            devices=tuple(native_devices),
            default_device=default_device,
            mutable=False,
            from_object=from_object,
            to_numpy=np.asarray,
            device_of=device_of,
            to_device=to_device,
            native_device=native_devices.__getitem__,
            owns=lambda obj: isinstance(obj, Array),
            rng=JaxRNG(jax, native_devices, default_device),
            scatter_add=scatter_add,
            kernels=_kernels(),
            dtype_note="" if x64 else _X64_NOTE,
        )
    _fix_dtypes(backend, x64)
    return backend


def _quirk_fixes(jnp: Any) -> dict[str, Any]:
    """``jax.numpy`` functions that miss the standard's signed zeros, fixed."""

    def floor_divide(x1, x2, /):
        out = jnp.floor_divide(x1, x2)
        if not jnp.issubdtype(out.dtype, jnp.floating):
            return out
        # A zero quotient takes the sign of the true quotient (JAX gives +0 for -0 / 1).
        return jnp.where(out == 0, jnp.copysign(jnp.zeros_like(out), jnp.true_divide(x1, x2)),
                         out)

    def remainder(x1, x2, /):
        out = jnp.remainder(x1, x2)
        if not jnp.issubdtype(out.dtype, jnp.floating):
            return out
        # A zero remainder takes the divisor's sign (JAX keeps the dividend's).
        return jnp.where(out == 0, jnp.copysign(jnp.zeros_like(out), x2), out)

    def exp(x, /):
        out = jnp.exp(x)
        if not jnp.issubdtype(out.dtype, jnp.complexfloating):
            return out
        # The standard's special cases JAX misses: exp(-inf + i*(inf or nan)) is 0 + 0j,
        # exp(+inf + i*(inf or nan)) is inf + nan j (JAX gives nan + nan j).
        re, odd = jnp.real(x), ~jnp.isfinite(jnp.imag(x))
        out = jnp.where((re == -jnp.inf) & odd, jnp.zeros_like(out), out)
        return jnp.where((re == jnp.inf) & odd,
                         jnp.asarray(complex(float("inf"), float("nan")), dtype=out.dtype), out)

    return {"floor_divide": floor_divide, "remainder": remainder, "exp": exp}


def _kernels() -> dict[str, Any]:
    from arraygrad.backends import _jax_kernels

    return dict(_jax_kernels.KERNELS)


@hookimpl
def arraygrad_backends() -> list[BackendSpec]:
    """Declare the JAX backend (JAX is imported only when the backend is first used)."""
    return [BackendSpec("jax", load, "JAX (jax.numpy) on CPU, GPU or TPU",
                        modules=("jax", "jaxlib"))]
