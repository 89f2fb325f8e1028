"""Sliding blocks: ``unfold`` (im2col) and its adjoint ``fold`` (col2im), 4-D inputs
(N, C, H, W) and unbatched 3-D ones, as PyTorch's.

``unfold`` cuts the (zero-padded) image with two ``Tensor.unfold`` windows and keeps every
``dilation``-th element of each; ``fold`` sums the blocks back with one ``scatter_add``
into the padded image, at the positions ``unfold`` reads (found by unfolding a tensor of
flat positions), and crops the padding. Both are compositions of registered ops, so their
gradients come free and they run on every backend.
"""

from __future__ import annotations

from typing import Any

from arraygrad.creation import arange, zeros
from arraygrad.nn.functional._util import IntPair, check_tensor, pair
from arraygrad.nn.functional.padding import pad
from arraygrad.ops import shape as sh
from arraygrad.ops import torch_functions as tf
from arraygrad.tensor import Tensor

__all__ = ["unfold", "fold"]


def _params(op: str, kernel_size: IntPair, dilation: IntPair, padding: IntPair,
            stride: IntPair) -> tuple[tuple[int, int], ...]:
    k, d, p, s = (pair(kernel_size, "kernel_size", op), pair(dilation, "dilation", op),
                  pair(padding, "padding", op), pair(stride, "stride", op))
    for name, values, low in (("kernel_size", k, 1), ("dilation", d, 1), ("padding", p, 0),
                              ("stride", s, 1)):
        if min(values) < low:
            raise ValueError(f"{op}: {name} must be >= {low}, got {values}")
    return k, d, p, s


def _blocks(op: str, size: tuple[int, int], k: Any, d: Any, p: Any, s: Any) -> tuple[int, int]:
    counts = tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))
    if min(counts) < 1:
        raise RuntimeError(
            f"{op}: given an input of spatial size {size}, kernel_size={k}, dilation={d}, "
            f"padding={p}, stride={s}, the array of sliding blocks would have shape {counts}; "
            f"its components must be at least one")
    return counts[0], counts[1]


def _windows(x: Tensor, k: Any, d: Any, s: Any) -> Tensor:
    """(N, C, H, W) -> (N, C * kh * kw, L) of an already padded ``x``."""
    n, c = x.shape[0], x.shape[1]
    span = tuple(d[i] * (k[i] - 1) + 1 for i in range(2))
    w = tf.unfold(tf.unfold(x, 2, span[0], s[0]), 3, span[1], s[1])  # (N, C, Lh, Lw, sh, sw)
    if d != (1, 1):
        w = w[..., ::d[0], ::d[1]]
    lh, lw = w.shape[2], w.shape[3]
    return sh.reshape(sh.permute_dims(w, (0, 1, 4, 5, 2, 3)), (n, c * k[0] * k[1], lh * lw))


def unfold(input: Tensor, kernel_size: IntPair, dilation: IntPair = 1,  # noqa: A002
           padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Every ``kernel_size`` block of a (N, C, H, W) input as a column:
    (N, C * kh * kw, L), L the number of blocks (PyTorch's ``F.unfold``, im2col).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.unfold(ag.ones(1, 2, 4, 4), kernel_size=2, stride=2).shape
    (1, 8, 4)
    """
    op = "unfold"
    check_tensor(input, op)
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                         f"shape {input.shape}")
    k, d, p, s = _params(op, kernel_size, dilation, padding, stride)
    x = input if input.ndim == 4 else sh.expand_dims(input, axis=0)
    _blocks(op, (x.shape[2], x.shape[3]), k, d, p, s)
    if p != (0, 0):
        x = pad(x, (p[1], p[1], p[0], p[0]))
    out = _windows(x, k, d, s)
    return out if input.ndim == 4 else out[0]


def fold(input: Tensor, output_size: IntPair, kernel_size: IntPair,  # noqa: A002
         dilation: IntPair = 1, padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Sum (N, C * kh * kw, L) columns back into a (N, C, H, W) image of ``output_size``,
    overlapping blocks added (PyTorch's ``F.fold``, col2im; the adjoint of :func:`unfold`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.fold(F.unfold(ag.ones(1, 1, 3, 3), 2), (3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "fold"
    check_tensor(input, op)
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C * kh * kw, L) or 3-D (N, C * kh * kw, L) "
                         f"input, got shape {input.shape}")
    size = pair(output_size, "output_size", op)
    k, d, p, s = _params(op, kernel_size, dilation, padding, stride)
    cols = input if input.ndim == 3 else sh.expand_dims(input, axis=0)
    n, rows, blocks = cols.shape
    per_block = k[0] * k[1]
    if rows % per_block:
        raise RuntimeError(f"{op}: expected the input's size at dim 1 ({rows}) to be "
                           f"divisible by the product of kernel_size {k} ({per_block}); "
                           f"input shape {input.shape}")
    counts = _blocks(op, size, k, d, p, s)
    if counts[0] * counts[1] != blocks:
        raise RuntimeError(f"{op}: given output_size={size}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected {counts[0] * counts[1]} blocks "
                           f"({counts[0]} x {counts[1]}) at dim 2, but the input has {blocks} "
                           f"(shape {input.shape})")
    c = rows // per_block
    ph, pw = size[0] + 2 * p[0], size[1] + 2 * p[1]
    where = sh.reshape(arange(ph * pw, backend=cols.backend, device=cols.device), (1, 1, ph, pw))
    index = sh.reshape(_windows(where, k, d, s), (1, 1, per_block * blocks))
    index = sh.broadcast_to(index, (n, c, per_block * blocks))
    image = zeros((n, c, ph * pw), dtype=cols.dtype, backend=cols.backend, device=cols.device)
    image = tf.scatter_add(image, 2, index, sh.reshape(cols, (n, c, per_block * blocks)))
    image = sh.reshape(image, (n, c, ph, pw))[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]
    return image if input.ndim == 3 else image[0]
