"""Neural-network ops: softmax, log_softmax and cross-entropy, numerically stable."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import deferred_checks
from arraygrad.ops._arrays import is_array, is_batched, physical
from arraygrad.ops._axes import normalize_axis
from arraygrad.ops.elementwise import where
from arraygrad.ops.fused import one_hot_array, softmax_cross_entropy
from arraygrad.ops.reductions import mean
from arraygrad.ops.reductions import sum as _sum
from arraygrad.ops.registry import defop, unary
from arraygrad.ops.shape import moveaxis
from arraygrad.tensor import Tensor, _make


def _softmax_forward(xp, x, axis=-1):
    if x.size == 0:  # nothing to normalize (PyTorch returns the empty tensor)
        return xp.asarray(x, copy=True)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax_forward(xp, x, axis=-1):
    if x.size == 0:
        return xp.asarray(x, copy=True)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


SOFTMAX = defop("softmax", _softmax_forward,
                (lambda xp, g, ans, x, axis=-1: ans * (
                    g - xp.sum(g * ans, axis=axis, keepdims=True)),),
                uses_ans=True, checks_inputs=False)
LOG_SOFTMAX = defop("log_softmax", _log_softmax_forward,
                    (lambda xp, g, ans, x, axis=-1: g - xp.exp(ans) * xp.sum(
                        g, axis=axis, keepdims=True),),
                    uses_ans=True, checks_inputs=False)


_TORCH_DTYPE_NAMES = {"bool": "Bool", "int8": "Char", "uint8": "Byte", "int16": "Short",
                      "int32": "Int", "int64": "Long", "uint16": "UInt16", "uint32": "UInt32",
                      "uint64": "UInt64"}


def require_floating(x: Any, op: str, kernel: str | None = None,
                     error: type = NotImplementedError) -> None:
    """Raise ``error`` (PyTorch's ``NotImplementedError`` by default) naming ``op`` when
    ``x`` is a bool or integer tensor: PyTorch's kernels for ``op`` exist for floating
    point (and complex) dtypes only, so they refuse where a composition would compute."""
    dtype = getattr(x, "dtype", None)
    if dtype is None or dtype.kind in "fc":
        return
    torch_name = _TORCH_DTYPE_NAMES.get(dtype.name, dtype.name)
    raise error(f"{op}: \"{kernel or op}\" not implemented for '{torch_name}' (input dtype "
                f"{dtype.name}, shape {tuple(x.shape)}); cast it first, e.g. x.float()")


def softmax(x: Tensor, /, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``, stable for large inputs."""
    require_floating(x, "softmax", "softmax_lastdim_kernel_impl")
    axis = normalize_axis("softmax", axis, x.ndim, scalar_ok=True)
    return unary(SOFTMAX, x, {"axis": axis if x.ndim else None})


def log_softmax(x: Tensor, /, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``, stable for large inputs."""
    require_floating(x, "log_softmax", "log_softmax_lastdim_kernel_impl")
    axis = normalize_axis("log_softmax", axis, x.ndim, scalar_ok=True)
    return unary(LOG_SOFTMAX, x, {"axis": axis if x.ndim else None})


def _one_hot(target: Any, num_classes: int, dtype) -> Tensor:
    if is_batched(target):  # inside vmap: one encoding of the whole batch
        map_physical = type(target)._ag_map_physical  # set by arraygrad.func, above this
        return map_physical(lambda t: _one_hot(t, num_classes, dtype), target)
    return _make(one_hot_array(target._backend.xp, target._data, num_classes, dtype),
                 target._backend, None)


def _native_dtype(x: Any) -> Any:
    return x.backend.native_dtype(x.dtype)


def cross_entropy(logits: Tensor, target: Tensor, /, *, axis: int | None = None,
                  reduction: str = "mean", label_smoothing: float = 0.0,
                  ignore_index: int | None = -100, weight: Tensor | None = None) -> Tensor:
    """Cross-entropy between ``logits`` (N, C) or (N, C, ...) and ``target``.

    The class axis is ``axis``; by default axis 1 (PyTorch's layout: (N, C, d1, ...)), or
    0 for 1-D logits. Pass ``axis=-1`` for class-last layouts such as (N, T, C).

    ``target`` is either class indices (integer tensor of shape ``logits.shape`` without the
    class axis) or class probabilities (float tensor of ``logits``' shape). Stable for large
    logits (computed through :func:`log_softmax`).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}
        With class indices, "mean" averages over non-ignored targets (weighted, as PyTorch).
    label_smoothing : float in [0, 1]
        Mixes the target with the uniform distribution over classes.
    ignore_index : int or None
        Class-index targets equal to this contribute nothing (PyTorch's default -100).
    weight : Tensor of shape (C,), optional
        Per-class weights.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                         f"not {reduction!r}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    require_floating(logits, "cross_entropy", "log_softmax_lastdim_kernel_impl")
    if logits.ndim < 1:
        raise ValueError("cross_entropy: logits must have a class axis; got a 0-d tensor")
    if axis is None:
        axis = 1 if logits.ndim >= 2 else 0
    axis = normalize_axis("cross_entropy", axis, logits.ndim)
    if weight is None and not label_smoothing and reduction != "none" and logits.ndim == 2 \
            and axis == 1:
        fused = softmax_cross_entropy(logits, target, reduction=reduction,
                                      ignore_index=ignore_index)
        if fused is not None:  # one node instead of eight (see arraygrad/ops/fused.py)
            return fused
    num_classes = logits.shape[axis]
    if axis != logits.ndim - 1:
        logits = moveaxis(logits, axis, -1)
    logp = log_softmax(logits, axis=-1)
    if target.dtype.kind in "fc":  # class probabilities
        if axis != logits.ndim - 1 and target.shape == tuple(logits.shape[:axis]) + (
                num_classes,) + tuple(logits.shape[axis:-1]):
            target = moveaxis(target, axis, -1)
        if target.shape != logp.shape:
            raise ValueError(f"cross_entropy: probability targets must match the logits' "
                             f"shape {tuple(logp.shape)}; got {target.shape}")
        probs = target
        if label_smoothing:
            probs = probs * (1 - label_smoothing) + label_smoothing / num_classes
        w = 1.0 if weight is None else weight
        losses = -_sum(logp * probs * w, axis=-1)
        return _reduce(losses, reduction, None)
    if target.shape != logp.shape[:-1]:
        raise ValueError(
            f"cross_entropy: class-index targets must have shape {tuple(logp.shape[:-1])} "
            f"(the logits' shape {tuple(logits.shape)} without the class axis); got "
            f"{target.shape}"
        )
    return class_index_loss(logp, target, num_classes, weight=weight,
                            ignore_index=ignore_index, reduction=reduction,
                            label_smoothing=label_smoothing)


def class_index_loss(logp: Tensor, target: Tensor, num_classes: int, *,
                     weight: Tensor | None = None, ignore_index: int | None = -100,
                     reduction: str = "mean", label_smoothing: float = 0.0,
                     op: str = "cross_entropy", error: type = IndexError) -> Tensor:
    """Negative log-likelihood of log-probabilities ``logp`` (..., C) at integer ``target``
    (``logp``'s shape without the class axis): cross-entropy's class-index path and
    ``nll_loss``. ``"mean"`` divides by the summed weights of the non-ignored targets (as
    PyTorch); out-of-range labels raise ``error`` naming ``op``."""
    require_floating(logp, op, "nll_loss_out_frame" if op == "nll_loss" else None)
    _check_labels(target, num_classes, ignore_index, op, error)
    valid = None
    if ignore_index is not None:
        valid_mask = target != ignore_index
        # all examples' targets, inside vmap; while a compiled step is traced there is no
        # value to branch on: the masked form, which gives the same losses
        if deferred_checks.collecting() or not bool(physical(valid_mask).all()):
            valid = valid_mask
            target = where(valid_mask, target, 0)
    hot = _one_hot(target, num_classes, _native_dtype(logp))
    if label_smoothing:
        hot = hot * (1 - label_smoothing) + label_smoothing / num_classes
        per_class = logp * hot
    else:
        # where, not logp * hot: a -inf log-probability of another class (a masked logit)
        # would give 0 * -inf = nan; PyTorch gathers the target's entry
        per_class = where(hot > 0, logp, 0.0)
    if weight is not None:
        per_class = per_class * weight
    losses = -_sum(per_class, axis=-1)
    norm = None
    if valid is not None or weight is not None:
        scale = (1.0 if valid is None else valid.astype(logp.dtype))
        if weight is not None:
            scale = scale * _sum(weight * _one_hot(target, num_classes, _native_dtype(logp)),
                                 axis=-1)
        if valid is not None:
            losses = losses * valid.astype(logp.dtype)
        norm = _sum(scale) if is_array(scale) else None
    return _reduce(losses, reduction, norm)


def _check_labels(target: Tensor, num_classes: int, ignore_index: int | None, op: str,
                  error: type) -> None:
    if math.prod(target.shape) == 0:
        return
    xp = target.backend.xp
    data = physical(target).array  # every example's labels, inside vmap
    if ignore_index is not None:
        data = xp.where(data == ignore_index, xp.zeros_like(data), data)

    def message(lo: Any, hi: Any) -> str:
        return (f"{op}: target class indices must be in [0, {num_classes - 1}] for "
                f"{num_classes} classes; got values from {int(lo)} to {int(hi)}"
                + (f" (ignore_index={ignore_index} is skipped)" if ignore_index is not None
                   else ""))
    if deferred_checks.collecting():  # jax.jit is tracing a compiled step: check after it
        lo, hi = xp.min(data), xp.max(data)
        deferred_checks.require((lo >= 0) & (hi < num_classes), error, message, lo, hi)
        return
    # one yes/no read, not the range itself: a compiled step's value check on it holds
    # from batch to batch (the range is read for the message only)
    if not bool(xp.all((data >= 0) & (data < num_classes))):
        raise error(message(xp.min(data), xp.max(data)))


def _reduce(losses: Tensor, reduction: str, norm: Any) -> Tensor:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return _sum(losses)
    if norm is not None:
        return _sum(losses) / norm
    return mean(losses)
