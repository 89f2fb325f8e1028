"""More pooling: 3-D max/average/adaptive pooling, the ``*_with_indices`` names, max
unpooling and power-average (LP) pooling.

3-D pooling gathers the windows of the padded input by strided slicing (one slice per
kernel offset, stacked on a new axis 2: (N, C, K, Do, Ho, Wo)); max pooling then picks
PyTorch's element of each window (the first maximum in (d, h, w) order, the last NaN of a
window with NaNs; :func:`arraygrad.ops.conv.window_index`) with ``take_along_axis``, so
the gradient goes where PyTorch sends it. Everything is a composition of differentiable
ops, so gradients (including second order) come for free.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from arraygrad import creation
from arraygrad.grad_mode import no_grad
from arraygrad.nn.functional._util import IntPair, batch, check_tensor, namespace, ntuple
from arraygrad.nn.functional.padding import pad as _pad
from arraygrad.nn.functional.pooling import (
    _adaptive_avg,
    _adaptive_sizes,
    _out_size,
    _ranges,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing as ix
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops.conv import window_index
from arraygrad.ops.nn import require_floating
from arraygrad.tensor import Tensor

__all__ = [
    "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
]

_LAYOUT3 = "D, H, W"


def _setup3d(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
             ceil_mode: bool, op: str) -> tuple:
    x, unbatched = batch(x, 3, op, _LAYOUT3)
    k = ntuple(kernel_size, 3, "kernel_size", op)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        ntuple(stride, 3, "stride", op)
    p = ntuple(padding, 3, "padding", op)
    d = ntuple(dilation, 3, "dilation", op)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError(f"{op}: kernel_size, stride and dilation must be >= 1, got "
                         f"kernel_size={k}, stride={s}, dilation={d}")
    if min(p) < 0 or any(2 * pi > di * (ki - 1) + 1 for pi, ki, di in zip(p, k, d)):
        raise ValueError(f"{op}: padding {p} must be between 0 and half the (dilated) kernel "
                         f"size {k} (dilation {d})")
    spatial = tuple(x.shape[2:])
    out = tuple(_out_size(spatial[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(3))
    if min(out) < 1:
        raise ValueError(f"{op}: input of spatial size {spatial} is too small for kernel_size="
                         f"{k}, padding={p}, dilation={d}: the output size would be {out}")
    extra = tuple(max((out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - spatial[i] - 2 * p[i], 0)
                  for i in range(3))
    return x, unbatched, k, s, p, d, out, extra


def _pad3d(x: Tensor, left: tuple, right: tuple, value: float) -> Tensor:
    if max(left) == 0 and max(right) == 0:
        return x
    return _pad(x, (left[2], right[2], left[1], right[1], left[0], right[0]), value=value)


def _windows3d(x: Tensor, k: tuple, s: tuple, d: tuple, out: tuple) -> Tensor:
    """The windows of padded (N, C, D, H, W) ``x`` as (N, C, kd*kh*kw, Do, Ho, Wo)."""
    parts = []
    for offsets in itertools.product(range(k[0]), range(k[1]), range(k[2])):
        key = [slice(None), slice(None)]
        for i in range(3):
            start = offsets[i] * d[i]
            key.append(slice(start, start + s[i] * (out[i] - 1) + 1, s[i]))
        parts.append(x[tuple(key)])
    return sh.stack(parts, axis=2)


def _max_pool3d(x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                ceil_mode: bool, return_indices: bool, op: str) -> Any:
    x, unbatched, k, s, p, d, out, extra = _setup3d(x, kernel_size, stride, padding,
                                                    dilation, ceil_mode, op)
    if x.dtype.kind not in "f":
        raise TypeError(f"{op}: expected a floating-point input, got dtype {x.dtype.name}")
    padded = _pad3d(x, p, tuple(pi + ei for pi, ei in zip(p, extra)), -math.inf)
    windows = _windows3d(padded, k, s, d, out)
    with no_grad():  # PyTorch's element: the first maximum, or the last NaN
        first = sh.expand_dims(window_index(namespace(), windows.detach()), axis=2)
    values = sh.squeeze(ix.take_along_axis(windows, first, axis=2), axis=2)
    values = values[0] if unbatched else values
    if not return_indices:
        return values
    with no_grad():
        first = sh.squeeze(first, axis=2)
        kd, kh, kw = first // (k[1] * k[2]), (first // k[2]) % k[1], first % k[2]
        coords = []
        for i, offset in enumerate((kd, kh, kw)):
            shape = [1, 1, 1, 1, 1]
            shape[2 + i] = -1
            base = sh.reshape(creation.arange(out[i], backend=x.backend, device=x.device),
                              tuple(shape))
            coords.append(base * s[i] - p[i] + offset * d[i])
        height, width = x.shape[3], x.shape[4]
        indices = ((coords[0] * height + coords[1]) * width + coords[2]).astype("int64")
        indices = indices[0] if unbatched else indices
    return values, indices


def max_pool3d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Maximum over sliding windows of (N, C, D, H, W) ``input`` (``stride`` defaults to
    the kernel).

    Padding counts as ``-inf``; the gradient goes to the first maximum of each window
    (in (d, h, w) order; the last NaN of a window with NaNs), as in PyTorch. With
    ``return_indices`` also returns the flat index ``(d * H + h) * W + w`` of that element
    in its input volume (int64).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.max_pool3d(ag.ones(1, 2, 4, 4, 4), 2).shape
    (1, 2, 2, 2, 2)
    """
    return _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, "max_pool3d")


