"""``arraygrad.nn.functional``: layers and losses as functions (PyTorch's ``F``).

Everything here is a composition of arraygrad ops (so gradients, including gradients of
gradients, come for free) except convolution and ``erf``, which are registered ops in
:mod:`arraygrad.ops.layers` with their own VJPs.

Backend kernel contract for convolution
---------------------------------------
The portable convolution is im2col by strided slicing (one slice per kernel offset) plus
one matmul. A backend may register faster kernels in ``Backend.kernels``; arraygrad calls
them with the backend's raw arrays, and falls back to the portable code for any missing
name and for higher-order gradients. Layouts: input ``x`` is NCHW ``(N, C, H, W)``; weight
``w`` is OIHW ``(O, C // groups, kh, kw)``; ``stride``, ``padding`` (symmetric, zeros) and
``dilation`` are ``(h, w)`` tuples of ints; ``groups`` divides ``C`` and ``O``. The op is
cross-correlation (no kernel flip), as in PyTorch::

    kernels["conv2d"](x, w, *, stride, padding, dilation, groups) -> (N, O, Ho, Wo)
    kernels["conv2d_vjp_input"](g, w, x_shape, *, stride, padding, dilation, groups)
        -> gradient for x, shape x_shape
    kernels["conv2d_vjp_weight"](g, x, w_shape, *, stride, padding, dilation, groups)
        -> gradient for w, shape w_shape
    kernels["erf"](x) -> erf(x), elementwise

with ``Ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1`` (likewise ``Wo``) and ``g`` the
gradient of the output, shape ``(N, O, Ho, Wo)``. Each kernel may be registered alone.
The bias is added outside the kernel, by broadcasting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from arraygrad import creation
from arraygrad.grad_mode import no_grad
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops.fused import linear as _fused_linear
from arraygrad.ops.indexing import take
from arraygrad.ops.layers import conv2d as _conv2d_op
from arraygrad.ops.layers import erf, im2col
from arraygrad.ops.linalg import matmul
from arraygrad.ops.nn import cross_entropy as _cross_entropy
from arraygrad.ops.nn import log_softmax as _log_softmax
from arraygrad.ops.nn import softmax as _softmax
from arraygrad.tensor import Tensor

__all__ = [
    "linear", "conv2d", "max_pool2d", "avg_pool2d", "relu", "gelu", "tanh", "sigmoid",
    "softmax", "log_softmax", "dropout", "flatten", "batch_norm", "layer_norm", "embedding",
    "one_hot", "mse_loss", "l1_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy_with_logits", "erf",
]

IntPair = int | Sequence[int]
_REDUCTIONS = ("mean", "sum", "none")


def pair(value: IntPair, name: str, op: str) -> tuple[int, int]:
    """``(v, v)`` for an int, or the validated 2-tuple."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    try:
        a, b = value  # type: ignore[misc]
        return (int(a), int(b))
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}") from None


def _check_4d(x: Tensor, op: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")


# --------------------------------------------------------------------------- layers
def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.linear(ag.ones(2, 3), ag.ones(4, 3)).shape
    (2, 4)
    """
    if bias is not None:
        fused = _fused_linear(x, weight, bias)  # one graph node (arraygrad/ops/fused.py)
        if fused is not None:
            return fused
    out = matmul(x, sh.matrix_transpose(weight))
    return out if bias is None else out + bias


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of NCHW ``x`` with OIHW ``weight``.

    Uses the backend's ``"conv2d"`` kernels when it has them (see the module docstring),
    else the portable im2col implementation. An unbatched (C, H, W) input is accepted.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.conv2d(ag.ones(1, 2, 5, 5), ag.ones(3, 2, 3, 3), padding=1).shape
    (1, 3, 5, 5)
    """
    stride_, padding_ = pair(stride, "stride", "conv2d"), pair(padding, "padding", "conv2d")
    dilation_ = pair(dilation, "dilation", "conv2d")
    unbatched = isinstance(x, Tensor) and x.ndim == 3
    if unbatched:
        x = sh.expand_dims(x, axis=0)
    _check_4d(x, "conv2d")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kh, "
                         f"kw), got shape {weight.shape}")
    if groups < 1 or x.shape[1] % groups or weight.shape[0] % groups:
        raise ValueError(f"conv2d: groups={groups} must divide the input channels "
                         f"({x.shape[1]}) and output channels ({weight.shape[0]})")
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels (shape {x.shape}) but the "
                         f"weight {weight.shape} with groups={groups} expects "
                         f"{weight.shape[1] * groups}")
    if min(stride_) < 1 or min(dilation_) < 1 or min(padding_) < 0:
        raise ValueError(f"conv2d: stride and dilation must be >= 1 and padding >= 0; got "
                         f"stride={stride_}, dilation={dilation_}, padding={padding_}")
    for axis, k in ((2, weight.shape[2]), (3, weight.shape[3])):
        i = axis - 2
        if x.shape[axis] + 2 * padding_[i] < dilation_[i] * (k - 1) + 1:
            raise ValueError(f"conv2d: the (dilated) kernel {tuple(weight.shape[2:])} is larger "
                             f"than the padded input {x.shape[2:]} (padding {padding_})")
    out = _conv2d_op(x, weight, stride=stride_, padding=padding_, dilation=dilation_,
                     groups=groups)
    if bias is not None:
        out = out + sh.reshape(bias, (1, -1, 1, 1))
    return out[0] if unbatched else out


