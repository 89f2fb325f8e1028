"""Convolutions: ``conv1d``, ``conv2d``, ``conv3d`` and their transposes.

The 2-D ops (:mod:`arraygrad.ops.conv`) are the kernels; a 1-D convolution is a 2-D one
over a height-1 image, a 3-D one is a sum over the kernel's depth of 2-D convolutions of
depth slices (batched into one call each), so every backend kernel and every gradient
rule of the 2-D op serves all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.nn.functional._util import IntPair, check_tensor, ntuple
from arraygrad.nn.functional.padding import pad as _pad
from arraygrad.ops import shape as sh
from arraygrad.ops.conv import conv2d as _conv2d_op
from arraygrad.ops.conv import conv_transpose2d as _convt2d_op
from arraygrad.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc"]

_LAYOUT = {1: "L", 2: "H, W", 3: "D, H, W"}


def _check_input(x: Any, weight: Any, n: int, op: str, transposed: bool = False
                 ) -> tuple[Tensor, bool]:
    check_tensor(x, op)
    check_tensor(weight, op)
    if weight.ndim != n + 2:
        what = "in_channels, out_channels/groups" if transposed else \
            "out_channels, in_channels/groups"
        raise ValueError(f"{op}: weight must be {n + 2}-D ({what}, {_LAYOUT[n]} kernel), got "
                         f"shape {weight.shape}")
    if x.ndim == n + 1:
        return sh.expand_dims(x, axis=0), True
    if x.ndim != n + 2:
        raise ValueError(f"{op}: expected a {n + 2}-D input (N, C, {_LAYOUT[n]}) or a "
                         f"{n + 1}-D unbatched input (C, {_LAYOUT[n]}), got shape {x.shape}")
    return x, False


def _resolve_padding(padding: Any, kernel: Sequence[int], stride: tuple[int, ...],
                     dilation: tuple[int, ...], op: str) -> list[tuple[int, int]]:
    """(left, right) per spatial axis for an int, tuple, 'valid' or 'same' padding."""
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        raise ValueError(f"{op}: padding must be an int, a tuple of ints, 'valid' or 'same', "
                         f"got {padding!r}")
    p = ntuple(padding, n, "padding", op)
    if min(p) < 0:
        raise ValueError(f"{op}: padding must be >= 0, got {p}")
    return [(v, v) for v in p]


def _convnd(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
            dilation: Any, groups: int, n: int, op: str) -> Tensor:
    x, unbatched = _check_input(x, weight, n, op)
    stride_ = ntuple(stride, n, "stride", op)
    dilation_ = ntuple(dilation, n, "dilation", op)
    if min(stride_) < 1 or min(dilation_) < 1:
        raise ValueError(f"{op}: stride and dilation must be >= 1, got stride={stride_}, "
                         f"dilation={dilation_}")
    if not isinstance(groups, int) or groups < 1 or x.shape[1] % groups or \
            weight.shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels "
                         f"({x.shape[1]}) and output channels ({weight.shape[0]})")
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(f"{op}: input has {x.shape[1]} channels (shape {x.shape}) but the "
                         f"weight {weight.shape} with groups={groups} expects "
                         f"{weight.shape[1] * groups}")
    kernel = tuple(weight.shape[2:])
    pads = _resolve_padding(padding, kernel, stride_, dilation_, op)
    if any(left != right for left, right in pads):  # asymmetric ('same', even kernel)
        flat = [v for left, right in reversed(pads) for v in (left, right)]
        x = _pad(x, flat)
        pads = [(0, 0)] * n
    sym = tuple(left for left, _ in pads)
    for i, k in enumerate(kernel):
        if x.shape[2 + i] + 2 * sym[i] < dilation_[i] * (k - 1) + 1:
            raise ValueError(f"{op}: the (dilated) kernel {kernel} is larger than the padded "
                             f"input {tuple(x.shape[2:])} (padding {sym}, dilation "
                             f"{dilation_})")
    if n == 1:  # the bias is added by the 2-D op (into its product, when split)
        out = _conv2d_op(sh.expand_dims(x, axis=2), sh.expand_dims(weight, axis=2), bias,
                         stride=(1, stride_[0]), padding=(0, sym[0]),
                         dilation=(1, dilation_[0]), groups=groups)
        out = out[:, :, 0]
    elif n == 2:
        out = _conv2d_op(x, weight, bias, stride=_pair(stride_), padding=_pair(sym),
                         dilation=_pair(dilation_), groups=groups)
    else:
        out = _conv3d(x, weight, stride_, sym, dilation_, groups)
        if bias is not None:
            out = out + sh.reshape(bias, (1, -1) + (1,) * n)
    return out[0] if unbatched else out


def _pair(values: tuple[int, ...]) -> tuple[int, int]:
    """The two spatial entries of a 2-D convolution's stride/padding/dilation/size."""
    first, second = values
    return first, second


