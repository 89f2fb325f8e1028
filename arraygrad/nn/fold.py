"""``Unfold`` (im2col) and ``Fold`` (col2im): the layers of
:func:`arraygrad.nn.functional.unfold` and :func:`arraygrad.nn.functional.fold`."""

from __future__ import annotations

from arraygrad.nn import functional as F
from arraygrad.nn.functional._util import IntPair
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """(N, C, H, W) -> (N, C * kh * kw, L): every sliding block as a column.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Unfold(kernel_size=(2, 3))(ag.ones(2, 5, 3, 4)).shape
    (2, 30, 4)
    """

    def __init__(self, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
                 stride: IntPair = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """(N, C * kh * kw, L) -> (N, C, H, W): columns summed back into an image.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(ag.ones(1, 12, 12)).shape
    (1, 3, 4, 5)
    """

    def __init__(self, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
                 padding: IntPair = 0, stride: IntPair = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