def _pool_args(x: Tensor, kernel_size: IntPair, stride: IntPair | None, padding: IntPair,
               op: str) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    k = pair(kernel_size, "kernel_size", op)
    s = k if stride is None else pair(stride, "stride", op)
    p = pair(padding, "padding", op)
    if min(k) < 1 or min(s) < 1:
        raise ValueError(f"{op}: kernel_size and stride must be >= 1, got {k} and {s}")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2 or min(p) < 0:
        raise ValueError(f"{op}: padding {p} must be between 0 and half the kernel size {k}")
    return k, s, p


def max_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1) -> Tensor:
    """Maximum over sliding windows of NCHW ``x`` (``stride`` defaults to the kernel size).

    Padding counts as ``-inf``. The gradient goes to the first maximum of each window
    (row-major), as in PyTorch.
    """
    unbatched = isinstance(x, Tensor) and x.ndim == 3
    if unbatched:
        x = sh.expand_dims(x, axis=0)
    _check_4d(x, "max_pool2d")
    k, s, p = _pool_args(x, kernel_size, stride, padding, "max_pool2d")
    d = pair(dilation, "dilation", "max_pool2d")
    windows = im2col(_ag(), x, k, s, p, d, pad_value=-math.inf)  # (N, C, K, Ho, Wo)
    with no_grad():
        first = red.argmax(windows, axis=2, keepdims=True)
        positions = creation.arange(k[0] * k[1], backend=x._backend, device=x.device)
        mask = sh.reshape(positions, (1, 1, -1, 1, 1)) == first
    out = red.sum(ew.where(mask, windows, 0.0), axis=2)
    return out[0] if unbatched else out


def avg_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of NCHW ``x``; zero padding counts unless
    ``count_include_pad=False``."""
    unbatched = isinstance(x, Tensor) and x.ndim == 3
    if unbatched:
        x = sh.expand_dims(x, axis=0)
    _check_4d(x, "avg_pool2d")
    k, s, p = _pool_args(x, kernel_size, stride, padding, "avg_pool2d")
    windows = im2col(_ag(), x, k, s, p, (1, 1))
    if count_include_pad or p == (0, 0):
        out = red.mean(windows, axis=2)
    else:
        ones = creation.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, backend=x._backend,
                             device=x.device)
        counts = red.sum(im2col(_ag(), ones, k, s, p, (1, 1)), axis=2)
        out = red.sum(windows, axis=2) / counts
    return out[0] if unbatched else out


def _ag():
    import arraygrad

    return arraygrad


def flatten(x: Tensor, start_dim: int = 1, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim`` .. ``end_dim`` into one (default: all but the batch axis)."""
    return x.flatten(start_dim, end_dim)


