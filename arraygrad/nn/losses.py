"""Loss modules wrapping :mod:`arraygrad.nn.functional`'s losses (PyTorch's constructor
arguments, including the deprecated ``size_average`` and ``reduce``)."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn.distance import PairwiseDistance
from arraygrad.nn.functional._util import legacy_reduction
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = [
    "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
    "KLDivLoss", "NLLLoss", "CrossEntropyLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "TripletMarginLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
    "TripletMarginWithDistanceLoss", "NLLLoss2d",
]


class _Loss(Module):
    _reductions: tuple[str, ...] = ("mean", "sum", "none")

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        reduction = legacy_reduction(size_average, reduce, reduction)
        if reduction not in self._reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{self._reductions}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error (see :func:`arraygrad.nn.functional.l1_loss`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.L1Loss()(ag.tensor([1.0]), ag.tensor([3.0])).item()
    2.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (see :func:`arraygrad.nn.functional.mse_loss`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.MSELoss()(ag.tensor([1.0]), ag.tensor([3.0])).item()
    4.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss with threshold ``beta``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.SmoothL1Loss()(ag.tensor([0.5]), ag.tensor([0.0])).item()
    0.125
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss with threshold ``delta``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.HuberLoss(delta=1.0)(ag.tensor([3.0]), ag.tensor([0.0])).item()
    2.5
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (see
    :func:`arraygrad.nn.functional.binary_cross_entropy`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.BCELoss()(ag.tensor([0.5]), ag.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, stable (see
    :func:`arraygrad.nn.functional.binary_cross_entropy_with_logits`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.BCEWithLogitsLoss()(ag.zeros(1), ag.ones(1)).item(), 4)
    0.6931
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence (``reduction='batchmean'`` for the KL definition).

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.tensor([[0.25, 0.75]])
    >>> ag.nn.KLDivLoss(reduction="batchmean")(p.log(), p).item()
    0.0
    """

    _reductions = ("mean", "sum", "none", "batchmean")

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood (see :func:`arraygrad.nn.functional.nll_loss`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.NLLLoss()(ag.tensor([[-1.0, -2.0]]), ag.tensor([0])).item()
    1.0
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or probabilities (see
    :func:`arraygrad.nn.functional.cross_entropy`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> loss = ag.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> round(loss(ag.zeros(2, 3), ag.tensor([0, 2])).item(), 4)
    1.0986
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class _MarginLoss(_Loss):
    _default_margin = 0.0

    def __init__(self, margin: float | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = self._default_margin if margin is None else margin


class CosineEmbeddingLoss(_MarginLoss):
    """``1 - cos`` for similar pairs (target 1), ``max(0, cos - margin)`` for dissimilar (-1).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.ones(1, 2)
    >>> ag.nn.CosineEmbeddingLoss()(x, x, ag.tensor([1])).item()
    0.0
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class MarginRankingLoss(_MarginLoss):
    """``max(0, -target * (x1 - x2) + margin)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.MarginRankingLoss()(ag.tensor([2.0]), ag.tensor([1.0]), ag.tensor([1.0])).item()
    0.0
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """``x`` for target 1, ``max(0, margin - x)`` for target -1.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.HingeEmbeddingLoss()(ag.tensor([0.5]), ag.tensor([-1.0])).item()
    0.5
    """

    _default_margin = 1.0

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> a = ag.zeros(1, 2)
    >>> ag.nn.TripletMarginLoss()(a, a, a + 5.0).item()
    0.0
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                     self.swap, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """``log(1 + exp(-y x))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.SoftMarginLoss()(ag.zeros(1), ag.ones(1)).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class logistic loss averaged over classes.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.MultiLabelSoftMarginLoss()(ag.zeros(1, 2), ag.ones(1, 2)).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.multilabel_soft_margin_loss(input, target, self.weight,
                                             reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.PoissonNLLLoss()(ag.zeros(2), ag.ones(2)).item()
    1.0
    """

    def __init__(self, log_input: bool = True, full: bool = False,
                 size_average: bool | None = None, eps: float = 1e-8,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full,
                                  eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with a predicted variance.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.GaussianNLLLoss()(ag.zeros(2), ag.zeros(2), ag.ones(2)).item()
    0.0
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Any) -> Tensor:  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (see
    :func:`arraygrad.nn.functional.ctc_loss`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> lp = ag.full((3, 1, 2), -0.6931471805599453, dtype=ag.float64)
    >>> round(ag.nn.CTCLoss()(lp, ag.tensor([[1]]), [3], [1]).item(), 4)
    0.2877
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (see :func:`arraygrad.nn.functional.multi_margin_loss`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> loss = ag.nn.MultiMarginLoss()(ag.tensor([[0.1, 0.2, 0.4, 0.8]]), ag.tensor([3]))
    >>> round(loss.item(), 4)
    0.325
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be 1-D, got shape {weight.shape}")
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss (see :func:`arraygrad.nn.functional.multilabel_margin_loss`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x, y = ag.tensor([[0.1, 0.2, 0.4, 0.8]]), ag.tensor([[3, 0, -1, 1]])
    >>> round(ag.nn.MultiLabelMarginLoss()(x, y).item(), 4)
    0.85
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance (see
    :func:`arraygrad.nn.functional.triplet_margin_with_distance_loss`); the default distance
    is a :class:`~arraygrad.nn.PairwiseDistance` submodule, as PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> a = ag.zeros(1, 2)
    >>> ag.nn.TripletMarginWithDistanceLoss()(a, a, a + 5.0).item()
    0.0
    """

    def __init__(self, *, distance_function: Any = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function = distance_function if distance_function is not None \
            else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (PyTorch's warning at construction).

    Examples
    --------
    >>> import warnings
    >>> import arraygrad as ag
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     loss = ag.nn.NLLLoss2d()
    >>> isinstance(loss, ag.nn.NLLLoss)
    True
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        warnings.warn("NLLLoss2d has been deprecated. Please use NLLLoss instead as a drop-in "
                      "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn."
                      "NLLLoss for more details.", UserWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
