"""Convolution, pooling and error-function kernels: the ops behind the neural-network
layers that the Array-API standard cannot express directly (2-D convolution, its
transpose, 2-D max pooling, and the error function for exact GELU).

All four are registered ops with their own VJPs. The 1-D and 3-D convolutions of
:mod:`arraygrad.nn.functional` are compositions of these 2-D ones. Everything here uses
only standard functions: a stride-1 convolution on raw arrays of a mutable backend is
im2col by contiguous shifted copies of a flat, channel-major layout plus one matmul for
the forward and for each gradient (the flat-shift kernels below); other convolutions are
im2col by strided slicing plus one matmul. A backend may supply faster kernels under the
names documented in :mod:`arraygrad.nn.functional` (``"conv2d"``, ``"conv2d_vjp_input"``,
``"conv2d_vjp_weight"``, ``"erf"``). The VJP rules take the strided-slicing code when they
run on Tensors (``create_graph=True``), so gradients of gradients stay exact.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from arraygrad.creation import full
from arraygrad.grad_mode import STATE
from arraygrad.ops.registry import apply, defop, unary
from arraygrad.tensor import Tensor

Pair = tuple[int, int]


def backend_kernel(xp: Any, name: str) -> Any:
    """The kernel ``name`` of the backend whose namespace is ``xp`` (None if absent).

    Returns None when ``xp`` is arraygrad's own namespace (rules running on Tensors).
    """
    backend = getattr(xp, "arraygrad_backend", None)
    return None if backend is None else backend.kernels.get(name)


def _full(xp: Any, like: Any, shape: tuple[int, ...], value: float) -> Any:
    if isinstance(like, Tensor):
        return full(shape, value, dtype=like.dtype, device=like.device, backend=like._backend)
    return xp.full(shape, value, dtype=like.dtype, device=like.device)


def pad2d(xp: Any, x: Any, padding: Pair, value: float = 0.0) -> Any:
    """Pad the last two axes of ``x`` by ``padding`` on each side with ``value`` (by concat)."""
    ph, pw = padding
    if ph:
        lead = tuple(x.shape[:-2])
        block = _full(xp, x, lead + (ph, x.shape[-1]), value)
        x = xp.concat([block, x, block], axis=-2)
    if pw:
        lead = tuple(x.shape[:-1])
        block = _full(xp, x, lead[:-1] + (x.shape[-2], pw), value)
        x = xp.concat([block, x, block], axis=-1)
    return x


def out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a convolution or pooling window along one axis."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _offset_key(i: int, j: int, ho: int, wo: int, stride: Pair, dilation: Pair) -> tuple:
    hs, ws = i * dilation[0], j * dilation[1]
    return (slice(None), slice(None), slice(hs, hs + stride[0] * (ho - 1) + 1, stride[0]),
            slice(ws, ws + stride[1] * (wo - 1) + 1, stride[1]))


def im2col(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
           pad_value: float = 0.0) -> Any:
    """Windows of ``x`` (N, C, H, W) as an array (N, C, kh*kw, Ho, Wo).

    One strided slice per kernel offset (a Python loop over kh*kw, never over pixels).
    """
    kh, kw = kernel
    ho = out_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
    wo = out_size(x.shape[3], kw, stride[1], padding[1], dilation[1])
    xpad = pad2d(xp, x, padding, pad_value)
    cols = [xpad[_offset_key(i, j, ho, wo, stride, dilation)]
            for i in range(kh) for j in range(kw)]
    return xp.stack(cols, axis=2)


def col2im(xp: Any, cols: Any, x_shape: tuple[int, ...], kernel: Pair, stride: Pair,
           padding: Pair, dilation: Pair) -> Any:
    """Adjoint of :func:`im2col`: sum window values (N, C, K, Ho, Wo) back into (N, C, H, W)."""
    n, c, h, w = x_shape
    kh, kw = kernel
    ho, wo = cols.shape[3], cols.shape[4]
    ph, pw = padding
    acc = _full(xp, cols, (n, c, h + 2 * ph, w + 2 * pw), 0.0)
    for i in range(kh):
        for j in range(kw):
            acc = xp.scatter_add(acc, _offset_key(i, j, ho, wo, stride, dilation),
                                 cols[:, :, i * kw + j, ...])
    return acc[:, :, ph:ph + h, pw:pw + w]


def conv2d_generic(xp: Any, x: Any, w: Any, stride: Pair, padding: Pair, dilation: Pair,
                   groups: int) -> Any:
    """Portable cross-correlation: ``x`` (N, C, H, W), ``w`` (O, C/groups, kh, kw)."""
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    cols = im2col(xp, x, (kh, kw), stride, padding, dilation)
    ho, wo = cols.shape[3], cols.shape[4]
    cols = xp.reshape(cols, (n, groups, cg * kh * kw, ho * wo))
    wmat = xp.reshape(w, (1, groups, o // groups, cg * kh * kw))
    out = xp.matmul(wmat, cols)  # (N, G, O/G, L)
    return xp.reshape(out, (n, o, ho, wo))


def conv2d_input_grad_generic(xp: Any, g: Any, w: Any, x_shape: tuple[int, ...], stride: Pair,
                              padding: Pair, dilation: Pair, groups: int) -> Any:
    """Gradient of :func:`conv2d_generic` with respect to its input."""
    n, c = x_shape[0], x_shape[1]
    o, cg, kh, kw = w.shape
    ho, wo = g.shape[2], g.shape[3]
    g3 = xp.reshape(g, (n, groups, o // groups, ho * wo))
    wmat = xp.reshape(w, (1, groups, o // groups, cg * kh * kw))
    dcols = xp.matmul(xp.matrix_transpose(wmat), g3)  # (N, G, Cg*K, L)
    dcols = xp.reshape(dcols, (n, c, kh * kw, ho, wo))
    return col2im(xp, dcols, tuple(x_shape), (kh, kw), stride, padding, dilation)


def conv2d_weight_grad_generic(xp: Any, g: Any, x: Any, w_shape: tuple[int, ...], stride: Pair,
                               padding: Pair, dilation: Pair, groups: int) -> Any:
    """Gradient of :func:`conv2d_generic` with respect to its weight."""
    n = x.shape[0]
    o, cg, kh, kw = w_shape
    cols = im2col(xp, x, (kh, kw), stride, padding, dilation)
    ho, wo = cols.shape[3], cols.shape[4]
    if groups == 1:  # one GEMM over batch and positions
        cols2 = xp.reshape(cols, (n, cg * kh * kw, ho * wo))
        g2 = xp.reshape(g, (n, o, ho * wo))
        dw = xp.tensordot(g2, cols2, axes=([0, 2], [0, 2]))
    else:
        cols4 = xp.reshape(cols, (n, groups, cg * kh * kw, ho * wo))
        g4 = xp.reshape(g, (n, groups, o // groups, ho * wo))
        dw = xp.sum(xp.matmul(g4, xp.matrix_transpose(cols4)), axis=0)
    return xp.reshape(dw, (o, cg, kh, kw))


# ------------------------------------------------------------- the flat-shift kernels
# A stride-1 convolution on raw arrays of a mutable backend, with long contiguous copies
# and one matrix product per kernel. The input is stored channel-major, one row per
# channel: (C, N+e, Hs, Ws) flattened to (C, (N+e)*Hs*Ws), each image's pixels at
# [ph:ph+H, pw:pw+W] and zeros elsewhere; the e images at the end are slack. Neighbouring
# rows and images share their zero padding: Ws = max(W + pw, Wo) (the right padding of a
# row is the left padding of the next), Hs = max(H + ph, Ho) likewise. Padded pixel
# (h', w') of image n is then row[n*Hs*Ws + h'*Ws + w'] (a read past a row or an image
# lands in the next one's padding, which is zero), and kernel offset (i, j) reads the row
# shifted by o = i*dh*Ws + j*dw: row[m + o] for the M = N*Hs*Ws positions m. At a position
# m = (n, h, w) with h < Ho and w < Wo that is the window's pixel, so the shifted rows
# stacked over the K offsets are im2col of every valid output position. The other
# positions read whatever comes next: their outputs are cut off, and where a gradient
# enters they carry zeros, so they add nothing.
# Each shifted row is one contiguous copy of M values (im2col of a small image by strided
# slices copies runs of Wo values, which costs more in loop overhead than in data), and
# the forward, the weight gradient and the input gradient are one matmul each.
class _FlatGeometry:
    """Sizes of the flat layout of an (N, C, H, W) input for a stride-1 kernel."""

    __slots__ = ("n", "c", "h", "w", "ph", "pw", "hs", "ws", "ho", "wo", "m", "offsets",
                 "slack")

    def __init__(self, x_shape: tuple[int, ...], kernel: Pair, padding: Pair,
                 dilation: Pair) -> None:
        self.n, self.c, self.h, self.w = x_shape
        self.ph, self.pw = padding
        self.ho = self.h + 2 * self.ph - dilation[0] * (kernel[0] - 1)
        self.wo = self.w + 2 * self.pw - dilation[1] * (kernel[1] - 1)
        self.hs = max(self.h + self.ph, self.ho)
        self.ws = max(self.w + self.pw, self.wo)
        image = self.hs * self.ws
        self.m = self.n * image
        self.offsets = [i * dilation[0] * self.ws + j * dilation[1]
                        for i in range(kernel[0]) for j in range(kernel[1])]
        self.slack = -(-self.offsets[-1] // image)  # images past the last one read


def _flat_ok(xp: Any, stride: Pair, *arrays: Any) -> bool:
    """Whether the flat-shift kernels apply: a stride-1 convolution of raw arrays on a
    backend whose arrays can be written in place (Tensors take the portable code)."""
    if stride != (1, 1):
        return False
    backend = getattr(xp, "arraygrad_backend", None)
    return backend is not None and backend.mutable and \
        not any(isinstance(a, Tensor) for a in arrays)


def _flat_cols(xp: Any, x: Any, geo: _FlatGeometry) -> Any:
    """im2col of ``x`` in the flat layout: (C, K, M)."""
    buf = xp.zeros((geo.c, geo.n + geo.slack, geo.hs, geo.ws), dtype=x.dtype,
                   device=x.device)
    buf[:, :geo.n, geo.ph:geo.ph + geo.h, geo.pw:geo.pw + geo.w] = \
        xp.permute_dims(x, (1, 0, 2, 3))
    rows = xp.reshape(buf, (geo.c, (geo.n + geo.slack) * geo.hs * geo.ws))
    m = geo.m
    return xp.stack([rows[:, o:o + m] for o in geo.offsets], axis=1)


def _flat_grad(xp: Any, g: Any, geo: _FlatGeometry) -> Any:
    """The output gradient (N, O, Ho, Wo) in the flat layout, zero elsewhere: (O, M)."""
    o = g.shape[1]
    buf = xp.zeros((o, geo.n, geo.hs, geo.ws), dtype=g.dtype, device=g.device)
    buf[:, :, :geo.ho, :geo.wo] = xp.permute_dims(g, (1, 0, 2, 3))
    return xp.reshape(buf, (o, geo.m))


def _from_flat(xp: Any, flat: Any, geo: _FlatGeometry, rows: slice, cols: slice) -> Any:
    """(N, ch, ...) from a flat (ch, M) array: the window ``rows, cols`` of each image, as a
    C-contiguous array (a reshape that cannot be a view copies in C order)."""
    ch = flat.shape[0]
    part = xp.reshape(flat, (ch, geo.n, geo.hs, geo.ws))[:, :, rows, cols]
    part = xp.permute_dims(part, (1, 0, 2, 3))
    h, w = part.shape[2], part.shape[3]
    return xp.reshape(xp.reshape(part, (geo.n, ch, h * w)), (geo.n, ch, h, w))


def _grouped(xp: Any, a: Any, groups: int) -> Any:
    """(rows, cols) ``a`` as (groups, rows/groups, cols); 2-D as it is for one group (a
    stacked matmul with a batch of one is a slower path than the plain one in NumPy)."""
    if groups == 1:
        return a
    return xp.reshape(a, (groups, a.shape[0] // groups, a.shape[1]))


def _flat_conv(xp: Any, x: Any, w: Any, padding: Pair, dilation: Pair, groups: int) -> Any:
    o, cg, kh, kw = w.shape
    geo = _FlatGeometry(tuple(x.shape), (kh, kw), padding, dilation)
    cols = _grouped(xp, xp.reshape(_flat_cols(xp, x, geo), (geo.c * kh * kw, geo.m)), groups)
    out = xp.matmul(_grouped(xp, xp.reshape(w, (o, cg * kh * kw)), groups), cols)
    return _from_flat(xp, xp.reshape(out, (o, geo.m)), geo, slice(0, geo.ho),
                      slice(0, geo.wo))


def _flat_conv_weight_grad(xp: Any, g: Any, x: Any, w_shape: tuple[int, ...], padding: Pair,
                           dilation: Pair, groups: int) -> Any:
    o, cg, kh, kw = w_shape
    geo = _FlatGeometry(tuple(x.shape), (kh, kw), padding, dilation)
    cols = _grouped(xp, xp.reshape(_flat_cols(xp, x, geo), (geo.c * kh * kw, geo.m)), groups)
    gf = _grouped(xp, _flat_grad(xp, g, geo), groups)
    dw = xp.matmul(gf, xp.matrix_transpose(cols))  # ([G,] O/G, Cg*K)
    return xp.reshape(dw, (o, cg, kh, kw))


def _flat_conv_input_grad(xp: Any, g: Any, w: Any, x_shape: tuple[int, ...], padding: Pair,
                          dilation: Pair, groups: int) -> Any:
    o, cg, kh, kw = w.shape
    geo = _FlatGeometry(tuple(x_shape), (kh, kw), padding, dilation)
    gf = _grouped(xp, _flat_grad(xp, g, geo), groups)
    wmat = _grouped(xp, xp.reshape(w, (o, cg * kh * kw)), groups)
    dcols = xp.reshape(xp.matmul(xp.matrix_transpose(wmat), gf), (geo.c, kh * kw, geo.m))
    return _flat_col2im(xp, dcols, geo)


def _flat_col2im(xp: Any, dcols: Any, geo: _FlatGeometry) -> Any:
    """Adjoint of :func:`_flat_cols`: (C, K, M) window values summed back into (N, C, H, W)."""
    acc = xp.zeros((geo.c, (geo.n + geo.slack) * geo.hs * geo.ws), dtype=dcols.dtype,
                   device=dcols.device)
    m = geo.m
    for k, off in enumerate(geo.offsets):  # add each offset's rows, shifted back
        acc = xp.scatter_add(acc, (slice(None), slice(off, off + m)), dcols[:, k, :])
    return _from_flat(xp, acc[:, :m], geo, slice(geo.ph, geo.ph + geo.h),
                      slice(geo.pw, geo.pw + geo.w))


def _conv_forward(xp, x, w, stride, padding, dilation, groups):
    kernel = backend_kernel(xp, "conv2d")
    if kernel is not None:
        return kernel(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if _flat_ok(xp, stride, x, w):
        return _flat_conv(xp, x, w, padding, dilation, groups)
    return conv2d_generic(xp, x, w, stride, padding, dilation, groups)


def _conv_vjp_input(xp, g, ans, x, w, stride, padding, dilation, groups):
    shape = tuple(x.shape)
    kernel = None if isinstance(g, Tensor) else backend_kernel(xp, "conv2d_vjp_input")
    if kernel is not None:
        return kernel(g, w, shape, stride=stride, padding=padding, dilation=dilation,
                      groups=groups)
    if _flat_ok(xp, stride, g, w):
        return _flat_conv_input_grad(xp, g, w, shape, padding, dilation, groups)
    return conv2d_input_grad_generic(xp, g, w, shape, stride, padding, dilation, groups)


def _conv_vjp_weight(xp, g, ans, x, w, stride, padding, dilation, groups):
    shape = tuple(w.shape)
    kernel = None if isinstance(g, Tensor) else backend_kernel(xp, "conv2d_vjp_weight")
    if kernel is not None:
        return kernel(g, x, shape, stride=stride, padding=padding, dilation=dilation,
                      groups=groups)
    if _flat_ok(xp, stride, g, x):
        return _flat_conv_weight_grad(xp, g, x, shape, padding, dilation, groups)
    return conv2d_weight_grad_generic(xp, g, x, shape, stride, padding, dilation, groups)


CONV2D = defop("conv2d", _conv_forward, (_conv_vjp_input, _conv_vjp_weight),
               doc="2-D cross-correlation, NCHW input and OIHW weight.")


# ------------------------------------------------------- the flat-shift convolution, split
# While gradients are recorded, a stride-1 convolution on a mutable backend without conv
# kernels is three ops instead of CONV2D: im2col of the input in the flat layout (the
# columns), the matrix product with the weight, and the crop of the flat product to
# (N, O, Ho, Wo). The product saves the columns, so the weight gradient does not rebuild
# them, and the crop's gradient (the output gradient in the flat layout) is made once for
# both products of the backward. The values are those of CONV2D's flat kernels, bit for
# bit: the same kernel calls, minus the repeated ones. Each linear op's rule on Tensors
# (create_graph=True) is its adjoint op, so every order of gradient is exact.
def _geometry(x_shape: tuple[int, ...], kernel: Pair, padding: Pair,
              dilation: Pair) -> _FlatGeometry:
    return _FlatGeometry(x_shape, kernel, padding, dilation)


def _im2col_forward(xp, x, x_shape, kernel, padding, dilation, groups):
    geo = _geometry(x_shape, kernel, padding, dilation)
    return _grouped(xp, xp.reshape(_flat_cols(xp, x, geo), (geo.c * len(geo.offsets), geo.m)),
                    groups)


def _col2im_forward(xp, cols, x_shape, kernel, padding, dilation, groups):
    geo = _geometry(x_shape, kernel, padding, dilation)
    return _flat_col2im(xp, xp.reshape(cols, (geo.c, len(geo.offsets), geo.m)), geo)


def _crop_forward(xp, flat, x_shape, kernel, padding, dilation, groups):
    geo = _geometry(x_shape, kernel, padding, dilation)
    o = flat.shape[0] * flat.shape[1] if groups > 1 else flat.shape[0]
    return _from_flat(xp, xp.reshape(flat, (o, geo.m)), geo, slice(0, geo.ho),
                      slice(0, geo.wo))


def _uncrop_forward(xp, g, x_shape, kernel, padding, dilation, groups):
    geo = _geometry(x_shape, kernel, padding, dilation)
    return _grouped(xp, _flat_grad(xp, g, geo), groups)


# Each rule: the adjoint's kernel on raw arrays, the adjoint op on Tensors.
def _im2col_vjp(xp, g, ans, x, **params):
    if isinstance(g, Tensor):
        return apply(CONV2D_COL2IM, (g,), params)
    return _col2im_forward(xp, g, **params)


def _col2im_vjp(xp, g, ans, cols, **params):
    if isinstance(g, Tensor):
        return apply(CONV2D_IM2COL, (g,), params)
    return _im2col_forward(xp, g, **params)


def _crop_vjp(xp, g, ans, flat, **params):
    if isinstance(g, Tensor):
        return apply(CONV2D_UNCROP, (g,), params)
    return _uncrop_forward(xp, g, **params)


def _uncrop_vjp(xp, g, ans, a, **params):
    if isinstance(g, Tensor):
        return apply(CONV2D_CROP, (g,), params)
    return _crop_forward(xp, g, **params)


def _wmat(xp: Any, w: Any, cols: Any) -> Any:
    """The weight (O, C/groups, kh, kw) as the matrix of the product with ``cols``."""
    groups = cols.shape[0] if cols.ndim == 3 else 1
    return _grouped(xp, xp.reshape(w, (w.shape[0], math.prod(w.shape[1:]))), groups)


def _gemm_forward(xp, w, cols, x, bias):
    # x: the convolution's input, here only so that an in-place write to it before
    # backward raises as it does for CONV2D (and PyTorch), although the columns hold its
    # values. bias: None, or added at every position of the flat product (also at those
    # that are cropped away), so that its gradient sums contiguous rows.
    out = xp.matmul(_wmat(xp, w, cols), cols)
    if bias is None:
        return out
    return out + xp.reshape(bias, tuple(out.shape[:-1]) + (1,))


def _gemm_vjp_weight(xp, g, ans, w, cols, x, bias):
    return xp.reshape(xp.matmul(g, xp.matrix_transpose(cols)), tuple(w.shape))


def _gemm_vjp_cols(xp, g, ans, w, cols, x, bias):
    return xp.matmul(xp.matrix_transpose(_wmat(xp, w, cols)), g)


def _gemm_vjp_bias(xp, g, ans, w, cols, x, bias):
    return xp.reshape(xp.sum(g, axis=-1), tuple(bias.shape))


CONV2D_IM2COL = defop("conv2d_im2col", _im2col_forward, (_im2col_vjp,), checks_inputs=False,
                      doc="Columns of a stride-1 conv2d's input in the flat layout.")
CONV2D_COL2IM = defop("conv2d_col2im", _col2im_forward, (_col2im_vjp,), checks_inputs=False,
                      doc="Adjoint of conv2d_im2col (window values summed back).")
CONV2D_CROP = defop("conv2d_crop", _crop_forward, (_crop_vjp,), checks_inputs=False,
                    doc="A flat-layout conv2d product cropped to (N, O, Ho, Wo).")
CONV2D_UNCROP = defop("conv2d_uncrop", _uncrop_forward, (_uncrop_vjp,), checks_inputs=False,
                      doc="Adjoint of conv2d_crop (zeros outside the outputs).")
CONV2D_GEMM = defop("conv2d_gemm", _gemm_forward,
                    (_gemm_vjp_weight, _gemm_vjp_cols, None, _gemm_vjp_bias),
                    doc="The weight times a stride-1 conv2d's columns (flat layout), plus "
                        "the bias.")

# The split keeps the columns (kh*kw times the input) until backward: above this size the
# single op, which rebuilds them for the weight gradient, holds less memory.
SPLIT_COLS_LIMIT = 1 << 24  # bytes


def _split(x: Any, weight: Any, bias: Any, stride: Pair, groups: int) -> bool:
    """Whether ``conv2d(x, weight, bias)`` takes the split flat-shift ops (see above)."""
    if stride != (1, 1) or not isinstance(x, Tensor) or not isinstance(weight, Tensor) or \
            not STATE.enabled:
        return False
    if not (x.requires_grad or weight.requires_grad or
            (isinstance(bias, Tensor) and bias.requires_grad)):
        return False
    backend = x._backend
    if weight._backend is not backend or not backend.mutable or "conv2d" in backend.kernels:
        return False
    xs, ws = x.shape, weight.shape
    if len(xs) != 4 or len(ws) != 4 or xs[1] != ws[1] * groups or ws[0] % groups:
        return False  # CONV2D says what is wrong
    if bias is not None and (not isinstance(bias, Tensor) or tuple(bias.shape) != (ws[0],)
                             or bias._backend is not backend):
        return False  # the addition says what is wrong
    k = ws[2] * ws[3]
    return k * math.prod(xs) * x.dtype.bits // 8 <= SPLIT_COLS_LIMIT


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, *, stride: Pair = (1, 1),
           padding: Pair = (0, 0), dilation: Pair = (1, 1), groups: int = 1) -> Tensor:
    """2-D cross-correlation, plus ``bias`` (O,) when given (see
    :func:`arraygrad.nn.functional.conv2d`)."""
    if _split(x, weight, bias, stride, groups):
        params = {"x_shape": tuple(x.shape), "kernel": (weight.shape[2], weight.shape[3]),
                  "padding": padding, "dilation": dilation, "groups": groups}
        cols = apply(CONV2D_IM2COL, (x,), params)
        held = x.detach() if x.requires_grad else x  # versions only: no gradient edge
        return apply(CONV2D_CROP, (apply(CONV2D_GEMM, (weight, cols, held, bias)),), params)
    out = apply(CONV2D, (x, weight), {"stride": stride, "padding": padding,
                                      "dilation": dilation, "groups": groups})
    return out if bias is None else out + bias.reshape((1, -1, 1, 1))


# --------------------------------------------------------------------- transposed conv
# conv_transpose2d(x, w) is the adjoint of conv2d with the same weight: the weight of
# shape (C_in, C_out / groups, kh, kw) is, read as a conv2d weight, a map from C_out to
# C_in channels. So the forward is conv2d's input gradient, the input's VJP is conv2d
# itself and the weight's VJP is conv2d's weight gradient with input and output swapped.
def _convt_forward(xp, x, w, stride, padding, dilation, groups, out_shape):
    n = x.shape[0]
    shape = (n, w.shape[1] * groups) + tuple(out_shape)
    return _conv_vjp_input(xp, x, None, _Shaped(shape), w, stride, padding, dilation, groups)


class _Shaped:
    """Stands in for an array of which a rule reads only the shape."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape


