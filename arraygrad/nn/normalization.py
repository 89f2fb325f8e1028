"""Normalization layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import _dtypes, creation
from arraygrad.nn import functional as F
from arraygrad.nn.layers import _factory, _shape_error
from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *, dtype: Any = None,
                 device: str | None = None, backend: Any = None) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        f = _factory(dtype, device, backend)
        if affine:
            self.weight = Parameter(creation.ones((num_features,), **f))
            self.bias = Parameter(creation.zeros((num_features,), **f))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros((num_features,), **f))
            self.register_buffer("running_var", creation.ones((num_features,), **f))
            self.register_buffer("num_batches_tracked", creation.zeros(
                (), dtype=_dtypes.int64, device=device, backend=backend))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim not in self._ndims or \
                x.shape[1] != self.num_features:
            raise _shape_error(self, self._layout.format(c=self.num_features), x)
        momentum = self.momentum
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked = self.num_batches_tracked.detach() + 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.item())
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, momentum or 0.0, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input over the batch (and length)."""

    _ndims = (2, 3)
    _layout = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input per channel."""

    _ndims = (4,)
    _layout = "(N, {c}, H, W)"


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` axes, with a learned affine map."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, *, dtype: Any = None,
                 device: str | None = None, backend: Any = None) -> None:
        super().__init__()
        self.normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                                 else tuple(normalized_shape))
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        f = _factory(dtype, device, backend)
        if elementwise_affine:
            self.weight = Parameter(creation.ones(self.normalized_shape, **f))
            if bias:
                self.bias = Parameter(creation.zeros(self.normalized_shape, **f))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        n = len(self.normalized_shape)
        if not isinstance(x, Tensor) or tuple(x.shape[x.ndim - n:]) != self.normalized_shape:
            raise _shape_error(self, f"(..., {', '.join(map(str, self.normalized_shape))})", x)
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
