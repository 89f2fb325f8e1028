"""Activation functions (PyTorch's names, arguments and gradients at the kinks).

All are compositions of arraygrad ops. Where PyTorch's derivative at a kink differs from
what a naive composition would give, the ``where`` conditions below reproduce PyTorch's
(noted at each function). Exponentials are fed a clamped argument in the branch that is
not selected, so large inputs never produce ``inf * 0 = nan`` gradients.

``inplace=True`` writes the result into the input (``input.copy_``) and returns it, as
PyTorch does; the gradient still flows to the input's history.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad.grad_mode import is_grad_enabled
from arraygrad.nn.functional._util import check_tensor
from arraygrad.ops import elementwise as ew
from arraygrad.ops import shape as sh
from arraygrad.ops.conv import erf
from arraygrad.ops.nn import log_softmax as _log_softmax
from arraygrad.ops.nn import require_floating
from arraygrad.ops.nn import softmax as _softmax
from arraygrad.tensor import Tensor

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "gelu",
    "softplus", "hardtanh", "prelu", "tanh", "sigmoid", "logsigmoid", "hardsigmoid",
    "hardswish", "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold", "glu",
    "softmax", "softmin", "log_softmax", "rrelu", "gumbel_softmax", "elu_", "leaky_relu_",
    "hardtanh_", "selu_", "celu_", "threshold_", "rrelu_",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _activate(x: Any, fn: Callable[[Tensor], Tensor], inplace: bool, op: str,
              kernel: str | None = None) -> Tensor:
    check_tensor(x, op)
    if kernel is not None:  # PyTorch's kernel exists for floating point only
        require_floating(x, op, kernel)
    if not inplace:
        return fn(x)
    # Compute from a copy so that the ops' saved inputs are not the tensor overwritten below.
    source = x.clone() if x.requires_grad and is_grad_enabled() else x
    return x.copy_(fn(source))


def _clamped(x: Tensor, keep_below: float) -> Tensor:
    """``x`` where ``x <= keep_below``, else ``keep_below`` (no gradient there)."""
    return ew.where(x > keep_below, keep_below, x)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(x, 0)``; the gradient at 0 is 0 (as PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.relu(ag.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    if getattr(input, "dtype", None) is not None and input.dtype.kind == "b":
        raise RuntimeError(f"relu: Boolean inputs not supported for relu (input shape "
                           f"{tuple(input.shape)})")
    return _activate(input, ew.relu, inplace, "relu")


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place :func:`relu`."""
    return relu(input, inplace=True)


def _int_hardtanh(x: Any, lo: float, hi: float, op: str) -> Any:
    """PyTorch's integer hardtanh: the bounds truncated to ints, the dtype kept (``None``
    for a floating-point ``x``); bool and unsigned inputs with negative limits raise."""
    check_tensor(x, op)
    if x.dtype.kind in "fc":
        return None
    if x.dtype.kind == "b":
        raise RuntimeError(f"{op}: Bool inputs not supported for hardtanh (input shape "
                           f"{tuple(x.shape)})")
    if x.dtype.kind == "u" and (lo < 0 or hi < 0):
        raise RuntimeError(f"{op}: cannot do hardtanh on an unsigned type with negative "
                           f"limits (input dtype {x.dtype.name}, min_val={lo}, max_val={hi})")
    return ew.clip(x, int(lo), int(hi))


