"""The process group: who the ranks are, which engine carries the bytes, and the defaults.

One process group (the default, "world") per process, as ``torch.distributed``'s default
group. An engine (MPI, NCCL, JAX) implements :class:`ProcessGroup`'s array-level methods on
native arrays; :mod:`arraygrad.distributed.collectives` turns Tensor calls into them.
Nothing here imports an engine: ``init_process_group`` imports the one it is asked for.
"""

from __future__ import annotations

import datetime
import enum
import importlib
import os
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "ReduceOp", "Work", "ProcessGroup", "DistributedError", "DistributedTimeoutError",
    "CollectiveMismatchError", "init_process_group", "destroy_process_group", "is_initialized",
    "is_available", "get_rank", "get_world_size", "get_backend", "barrier", "group",
    "DEFAULT_TIMEOUT", "manual_seed", "is_main_process", "Watchdog",
]

#: Default collective timeout, as PyTorch's (30 minutes).
DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)

_EXTRA = {
    "mpi": ('mpi4py', 'pip install "arraygrad[mpi]"  (mpi4py and the MPICH wheel)'),
    "nccl": ('cupy', 'pip install "arraygrad[cupy]"  (CuPy ships NCCL as cupy.cuda.nccl)'),
    "jax": ('jax', 'pip install "arraygrad[jax]"'),
}


class DistributedError(RuntimeError):
    """A distributed operation failed (engine error, misuse of the process group)."""


class DistributedTimeoutError(DistributedError, TimeoutError):
    """A collective did not complete within the process group's ``timeout``."""


class CollectiveMismatchError(DistributedError, ValueError):
    """The ranks called a collective with tensors of different shapes or dtypes."""


