"""Distances: ``cosine_similarity``, ``pairwise_distance``, ``normalize``."""

from __future__ import annotations

import math

from arraygrad.nn.functional._util import check_tensor, index_tensor
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops.indexing import take
from arraygrad.tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "normalize"]


def _norm(x: Tensor, p: float, dim: int | tuple, keepdims: bool) -> Tensor:
    if p == 2:
        return ew.sqrt(red.sum(x * x, axis=dim, keepdims=keepdims))
    if p == math.inf:
        return red.max(ew.abs(x), axis=dim, keepdims=keepdims)
    if p == -math.inf:
        return red.min(ew.abs(x), axis=dim, keepdims=keepdims)
    if p == 1:
        return red.sum(ew.abs(x), axis=dim, keepdims=keepdims)
    if p == 0:
        return red.sum((x != 0).astype(x.dtype), axis=dim, keepdims=keepdims)
    return red.sum(ew.abs(x) ** p, axis=dim, keepdims=keepdims) ** (1.0 / p)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` (broadcast) along ``dim``; each norm is
    clamped below at ``eps``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.cosine_similarity(ag.tensor([[1.0, 0.0]]), ag.tensor([[2.0, 0.0]])
    ...                                    ).tolist()
    [1.0]
    """
    check_tensor(x1, "cosine_similarity")
    check_tensor(x2, "cosine_similarity")
    try:
        x1, x2 = sh.broadcast_arrays(x1, x2)
    except ValueError:
        raise ValueError(f"cosine_similarity: shapes {x1.shape} and {x2.shape} do not "
                         f"broadcast") from None
    n1 = ew.maximum(_norm(x1, 2, dim, True), eps)
    n2 = ew.maximum(_norm(x2, 2, dim, True), eps)
    return red.sum((x1 / n1) * (x2 / n2), axis=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last axis.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> round(F.pairwise_distance(ag.tensor([[3.0, 0.0]]), ag.tensor([[0.0, 4.0]])).item(), 4)
    5.0
    """
    check_tensor(x1, "pairwise_distance")
    check_tensor(x2, "pairwise_distance")
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        diff = sh.reshape(diff, (1,))
    return _norm(diff, p, -1, keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.normalize(ag.tensor([[3.0, 4.0]], dtype=ag.float64)).tolist()
    [[0.6, 0.8]]
    """
    check_tensor(input, "normalize")
    result = input / ew.maximum(_norm(input, p, dim, True), eps)
    if out is not None:
        return out.copy_(result)
    return result


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """The p-norm distances between every pair of rows ``i < j`` of (N, M) ``input``, in
    row-major order of the pairs: ``N * (N - 1) / 2`` values (PyTorch's ``pdist``).

    The gradient is PyTorch's: 0 for a zero distance; for ``p = inf`` every tied largest
    coordinate gets the full gradient.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.pdist(ag.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])).tolist()
    [5.0, 4.0, 3.0]
    """
    check_tensor(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D (shape "
                           f"{tuple(input.shape)})")
    if input.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype.name}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got p={p}")
    n = input.shape[0]
    first = [i for i in range(n) for _ in range(i + 1, n)]
    second = [j for i in range(n) for j in range(i + 1, n)]
    diff = take(input, index_tensor(first, input), axis=0) - \
        take(input, index_tensor(second, input), axis=0)
    if p == 0:  # the count of non-zero coordinates, with PyTorch's zero gradient
        return red.sum(ew.where(diff != 0, 1.0, diff * 0.0), axis=1)
    magnitude = ew.abs(diff)
    if p == math.inf:  # every tied maximum carries the gradient (PyTorch's rule)
        top = red.max(magnitude, axis=1, keepdims=True).detach() if len(first) else \
            red.sum(magnitude, axis=1, keepdims=True).detach()
        tied = ew.where(magnitude == top, magnitude - magnitude.detach(), 0.0)
        return sh.squeeze(top, axis=1) + red.sum(tied, axis=1)
    if p == 1:
        return red.sum(magnitude, axis=1)
    if p == 2:
        total = red.sum(diff * diff, axis=1)
    else:  # |d| ** p with gradient 0 at d = 0 (not 0 * inf for p < 1)
        nonzero = magnitude > 0
        powered = ew.where(nonzero, ew.where(nonzero, magnitude, 1.0) ** p, 0.0)
        total = red.sum(powered, axis=1)
    positive = total > 0  # a zero distance: value 0, gradient 0 (not 0 * inf)
    safe = ew.where(positive, total, 1.0)
    root = ew.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return ew.where(positive, root, 0.0)