def _convt_vjp_input(xp, g, ans, x, w, stride, padding, dilation, groups, out_shape):
    return _conv_forward(xp, g, w, stride, padding, dilation, groups)


def _convt_vjp_weight(xp, g, ans, x, w, stride, padding, dilation, groups, out_shape):
    return _conv_vjp_weight(xp, x, None, g, w, stride, padding, dilation, groups)


CONV_TRANSPOSE2D = defop(
    "conv_transpose2d", _convt_forward, (_convt_vjp_input, _convt_vjp_weight),
    doc="2-D transposed convolution (the adjoint of conv2d), NCHW input, IOHW weight.")


def conv_transpose2d(x: Tensor, weight: Tensor, *, stride: Pair = (1, 1),
                     padding: Pair = (0, 0), dilation: Pair = (1, 1), groups: int = 1,
                     out_shape: Pair) -> Tensor:
    """2-D transposed convolution without bias to spatial size ``out_shape``.

    See :func:`arraygrad.nn.functional.conv_transpose2d`.
    """
    return apply(CONV_TRANSPOSE2D, (x, weight), {
        "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
        "out_shape": tuple(out_shape)})


# --------------------------------------------------------------------------- max pool
# max_pool2d over an input that is already padded (with -inf, by the functional): windows
# of ``kernel`` at ``stride`` with ``dilation``, as many as fit. The gradient goes where
# PyTorch's kernel sends it: to the first maximum of each window in row-major order (it
# matters for ties, e.g. the zeros after a ReLU), or to the last NaN of a window with NaNs.
def _tiles(kernel: Pair, stride: Pair, dilation: Pair) -> bool:
    """Whether the windows tile the input: no overlap and no gaps (kernel == stride)."""
    return kernel == stride and dilation == (1, 1)


