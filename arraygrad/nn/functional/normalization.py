"""Normalization: batch, layer, group, instance and RMS normalization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad._info import finfo
from arraygrad.extend import assign
from arraygrad.grad_mode import no_grad
from arraygrad.nn.functional._util import check_tensor
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm"]


def blend(buffer: Tensor, value: Tensor, momentum: float) -> None:
    """``buffer = (1 - momentum) * buffer + momentum * value`` in place, not recorded."""
    new = buffer.detach() * (1.0 - momentum) + value.detach().astype(buffer.dtype) * momentum
    assign(buffer, new.array)


def _channel_shape(x: Tensor) -> tuple[int, ...]:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None, shape: Any) -> Tensor:
    if weight is not None:
        out = out * (weight if shape is None else sh.reshape(weight, shape))
    if bias is not None:
        out = out + (bias if shape is None else sh.reshape(bias, shape))
    return out


def batch_norm(input: Tensor, running_mean: Tensor | None,  # noqa: A002
               running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch normalization over every axis but the channel axis 1.

    In training (or without running statistics) the batch statistics normalize (biased
    variance) and the running ones are updated in place with the unbiased variance:
    ``running = (1 - momentum) * running + momentum * batch``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.batch_norm(ag.randn(4, 3), None, None, training=True).shape
    (4, 3)
    """
    x = check_tensor(input, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with a channel axis (N, C, ...), "
                         f"got shape {x.shape}")
    axes = (0,) + tuple(range(2, x.ndim))
    shape = _channel_shape(x)
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
                blend(running_mean, sh.reshape(mean, (-1,)), momentum)
                blend(running_var, sh.reshape(unbiased, (-1,)), momentum)
        out = centered / ew.sqrt(var + eps)
    else:
        out = (x - sh.reshape(running_mean, shape)) / ew.sqrt(sh.reshape(running_var, shape)
                                                               + eps)
    return _affine(out, weight, bias, shape)


def _normalize_over(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    mean = red.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    var = red.mean(centered * centered, axis=axes, keepdims=True)
    return centered / ew.sqrt(var + eps)


def _trailing(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(v) for v in normalized_shape)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` axes (biased variance).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.layer_norm(ag.randn(2, 5), (5,)).shape
    (2, 5)
    """
    x = check_tensor(input, "layer_norm")
    shape = _trailing(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: the input's trailing shape must be {shape}, got input "
                         f"shape {x.shape}")
    out = _normalize_over(x, tuple(range(x.ndim - len(shape), x.ndim)), eps)
    return _affine(out, weight, bias, None)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize each of ``num_groups`` channel groups of (N, C, ...) ``input`` per sample,
    then scale and shift per channel.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.group_norm(ag.randn(2, 4, 3), 2).shape
    (2, 4, 3)
    """
    x = check_tensor(input, "group_norm")
    if x.ndim < 2:
        raise ValueError(f"group_norm: expected an input (N, C, ...) of at least 2 dimensions, "
                         f"got shape {x.shape}")
    n, c = x.shape[0], x.shape[1]
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"group_norm: expected the number of channels of input {x.shape} to "
                         f"be divisible by num_groups, but got num_groups={num_groups}")
    grouped = sh.reshape(x, (n, num_groups, -1))
    out = sh.reshape(_normalize_over(grouped, (2,), eps), tuple(x.shape))
    return _affine(out, weight, bias, _channel_shape(x))


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each channel of each sample of (N, C, ...) ``input`` over its spatial axes.

    With ``use_input_stats`` the per-instance statistics normalize and the running ones
    (if given) move towards their batch average (unbiased variance); otherwise the
    running statistics normalize.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.instance_norm(ag.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """
    x = check_tensor(input, "instance_norm")
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input (N, C, spatial...) of at least 3 "
                         f"dimensions, got shape {x.shape}")
    axes = tuple(range(2, x.ndim))
    shape = _channel_shape(x)
    if use_input_stats:
        count = x.size // (x.shape[0] * x.shape[1])
        if count <= 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when "
                             f"training, got input shape {x.shape}")
        mean = red.mean(x, axis=axes, keepdims=True)
        centered = x - mean
        var = red.mean(centered * centered, axis=axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                blend(running_mean, red.mean(sh.reshape(mean, x.shape[:2]), axis=0), momentum)
                unbiased = sh.reshape(var, x.shape[:2]) * (count / (count - 1))
                blend(running_var, red.mean(unbiased, axis=0), momentum)
        out = centered / ew.sqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and "
                             "running_var")
        out = (x - sh.reshape(running_mean, shape)) / ew.sqrt(
            sh.reshape(running_var, shape) + eps)
    return _affine(out, weight, bias, shape)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape`` axes;
    ``eps`` defaults to the dtype's machine epsilon (as PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.rms_norm(ag.ones(2, 3), (3,)).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    x = check_tensor(input, "rms_norm")
    shape = _trailing(normalized_shape)
    if len(shape) > x.ndim or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"rms_norm: the input's trailing shape must be {shape}, got input "
                         f"shape {x.shape}")
    if eps is None:
        eps = float(finfo(x.dtype).eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    out = x / ew.sqrt(red.mean(x * x, axis=axes, keepdims=True) + eps)
    return out * weight if weight is not None else out


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Normalize by the sum of squares over ``size`` neighbouring channels:
    ``x / (k + alpha / size * sum x**2) ** beta`` (zero-padded at the channel ends).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.local_response_norm(ag.ones(1, 4, 2, 2), 2).shape
    (1, 4, 2, 2)
    """
    from arraygrad.nn.functional.padding import pad

    x = check_tensor(input, "local_response_norm")
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input (N, C, ...) of at least 3 "
                         f"dimensions, got shape {x.shape}")
    sq = sh.moveaxis(x * x, 1, -1)
    sq = pad(sq, (size // 2, (size - 1) // 2))
    c = x.shape[1]
    total: Tensor | None = None
    for i in range(size):
        part = sq[..., i:i + c]
        total = part if total is None else total + part
    if total is None:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    div = sh.moveaxis(total, -1, 1) * (alpha / size) + k
    return x / div ** beta