class ReduceOp(enum.Enum):
    """How ``all_reduce``, ``reduce`` and ``reduce_scatter`` combine the ranks' values."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


class Work:
    """The handle of an asynchronous collective (``async_op=True``), as PyTorch's ``Work``.

    ``wait()`` blocks until the collective finished and its result was written (raising
    :class:`DistributedTimeoutError` after the group's timeout); ``is_completed()`` polls.
    """

    def __init__(self, test: Callable[[], bool], wait: Callable[[float | None], None],
                 finish: Callable[[], Any] | None = None, what: str = "collective") -> None:
        self._test = test
        self._wait = wait
        self._finish = finish
        self._done = False
        self._what = what
        self.value: Any = None  # what ``finish`` returned (engine-level results)

    def _complete(self) -> None:
        if not self._done:
            self._done = True
            if self._finish is not None:
                self.value = self._finish()

    def is_completed(self) -> bool:
        """True once the collective finished (its result is then written)."""
        if not self._done and self._test():
            self._complete()
        return self._done

    def wait(self, timeout: datetime.timedelta | float | None = None) -> bool:
        """Block until the collective finished; returns True.

        ``timeout`` (seconds or ``timedelta``) overrides the process group's timeout.
        """
        if not self._done:
            self._wait(_seconds(timeout) if timeout is not None else None)
            self._complete()
        return True

    def result(self) -> Any:
        """Wait, then return None (the result is in the tensors given to the collective)."""
        self.wait()
        return None


def _seconds(timeout: datetime.timedelta | float) -> float:
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    raise TypeError(f"timeout must be a positive number of seconds or a datetime.timedelta, "
                    f"got {timeout!r}")


# The elementwise function that combines two ranks' values, by name in the engine's array
# namespace (numpy, cupy and jax.numpy all have these).
_COMBINE = {ReduceOp.SUM: "add", ReduceOp.AVG: "add", ReduceOp.PRODUCT: "multiply",
            ReduceOp.MAX: "maximum", ReduceOp.MIN: "minimum"}


def _check_avg(dtype: Any, op: ReduceOp, fn: str) -> None:
    """Raise TypeError for ``ReduceOp.AVG`` on a dtype that is not floating or complex."""
    if op is ReduceOp.AVG and np.dtype(dtype).kind not in "fc":
        raise TypeError(f"{fn}: ReduceOp.AVG needs a floating or complex tensor, got "
                        f"{dtype}; use ReduceOp.SUM")


def _average(arr: Any, op: ReduceOp, world_size: int, fn: str = "all_reduce") -> Any:
    """``arr / world_size`` for ``ReduceOp.AVG`` (a sum over the ranks), else ``arr``.
    ``arr`` is a fresh result buffer: NumPy and CuPy divide it in place (JAX arrays, which
    have no in-place division, are rebound to a new one)."""
    if op is not ReduceOp.AVG:
        return arr
    _check_avg(arr.dtype, op, fn)
    arr /= world_size
    return arr


def _ordered_reduce(xp: Any, stacked: Any, op: ReduceOp, fn: str = "all_reduce") -> Any:
    """Reduce a ``(world_size, ...)`` stack in rank order, ``((x0 + x1) + x2) + ...``
    (or ``*``, ``maximum``, ``minimum``), then divide by the world size for AVG: the
    deterministic mode's arithmetic, the same on every engine and rank."""
    combine = getattr(xp, _COMBINE[op])
    acc = stacked[0]
    for r in range(1, stacked.shape[0]):
        acc = combine(acc, stacked[r])
    return _average(acc, op, stacked.shape[0], fn)


class ProcessGroup:
    """The ranks of one job and the engine that moves their arrays.

    Engines subclass this and implement the array-level methods; every method takes and
    returns native arrays of the engine's array library (NumPy for MPI, CuPy for NCCL,
    JAX for JAX) and returns a :class:`Work` when ``async_op`` is true.

    Attributes
    ----------
    backend : str
        ``"mpi"``, ``"nccl"`` or ``"jax"``.
    rank, world_size : int
    timeout : float
        Seconds a collective may wait before :class:`DistributedTimeoutError`.
    deterministic : bool
        Reductions combine the ranks' values in rank order (bit-reproducible).
    checks : bool
        Tensor collectives first compare shapes and dtypes across ranks.
    """

    backend = ""

    def __init__(self, rank: int, world_size: int, timeout: float, deterministic: bool,
                 checks: bool) -> None:
        self.rank = rank
        self.world_size = world_size
        self.timeout = timeout
        self.deterministic = deterministic
        self.checks = checks

    # Engines implement these (``arr`` is a native array; results are new arrays).
    def allreduce(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        """All ranks receive the reduction of every rank's ``arr``."""
        raise NotImplementedError

    def broadcast(self, arr: Any, src: int, async_op: bool = False) -> Any:
        """All ranks receive rank ``src``'s ``arr``."""
        raise NotImplementedError

    def allgather(self, arr: Any, async_op: bool = False) -> Any:
        """All ranks receive the stack (new leading axis, rank order) of every ``arr``."""
        raise NotImplementedError

    def reduce_scatter(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        """``arr`` has a leading axis of ``world_size``: rank r receives the reduction of
        every rank's ``arr[r]``."""
        raise NotImplementedError

    def reduce(self, arr: Any, dst: int, op: ReduceOp, async_op: bool = False) -> Any:
        """Rank ``dst`` receives the reduction (other ranks receive None)."""
        raise NotImplementedError

    def gather(self, arr: Any, dst: int, async_op: bool = False) -> Any:
        """Rank ``dst`` receives the stack of every ``arr`` (others receive None)."""
        raise NotImplementedError

    def scatter(self, arr: Any, src: int, like: Any, async_op: bool = False) -> Any:
        """Rank ``src``'s ``arr`` (leading axis ``world_size``) is split: rank r receives
        ``arr[r]``. ``like`` gives the shape and dtype of one piece on every rank."""
        raise NotImplementedError

    def barrier(self) -> None:
        """Block until every rank reached the barrier."""
        raise NotImplementedError

    def allgather_object(self, obj: Any, what: str = "all_gather_object") -> list:
        """Every rank's (small, picklable) ``obj``, in rank order (``what`` names the
        caller in a timeout error).

        This default sends the pickles through two array all-gathers: the lengths, then
        the bytes padded to the longest (rounded up to 256 bytes, so engines that compile
        per shape reuse one program for most small objects).
        """
        data = np.frombuffer(pickle.dumps(obj), np.uint8)
        sizes = self.to_host(self.allgather(self.from_host(np.asarray([data.size],
                                                                      np.int64))))[:, 0]
        padded = np.zeros(-(-int(sizes.max()) // 256) * 256, np.uint8)
        padded[:data.size] = data
        rows = self.to_host(self.allgather(self.from_host(padded)))
        return [pickle.loads(rows[r, :sizes[r]].tobytes()) for r in range(self.world_size)]

    def stack(self, arrays: list) -> Any:
        """Stack engine arrays along a new leading axis."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Release the engine's resources (called by ``destroy_process_group``)."""

    # Array conversion between a Tensor's backend and the engine's array library.
    def to_engine(self, tensor: Any) -> Any:
        """The tensor's values as an engine array (no copy where possible)."""
        return self.to_engine_array(tensor.array, tensor)

    def to_engine_array(self, arr: Any, like: Any) -> Any:
        """A native array of ``like``'s (a Tensor's) backend as an engine array."""
        raise NotImplementedError

    def flatten(self, arrays: list) -> Any:
        """One flat engine array holding ``arrays`` (engine arrays) one after another."""
        raise NotImplementedError

    def unflatten(self, flat: Any, offset: int, n: int, like: Any) -> Any:
        """``flat[offset:offset + n]`` shaped and placed like ``like`` (a Tensor), as a
        native array of its backend."""
        return self.from_engine(flat[offset:offset + n].reshape(like.shape), like)

    # Gradient buckets written in place (DistributedDataParallel). An engine whose arrays
    # are mutable overrides the three methods below, so a bucket is one flat buffer that
    # each gradient is copied into once (scaled) and that is all-reduced in place; the
    # averaged gradients are then views of it. ``new_bucket`` returning None (the default,
    # e.g. JAX) makes DDP concatenate the gradients with ``flatten`` instead.
    def new_bucket(self, numel: int, like: Any) -> Any:
        """A flat, writable engine buffer of ``numel`` elements of ``like``'s (a Tensor's)
        dtype, or None where the engine has no in-place buckets."""
        return None

    def fill_bucket(self, bucket: Any, offset: int, arr: Any, like: Any,
                    scale: float) -> None:
        """Write ``arr * scale`` (``arr``: a native array of ``like``'s backend, shaped like
        ``like``) into ``bucket[offset:offset + like.numel()]``, in one pass."""
        raise NotImplementedError

    def allreduce_bucket(self, bucket: Any, op: ReduceOp) -> Work:
        """Start an all-reduce whose result is written into ``bucket`` itself; in
        deterministic mode the ranks' buffers are combined in rank order as by
        :meth:`allreduce`."""
        raise NotImplementedError

    def allreduce_host(self, arr: Any) -> np.ndarray:
        """SUM-reduce a small NumPy array across ranks (bookkeeping, not tensor data)."""
        return self.to_host(self.allreduce(self.from_host(np.asarray(arr)), ReduceOp.SUM))

    def from_host(self, arr: np.ndarray) -> Any:
        """A NumPy array as an engine array (default: unchanged)."""
        return arr

    def to_host(self, arr: Any) -> np.ndarray:
        """An engine array as a NumPy array (default: ``np.asarray``)."""
        return np.asarray(arr)

    def from_engine(self, arr: Any, like: Any) -> Any:
        """An engine array as a native array of ``like``'s (a Tensor's) backend and device."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return (f"ProcessGroup(backend={self.backend!r}, rank={self.rank}, "
                f"world_size={self.world_size}, deterministic={self.deterministic})")


_lock = threading.Lock()
_WORLD: list[ProcessGroup | None] = [None]


class _GroupNamespace:
    """``group.WORLD``: the default process group (None before ``init_process_group``)."""

    @property
    def WORLD(self) -> ProcessGroup | None:  # noqa: N802 - torch's name
        return _WORLD[0]


group = _GroupNamespace()


def _env_int(*names: str) -> int | None:
    for name in names:
        value = os.environ.get(name)
        if value not in (None, ""):
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"init_process_group: environment variable {name}={value!r} "
                                 f"is not an integer") from None
    return None


def _launcher_rank_size() -> tuple[int | None, int | None]:
    """Rank and world size from torchrun-style variables or an MPI launcher's."""
    rank = _env_int("RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK")
    size = _env_int("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
    return rank, size


def _import_error(backend: str, exc: BaseException) -> ImportError:
    module, fix = _EXTRA[backend]
    return ImportError(f"init_process_group(backend={backend!r}) needs {module}, which could "
                       f"not be imported ({exc}). Install it: {fix}")


def is_available(backend: str | None = None) -> bool:
    """Whether distributed training can run here: by default, whether any engine (mpi4py,
    CuPy with NCCL, JAX) can be imported; with ``backend``, that engine. Imports nothing
    that is not already installed, and never starts MPI.

    Examples
    --------
    >>> import arraygrad as ag
    >>> isinstance(ag.distributed.is_available(), bool)
    True
    """
    import importlib.util

    names = [backend] if backend is not None else list(_EXTRA)
    for name in names:
        if name not in _EXTRA:
            raise ValueError(f"is_available: unknown backend {name!r}; expected one of "
                             f"{sorted(_EXTRA)}")
        module = {"mpi": "mpi4py", "nccl": "cupy", "jax": "jax"}[name]
        if importlib.util.find_spec(module) is not None:
            return True
    return False


def init_process_group(backend: str = "mpi", *, rank: int | None = None,
                       world_size: int | None = None,
                       timeout: datetime.timedelta | float | None = None,
                       deterministic: bool = False, checks: bool = True,
                       seed: int | None = None, init_method: str | None = None,
                       **engine_options: Any) -> ProcessGroup:
    """Start the default process group (PyTorch's ``torch.distributed.init_process_group``).

    Parameters
    ----------
    backend : {"mpi", "nccl", "jax"}
        ``"mpi"``: mpi4py, for CPU arrays (NumPy, array_api_strict, any backend whose arrays
        convert to NumPy); launch with ``mpiexec -n N`` or ``arraygrad run -n N``.
        ``"nccl"``: NCCL through CuPy, for CuPy arrays, one GPU per rank.
        ``"jax"``: ``jax.distributed`` and JAX's collectives, for the jax backend.
    rank, world_size : int, optional
        Default: from the launcher (``RANK``/``WORLD_SIZE`` as torchrun sets them, or the MPI
        launcher's own variables). With MPI they must agree with ``MPI.COMM_WORLD``.
    timeout : float or datetime.timedelta, optional
        How long a collective may wait for the other ranks before it raises
        :class:`DistributedTimeoutError` (default 30 minutes, as PyTorch). On MPI a timed
        out job is aborted at exit (``MPI.COMM_WORLD.Abort``) so no rank hangs.
    deterministic : bool
        Reduce in rank order (``((x0 + x1) + x2) + ...``, by an all-gather and an ordered
        sum) so results are bit-reproducible and equal a single process that adds the
        ranks' values in that order. The default uses the engine's reduction (MPI
        ``Allreduce``), equal to that within rounding.
    checks : bool
        Before every tensor collective, all-gather the shapes and dtypes (a few bytes) and
        raise :class:`CollectiveMismatchError` on every rank if they differ.
    seed : int, optional
        Seed every backend's RNG with ``seed + rank`` (see :func:`manual_seed`).
    init_method : str, optional
        NCCL/JAX rendezvous: ``"tcp://host:port"`` (JAX coordinator) or ``"file:///path"``
        (NCCL unique-id exchange through a shared file); default from ``MASTER_ADDR`` and
        ``MASTER_PORT``, or MPI when mpi4py is available.
    **engine_options
        Options of one engine. MPI: ``comm`` (the communicator to duplicate, default
        ``MPI.COMM_WORLD``) and ``progress_thread`` (True/False: whether a background
        thread progresses asynchronous collectives; default None: only where the machine
        has more cores than its ranks' compute threads). NCCL: ``device`` (the GPU).
        JAX: ``local_device_ids``.

    Returns
    -------
    ProcessGroup
        The default group (also ``group.WORLD``).

    Raises
    ------
    RuntimeError
        If a default process group is already initialized.
    ImportError
        If the engine is not installed (the message names the extra to install).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.distributed.is_initialized()
    False
    """
    if backend not in _EXTRA:
        raise ValueError(f"init_process_group: unknown backend {backend!r}; expected 'mpi' "
                         f"(CPU arrays), 'nccl' (CuPy on GPUs) or 'jax'")
    seconds = _seconds(timeout) if timeout is not None else DEFAULT_TIMEOUT.total_seconds()
    with _lock:
        if _WORLD[0] is not None:
            raise RuntimeError(
                f"init_process_group: the default process group is already initialized "
                f"({_WORLD[0]!r}); call destroy_process_group() first")
        env_rank, env_size = _launcher_rank_size()
        rank = env_rank if rank is None else rank
        world_size = env_size if world_size is None else world_size
        for name, value in (("rank", rank), ("world_size", world_size)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise TypeError(f"init_process_group: {name} must be an int, got {value!r}")
        if world_size is not None and world_size < 1:
            raise ValueError(f"init_process_group: world_size must be >= 1, got {world_size}")
        if rank is not None and world_size is not None and not 0 <= rank < world_size:
            raise ValueError(f"init_process_group: rank {rank} is outside 0..{world_size - 1}")
        module = {"mpi": "mpi", "nccl": "nccl"}.get(backend, "jax_backend")
        engine = importlib.import_module(f"arraygrad.distributed.{module}")
        pg = engine.create(rank=rank, world_size=world_size, timeout=seconds,
                           deterministic=bool(deterministic), checks=bool(checks),
                           init_method=init_method, **engine_options)
        _WORLD[0] = pg
    if seed is not None:
        manual_seed(seed)
    return pg


def _world(fn: str) -> ProcessGroup:
    pg = _WORLD[0]
    if pg is None:
        raise RuntimeError(f"{fn}: the default process group has not been initialized; call "
                           f"ag.distributed.init_process_group() first")
    return pg


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Shut the default process group down (``is_initialized()`` is then False)."""
    with _lock:
        pg = _world("destroy_process_group")
        if group is not None and group is not pg:
            raise ValueError("destroy_process_group: only the default group exists")
        _WORLD[0] = None
    pg.shutdown()


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not destroyed)."""
    return _WORLD[0] is not None


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in the default group (0 when not initialized, as a single
    process is rank 0 of 1; PyTorch raises there, arraygrad lets single-process code run)."""
    pg = group if group is not None else _WORLD[0]
    return 0 if pg is None else pg.rank


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of ranks in the default group (1 when not initialized)."""
    pg = group if group is not None else _WORLD[0]
    return 1 if pg is None else pg.world_size


def get_backend(group: ProcessGroup | None = None) -> str:
    """The default group's engine name (``"mpi"``, ``"nccl"`` or ``"jax"``)."""
    pg = group if group is not None else _world("get_backend")
    return pg.backend


def is_main_process() -> bool:
    """True on rank 0 (and in a single process): the rank that writes files and progress."""
    return get_rank() == 0


def barrier(group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Block until every rank reached the barrier."""
    pg = group if group is not None else _world("barrier")
    pg.barrier()
    if async_op:
        return Work(lambda: True, lambda t: None)
    return None


def manual_seed(seed: int) -> None:
    """Seed every backend's RNG with ``seed + rank``.

    Dropout masks and other random draws then differ between ranks, and a rerun with the
    same seed and world size draws the same numbers on each rank. Model parameters still
    agree: :class:`~arraygrad.nn.parallel.DistributedDataParallel` broadcasts rank 0's.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.distributed.manual_seed(0)   # rank 0 of 1 outside a job: ag.manual_seed(0)
    """
    from arraygrad.random import manual_seed as _seed

    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _seed(seed + get_rank())


def _poll(test: Callable[[], bool], timeout: float | None, what: str,
          on_timeout: Callable[[], None] | None = None) -> None:
    """Wait for ``test()`` with a short backoff; raise after ``timeout`` seconds."""
    if test():
        return
    start = time.monotonic()
    delay = 0.0
    spins = 0
    while not test():
        if timeout is not None and time.monotonic() - start > timeout:
            if on_timeout is not None:
                on_timeout()
            raise DistributedTimeoutError(
                f"{what} did not complete within {timeout:g} s: another rank is not taking "
                f"part (it died, hangs, or called a different collective). Raise "
                f"init_process_group(timeout=...) if the ranks are just slow.")
        spins += 1
        if spins > 200:
            delay = min(max(delay * 2, 1e-5), 1e-3)
            time.sleep(delay)


class Watchdog:
    """One daemon thread that ends the job when an armed blocking collective overstays.

    ``arm(what)`` before a blocking engine call and ``disarm()`` after it; if the call is
    still running ``timeout`` seconds later, ``abort(message)`` is called from the thread
    (the engine prints the message and tears the job down: ``MPI.COMM_WORLD.Abort``, or
    ``os._exit`` for NCCL/JAX), since a thread blocked in C cannot be interrupted.
    """

    def __init__(self, timeout: float, abort: Callable[[str], None], rank: int) -> None:
        self._timeout = timeout
        self._abort = abort
        self._rank = rank
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._what = ""
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="arraygrad-watchdog",
                                        daemon=True)
        self._thread.start()

    def arm(self, what: str) -> None:
        """Start the clock for the blocking collective ``what``."""
        with self._cond:
            self._deadline = time.monotonic() + self._timeout
            self._what = what
            self._cond.notify()

    def disarm(self) -> None:
        """The collective finished (the thread re-checks before acting; no notify needed)."""
        self._deadline = None

    def stop(self) -> None:
        """End the thread (``destroy_process_group``)."""
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                deadline = self._deadline
                if deadline is None:
                    self._cond.wait()
                    continue
                left = deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                if self._deadline is not deadline:
                    continue
                self._abort(f"arraygrad.distributed: rank {self._rank}: {self._what} did not "
                            f"complete within {self._timeout:g} s "
                            f"(init_process_group(timeout=...)): another rank died, hangs, or "
                            f"called a different collective.")
                return
