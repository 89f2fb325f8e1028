"""Collectives on Tensors, with ``torch.distributed``'s names and in-place semantics.

Each function converts its tensors to the engine's arrays, runs the engine's collective and
writes the result back into the given tensors (``all_reduce(t)`` changes ``t``), outside
autograd (under ``no_grad``; the version counter goes up, so a backward that saved ``t``
raises instead of using the new value). For differentiable collectives use
:mod:`arraygrad.distributed.nn.functional`.

With ``checks`` on (the default, ``init_process_group(checks=...)``) each call first
all-gathers the name of the collective and its tensors' shapes and dtypes (a few bytes) and
raises :class:`CollectiveMismatchError` on every rank if they disagree, instead of reading
the wrong number of bytes or hanging.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.distributed.process_group import (
    CollectiveMismatchError,
    ProcessGroup,
    ReduceOp,
    Work,
    _world,
)
from arraygrad.grad_mode import no_grad
from arraygrad.tensor import Tensor

__all__ = [
    "all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
    "reduce_scatter_tensor", "reduce", "gather", "scatter", "all_gather_object",
    "broadcast_object_list",
]


def _group(group: ProcessGroup | None, fn: str) -> ProcessGroup:
    pg = _world(fn) if group is None else group
    if not isinstance(pg, ProcessGroup):
        raise TypeError(f"{fn}: group must be a ProcessGroup or None, got "
                        f"{type(pg).__name__}")
    return pg


def _tensor(t: Any, fn: str, what: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}: {what} must be a Tensor, got {type(t).__name__}")
    return t


def _op(op: Any, fn: str) -> ReduceOp:
    if isinstance(op, ReduceOp):
        return op
    if isinstance(op, str) and op.upper() in ReduceOp.__members__:
        return ReduceOp[op.upper()]
    raise TypeError(f"{fn}: op must be an ag.distributed.ReduceOp (SUM, AVG, PRODUCT, MIN, "
                    f"MAX), got {op!r}")


def _meta(t: Tensor) -> tuple:
    return (tuple(t.shape), t.dtype.name)


def check_agreement(pg: ProcessGroup, fn: str, meta: tuple,
                    error: Exception | None = None) -> None:
    """Raise :class:`CollectiveMismatchError` on every rank unless all ranks sent the same
    ``(fn, meta)``. A no-op when the group's ``checks`` are off or it has one rank.

    ``error``: this rank's own argument error, raised here after the other ranks have been
    told (they raise a mismatch naming it), so that no rank waits for a collective that
    will not come.
    """
    if not pg.checks or pg.world_size == 1:
        if error is not None:
            raise error
        return
    sent = meta if error is None else (f"error: {error}",)
    everyone = pg.allgather_object((fn, sent), f"{fn} (its shape/dtype check)")
    if error is not None:
        raise error
    if all(m == everyone[0] for m in everyone):
        return
    lines = "; ".join(f"rank {r}: {name} {_describe(m)}" for r, (name, m) in
                      enumerate(everyone))
    hint = ""
    if any(name == "DistributedDataParallel.forward" for name, _ in everyone):
        hint = (" A rank that starts one more training step than the others has more "
                "batches: give every rank the same number (DistributedSampler pads the "
                "data to a multiple of the world size).")
    raise CollectiveMismatchError(
        f"{fn}: the ranks disagree on the collective or its tensors ({lines}). Every rank must "
        f"call the same collective, in the same order, with tensors of the same shape and "
        f"dtype.{hint}")


def _describe(meta: Any) -> str:
    if isinstance(meta, tuple) and len(meta) == 1 and isinstance(meta[0], str):
        return f"({meta[0]})"  # a rank's own argument error
    if isinstance(meta, tuple) and len(meta) >= 2 and isinstance(meta[0], tuple) \
            and isinstance(meta[1], str):
        extra = "".join(f", {m}" for m in meta[2:])
        return f"(shape {meta[0]}, dtype {meta[1]}{extra})"
    return repr(meta)


def _write(t: Tensor, arr: Any, pg: ProcessGroup) -> None:
    from arraygrad.extend import make_tensor

    native = pg.from_engine(arr, t)
    with no_grad():
        t.copy_(make_tensor(native, t.backend))


def _then(pg: ProcessGroup, res: Any, async_op: bool, finish: Any) -> Work | None:
    """Apply ``finish`` to an engine result now, or when the asynchronous one completes."""
    if not async_op:
        finish(res)
        return None
    return Work(res.is_completed, res.wait, lambda: finish(res.value))


def _stack_meta(tensors: Sequence[Tensor], fn: str, like: Tensor, what: str) -> None:
    for i, t in enumerate(tensors):
        _tensor(t, fn, f"{what}[{i}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{fn}: {what}[{i}] has shape {t.shape} dtype {t.dtype.name} but "
                             f"the tensor has shape {like.shape} dtype {like.dtype.name}; they "
                             f"must match")


def _list_len(tensors: Any, pg: ProcessGroup, fn: str, what: str) -> list:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}: {what} must be a list of Tensors, got {type(tensors).__name__}")
    if len(tensors) != pg.world_size:
        raise ValueError(f"{fn}: {what} has {len(tensors)} tensors but the world size is "
                         f"{pg.world_size}")
    return list(tensors)


def _root_list(tensors: Any, pg: ProcessGroup, fn: str, what: str, root: int, role: str,
               like: Tensor) -> list:
    """The list argument of ``gather``/``scatter``: a list of ``world_size`` tensors like
    ``like`` on the root rank, None on the others. Then the agreement check; a bad list on
    one rank makes every rank raise (that rank its own error, the others a mismatch)."""
    error: Exception | None = None
    out: list = []
    try:
        if pg.rank == root:
            if tensors is None:
                raise ValueError(f"{fn}: rank {root} is the {role} and needs {what} (a list "
                                 f"of {pg.world_size} tensors)")
            out = _list_len(tensors, pg, fn, what)
            _stack_meta(out, fn, like, what)
        elif tensors is not None:
            raise ValueError(f"{fn}: {what} must be None on rank {pg.rank} (not the {role} "
                             f"{root})")
    except (TypeError, ValueError) as exc:
        error = exc
    check_agreement(pg, fn, _meta(like) + (root,), error)
    return out


def _rank_arg(r: Any, pg: ProcessGroup, fn: str, name: str) -> int:
    if not isinstance(r, int) or isinstance(r, bool) or not 0 <= r < pg.world_size:
        raise ValueError(f"{fn}: {name}={r!r} is not a rank of this group "
                         f"(0..{pg.world_size - 1})")
    return r


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` across all ranks, in place: every rank gets the result.

    Parameters
    ----------
    tensor : Tensor
        Same shape and dtype on every rank; overwritten with the result.
    op : ReduceOp
        ``SUM`` (default), ``AVG``, ``PRODUCT``, ``MIN`` or ``MAX``.
    group : ProcessGroup, optional
        Default: the default group.
    async_op : bool
        Return a :class:`Work` (``wait()``, ``is_completed()``); the result is written when
        it completes.

    Examples
    --------
    >>> import arraygrad as ag
    >>> import arraygrad.distributed as dist
    >>> dist.init_process_group("mpi")  # doctest: +SKIP
    >>> t = ag.ones(3) * (dist.get_rank() + 1)  # doctest: +SKIP
    >>> dist.all_reduce(t)  # doctest: +SKIP
    """
    fn = "all_reduce"
    pg = _group(group, fn)
    _tensor(tensor, fn)
    op = _op(op, fn)
    check_agreement(pg, fn, _meta(tensor) + (op.value,))
    res = pg.allreduce(pg.to_engine(tensor), op, async_op)
    return _then(pg, res, async_op, lambda arr: _write(tensor, arr, pg))


