"""Pin BLAS and OpenMP thread pools before any array library is imported.

Import this module first: the environment variables only take effect if they are set
before NumPy (OpenBLAS) or PyTorch load their thread pools.
"""

from __future__ import annotations

import os

THREADS = 2
_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
         "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def set_thread_variables(threads: int) -> None:
    """Set the thread-count variables; effective only before NumPy/PyTorch are imported."""
    for var in _VARS:
        os.environ[var] = str(threads)


set_thread_variables(THREADS)
# Idle OpenMP workers (PyTorch's) sleep instead of spinning: a spinning pool would steal a
# core from whichever implementation is timed next and bias the interleaved comparison.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def pin_threads(threads: int = THREADS) -> list[dict]:
    """Limit every loaded BLAS/OpenMP pool (and PyTorch, if imported) to ``threads``.

    Returns threadpoolctl's description of the pools (which BLAS, which kernel), or an
    empty list when threadpoolctl is not installed.
    """
    import sys

    info: list[dict] = []
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(threads)
        info = threadpool_info()
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    return info
