"""Pooling: max and average pooling (1-D, 2-D) and adaptive pooling (1-D, 2-D).

Max pooling is one op (:func:`arraygrad.ops.conv.max_pool2d`, with its own gradient rule:
a reshape when the windows tile the input, strided slices otherwise) over the input padded
with ``-inf``. The others gather windows by strided slicing
(:func:`arraygrad.ops.conv.im2col`, one slice per kernel offset), so they are compositions
of ops: gradients, including second order, come for free. A 1-D pool is the 2-D pool of a
height-1 image. Output sizes follow PyTorch, including ``ceil_mode`` (a last window may
start in the input or the left padding only).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import creation
from arraygrad.grad_mode import no_grad
from arraygrad.nn.functional._util import IntPair, batch, namespace, ntuple
from arraygrad.nn.functional.padding import pad as _pad
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops.conv import im2col, window_index
from arraygrad.ops.conv import max_pool2d as _max_pool2d_op
from arraygrad.tensor import Tensor

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]

_LAYOUT = {1: "L", 2: "H, W", 3: "D, H, W"}


def _out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window would start in the padding
        out -= 1
    return out


def _pool_setup(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, n: int, op: str):
    x, unbatched = batch(x, n, op, _LAYOUT[n])
    k = ntuple(kernel_size, n, "kernel_size", op)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        ntuple(stride, n, "stride", op)
    p = ntuple(padding, n, "padding", op)
    d = ntuple(dilation, n, "dilation", op)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError(f"{op}: kernel_size, stride and dilation must be >= 1, got "
                         f"kernel_size={k}, stride={s}, dilation={d}")
    if min(p) < 0 or any(2 * pi > di * (ki - 1) + 1 for pi, ki, di in zip(p, k, d)):
        raise ValueError(f"{op}: padding {p} must be between 0 and half the (dilated) kernel "
                         f"size {k} (dilation {d})")
    spatial = tuple(x.shape[2:])
    out = tuple(_out_size(spatial[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(n))
    if min(out) < 1:
        raise ValueError(f"{op}: input of spatial size {spatial} is too small for kernel_size="
                         f"{k}, padding={p}, dilation={d}: the output size would be {out}")
    if n == 1:  # a height-1 image
        x = sh.expand_dims(x, axis=2)
        k, s, p, d, out = (1,) + k, (1,) + s, (0,) + p, (1,) + d, (1,) + out
    # Right padding beyond p so that every counted window fits (ceil_mode only).
    extra = tuple(max((out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - x.shape[2 + i] - 2 * p[i],
                      0) for i in range(2))
    return x, unbatched, k, s, p, d, out, extra


def _pair(values: tuple[int, ...]) -> tuple[int, int]:
    first, second = values
    return first, second


def _padded(x: Tensor, p: tuple, extra: tuple, value: float) -> Tensor:
    if max(p) == 0 and max(extra) == 0:
        return x
    return _pad(x, (p[1], p[1] + extra[1], p[0], p[0] + extra[0]), value=value)


def _max_pool(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool, return_indices: bool, n: int, op: str) -> Any:
    x, unbatched, k, s, p, d, out, extra = _pool_setup(x, kernel_size, stride, padding,
                                                       dilation, ceil_mode, n, op)
    if x.dtype.kind not in "f":
        raise TypeError(f"{op}: expected a floating-point input, got dtype {x.dtype.name}")
    padded = _padded(x, p, extra, -math.inf)
    values = _max_pool2d_op(padded, kernel=_pair(k), stride=_pair(s), dilation=_pair(d))
    if n == 1:
        values = values[:, :, 0]
    values = values[0] if unbatched else values
    if not return_indices:
        return values
    with no_grad():  # where the op's gradient goes (PyTorch's index)
        first = window_index(namespace(), im2col(namespace(), padded, k, s, (0, 0), d))
        ki, kj = first // k[1], first % k[1]
        rows = creation.arange(out[0], backend=x.backend, device=x.device)
        cols = creation.arange(out[1], backend=x.backend, device=x.device)
        h = sh.reshape(rows, (1, 1, -1, 1)) * s[0] - p[0] + ki * d[0]
        w = sh.reshape(cols, (1, 1, 1, -1)) * s[1] - p[1] + kj * d[1]
        indices = (h * x.shape[3] + w).astype("int64")
        if n == 1:
            indices = indices[:, :, 0]
        indices = indices[0] if unbatched else indices
    return values, indices


def max_pool1d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Maximum over sliding windows of (N, C, L) ``input`` (``stride`` defaults to the kernel).

    Padding counts as ``-inf``; the gradient goes to the first maximum of each window (to
    the last NaN of a window with NaNs), as in PyTorch.
    With ``return_indices`` also returns the argmax positions along L (int64).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]])
    >>> ag.nn.functional.max_pool1d(x, 2, ceil_mode=True).tolist()
    [[[3.0, 5.0, 4.0]]]
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, "max_pool1d")


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Maximum over sliding windows of NCHW ``input`` (``stride`` defaults to the kernel).

    Padding counts as ``-inf``; the gradient goes to the first maximum of each window
    (row-major; the last NaN of a window with NaNs), as in PyTorch. With
    ``return_indices`` also returns, per output, the flat index ``h * W + w`` of that
    element in its input plane (int64).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.max_pool2d(ag.ones(1, 1, 4, 4), 2).shape
    (1, 1, 2, 2)
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, "max_pool2d")


def _avg_pool(x: Any, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool,
              count_include_pad: bool, divisor_override: int | None, n: int, op: str) -> Tensor:
    x, unbatched, k, s, p, d, out, extra = _pool_setup(x, kernel_size, stride, padding, 1,
                                                       ceil_mode, n, op)
    windows = im2col(namespace(), _padded(x, p, extra, 0.0), k, s, (0, 0), d)
    total = red.sum(windows, axis=2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero")
        result = total / divisor_override
    elif p == (0, 0) and extra == (0, 0):
        result = total / (k[0] * k[1])
    else:
        with no_grad():  # how many cells of each window count (PyTorch's pool_size)
            ones = creation.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, backend=x.backend,
                                 device=x.device)
            counted = _pad(ones, (p[1], p[1], p[0], p[0]),
                           value=1.0 if count_include_pad else 0.0)
            counted = _pad(counted, (0, extra[1], 0, extra[0]))
            counts = red.sum(im2col(namespace(), counted, k, s, (0, 0), d), axis=2)
        result = total / counts
    if n == 1:
        result = result[:, :, 0]
    return result[0] if unbatched else result


def avg_pool1d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of (N, C, L) ``input``; zero padding counts unless
    ``count_include_pad=False``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.avg_pool1d(ag.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2).tolist()
    [[[1.5, 3.5]]]
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of NCHW ``input``.

    Zero padding counts in the divisor unless ``count_include_pad=False``;
    ``divisor_override`` replaces the divisor.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.avg_pool2d(ag.ones(1, 1, 4, 4), 2).shape
    (1, 1, 2, 2)
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


# -------------------------------------------------------------------------- adaptive
def _adaptive_sizes(x: Tensor, output_size: Any, n: int, op: str) -> tuple[int, ...]:
    if output_size is None or isinstance(output_size, int):
        sizes = (output_size,) * n
    else:
        sizes = tuple(output_size)
        if len(sizes) != n:
            raise ValueError(f"{op}: output_size must be an int or a tuple of {n}, got "
                             f"{output_size!r}")
    spatial = tuple(x.shape[2:])
    out = tuple(spatial[i] if size is None else int(size) for i, size in enumerate(sizes))
    if min(out) < 0:
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
    if min(spatial) < 1:
        raise ValueError(f"{op}: input spatial size {spatial} must be non-empty (input shape "
                         f"{x.shape})")
    return out


def _ranges(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows: [floor(i*L/out), ceil((i+1)*L/out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_mean_axis(x: Tensor, axis: int, out: int) -> Tensor:
    size = x.shape[axis]
    if out and size % out == 0:  # equal windows: one reshape and one mean
        shape = tuple(x.shape[:axis]) + (out, size // out) + tuple(x.shape[axis + 1:])
        return red.mean(sh.reshape(x, shape), axis=axis + 1)
    parts = []
    for start, stop in _ranges(size, out):
        key = [slice(None)] * x.ndim
        key[axis] = slice(start, stop)
        parts.append(red.mean(x[tuple(key)], axis=axis, keepdims=True))
    return sh.concat(parts, axis=axis)


def _adaptive_avg(x: Any, output_size: Any, n: int, op: str) -> Tensor:
    x, unbatched = batch(x, n, op, _LAYOUT[n])
    out = _adaptive_sizes(x, output_size, n, op)
    for i in range(n):  # the mean over a rectangle is the mean of the row means
        x = _adaptive_mean_axis(x, 2 + i, out[i])
    return x[0] if unbatched else x


def adaptive_avg_pool1d(input: Tensor, output_size: int | tuple[int, ...]) -> Tensor:  # noqa: A002
    """Average pooling of (N, C, L) ``input`` to length ``output_size`` (PyTorch's windows).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.adaptive_avg_pool1d(ag.tensor([[[1.0, 2.0, 3.0]]]), 2).tolist()
    [[[1.5, 2.5]]]
    """
    return _adaptive_avg(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling of NCHW ``input`` to ``output_size`` (an int, a pair, None keeps a size).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.adaptive_avg_pool2d(ag.ones(2, 3, 7, 5), (1, 1)).shape
    (2, 3, 1, 1)
    """
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def _adaptive_max(x: Any, output_size: Any, return_indices: bool, n: int, op: str) -> Any:
    x, unbatched = batch(x, n, op, _LAYOUT[n])
    out = _adaptive_sizes(x, output_size, n, op)
    if n == 1:
        x, out = sh.expand_dims(x, axis=2), (1,) + out
    nb, c, height, width = x.shape
    values, indices = [], []
    for hs, he in _ranges(height, out[0]):
        for ws, we in _ranges(width, out[1]):
            window = sh.reshape(x[:, :, hs:he, ws:we], (nb, c, -1))
            with no_grad():  # PyTorch's choice: the first maximum, or the last NaN
                first = sh.reshape(window_index(namespace(), sh.reshape(
                    window, (nb, c, -1, 1, 1))), (nb, c, 1))
                positions = creation.arange(window.shape[2], backend=x.backend,
                                            device=x.device)
                mask = sh.reshape(positions, (1, 1, -1)) == first
                if return_indices:
                    span = we - ws
                    indices.append((hs + first // span) * width + ws + first % span)
            values.append(red.sum(ew.where(mask, window, 0.0), axis=2, keepdims=True))
    shape = (nb, c) + out
    result = sh.reshape(sh.concat(values, axis=2), shape)
    if n == 1:
        result = result[:, :, 0]
    result = result[0] if unbatched else result
    if not return_indices:
        return result
    with no_grad():
        idx = sh.reshape(sh.concat(indices, axis=2), shape).astype("int64")
        if n == 1:
            idx = idx[:, :, 0]
        idx = idx[0] if unbatched else idx
    return result, idx


def adaptive_max_pool1d(input: Tensor, output_size: int,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max pooling of (N, C, L) ``input`` to length ``output_size``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([[[1.0, 4.0, 2.0, 3.0]]])
    >>> ag.nn.functional.adaptive_max_pool1d(x, 2).tolist()
    [[[4.0, 3.0]]]
    """
    return _adaptive_max(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max pooling of NCHW ``input`` to ``output_size``; the gradient goes to the first
    maximum of each window (the last NaN of a window with NaNs, as PyTorch). With
    ``return_indices`` also returns flat ``h * W + w`` indices.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.adaptive_max_pool2d(ag.ones(1, 2, 5, 5), 2).shape
    (1, 2, 2, 2)
    """
    return _adaptive_max(input, output_size, return_indices, 2, "adaptive_max_pool2d")
