"""Differentiable collectives (PyTorch's ``torch.distributed.nn.functional``).

Unlike :mod:`arraygrad.distributed`'s in-place collectives these return new tensors and
record a graph node, so gradients flow across ranks: the gradient of ``all_reduce`` (SUM)
is an ``all_reduce`` of the gradients, of ``all_gather`` a ``reduce_scatter``, of
``broadcast`` a ``reduce`` to the source, of ``reduce_scatter`` an ``all_gather``. The
backward functions call these same functions, so ``create_graph=True`` works too. Every
rank must run backward through the same collectives in the same order.

Examples
--------
>>> import arraygrad as ag
>>> from arraygrad.distributed.nn import functional as dfn
>>> callable(dfn.all_reduce)
True
"""

from __future__ import annotations

from typing import Any

from arraygrad.autograd.function import Function
from arraygrad.distributed.collectives import (
    _group,
    _meta,
    _op,
    _rank_arg,
    _tensor,
    check_agreement,
)
from arraygrad.distributed.process_group import ProcessGroup, ReduceOp
from arraygrad.tensor import Tensor

__all__ = ["all_reduce", "all_gather", "broadcast", "reduce_scatter"]


def _run(pg: ProcessGroup, fn: str, tensor: Tensor, extra: tuple, engine_call: Any) -> Tensor:
    """Check that the ranks agree, run ``engine_call`` on the tensor's engine array and wrap
    the result as a new tensor of the input's backend."""
    from arraygrad.extend import make_tensor

    check_agreement(pg, fn, _meta(tensor) + extra)
    return make_tensor(pg.from_engine(engine_call(pg.to_engine(tensor)), tensor),
                       tensor.backend)


class _AllReduce(Function):
    @staticmethod
    def forward(ctx, tensor, op, pg):
        ctx.op, ctx.pg = op, pg
        return _run(pg, "all_reduce", tensor, (op.value,), lambda a: pg.allreduce(a, op))

    @staticmethod
    def backward(ctx, g):
        # d/dx_r of sum_k x_k is 1 for every output rank: the gradient sums over ranks.
        return all_reduce(g, ctx.op, ctx.pg), None, None


class _AllGather(Function):
    @staticmethod
    def forward(ctx, tensor, pg):
        ctx.pg = pg
        return _run(pg, "all_gather", tensor, (), pg.allgather)

    @staticmethod
    def backward(ctx, g):
        # Rank r's input appears in slot r of every rank's output: sum those slots.
        return _ReduceScatter.apply(g, ReduceOp.SUM, ctx.pg), None


class _ReduceScatter(Function):
    @staticmethod
    def forward(ctx, stacked, op, pg):
        ctx.op, ctx.pg = op, pg
        return _run(pg, "reduce_scatter", stacked, (op.value,),
                    lambda a: pg.reduce_scatter(a, op))

    @staticmethod
    def backward(ctx, g):
        gathered = _AllGather.apply(g, ctx.pg)
        if ctx.op is ReduceOp.AVG:
            gathered = gathered / ctx.pg.world_size
        return gathered, None, None


class _Broadcast(Function):
    @staticmethod
    def forward(ctx, tensor, src, pg):
        ctx.src, ctx.pg = src, pg
        return _run(pg, "broadcast", tensor, (src,), lambda a: pg.broadcast(a, src))

    @staticmethod
    def backward(ctx, g):
        # Only the source's input reaches the outputs: it gets the sum, the others zero.
        total = all_reduce(g, ReduceOp.SUM, ctx.pg)
        if ctx.pg.rank != ctx.src:
            from arraygrad.creation import zeros_like

            total = zeros_like(total)
        return total, None, None


def _differentiable_op(op: ReduceOp, tensor: Tensor, fn: str) -> None:
    if tensor.requires_grad and op not in (ReduceOp.SUM, ReduceOp.AVG):
        raise ValueError(f"{fn}: only ReduceOp.SUM and ReduceOp.AVG have a gradient here, got "
                         f"{op.name} on a tensor that requires grad; detach() it or use "
                         f"ag.distributed.{fn} (not differentiable)")


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM,
               group: ProcessGroup | None = None) -> Tensor:
    """Return the reduction of ``tensor`` over all ranks (a new tensor; the input is kept).

    The gradient is the ``all_reduce`` of the output gradients (SUM; AVG divides again).
    """
    tensor = _tensor(tensor, "all_reduce")
    op = _op(op, "all_reduce")
    _differentiable_op(op, tensor, "all_reduce")
    return _AllReduce.apply(tensor, op, _group(group, "all_reduce"))


def all_gather(tensor: Tensor, group: ProcessGroup | None = None) -> tuple[Tensor, ...]:
    """Return every rank's ``tensor``, in rank order (a tuple of world-size tensors).

    The gradient for rank r's input is the sum over ranks of the gradients of output r
    (a ``reduce_scatter``).
    """
    tensor = _tensor(tensor, "all_gather")
    pg = _group(group, "all_gather")
    from arraygrad.ops.shape import unstack

    return tuple(unstack(_AllGather.apply(tensor, pg), axis=0))


def reduce_scatter(output: Tensor | None, input_list: list[Tensor],
                   op: ReduceOp = ReduceOp.SUM, group: ProcessGroup | None = None) -> Tensor:
    """Return, on rank r, the reduction over ranks of ``input_list[r]``.

    ``output`` is accepted for PyTorch's signature and only checked for shape (a new tensor
    is returned; pass None to skip). The gradient is an ``all_gather``.
    """
    pg = _group(group, "reduce_scatter")
    op = _op(op, "reduce_scatter")
    if not isinstance(input_list, (list, tuple)) or len(input_list) != pg.world_size:
        raise ValueError(f"reduce_scatter: input_list must be a list of {pg.world_size} "
                         f"tensors (one per rank)")
    from arraygrad.ops.shape import stack

    stacked = stack([_tensor(t, "reduce_scatter") for t in input_list])
    if output is not None and _tensor(output, "reduce_scatter").shape != stacked.shape[1:]:
        raise ValueError(f"reduce_scatter: output has shape {output.shape} but the inputs "
                         f"have shape {stacked.shape[1:]}")
    if op not in (ReduceOp.SUM, ReduceOp.AVG) and stacked.requires_grad:
        _differentiable_op(op, stacked, "reduce_scatter")
    return _ReduceScatter.apply(stacked, op, pg)


def broadcast(tensor: Tensor, src: int = 0, group: ProcessGroup | None = None) -> Tensor:
    """Return rank ``src``'s ``tensor`` on every rank. The gradient reaches ``src`` only:
    the sum of every rank's output gradient (zero on the other ranks)."""
    tensor = _tensor(tensor, "broadcast")
    pg = _group(group, "broadcast")
    return _Broadcast.apply(tensor, _rank_arg(src, pg, "broadcast", "src"), pg)
