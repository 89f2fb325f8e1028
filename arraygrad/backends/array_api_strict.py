"""The array-api-strict backend: the standard's reference implementation.

It has nothing beyond the standard, so a core that passes on it uses only the standard.
Its extra devices ``device1`` and ``device2`` are simulated: tests use them to check that
mixing devices in one op raises a clear error.
"""

from __future__ import annotations

from arraygrad.backend_registry import Backend, BackendSpec, make_namespace
from arraygrad.hookspecs import hookimpl


def load() -> Backend:
    """Build the array-api-strict backend."""
    try:
        import array_api_strict as xp
    except ImportError as exc:
        raise ImportError(f"the array_api_strict backend needs array-api-strict, which does "
                          f'not import here ({exc}): pip install "arraygrad[strict]"') from exc
    import numpy as np

    Array = type(xp.asarray(0))  # the public package does not export its array class

    from arraygrad.extend import HostRNG, numpy_scatter_add

    native_devices = {"cpu": xp.Device("CPU_DEVICE"), "device1": xp.Device("device1"),
                      "device2": xp.Device("device2")}
    names = {v: k for k, v in native_devices.items()}

    def to_numpy(array):
        if isinstance(array, Array) and array.device != native_devices["cpu"]:
            array = xp.asarray(array, device=native_devices["cpu"])
        return np.asarray(np.from_dlpack(array))

    def from_object(obj, dtype=None, device=None, copy=None):
        dev = native_devices[device or "cpu"]
        if isinstance(obj, Array):
            out = xp.asarray(obj, dtype=dtype, copy=copy)
            return xp.asarray(out, device=dev) if out.device != dev else out
        if not isinstance(obj, (list, tuple, int, float, bool, complex)):
            obj = np.asarray(obj if not hasattr(obj, "__dlpack__") or isinstance(obj, np.ndarray)
                             else np.from_dlpack(obj))
            if obj.dtype.kind not in "biufc":
                raise TypeError(f"cannot make an array_api_strict array from dtype {obj.dtype}")
            obj = np.asarray(obj, order="C")  # ascontiguousarray would make 0-d 1-d
        return xp.asarray(obj, dtype=dtype, device=dev, copy=copy)

    def scatter_add(target, key, values):
        # The standard has no scatter: do it on the host and come back to the device.
        def host(k):
            return to_numpy(k) if isinstance(k, Array) else k

        host_key = tuple(host(k) for k in key) if isinstance(key, tuple) else host(key)
        out = numpy_scatter_add(to_numpy(target).copy(), host_key, to_numpy(values))
        return xp.asarray(out, device=target.device)

    def convert(values, device):
        return xp.asarray(values, device=native_devices[device])

    return Backend(
        name="array_api_strict",
        xp=make_namespace(xp, scatter_add=scatter_add),
        devices=tuple(native_devices),
        default_device="cpu",
        mutable=True,
        from_object=from_object,
        to_numpy=to_numpy,
        device_of=lambda array: names[array.device],
        to_device=lambda array, device: xp.asarray(array, device=native_devices[device]),
        native_device=native_devices.__getitem__,
        owns=lambda obj: isinstance(obj, Array),
        rng=HostRNG(convert),
        scatter_add=scatter_add,
    )


@hookimpl
def arraygrad_backends() -> list[BackendSpec]:
    """Declare the array-api-strict backend."""
    return [BackendSpec("array_api_strict", load, "array-api-strict, the standard's reference")]
