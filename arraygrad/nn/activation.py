"""Activation layers (PyTorch's names and constructor arguments).

``inplace=True`` writes the result into the input, as PyTorch. The attention layer
``MultiheadAttention`` of PyTorch's ``torch.nn.modules.activation`` lives in
:mod:`arraygrad.nn.transformer` (re-exported by :mod:`arraygrad.nn.modules.activation`).
"""

from __future__ import annotations

from typing import Any

from arraygrad import creation
from arraygrad.nn import functional as F
from arraygrad.nn._common import factory, shape_error
from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.tensor import Tensor

__all__ = [
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "SiLU", "Mish", "GELU", "Softplus",
    "Hardtanh", "PReLU", "Tanh", "Sigmoid", "LogSigmoid", "Hardsigmoid", "Hardswish",
    "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU", "Softmax",
    "Softmin", "LogSoftmax", "Softmax2d", "RReLU",
]


class _Inplace(Module):
    """An activation with only an ``inplace`` flag."""

    _fn: Any = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """An activation without arguments."""

    _fn: Any = None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input)


class ReLU(_Inplace):
    """``max(x, 0)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReLU(True)(ag.tensor([-1.0, 1.0])).tolist()
    [0.0, 1.0]
    """

    _fn = staticmethod(F.relu)


class ReLU6(_Inplace):
    """``min(max(x, 0), 6)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReLU6()(ag.tensor([7.0])).tolist()
    [6.0]
    """

    _fn = staticmethod(F.relu6)


class SELU(_Inplace):
    """Scaled ELU with the self-normalizing constants.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.SELU()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    _fn = staticmethod(F.selu)


class SiLU(_Inplace):
    """``x * sigmoid(x)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.SiLU()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    _fn = staticmethod(F.silu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Mish()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    _fn = staticmethod(F.mish)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Hardsigmoid()(ag.tensor([0.0])).tolist()
    [0.5]
    """

    _fn = staticmethod(F.hardsigmoid)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Hardswish()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    _fn = staticmethod(F.hardswish)


class LeakyReLU(Module):
    """``x`` for ``x > 0`` else ``negative_slope * x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LeakyReLU(0.5)(ag.tensor([-1.0])).tolist()
    [-0.5]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class ELU(Module):
    """``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ELU()(ag.tensor([1.0])).tolist()
    [1.0]
    """

    _fn = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """``x`` for ``x > 0`` else ``alpha * (exp(x / alpha) - 1)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.CELU()(ag.tensor([1.0])).tolist()
    [1.0]
    """

    _fn = staticmethod(F.celu)


class GELU(Module):
    """Gaussian error linear unit (exact by default, ``approximate="tanh"`` optional).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.GELU()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Softplus()(ag.tensor([30.0])).tolist()
    [30.0]
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """Clamp to ``[min_val, max_val]``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Hardtanh()(ag.tensor([-2.0, 2.0])).tolist()
    [-1.0, 1.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class PReLU(Module):
    """``x`` for ``x > 0`` else ``a * x`` with a learned ``a`` (one, or one per channel).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.PReLU()(ag.tensor([-4.0])).tolist()
    [-1.0]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.full((num_parameters,), init,
                                              **factory(dtype, device, backend)))

    def reset_parameters(self) -> None:
        """Refill the slopes with ``init``."""
        from arraygrad.nn.init import constant_

        constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if self.num_parameters > 1 and (not isinstance(input, Tensor) or input.ndim < 2 or
                                        input.shape[1] != self.num_parameters):
            raise shape_error(self, f"(N, {self.num_parameters}, ...)", input)
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Tanh(_Plain):
    """Hyperbolic tangent.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Tanh()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    _fn = staticmethod(F.tanh)


class Sigmoid(_Plain):
    """Logistic sigmoid.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Sigmoid()(ag.tensor([0.0])).tolist()
    [0.5]
    """

    _fn = staticmethod(F.sigmoid)


class LogSigmoid(_Plain):
    """``log(sigmoid(x))``, stable.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.LogSigmoid()(ag.tensor([0.0])).item(), 4)
    -0.6931
    """

    _fn = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    """``x / (1 + |x|)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Softsign()(ag.tensor([1.0])).tolist()
    [0.5]
    """

    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    """``x - tanh(x)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Tanhshrink()(ag.tensor([0.0])).tolist()
    [0.0]
    """

    _fn = staticmethod(F.tanhshrink)


class Softshrink(Module):
    """Soft thresholding by ``lambd``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Softshrink()(ag.tensor([1.0])).tolist()
    [0.5]
    """

    _fn = staticmethod(F.softshrink)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """Hard thresholding by ``lambd``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Hardshrink()(ag.tensor([1.0])).tolist()
    [1.0]
    """

    _fn = staticmethod(F.hardshrink)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Threshold(0.5, -1.0)(ag.tensor([0.0, 1.0])).tolist()
    [-1.0, 1.0]
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class GLU(Module):
    """Gated linear unit over ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.GLU()(ag.ones(2, 4)).shape
    (2, 2)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch's implicit choice, with a warning, when None).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Softmax(dim=-1)(ag.zeros(2)).tolist()
    [0.5, 0.5]
    """

    _fn = staticmethod(F.softmax)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Softmax):
    """``softmax(-x)`` along ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Softmin(dim=0)(ag.zeros(2)).tolist()
    [0.5, 0.5]
    """

    _fn = staticmethod(F.softmin)


class LogSoftmax(Softmax):
    """Log-softmax along ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.LogSoftmax(dim=0)(ag.zeros(1)).tolist()
    [0.0]
    """

    _fn = staticmethod(F.log_softmax)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Softmax2d()(ag.zeros(1, 2, 1, 1)).tolist()
    [[[[0.5]], [[0.5]]]]
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor) or input.ndim not in (3, 4):
            raise shape_error(self, "(N, C, H, W) or (C, H, W)", input)
        return F.softmax(input, -3)


class RReLU(Module):
    """Randomized leaky ReLU: a slope drawn from ``[lower, upper]`` per negative element in
    training mode, ``(lower + upper) / 2`` in evaluation (:func:`~arraygrad.nn.functional.rrelu`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.RReLU(0.25, 0.75).eval()(ag.tensor([-2.0])).tolist()
    [-1.0]
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                             else "")
