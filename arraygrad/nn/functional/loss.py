"""Losses, with PyTorch's argument order (including the deprecated ``size_average`` and
``reduce`` flags, which map to ``reduction`` with a warning, as in PyTorch).

A target whose shape differs from the input's is broadcast with PyTorch's warning where
PyTorch broadcasts, and rejected where PyTorch rejects it.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad import creation
from arraygrad.grad_mode import no_grad
from arraygrad.nn.functional._util import (
    check_reduction,
    check_tensor,
    legacy_reduction,
    reduce_loss,
)
from arraygrad.nn.functional.distance import pairwise_distance
from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing as ix
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops._arrays import physical
from arraygrad.ops.nn import class_index_loss, require_floating
from arraygrad.ops.nn import cross_entropy as _cross_entropy
from arraygrad.tensor import Tensor

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy",
    "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss", "multi_margin_loss",
    "multilabel_margin_loss", "triplet_margin_with_distance_loss",
]

_LOG_FLOOR = -100.0  # PyTorch clamps BCE's logarithms at -100
_TINY = math.exp(_LOG_FLOOR)


def _broadcast(input: Any, target: Any, op: str) -> tuple[Tensor, Tensor]:  # noqa: A002
    check_tensor(input, op)
    check_tensor(target, op)
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)
        try:
            input, target = sh.broadcast_arrays(input, target)
        except ValueError:
            raise ValueError(f"{op}: the input shape {input.shape} and target shape "
                             f"{target.shape} do not broadcast") from None
    return input, target


def _integral(x: Any) -> bool:
    return isinstance(x, Tensor) and x.dtype.kind not in "fc"


def _refuse_integral(input: Any, target: Any, op: str, kernel: str) -> None:  # noqa: A002
    """PyTorch's kernel for ``op`` runs on floating point only: integer ``input`` and
    ``target`` together raise its ``NotImplementedError`` (one float operand promotes)."""
    if _integral(input) and _integral(target):
        require_floating(input, op, kernel)


def _refuse_cast(x: Any, op: str, role: str) -> None:
    """PyTorch's ``result type Float can't be cast to the desired output type`` error."""
    if _integral(x):
        raise RuntimeError(f"{op}: result type Float can't be cast to the desired output type "
                           f"{x.dtype.name} of the {role} (shape {tuple(x.shape)}); cast it "
                           f"first, e.g. {role}.float()")


def _weighted(losses: Tensor, weight: Tensor | None, shape: tuple, reduction: str, op: str,
              mean_by_weight: bool) -> Tensor:
    if weight is None:
        return reduce_loss(losses, reduction, op)
    if tuple(weight.shape) != tuple(shape):
        raise ValueError(f"{op}: Weights and input must have the same size (weight "
                         f"{weight.shape}, input {shape})")
    losses = losses * weight
    if reduction == "mean" and mean_by_weight:
        return red.sum(losses) / red.sum(weight)
    return reduce_loss(losses, reduction, op)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|`` (subgradient 0 at 0, as PyTorch).

    With ``weight`` (the input's shape), ``'mean'`` is ``sum(w * l) / sum(w)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.l1_loss(ag.tensor([1.0, 3.0]), ag.tensor([2.0, 1.0])).item()
    1.5
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    shape = tuple(check_tensor(input, "l1_loss").shape)
    a, b = _broadcast(input, target, "l1_loss")
    return _weighted(ew.abs(a - b), weight, shape, reduction, "l1_loss", True)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target) ** 2``.

    With ``weight`` (the input's shape), ``'mean'`` is ``sum(w * l) / sum(w)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.mse_loss(ag.tensor([1.0, 3.0]), ag.tensor([2.0, 1.0])).item()
    2.5
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    shape = tuple(check_tensor(input, "mse_loss").shape)
    _refuse_integral(input, target, "mse_loss", "mse_cpu")
    a, b = _broadcast(input, target, "mse_loss")
    diff = a - b
    return _weighted(diff * diff, weight, shape, reduction, "mse_loss", True)


def _smooth_l1(diff: Tensor, beta: float) -> Tensor:
    magnitude = ew.abs(diff)
    if beta == 0.0:
        return magnitude
    return ew.where(magnitude < beta, 0.5 * diff * diff / beta, magnitude - 0.5 * beta)


def smooth_l1_loss(input: Tensor, target: Tensor,  # noqa: A002
                   size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - beta / 2`` (``d = input - target``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.smooth_l1_loss(ag.tensor([0.5, 3.0]), ag.zeros(2)).item()
    1.3125
    """
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    reduction = legacy_reduction(size_average, reduce, reduction)
    _refuse_integral(input, target, "smooth_l1_loss", "smooth_l1_cpu")
    a, b = _broadcast(input, target, "smooth_l1_loss")
    return reduce_loss(_smooth_l1(a - b, float(beta)), reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """``0.5 d**2`` where ``|d| <= delta``, else ``delta (|d| - delta / 2)``.

    With ``weight``, ``'mean'`` is the plain mean of the weighted losses (as PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.huber_loss(ag.tensor([0.5, 3.0]), ag.zeros(2)).item()
    1.3125
    """
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    shape = tuple(check_tensor(input, "huber_loss").shape)
    _refuse_integral(input, target, "huber_loss", "huber_cpu")
    a, b = _broadcast(input, target, "huber_loss")
    diff = a - b
    magnitude = ew.abs(diff)
    losses = ew.where(magnitude <= delta, 0.5 * diff * diff, delta * (magnitude - 0.5 * delta))
    return _weighted(losses, weight, shape, reduction, "huber_loss", False)


def _log_clamped(x: Tensor) -> Tensor:
    """``max(log x, -100)`` with a zero gradient (not nan) where the floor applies."""
    above = x > _TINY
    return ew.where(above, ew.log(ew.where(above, x, 1.0)), _LOG_FLOOR)


def binary_cross_entropy(input: Tensor, target: Tensor,  # noqa: A002
                         weight: Tensor | None = None, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` of probabilities ``input`` in [0, 1]; the
    logarithms are clamped at -100, as PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> round(F.binary_cross_entropy(ag.tensor([0.5]), ag.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensor(input, "binary_cross_entropy")
    check_tensor(target, "binary_cross_entropy")
    require_floating(input, "binary_cross_entropy")
    if _integral(target):
        raise RuntimeError(f"binary_cross_entropy: Found dtype {target.dtype.name} but expected "
                           f"{input.dtype.name} (the target must have the input's dtype)")
    if input.shape != target.shape:
        raise ValueError(f"binary_cross_entropy: Using a target size ({target.shape}) that is "
                         f"different to the input size ({input.shape}) is deprecated. Please "
                         f"ensure they have the same size.")
    check_reduction(reduction, "binary_cross_entropy")
    every = physical(input)  # inside vmap: every example's values
    # one yes/no read (the range only for the message; NaN fails it, as in PyTorch): a
    # compiled step's value check on it holds from batch to batch
    if every.size and not bool(red.all((every >= 0.0) & (every <= 1.0)).item()):
        lo, hi = float(red.min(every).item()), float(red.max(every).item())
        raise ValueError(f"binary_cross_entropy: all elements of input should be between "
                         f"0 and 1, got values from {lo} to {hi} (use "
                         f"binary_cross_entropy_with_logits for logits)")
    losses = -(target * _log_clamped(input) + (1.0 - target) * _log_clamped(1.0 - input))
    if weight is not None:
        losses = losses * weight
    return reduce_loss(losses, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid plus binary cross-entropy in one numerically stable expression:
    ``(1 - y) x + (1 + (pw - 1) y) (log1p(exp(-|x|)) + max(-x, 0))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> round(F.binary_cross_entropy_with_logits(ag.zeros(1), ag.ones(1)).item(), 4)
    0.6931
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensor(input, "binary_cross_entropy_with_logits")
    check_tensor(target, "binary_cross_entropy_with_logits")
    require_floating(input, "binary_cross_entropy_with_logits", "log_sigmoid_cpu")
    _refuse_cast(target, "binary_cross_entropy_with_logits", "target")
    if input.shape != target.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: Target size ({target.shape}) must "
                         f"be the same as input size ({input.shape})")
    check_reduction(reduction, "binary_cross_entropy_with_logits")
    softplus_neg = ew.log1p(ew.exp(-ew.abs(input))) + ew.relu(-input)
    if pos_weight is None:
        losses = (1.0 - target) * input + softplus_neg
    else:
        losses = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
    if weight is not None:
        losses = losses * weight
    return reduce_loss(losses, reduction, "binary_cross_entropy_with_logits")


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``t (log t - x)`` of log-probabilities ``input`` from
    ``target`` (probabilities, or log-probabilities with ``log_target``).

    ``reduction='batchmean'`` divides the sum by the batch size (the KL definition);
    ``'mean'`` divides by the number of elements, with PyTorch's warning.

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.tensor([[0.5, 0.5]])
    >>> ag.nn.functional.kl_div(p.log(), p, reduction="batchmean").item()
    0.0
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.'mean' will be changed to behave the "
                      "same as 'batchmean' in the next major release.", UserWarning,
                      stacklevel=2)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                         f"{reduction!r}")
    if _integral(input) or _integral(target):
        bad = input if _integral(input) else target
        raise RuntimeError(f"kl_div: Integral inputs not supported (got dtype "
                           f"{bad.dtype.name}); cast them first, e.g. x.float()")
    a, t = _broadcast(input, target, "kl_div")
    if log_target:
        losses = ew.exp(t) * (t - a)
    else:
        positive = t > 0
        losses = ew.where(positive, t * ew.log(ew.where(positive, t, 1.0)), 0.0) - t * a
    if reduction == "batchmean":
        total = red.sum(losses)
        return total / a.shape[0] if a.ndim else total
    return reduce_loss(losses, reduction, "kl_div")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C), (C,) or (N, C, d...) at class
    indices. ``reduction="mean"`` divides by the summed weights of the non-ignored targets.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.nll_loss(ag.tensor([[-1.0, -2.0]]), ag.tensor([1])).item()
    2.0
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, "nll_loss")
    check_tensor(input, "nll_loss")
    check_tensor(target, "nll_loss")
    if input.ndim < 1:
        raise ValueError("nll_loss: input must have a class axis")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(f"nll_loss: a 1-D input (C,) needs a 0-D target, got shape "
                             f"{target.shape}")
        input, target = sh.expand_dims(input, axis=0), sh.reshape(target, (1,))
        unbatched = True
    else:
        unbatched = False
    if input.ndim > 2:
        input = sh.moveaxis(input, 1, -1)
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold class indices (an integer tensor), got "
                        f"dtype {target.dtype.name}")
    if tuple(target.shape) != tuple(input.shape[:-1]):
        raise ValueError(f"nll_loss: target shape {target.shape} does not match the input's "
                         f"shape without the class axis {tuple(input.shape[:-1])}")
    n_classes = input.shape[-1]
    if weight is not None and tuple(weight.shape) != (n_classes,):
        raise ValueError(f"nll_loss: weight must have shape ({n_classes},) (one per class), got "
                         f"{weight.shape}")
    losses = class_index_loss(input, target, n_classes, weight=weight,
                              ignore_index=ignore_index, reduction=reduction, op="nll_loss",
                              error=IndexError)
    return losses[0] if unbatched and reduction == "none" else losses


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C), (C,) or (N, C, d...) against class indices or class
    probabilities; see :func:`arraygrad.cross_entropy`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> logits = ag.tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = ag.nn.functional.cross_entropy(logits, ag.tensor([0, 1]))
    >>> f"{loss.item():.4f}"
    '0.1269'
    >>> loss.backward()
    >>> logits.grad.shape
    (2, 2)
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensor(input, "cross_entropy")
    check_tensor(target, "cross_entropy")
    unbatched = input.ndim == 1
    if unbatched:
        input = sh.expand_dims(input, axis=0)
        target = sh.expand_dims(target, axis=0)
    if input.ndim > 2 and target.ndim == input.ndim - 1:
        input = sh.moveaxis(input, 1, -1)
    elif input.ndim > 2 and target.shape == input.shape:
        input, target = sh.moveaxis(input, 1, -1), sh.moveaxis(target, 1, -1)
    out = _cross_entropy(input, target, axis=-1, reduction=reduction,
                         label_smoothing=label_smoothing, ignore_index=ignore_index,
                         weight=weight)
    return out[0] if reduction == "none" and unbatched else out


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0, size_average: bool | None = None,
                          reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (cosine along the last axis).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([[1.0, 0.0]])
    >>> ag.nn.functional.cosine_embedding_loss(x, x, ag.tensor([1])).item()
    0.0
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    for t in (input1, input2, target):
        check_tensor(t, "cosine_embedding_loss")
    if input1.shape != input2.shape or input1.ndim not in (1, 2):
        raise ValueError(f"cosine_embedding_loss: expected two 1-D or 2-D inputs of the same "
                         f"shape, got {input1.shape} and {input2.shape}")
    if tuple(target.shape) != tuple(input1.shape[:-1]):
        raise ValueError(f"cosine_embedding_loss: target shape {target.shape} must be the "
                         f"inputs' shape without the last axis {tuple(input1.shape[:-1])}")
    eps = 1e-12  # PyTorch's EPSILON
    prod = red.sum(input1 * input2, axis=-1)
    mag = ew.sqrt((red.sum(input1 * input1, axis=-1) + eps) *
                  (red.sum(input2 * input2, axis=-1) + eps))
    cos = prod / mag
    zeros = cos * 0.0
    pos = ew.where(target == 1, 1.0 - cos, zeros)
    neg = ew.where(target == -1, ew.clip(cos - margin, min=0.0), zeros)
    return reduce_loss(pos + neg, reduction, "cosine_embedding_loss")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor,
                        margin: float = 0, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.margin_ranking_loss(ag.tensor([1.0]), ag.tensor([2.0]), ag.tensor([1.0])).item()
    1.0
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    for t in (input1, input2, target):
        check_tensor(t, "margin_ranking_loss")
    if not (input1.shape == input2.shape == target.shape):
        raise ValueError(f"margin_ranking_loss: input1 {input1.shape}, input2 {input2.shape} "
                         f"and target {target.shape} must have the same shape")
    losses = ew.clip(-target * (input1 - input2) + margin, min=0.0)
    return reduce_loss(losses, reduction, "margin_ranking_loss")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the :func:`pairwise_distance`;
    ``swap`` uses ``min(d(a, n), d(p, n))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> a = ag.tensor([[0.0, 0.0]])
    >>> F = ag.nn.functional
    >>> F.triplet_margin_loss(a, a, a + 10.0).item()
    0.0
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    for t in (anchor, positive, negative):
        check_tensor(t, "triplet_margin_loss")
    if not (anchor.ndim == positive.ndim == negative.ndim) or anchor.ndim not in (1, 2):
        raise ValueError(f"triplet_margin_loss: anchor {anchor.shape}, positive "
                         f"{positive.shape} and negative {negative.shape} must all be 1-D or "
                         f"all 2-D")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ew.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    losses = ew.clip(margin + d_pos - d_neg, min=0.0)
    return reduce_loss(losses, reduction, "triplet_margin_loss")


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``x`` where ``target == 1``, ``max(0, margin - x)`` where ``target == -1``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.hinge_embedding_loss(ag.tensor([0.5, 0.5]), ag.tensor([1.0, -1.0])).item()
    0.5
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    if _integral(input) and reduction == "mean":
        raise RuntimeError(f"hinge_embedding_loss: mean(): could not infer output dtype: the "
                           f"input must be floating point or complex, got {input.dtype.name}")
    x, t = _broadcast(input, target, "hinge_embedding_loss")
    zeros = x * 0.0
    margin_part = ew.where(t != 1, ew.clip(margin - x, min=0.0), zeros)
    self_part = ew.where(t != -1, x, zeros)
    return reduce_loss(margin_part + self_part, reduction, "hinge_embedding_loss")


def soft_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                     size_average: bool | None = None, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))`` for targets in {-1, 1}.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.soft_margin_loss(ag.zeros(1), ag.ones(1)).item(), 4)
    0.6931
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _refuse_cast(input, "soft_margin_loss", "input")
    _refuse_cast(target, "soft_margin_loss", "target")
    x, t = _broadcast(input, target, "soft_margin_loss")
    return reduce_loss(ew.log1p(ew.exp(-t * x)), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                                weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Per-class binary cross-entropy of logits, averaged over the classes of each sample.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> round(F.multilabel_soft_margin_loss(ag.zeros(1, 2), ag.ones(1, 2)).item(), 4)
    0.6931
    """
    from arraygrad.nn.functional.activation import logsigmoid

    reduction = legacy_reduction(size_average, reduce, reduction)
    check_tensor(input, "multilabel_soft_margin_loss")
    check_tensor(target, "multilabel_soft_margin_loss")
    require_floating(input, "multilabel_soft_margin_loss", "log_sigmoid_cpu")
    losses = -(target * logsigmoid(input) + (1.0 - target) * logsigmoid(-input))
    if weight is not None:
        losses = losses * weight
    losses = red.mean(losses, axis=input.ndim - 1)
    return reduce_loss(losses, reduction, "multilabel_soft_margin_loss")


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: bool | None = None,
                     eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(x) - t x`` (``log_input``) or
    ``x - t log(x + eps)``; ``full`` adds Stirling's term where ``t > 1``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.poisson_nll_loss(ag.zeros(2), ag.ones(2)).item()
    1.0
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    x, t = _broadcast(input, target, "poisson_nll_loss")
    losses = ew.exp(x) - t * x if log_input else x - t * ew.log(x + eps)
    if full:
        safe = ew.where(t > 1, t, 2.0)
        stirling = safe * ew.log(safe) - safe + 0.5 * ew.log(2 * math.pi * safe)
        losses = losses + ew.where(t > 1, stirling, 0.0)
    return reduce_loss(losses, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float,  # noqa: A002
                      full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log(max(var, eps)) + (x - t)**2 / max(var,
    eps))`` (plus ``0.5 log(2 pi)`` with ``full``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.gaussian_nll_loss(ag.zeros(2), ag.zeros(2), ag.ones(2)).item()
    0.0
    """
    check_tensor(input, "gaussian_nll_loss")
    check_reduction(reduction, "gaussian_nll_loss")
    _refuse_cast(input, "gaussian_nll_loss", "input")
    if not isinstance(var, Tensor):
        var = input * 0.0 + float(var)
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = sh.expand_dims(var, axis=-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size {var.shape} for "
                             f"input {input.shape}")
    if var.size and bool(red.any(var < 0).item()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    # Clamped below at eps without stopping the gradient (PyTorch clamps under no_grad).
    v = var + (ew.maximum(var, eps) - var).detach()
    losses = 0.5 * (ew.log(v) + (input - target) ** 2 / v)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce_loss(losses, reduction, "gaussian_nll_loss")


def _lengths(values: Any, n: int, name: str) -> list[int]:
    if isinstance(values, Tensor):
        values = values.tolist()
    if isinstance(values, int):
        values = [values]
    out = [int(v) for v in values]
    if len(out) != n:
        raise ValueError(f"ctc_loss: {name} must have one entry per batch element ({n}), got "
                         f"{len(out)}")
    return out


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss of ``log_probs`` (T, N, C) (or (T, C))
    against ``targets`` (N, S) padded, or 1-D concatenated.

    The forward (alpha) recursion in log space over time, vectorized over the batch and the
    label positions; the gradient comes from the composition. ``'mean'`` divides each
    sample's loss by its target length, then averages (as PyTorch). ``zero_infinity``
    zeroes infinite losses (impossible alignments) and their gradients.

    The gradient with respect to ``log_probs`` is the exact one; PyTorch's adds
    ``exp(log_probs)``, a term that cancels when ``log_probs`` comes from
    ``log_softmax`` (so gradients of the logits agree).

    Examples
    --------
    >>> import arraygrad as ag
    >>> lp = ag.full((3, 1, 2), -0.6931471805599453, dtype=ag.float64)
    >>> F = ag.nn.functional
    >>> round(F.ctc_loss(lp, ag.tensor([[1]]), [3], [1], reduction="sum").item(), 4)
    0.2877
    """
    from arraygrad import creation
    from arraygrad.ops.indexing import take

    check_tensor(log_probs, "ctc_loss")
    check_tensor(targets, "ctc_loss")
    check_reduction(reduction, "ctc_loss")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = sh.expand_dims(log_probs, axis=1)
        if targets.ndim == 1:
            targets = sh.expand_dims(targets, axis=0)
    if log_probs.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape "
                         f"{log_probs.shape}")
    steps, n, classes = log_probs.shape
    in_len = _lengths(input_lengths, n, "input_lengths")
    tgt_len = _lengths(target_lengths, n, "target_lengths")
    flat = targets.tolist()
    if targets.ndim == 2:
        labels = [flat[b][:tgt_len[b]] for b in range(n)]
        if any(tgt_len[b] > targets.shape[1] for b in range(n)):
            raise ValueError(f"ctc_loss: target_lengths {tgt_len} exceed the padded target "
                             f"length {targets.shape[1]}")
    elif targets.ndim == 1:
        if sum(tgt_len) > targets.shape[0]:
            raise ValueError(f"ctc_loss: target_lengths sum to {sum(tgt_len)} but targets has "
                             f"{targets.shape[0]} entries")
        starts = [sum(tgt_len[:b]) for b in range(n)]
        labels = [flat[starts[b]:starts[b] + tgt_len[b]] for b in range(n)]
    else:
        raise ValueError(f"ctc_loss: targets must be (N, S) or 1-D, got shape {targets.shape}")
    if any(not 0 <= v < classes or v == blank for seq in labels for v in seq):
        raise ValueError(f"ctc_loss: target labels must be in [0, {classes}) and differ from "
                         f"blank={blank}")
    if any(not 0 <= t <= steps for t in in_len):
        raise ValueError(f"ctc_loss: input_lengths {in_len} must be between 0 and T={steps}")
    width = 2 * max(tgt_len + [0]) + 1
    ext = [[blank if s % 2 == 0 else seq[s // 2] if s // 2 < len(seq) else blank
            for s in range(width)] for seq in labels]
    skip = [[s % 2 == 1 and s >= 2 and s // 2 < len(seq) and ext[b][s] != ext[b][s - 2]
             for s in range(width)] for b, seq in enumerate(labels)]
    like = log_probs
    index = creation.asarray([b * classes + ext[b][s] for b in range(n) for s in range(width)],
                             dtype="int64", backend=like.backend, device=like.device)
    emit = sh.reshape(take(sh.reshape(log_probs, (steps, n * classes)), index, axis=1),
                      (steps, n, width))
    neg_inf = -math.inf
    skip_t = creation.asarray(skip, backend=like.backend, device=like.device)
    pos = creation.arange(width, backend=like.backend, device=like.device)
    alpha = ew.where(sh.reshape(pos, (1, -1)) <= 1, emit[0], neg_inf)
    lengths_t = creation.asarray(in_len, dtype="int64", backend=like.backend, device=like.device)
    pad1 = creation.full((n, 1), neg_inf, dtype=like.dtype, backend=like.backend,
                         device=like.device)
    pad2 = creation.full((n, 2), neg_inf, dtype=like.dtype, backend=like.backend,
                         device=like.device)
    for t in range(1, steps):
        a1 = sh.concat([pad1, alpha[:, :-1]], axis=1)
        a2 = ew.where(skip_t, sh.concat([pad2, alpha[:, :-2]], axis=1), neg_inf)
        stacked = sh.stack([alpha, a1, a2])
        top = red.max(stacked, axis=0).detach()  # logsumexp is invariant to the shift
        top = ew.where(top == neg_inf, 0.0, top)
        total = red.sum(ew.exp(stacked - top), axis=0)
        reachable = total > 0
        merged = ew.where(reachable, ew.log(ew.where(reachable, total, 1.0)) + top, neg_inf)
        active = sh.reshape(lengths_t > t, (-1, 1))
        alpha = ew.where(active, merged + emit[t], alpha)
    ends = [[1.0 if s == 2 * tgt_len[b] or (tgt_len[b] and s == 2 * tgt_len[b] - 1) else 0.0
             for s in range(width)] for b in range(n)]
    end_mask = creation.asarray(ends, backend=like.backend, device=like.device) > 0
    final = ew.where(end_mask, alpha, neg_inf)
    top = red.max(final, axis=1, keepdims=True).detach()
    top = ew.where(top == neg_inf, 0.0, top)
    total = red.sum(ew.exp(final - top), axis=1)
    possible = total > 0
    losses = ew.where(possible, -(ew.log(ew.where(possible, total, 1.0)) + top[:, 0]),
                      math.inf)
    if any(t == 0 for t in in_len):  # no frames: only the empty target is possible, at cost 0
        zero_frames = creation.asarray([t == 0 for t in in_len], backend=like.backend,
                                       device=like.device)
        empty = creation.asarray([s == 0 for s in tgt_len], backend=like.backend,
                                 device=like.device)
        losses = ew.where(zero_frames, ew.where(empty, 0.0, math.inf), losses)
    if zero_infinity:
        losses = ew.where(losses == math.inf, 0.0, losses)
    if reduction == "none":
        return losses[0] if unbatched else losses
    if reduction == "sum":
        return red.sum(losses)
    divisor = creation.asarray([max(s, 1) for s in tgt_len], dtype=like.dtype,
                               backend=like.backend, device=like.device)
    return red.mean(losses / divisor)


def _class_scores(input: Any, target: Any, op: str) -> tuple[Tensor, Tensor, bool]:
    """(N, C) scores and (N,)/(N, K) targets with a batch axis, and whether it was added."""
    check_tensor(input, op)
    check_tensor(target, op)
    require_floating(input, op)
    if input.ndim not in (1, 2) or (input.ndim == 2 and input.shape[1] == 0):
        raise RuntimeError(f"{op}: expected a non-empty 1-D or 2-D input (N, C), got shape "
                           f"{tuple(input.shape)}")
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected an integer (int64) target, got dtype "
                           f"{target.dtype.name}")
    unbatched = input.ndim == 1
    if unbatched:
        input, target = sh.expand_dims(input, axis=0), sh.reshape(target, (1, -1))
    return input, target, unbatched


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1,  # noqa: A002
                      margin: float = 1.0, weight: Tensor | None = None,
                      size_average: bool | None = None, reduce: bool | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss of (N, C) scores ``input`` at class indices ``target``:
    ``sum over i != y of w[y] * max(0, margin - x[y] + x[i]) ** p / C`` (``p`` is 1 or 2).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.multi_margin_loss(ag.tensor([[0.1, 0.2, 0.4, 0.8]]), ag.tensor([3])).item()
    0.32499998807907104
    """
    op = "multi_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, op)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    x, t, unbatched = _class_scores(input, target, op)
    n, c = x.shape
    if not unbatched and (target.ndim != 1 or target.shape[0] != n):
        raise RuntimeError(f"{op}: target tensor should be 1-D with size equal to the number "
                           f"of input samples (batch size). Expected target size [{n}], but "
                           f"got {list(target.shape)}. Input has shape {list(input.shape)}.")
    if unbatched and t.shape != (1, 1):
        raise RuntimeError(f"{op}: a 1-D input needs a 0-D or 1-element target, got shape "
                           f"{tuple(target.shape)}")
    t = sh.reshape(t, (n,))
    if not bool(((t >= 0) & (t < c)).all().item()):
        raise RuntimeError(f"{op}: target out of range: class indices must be in "
                           f"[0, {c - 1}] for {c} classes, got values from "
                           f"{int(red.min(t).item())} to {int(red.max(t).item())}")
    hot = sh.expand_dims(t, axis=1) == sh.reshape(
        creation.arange(c, backend=x.backend, device=x.device), (1, -1))
    picked = red.sum(ew.where(hot, x, 0.0), axis=1, keepdims=True)
    hinge = ew.clip(margin - picked + x, min=0.0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        check_tensor(weight, op)
        if weight.ndim != 1 or weight.shape[0] != c:
            raise RuntimeError(f"{op}: weight must be 1-D with one entry per class ({c}), "
                               f"got shape {tuple(weight.shape)}")
        hinge = hinge * sh.expand_dims(ix.take(weight, t, axis=0), axis=1)
    losses = red.sum(ew.where(hot, 0.0, hinge), axis=1) / c
    if unbatched:
        losses = sh.reshape(losses, ())
    return reduce_loss(losses, reduction, op)


def multilabel_margin_loss(input: Tensor, target: Tensor,  # noqa: A002
                           size_average: bool | None = None, reduce: bool | None = None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: ``target`` (N, C) lists each sample's classes, ended by the
    first ``-1``; the loss is ``sum over listed j and unlisted i of max(0, 1 - (x[j] -
    x[i])) / C`` (a class listed twice counts twice, as PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> x, y = ag.tensor([[0.1, 0.2, 0.4, 0.8]]), ag.tensor([[3, 0, -1, 1]])
    >>> round(F.multilabel_margin_loss(x, y).item(), 4)
    0.85
    """
    op = "multilabel_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction, op)
    x, t, unbatched = _class_scores(input, target, op)
    n, c = x.shape
    if tuple(t.shape) != (n, c):
        raise RuntimeError(f"{op}: inconsistent target size: {list(target.shape)} for input "
                           f"of size: {list(input.shape)}")
    with no_grad():
        listed = t != -1  # the entries before the first -1 count
        listed = red.cumulative_prod(listed.astype("int64"), axis=1) > 0
        if not bool(ew.where(listed, (t >= 0) & (t < c), True).all().item()):
            raise RuntimeError(f"{op}: argument #2 'target' is out of range: the listed "
                               f"class indices must be in [0, {c - 1}] (end the list with -1)")
        classes = sh.reshape(creation.arange(c, backend=x.backend, device=x.device),
                             (1, 1, -1))
        hot = (sh.expand_dims(t, axis=2) == classes) & sh.expand_dims(listed, axis=2)
        counts = red.sum(hot.astype(x.dtype), axis=1)  # (N, C): times each class is listed
        other = counts == 0
    # margins[n, j, i] = 1 - (x[j] - x[i]) for listed j and unlisted i
    margins = ew.clip(1.0 - sh.expand_dims(x, axis=2) + sh.expand_dims(x, axis=1), min=0.0)
    pairs = ew.where(sh.expand_dims(other, axis=1), margins, 0.0)
    losses = red.sum(red.sum(pairs, axis=2) * counts, axis=1) / c
    if unbatched:
        losses = sh.reshape(losses, ())
    return reduce_loss(losses, reduction, op)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                                      *, distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` for any distance ``d`` (default
    :func:`pairwise_distance`); ``swap`` uses ``min(d(a, n), d(p, n))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> a = ag.zeros(1, 2)
    >>> F.triplet_margin_with_distance_loss(a, a, a + 5.0).item()
    0.0
    """
    op = "triplet_margin_with_distance_loss"
    check_reduction(reduction, op)
    for t in (anchor, positive, negative):
        check_tensor(t, op)
    if margin <= 0:
        raise ValueError(f"{op}: expected margin to be greater than 0, got {margin} instead")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"{op}: the anchor, positive, and negative tensors are expected to "
                           f"have the same number of dimensions, but got: anchor "
                           f"{anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = ew.minimum(d_neg, distance(positive, negative))
    losses = ew.clip(margin + d_pos - d_neg, min=0.0)
    return reduce_loss(losses, reduction, op)
