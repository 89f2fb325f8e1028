"""The MPI engine (mpi4py): collectives on host (NumPy) buffers.

Any backend whose arrays convert to NumPy (the numpy backend without a copy; DLPack or the
buffer protocol for the others) runs on it. Blocking collectives run under a watchdog
thread: if one does not finish within the group's timeout, the watchdog prints which
collective timed out and calls ``MPI.COMM_WORLD.Abort`` so every rank of the job exits
instead of hanging. Asynchronous ones (``async_op=True``) raise
:class:`DistributedTimeoutError` from ``wait()`` instead, and the job is aborted at exit.

Deterministic mode: every reduction all-gathers (or all-to-alls) the ranks' arrays and adds
them in rank order on each rank, ``((x0 + x1) + x2) + ...``, so results are bit-identical on
every rank and to a single process adding the same values in the same order.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from typing import Any

import numpy as np

from arraygrad.distributed.process_group import (
    DistributedError,
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

__all__ = ["MPIProcessGroup", "create"]


def _mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
        raise _import_error("mpi", exc) from None
    return MPI


_ABORT_AT_EXIT: list[bool] = [False]


def _flush_for_launcher() -> None:
    """Flush this rank's output and give the launcher a moment to forward it: ``Abort``
    kills every rank at once, and MPICH's launcher dropped the last lines of a rank's
    traceback that were still in its pipe (seen in 1 of 7 runs of the 'dies' test)."""
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(0.25)


def _abort_at_exit() -> None:
    if _ABORT_AT_EXIT[0]:
        MPI = _mpi()  # noqa: N806
        _flush_for_launcher()
        MPI.COMM_WORLD.Abort(3)


class _Progress:
    """Drives this rank's nonblocking collectives while the main thread computes.

    MPI libraries (MPICH, Open MPI) move the data of a nonblocking collective only inside
    MPI calls, so an ``Iallreduce`` started during backward would otherwise wait for the
    next ``Test``/``Wait``. A daemon thread tests the pending requests every
    ``INTERVAL`` seconds (numpy's kernels release the GIL, so it runs beside them; each
    test costs microseconds, but the wake-ups cost about 4.5% of a core while a request is
    pending). Every test of a request, the thread's and ``Work``'s, is serialized by one
    lock (MPI forbids testing one request from two threads at once). Without the thread
    (``threaded`` false, or no ``MPI_THREAD_MULTIPLE``), ``Work`` tests drive progress:
    DDP tests its running buckets at every gradient hook.
    """

    INTERVAL = 5e-4

    def __init__(self, threaded: bool) -> None:
        self._cond = threading.Condition()
        self._pending: list = []
        self.threaded = threaded
        self._thread: threading.Thread | None = None
        self._stopped = False

    def watch(self, request: Any) -> Any:
        """Register ``request``; return its (serialized) test function."""
        cond = self._cond

        def test() -> bool:
            with cond:
                return bool(request.Test())

        if self.threaded:
            with cond:
                self._pending.append(request)
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True,
                                                    name="arraygrad-mpi-progress")
                    self._thread.start()
                cond.notify()
        return test

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._pending and not self._stopped:
                    cond.wait()
                if self._stopped:
                    return
                self._pending = [r for r in self._pending if not r.Test()]
            time.sleep(self.INTERVAL)


class MPIProcessGroup(ProcessGroup):
    """A process group over an MPI communicator (a duplicate of ``MPI.COMM_WORLD``)."""

    backend = "mpi"

    def __init__(self, comm: Any, timeout: float, deterministic: bool, checks: bool,
                 progress_thread: bool = False) -> None:
        super().__init__(comm.Get_rank(), comm.Get_size(), timeout, deterministic, checks)
        self.MPI = _mpi()
        self.comm = comm
        world = self.MPI.COMM_WORLD

        def abort(message: str) -> None:
            sys.stderr.write(message + " Aborting the job (MPI.COMM_WORLD.Abort).\n")
            _flush_for_launcher()
            world.Abort(3)

        self._watchdog = Watchdog(timeout, abort, self.rank)
        self._progress = _Progress(progress_thread and
                                   self.MPI.Query_thread() >= self.MPI.THREAD_MULTIPLE)
        self._ops = {ReduceOp.SUM: self.MPI.SUM, ReduceOp.AVG: self.MPI.SUM,
                     ReduceOp.PRODUCT: self.MPI.PROD, ReduceOp.MIN: self.MPI.MIN,
                     ReduceOp.MAX: self.MPI.MAX}

    # ------------------------------------------------------------------ plumbing
    def _blocking(self, what: str, fn: Any, *args: Any) -> Any:
        self._watchdog.arm(what)
        try:
            return fn(*args)
        finally:
            self._watchdog.disarm()

    def _work(self, request: Any, what: str, finish: Any, keep: tuple) -> Work:
        def on_timeout() -> None:
            _ABORT_AT_EXIT[0] = True  # the communicator is unusable: no rank may hang at exit

        test = self._progress.watch(request)

        def wait(timeout: float | None) -> None:
            _poll(test, self.timeout if timeout is None else timeout, what, on_timeout)

        work = Work(test, wait, finish, what)
        work._keep = keep  # type: ignore[attr-defined]  # buffers MPI still reads/writes
        return work

    @staticmethod
    def _host(arr: Any) -> np.ndarray:
        out = np.ascontiguousarray(arr)
        if out.dtype == np.bool_:
            raise TypeError("MPI collectives on bool tensors are not supported; cast to "
                            "uint8 first")
        return out

    def _result(self, compute: Any, request: Any, what: str, async_op: bool,
                *keep: Any) -> Any:
        """Run ``compute`` once ``request`` completes; return its value or a Work that keeps
        the send buffers ``keep`` alive until then."""
        if async_op:
            return self._work(request, what, compute, keep)
        self._blocking(what, request.Wait)
        return compute()

    # ------------------------------------------------------------------ collectives
    def allreduce(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        x = self._host(arr)
        _check_avg(x.dtype, op, "all_reduce")
        if self.deterministic:
            stacked = np.empty((self.world_size, *x.shape), x.dtype)
            req = self.comm.Iallgather(x, stacked)
            return self._result(lambda: _ordered_reduce(np, stacked, op), req, "all_reduce",
                                async_op, x)
        out = np.empty_like(x)
        req = self.comm.Iallreduce(x, out, op=self._ops[op])
        return self._result(lambda: _average(out, op, self.world_size), req, "all_reduce",
                            async_op, x)

    def broadcast(self, arr: Any, src: int, async_op: bool = False) -> Any:
        x = np.array(self._host(arr), copy=True)
        req = self.comm.Ibcast(x, root=src)
        return self._result(lambda: x, req, "broadcast", async_op)

    def allgather(self, arr: Any, async_op: bool = False) -> Any:
        x = self._host(arr)
        out = np.empty((self.world_size, *x.shape), x.dtype)
        req = self.comm.Iallgather(x, out)
        return self._result(lambda: out, req, "all_gather", async_op, x)

    def reduce_scatter(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        x = self._host(arr)
        piece = x.shape[1:]
        _check_avg(x.dtype, op, "reduce_scatter")
        if self.deterministic:
            got = np.empty_like(x)  # got[r] = rank r's piece for this rank
            req = self.comm.Ialltoall(x, got)
            return self._result(lambda: _ordered_reduce(np, got, op, "reduce_scatter"), req,
                                "reduce_scatter", async_op, x)
        out = np.empty(piece, x.dtype)
        req = self.comm.Ireduce_scatter_block(x, out, op=self._ops[op])
        return self._result(lambda: _average(out, op, self.world_size, "reduce_scatter"), req,
                            "reduce_scatter", async_op, x)

    def reduce(self, arr: Any, dst: int, op: ReduceOp, async_op: bool = False) -> Any:
        x = self._host(arr)
        _check_avg(x.dtype, op, "reduce")
        mine = self.rank == dst
        if self.deterministic:
            stacked = np.empty((self.world_size, *x.shape), x.dtype) if mine else None
            req = self.comm.Igather(x, stacked, root=dst)
            return self._result(
                lambda: _ordered_reduce(np, stacked, op, "reduce") if stacked is not None
                else None, req, "reduce", async_op, x)
        out = np.empty_like(x) if mine else None
        req = self.comm.Ireduce(x, out, op=self._ops[op], root=dst)
        return self._result(
            lambda: _average(out, op, self.world_size, "reduce") if out is not None else None,
            req, "reduce", async_op, x)

    def gather(self, arr: Any, dst: int, async_op: bool = False) -> Any:
        x = self._host(arr)
        mine = self.rank == dst
        out = np.empty((self.world_size, *x.shape), x.dtype) if mine else None
        req = self.comm.Igather(x, out, root=dst)
        return self._result(lambda: out, req, "gather", async_op, x)

    def scatter(self, arr: Any, src: int, like: Any, async_op: bool = False) -> Any:
        send = self._host(arr) if self.rank == src else None
        like = np.asarray(like)
        out = np.empty(like.shape, like.dtype)
        req = self.comm.Iscatter(send, out, root=src)
        return self._result(lambda: out, req, "scatter", async_op, send)

    def new_bucket(self, numel: int, like: Any) -> np.ndarray:
        return np.empty(numel, self.to_engine(like).dtype)

    def fill_bucket(self, bucket: Any, offset: int, arr: Any, like: Any,
                    scale: float) -> None:
        src = self.to_engine_array(arr, like)
        view = bucket[offset:offset + src.size].reshape(src.shape)
        if scale == 1:
            np.copyto(view, src)
        else:
            np.multiply(src, scale, out=view)

    def allreduce_bucket(self, bucket: Any, op: ReduceOp) -> Work:
        _check_avg(bucket.dtype, op, "all_reduce")
        if self.deterministic:
            stacked = np.empty((self.world_size, *bucket.shape), bucket.dtype)
            req = self.comm.Iallgather(bucket, stacked)

            def ordered() -> np.ndarray:
                np.copyto(bucket, _ordered_reduce(np, stacked, op))
                return bucket
            return self._work(req, "all_reduce", ordered, (bucket,))
        req = self.comm.Iallreduce(self.MPI.IN_PLACE, bucket, op=self._ops[op])
        return self._work(req, "all_reduce", lambda: _average(bucket, op, self.world_size),
                          (bucket,))

    def barrier(self) -> None:
        self._blocking("barrier", lambda: self.comm.Ibarrier().Wait())

    def allgather_object(self, obj: Any, what: str = "all_gather_object") -> list:
        return self._blocking(what, self.comm.allgather, obj)

    def bcast_object(self, obj: Any, src: int = 0) -> Any:
        """Rank ``src``'s picklable ``obj`` on every rank."""
        return self._blocking("broadcast_object", self.comm.bcast, obj, src)

    def stack(self, arrays: list) -> np.ndarray:
        return np.stack(arrays)

    def shutdown(self) -> None:
        self._watchdog.stop()
        self._progress.stop()
        try:
            self.comm.Free()
        except self.MPI.Exception:  # pragma: no cover - already freed by MPI at exit
            pass

    # ------------------------------------------------------------------ arrays
    def to_engine_array(self, arr: Any, like: Any) -> np.ndarray:
        if isinstance(arr, np.ndarray):
            return arr
        try:
            return np.asarray(like.backend.to_numpy(arr))
        except Exception as exc:
            raise TypeError(
                f"backend='mpi' needs arrays that convert to NumPy on the host; the "
                f"{like.backend.name!r} tensor on {like.device!r} does not ({exc}). Use "
                f"backend='nccl' for CuPy arrays or backend='jax' for JAX arrays") from exc

    def flatten(self, arrays: list) -> np.ndarray:
        return np.concatenate([np.ravel(a) for a in arrays])

    def from_engine(self, arr: Any, like: Any) -> Any:
        be = like.backend
        if be.name == "numpy":
            return arr
        return be.from_object(arr, None, like.device, None)


