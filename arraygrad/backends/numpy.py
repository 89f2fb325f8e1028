"""The NumPy backend (CPU). NumPy 2.1+ implements the Array-API standard in its own namespace."""

from __future__ import annotations

import warnings

from arraygrad.backend_registry import Backend, BackendSpec, make_namespace
from arraygrad.hookspecs import hookimpl

# NumPy's floating-point warnings ("divide by zero encountered in log"): PyTorch computes
# IEEE special values silently (log(0) = -inf, 0/0 = nan) and so does arraygrad. Only
# warnings raised from arraygrad's own modules are silenced; the user's NumPy code warns.
_FP_WARNINGS = r"(divide by zero|invalid value|overflow|underflow) encountered in"


def load() -> Backend:
    """Build the NumPy backend."""
    import numpy as np

    warnings.filterwarnings("ignore", message=_FP_WARNINGS, category=RuntimeWarning,
                            module=r"arraygrad(\.|$)")

    from arraygrad.backends._numpy_fast import FAST_FUNCTIONS
    from arraygrad.extend import HostRNG, numpy_scatter_add

    def from_object(obj, dtype=None, device=None, copy=None):
        if device not in (None, "cpu"):
            raise ValueError(f"numpy arrays live on 'cpu' only, not {device!r}")
        foreign = not isinstance(obj, (np.ndarray, np.generic, list, tuple, int, float, bool,
                                       complex, str, bytes))
        if foreign and hasattr(obj, "__dlpack__"):
            try:
                obj = np.from_dlpack(obj)
            except (BufferError, TypeError, RuntimeError):
                obj = np.asarray(obj)
        out = np.array(obj, dtype=dtype, copy=copy) if copy else np.asarray(obj, dtype=dtype)
        if foreign and out.dtype.kind == "O":
            # Another library's array without DLPack or __array__: refuse rather than hold
            # it as a Python object (so a move falls back to the source's to_numpy).
            raise TypeError(f"numpy backend: cannot import a {type(obj).__name__} as numbers: "
                            f"it has no __dlpack__/__dlpack_device__ and no __array__")
        return out

    def to_device(array, device):
        if device != "cpu":
            raise ValueError(f"numpy arrays live on 'cpu' only, not {device!r}")
        return array

    def scatter_add(target, key, values):
        return numpy_scatter_add(np.asarray(target), key, values)

    return Backend(
        name="numpy",
        xp=make_namespace(np, scatter_add=scatter_add, **FAST_FUNCTIONS),
        devices=("cpu",),
        default_device="cpu",
        mutable=True,
        from_object=from_object,
        to_numpy=np.asarray,
        device_of=lambda array: "cpu",
        to_device=to_device,
        native_device=lambda device: "cpu",
        owns=lambda obj: isinstance(obj, (np.ndarray, np.generic)),
        rng=HostRNG(lambda values, device: values),
        scatter_add=scatter_add,
        scalar_operands=True,
    )


@hookimpl
def arraygrad_backends() -> list[BackendSpec]:
    """Declare the NumPy backend."""
    return [BackendSpec("numpy", load, "NumPy on the CPU")]
