"""Pooling layers: max, average, adaptive and power-average (LP) pooling in 1-D, 2-D and
3-D, and max unpooling."""

from __future__ import annotations

from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn._common import shape_error
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MaxPool3d",
           "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "MaxUnpool1d", "MaxUnpool2d",
           "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d"]

_LAYOUTS = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)",
            3: "(N, C, D, H, W) or (C, D, H, W)"}


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
        fn = getattr(F, f"max_pool{self._n}d")
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
        return getattr(F, f"avg_pool{self._n}d")(*args, self.divisor_override)

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


class MaxPool3d(_MaxPool):
    """Max pooling over (N, C, D, H, W) input; ``ceil_mode`` and ``return_indices`` as
    PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.MaxPool3d(2)(ag.ones(1, 3, 4, 4, 4)).shape
    (1, 3, 2, 2, 2)
    """

    _n = 3


class AvgPool3d(AvgPool2d):
    """Average pooling over (N, C, D, H, W) input (``divisor_override`` replaces the
    divisor).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AvgPool3d(2)(ag.ones(1, 3, 4, 4, 4)).shape
    (1, 3, 2, 2, 2)
    """

    _n = 3


class AdaptiveAvgPool3d(_Adaptive):
    """Average pooling of (N, C, D, H, W) input to a fixed size (``None`` keeps a size).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AdaptiveAvgPool3d(1)(ag.ones(2, 8, 3, 5, 5)).shape
    (2, 8, 1, 1, 1)
    """

    _n = 3


class AdaptiveMaxPool3d(AdaptiveMaxPool1d):
    """Max pooling of (N, C, D, H, W) input to a fixed size.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AdaptiveMaxPool3d(2)(ag.ones(1, 2, 4, 7, 7)).shape
    (1, 2, 2, 2, 2)
    """

    _n = 3


class _MaxUnpool(Module):
    _n = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        n = self._n  # PyTorch stores the n-tuples (its repr shows them)
        op = type(self).__name__
        self.kernel_size = F.ntuple(kernel_size, n, "kernel_size", op)
        self.stride = F.ntuple(stride if stride is not None else kernel_size, n, "stride", op)
        self.padding = F.ntuple(padding, n, "padding", op)

    def forward(self, input: Tensor, indices: Tensor,  # noqa: A002
                output_size: Any = None) -> Tensor:
        _check(self, input, self._n)
        fn = getattr(F, f"max_unpool{self._n}d")
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """Partial inverse of :class:`MaxPool1d` (see ``F.max_unpool1d``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> pool, unpool = ag.nn.MaxPool1d(2, return_indices=True), ag.nn.MaxUnpool1d(2)
    >>> unpool(*pool(ag.tensor([[[1.0, 3.0, 2.0, 0.0]]]))).tolist()
    [[[0.0, 3.0, 2.0, 0.0]]]
    """

    _n = 1


class MaxUnpool2d(_MaxUnpool):
    """Partial inverse of :class:`MaxPool2d` (see ``F.max_unpool2d``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> pool, unpool = ag.nn.MaxPool2d(2, return_indices=True), ag.nn.MaxUnpool2d(2)
    >>> unpool(*pool(ag.ones(1, 1, 4, 4))).shape
    (1, 1, 4, 4)
    """

    _n = 2


class MaxUnpool3d(_MaxUnpool):
    """Partial inverse of :class:`MaxPool3d` (see ``F.max_unpool3d``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> pool, unpool = ag.nn.MaxPool3d(2, return_indices=True), ag.nn.MaxUnpool3d(2)
    >>> unpool(*pool(ag.ones(1, 1, 2, 4, 4))).shape
    (1, 1, 2, 4, 4)
    """

    _n = 3


class _LPPool(Module):
    _n = 2

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        _check(self, input, self._n)
        fn = getattr(F, f"lp_pool{self._n}d")
        return fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """Power-average pooling over (N, C, L) input (see ``F.lp_pool1d``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LPPool1d(2, 2)(ag.tensor([[[3.0, 4.0]]])).tolist()
    [[[5.0]]]
    """

    _n = 1


class LPPool2d(_LPPool):
    """Power-average pooling over NCHW input (see ``F.lp_pool2d``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LPPool2d(2, 2)(ag.ones(1, 1, 4, 4)).shape
    (1, 1, 2, 2)
    """

    _n = 2


class LPPool3d(_LPPool):
    """Power-average pooling over (N, C, D, H, W) input (see ``F.lp_pool3d``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LPPool3d(2, 2)(ag.ones(1, 1, 2, 4, 4)).shape
    (1, 1, 1, 2, 2)
    """

    _n = 3