def avg_pool3d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,  # noqa: A002
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding windows of (N, C, D, H, W) ``input``.

    Zero padding counts in the divisor unless ``count_include_pad=False``; windows that
    ``ceil_mode`` lets run past the padded input count only their cells inside it;
    ``divisor_override`` replaces the divisor (as PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.avg_pool3d(ag.ones(1, 1, 4, 4, 4), 2).shape
    (1, 1, 2, 2, 2)
    """
    op = "avg_pool3d"
    x, unbatched, k, s, p, d, out, extra = _setup3d(input, kernel_size, stride, padding, 1,
                                                    ceil_mode, op)
    require_floating(x, op, "avg_pool3d_out_frame")
    right = tuple(pi + ei for pi, ei in zip(p, extra))
    total = red.sum(_windows3d(_pad3d(x, p, right, 0.0), k, s, d, out), axis=2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero")
        result = total / divisor_override
    elif max(p) == 0 and max(extra) == 0:
        result = total / (k[0] * k[1] * k[2])
    else:
        with no_grad():  # how many cells of each window count (PyTorch's pool_size)
            ones = creation.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype,
                                 backend=x.backend, device=x.device)
            counted = _pad3d(ones, p, p, 1.0 if count_include_pad else 0.0)
            counted = _pad3d(counted, (0, 0, 0), extra, 0.0)
            counts = red.sum(_windows3d(counted, k, s, d, out), axis=2)
        result = total / counts
    return result[0] if unbatched else result


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average pooling of (N, C, D, H, W) ``input`` to ``output_size`` (an int, a triple;
    None keeps that size), with PyTorch's windows ``[floor(i*L/out), ceil((i+1)*L/out))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.adaptive_avg_pool3d(ag.ones(2, 3, 5, 7, 4), (1, 2, 2)).shape
    (2, 3, 1, 2, 2)
    """
    check_tensor(input, "adaptive_avg_pool3d")
    require_floating(input, "adaptive_avg_pool3d", "adaptive_avg_pool3d_cpu")
    return _adaptive_avg(input, output_size, 3, "adaptive_avg_pool3d")


def adaptive_max_pool3d(input: Tensor, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Any:
    """Max pooling of (N, C, D, H, W) ``input`` to ``output_size`` (PyTorch's adaptive
    windows); the gradient goes to the first maximum of each window (the last NaN of a
    window with NaNs). With ``return_indices`` also returns flat ``(d * H + h) * W + w``
    indices (int64).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.adaptive_max_pool3d(ag.ones(1, 2, 5, 5, 5), 2).shape
    (1, 2, 2, 2, 2)
    """
    op = "adaptive_max_pool3d"
    x, unbatched = batch(input, 3, op, _LAYOUT3)
    if x.dtype.kind not in "f":
        require_floating(x, op, "adaptive_max_pool3d_cpu")
    out = _adaptive_sizes(x, output_size, 3, op)
    nb, c, depth, height, width = x.shape
    values, indices = [], []
    for (ds, de), (hs, he), (ws, we) in itertools.product(
            _ranges(depth, out[0]), _ranges(height, out[1]), _ranges(width, out[2])):
        window = sh.reshape(x[:, :, ds:de, hs:he, ws:we], (nb, c, -1))
        with no_grad():  # PyTorch's choice: the first maximum, or the last NaN
            first = sh.reshape(window_index(namespace(), sh.reshape(
                window.detach(), (nb, c, -1, 1, 1))), (nb, c, 1))
            if return_indices:
                span_h, span_w = he - hs, we - ws
                fd, fh, fw = first // (span_h * span_w), (first // span_w) % span_h, \
                    first % span_w
                indices.append(((ds + fd) * height + hs + fh) * width + ws + fw)
        values.append(ix.take_along_axis(window, first, axis=2))
    shape = (nb, c) + out
    result = sh.reshape(sh.concat(values, axis=2), shape) if values else \
        creation.zeros(shape, dtype=x.dtype, backend=x.backend, device=x.device)
    result = result[0] if unbatched else result
    if not return_indices:
        return result
    with no_grad():
        idx = sh.reshape(sh.concat(indices, axis=2), shape).astype("int64") if indices else \
            creation.zeros(shape, dtype="int64", backend=x.backend, device=x.device)
        idx = idx[0] if unbatched else idx
    return result, idx


# ------------------------------------------------------------------ *_with_indices names
def max_pool1d_with_indices(input: Tensor, kernel_size: IntPair,  # noqa: A002
                            stride: IntPair | None = None, padding: IntPair = 0,
                            dilation: IntPair = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` returning ``(values, indices)`` whatever ``return_indices`` says
    (PyTorch's ``F.max_pool1d_with_indices``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.max_pool1d_with_indices(ag.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)[1].tolist()
    [[[1, 2]]]
    """
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: IntPair,  # noqa: A002
                            stride: IntPair | None = None, padding: IntPair = 0,
                            dilation: IntPair = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool2d` returning ``(values, indices)`` (flat ``h * W + w``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.max_pool2d_with_indices(ag.ones(1, 1, 4, 4), 2)[1].shape
    (1, 1, 2, 2)
    """
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: IntPair,  # noqa: A002
                            stride: IntPair | None = None, padding: IntPair = 0,
                            dilation: IntPair = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`max_pool3d` returning ``(values, indices)`` (flat ``(d * H + h) * W + w``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.max_pool3d_with_indices(ag.ones(1, 1, 2, 2, 2), 2)[1].tolist()
    [[[[[0]]]]]
    """
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: int,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d` returning ``(values, indices)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([[[1.0, 4.0, 2.0, 3.0]]])
    >>> ag.nn.functional.adaptive_max_pool1d_with_indices(x, 2)[1].tolist()
    [[[1, 3]]]
    """
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d` returning ``(values, indices)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.adaptive_max_pool2d_with_indices(ag.ones(1, 1, 4, 4), 2)[1].shape
    (1, 1, 2, 2)
    """
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool3d` returning ``(values, indices)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.adaptive_max_pool3d_with_indices(ag.ones(1, 1, 4, 4, 4), 2)[1].shape
    (1, 1, 2, 2, 2)
    """
    return adaptive_max_pool3d(input, output_size, True)


# ------------------------------------------------------------------------- max unpool
def _max_unpool(x: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any,
                output_size: Any, n: int, op: str) -> Tensor:
    check_tensor(x, op)
    check_tensor(indices, op)
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{op}: expected a {n + 2}-D input (N, C, spatial) or a {n + 1}-D "
                         f"unbatched input (C, spatial), got shape {x.shape}")
    if indices.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: indices must be an integer (int64) tensor, got dtype "
                           f"{indices.dtype.name}")
    if tuple(indices.shape) != tuple(x.shape):
        raise RuntimeError(f"{op}: expected the indices to have the input's shape "
                           f"{tuple(x.shape)}, got {tuple(indices.shape)}")
    k = ntuple(kernel_size, n, "kernel_size", op)
    s = k if stride is None else ntuple(stride, n, "stride", op)
    p = ntuple(padding, n, "padding", op)
    spatial = tuple(x.shape[-n:])
    default = tuple((spatial[i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(n))
    if output_size is None:
        size = default
    else:
        given = tuple(int(v) for v in output_size)
        if len(given) == n + 2 or (len(given) == n + 1 and x.ndim == n + 1):
            given = given[-n:]
        if len(given) != n:
            raise ValueError(f"{op}: output_size must have {n} or {n + 2} elements, got "
                             f"{len(given)} ({tuple(output_size)})")
        for i in range(n):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < given[i] < hi:
                raise ValueError(f"{op}: invalid output_size {given} (dim {i} must be between "
                                 f"{lo} and {hi}; the default is {default})")
        size = given
    lead = tuple(x.shape[:-n])
    volume = math.prod(size)
    flat_idx = sh.reshape(indices, (-1, math.prod(spatial)))
    if flat_idx.size and not bool(((flat_idx >= 0) & (flat_idx < volume)).all().item()):
        bad = int(red.max(flat_idx).item()) if bool((flat_idx >= volume).any().item()) else \
            int(red.min(flat_idx).item())
        raise RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are of "
                           f"size {'x'.join(str(v) for v in size)})")
    rows = flat_idx.shape[0]
    with no_grad():
        base = sh.reshape(creation.arange(rows, backend=x.backend, device=x.device),
                          (-1, 1)) * volume
        positions = sh.reshape(flat_idx.astype("int64") + base, (-1,))
    values = sh.reshape(x, (-1,))
    with no_grad():  # overlapping windows repeat an index: one value lands (the last)
        xp = namespace()
        order = xp.argsort(positions, stable=True)
        ordered = ix.take(positions, order, axis=0)
        last = creation.ones(ordered.shape, dtype="bool", backend=x.backend, device=x.device)
        repeated = bool(ordered.shape[0] > 1 and (ordered[1:] == ordered[:-1]).any().item())
    zeros = creation.zeros((rows * volume,), dtype=x.dtype, backend=x.backend,
                           device=x.device)
    if not repeated:
        return sh.reshape(ix.index_put(zeros, (positions,), values), lead + size)
    with no_grad():
        last = sh.concat([ordered[1:] != ordered[:-1], last[:1]], axis=0)
        keep = ix.take(order, xp.nonzero(last)[0], axis=0)
        landed = ix.index_put(zeros, (ix.take(positions, keep, axis=0),),
                              ix.take(values, keep, axis=0))
    # PyTorch's gradient gathers the output's gradient at every index, repeated or not: a
    # zero-valued scatter of the values carries it (finite values; exact forward values)
    finite = ew.where(ew.isfinite(values), values, 0.0)
    out = landed + ix.scatter_add(zeros, (positions,), finite - finite.detach())
    return sh.reshape(out, lead + size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: IntPair,  # noqa: A002
                 stride: IntPair | None = None, padding: IntPair = 0,
                 output_size: Any = None) -> Tensor:
    """Partial inverse of :func:`max_pool1d`: ``input`` placed at ``indices`` of a zero
    (N, C, L_out) tensor, ``L_out = (L - 1) * stride - 2 * padding + kernel_size`` unless
    ``output_size`` says otherwise (within one stride of it, as PyTorch). Where windows
    overlapped, an index can repeat: the last value in (N, C, position) order lands
    (PyTorch leaves which one unspecified).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> x = ag.tensor([[[1.0, 3.0, 2.0, 0.0]]])
    >>> values, idx = F.max_pool1d(x, 2, return_indices=True)
    >>> F.max_unpool1d(values, idx, 2).tolist()
    [[[0.0, 3.0, 2.0, 0.0]]]
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1,
                       "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: IntPair,  # noqa: A002
                 stride: IntPair | None = None, padding: IntPair = 0,
                 output_size: Any = None) -> Tensor:
    """Partial inverse of :func:`max_pool2d` (flat ``h * W + w`` indices).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> values, idx = F.max_pool2d(ag.ones(1, 1, 4, 4), 2, return_indices=True)
    >>> F.max_unpool2d(values, idx, 2).shape
    (1, 1, 4, 4)
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2,
                       "max_unpool2d")


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: IntPair,  # noqa: A002
                 stride: IntPair | None = None, padding: IntPair = 0,
                 output_size: Any = None) -> Tensor:
    """Partial inverse of :func:`max_pool3d` (flat ``(d * H + h) * W + w`` indices).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> values, idx = F.max_pool3d(ag.ones(1, 1, 2, 4, 4), 2, return_indices=True)
    >>> F.max_unpool3d(values, idx, 2).shape
    (1, 1, 2, 4, 4)
    """
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3,
                       "max_unpool3d")