# When the windows tile the input, a window is kh rows of kw neighbours, and both scans
# run over flat strided views, so every kernel call is one long loop (never a loop over
# rows of Wo values): the input as one flat array read at stride kw (the j-th element of
# every row of every window), then the row maxima as (rows, kh, Wo) read along kh.
def _tile_parts(xp: Any, x: Any, kernel: Pair) -> tuple[list, tuple[int, ...]]:
    """The kw flat views of a tiling pool's input (a trailing remainder cut off first),
    and the shape (N, C, Ho, Wo)."""
    n, c, h, w = x.shape
    kh, kw = kernel
    ho, wo = h // kh, w // kw
    if (ho * kh, wo * kw) != (h, w):
        x = x[:, :, :ho * kh, :wo * kw]
    flat = xp.reshape(x, (n * c * ho * kh * wo * kw,))
    return [flat[j::kw] for j in range(kw)], (n, c, ho, wo)


def _row_parts(xp: Any, rowmax: Any, kernel: Pair, shape: tuple[int, ...]) -> list:
    """The kh views (N*C*Ho, Wo) of the row maxima (N*C*Ho*kh*Wo,), one per window row."""
    n, c, ho, wo = shape
    rows = xp.reshape(rowmax, (n * c * ho, kernel[0], wo))
    return [rows[:, i, :] for i in range(kernel[0])]