def _hardtanh(x: Tensor, lo: float, hi: float) -> Tensor:
    # PyTorch's gradient is 1 strictly inside (lo, hi) and 0 at the boundaries.
    inside = (x > lo) & (x < hi)
    return ew.where(inside, x, ew.clip(x, lo, hi).detach())


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]``; the gradient is 0 at and beyond the bounds.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.hardtanh(ag.tensor([-3.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    integer = _int_hardtanh(input, min_val, max_val, "hardtanh")
    if integer is not None:
        return input.copy_(integer) if inplace else integer
    return _activate(input, lambda x: _hardtanh(x, min_val, max_val), inplace, "hardtanh")


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(x, 0), 6)`` (:func:`hardtanh` on [0, 6]).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.relu6(ag.tensor([-1.0, 7.0])).tolist()
    [0.0, 6.0]
    """
    integer = _int_hardtanh(input, 0.0, 6.0, "relu6")
    if integer is not None:
        return input.copy_(integer) if inplace else integer
    return _activate(input, lambda x: _hardtanh(x, 0.0, 6.0), inplace, "relu6")


def leaky_relu(input: Tensor, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """``x`` for ``x > 0`` else ``negative_slope * x`` (slope at 0: ``negative_slope``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.leaky_relu(ag.tensor([-2.0, 2.0]), 0.5).tolist()
    [-1.0, 2.0]
    """
    return _activate(input, lambda x: ew.where(x > 0, x, x * negative_slope), inplace,
                     "leaky_relu", "leaky_relu_cpu")



def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: ``x`` for ``x > 0``, else ``a * x`` with ``a`` drawn uniformly
    from ``[lower, upper]`` per element in training (from arraygrad's generator, so the
    draws differ from PyTorch's), or ``a = (lower + upper) / 2`` in evaluation (PyTorch's
    ``F.rrelu``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.rrelu(ag.tensor([-2.0, 2.0]), 0.25, 0.75).tolist()
    [-1.0, 2.0]
    """
    check_tensor(input, "rrelu")
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expected 0 <= lower <= upper, got lower={lower}, "
                         f"upper={upper}")
    require_floating(input, "rrelu", "leaky_relu_cpu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from arraygrad.creation import empty_like

    slopes = empty_like(input.detach()).uniform_(lower, upper)
    return _activate(input, lambda x: ew.where(x > 0, x, x * slopes), inplace, "rrelu",
                     "leaky_relu_cpu")

def _elu(x: Tensor, alpha: float, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    neg = alpha * ew.expm1(_clamped(x, 0.0) * input_scale)
    out = ew.where(x > 0, x, neg)
    return out * scale if scale != 1.0 else out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.elu(ag.tensor([-1.0])).item(), 4)
    -0.6321
    """
    return _activate(input, lambda x: _elu(x, alpha), inplace, "elu", "elu_cpu")


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``scale * elu(x, alpha)`` with the self-normalizing constants.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.selu(ag.tensor([1.0])).item(), 4)
    1.0507
    """
    return _activate(input, lambda x: _elu(x, SELU_ALPHA, SELU_SCALE), inplace, "selu", "elu_cpu")


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x`` for ``x > 0`` else ``alpha * (exp(x / alpha) - 1)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.celu(ag.tensor([2.0])).tolist()
    [2.0]
    """
    if alpha == 0:
        raise ValueError("celu: alpha must be non-zero")
    return _activate(input, lambda x: _elu(x, alpha, 1.0, 1.0 / alpha), inplace, "celu", "elu_cpu")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * sigmoid(x)`` (swish).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.silu(ag.tensor([0.0])).tolist()
    [0.0]
    """
    return _activate(input, lambda x: x * ew.sigmoid(x), inplace, "silu", "silu_cpu")


def _softplus(x: Tensor, beta: float, threshold: float) -> Tensor:
    # PyTorch: linear above the threshold, log1p(exp(beta x)) / beta below it.
    bx = x * beta if beta != 1.0 else x
    linear = bx > threshold
    soft = ew.log1p(ew.exp(_clamped(bx, threshold)))
    return ew.where(linear, x, soft / beta if beta != 1.0 else soft)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.softplus(ag.tensor([0.0])).item(), 4)
    0.6931
    """
    check_tensor(input, "softplus")
    require_floating(input, "softplus", "softplus_cpu")
    return _softplus(input, beta, threshold)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.mish(ag.tensor([1.0])).item(), 4)
    0.8651
    """
    return _activate(input, lambda x: x * ew.tanh(_softplus(x, 1.0, 20.0)), inplace, "mish",
                     "mish_cpu")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate="tanh"`` for the tanh form.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.gelu(ag.tensor([0.0])).tolist()
    [0.0]
    """
    check_tensor(input, "gelu")
    require_floating(input, "gelu", "GeluKernelImpl")
    x = input
    if approximate == "none":
        return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + ew.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``x`` for ``x > 0`` else ``weight * x``; ``weight`` has one element or one per channel
    (axis 1).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.prelu(ag.tensor([[-2.0, 2.0]]), ag.tensor([0.25])).tolist()
    [[-0.5, 2.0]]
    """
    check_tensor(input, "prelu")
    check_tensor(weight, "prelu")
    if input.ndim == 0:
        raise ValueError("prelu: a 0-D input is not allowed")
    if weight.size != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.ndim != 1 or weight.shape[0] != channels:
            raise ValueError(f"prelu: weight has {weight.size} elements (shape {weight.shape}) "
                             f"but the input {input.shape} has {channels} channels on axis 1; "
                             f"use 1 or {channels} parameters")
        w = sh.reshape(weight, (1, -1) + (1,) * (input.ndim - 2))
    else:
        w = sh.reshape(weight, ())
    return ew.where(input > 0, input, input * w)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.tanh(ag.tensor([0.0])).tolist()
    [0.0]
    """
    return ew.tanh(check_tensor(input, "tanh"))


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.sigmoid(ag.tensor([0.0])).tolist()
    [0.5]
    """
    return ew.sigmoid(check_tensor(input, "sigmoid"))


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``, stable for any ``x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.logsigmoid(ag.tensor([0.0])).item(), 4)
    -0.6931
    """
    x = check_tensor(input, "logsigmoid")
    require_floating(x, "logsigmoid", "log_sigmoid_cpu")
    # |x| written with where so that its slope at 0 is +1: the total slope at 0 is then 1/2.
    magnitude = ew.where(x < 0, -x, x)
    return ew.where(x < 0, x, 0.0) - ew.log1p(ew.exp(-magnitude))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``relu6(x + 3) / 6`` (gradient 1/6 strictly inside (-3, 3)).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.hardsigmoid(ag.tensor([0.0, 4.0])).tolist()
    [0.5, 1.0]
    """
    return _activate(input, lambda x: _hardtanh(x + 3.0, 0.0, 6.0) / 6.0, inplace,
                     "hardsigmoid", "hardsigmoid_cpu")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``x * relu6(x + 3) / 6`` (PyTorch's slopes at the kinks: 0 at -3, 1 at 3).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.hardswish(ag.tensor([-4.0, 4.0])).tolist()
    [0.0, 4.0]
    """
    def fn(x: Tensor) -> Tensor:
        return ew.where(x <= -3.0, 0.0, ew.where(x < 3.0, x * (x + 3.0) / 6.0, x))

    return _activate(input, fn, inplace, "hardswish", "hardswish_cpu")


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``x / (1 + |x|)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.softsign(ag.tensor([1.0])).tolist()
    [0.5]
    """
    x = check_tensor(input, "softsign")
    if x.dtype.kind == "b":
        require_floating(x, "softsign", "abs_cpu")
    return x / (1.0 + ew.abs(x))


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x - tanh(x)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.tanhshrink(ag.tensor([0.0])).tolist()
    [0.0]
    """
    x = check_tensor(input, "tanhshrink")
    if x.dtype.kind == "b":
        raise RuntimeError("tanhshrink: subtraction, the `-` operator, with a bool tensor is "
                           "not supported; use x.float() first")
    return x - ew.tanh(x)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.softshrink(ag.tensor([-1.0, 0.2, 1.0])).tolist()
    [-0.5, 0.0, 0.5]
    """
    x = check_tensor(input, "softshrink")
    require_floating(x, "softshrink", "softshrink_check")
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    return ew.where(x > lambd, x - lambd, ew.where(x < -lambd, x + lambd, 0.0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``x`` where ``|x| > lambd``, else 0.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.hardshrink(ag.tensor([-1.0, 0.2])).tolist()
    [-1.0, 0.0]
    """
    x = check_tensor(input, "hardshrink")
    require_floating(x, "hardshrink", "hardshrink_cpu")
    return ew.where((x > lambd) | (x < -lambd), x, 0.0)


def threshold(input: Tensor, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.threshold(ag.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    check_tensor(input, "threshold")
    if input.dtype.kind == "b":
        require_floating(input, "threshold", "threshold_cpu")
    if input.dtype.kind in "iu":  # PyTorch truncates both scalars to the integer dtype
        threshold, value = int(threshold), int(value)
    return _activate(input, lambda x: ew.where(x > threshold, x, value), inplace, "threshold")


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: split ``dim`` in halves ``a, b`` and return ``a * sigmoid(b)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.glu(ag.ones(2, 4)).shape
    (2, 2)
    """
    x = check_tensor(input, "glu")
    require_floating(x, "glu", "glu_cpu")
    if x.ndim == 0 or x.shape[dim] % 2:
        raise ValueError(f"glu: halving dimension {dim} must have an even size, got input "
                         f"shape {x.shape}")
    half = x.shape[dim] // 2
    axis = dim % x.ndim
    first = [slice(None)] * x.ndim
    second = [slice(None)] * x.ndim
    first[axis], second[axis] = slice(0, half), slice(half, None)
    return x[tuple(first)] * ew.sigmoid(x[tuple(second)])


def _softmax_dim(ndim: int, name: str, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(x: Any, dim: int | None, dtype: Any, name: str, stacklevel: int
             ) -> tuple[Tensor, int]:
    check_tensor(x, name)
    if dtype is not None:
        x = x.astype(dtype)
    require_floating(x, name, "softmax_lastdim_kernel_impl" if name != "log_softmax" else
                     "log_softmax_lastdim_kernel_impl")
    if dim is None:
        dim = _softmax_dim(x.ndim, name, stacklevel + 1)
    return x, dim


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """Softmax along ``dim`` (PyTorch's implicit choice, with a warning, when None).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.softmax(ag.zeros(2), dim=0).tolist()
    [0.5, 0.5]
    """
    x, dim = _prepare(input, dim, dtype, "softmax", _stacklevel)
    return _softmax(x, axis=dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.softmin(ag.zeros(2), dim=0).tolist()
    [0.5, 0.5]
    """
    if dtype is None and getattr(input, "dtype", None) is not None and input.dtype.kind == "b":
        raise RuntimeError("softmin: negation, the `-` operator, on a bool tensor is not "
                           "supported; cast it first, e.g. x.float()")
    x, dim = _prepare(input, dim, dtype, "softmin", _stacklevel)
    return _softmax(-x, axis=dim)



def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with
    ``g = -log(Exponential(1))`` noise (from arraygrad's generator); ``hard=True`` returns
    the one-hot of the sample's argmax with the soft sample's gradient (straight-through),
    as PyTorch's ``F.gumbel_softmax``. ``eps`` is accepted and unused, as in PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> y = ag.nn.functional.gumbel_softmax(ag.zeros(2, 3), hard=True)
    >>> y.sum(dim=-1).tolist()
    [1.0, 1.0]
    """
    from arraygrad.creation import empty_like, zeros_like
    from arraygrad.ops import reductions as red
    from arraygrad.ops import torch_functions as tf

    check_tensor(logits, "gumbel_softmax")
    if tau <= 0:
        raise ValueError(f"gumbel_softmax: tau must be positive, got {tau}")
    gumbels = -ew.log(empty_like(logits.detach()).exponential_())
    y_soft = _softmax((logits + gumbels) / tau, axis=dim)
    if not hard:
        return y_soft
    index = sh.expand_dims(red.argmax(y_soft.detach(), axis=dim), axis=dim)
    y_hard = tf.scatter(zeros_like(logits.detach()), dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft

def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """Log-softmax along ``dim``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.functional.log_softmax(ag.zeros(2), dim=0)[0].item(), 4)
    -0.6931
    """
    x, dim = _prepare(input, dim, dtype, "log_softmax", _stacklevel)
    return _log_softmax(x, axis=dim)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place :func:`elu` (PyTorch's ``F.elu_``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([-1.0, 2.0])
    >>> ag.nn.functional.elu_(x) is x
    True
    """
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """In-place :func:`leaky_relu`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.leaky_relu_(ag.tensor([-2.0, 2.0]), 0.5).tolist()
    [-1.0, 2.0]
    """
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """In-place :func:`hardtanh`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.hardtanh_(ag.tensor([-3.0, 0.5])).tolist()
    [-1.0, 0.5]
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place :func:`selu`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.selu_(ag.tensor([0.0])).tolist()
    [0.0]
    """
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place :func:`celu`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.celu_(ag.tensor([2.0])).tolist()
    [2.0]
    """
    return celu(input, alpha, inplace=True)


_threshold = threshold  # the parameter named threshold shadows the function below


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """In-place :func:`threshold`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.threshold_(ag.tensor([0.5, 2.0]), 1.0, -1.0).tolist()
    [-1.0, 2.0]
    """
    return _threshold(input, threshold, value, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.rrelu_(ag.tensor([-2.0, 2.0]), 0.25, 0.75).tolist()
    [-1.0, 2.0]
    """
    return rrelu(input, lower, upper, training, inplace=True)