def _conv3d(x: Tensor, w: Tensor, stride: tuple[int, ...], padding: tuple[int, ...],
            dilation: tuple[int, ...], groups: int) -> Tensor:
    """Sum over the kernel depth of 2-D convolutions of strided depth slices."""
    if padding[0]:
        x = _pad(x, (0, 0, 0, 0, padding[0], padding[0]))
    nb, c, depth = x.shape[0], x.shape[1], x.shape[2]
    kd = w.shape[2]
    do = (depth - dilation[0] * (kd - 1) - 1) // stride[0] + 1
    xm = sh.moveaxis(x, 2, 1)  # (N, D, C, H, W)
    out = None
    for i in range(kd):
        start = i * dilation[0]
        piece = xm[:, start:start + stride[0] * (do - 1) + 1:stride[0]]
        piece = sh.reshape(piece, (nb * do, c) + tuple(x.shape[3:]))
        y = _conv2d_op(piece, w[:, :, i], stride=_pair(stride[1:]), padding=_pair(padding[1:]),
                       dilation=_pair(dilation[1:]), groups=groups)
        out = y if out is None else out + y
    assert out is not None  # kd >= 1 (checked by the weight's shape)
    out = sh.reshape(out, (nb, do) + tuple(out.shape[1:]))
    return sh.moveaxis(out, 1, 2)