def _first_max(xp: Any, parts: list, need_max: bool = True) -> tuple[Any, Any]:
    """Elementwise maximum of ``parts`` and which part PyTorch's max pooling picks,
    scanning in order: a later part wins if it is strictly greater or NaN (so ties go to
    the first maximum and NaNs to the last NaN). The choice is None for one part, a bool
    array (True: the second) for two, an int64 index for more. Without ``need_max`` the
    maximum is not computed past what the choice needs (None is returned for it)."""
    best, index = parts[0], None
    for j in range(1, len(parts)):
        part = parts[j]
        take = xp.logical_or(part > best, part != part)
        if index is None:
            index = take
        else:
            if j == 2:
                index = xp.astype(index, xp.int64)
            index = xp.where(take, j, index)
        if need_max or j < len(parts) - 1:
            best = xp.maximum(best, part)
    return (best if need_max else None), index


def window_index(xp: Any, windows: Any) -> Any:
    """The position (0 .. K-1, int64) in each window of (N, C, K, Ho, Wo) ``windows`` that
    max pooling's gradient goes to (see :func:`_first_max`)."""
    k = windows.shape[2]
    _, index = _first_max(xp, [windows[:, :, j, ...] for j in range(k)], need_max=False)
    if index is None:
        return xp.astype(xp.zeros_like(windows[:, :, 0, ...]), xp.int64)
    return xp.astype(index, xp.int64)


