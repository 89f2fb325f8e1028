"""``Identity``, ``Linear`` and ``Bilinear`` (PyTorch's default initializations)."""

from __future__ import annotations

import math
from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn._common import add_parameter, factory, reset_kaiming_uniform, shape_error
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input; takes (and ignores) any constructor arguments, as PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Identity(54, unused="x")(ag.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input


class Linear(Module):
    """``y = x @ W.T + b`` over the last axis.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    device, dtype : optional
        Where the parameters are created (default: the current backend, float32).
    backend : optional, keyword-only
        The backend that holds the parameters (arraygrad's addition).

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.Linear(3, 2)
    >>> layer(ag.ones(4, 3)).shape
    (4, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        f = factory(dtype, device, backend)
        add_parameter(self, "weight", (out_features, in_features), f)
        add_parameter(self, "bias", (out_features,), f, enabled=bias)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights (PyTorch's default initialization)."""
        reset_kaiming_uniform(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not (isinstance(input, Tensor) or getattr(type(input), "_ag_batched", False)) or \
                input.ndim < 1 or \
                input.shape[-1] != self.in_features:
            raise shape_error(self, f"(..., {self.in_features})", input)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """``y = x1 @ W_k @ x2 + b_k`` for each output feature ``k``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Bilinear(2, 3, 4)(ag.ones(5, 2), ag.ones(5, 3)).shape
    (5, 4)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        f = factory(dtype, device, backend)
        add_parameter(self, "weight", (out_features, in1_features, in2_features), f)
        add_parameter(self, "bias", (out_features,), f, enabled=bias)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``U(-1/sqrt(in1), 1/sqrt(in1))`` for weight and bias, as PyTorch."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if not isinstance(input1, Tensor) or input1.ndim < 1 or \
                input1.shape[-1] != self.in1_features:
            raise shape_error(self, f"(..., {self.in1_features}) for input1", input1)
        if not isinstance(input2, Tensor) or input2.ndim < 1 or \
                input2.shape[-1] != self.in2_features:
            raise shape_error(self, f"(..., {self.in2_features}) for input2", input2)
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