def _conv_transpose3d(x: Tensor, w: Tensor, stride: tuple[int, ...], padding: tuple[int, ...],
                      dilation: tuple[int, ...], groups: int, size: tuple[int, ...]) -> Tensor:
    """Per kernel depth offset, one batched 2-D transposed convolution of all depth slices,
    spread ``stride`` apart (zeros between) and shifted by the offset; the sum cropped by
    the depth padding."""
    nb, c, depth = x.shape[0], x.shape[1], x.shape[2]
    kd, s, dd, p = w.shape[2], stride[0], dilation[0], padding[0]
    planes = sh.reshape(sh.moveaxis(x, 2, 1), (nb * depth, c) + tuple(x.shape[3:]))
    spread = (depth - 1) * s + 1
    full = (depth - 1) * s + dd * (kd - 1) + 1  # the uncropped output depth
    total = None
    for i in range(kd):
        y = _convt2d_op(planes, w[:, :, i], stride=_pair(stride[1:]),
                        padding=_pair(padding[1:]), dilation=_pair(dilation[1:]),
                        groups=groups, out_shape=_pair(size[1:]))
        y = sh.reshape(y, (nb, depth) + tuple(y.shape[1:]))  # (N, D, C_out, H', W')
        if s > 1:  # input depth i lands at i * stride
            y = _pad(sh.expand_dims(y, axis=2), (0, 0) * 3 + (0, s - 1))
            y = sh.reshape(y, (nb, depth * s) + tuple(y.shape[3:]))[:, :spread]
        y = _pad(y, (0, 0) * 3 + (i * dd, full - spread - i * dd))
        total = y if total is None else total + y
    assert total is not None  # kd >= 1 (checked by the weight's shape)
    if size[0] + p > full:  # output_padding beyond the padding: zeros at the end
        total = _pad(total, (0, 0) * 3 + (0, size[0] + p - full))
    return sh.moveaxis(total[:, p:p + size[0]], 1, 2)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) ``input`` with (O, C/groups, k) weight.

    ``padding`` may be an int, ``'valid'`` (none) or ``'same'`` (output length = input
    length; stride 1). An unbatched (C, L) input is accepted.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.conv1d(ag.ones(2, 3, 8), ag.ones(4, 3, 3), padding="same").shape
    (2, 4, 8)
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of NCHW ``input`` with OIHW ``weight``.

    Uses the backend's ``"conv2d"`` kernels when it has them (see
    :mod:`arraygrad.nn.functional`), else the portable im2col implementation. ``padding``
    may be ``'valid'`` or ``'same'``; an unbatched (C, H, W) input is accepted.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.conv2d(ag.ones(1, 2, 5, 5), ag.ones(3, 2, 3, 3), padding=1).shape
    (1, 3, 5, 5)
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
           stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1,
           groups: int = 1) -> Tensor:
    """3-D convolution of (N, C, D, H, W) ``input`` with (O, C/groups, kd, kh, kw) weight.

    Computed as ``kd`` batched 2-D convolutions (one per kernel depth offset), summed.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.conv3d(ag.ones(1, 2, 4, 5, 5), ag.ones(3, 2, 3, 3, 3)).shape
    (1, 3, 2, 3, 3)
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transposend(x: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                      padding: Any, output_padding: Any, groups: int, dilation: Any, n: int,
                      op: str) -> Tensor:
    x, unbatched = _check_input(x, weight, n, op, transposed=True)
    s = ntuple(stride, n, "stride", op)
    d = ntuple(dilation, n, "dilation", op)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints (PyTorch has no "
                         f"'same'/'valid' for transposed convolutions), got {padding!r}")
    p = ntuple(padding, n, "padding", op)
    op_ = ntuple(output_padding, n, "output_padding", op)
    if min(s) < 1 or min(d) < 1 or min(p) < 0 or min(op_) < 0:
        raise ValueError(f"{op}: stride and dilation must be >= 1, padding and output_padding "
                         f">= 0; got stride={s}, dilation={d}, padding={p}, "
                         f"output_padding={op_}")
    for i in range(n):
        if op_[i] >= s[i] and op_[i] >= d[i]:
            raise ValueError(f"{op}: output_padding {op_} must be smaller than either the "
                             f"stride {s} or the dilation {d}")
    if not isinstance(groups, int) or groups < 1 or x.shape[1] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels "
                         f"({x.shape[1]})")
    if x.shape[1] != weight.shape[0]:
        raise ValueError(f"{op}: input has {x.shape[1]} channels (shape {x.shape}) but the "
                         f"weight {weight.shape} expects {weight.shape[0]} (weight layout: "
                         f"in_channels, out_channels/groups, kernel)")
    kernel = tuple(weight.shape[2:])
    size = tuple((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (kernel[i] - 1) + op_[i] + 1
                 for i in range(n))
    if min(size) < 1:
        raise ValueError(f"{op}: the output size {size} of input {tuple(x.shape)} with kernel "
                         f"{kernel}, stride {s}, padding {p} is not positive")
    if n == 1:
        out = _convt2d_op(sh.expand_dims(x, axis=2), sh.expand_dims(weight, axis=2),
                          stride=(1, s[0]), padding=(0, p[0]), dilation=(1, d[0]),
                          groups=groups, out_shape=(1, size[0]))
        out = out[:, :, 0]
    elif n == 2:
        out = _convt2d_op(x, weight, stride=_pair(s), padding=_pair(p), dilation=_pair(d),
                          groups=groups, out_shape=_pair(size))
    else:
        out = _conv_transpose3d(x, weight, s, p, d, groups, size)
    if bias is not None:
        out = out + sh.reshape(bias, (1, -1) + (1,) * n)
    return out[0] if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                     groups: int = 1, dilation: IntPair = 1) -> Tensor:
    """1-D transposed convolution ("deconvolution") of (N, C_in, L) ``input``.

    ``weight`` is (C_in, C_out/groups, k); the output length is
    ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.conv_transpose1d(ag.ones(1, 2, 4), ag.ones(2, 3, 3), stride=2).shape
    (1, 3, 9)
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                     groups: int = 1, dilation: IntPair = 1) -> Tensor:
    """2-D transposed convolution of NCHW ``input`` with (C_in, C_out/groups, kh, kw) weight.

    The adjoint of :func:`conv2d`: it uses the backend's ``"conv2d_vjp_input"`` kernel
    when there is one.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.conv_transpose2d(ag.ones(1, 2, 4, 4), ag.ones(2, 3, 3, 3), stride=2, padding=1,
    ...                    output_padding=1).shape
    (1, 3, 8, 8)
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                     groups: int = 1, dilation: IntPair = 1) -> Tensor:
    """3-D transposed convolution of (N, C_in, D, H, W) ``input`` with (C_in,
    C_out/groups, kd, kh, kw) ``weight``: one batched 2-D transposed convolution per kernel
    depth offset (so the backend's 2-D kernels serve it), placed along the depth.

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.conv_transpose3d(ag.ones(1, 2, 3, 4, 4), ag.ones(2, 3, 3, 3, 3), stride=2).shape
    (1, 3, 7, 9, 9)
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 3, "conv_transpose3d")


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:  # noqa: A002
    """1-D convolution over a (time, batch, channels) ``input`` with a (kernel width,
    in_channels, out_channels) ``weight``: :func:`conv1d` in PyTorch's TBC layout.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.conv_tbc(ag.ones(7, 2, 3), ag.ones(3, 3, 4), ag.zeros(4), 1).shape
    (7, 2, 4)
    """
    for t in (input, weight, bias):
        check_tensor(t, "conv_tbc")
    if input.ndim != 3:
        raise RuntimeError(f"conv_tbc: Input must have 3 dims: time, batch, in_channel (got "
                           f"shape {tuple(input.shape)})")
    if weight.ndim != 3:
        raise RuntimeError(f"conv_tbc: Weight tensor must have 3 dims: kernel_width, "
                           f"in_channels, out_channels (got shape {tuple(weight.shape)})")
    if bias.ndim != 1:
        raise RuntimeError(f"conv_tbc: Bias must be 1-D (got shape {tuple(bias.shape)})")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(f"conv_tbc: Input dim 2 (input channels) is not == dim 1 in the "
                           f"weight tensor (input {tuple(input.shape)}, weight "
                           f"{tuple(weight.shape)})")
    if bias.shape[0] != weight.shape[2]:
        raise RuntimeError(f"conv_tbc: Bias size must equal dim 2 in the weight tensor (output "
                           f"channels): bias {tuple(bias.shape)}, weight {tuple(weight.shape)}")
    out = conv1d(sh.permute_dims(input, (1, 2, 0)), sh.permute_dims(weight, (2, 1, 0)), bias,
                 padding=pad)
    return sh.permute_dims(out, (2, 0, 1))