def _route(xp: Any, g: Any, index: Any, k: int, axis: int) -> Any:
    """``g`` sent to the part of ``k`` that ``index`` (from :func:`_first_max`) names, the
    parts stacked along ``axis``."""
    if index is None:  # a single part
        return xp.expand_dims(g, axis=axis)
    zero = xp.zeros_like(g)
    if k == 2:
        parts = [xp.where(index, zero, g), xp.where(index, g, zero)]
    else:
        parts = [xp.where(index == j, g, zero) for j in range(k)]
    return xp.stack(parts, axis=axis)


def _pad_to(xp: Any, a: Any, h: int, w: int) -> Any:
    """``a`` (N, C, h', w') extended with zeros at the bottom and right to (N, C, h, w)."""
    n, c, ha, wa = a.shape
    if ha < h:
        a = xp.concat([a, _full(xp, a, (n, c, h - ha, wa), 0.0)], axis=2)
    if wa < w:
        a = xp.concat([a, _full(xp, a, (n, c, h, w - wa), 0.0)], axis=3)
    return a


def _max_pool_forward(xp, x, kernel, stride, dilation):
    if _tiles(kernel, stride, dilation):
        cols, shape = _tile_parts(xp, x, kernel)
        rowmax = cols[0]
        for col in cols[1:]:
            rowmax = xp.maximum(rowmax, col)
        out = None
        for row in _row_parts(xp, rowmax, kernel, shape):
            out = row if out is None else xp.maximum(out, row)
        return xp.reshape(out, shape)
    return xp.max(im2col(xp, x, kernel, stride, (0, 0), dilation), axis=2)


