"""The NCCL engine (``cupy.cuda.nccl``): collectives on CuPy arrays, one GPU per rank.

Rank r uses GPU ``LOCAL_RANK`` (default: ``r`` modulo the number of GPUs). The NCCL unique
id that rank 0 creates reaches the other ranks through MPI when the job was started by
``mpiexec`` (mpi4py installed), or through a shared file (``init_method="file:///path"``,
which rank 0 writes atomically and the others wait for). Collectives are enqueued on the
current CuPy stream; blocking ones then wait for the stream under the watchdog (a timeout
prints the error, aborts the communicator and ends the process), asynchronous ones return a
:class:`Work` that polls a CUDA event. Deterministic mode all-gathers and adds in rank
order on the GPU.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

from arraygrad.distributed.process_group import (
    DistributedError,
    DistributedTimeoutError,
    ProcessGroup,
    ReduceOp,
    Watchdog,
    Work,
    _average,
    _check_avg,
    _import_error,
    _ordered_reduce,
    _poll,
)

__all__ = ["NCCLProcessGroup", "create"]


def _cupy() -> tuple[Any, Any]:
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as exc:
        raise _import_error("nccl", exc) from None
    return cupy, nccl


class NCCLProcessGroup(ProcessGroup):
    """A process group over an NCCL communicator (CuPy arrays on this rank's GPU)."""

    backend = "nccl"

    def __init__(self, comm: Any, rank: int, world_size: int, timeout: float,
                 deterministic: bool, checks: bool) -> None:
        super().__init__(rank, world_size, timeout, deterministic, checks)
        self.cupy, self.nccl = _cupy()
        self.comm = comm
        n = self.nccl
        self._ops = {ReduceOp.SUM: n.NCCL_SUM, ReduceOp.PRODUCT: n.NCCL_PROD,
                     ReduceOp.MIN: n.NCCL_MIN, ReduceOp.MAX: n.NCCL_MAX,
                     ReduceOp.AVG: n.NCCL_SUM}
        self._types = {np.dtype(k): getattr(n, v) for k, v in (
            ("float16", "NCCL_FLOAT16"), ("float32", "NCCL_FLOAT32"),
            ("float64", "NCCL_FLOAT64"), ("int8", "NCCL_INT8"), ("uint8", "NCCL_UINT8"),
            ("int32", "NCCL_INT32"), ("uint32", "NCCL_UINT32"), ("int64", "NCCL_INT64"),
            ("uint64", "NCCL_UINT64")) if hasattr(n, v)}

        def abort(message: str) -> None:
            sys.stderr.write(message + " Aborting the NCCL communicator and ending this "
                             "process (os._exit).\n")
            sys.stderr.flush()
            try:
                comm.abort()
            finally:
                os._exit(3)

        self._watchdog = Watchdog(timeout, abort, rank)

    # ------------------------------------------------------------------ plumbing
    def _buf(self, arr: Any) -> tuple[Any, Any, int]:
        """(contiguous array, NCCL dtype, element count); complex travels as float pairs."""
        cp = self.cupy
        x = cp.ascontiguousarray(arr)
        if x.dtype.kind == "c":
            x = x.view(x.real.dtype)
        if x.dtype == np.bool_:
            raise TypeError("NCCL collectives on bool tensors are not supported; cast to "
                            "uint8 first")
        nt = self._types.get(np.dtype(x.dtype))
        if nt is None:
            raise TypeError(f"NCCL has no type for {x.dtype}")
        return x, nt, x.size

    def _finish(self, what: str, async_op: bool, compute: Any) -> Any:
        stream = self.cupy.cuda.get_current_stream()
        event = self.cupy.cuda.Event(block=False, disable_timing=True)
        event.record(stream)
        if async_op:
            def wait(timeout: float | None) -> None:
                _poll(lambda: event.done, self.timeout if timeout is None else timeout,
                      what, self.comm.abort)  # an aborted communicator frees the stream
            return Work(lambda: event.done, wait, compute, what)
        self._watchdog.arm(what)
        try:
            event.synchronize()
        finally:
            self._watchdog.disarm()
        return compute()

    def _stream(self) -> int:
        return self.cupy.cuda.get_current_stream().ptr

    def _gather_raw(self, x: Any) -> Any:
        buf, nt, count = self._buf(x)
        out = self.cupy.empty((self.world_size, *buf.shape), buf.dtype)
        self.comm.allGather(buf.data.ptr, out.data.ptr, count, nt, self._stream())
        return out

    def _unview(self, out: Any, like: Any) -> Any:
        return out.view(like.dtype) if like.dtype.kind == "c" else out

    # ------------------------------------------------------------------ collectives
    def allreduce(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        x = self.cupy.asarray(arr)
        _check_avg(x.dtype, op, "all_reduce")
        if x.dtype.kind == "c" and op not in (ReduceOp.SUM, ReduceOp.AVG):
            raise TypeError(f"all_reduce: {op.name} is not defined for complex tensors")
        if self.deterministic:
            stacked = self._unview(self._gather_raw(x), x)
            return self._finish("all_reduce", async_op,
                                lambda: _ordered_reduce(self.cupy, stacked, op))
        buf, nt, count = self._buf(x)
        out = self.cupy.empty_like(buf)
        self.comm.allReduce(buf.data.ptr, out.data.ptr, count, nt, self._ops[op],
                            self._stream())
        return self._finish("all_reduce", async_op,
                            lambda: _average(self._unview(out, x), op, self.world_size))

    def broadcast(self, arr: Any, src: int, async_op: bool = False) -> Any:
        x = self.cupy.array(arr, copy=True)
        buf, nt, count = self._buf(x)
        self.comm.bcast(buf.data.ptr, count, nt, src, self._stream())
        return self._finish("broadcast", async_op, lambda: self._unview(buf, x))

    def allgather(self, arr: Any, async_op: bool = False) -> Any:
        x = self.cupy.asarray(arr)
        out = self._gather_raw(x)
        return self._finish("all_gather", async_op, lambda: self._unview(out, x))

    def reduce_scatter(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        x = self.cupy.asarray(arr)
        if self.deterministic or op is ReduceOp.AVG or x.dtype.kind == "c":
            full = self.allreduce(x, op)
            return self._finish("reduce_scatter", async_op, lambda: full[self.rank].copy())
        buf, nt, count = self._buf(x)
        out = self.cupy.empty(buf.shape[1:], buf.dtype)
        self.comm.reduceScatter(buf.data.ptr, out.data.ptr, count // self.world_size, nt,
                                self._ops[op], self._stream())
        return self._finish("reduce_scatter", async_op, lambda: out)

    def reduce(self, arr: Any, dst: int, op: ReduceOp, async_op: bool = False) -> Any:
        full = self.allreduce(arr, op)
        return self._finish("reduce", async_op, lambda: full if self.rank == dst else None)

    def gather(self, arr: Any, dst: int, async_op: bool = False) -> Any:
        full = self.allgather(arr)
        return self._finish("gather", async_op, lambda: full if self.rank == dst else None)

    def scatter(self, arr: Any, src: int, like: Any, async_op: bool = False) -> Any:
        cp = self.cupy
        like = cp.asarray(like)
        send = arr if self.rank == src else cp.zeros((self.world_size, *like.shape),
                                                     like.dtype)
        full = self.broadcast(send, src)
        return self._finish("scatter", async_op, lambda: full[self.rank].copy())

    def barrier(self) -> None:
        self.allreduce(self.cupy.zeros(1, np.int32), ReduceOp.SUM)

    def stack(self, arrays: list) -> Any:
        return self.cupy.stack(arrays)

    def flatten(self, arrays: list) -> Any:
        return self.cupy.concatenate([self.cupy.ravel(a) for a in arrays])

    def from_host(self, arr: np.ndarray) -> Any:
        return self.cupy.asarray(arr)

    def to_host(self, arr: Any) -> np.ndarray:
        return self.cupy.asnumpy(arr)

    def shutdown(self) -> None:
        self._watchdog.stop()
        self.comm.destroy()

    # ------------------------------------------------------------------ arrays
    def to_engine_array(self, arr: Any, like: Any) -> Any:
        if like.backend.name != "cupy":
            raise TypeError(f"backend='nccl' needs CuPy arrays; this tensor is on backend "
                            f"{like.backend.name!r} ({like.device!r}). Use backend='mpi' for "
                            f"CPU arrays or move the model with .to(backend='cupy')")
        return arr

    def from_engine(self, arr: Any, like: Any) -> Any:
        return arr


def _exchange_id(nccl: Any, rank: int, world_size: int, init_method: str | None,
                 timeout: float) -> tuple:
    """Rank 0's NCCL unique id on every rank (through MPI or a shared file)."""
    if init_method is None:
        try:
            from mpi4py import MPI
        except ImportError:
            comm = None
        else:
            comm = MPI.COMM_WORLD
        if comm is None or comm.Get_size() != world_size:
            raise DistributedError(
                "init_process_group(backend='nccl'): no way to share NCCL's unique id: start "
                "the job with mpiexec (and mpi4py installed: pip install \"arraygrad[mpi]\") "
                "or pass init_method='file:///shared/path'")
        uid = nccl.get_unique_id() if rank == 0 else None
        return comm.bcast(uid, root=0)
    if not init_method.startswith("file://"):
        raise ValueError(f"init_process_group(backend='nccl'): init_method must be "
                         f"'file:///path' (or omitted under mpiexec), got {init_method!r}")
    path = init_method[len("file://"):]
    if rank == 0:
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(" ".join(str(int(c)) for c in nccl.get_unique_id()))
        os.replace(tmp, path)
    start = time.monotonic()
    while not os.path.exists(path):
        if time.monotonic() - start > timeout:
            raise DistributedTimeoutError(f"init_process_group(backend='nccl'): rank 0 did "
                                          f"not write {path} within {timeout:g} s")
        time.sleep(0.05)
    with open(path) as f:
        return tuple(int(c) for c in f.read().split())


def create(rank: int | None, world_size: int | None, timeout: float, deterministic: bool,
           checks: bool, init_method: str | None = None,
           device: int | None = None) -> NCCLProcessGroup:
    """Start the NCCL process group (``init_process_group(backend="nccl")``)."""
    cupy, nccl = _cupy()
    if rank is None or world_size is None:
        try:
            from mpi4py import MPI
            rank = MPI.COMM_WORLD.Get_rank() if rank is None else rank
            world_size = MPI.COMM_WORLD.Get_size() if world_size is None else world_size
        except ImportError:
            raise DistributedError(
                "init_process_group(backend='nccl'): rank and world_size are unknown: pass "
                "them, launch with `arraygrad run --spawn -n N` (RANK/WORLD_SIZE), or under "
                "mpiexec with mpi4py installed") from None
    ngpu = cupy.cuda.runtime.getDeviceCount()
    if ngpu == 0:
        raise DistributedError("init_process_group(backend='nccl'): no CUDA GPU is visible")
    local = int(os.environ.get("LOCAL_RANK", rank)) if device is None else device
    cupy.cuda.Device(local % ngpu).use()
    uid = _exchange_id(nccl, rank, world_size, init_method, timeout)
    comm = nccl.NcclCommunicator(world_size, uid, rank)
    return NCCLProcessGroup(comm, rank, world_size, timeout, deterministic, checks)
