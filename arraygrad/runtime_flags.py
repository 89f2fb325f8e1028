"""PyTorch's process-wide switches that scripts set before training, answered honestly.

``torch.backends.cudnn.benchmark = True``, ``torch.set_num_threads(1)``,
``torch.set_float32_matmul_precision("high")``, ``torch.use_deterministic_algorithms(True)``
select kernels in PyTorch; none of them changes what arraygrad computes (it has no cuDNN,
no TF32 and no non-deterministic kernels: its CPU results repeat bit for bit). The
switches keep the value set, so the getters answer what was set, and they validate their
arguments as PyTorch does. ``ag.backends.cudnn`` (``torch.backends.cudnn`` after
``import arraygrad.torch_compat as torch``), ``mps``, ``cuda``, ``mkldnn``, ``mkl``,
``openmp`` and ``cpu`` report what this process has.
"""

from __future__ import annotations

import os
import types
from typing import Any

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "torch_backends"]

_STATE: dict[str, Any] = {"threads": os.cpu_count() or 1, "interop": os.cpu_count() or 1,
                          "precision": "highest", "deterministic": False, "warn_only": False}


def _positive(name: str, n: Any) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise RuntimeError(f"{name}: Expected num_threads to be positive, got {n!r}")
    return n


def set_num_threads(num: int) -> None:
    """PyTorch's intra-op thread count (kept; arraygrad's kernels are NumPy's or the
    backend's, whose BLAS reads ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` at start)."""
    _STATE["threads"] = _positive("set_num_threads", num)


def get_num_threads() -> int:
    """The value of the last :func:`set_num_threads` (the CPU count before)."""
    return int(_STATE["threads"])


def set_num_interop_threads(num: int) -> None:
    """PyTorch's inter-op thread count (kept)."""
    _STATE["interop"] = _positive("set_num_interop_threads", num)


def get_num_interop_threads() -> int:
    """The value of the last :func:`set_num_interop_threads`."""
    return int(_STATE["interop"])


def set_float32_matmul_precision(precision: str) -> None:
    """``"highest"``, ``"high"`` or ``"medium"``: whether PyTorch may use TF32/bfloat16
    inside float32 matmuls. arraygrad's float32 matmuls are always full precision."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision!r}: expected 'highest', 'high' or "
                           f"'medium'")
    _STATE["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value of the last :func:`set_float32_matmul_precision` (``"highest"``)."""
    return str(_STATE["precision"])


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's switch to deterministic kernels; arraygrad's are deterministic already."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, got "
                        f"{type(mode).__name__}")
    _STATE["deterministic"] = mode
    _STATE["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """The value of the last :func:`use_deterministic_algorithms`."""
    return bool(_STATE["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` of the last :func:`use_deterministic_algorithms`."""
    return bool(_STATE["warn_only"])


class _Flags(types.SimpleNamespace):
    """A ``torch.backends.<name>`` stand-in: its switches are plain attributes."""

    def __repr__(self) -> str:
        return f"<torch.backends flags {self.__dict__}>"


def _no() -> bool:
    return False


def _yes() -> bool:
    return True


torch_backends = types.SimpleNamespace(
    cudnn=_Flags(enabled=True, benchmark=False, deterministic=False, allow_tf32=True,
                 benchmark_limit=10, is_available=_no, version=lambda: None),
    mps=_Flags(is_available=_no, is_built=_no),
    cuda=_Flags(matmul=_Flags(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                              allow_bf16_reduced_precision_reduction=True),
                is_built=_no, flash_sdp_enabled=_no, mem_efficient_sdp_enabled=_no,
                math_sdp_enabled=_yes),
    mkldnn=_Flags(enabled=True, is_available=_no),
    mkl=_Flags(is_available=_no),
    openmp=_Flags(is_available=_no),
    cpu=_Flags(get_cpu_capability=lambda: "DEFAULT"),
)