def _tile_scatter(xp: Any, g: Any, row_index: Any, col_index: Any, kernel: Pair,
                  shape: tuple[int, ...]) -> Any:
    """A tiling pool's gradient on raw arrays: ``g`` added at the flat position of each
    window's chosen element in a zero (N*C*Ho*kh*Wo*kw,) array (one scatter; routing by
    ``where`` and ``stack`` writes every element twice over, once per scan).
    ``col_index``: the chosen column of each row of each window (flat, row maxima order);
    ``row_index``: the chosen row, read at each window's first row maximum."""
    n, c, ho, wo = shape
    kh, kw = kernel
    q = n * c * ho
    i64 = xp.int64
    dev = getattr(g, "device", None)  # (a JAX tracer has none: default device)
    # p = (window row, window column) -> where that window's row 0 starts among the row
    # maxima: p + (kh - 1) * Wo * (p // Wo). Flat and contiguous: a (Q, Wo) broadcast
    # costs a loop per row of Wo values.
    p = xp.arange(q * wo, dtype=i64, device=dev)
    pos = p + (p // wo) * ((kh - 1) * wo) if kh > 1 else p
    if row_index is not None:  # the chosen row's maximum (row_index: at every row maximum)
        chosen = xp.take(row_index, pos)
        pos = pos + (xp.astype(chosen, i64) if kh == 2 else chosen) * wo
    el = pos * kw  # the flat input position of the chosen row's first element
    if col_index is not None:
        el = el + xp.astype(xp.take(col_index, pos), i64)
    zero = xp.zeros((q * kh * wo * kw,), dtype=g.dtype, device=dev)
    return xp.scatter_add(zero, el, xp.reshape(g, (q * wo,)))


def _max_pool_vjp(xp, g, ans, x, kernel, stride, dilation):
    n, c, h, w = x.shape
    kh, kw = kernel
    if _tiles(kernel, stride, dilation) and not isinstance(g, Tensor):
        cols, shape = _tile_parts(xp, x, kernel)
        rowmax, col_index = _first_max(xp, cols, need_max=kh > 1)
        ho, wo = shape[2], shape[3]
        row_index = None
        if kh > 1:  # the row scan over whole shifted copies of the row maxima (contiguous):
            # at each window's row 0 it compares that window's rows; elsewhere, unused
            span = rowmax.shape[0] - (kh - 1) * wo
            _, row_index = _first_max(xp, [rowmax[i * wo:i * wo + span] for i in range(kh)],
                                      need_max=False)
        flat = _tile_scatter(xp, g, row_index, col_index, kernel, shape)
        return _pad_to(xp, xp.reshape(flat, (n, c, ho * kh, wo * kw)), h, w)
    if _tiles(kernel, stride, dilation):
        cols, shape = _tile_parts(xp, x, kernel)
        rowmax, col_index = _first_max(xp, cols)
        _, row_index = _first_max(xp, _row_parts(xp, rowmax, kernel, shape), need_max=False)
        ho, wo = shape[2], shape[3]
        g_rows = _route(xp, xp.reshape(g, (n * c * ho, wo)), row_index, kh, 1)
        g_cols = _route(xp, xp.reshape(g_rows, (n * c * ho * kh * wo,)), col_index, kw, 1)
        return _pad_to(xp, xp.reshape(g_cols, (n, c, ho * kh, wo * kw)), h, w)
    windows = im2col(xp, x, kernel, stride, (0, 0), dilation)  # (N, C, K, Ho, Wo)
    _, index = _first_max(xp, [windows[:, :, j, ...] for j in range(kh * kw)],
                          need_max=False)
    dwin = _route(xp, g, index, kh * kw, 2)
    return col2im(xp, dwin, tuple(x.shape), kernel, stride, (0, 0), dilation)


MAX_POOL2D = defop("max_pool2d", _max_pool_forward, (_max_pool_vjp,),
                   doc="2-D max pooling of an already padded NCHW input.")


def max_pool2d(x: Tensor, *, kernel: Pair, stride: Pair, dilation: Pair) -> Tensor:
    """Max pooling of an already padded NCHW ``x`` (every window that fits).

    See :func:`arraygrad.nn.functional.max_pool2d`, which pads and sizes the input.
    """
    return apply(MAX_POOL2D, (x,), {"kernel": kernel, "stride": stride, "dilation": dilation})


def _max_pool_batch(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """vmap: the batch folds into N."""
    (x,) = args
    out = apply(op, (x.reshape((size * x.shape[1],) + tuple(x.shape[2:])),), params)
    return out.reshape((size, x.shape[1]) + tuple(out.shape[1:]))


MAX_POOL2D.batch = _max_pool_batch


# ------------------------------------------------------------------------------- erf
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


_ERF_STEP = 0.5  # the pieces' centres: 0, 0.5, 1, ... (each covers +-0.25 around it)


@functools.lru_cache(maxsize=4)
def _erf_taylor_table(limit: float, degree: int) -> tuple[tuple[float, ...], ...]:
    """Taylor coefficients of erf around the centres ``0, 0.5, ..., limit``: row ``n`` holds
    each centre's ``n``-th coefficient. erf's derivatives are Hermite polynomials times a
    Gaussian, ``erf^(n)(c) = 2/sqrt(pi) (-1)^(n-1) H_(n-1)(c) exp(-c^2)``, and the values
    at the centres come from the C library (``math.erf``)."""
    centres = [_ERF_STEP * k for k in range(round(limit / _ERF_STEP) + 1)]
    rows = [[0.0] * len(centres) for _ in range(degree + 1)]
    for i, c in enumerate(centres):
        rows[0][i] = math.erf(c)
        gauss = _TWO_OVER_SQRT_PI * math.exp(-c * c)
        h_before, h = 0.0, 1.0  # H_(n-2), H_(n-1)
        factorial = 1.0
        for n in range(1, degree + 1):
            factorial *= n
            rows[n][i] = (-1) ** (n - 1) * h * gauss / factorial
            h_before, h = h, 2.0 * c * h - 2.0 * (n - 1) * h_before
    return tuple(tuple(r) for r in rows)


def erf_generic(xp: Any, x: Any) -> Any:
    """erf by piecewise Taylor polynomials of ``|x|`` around ``0, 0.5, 1, ...``, each used
    within 0.25 of its centre (degree 18 in float64, 9 in float32: the remainder is below
    the dtype's precision there), evaluated by Horner's rule with each element's own
    coefficients gathered by piece. ``|x|`` is clipped where erf is 1 to the dtype's
    precision. Within 2 ulps of the C library's erf; its cost does not depend on the
    values (a compiled step replays it; the earlier series' length did), and the piece
    around 0 keeps tiny arguments' relative accuracy.
    """
    bits64 = x.dtype == xp.float64
    limit, degree = (6.0, 18) if bits64 else (4.0, 9)
    a = xp.clip(xp.abs(x), max=limit)
    finite = xp.where(a == a, a, xp.zeros_like(a))  # NaN: any piece; the result stays NaN
    piece = xp.astype(xp.floor((finite + _ERF_STEP / 2) / _ERF_STEP), xp.int64)
    t = a - xp.astype(piece, x.dtype) * _ERF_STEP
    flat = xp.reshape(piece, (-1,))
    table = xp.asarray(_erf_taylor_table(limit, degree), dtype=x.dtype, device=x.device)

    def coefficient(n: int) -> Any:
        return xp.reshape(xp.take(table[n, :], flat, axis=0), tuple(x.shape))

    out = coefficient(degree)
    for n in range(degree - 1, -1, -1):
        out = out * t + coefficient(n)
    copysign = getattr(xp, "copysign", None)  # erf is odd: erf(-0.0) is -0.0
    return copysign(out, x) if copysign is not None else xp.where(x < 0, -out, out)


def _decimal_pi(digits: int) -> Any:
    """pi to ``digits`` significant digits (Machin's formula, in ``decimal``)."""
    from decimal import Decimal, localcontext
    with localcontext() as ctx:
        ctx.prec = digits + 10
        eps = Decimal(10) ** -(digits + 8)

        def atan_inverse(n: int) -> Decimal:
            x = Decimal(1) / n
            term = total = x
            k = 1
            while abs(term) / k > eps:
                term *= -x * x
                k += 2
                total += term / k
            return total
        return +(16 * atan_inverse(5) - 4 * atan_inverse(239))


@functools.lru_cache(maxsize=4)
def _erfcx_taylor_table(s_max: float, degree: int
                        ) -> tuple[tuple[tuple[float, ...], ...], tuple[float, ...]]:
    """Taylor coefficients of ``erfcx(x) = exp(x^2) erfc(x)`` around the centres
    ``sqrt(0.25 + k/2)`` up to ``sqrt(s_max)`` (rows by order) and the centres.

    Computed once in 90-digit ``decimal`` arithmetic: ``erfcx' = 2x erfcx - 2/sqrt(pi)``
    gives each order from the two before it, a recurrence that cancels in double precision
    (``erfcx`` is close to ``1/(x sqrt(pi))``), and ``erf`` comes from its own series."""
    from decimal import Decimal, localcontext
    with localcontext() as ctx:
        ctx.prec = 90
        two_over_sqrt_pi = 2 / _decimal_pi(90).sqrt()
        centres = []
        s = Decimal("0.25")
        while s <= Decimal(s_max) + Decimal("0.5"):
            centres.append(s.sqrt())
            s += Decimal("0.5")
        rows = [[0.0] * len(centres) for _ in range(degree + 1)]
        tiny = Decimal(10) ** -80
        for i, c in enumerate(centres):
            c2 = c * c
            term = total = c
            n = 0
            while abs(term) > tiny:
                n += 1
                term = -term * c2 / n
                total += term / (2 * n + 1)
            b = [(c2.exp() * (1 - two_over_sqrt_pi * total))]
            b.append(2 * c * b[0] - two_over_sqrt_pi)
            for n in range(1, degree):
                b.append((2 * c * b[n] + 2 * b[n - 1]) / (n + 1))
            for n in range(degree + 1):
                rows[n][i] = float(b[n])
        return tuple(tuple(r) for r in rows), tuple(float(c) for c in centres)


_SQRT_PI = math.sqrt(math.pi)


def erfc_generic(xp: Any, x: Any) -> Any:
    """erfc without the cancellation of ``1 - erf(x)`` (which loses every digit of the
    tail: erfc(4) was 0 in float32): ``1 - erf`` only below 0.5, where erfc exceeds 0.47;
    above, ``exp(-x^2) erfcx(x)`` with erfcx from Taylor polynomials centred evenly in
    ``x^2`` (float64 up to 6, float32 up to 4) and from its continued fraction beyond, and
    ``exp(-x^2)`` split as ``exp(-z^2) exp(-(x-z)(x+z))`` with a short ``z``, so that
    rounding ``x^2`` costs nothing; ``2 - erfc(-x)`` for negative x. Within 6 ulps of the C
    library's erfc; the cost does not depend on the values.
    """
    bits64 = x.dtype == xp.float64
    split, limit, degree, depth = (6.0, 27.3, 18, 40) if bits64 else (4.0, 10.1, 9, 20)
    a = xp.abs(x)
    finite = xp.where(a == a, a, xp.zeros_like(a))  # NaN: any branch; restored below
    rows, centres = _erfcx_taylor_table(split * split, degree)
    low = xp.clip(finite, min=0.5, max=split)
    piece = xp.reshape(xp.astype(xp.round((low * low - 0.25) * 2.0), xp.int64), (-1,))
    shape = tuple(x.shape)

    def gathered(values: Any) -> Any:
        return xp.reshape(xp.take(values, piece, axis=0), shape)

    t = low - gathered(xp.asarray(centres, dtype=x.dtype, device=x.device))
    table = xp.asarray(rows, dtype=x.dtype, device=x.device)
    mid = gathered(table[degree, :])
    for n in range(degree - 1, -1, -1):
        mid = mid * t + gathered(table[n, :])
    high = xp.clip(finite, min=split, max=limit)
    fraction = high
    for k in range(depth, 0, -1):  # erfcx = 1 / (sqrt(pi) (x + (1/2)/(x + 1/(x + ...))))
        fraction = high + (k / 2) / fraction
    scaled = xp.where(finite < split, mid, 1.0 / (_SQRT_PI * fraction))
    bounded = xp.clip(finite, max=limit)
    z = xp.floor(bounded * 16.0) / 16.0  # z*z is exact
    tail = xp.exp(-z * z) * xp.exp(-(bounded - z) * (bounded + z)) * scaled
    tail = xp.where(finite >= limit, xp.zeros_like(tail), tail)
    positive = xp.where(finite < 0.5, 1.0 - erf_generic(xp, finite), tail)
    positive = xp.where(a == a, positive, a)
    return xp.where(x < 0, 2.0 - positive, positive)


def _erfc_forward(xp, x):
    kernel = backend_kernel(xp, "erfc")
    return kernel(x) if kernel is not None else erfc_generic(xp, x)


ERFC = defop("erfc", _erfc_forward,
             (lambda xp, g, ans, x: -(g * _TWO_OVER_SQRT_PI * xp.exp(-x * x)),),
             doc="The complementary error function.")


def erfc(x: Tensor, /) -> Tensor:
    """The complementary error function ``1 - erf(x)``, elementwise (differentiable),
    accurate in the tails (not computed as ``1 - erf``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.ops.conv import erfc
    >>> f"{erfc(ag.tensor([4.0])).item():.4e}"
    '1.5417e-08'
    """
    return unary(ERFC, x)


def _erf_forward(xp, x):
    kernel = backend_kernel(xp, "erf")
    return kernel(x) if kernel is not None else erf_generic(xp, x)


ERF = defop("erf", _erf_forward,
            (lambda xp, g, ans, x: g * _TWO_OVER_SQRT_PI * xp.exp(-x * x),),
            doc="The Gauss error function.")


def erf(x: Tensor, /) -> Tensor:
    """The Gauss error function, elementwise (differentiable).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.ops.conv import erf
    >>> round(erf(ag.tensor([1.0], dtype=ag.float64)).item(), 10)
    0.8427007929
    """
    return unary(ERF, x)
