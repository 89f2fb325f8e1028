"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance``."""

from __future__ import annotations

from arraygrad.nn import functional as F
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> [round(v, 4) for v in ag.nn.CosineSimilarity()(ag.ones(2, 3), ag.ones(2, 3)).tolist()]
    [1.0, 1.0]
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last axis.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.PairwiseDistance()(ag.zeros(1, 2), ag.zeros(1, 2)).shape
    (1,)
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
