"""Convolution layers: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``,
``ConvTranspose2d`` (PyTorch's arguments, initialization and padding modes)."""

from __future__ import annotations

from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn._common import add_parameter, factory, reset_kaiming_uniform, shape_error
from arraygrad.nn.functional._util import ntuple
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_LAYOUT = {1: "L", 2: "H, W", 3: "D, H, W"}


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None,
                 backend: Any = None) -> None:
        super().__init__()
        name, n = type(self).__name__, self._n
        if groups < 1 or in_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} must be divisible by "
                             f"groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels={out_channels} must be divisible by "
                             f"groups={groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = ntuple(kernel_size, n, "kernel_size", name)
        self.stride = ntuple(stride, n, "stride", name)
        self.dilation = ntuple(dilation, n, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', "
                                 f"got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding: Any = padding
        else:
            self.padding = ntuple(padding, n, "padding", name)
        self.output_padding = ntuple(output_padding, n, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's (left, right) pairs from the last axis, for the non-zeros modes.
        pads: list[int] = []
        for i in reversed(range(n)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            elif self.padding == "valid":
                pads += [0, 0]
            else:
                pads += [self.padding[i], self.padding[i]]
        self._reversed_padding_repeated_twice = pads
        f = factory(dtype, device, backend)
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        add_parameter(self, "weight", shape, f)
        add_parameter(self, "bias", (out_channels,), f, enabled=bias)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights (PyTorch's default initialization)."""
        reset_kaiming_uniform(self.weight, self.bias)

    def _check(self, x: Any) -> None:
        n = self._n
        if not isinstance(x, Tensor) or x.ndim not in (n + 1, n + 2) or \
                x.shape[-(n + 1)] != self.in_channels:
            c, layout = self.in_channels, _LAYOUT[n]
            raise shape_error(self, f"(N, {c}, {layout}) or ({c}, {layout})", x)

    def extra_repr(self) -> str:
        n = self._n
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * n:
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else \
                f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    _fn = staticmethod(F.conv2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype, backend)

    def _conv_forward(self, input: Tensor, weight: Tensor,  # noqa: A002
                      bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return type(self)._fn(padded, weight, bias, self.stride, 0, self.dilation,
                                  self.groups)
        return type(self)._fn(input, weight, bias, self.stride, self.padding, self.dilation,
                              self.groups)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check(input)
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C, L) or unbatched (C, L) input.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, dilation : int or tuple
    padding : int, tuple, 'valid' or 'same'
    groups : int
        Channels split into ``groups`` independent convolutions.
    bias : bool
    padding_mode : 'zeros', 'reflect', 'replicate' or 'circular'
    device, dtype : optional

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Conv1d(3, 4, 3, padding="same")(ag.ones(2, 3, 10)).shape
    (2, 4, 10)
    """

    _n = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over NCHW (or unbatched CHW) input; arguments as :class:`Conv1d`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Conv2d(3, 8, 3, padding=1)(ag.ones(2, 3, 8, 8)).shape
    (2, 8, 8, 8)
    """

    _n = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C, D, H, W) input; arguments as :class:`Conv1d`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Conv3d(2, 4, 3)(ag.ones(1, 2, 5, 5, 5)).shape
    (1, 4, 3, 3, 3)
    """

    _n = 3
    _fn = staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn = staticmethod(F.conv_transpose2d)

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f"Only 'zeros' padding mode is supported for "
                             f"{type(self).__name__}, got {padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype, backend)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:  # noqa: A002
        n = self._n
        if output_size is None:
            return self.output_padding
        size = [int(v) for v in output_size]
        if len(size) > n:
            size = size[-n:]
        if len(size) != n:
            raise ValueError(f"{self!r}: output_size must have {n} or {n + 2} elements, got "
                             f"{tuple(output_size)}")
        spatial = tuple(input.shape[-n:])
        out = []
        for i in range(n):
            smallest = ((spatial[i] - 1) * self.stride[i] - 2 * self.padding[i] +
                        self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            largest = smallest + self.stride[i] - 1
            if not smallest <= size[i] <= largest:
                raise ValueError(f"{self!r}: requested an output size of {tuple(size)}, but "
                                 f"valid sizes range from {smallest} to {largest} (for an "
                                 f"input of {spatial})")
            out.append(size[i] - smallest)
        return tuple(out)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        self._check(input)
        output_padding = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding,
                              output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution over (N, C, L) input (the adjoint of :class:`Conv1d`).

    ``forward(input, output_size=None)`` picks ``output_padding`` to reach
    ``output_size``, as PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ConvTranspose1d(4, 2, 3, stride=2)(ag.ones(1, 4, 5)).shape
    (1, 2, 11)
    """

    _n = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution over NCHW input (the adjoint of :class:`Conv2d`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> up = ag.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> up(ag.ones(1, 4, 5, 5)).shape
    (1, 2, 10, 10)
    """

    _n = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution over (N, C, D, H, W) input (the adjoint of
    :class:`Conv3d`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> up = ag.nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> up(ag.ones(1, 4, 2, 3, 3)).shape
    (1, 2, 4, 6, 6)
    """

    _n = 3
    _fn = staticmethod(F.conv_transpose3d)
