"""Layers: Linear, Conv2d, pooling, Flatten, Dropout, Embedding and activations.

Default initializations follow PyTorch (``kaiming_uniform_(a=sqrt(5))`` for Linear and
Conv2d weights, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for their biases, ``N(0, 1)`` for
Embedding). A wrong input shape raises ``ValueError`` naming the layer and both shapes.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import creation
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.tensor import Tensor

__all__ = ["Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Dropout", "Embedding",
           "ReLU", "GELU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Identity"]


def _factory(dtype: Any, device: str | None, backend: Any) -> dict:
    return {"dtype": dtype, "device": device, "backend": backend}


def _shape_error(layer: Module, expected: str, x: Any) -> ValueError:
    got = x.shape if isinstance(x, Tensor) else type(x).__name__
    return ValueError(f"{layer!r}: expected input of shape {expected}, got {got}")


class Linear(Module):
    """``y = x @ W.T + b`` over the last axis.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    dtype, device, backend : optional
        Where the parameters are created (default: the current backend, float32).

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.Linear(3, 2)
    >>> layer(ag.ones(4, 3)).shape
    (4, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 dtype: Any = None, device: str | None = None, backend: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        f = _factory(dtype, device, backend)
        self.weight = Parameter(creation.empty((out_features, in_features), **f))
        self.bias = Parameter(creation.empty((out_features,), **f)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights (PyTorch's default initialization)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim < 1 or x.shape[-1] != self.in_features:
            raise _shape_error(self, f"(..., {self.in_features})", x)
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Conv2d(Module):
    """2-D convolution over NCHW input (or unbatched CHW).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding, dilation : int or (int, int)
    groups : int
        Channels are split into ``groups`` independent convolutions.
    bias : bool
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: F.IntPair,
                 stride: F.IntPair = 1, padding: F.IntPair = 0, dilation: F.IntPair = 1,
                 groups: int = 1, bias: bool = True, *, dtype: Any = None,
                 device: str | None = None, backend: Any = None) -> None:
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: groups={groups} must divide in_channels={in_channels} "
                             f"and out_channels={out_channels}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = F.pair(kernel_size, "kernel_size", "Conv2d")
        self.stride = F.pair(stride, "stride", "Conv2d")
        self.padding = F.pair(padding, "padding", "Conv2d")
        self.dilation = F.pair(dilation, "dilation", "Conv2d")
        self.groups = groups
        f = _factory(dtype, device, backend)
        self.weight = Parameter(creation.empty(
            (out_channels, in_channels // groups) + self.kernel_size, **f))
        if bias:
            self.bias = Parameter(creation.empty((out_channels,), **f))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights (PyTorch's default initialization)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim not in (3, 4) or \
                x.shape[-3] != self.in_channels:
            raise _shape_error(self, f"(N, {self.in_channels}, H, W) or "
                                     f"({self.in_channels}, H, W)", x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class _Pool2d(Module):
    def __init__(self, kernel_size: F.IntPair, stride: F.IntPair | None = None,
                 padding: F.IntPair = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def _check(self, x: Any) -> None:
        if not isinstance(x, Tensor) or x.ndim not in (3, 4):
            raise _shape_error(self, "(N, C, H, W) or (C, H, W)", x)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max pooling over NCHW input (``stride`` defaults to ``kernel_size``)."""

    def __init__(self, kernel_size: F.IntPair, stride: F.IntPair | None = None,
                 padding: F.IntPair = 0, dilation: F.IntPair = 1) -> None:
        super().__init__(kernel_size, stride, padding)
        self.dilation = dilation

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)


class AvgPool2d(_Pool2d):
    """Average pooling over NCHW input (``stride`` defaults to ``kernel_size``)."""

    def __init__(self, kernel_size: F.IntPair, stride: F.IntPair | None = None,
                 padding: F.IntPair = 0, count_include_pad: bool = True) -> None:
        super().__init__(kernel_size, stride, padding)
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                            self.count_include_pad)


class Flatten(Module):
    """Merge axes ``start_dim`` .. ``end_dim`` (default: everything but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or not (-x.ndim <= self.start_dim < x.ndim and
                                             -x.ndim <= self.end_dim < x.ndim):
            raise _shape_error(self, f"at least {self.start_dim + 1} dimensions", x)
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Randomly zero elements with probability ``p`` in training (identity in eval)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table: integer indices of any shape -> rows of ``weight`` (N(0, 1) init)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 *, dtype: Any = None, device: str | None = None, backend: Any = None) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{num_embeddings} embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(creation.empty((num_embeddings, embedding_dim),
                                               **_factory(dtype, device, backend)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the table from N(0, 1); the padding row is zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            from arraygrad.grad_mode import no_grad

            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, indices: Tensor) -> Tensor:
        if isinstance(indices, Tensor) and indices.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: indices must be an integer tensor, got dtype "
                            f"{indices.dtype.name} (shape {indices.shape})")
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None
                       else "")


class ReLU(Module):
    """``max(x, 0)``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class GELU(Module):
    """Gaussian error linear unit (exact by default, ``approximate="tanh"`` optional)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Sigmoid(Module):
    """Logistic sigmoid."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Softmax(Module):
    """Softmax along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


class Identity(Module):
    """Returns its input."""

    def forward(self, x: Any) -> Any:
        return x
