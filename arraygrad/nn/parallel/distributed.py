"""``DistributedDataParallel``: one model replica per rank, gradients averaged in backward.

How it works, and the order that makes results reproducible:

* At construction, every rank checks that the replicas have the same parameters (names,
  shapes, dtypes; a mismatch raises on every rank), then copies rank 0's parameters and
  buffers to every rank (broadcast).
* Parameters that require grad are put in *buckets* in the reverse order of
  ``module.parameters()`` (as PyTorch: gradients of the last layers are ready first), a
  new bucket starting when the next parameter would push it past ``bucket_cap_mb`` or has
  another dtype. The order is fixed at construction and the same on every rank.
* During ``backward()`` a post-accumulate-grad hook on each parameter
  (:meth:`Tensor.register_post_accumulate_grad_hook`, which the engine fires as soon as that
  parameter's ``.grad`` is final, while the earlier layers' gradients are still being
  computed) writes it into its bucket. A bucket whose parameters are all ready starts an
  asynchronous all-reduce as soon as every bucket before it has started, so every rank
  starts the same all-reduces in the same order (each later hook tests the running ones,
  which is what progresses MPI's nonblocking collectives; the MPI engine's progress thread,
  where enabled, also does). When the last parameter is ready, every bucket is awaited in
  order and each ``.grad`` becomes the average over ranks.
* Engines with mutable arrays (MPI) give each bucket one flat buffer per step: a gradient
  is written into its slice once, multiplied by ``1 / world_size`` in the same pass (as
  PyTorch's reducer), the buffer is summed in place, and the new ``.grad`` are views of it.
  Other engines (JAX, NCCL) concatenate the bucket's gradients and all-reduce with AVG.
  On one rank nothing is copied or reduced.
* With ``init_process_group(deterministic=True)`` the averages are computed in rank order
  (``(g0 + g1 + ...) / world_size``), bit for bit what one process gets by accumulating the
  ranks' gradients in rank order and dividing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from arraygrad.distributed.collectives import check_agreement
from arraygrad.extend import make_tensor
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["DistributedDataParallel"]

_BUCKET_MB = 25.0       # PyTorch's default bucket_cap_mb
_FIRST_BUCKET_MB = 1.0  # with the default cap (torch.distributed._DEFAULT_FIRST_BUCKET_BYTES)


class _Bucket:
    __slots__ = ("indices", "offsets", "numel", "pending", "staged", "buffer", "work")

    def __init__(self, indices: list[int], params: list) -> None:
        self.indices = indices   # positions in DistributedDataParallel._params
        self.offsets: dict[int, int] = {}
        self.numel = 0
        for i in indices:
            self.offsets[i] = self.numel
            self.numel += params[i].numel()
        self.pending = 0         # gradients still to arrive this backward
        self.staged: dict[int, Any] = {}  # engines without in-place buckets (JAX)
        self.buffer: Any = None  # this step's flat buffer (engines with in-place buckets)
        self.work: Any = None


class DistributedDataParallel(Module):
    """Data parallelism across the ranks of a process group (PyTorch's
    ``torch.nn.parallel.DistributedDataParallel``).

    Parameters
    ----------
    module : Module
        The replica on this rank (same architecture on every rank).
    device_ids : list, optional
        At most one device, the one ``module`` lives on (checked; arraygrad runs one device
        per process). ``output_device`` is accepted for PyTorch's signature and unused.
    broadcast_buffers : bool
        Copy rank 0's buffers (e.g. BatchNorm running statistics) to every rank at the start
        of every forward, as PyTorch.
    process_group : ProcessGroup, optional
        Default: the default group (``init_process_group`` must have run).
    bucket_cap_mb : float, optional
        Bucket size limit in MiB. Default (None): 25 MiB, and 1 MiB for the first bucket
        (the last layers' gradients, ready first), as PyTorch; given explicitly, every bucket
        uses it.
    find_unused_parameters : bool
        After each forward, walk the output's graph and treat the parameters it does not
        reach as ready (their gradient contributes zero; it is left unset where no rank used
        the parameter). Without it, a parameter that gets no gradient makes the next forward
        raise, as PyTorch.

    Notes
    -----
    ``state_dict()`` and ``load_state_dict()`` are the wrapped module's, *without* the
    ``module.`` prefix PyTorch adds, so a checkpoint loads into the bare model and back.
    ``named_parameters()`` keeps the ``module.`` prefix (it is a Module attribute).
    Gradients are reduced only by ``backward()`` after a forward through this wrapper with
    gradients enabled; ``autograd.grad`` and ``create_graph=True`` are not supported while
    synchronizing (run them inside :meth:`no_sync`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ddp = ag.nn.parallel.DistributedDataParallel  # after init_process_group()
    >>> ddp.__name__
    'DistributedDataParallel'
    """

    def __init__(self, module: Module, device_ids: list | None = None,
                 output_device: Any = None, dim: int = 0, broadcast_buffers: bool = True,
                 process_group: Any = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, **unused: Any) -> None:
        super().__init__()
        from arraygrad.distributed.process_group import _world

        if unused:
            raise TypeError(f"DistributedDataParallel: unexpected arguments "
                            f"{sorted(unused)}")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an ag.nn.Module, got "
                            f"{type(module).__name__}")
        if dim != 0:
            raise ValueError("DistributedDataParallel: only dim=0 (batch along the first "
                             "axis) is supported")
        first_cap = _FIRST_BUCKET_MB if bucket_cap_mb is None else bucket_cap_mb
        bucket_cap_mb = _BUCKET_MB if bucket_cap_mb is None else bucket_cap_mb
        if not isinstance(bucket_cap_mb, (int, float)) or isinstance(bucket_cap_mb, bool) \
                or not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be a positive "
                             f"number of MiB, got {bucket_cap_mb!r}")
        pg = _world("DistributedDataParallel") if process_group is None else process_group
        params: list = []
        names: list[str] = []
        seen: set[int] = set()
        for name, p in module.named_parameters():
            if id(p) not in seen:
                seen.add(id(p))
                if p.requires_grad:
                    params.append(p)
                    names.append(name)
        if device_ids is not None:
            if not isinstance(device_ids, (list, tuple)) or len(device_ids) > 1:
                raise ValueError(f"DistributedDataParallel: device_ids must list at most one "
                                 f"device (one device per process), got {device_ids!r}")
            for p in params:
                if device_ids and not _same_device(p.device, device_ids[0]):
                    raise ValueError(
                        f"DistributedDataParallel: device_ids={list(device_ids)} but "
                        f"parameter {names[params.index(p)]!r} is on {p.device!r}; move the "
                        f"module there first (module.to(...))")
        object.__setattr__(self, "_pg", pg)
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.bucket_cap_mb = bucket_cap_mb
        object.__setattr__(self, "_params", params)
        object.__setattr__(self, "_param_names", names)
        layout = [(n, tuple(p.shape), p.dtype.name) for n, p in module.named_parameters()]
        layout += [(n, tuple(b.shape), b.dtype.name) for n, b in module.named_buffers()]
        check_agreement(pg, "DistributedDataParallel(module)", tuple(layout))
        self._sync_from_rank0(include_params=True)
        buckets = _make_buckets(params, first_cap * 2**20, bucket_cap_mb * 2**20)
        object.__setattr__(self, "_buckets", buckets)
        object.__setattr__(self, "_bucket_of", {i: b for b in buckets for i in b.indices})
        object.__setattr__(self, "_armed", False)
        object.__setattr__(self, "_expected", 0)
        object.__setattr__(self, "_arrived", set())
        object.__setattr__(self, "_launched", 0)
        object.__setattr__(self, "_unused", ())
        object.__setattr__(self, "_overlap", True)
        # One rank: the average is the gradient itself, so nothing is copied or reduced
        # (the bookkeeping, and its errors, stay the same).
        object.__setattr__(self, "_reduce", pg.world_size > 1)
        # In-place buckets: each gradient is written once into its bucket's flat buffer,
        # pre-divided by the world size (as PyTorch's reducer), and the buffer is summed in
        # place; the deterministic mode writes it unscaled and averages in rank order.
        in_place = bool(params) and pg.new_bucket(0, params[0]) is not None
        object.__setattr__(self, "_in_place", in_place)
        object.__setattr__(self, "_scale", 1.0 if pg.deterministic else 1.0 / pg.world_size)
        handles = [p.register_post_accumulate_grad_hook(_Hook(self, i))
                   for i, p in enumerate(params)]
        object.__setattr__(self, "_handles", handles)

    # ------------------------------------------------------------------ setup helpers
    def _sync_from_rank0(self, include_params: bool) -> None:
        """Copy rank 0's parameters and/or buffers: one broadcast per (backend, device,
        dtype) group of tensors, flattened."""
        from arraygrad.grad_mode import no_grad

        pg = self._pg
        if pg.world_size == 1:
            return
        tensors: list[Tensor] = list(self.module.parameters()) if include_params else []
        tensors += [b for b in self.module.buffers()]
        groups: dict[tuple, list] = {}
        for t in tensors:
            groups.setdefault((t.backend.name, t.device, t.dtype.name), []).append(t)
        with no_grad():
            for members in groups.values():
                flat = pg.flatten([pg.to_engine(t) for t in members])
                flat = pg.broadcast(flat, 0)
                offset = 0
                for t in members:
                    n = t.numel()
                    t.copy_(make_tensor(pg.unflatten(flat, offset, n, t), t.backend))
                    offset += n

    @property
    def bucket_order(self) -> list[list[str]]:
        """The parameter names of each bucket, in the order the buckets are all-reduced."""
        return [[self._param_names[i] for i in b.indices] for b in self._buckets]

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module; arm gradient synchronization for the next backward."""
        from arraygrad.grad_mode import STATE

        if self._armed:
            missing = [self._param_names[i] for i in range(len(self._params))
                       if i not in self._arrived and i not in self._unused]
            object.__setattr__(self, "_armed", False)
            if not self._arrived:
                raise RuntimeError(
                    "DistributedDataParallel: expected to have finished reduction in the prior "
                    "iteration before starting a new one: the previous forward's output got no "
                    "backward() (autograd.grad does not count: it accumulates no .grad). Run "
                    "forwards that are not trained on under ag.no_grad(), and autograd.grad "
                    "inside ddp.no_sync().")
            raise RuntimeError(
                "DistributedDataParallel: expected to have finished reduction in the prior "
                "iteration before starting a new one: these parameters received no gradient "
                f"in the last backward: {missing}. They were not used to compute the loss; "
                "pass find_unused_parameters=True, or make sure every forward output takes "
                "part in the loss.")
        sync = self.require_backward_grad_sync and STATE.enabled and bool(self._params)
        if sync:
            # Every rank must be at the same synchronized step: a rank with more batches
            # than the others (shards of unequal length) meets another rank's collective
            # here and every rank raises, instead of mixing up the all-reduces.
            check_agreement(self._pg, "DistributedDataParallel.forward",
                            (len(self._params), len(self._buckets)))
        if self.broadcast_buffers and any(True for _ in self.module.buffers()):
            self._sync_from_rank0(include_params=False)
        out = self.module(*inputs, **kwargs)
        if sync:
            unused: tuple = ()
            if self.find_unused_parameters:
                reached = _reachable_leaves(out)
                unused = tuple(i for i, p in enumerate(self._params) if id(p) not in reached)
            self._prepare(unused)
        return out

    def _prepare(self, unused: tuple) -> None:
        object.__setattr__(self, "_unused", unused)
        object.__setattr__(self, "_arrived", set())
        object.__setattr__(self, "_launched", 0)
        object.__setattr__(self, "_expected", len(self._params) - len(unused))
        for b in self._buckets:
            b.pending = len(b.indices)
            b.staged = {}
            b.buffer = None
            b.work = None
        for i in unused:  # ready now: what this rank has (accumulated grad, or zeros)
            g = self._params[i].grad
            self._stage(i, None if g is None else g.array)
        object.__setattr__(self, "_armed", True)
        # Buckets start from the hooks, during backward, never here: a collective the user
        # calls between forward and backward must come at the same place on every rank.
        if self._expected == 0:  # this rank used no parameter: no hook will fire, reduce now
            self._finish()

    # ------------------------------------------------------------------ reduction
    def _stage(self, i: int, arr: Any) -> None:
        """Parameter ``i``'s gradient ``arr`` (None: zeros) is ready: into its bucket."""
        b = self._bucket_of[i]
        b.pending -= 1
        if not self._reduce:
            return
        p = self._params[i]
        if arr is None:
            arr = p.backend.xp.zeros_like(p.array)
        if not self._in_place:
            b.staged[i] = arr
            return
        if b.buffer is None:
            b.buffer = self._pg.new_bucket(b.numel, p)
        self._pg.fill_bucket(b.buffer, b.offsets[i], arr, p, self._scale)

    def _launch_ready(self, final: bool = False) -> None:
        """Start, in bucket order, every bucket whose parameters are all ready; poll the
        running ones (MPI progresses nonblocking collectives only inside MPI calls).
        With ``_overlap`` off (benchmarks/distributed.py's baseline) nothing starts before
        the last gradient (``final``)."""
        from arraygrad.distributed.process_group import ReduceOp

        if not (self._overlap or final) or not self._reduce:
            return
        pg = self._pg
        for b in self._buckets[:self._launched]:
            if b.work is not None:
                b.work.is_completed()
        while self._launched < len(self._buckets):
            b = self._buckets[self._launched]
            if b.pending:
                return
            if self._in_place:
                b.work = pg.allreduce_bucket(
                    b.buffer, ReduceOp.AVG if pg.deterministic else ReduceOp.SUM)
            else:
                flat = pg.flatten([pg.to_engine_array(b.staged[i], self._params[i])
                                   for i in b.indices])
                b.staged = {}
                b.work = pg.allreduce(flat, ReduceOp.AVG, async_op=True)
            object.__setattr__(self, "_launched", self._launched + 1)

    def _on_ready(self, i: int, p: Tensor) -> None:
        """Parameter ``i``'s ``.grad`` is final for this backward (its post-accumulate hook)."""
        if not self._armed:
            return
        g = p.grad  # None: a hook earlier in the list removed it; it counts as zeros
        if g is not None and g.requires_grad:
            object.__setattr__(self, "_armed", False)
            raise RuntimeError("DistributedDataParallel does not support create_graph=True "
                               "(double backward) while synchronizing gradients; run it "
                               "inside ddp.no_sync()")
        self._arrived.add(i)  # the engine calls the hook once per leaf and backward
        self._stage(i, None if g is None else g.array)
        self._launch_ready()
        if len(self._arrived) == self._expected:
            self._finish()

    def _finish(self) -> None:
        """Wait for every bucket, in order, and write the averaged gradients."""
        pg = self._pg
        object.__setattr__(self, "_armed", False)
        if not self._reduce:
            return
        self._launch_ready(final=True)
        globally_used = None
        if self._unused:
            import numpy as np

            used = np.zeros(len(self._params), np.int32)
            used[[i for i in range(len(self._params)) if i not in self._unused]] = 1
            globally_used = pg.allreduce_host(used)
        for b in self._buckets:
            b.work.wait()
            flat = b.work.value  # the bucket's buffer itself, for in-place buckets
            b.work = b.buffer = None  # the new gradients (views of it) keep it alive
            for i in b.indices:
                if globally_used is not None and not globally_used[i]:
                    continue  # no rank used it: its gradient stays as it was
                p = self._params[i]
                p.grad = make_tensor(pg.unflatten(flat, b.offsets[i], p.numel(), p),
                                     p.backend)

    # ------------------------------------------------------------------ API
    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Skip gradient synchronization for forwards run inside (gradient accumulation):
        gradients accumulate locally, and the first synchronized backward after it averages
        the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> Any:
        """The wrapped module's state dict (no ``module.`` prefix; PyTorch adds one)."""
        return self.module.state_dict(prefix=prefix, keep_vars=keep_vars)

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> Any:
        """Load into the wrapped module (keys without the ``module.`` prefix)."""
        return self.module.load_state_dict(state_dict, strict=strict, assign=assign)

    def extra_repr(self) -> str:
        """Group, buckets and flags."""
        return (f"world_size={self._pg.world_size}, buckets={len(self._buckets)}, "
                f"find_unused_parameters={self.find_unused_parameters}")


class _Hook:
    """The post-accumulate-grad hook of one parameter (a callable object: no closure over
    the module)."""

    __slots__ = ("ddp", "index")

    def __init__(self, ddp: DistributedDataParallel, index: int) -> None:
        self.ddp = ddp
        self.index = index

    def __call__(self, p: Tensor) -> None:
        self.ddp._on_ready(self.index, p)


def _same_device(have: str, want: Any) -> bool:
    want = str(want)
    if want.isdigit():
        return have.endswith(f":{want}")
    return have == want or have.split(":")[0] == want


def _make_buckets(params: list, first_cap: float, cap_bytes: float) -> list[_Bucket]:
    buckets: list[_Bucket] = []
    current: list[int] = []
    size = 0
    key = None
    for i in reversed(range(len(params))):
        p = params[i]
        nbytes = p.numel() * p.element_size()
        k = (p.backend.name, p.device, p.dtype.name)
        cap = cap_bytes if buckets else first_cap
        if current and (k != key or size + nbytes > cap):
            buckets.append(_Bucket(current, params))
            current, size = [], 0
        current.append(i)
        size += nbytes
        key = k
    if current:
        buckets.append(_Bucket(current, params))
    return buckets


def _reachable_leaves(out: Any) -> set[int]:
    """ids of the leaf tensors the graph of ``out`` (tensors in nested containers) reaches."""
    stack: list = []

    def collect(obj: Any) -> None:
        if isinstance(obj, Tensor):
            stack.append(obj.grad_fn if obj.grad_fn is not None else obj)
        elif isinstance(obj, (list, tuple)):
            for o in obj:
                collect(o)
        elif isinstance(obj, dict):
            for o in obj.values():
                collect(o)

    collect(out)
    leaves: set[int] = set()
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Tensor):
            leaves.add(id(node))
            continue
        for edge, _ in node.next_functions:
            if edge is not None:
                stack.append(edge)
    return leaves
