"""Pooling layers: max, average and adaptive pooling in 1-D and 2-D."""

from __future__ import annotations

from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn._common import shape_error
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"]

_LAYOUTS = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)"}


def _check(layer: Module, x: Any, n: int) -> None:
    if not isinstance(x, Tensor) or x.ndim not in (n + 1, n + 2):
        raise shape_error(layer, _LAYOUTS[n], x)


class _MaxPool(Module):
    _n = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        _check(self, input, self._n)
        fn = F.max_pool1d if self._n == 1 else F.max_pool2d
        return fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                  self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPool):
    """Max pooling over (N, C, L) input (``stride`` defaults to ``kernel_size``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.MaxPool1d(2)(ag.ones(1, 3, 8)).shape
    (1, 3, 4)
    """

    _n = 1


class MaxPool2d(_MaxPool):
    """Max pooling over NCHW input; ``ceil_mode`` and ``return_indices`` as PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.MaxPool2d(2)(ag.ones(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    _n = 2


class _AvgPool(Module):
    _n = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check(self, input, self._n)
        args = (input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                self.count_include_pad)
        if self._n == 1:
            return F.avg_pool1d(*args)
        return F.avg_pool2d(*args, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPool):
    """Average pooling over (N, C, L) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AvgPool1d(2)(ag.ones(1, 3, 8)).shape
    (1, 3, 4)
    """

    _n = 1


class AvgPool2d(_AvgPool):
    """Average pooling over NCHW input (``divisor_override`` replaces the divisor).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AvgPool2d(2)(ag.ones(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override


class _Adaptive(Module):
    """Adaptive pooling: ``F.adaptive_{_kind}_pool{_n}d`` to ``output_size``."""

    _n = 2
    _kind = "avg"

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        _check(self, input, self._n)
        fn = getattr(F, f"adaptive_{self._kind}_pool{self._n}d")
        if self._kind == "max":
            return fn(input, self.output_size, self.return_indices)
        return fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    """Average pooling of (N, C, L) input to a fixed length.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AdaptiveAvgPool1d(3)(ag.ones(1, 2, 7)).shape
    (1, 2, 3)
    """

    _n = 1


class AdaptiveAvgPool2d(_Adaptive):
    """Average pooling of NCHW input to a fixed size (``None`` keeps that input size).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AdaptiveAvgPool2d((1, 1))(ag.ones(2, 8, 5, 5)).shape
    (2, 8, 1, 1)
    """


class AdaptiveMaxPool1d(_Adaptive):
    """Max pooling of (N, C, L) input to a fixed length.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AdaptiveMaxPool1d(2)(ag.ones(1, 2, 7)).shape
    (1, 2, 2)
    """

    _n = 1
    _kind = "max"

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool2d(AdaptiveMaxPool1d):
    """Max pooling of NCHW input to a fixed size.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AdaptiveMaxPool2d(2)(ag.ones(1, 2, 7, 7)).shape
    (1, 2, 2, 2)
    """

    _n = 2
