"""Lookup tables: ``embedding``, ``embedding_bag`` and ``one_hot``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from arraygrad import creation
from arraygrad.extend import assign
from arraygrad.grad_mode import is_grad_enabled, no_grad
from arraygrad.nn.functional._util import check_tensor, const, index_tensor
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops._arrays import is_array, is_batched, physical
from arraygrad.ops.indexing import scatter_add, take
from arraygrad.tensor import Tensor

__all__ = ["embedding", "embedding_bag", "one_hot", "sparse_gradient_error"]


def _indices(indices: Any, weight: Tensor, op: str) -> Tensor:
    check_tensor(weight, op)
    if not is_array(indices):
        indices = creation.asarray(indices, backend=weight.backend, device=weight.device)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer tensor, got dtype "
                        f"{indices.dtype.name} (shape {indices.shape})")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{weight.shape}")
    n = weight.shape[0]
    every = physical(indices)  # inside vmap: every example's indices
    # one yes/no read (the range only for the message): a compiled step's value check on
    # it holds from batch to batch
    if every.size and not bool(red.all((every >= 0) & (every < n)).item()):
        lo, hi = int(red.min(every).item()), int(red.max(every).item())
        raise IndexError(f"{op}: indices must be in [0, {n - 1}] for {n} embeddings; got "
                         f"values from {lo} to {hi}")
    return indices


def _padding_idx(padding_idx: int | None, n: int, op: str) -> int | None:
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(f"{op}: padding_idx {padding_idx} must be within the number of "
                         f"embeddings {n}")
    return padding_idx % n


def _renorm(weight: Tensor, flat: Tensor, max_norm: float, norm_type: float) -> None:
    """PyTorch's ``embedding_renorm_``: rows used by ``flat`` with a norm above ``max_norm``
    are scaled to ``max_norm`` (in place, not recorded)."""
    rows = sorted(set(flat.tolist()))
    if not rows:
        return
    with no_grad():
        w = weight.detach()
        idx = index_tensor(rows, w)
        picked = take(w, idx, axis=0)
        if norm_type == float("inf"):
            norms = red.max(ew.abs(picked), axis=1, keepdims=True)
        else:
            norms = red.sum(ew.abs(picked) ** norm_type, axis=1, keepdims=True) ** (
                1.0 / norm_type)
        scale = ew.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        new = w.clone()
        new[idx] = picked * scale
        assign(weight, new.array)


def sparse_gradient_error(what: str, shape: tuple) -> NotImplementedError:
    """The error for ``sparse=True`` on a weight that requires grad.

    PyTorch gives such a weight a sparse COO gradient (only the looked-up rows), which
    optimizers treat differently from a dense one (``optim.Adam`` refuses it,
    ``optim.SparseAdam`` updates only those rows). arraygrad's engine accumulates dense
    gradients only, so it refuses instead of silently training differently.
    """
    return NotImplementedError(
        f"{what}: sparse=True (a sparse gradient for the weight of shape "
        f"{tuple(shape)}) is not supported: arraygrad "
        f"computes dense gradients only. Pass sparse=False: the gradient then has the same "
        f"values as PyTorch's sparse one, densified (zero rows for the indices not looked "
        f"up); note that an optimizer with running state (optim.Adam) then also moves rows "
        f"that were not looked up, which PyTorch's SparseAdam would not")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) at integer ``input`` indices (any shape).

    The row ``padding_idx`` gets no gradient. ``max_norm`` renormalizes, in place, the
    rows looked up whose ``norm_type``-norm exceeds it (as PyTorch).
    ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``.
    ``sparse=True`` (PyTorch's sparse gradient for ``weight``) is refused with
    NotImplementedError when ``weight`` requires grad: arraygrad's gradients are dense, so
    optimizers would update differently from PyTorch's sparse path (see
    :func:`sparse_gradient_error`); with a ``weight`` that needs no gradient it changes
    nothing.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> ag.nn.functional.embedding(ag.tensor([[1, 0]]), w).tolist()
    [[[2.0, 3.0], [0.0, 1.0]]]
    """
    if sparse and weight.requires_grad and is_grad_enabled():
        raise sparse_gradient_error("embedding", weight.shape)
    indices = _indices(input, weight, "embedding")
    padding_idx = _padding_idx(padding_idx, weight.shape[0], "embedding")
    flat = sh.reshape(indices, (-1,))
    if max_norm is not None:
        _renorm(weight, flat, float(max_norm), float(norm_type))
    rows = take(weight, flat, axis=0)
    if scale_grad_by_freq and flat.size:
        values = flat.tolist()
        counts = Counter(values)
        scale = sh.reshape(const([1.0 / counts[v] for v in values], rows), (-1, 1))
        fixed = rows.detach()
        rows = fixed + (rows - fixed) * scale  # same values, gradient scaled
    if padding_idx is not None:
        keep = sh.reshape(flat != padding_idx, (-1, 1))
        rows = ew.where(keep, rows, rows.detach())
    return sh.reshape(rows, tuple(indices.shape) + (weight.shape[1],))


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embeddings, without building the (bags, len, dim)
    intermediate.

    ``input`` is 2-D (B, L: each row a bag) or 1-D with ``offsets`` (the start of each
    bag; with ``include_last_offset`` the last entry is the end). Entries equal to
    ``padding_idx`` are left out of their bag; an empty bag gives zeros.
    ``per_sample_weights`` (``mode='sum'`` only) weight each entry.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.tensor([[1.0], [2.0], [4.0]])
    >>> F = ag.nn.functional
    >>> F.embedding_bag(ag.tensor([0, 1, 2]), w, ag.tensor([0, 2]), mode="sum").tolist()
    [[3.0], [4.0]]
    """
    op = "embedding_bag"
    if sparse and weight.requires_grad and is_grad_enabled():
        raise sparse_gradient_error(op, weight.shape)
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    indices = _indices(input, weight, op)
    padding_idx = _padding_idx(padding_idx, weight.shape[0], op)
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"{op}: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}'). Please open a feature request on "
                                      f"GitHub.")
        if tuple(per_sample_weights.shape) != tuple(indices.shape):
            raise ValueError(f"{op}: per_sample_weights shape {per_sample_weights.shape} must "
                             f"match the input shape {indices.shape}")
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2-D, offsets has to be None (each row is a "
                             f"bag), got offsets of shape {offsets.shape}")
        bags, length = indices.shape
        starts = [i * length for i in range(bags)]
        ends = [s + length for s in starts]
    elif indices.ndim == 1:
        if offsets is None:
            raise ValueError(f"{op}: offsets has to be a 1-D tensor but got None (a 1-D input "
                             f"needs offsets)")
        if offsets.ndim != 1:
            raise ValueError(f"{op}: offsets has to be a 1-D tensor, got shape {offsets.shape}")
        starts = [int(v) for v in offsets.tolist()]
        if starts and starts[0] != 0:
            raise ValueError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the "
                             f"mini-batch has to start from position 0. However, got "
                             f"{starts[0]}")
        if include_last_offset:
            ends, starts = starts[1:], starts[:-1]
        else:
            ends = starts[1:] + [indices.shape[0]]
        if any(e < s or e > indices.shape[0] for s, e in zip(starts, ends)):
            raise ValueError(f"{op}: offsets {starts} must be non-decreasing and within the "
                             f"input length {indices.shape[0]}")
    else:
        raise ValueError(f"{op}: input has to be 1-D or 2-D, got shape {indices.shape}")
    flat = sh.reshape(indices, (-1,))
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * sh.reshape(per_sample_weights.astype(rows.dtype), (-1, 1))
    values = flat.tolist()
    members = [[j for j in range(s, e) if values[j] != padding_idx] for s, e in
               zip(starts, ends)]
    if mode == "max":
        blocks: list[Tensor] = []
        zero = creation.zeros((1, weight.shape[1]), dtype=rows.dtype, backend=rows.backend,
                              device=rows.device)
        for m in members:
            if not m:
                blocks.append(zero)
                continue
            block = take(rows, index_tensor(m, rows), axis=0)
            with no_grad():  # gradient to the first maximum, per column
                first = red.argmax(block, axis=0, keepdims=True)
                pos = sh.reshape(creation.arange(len(m), backend=rows.backend,
                                                 device=rows.device), (-1, 1))
                mask = pos == first
            blocks.append(red.sum(ew.where(mask, block, 0.0), axis=0, keepdims=True))
        if not blocks:
            return creation.zeros((0, weight.shape[1]), dtype=rows.dtype, backend=rows.backend,
                                  device=rows.device)
        return sh.concat(blocks, axis=0)
    out = creation.zeros((len(members), weight.shape[1]), dtype=rows.dtype,
                         backend=rows.backend, device=rows.device)
    positions = [j for m in members for j in m]
    if not positions:
        return out
    bag_of = [b for b, m in enumerate(members) for _ in m]
    picked = take(rows, index_tensor(positions, rows), axis=0)
    if mode == "mean":
        picked = picked * sh.reshape(const([1.0 / len(members[b]) for b in bag_of], rows),
                                     (-1, 1))
    return scatter_add(out, index_tensor(bag_of, rows), picked)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new trailing axis of length ``num_classes``
    (``-1``: one more than the largest value).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.one_hot(ag.tensor([0, 2])).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    check_tensor(tensor, "one_hot")
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer (class index) tensor, got dtype "
                        f"{tensor.dtype.name}")
    if is_batched(tensor) and num_classes == -1:
        raise RuntimeError("one_hot: inside ag.func.vmap the number of classes cannot be "
                           "inferred from the data (each example could differ); pass "
                           "num_classes")
    every = physical(tensor)  # inside vmap: every example's values
    if every.size:
        lo, hi = int(red.min(every).item()), int(red.max(every).item())
        if lo < 0:
            raise ValueError(f"one_hot: class values must be non-negative, got {lo}")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise ValueError(f"one_hot: class values must be smaller than num_classes="
                             f"{num_classes}, got {hi}")
    elif num_classes == -1:
        raise ValueError("one_hot: can not infer the total number of classes from an empty "
                         "tensor; pass num_classes")
    classes = creation.arange(num_classes, backend=tensor.backend, device=tensor.device)
    return (sh.expand_dims(tensor, axis=-1) == classes).astype("int64")
