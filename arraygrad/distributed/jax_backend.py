"""The JAX engine: ``jax.distributed`` and XLA collectives over a process-spanning mesh.

Each rank is one JAX process; its first local device joins a one-axis mesh (``"rank"``)
with one device per process. A collective builds a global array whose row r is rank r's
array (``jax.make_array_from_single_device_arrays``, no copy) and runs one jitted
function whose output is replicated, so XLA performs the all-reduce / all-gather across
processes (on CPU through gloo, on GPUs through NCCL, on TPUs over ICI).

Asynchronous collectives (``async_op=True``) use JAX's asynchronous dispatch: the jitted
collective is enqueued and its result array returned at once, while XLA runs it on its own
threads (or the accelerator's stream); ``Work.is_completed()`` is the result's
``is_ready()`` and ``Work.wait()`` blocks until it is ready. Collectives run in the order
they were dispatched, so every rank must start them in the same order (as DDP's buckets
do). Computations that use the result before ``wait()`` are themselves enqueued behind it,
so they read the reduced values.

Deterministic mode all-gathers and adds in rank order. Rendezvous: ``init_method =
"tcp://host:port"`` or ``MASTER_ADDR``/``MASTER_PORT`` (``arraygrad run --spawn`` sets
them) name the coordinator, which rank 0 hosts. JAX collectives cannot be interrupted, so
the group's ``timeout`` is enforced by a watchdog that prints the error and ends the
process (``os._exit``); JAX's coordination service then stops the other ranks. An
asynchronous collective that overstays raises :class:`DistributedTimeoutError` from
``wait()`` instead, and the process then ends at exit (``os._exit``) rather than hang in
the collective that never completes.
"""

from __future__ import annotations

import atexit
import os
import sys
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

__all__ = ["JaxProcessGroup", "create", "coordinator_address"]


def _jax() -> Any:
    try:
        import jax
    except ImportError as exc:  # pragma: no cover - exercised where jax is absent
        raise _import_error("jax", exc) from None
    return jax


_EXIT_AT_EXIT: list[bool] = [False]


def _exit_at_exit() -> None:
    if _EXIT_AT_EXIT[0]:  # an asynchronous collective timed out: it will never complete
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(3)


atexit.register(_exit_at_exit)


def coordinator_address(init_method: str | None) -> str:
    """``host:port`` of the JAX coordinator from ``init_method`` or MASTER_ADDR/PORT."""
    if init_method is not None:
        if not init_method.startswith("tcp://"):
            raise ValueError(f"init_process_group(backend='jax'): init_method must be "
                             f"'tcp://host:port', got {init_method!r}")
        return init_method[len("tcp://"):]
    addr, port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT")
    if not addr or not port:
        raise DistributedError(
            "init_process_group(backend='jax'): no coordinator: pass "
            "init_method='tcp://host:port' or set MASTER_ADDR and MASTER_PORT (arraygrad run "
            "--spawn -n N script.py sets them)")
    return f"{addr}:{port}"


