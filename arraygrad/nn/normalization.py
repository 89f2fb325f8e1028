"""Normalization layers: batch, instance, layer, group, RMS and local response norm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import _dtypes, creation
from arraygrad.nn import functional as F
from arraygrad.nn._common import add_parameter, factory, shape_error
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


class _NormBase(Module):
    _ndims: tuple[int, ...] = ()
    _layout = ""
    # A buffer (registered in __init__; None without track_running_stats) that methods
    # also reassign, so mypy needs its type spelled out.
    num_batches_tracked: Tensor | None

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device: Any, dtype: Any, backend: Any) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        f = factory(dtype, device, backend)
        add_parameter(self, "weight", (num_features,), f, creation.ones, affine)
        add_parameter(self, "bias", (num_features,), f, creation.zeros, affine)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros((num_features,), **f))
            self.register_buffer("running_var", creation.ones((num_features,), **f))
            self.register_buffer("num_batches_tracked", creation.zeros(
                (), dtype=_dtypes.int64, device=device, backend=backend))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Zero the running mean, set the running variance to one, reset the counter."""
        if self.track_running_stats:
            from arraygrad.nn import init

            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            if self.num_batches_tracked is not None:
                self.num_batches_tracked = self.num_batches_tracked.detach() * 0

    def reset_parameters(self) -> None:
        """Reset the running statistics and the affine parameters (weight 1, bias 0)."""
        from arraygrad.nn import init

        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _momentum(self) -> float:
        momentum = self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked = self.num_batches_tracked.detach() + 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.item())
        return 0.0 if momentum is None else momentum

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, backend)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x = input
        if not isinstance(x, Tensor) or x.ndim not in self._ndims or \
                x.shape[1] != self.num_features:
            raise shape_error(self, self._layout.format(c=self.num_features), x)
        momentum = self._momentum()
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input over the batch (and length).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.BatchNorm1d(3)(ag.randn(4, 3)).shape
    (4, 3)
    """

    _ndims = (2, 3)
    _layout = "(N, {c}) or (N, {c}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input per channel.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.BatchNorm2d(3)(ag.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _ndims = (4,)
    _layout = "(N, {c}, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) input per channel.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.BatchNorm3d(2)(ag.randn(2, 2, 2, 2, 2)).shape
    (2, 2, 2, 2, 2)
    """

    _ndims = (5,)
    _layout = "(N, {c}, D, H, W)"


class _InstanceNorm(_NormBase):
    _spatial = 2

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, backend)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x, n = input, self._spatial
        if not isinstance(x, Tensor) or x.ndim not in (n + 1, n + 2):
            layout = {1: "L", 2: "H, W", 3: "D, H, W"}[n]
            raise shape_error(self, f"(N, C, {layout}) or (C, {layout})", x)
        unbatched = x.ndim == n + 1
        channels = x.shape[0] if unbatched else x.shape[1]
        if channels != self.num_features and self.affine:
            raise shape_error(self, f"{self.num_features} channels (dimension "
                                    f"{0 if unbatched else 1})", x)
        if unbatched:
            x = x[None]
        # PyTorch's instance norm keeps num_batches_tracked at 0 (no cumulative average).
        momentum = self.momentum if self.momentum is not None else 0.0
        use_input_stats = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats, momentum, self.eps)
        return out[0] if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or (C, L) input (no affine map by default).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.InstanceNorm1d(3)(ag.randn(2, 3, 5)).shape
    (2, 3, 5)
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or (C, H, W) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.InstanceNorm2d(3, affine=True)(ag.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or (C, D, H, W) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.InstanceNorm3d(2)(ag.randn(1, 2, 2, 3, 3)).shape
    (1, 2, 2, 3, 3)
    """

    _spatial = 3


def _shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(v) for v in normalized_shape)


class _TrailingNorm(Module):
    """What LayerNorm and RMSNorm share: the trailing ``normalized_shape`` axes, their
    shape check and repr."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None,
                 elementwise_affine: bool) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine

    def _check(self, x: Any) -> None:
        n = len(self.normalized_shape)
        if not isinstance(x, Tensor) or x.ndim < n or \
                tuple(x.shape[x.ndim - n:]) != self.normalized_shape:
            raise shape_error(self, f"(..., {', '.join(map(str, self.normalized_shape))})", x)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LayerNorm(_TrailingNorm):
    """Normalize over the trailing ``normalized_shape`` axes, with a learned affine map.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LayerNorm(4)(ag.randn(2, 4)).shape
    (2, 4)
    """

    eps: float

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__(normalized_shape, eps, elementwise_affine)
        f = factory(dtype, device, backend)
        add_parameter(self, "weight", self.normalized_shape, f, creation.ones,
                      elementwise_affine)
        add_parameter(self, "bias", self.normalized_shape, f, creation.zeros,
                      elementwise_affine and bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check(input)
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)


class GroupNorm(Module):
    """Normalize ``num_groups`` channel groups per sample, then a per-channel affine map.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.GroupNorm(2, 4)(ag.randn(3, 4, 5)).shape
    (3, 4, 5)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        f = factory(dtype, device, backend)
        add_parameter(self, "weight", (num_channels,), f, creation.ones, affine)
        add_parameter(self, "bias", (num_channels,), f, creation.zeros, affine)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor) or input.ndim < 2 or \
                input.shape[1] != self.num_channels:
            raise shape_error(self, f"(N, {self.num_channels}, ...)", input)
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class RMSNorm(_TrailingNorm):
    """Root-mean-square normalization over the trailing ``normalized_shape`` axes
    (``eps=None``: the dtype's machine epsilon).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.RMSNorm(4)(ag.randn(2, 4)).shape
    (2, 4)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__(normalized_shape, eps, elementwise_affine)
        add_parameter(self, "weight", self.normalized_shape, factory(dtype, device, backend),
                      creation.ones, elementwise_affine)

    def reset_parameters(self) -> None:
        """Set the weight to one."""
        if self.weight is not None:
            from arraygrad.nn import init

            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)


class LocalResponseNorm(Module):
    """Local response normalization across neighbouring channels.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LocalResponseNorm(2)(ag.ones(1, 4, 2, 2)).shape
    (1, 4, 2, 2)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