# ------------------------------------------------------------------------ activations
def relu(x: Tensor) -> Tensor:
    """``max(x, 0)``; the gradient at 0 is 0 (as PyTorch)."""
    return ew.relu(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate="tanh"`` for the tanh form."""
    if approximate == "none":
        return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + ew.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return ew.tanh(x)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return ew.sigmoid(x)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim``."""
    return _softmax(x, axis=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """Log-softmax along ``dim``."""
    return _log_softmax(x, axis=dim)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``
    (identity when not training). The mask comes from the backend RNG
    (reproducible under ``ag.manual_seed``)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    be = x._backend
    keep = be.rng.bernoulli(1.0 - p, tuple(x.shape), x._data.dtype, x.device)
    from arraygrad.tensor import _make

    return x * _make(keep, be, None) * (1.0 / (1.0 - p))


# ---------------------------------------------------------------------- normalization
def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over every axis but the channel axis 1.

    In training (or without running statistics) the batch statistics normalize (biased
    variance) and the running ones are updated in place with the unbiased variance:
    ``running = (1 - momentum) * running + momentum * batch``.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with a channel axis (N, C, ...), "
                         f"got shape {x.shape}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training or running_mean is None or running_var is None:
        count = x.size // x.shape[1]
        if training and count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input shape {x.shape}")
        mean = red.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = red.mean(centered * centered, axis=axes, keepdims=True)
        if training and running_mean is not None and running_var is not None:
            with no_grad():
                unbiased = var.detach() * (count / max(count - 1, 1))
                _blend(running_mean, sh.reshape(mean.detach(), (-1,)), momentum)
                _blend(running_var, sh.reshape(unbiased, (-1,)), momentum)
        out = centered / ew.sqrt(var + eps)
    else:
        out = (x - sh.reshape(running_mean, shape)) / ew.sqrt(sh.reshape(running_var, shape)
                                                               + eps)
    if weight is not None:
        out = out * sh.reshape(weight, shape)
    if bias is not None:
        out = out + sh.reshape(bias, shape)
    return out


def _blend(buffer: Tensor, value: Tensor, momentum: float) -> None:
    new = buffer.detach() * (1.0 - momentum) + value.astype(buffer.dtype) * momentum
    buffer._data = new._data
    buffer._bump_version()


def layer_norm(x: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` axes (biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(
        normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"layer_norm: the input's trailing shape must be {shape}, got input "
                         f"shape {x.shape}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = red.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = red.mean(centered * centered, axis=axes, keepdims=True)
    out = centered / ew.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(indices: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) at integer ``indices`` (any shape).

    The row ``padding_idx`` gets no gradient.
    """
    if not isinstance(indices, Tensor):
        indices = creation.asarray(indices, backend=weight._backend, device=weight.device)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype.name}")
    n = weight.shape[0]
    if indices.size:
        lo, hi = int(red.min(indices).item()), int(red.max(indices).item())
        if lo < 0 or hi >= n:
            raise IndexError(f"embedding: indices must be in [0, {n - 1}] for "
                             f"{n} embeddings; got values from {lo} to {hi}")
    rows = take(weight, sh.reshape(indices, (-1,)), axis=0)
    if padding_idx is not None:
        keep = sh.reshape(indices != padding_idx, (-1, 1))
        rows = ew.where(keep, rows, rows.detach())
    return sh.reshape(rows, tuple(indices.shape) + (weight.shape[1],))


def one_hot(indices: Tensor, num_classes: int) -> Tensor:
    """int64 one-hot encoding with a new trailing axis of length ``num_classes``."""
    classes = creation.arange(num_classes, backend=indices._backend, device=indices.device)
    return (sh.expand_dims(indices, axis=-1) == classes).astype("int64")


# ----------------------------------------------------------------------------- losses
def _reduce(losses: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return red.mean(losses)
    if reduction == "sum":
        return red.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _same_shape(a: Tensor, b: Tensor, op: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{op}: input shape {a.shape} and target shape {b.shape} differ "
                         f"(broadcasting them is almost always a bug)")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error ``(input - target) ** 2``."""
    _same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean absolute error ``|input - target|`` (subgradient 0 at 0, as PyTorch)."""
    _same_shape(input, target, "l1_loss")
    return _reduce(ew.abs(input - target), reduction, "l1_loss")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) or (N, C, d...) against class indices or
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
    if input.ndim > 2 and target.ndim == input.ndim - 1:
        input = sh.moveaxis(input, 1, -1)
    elif input.ndim > 2 and target.shape == input.shape:
        input, target = sh.moveaxis(input, 1, -1), sh.moveaxis(target, 1, -1)
    return _cross_entropy(input, target, axis=-1, reduction=reduction,
                          label_smoothing=label_smoothing, ignore_index=ignore_index,
                          weight=weight)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) or (N, C, d...) at class indices.

    ``reduction="mean"`` divides by the summed weights of the non-ignored targets.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"nll_loss: reduction must be one of {_REDUCTIONS}, got "
                         f"{reduction!r}")
    if input.ndim < 1:
        raise ValueError("nll_loss: input must have a class axis")
    if input.ndim == 1:
        input, target = sh.expand_dims(input, axis=0), sh.reshape(target, (1,))
    if input.ndim > 2:
        input = sh.moveaxis(input, 1, -1)
    if target.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: target must hold class indices (an integer tensor), got "
                        f"dtype {target.dtype.name}")
    if tuple(target.shape) != tuple(input.shape[:-1]):
        raise ValueError(f"nll_loss: target shape {target.shape} does not match the input's "
                         f"shape without the class axis {tuple(input.shape[:-1])}")
    n_classes = input.shape[-1]
    valid = target != ignore_index
    safe = ew.where(valid, target, 0)
    if target.size:
        lo, hi = int(red.min(safe).item()), int(red.max(safe).item())
        if lo < 0 or hi >= n_classes:
            raise IndexError(f"nll_loss: target class indices must be in [0, {n_classes - 1}]"
                             f"; got values from {lo} to {hi}")
    hot = one_hot(safe, n_classes).astype(input.dtype)
    w = valid.astype(input.dtype)
    if weight is not None:
        w = w * red.sum(hot * weight, axis=-1)
    losses = -red.sum(input * hot, axis=-1) * w
    if reduction == "none":
        return losses
    if reduction == "sum":
        return red.sum(losses)
    return red.sum(losses) / red.sum(w)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid plus binary cross-entropy in one numerically stable expression:
    ``(1 - y) x + (1 + (pw - 1) y) (log1p(exp(-|x|)) + max(-x, 0))``."""
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    softplus_neg = ew.log1p(ew.exp(-ew.abs(input))) + ew.relu(-input)
    if pos_weight is None:
        losses = (1.0 - target) * input + softplus_neg
    else:
        losses = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")
