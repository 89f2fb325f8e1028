"""The CuPy backend: NVIDIA GPUs through array-api-compat's CuPy namespace.

Devices are ``"cuda:0"``, ``"cuda:1"``, ... (one per visible GPU). ``scatter_add`` is
``cupyx.scatter_add``; random numbers come from one CuPy ``RandomState`` per GPU, all
seeded by ``ag.manual_seed``. Creation functions honour ``device=`` on machines with more
than one GPU; CuPy runs a kernel on the *current* CUDA device, so computing on
``"cuda:1"`` should happen inside ``with cupy.cuda.Device(1):``.

Without CuPy, or without a usable GPU, loading fails with the reason, which
``ag.backends.available()`` reports and the pytest plugin turns into a skip.
"""

from __future__ import annotations

import threading
from typing import Any

from arraygrad.backend_registry import Backend, BackendSpec, make_namespace
from arraygrad.hookspecs import hookimpl

_SCALARS = (list, tuple, int, float, bool, complex)


def _import_cupy() -> tuple[Any, int]:
    """Import CuPy and count the GPUs, or raise saying what is missing."""
    try:
        import cupy
    except ImportError as exc:
        raise ImportError(
            f"CuPy is not installed ({exc}); install the wheel for your CUDA version, "
            f"e.g. pip install 'arraygrad[cupy]' (cupy-cuda12x)"
        ) from exc
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # CUDARuntimeError: no driver, no device, driver too old
        raise RuntimeError(f"CuPy is installed but found no usable CUDA GPU: {exc}") from exc
    if count == 0:
        raise RuntimeError("CuPy is installed but no CUDA GPU is visible "
                           "(check CUDA_VISIBLE_DEVICES and the driver)")
    return cupy, count


class CupyRNG:
    """One ``cupy.random.RandomState`` per GPU, created on first use on that GPU."""

    def __init__(self, cupy: Any) -> None:
        self._cupy = cupy
        self._seed: int | None = None
        self._states: dict[int, Any] = {}
        self._lock = threading.Lock()

    def seed(self, seed: int) -> None:
        with self._lock:
            self._seed = seed
            self._states = {}

    def _state(self, device: str) -> tuple[Any, Any]:
        index = int(device.split(":")[1])
        dev = self._cupy.cuda.Device(index)
        with self._lock:
            state = self._states.get(index)
            if state is None:
                with dev:
                    state = self._cupy.random.RandomState(self._seed)
                self._states[index] = state
        return state, dev

    def _float(self, dtype: Any) -> Any:
        # cuRAND draws float32 or float64; narrower floats are cast afterwards.
        return dtype if self._cupy.dtype(dtype).itemsize >= 4 else self._cupy.float32

    def uniform(self, shape, dtype, device, low=0.0, high=1.0):
        state, dev = self._state(device)
        with dev:
            return state.uniform(low, high, size=tuple(shape),
                                 dtype=self._float(dtype)).astype(dtype, copy=False)

    def normal(self, shape, dtype, device, mean=0.0, std=1.0):
        state, dev = self._state(device)
        with dev:
            return state.normal(mean, std, size=tuple(shape),
                                dtype=self._float(dtype)).astype(dtype, copy=False)

    def integers(self, low, high, shape, dtype, device):
        state, dev = self._state(device)
        with dev:
            return state.randint(low, high, size=tuple(shape), dtype=dtype)

    def permutation(self, n, device):
        state, dev = self._state(device)
        with dev:
            return state.permutation(n).astype(self._cupy.int64, copy=False)

    def bernoulli(self, p, shape, dtype, device):
        state, dev = self._state(device)
        with dev:
            draws = state.random_sample(size=tuple(shape), dtype=self._cupy.float32)
            return (draws < p).astype(dtype)


def _device_aware(raw: Any, cupy: Any) -> dict[str, Any]:
    """Creation functions that honour ``device=`` (array-api-compat ignores it for CuPy)."""
    def on_device(fn):
        def wrapped(*args, device=None, **kwargs):
            if device is None:
                return fn(*args, **kwargs)
            with device:
                return fn(*args, **kwargs)
        return wrapped

    def like_input(fn):
        def wrapped(x, /, *args, device=None, **kwargs):
            with device if device is not None else x.device:
                return fn(x, *args, **kwargs)
        return wrapped

    out = {name: on_device(getattr(raw, name))
           for name in ("zeros", "ones", "empty", "full", "arange", "linspace", "eye")}
    out.update({name: like_input(getattr(raw, name))
                for name in ("zeros_like", "ones_like", "empty_like", "full_like")})
    return out


def load() -> Backend:
    """Build the CuPy backend (raises ImportError/RuntimeError when no CuPy or no GPU)."""
    cupy, count = _import_cupy()
    import array_api_compat.cupy as cxp
    import cupyx
    import numpy as np

    names = tuple(f"cuda:{i}" for i in range(count))
    native = {name: cupy.cuda.Device(i) for i, name in enumerate(names)}

    def native_device(device: str) -> Any:
        try:
            return native[device]
        except KeyError:
            raise ValueError(f"cupy has no device {device!r}; its devices are "
                             f"{list(names)}") from None

    def from_object(obj, dtype=None, device=None, copy=None):
        dev = native_device(device or names[0])
        with dev:
            if isinstance(obj, cupy.ndarray):
                if obj.device.id != dev.id or copy:
                    return cupy.array(obj, dtype=dtype, copy=True)
                return obj if dtype is None else obj.astype(dtype, copy=False)
            if not isinstance(obj, (np.ndarray, np.generic, *_SCALARS)) \
                    and hasattr(obj, "__dlpack__"):
                try:  # a GPU array of another library: copy it, that library may alias it
                    return cupy.array(cupy.from_dlpack(obj), dtype=dtype, copy=True)
                except (BufferError, TypeError, ValueError, RuntimeError):
                    obj = np.asarray(obj)  # host memory (or a device CuPy can't read)
            return cupy.array(obj, dtype=dtype)  # host -> device always copies

    def device_of(array) -> str:
        return names[array.device.id]

    def to_device(array, device):
        dev = native_device(device)
        if array.device.id == dev.id:
            return array
        with dev:  # ndarray.copy() copies onto the current device
            return array.copy()

    def scatter_add(target, key, values):
        cupyx.scatter_add(target, key, values)
        return target

    extras = _device_aware(cxp, cupy) if count > 1 else {}
    return Backend(
        name="cupy",
        xp=make_namespace(cxp, scatter_add=scatter_add, **extras),
        devices=names,
        default_device=names[0],
        mutable=True,
        from_object=from_object,
        to_numpy=cupy.asnumpy,
        device_of=device_of,
        to_device=to_device,
        native_device=native_device,
        owns=lambda obj: isinstance(obj, cupy.ndarray),
        rng=CupyRNG(cupy),
        scatter_add=scatter_add,
    )


@hookimpl
def arraygrad_backends() -> list[BackendSpec]:
    """Declare the CuPy backend (CuPy is imported only when the backend is first used)."""
    return [BackendSpec("cupy", load, "CuPy on NVIDIA GPUs")]
