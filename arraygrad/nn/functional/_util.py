"""Helpers shared by the functional modules: argument tuples, input checks, reductions."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from arraygrad import creation
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.tensor import Tensor

IntPair = int | Sequence[int]
REDUCTIONS = ("mean", "sum", "none")


def ntuple(value: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    """``(v,) * n`` for an int, or the validated n-tuple of ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * n
    try:
        items = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got "
                        f"{value!r}") from None
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return items


def pair(value: IntPair, name: str, op: str) -> tuple[int, int]:
    """``(v, v)`` for an int, or the validated 2-tuple."""
    return ntuple(value, 2, name, op)  # type: ignore[return-value]


def check_tensor(x: Any, op: str) -> Tensor:
    """Raise ``TypeError`` naming ``op`` unless ``x`` is a Tensor (or, inside
    ``ag.func.vmap``, a batched tensor)."""
    if not isinstance(x, Tensor) and not getattr(type(x), "_ag_batched", False):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    return x


def batch(x: Any, spatial: int, op: str, layout: str) -> tuple[Tensor, bool]:
    """``x`` with a batch axis (added for an unbatched input) and whether it was added.

    ``spatial`` is the number of axes after the channel axis; ``layout`` names them for
    the error message (``"L"``, ``"H, W"``).
    """
    check_tensor(x, op)
    if x.ndim == spatial + 1:
        return sh.expand_dims(x, axis=0), True
    if x.ndim != spatial + 2:
        raise ValueError(f"{op}: expected a {spatial + 2}-D input (N, C, {layout}) or a "
                         f"{spatial + 1}-D unbatched input (C, {layout}), got shape {x.shape}")
    return x, False


def index_tensor(values: Sequence[int], like: Tensor) -> Tensor:
    """An int64 tensor of ``values`` on ``like``'s backend and device."""
    return creation.asarray(list(values), dtype="int64", backend=like.backend,
                            device=like.device)


def const(values: Any, like: Tensor) -> Tensor:
    """A constant tensor of ``values`` in ``like``'s dtype, backend and device."""
    return creation.asarray(values, dtype=like.dtype, backend=like.backend, device=like.device)


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` flags to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='mean', 'sum' or 'none' instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def reduce_loss(losses: Tensor, reduction: str, op: str) -> Tensor:
    """Apply ``reduction`` ('mean', 'sum' or 'none') to elementwise losses."""
    if reduction == "mean":
        return red.mean(losses)
    if reduction == "sum":
        return red.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def check_reduction(reduction: str, op: str) -> None:
    """Raise ``ValueError`` for an unknown ``reduction``."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def namespace() -> Any:
    """The arraygrad namespace (whose arrays are Tensors), for the im2col helpers."""
    import arraygrad

    return arraygrad