class JaxProcessGroup(ProcessGroup):
    """A process group over ``jax.distributed`` processes (one mesh device each)."""

    backend = "jax"

    def __init__(self, rank: int, world_size: int, timeout: float, deterministic: bool,
                 checks: bool) -> None:
        super().__init__(rank, world_size, timeout, deterministic, checks)
        jax = _jax()
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        self.jax = jax
        self.jnp = jax.numpy
        devices = []
        for p in range(world_size):
            mine = [d for d in jax.devices() if d.process_index == p]
            if not mine:
                raise DistributedError(f"init_process_group(backend='jax'): process {p} has "
                                       f"no devices")
            devices.append(min(mine, key=lambda d: d.id))
        self.device = devices[rank]
        self.mesh = Mesh(np.array(devices), ("rank",))
        self._rows = NamedSharding(self.mesh, PartitionSpec("rank"))
        self._replicated = NamedSharding(self.mesh, PartitionSpec())
        self._compiled: dict[Any, Any] = {}

        def abort(message: str) -> None:
            sys.stderr.write(message + " Ending this process (os._exit).\n")
            sys.stderr.flush()
            os._exit(3)

        self._watchdog = Watchdog(timeout, abort, rank)

    # ------------------------------------------------------------------ plumbing
    def _global(self, arr: Any) -> Any:
        """The (world, *shape) global array whose row r is rank r's ``arr``."""
        local = self.jax.device_put(self.jnp.asarray(arr)[None], self.device)
        return self.jax.make_array_from_single_device_arrays(
            (self.world_size, *local.shape[1:]), self._rows, [local])

    def _run(self, key: Any, fn: Any, arr: Any, what: str, wait: bool = True) -> Any:
        """Dispatch the jitted collective; this rank's copy of the (replicated) result,
        ready when ``wait`` (else still being computed)."""
        jitted = self._compiled.get(key)
        if jitted is None:
            jitted = self.jax.jit(fn, out_shardings=self._replicated)
            self._compiled[key] = jitted
        self._watchdog.arm(what)  # the first call compiles: under the watchdog too
        try:
            local = jitted(self._global(arr)).addressable_data(0)
            if wait:
                local.block_until_ready()
        finally:
            self._watchdog.disarm()
        return local

    def _done(self, value: Any, async_op: bool, what: str, keep: bool = True) -> Any:
        """``value`` (a JAX array; None where not ``keep``: a rank that only takes part),
        or a Work that completes when it is ready."""
        if not async_op:
            return value if keep else None

        def test() -> bool:
            return bool(value.is_ready())

        def on_timeout() -> None:
            _EXIT_AT_EXIT[0] = True

        def wait(timeout: float | None) -> None:
            _poll(test, self.timeout if timeout is None else timeout, what, on_timeout)
            value.block_until_ready()  # raises here if the computation failed

        return Work(test, wait, (lambda: value) if keep else None, what)

    def _reduce_rows(self, rows: Any, op: ReduceOp) -> Any:
        if self.deterministic or op not in (ReduceOp.SUM, ReduceOp.AVG):
            return _ordered_reduce(self.jnp, rows, op)
        return _average(self.jnp.sum(rows, axis=0), op, rows.shape[0])

    # ------------------------------------------------------------------ collectives
    def allreduce(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        _check_avg(arr.dtype, op, "all_reduce")
        key = ("allreduce", op, self.deterministic)
        out = self._run(key, lambda g: self._reduce_rows(g, op), arr, "all_reduce",
                        not async_op)
        return self._done(out, async_op, "all_reduce")

    def broadcast(self, arr: Any, src: int, async_op: bool = False) -> Any:
        out = self._run(("broadcast", src), lambda g: g[src], arr, "broadcast", not async_op)
        return self._done(out, async_op, "broadcast")

    def allgather(self, arr: Any, async_op: bool = False) -> Any:
        out = self._run("allgather", lambda g: g, arr, "all_gather", not async_op)
        return self._done(out, async_op, "all_gather")

    def reduce_scatter(self, arr: Any, op: ReduceOp, async_op: bool = False) -> Any:
        _check_avg(arr.dtype, op, "reduce_scatter")
        key = ("reduce_scatter", op, self.deterministic)
        out = self._run(key, lambda g: self._reduce_rows(g, op), arr, "reduce_scatter",
                        not async_op)
        return self._done(out[self.rank], async_op, "reduce_scatter")

    def reduce(self, arr: Any, dst: int, op: ReduceOp, async_op: bool = False) -> Any:
        _check_avg(arr.dtype, op, "reduce")
        key = ("allreduce", op, self.deterministic)
        out = self._run(key, lambda g: self._reduce_rows(g, op), arr, "reduce", not async_op)
        return self._done(out, async_op, "reduce", keep=self.rank == dst)

    def gather(self, arr: Any, dst: int, async_op: bool = False) -> Any:
        out = self._run("allgather", lambda g: g, arr, "gather", not async_op)
        return self._done(out, async_op, "gather", keep=self.rank == dst)

    def scatter(self, arr: Any, src: int, like: Any, async_op: bool = False) -> Any:
        jnp = self.jnp
        if arr is None:
            like = jnp.asarray(like)
            arr = jnp.zeros((self.world_size, *like.shape), like.dtype)
        out = self._run(("scatter", src), lambda g: g[src], arr, "scatter", not async_op)
        return self._done(out[self.rank], async_op, "scatter")

    def barrier(self) -> None:
        self.allreduce(np.zeros((), np.int32), ReduceOp.SUM)

    def stack(self, arrays: list) -> Any:
        return self.jnp.stack(arrays)

    def flatten(self, arrays: list) -> Any:
        return self.jnp.concatenate([self.jnp.ravel(a) for a in arrays])

    def shutdown(self) -> None:
        self._watchdog.stop()
        try:
            self.jax.distributed.shutdown()
        except Exception:  # pragma: no cover - already shut down
            pass

    # ------------------------------------------------------------------ arrays
    def to_engine_array(self, arr: Any, like: Any) -> Any:
        if like.backend.name == "jax":
            return arr
        return self.jnp.asarray(np.asarray(like.backend.to_numpy(arr)))

    def from_engine(self, arr: Any, like: Any) -> Any:
        if like.backend.name == "jax":
            return arr
        return like.backend.from_object(np.asarray(arr), None, like.device, None)


def create(rank: int | None, world_size: int | None, timeout: float, deterministic: bool,
           checks: bool, init_method: str | None = None,
           local_device_ids: Any = None) -> JaxProcessGroup:
    """Start ``jax.distributed`` and the JAX process group."""
    jax = _jax()
    if rank is None or world_size is None:
        raise DistributedError(
            "init_process_group(backend='jax'): rank and world_size are unknown: pass them, or "
            "launch with `arraygrad run --spawn -n N script.py` (sets RANK and WORLD_SIZE)")
    # jax.distributed.initialize must run before JAX computes anything (before
    # ag.set_backend("jax") or any jax array): so init_process_group comes first.
    if not getattr(jax.distributed, "is_initialized", lambda: False)():
        try:  # CPU collectives across processes go through gloo (no effect on GPU/TPU)
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        except Exception:  # pragma: no cover - a JAX without the option
            pass
        jax.distributed.initialize(coordinator_address(init_method), num_processes=world_size,
                                   process_id=rank, local_device_ids=local_device_ids,
                                   initialization_timeout=int(max(1, min(timeout, 3600))))
    if jax.process_count() != world_size or jax.process_index() != rank:
        raise DistributedError(f"init_process_group(backend='jax'): JAX reports process "
                               f"{jax.process_index()} of {jax.process_count()}, expected "
                               f"rank {rank} of {world_size}")
    return JaxProcessGroup(rank, world_size, timeout, deterministic, checks)