def broadcast(tensor: Tensor, src: int = 0, group: ProcessGroup | None = None,
              async_op: bool = False) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank."""
    fn = "broadcast"
    pg = _group(group, fn)
    _tensor(tensor, fn)
    src = _rank_arg(src, pg, fn, "src")
    check_agreement(pg, fn, _meta(tensor) + (src,))
    res = pg.broadcast(pg.to_engine(tensor), src, async_op)
    return _then(pg, res, async_op, lambda arr: _write(tensor, arr, pg))


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Every rank's ``tensor`` into ``tensor_list`` (one tensor per rank, in rank order)."""
    fn = "all_gather"
    pg = _group(group, fn)
    _tensor(tensor, fn)
    outs = _list_len(tensor_list, pg, fn, "tensor_list")
    _stack_meta(outs, fn, tensor, "tensor_list")
    check_agreement(pg, fn, _meta(tensor))
    res = pg.allgather(pg.to_engine(tensor), async_op)

    def finish(stacked: Any) -> None:
        for r, out in enumerate(outs):
            _write(out, stacked[r], pg)
    return _then(pg, res, async_op, finish)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor,
                           group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Every rank's ``input_tensor`` into ``output_tensor``: concatenated along dim 0
    (shape ``(world_size * n, ...)``) or stacked (shape ``(world_size, n, ...)``)."""
    fn = "all_gather_into_tensor"
    pg = _group(group, fn)
    _tensor(output_tensor, fn, "output_tensor")
    _tensor(input_tensor, fn, "input_tensor")
    w, shape = pg.world_size, input_tensor.shape
    cat = (shape[0] * w, *shape[1:]) if shape else None
    if output_tensor.shape not in ((w, *shape), cat) or output_tensor.dtype != \
            input_tensor.dtype:
        raise ValueError(f"{fn}: output_tensor has shape {output_tensor.shape} dtype "
                         f"{output_tensor.dtype.name}; for input shape {shape} dtype "
                         f"{input_tensor.dtype.name} and world size {w} it must have shape "
                         f"{cat} (concatenated) or {(w, *shape)} (stacked), same dtype")
    check_agreement(pg, fn, _meta(input_tensor))
    res = pg.allgather(pg.to_engine(input_tensor), async_op)
    return _then(pg, res, async_op, lambda stacked: _write(
        output_tensor, stacked.reshape(output_tensor.shape), pg))


def reduce_scatter(output: Tensor, input_list: list[Tensor],
                   op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False) -> Work | None:
    """Rank r receives, in ``output``, the reduction of every rank's ``input_list[r]``."""
    fn = "reduce_scatter"
    pg = _group(group, fn)
    _tensor(output, fn, "output")
    ins = _list_len(input_list, pg, fn, "input_list")
    _stack_meta(ins, fn, output, "input_list")
    op = _op(op, fn)
    check_agreement(pg, fn, _meta(output) + (op.value,))
    stacked = pg.stack([pg.to_engine(t) for t in ins])
    res = pg.reduce_scatter(stacked, op, async_op)
    return _then(pg, res, async_op, lambda arr: _write(output, arr, pg))


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """Reduce ``input`` (shape ``(world_size * n, ...)`` or ``(world_size, n, ...)``) across
    ranks and give rank r its r-th chunk in ``output`` (shape ``(n, ...)``)."""
    fn = "reduce_scatter_tensor"
    pg = _group(group, fn)
    _tensor(output, fn, "output")
    _tensor(input, fn, "input")
    w, shape = pg.world_size, output.shape
    cat = (shape[0] * w, *shape[1:]) if shape else None
    if input.shape not in ((w, *shape), cat) or input.dtype != output.dtype:
        raise ValueError(f"{fn}: input has shape {input.shape} dtype {input.dtype.name}; for "
                         f"output shape {shape} dtype {output.dtype.name} and world size {w} "
                         f"it must have shape {cat} or {(w, *shape)}, same dtype")
    op = _op(op, fn)
    check_agreement(pg, fn, _meta(input) + (op.value,))
    arr = pg.to_engine(input).reshape((w, *shape))
    res = pg.reduce_scatter(arr, op, async_op)
    return _then(pg, res, async_op, lambda out: _write(output, out, pg))