# --------------------------------------------------------------------------- LP pool
def _lp_pool(x: Any, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool,
             n: int, op: str) -> Tensor:
    check_tensor(x, op)
    require_floating(x, op, "pow")
    k = ntuple(kernel_size, n, "kernel_size", op)
    if n == 1:
        pooled = avg_pool1d(x ** norm_type, k[0], stride, 0, ceil_mode)
    elif n == 2:
        pooled = avg_pool2d(x ** norm_type, k, stride, 0, ceil_mode)
    else:
        pooled = avg_pool3d(x ** norm_type, k, stride, 0, ceil_mode)
    # PyTorch: (sign(out) * relu(|out|)) * prod(kernel), then the 1/p power
    scaled = ew.sign(pooled) * ew.relu(ew.abs(pooled)) * math.prod(k)
    return scaled ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int,  # noqa: A002
              stride: IntPair | None = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling ``(sum over the window of x**p) ** (1/p)`` of (N, C, L)
    ``input`` (PyTorch's formula: through :func:`avg_pool1d` times the window size).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.lp_pool1d(ag.tensor([[[3.0, 4.0]]]), 2, 2).tolist()
    [[[5.0]]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: IntPair,  # noqa: A002
              stride: IntPair | None = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of NCHW ``input`` (see :func:`lp_pool1d`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.lp_pool2d(ag.ones(1, 1, 4, 4), 1, 2).tolist()[0][0][0]
    [4.0, 4.0]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d")


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: IntPair,  # noqa: A002
              stride: IntPair | None = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, D, H, W) ``input`` (see :func:`lp_pool1d`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.lp_pool3d(ag.ones(1, 1, 2, 2, 2), 1, 2).tolist()
    [[[[[8.0]]]]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, "lp_pool3d")
