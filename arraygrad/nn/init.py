"""``arraygrad.nn.init``: in-place parameter initializers (PyTorch's ``nn.init``).

Every initializer draws from the tensor's own backend RNG on the tensor's device, so
``ag.manual_seed(n)`` makes it reproducible (the draws differ from PyTorch's generator;
the distributions, fans and gains are PyTorch's), and works on immutable backends (the
tensor is rebound to the new array). Each runs without recording a graph and returns the
tensor. PyTorch's ``generator=`` argument is accepted only as ``None``: seed with
``ag.manual_seed``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad.extend import assign
from arraygrad.ops.conv import erf_generic
from arraygrad.tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
    "kaiming_normal_", "orthogonal_", "sparse_", "uniform", "normal", "constant",
    "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
    "sparse", "fan_in_and_fan_out", "eye", "dirac",
]


def _tensor(tensor: Any, name: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(tensor).__name__}")
    return tensor


def _float_dtype(tensor: Any, name: str) -> Any:
    _tensor(tensor, name)
    if tensor.dtype.kind != "f":
        raise TypeError(f"{name}: the tensor must be floating point, got dtype "
                        f"{tensor.dtype.name} (shape {tensor.shape})")
    return tensor.array.dtype


def _no_generator(generator: Any, name: str) -> None:
    if generator is not None:
        raise TypeError(f"{name}: generator= is not supported (arraygrad draws from the "
                        f"backend RNG); pass generator=None and seed with ag.manual_seed")


def _native(tensor: Tensor) -> Any:
    return tensor.backend.native_device(tensor.device)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (as PyTorch's ``calculate_gain``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> round(ag.nn.init.calculate_gain("relu"), 4)
    1.4142
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight laid out (out, in, *kernel), as PyTorch."""
    _tensor(tensor, "fan_in_and_fan_out")
    if tensor.ndim < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tensor.shape})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: (out, in, *kernel) as in PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.fan_in_and_fan_out(ag.zeros(8, 3, 5, 5))
    (75, 200)
    """
    return _calculate_fan_in_and_fan_out(tensor)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples from U(a, b).

    Examples
    --------
    >>> import arraygrad as ag
    >>> bool((ag.nn.init.uniform_(ag.empty(100), -1, 1).abs() <= 1).all())
    True
    """
    _no_generator(generator, "uniform_")
    dtype = _float_dtype(tensor, "uniform_")
    return assign(tensor, tensor.backend.rng.uniform(tensor.shape, dtype, tensor.device, a, b))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Any = None) -> Tensor:
    """Fill with samples from N(mean, std**2).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.normal_(ag.empty(3, 2)).shape
    (3, 2)
    """
    _no_generator(generator, "normal_")
    dtype = _float_dtype(tensor, "normal_")
    return assign(tensor, tensor.backend.rng.normal(tensor.shape, dtype, tensor.device, mean,
                                                    std))


