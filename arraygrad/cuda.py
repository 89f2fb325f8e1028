"""``torch.cuda``'s queries, answered from arraygrad's backends.

A CUDA device is a ``"cuda:N"`` device of an available backend (CuPy's, or JAX's on a GPU
build; docs/gpu.md). ``is_available()`` is what a PyTorch script asks before choosing
``"cuda"``; on a machine without a GPU it is False and the script runs on the CPU. The
random functions seed the generators of the backends that hold those devices.
"""

from __future__ import annotations

import functools
import importlib
import secrets
from typing import Any

from arraygrad import backend_registry

__all__ = ["is_available", "device_count", "current_device", "set_device", "get_device_name",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "synchronize", "empty_cache",
           "is_bf16_supported"]


def __getattr__(name: str) -> Any:
    # ``torch.cuda.amp``: arraygrad.amp imports this module (GradScaler asks whether CUDA
    # is available), so it is looked up on first use
    if name == "amp":
        return importlib.import_module("arraygrad.amp").cuda_amp
    raise AttributeError(f"module 'arraygrad.cuda' has no attribute {name!r}")


_current = [0]


@functools.lru_cache(maxsize=1)
def _cuda_backends() -> tuple[tuple[Any, tuple[str, ...]], ...]:
    """(backend, its cuda devices) for every available backend that has any (looked up
    once: loading a backend to ask is the slow part)."""
    out = []
    for status in backend_registry.available().values():
        cuda = tuple(d for d in status.devices if d.startswith("cuda"))
        if status.ok and cuda:
            out.append((backend_registry.get_backend(status.name), cuda))
    return tuple(out)


def _devices() -> tuple[str, ...]:
    return _cuda_backends()[0][1] if _cuda_backends() else ()


def is_available() -> bool:
    """Whether some available backend has a CUDA device.

    Examples
    --------
    >>> import arraygrad as ag
    >>> device = "cuda" if ag.cuda.is_available() else "cpu"
    >>> ag.ones(2, device=device).device.type in ("cpu", "cuda")
    True
    """
    return bool(_devices())


def device_count() -> int:
    """How many CUDA devices the first backend that has them offers (0 without a GPU)."""
    return len(_devices())


def _check(device: Any) -> int:
    if not is_available():
        raise RuntimeError("Torch not compiled with CUDA enabled: arraygrad found no backend "
                           "with a CUDA device (install CuPy or a CUDA build of JAX)")
    index = _current[0] if device is None else \
        int(str(device).split(":")[1]) if ":" in str(device) else \
        (_current[0] if str(device) == "cuda" else int(device))
    if not 0 <= index < device_count():
        raise RuntimeError(f"CUDA error: invalid device ordinal {index} ({device_count()} "
                           f"device(s))")
    return index


def current_device() -> int:
    """The index of the current CUDA device."""
    return _check(None)


def set_device(device: Any) -> None:
    """Make ``device`` (an index or ``"cuda:N"``) the current CUDA device."""
    _current[0] = _check(device)


def get_device_name(device: Any = None) -> str:
    """The backend and device that serve ``device``."""
    index = _check(device)
    backend = _cuda_backends()[0][0]
    return f"{backend.name} cuda:{index}"


def manual_seed(seed: int) -> None:
    """Seed the generators of the backends with CUDA devices."""
    for backend, _devs in _cuda_backends():
        backend.rng.seed(seed)


manual_seed_all = manual_seed


def seed() -> None:
    """Seed the CUDA backends' generators non-deterministically."""
    manual_seed(secrets.randbits(63))


seed_all = seed


def synchronize(device: Any = None) -> None:
    """Wait for every kernel queued on the CUDA backends (a no-op without a GPU)."""
    for backend, _devs in _cuda_backends():
        sync = getattr(backend, "synchronize", None)
        if sync is not None:
            sync()


def empty_cache() -> None:
    """Release cached device memory where the backend keeps a pool (a no-op otherwise)."""
    for backend, _devs in _cuda_backends():
        free = getattr(backend, "empty_cache", None)
        if free is not None:
            free()


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: arraygrad has no bfloat16 dtype."""
    return False
