"""``arraygrad.distributed``: data-parallel training across processes and machines
(PyTorch's ``torch.distributed``), on existing engines: MPI (mpi4py) for CPU arrays, NCCL
(CuPy) for CuPy arrays on GPUs, JAX's collectives for the jax backend.

Importing this package imports no engine; ``init_process_group(backend=...)`` imports the
one it needs. See docs/distributed.md.

Examples
--------
>>> import arraygrad as ag
>>> ag.distributed.get_rank(), ag.distributed.get_world_size()  # outside a job: 0 of 1
(0, 1)
"""

from arraygrad.distributed import nn
from arraygrad.distributed.checkpoint import save
from arraygrad.distributed.collectives import (
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    broadcast,
    broadcast_object_list,
    gather,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)
from arraygrad.distributed.process_group import (
    DEFAULT_TIMEOUT,
    CollectiveMismatchError,
    DistributedError,
    DistributedTimeoutError,
    ProcessGroup,
    ReduceOp,
    Work,
    barrier,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_main_process,
    manual_seed,
)
from arraygrad.distributed.sampler import DistributedSampler

__all__ = [
    "init_process_group", "destroy_process_group", "is_initialized", "is_available",
    "get_rank", "get_world_size", "get_backend", "is_main_process", "barrier", "group",
    "ReduceOp", "Work", "ProcessGroup", "DistributedError", "DistributedTimeoutError",
    "CollectiveMismatchError", "DEFAULT_TIMEOUT", "manual_seed", "all_reduce", "broadcast",
    "all_gather", "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor",
    "reduce", "gather", "scatter", "all_gather_object", "broadcast_object_list",
    "DistributedSampler", "save", "nn",
]
