"""Fused ops: one recorded node where the composition would record many.

``linear`` is ``x @ weight.T + bias`` (``nn.Linear``): one node instead of three
(transpose, matmul, add); the bias gradient is the output gradient, which the engine sums
over the batch axes like any broadcast input.

``softmax_cross_entropy`` is cross-entropy on (N, C) logits with class-index targets, the
loss of nearly every classifier: forward and gradient in one op each, instead of the
eight nodes of ``log_softmax`` + one-hot + product + sum + mean. Its gradient is the
textbook ``(softmax(logits) - one_hot(target)) * g / N``; the one-hot target is built once, as a
constant input, by :func:`softmax_cross_entropy`. :func:`arraygrad.cross_entropy`
takes this path when it applies and falls back to the general composition otherwise.
"""

from __future__ import annotations

from arraygrad import deferred_checks
from arraygrad.ops.registry import apply, defop
from arraygrad.tensor import Tensor, _make


def _linear_forward(xp, x, weight, bias):
    return xp.matmul(x, xp.matrix_transpose(weight)) + bias


def _rows(xp, a):
    # (..., n) -> (prod(...), n): the batch axes of a linear layer, flattened.
    n = a.shape[-1]
    rows = 1
    for s in a.shape[:-1]:
        rows *= s
    return xp.reshape(a, (rows, n))


LINEAR = defop(
    "linear", _linear_forward,
    (lambda xp, g, ans, x, weight, bias: xp.matmul(g, weight),
     lambda xp, g, ans, x, weight, bias: xp.matmul(xp.matrix_transpose(_rows(xp, g)),
                                                   _rows(xp, x)),
     lambda xp, g, ans, x, weight, bias: g),  # summed over batch axes by the engine
    checks_inputs=True)


def linear(x: Tensor, weight: Tensor, bias: Tensor, /) -> Tensor | None:
    """Fused ``x @ weight.T + bias`` for ``weight`` (out, in) and ``bias`` (out,), or None.

    Returns None when the shapes or backends do not fit that pattern (for example a 0-d
    input or a bias that is not 1-D), so that the caller takes the composition, which also
    reports errors.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.ops.fused import linear
    >>> linear(ag.ones(2, 3), ag.ones(4, 3), ag.zeros(4)).tolist()[0]
    [3.0, 3.0, 3.0, 3.0]
    """
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor) and isinstance(bias, Tensor)):
        return None
    backend = x._backend
    if weight._backend is not backend or bias._backend is not backend:
        return None
    xs, ws, bs = x._data.shape, weight._data.shape, bias._data.shape
    if not xs or len(ws) != 2 or len(bs) != 1 or xs[-1] != ws[1] or bs[0] != ws[0]:
        return None
    dtype = x._data.dtype
    if weight._data.dtype != dtype or bias._data.dtype != dtype:
        return None
    return apply(LINEAR, (x, weight, bias))


def one_hot_array(xp, labels, num_classes: int, dtype):
    """Raw one-hot encoding of integer ``labels`` along a new last axis (a constant)."""
    classes = xp.arange(num_classes, dtype=labels.dtype, device=getattr(labels, "device", None))
    return xp.astype(xp.expand_dims(labels, axis=-1) == classes, dtype)


def _forward(xp, logits, hot, reduction="mean"):
    # ``hot`` is the one-hot target, built once by the caller (a constant: no gradient).
    shifted = logits - xp.max(logits, axis=-1, keepdims=True)
    # the target's logit picked with where, not shifted * hot: a -inf logit (a masked
    # class) elsewhere in the row would give 0 * -inf = nan (PyTorch gathers the target)
    picked = xp.sum(xp.where(hot > 0, shifted, xp.zeros_like(shifted)), axis=-1)
    losses = xp.log(xp.sum(xp.exp(shifted), axis=-1)) - picked
    total = xp.sum(losses)
    return total / logits.shape[0] if reduction == "mean" else total


def _logits_vjp(xp, g, ans, logits, hot, reduction="mean"):
    e = xp.exp(logits - xp.max(logits, axis=-1, keepdims=True))
    probs = e / xp.sum(e, axis=-1, keepdims=True)
    scale = g / logits.shape[0] if reduction == "mean" else g
    return (probs - hot) * scale


SOFTMAX_CROSS_ENTROPY = defop("softmax_cross_entropy", _forward, (_logits_vjp, None))


def softmax_cross_entropy(logits: Tensor, target: Tensor, /, *, reduction: str = "mean",
                          ignore_index: int | None = -100) -> Tensor | None:
    """Fused cross-entropy of (N, C) ``logits`` and (N,) class indices, or None.

    Returns None when the fast path does not apply (other shapes or dtypes, labels out of
    range, or labels equal to ``ignore_index``), so that the caller takes the general
    path, which also reports errors.

    Parameters
    ----------
    logits : Tensor
        Unnormalized scores, shape (N, C), floating point.
    target : Tensor
        Class indices, shape (N,), integer dtype, on the same backend as ``logits``.
    reduction : {"mean", "sum"}
    ignore_index : int or None
        When some label equals it, the general path handles the masking.

    Returns
    -------
    Tensor or None
        The 0-d loss, or None when the general path must be taken.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.ops.fused import softmax_cross_entropy
    >>> logits = ag.tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = softmax_cross_entropy(logits, ag.tensor([0, 1]))
    >>> round(loss.item(), 4)
    0.1269
    """
    if not (isinstance(logits, Tensor) and isinstance(target, Tensor)) or \
            reduction not in ("mean", "sum") or logits._backend is not target._backend:
        return None
    lshape, tshape = logits._data.shape, target._data.shape
    if len(lshape) != 2 or len(tshape) != 1 or tshape[0] != lshape[0] or not lshape[0] or \
            logits.dtype.kind != "f" or target.dtype.kind not in "iu":
        return None
    if deferred_checks.collecting() and ignore_index is not None:
        return None  # traced: no label values to choose on (the general path masks)
    backend = target._backend
    xp = backend.xp
    labels = target._data
    # One yes/no read (not the label range itself): a compiled step checks that it is the
    # same on replay, and it stays the same from batch to batch.
    ok = xp.all((labels >= 0) & (labels < lshape[1]))
    if ignore_index is not None and 0 <= ignore_index < lshape[1]:
        # the general path when min <= ignore_index <= max (with every label in [0, C),
        # an ignore_index outside it, such as the default -100, never is)
        ok = ok & ~(xp.any(labels <= ignore_index) & xp.any(labels >= ignore_index))
    if deferred_checks.collecting():
        deferred_checks.require(ok, IndexError, lambda lo, hi: (
            f"cross_entropy: target class indices must be in [0, {lshape[1] - 1}] for "
            f"{lshape[1]} classes; got values from {int(lo)} to {int(hi)}"),
            xp.min(labels), xp.max(labels))
    elif not bool(ok):
        return None
    hot = one_hot_array(xp, labels, lshape[1], logits._data.dtype)
    return apply(SOFTMAX_CROSS_ENTROPY, (logits, _make(hot, backend, None)),
                 {"reduction": reduction})