def _erfinv(xp: Any, y: Any) -> Any:
    """Inverse error function for |y| < 1: Winitzki's approximation, then Newton steps."""
    a = 0.147
    ln = xp.log((1.0 - y) * (1.0 + y))
    first = 2.0 / (math.pi * a) + ln / 2.0
    x = xp.sqrt(xp.sqrt(first * first - ln / a) - first)
    x = xp.where(y < 0, -x, x)
    for _ in range(4):
        x = x - (erf_generic(xp, x) - y) / (2.0 / math.sqrt(math.pi) * xp.exp(-x * x))
    return x


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with samples from N(mean, std**2) truncated to [a, b] (inverse-CDF sampling,
    as PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> t = ag.nn.init.trunc_normal_(ag.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> bool((t.abs() <= 0.5).all())
    True
    """
    _no_generator(generator, "trunc_normal_")
    dtype = _float_dtype(tensor, "trunc_normal_")
    if a >= b:
        raise ValueError(f"trunc_normal_: the bounds must satisfy a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", UserWarning, stacklevel=2)
    be = tensor.backend
    xp = be.xp

    def cdf(v: float) -> float:
        return (1.0 + math.erf(v / math.sqrt(2.0))) / 2.0

    lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
    u = be.rng.uniform(tensor.shape, dtype, tensor.device, 2 * lo - 1, 2 * hi - 1)
    tiny = 1e-15 if u.dtype == xp.float64 else 1e-7
    u = xp.clip(u, -1.0 + tiny, 1.0 - tiny)
    values = xp.clip(_erfinv(xp, u) * (std * math.sqrt(2.0)) + mean, a, b)
    return assign(tensor, xp.astype(values, dtype))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.constant_(ag.empty(2), 0.5).tolist()
    [0.5, 0.5]
    """
    _tensor(tensor, "constant_")
    xp = tensor.backend.xp
    return assign(tensor, xp.full(tensor.shape, val, dtype=tensor.array.dtype,
                                  device=_native(tensor)))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.zeros_(ag.ones(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.ones_(ag.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.eye_(ag.empty(2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    _tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    xp = tensor.backend.xp
    rows, cols = tensor.shape
    return assign(tensor, xp.eye(rows, cols, dtype=tensor.array.dtype, device=_native(tensor)))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel
    (per group) copies one input channel at the kernel centre.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.init.dirac_(ag.empty(2, 2, 3))
    >>> w[0, 0].tolist(), w[0, 1].tolist()
    ([0.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    """
    _tensor(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"shape {tensor.shape}")
    if groups < 1 or tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups "
                         f"({groups})")
    from arraygrad import creation

    out_per_group = tensor.shape[0] // groups
    values = [0.0] * tensor.size
    strides = [math.prod(tensor.shape[i + 1:]) for i in range(tensor.ndim)]
    centre = sum(s // 2 * st for s, st in zip(tensor.shape[2:], strides[2:]))
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            values[(g * out_per_group + d) * strides[0] + d * strides[1] + centre] = 1.0
    filled = creation.asarray(values, dtype=tensor.dtype, backend=tensor.backend,
                              device=tensor.device).reshape(tensor.shape)
    return assign(tensor, filled.array)


def _check_empty(tensor: Tensor) -> bool:
    if tensor.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-b, b) with ``b = gain * sqrt(6 / (fan_in + fan_out))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.xavier_uniform_(ag.empty(3, 5)).shape
    (3, 5)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.xavier_normal_(ag.empty(3, 5)).shape
    (3, 5)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.kaiming_uniform_(ag.empty(4, 3), nonlinearity="relu").shape
    (4, 3)
    """
    if _check_empty(_tensor(tensor, "kaiming_uniform_")):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He normal: N(0, std**2) with ``std = gain / sqrt(fan)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.init.kaiming_normal_(ag.empty(4, 3), mode="fan_out").shape
    (4, 3)
    """
    if _check_empty(_tensor(tensor, "kaiming_normal_")):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (QR of a Gaussian matrix, signs fixed by R's
    diagonal), scaled by ``gain``; trailing dimensions are flattened.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.init.orthogonal_(ag.empty(3, 3, dtype=ag.float64))
    >>> bool(((w @ w.T - ag.eye(3, dtype=ag.float64)).abs() < 1e-10).all())
    True
    """
    _no_generator(generator, "orthogonal_")
    dtype = _float_dtype(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tensor.shape}")
    if tensor.size == 0:
        return tensor
    be = tensor.backend
    xp = be.xp
    if not hasattr(xp, "linalg"):
        raise TypeError(f"orthogonal_: backend {be.name!r} has no linalg extension (QR)")
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = be.rng.normal((rows, cols), dtype, tensor.device, 0.0, 1.0)
    if rows < cols:
        flat = xp.matrix_transpose(flat)
    q, r = xp.linalg.qr(flat)
    d = xp.linalg.diagonal(r) if hasattr(xp.linalg, "diagonal") else xp.diagonal(r)
    q = q * xp.sign(d)
    if rows < cols:
        q = xp.matrix_transpose(q)
    return assign(tensor, xp.reshape(q * gain, tensor.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Any = None) -> Tensor:
    """Fill a 2-D tensor from N(0, std**2) with a fraction ``sparsity`` of each column's
    entries set to zero (at random rows).

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.init.sparse_(ag.empty(10, 3), sparsity=0.3)
    >>> [int((w[:, j] == 0).sum().item()) for j in range(3)]
    [3, 3, 3]
    """
    _no_generator(generator, "sparse_")
    dtype = _float_dtype(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    be = tensor.backend
    xp = be.xp
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    values = be.rng.normal((rows, cols), dtype, tensor.device, 0.0, std)
    keep_cols = []
    arange = xp.arange(rows, device=_native(tensor))
    for _ in range(cols):
        perm = be.rng.permutation(rows, tensor.device)
        zero_rows = perm[:num_zeros]
        hit = xp.any(xp.reshape(arange, (-1, 1)) == xp.reshape(zero_rows, (1, -1)), axis=1)
        keep_cols.append(xp.logical_not(hit))
    keep = xp.stack(keep_cols, axis=1)
    return assign(tensor, xp.where(keep, values, xp.zeros_like(values)))


def _deprecated(new: Any, old_name: str) -> Any:
    def fn(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"nn.init.{old_name} is now deprecated in favor of nn.init."
                      f"{new.__name__}.", FutureWarning, stacklevel=2)
        return new(*args, **kwargs)

    fn.__name__ = old_name
    fn.__doc__ = f"Deprecated alias of :func:`{new.__name__}`."
    return fn


uniform = _deprecated(uniform_, "uniform")
normal = _deprecated(normal_, "normal")
constant = _deprecated(constant_, "constant")
xavier_uniform = _deprecated(xavier_uniform_, "xavier_uniform")
xavier_normal = _deprecated(xavier_normal_, "xavier_normal")
kaiming_uniform = _deprecated(kaiming_uniform_, "kaiming_uniform")
kaiming_normal = _deprecated(kaiming_normal_, "kaiming_normal")
orthogonal = _deprecated(orthogonal_, "orthogonal")
sparse = _deprecated(sparse_, "sparse")
eye = _deprecated(eye_, "eye")
dirac = _deprecated(dirac_, "dirac")