def _spare_cores(world: Any) -> bool:
    """Whether this machine has more cores than its ranks' compute threads (ranks on it
    times ``OMP_NUM_THREADS``; unset, a rank's BLAS uses every core)."""
    MPI = _mpi()  # noqa: N806
    local = world.Split_type(MPI.COMM_TYPE_SHARED)
    ranks_here = local.Get_size()
    local.Free()
    cores = os.cpu_count() or 1
    try:
        threads = max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        threads = cores
    return cores > ranks_here * threads


def create(rank: int | None, world_size: int | None, timeout: float, deterministic: bool,
           checks: bool, init_method: str | None = None, comm: Any = None,
           progress_thread: bool | None = None) -> MPIProcessGroup:
    """Start the MPI process group (used by ``init_process_group(backend="mpi")``).

    ``progress_thread``: run a thread that progresses asynchronous collectives in the
    background (see ``_Progress``). Default (None): only where the machine has a core to
    spare beyond its ranks' compute threads; on fully used cores the thread's wake-ups cost
    the compute more than they gain (measured: docs/distributed.md).
    """
    if progress_thread is not None and not isinstance(progress_thread, bool):
        raise TypeError(f"init_process_group(backend='mpi'): progress_thread must be True, "
                        f"False or None (automatic), got {progress_thread!r}")
    MPI = _mpi()  # noqa: N806
    if init_method is not None:
        raise ValueError("init_process_group(backend='mpi'): init_method is not used by MPI "
                         "(the MPI launcher connects the ranks); drop it")
    world = MPI.COMM_WORLD if comm is None else comm
    size, me = world.Get_size(), world.Get_rank()
    if world_size is not None and world_size != size:
        hint = (" This process was not started by mpiexec: launch with `mpiexec -n N python "
                "script.py` or `arraygrad run -n N script.py`." if size == 1 else "")
        raise DistributedError(f"init_process_group(backend='mpi'): world_size={world_size} "
                               f"(argument or WORLD_SIZE) but MPI started {size} processes."
                               + hint)
    if rank is not None and rank != me:
        raise DistributedError(f"init_process_group(backend='mpi'): rank={rank} (argument or "
                               f"RANK) but MPI says this process is rank {me}")
    if progress_thread is None:
        progress_thread = _spare_cores(world)
    pg = MPIProcessGroup(world.Dup(), timeout, deterministic, checks, progress_thread)
    if size > 1 and not getattr(sys, "_arraygrad_excepthook", False):
        previous = sys.excepthook

        def hook(tp, value, tb):  # a rank that dies takes the job down instead of hanging it
            previous(tp, value, tb)
            sys.stderr.write(f"arraygrad.distributed: rank {me} raised {tp.__name__}; "
                             f"aborting the MPI job (MPI.COMM_WORLD.Abort)\n")
            _flush_for_launcher()
            MPI.COMM_WORLD.Abort(1)

        sys.excepthook = hook
        sys._arraygrad_excepthook = True  # type: ignore[attr-defined]
        atexit.register(_abort_at_exit)
    return pg