def reduce(tensor: Tensor, dst: int = 0, op: ReduceOp = ReduceOp.SUM,
           group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` across ranks into rank ``dst``'s ``tensor`` (others unchanged)."""
    fn = "reduce"
    pg = _group(group, fn)
    _tensor(tensor, fn)
    dst = _rank_arg(dst, pg, fn, "dst")
    op = _op(op, fn)
    check_agreement(pg, fn, _meta(tensor) + (dst, op.value))
    res = pg.reduce(pg.to_engine(tensor), dst, op, async_op)

    def finish(arr: Any) -> None:
        if pg.rank == dst:
            _write(tensor, arr, pg)
    return _then(pg, res, async_op, finish)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0,
           group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Every rank's ``tensor`` into rank ``dst``'s ``gather_list`` (None on other ranks)."""
    fn = "gather"
    pg = _group(group, fn)
    _tensor(tensor, fn)
    dst = _rank_arg(dst, pg, fn, "dst")
    outs = _root_list(gather_list, pg, fn, "gather_list", dst, "destination", tensor)
    res = pg.gather(pg.to_engine(tensor), dst, async_op)

    def finish(stacked: Any) -> None:
        for r, out in enumerate(outs):
            _write(out, stacked[r], pg)
    return _then(pg, res, async_op, finish)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0,
            group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Rank ``src``'s ``scatter_list[r]`` into rank r's ``tensor``."""
    fn = "scatter"
    pg = _group(group, fn)
    _tensor(tensor, fn)
    src = _rank_arg(src, pg, fn, "src")
    ins = _root_list(scatter_list, pg, fn, "scatter_list", src, "source", tensor)
    send = pg.stack([pg.to_engine(t) for t in ins]) if ins else None
    res = pg.scatter(send, src, pg.to_engine(tensor), async_op)
    return _then(pg, res, async_op, lambda arr: _write(tensor, arr, pg))


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """Every rank's picklable ``obj`` into ``object_list`` (length world size), in rank order.

    Uses pickle: only exchange objects between ranks of your own job.
    """
    pg = _group(group, "all_gather_object")
    _list_len(object_list, pg, "all_gather_object", "object_list")
    object_list[:] = pg.allgather_object(obj)


def broadcast_object_list(object_list: list, src: int = 0,
                          group: ProcessGroup | None = None) -> None:
    """Replace ``object_list``'s items on every rank by rank ``src``'s (picklable) items."""
    pg = _group(group, "broadcast_object_list")
    src = _rank_arg(src, pg, "broadcast_object_list", "src")
    if not isinstance(object_list, list):
        raise TypeError(f"broadcast_object_list: object_list must be a list, got "
                        f"{type(object_list).__name__}")
    got = pg.allgather_object(list(object_list) if pg.rank == src else None)[src]
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(got)} objects but this "
                         f"rank's list has {len(object_list)}")
    object_list[:] = got
