"""Convolution and error-function kernels: the ops behind the neural-network layers that
the Array-API standard cannot express directly (2-D convolution, its transpose, and the
error function for exact GELU).

All three are registered ops with their own VJPs. The 1-D and 3-D convolutions of
:mod:`arraygrad.nn.functional` are compositions of these 2-D ones. The portable
implementations use only standard functions (convolution as im2col by strided slicing
plus one matmul); a backend may supply faster kernels under the names documented in
:mod:`arraygrad.nn.functional` (``"conv2d"``, ``"conv2d_vjp_input"``,
``"conv2d_vjp_weight"``, ``"erf"``). The VJP rules fall back to the portable code when
they run on Tensors (``create_graph=True``), so gradients of gradients stay exact.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad.creation import full
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


def _conv_forward(xp, x, w, stride, padding, dilation, groups):
    kernel = backend_kernel(xp, "conv2d")
    if kernel is not None:
        return kernel(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return conv2d_generic(xp, x, w, stride, padding, dilation, groups)


def _conv_vjp_input(xp, g, ans, x, w, stride, padding, dilation, groups):
    shape = tuple(x.shape)
    kernel = None if isinstance(g, Tensor) else backend_kernel(xp, "conv2d_vjp_input")
    if kernel is not None:
        return kernel(g, w, shape, stride=stride, padding=padding, dilation=dilation,
                      groups=groups)
    return conv2d_input_grad_generic(xp, g, w, shape, stride, padding, dilation, groups)


def _conv_vjp_weight(xp, g, ans, x, w, stride, padding, dilation, groups):
    shape = tuple(w.shape)
    kernel = None if isinstance(g, Tensor) else backend_kernel(xp, "conv2d_vjp_weight")
    if kernel is not None:
        return kernel(g, x, shape, stride=stride, padding=padding, dilation=dilation,
                      groups=groups)
    return conv2d_weight_grad_generic(xp, g, x, shape, stride, padding, dilation, groups)


CONV2D = defop("conv2d", _conv_forward, (_conv_vjp_input, _conv_vjp_weight),
               doc="2-D cross-correlation, NCHW input and OIHW weight.")


def conv2d(x: Tensor, weight: Tensor, *, stride: Pair = (1, 1), padding: Pair = (0, 0),
           dilation: Pair = (1, 1), groups: int = 1) -> Tensor:
    """2-D cross-correlation without bias (see :func:`arraygrad.nn.functional.conv2d`)."""
    return apply(CONV2D, (x, weight), {"stride": stride, "padding": padding,
                                       "dilation": dilation, "groups": groups})


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


# ------------------------------------------------------------------------------- erf
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _series_terms(amax: float, eps: float) -> int:
    """Terms of the erf series at ``amax`` until a term is below ``eps`` of the sum."""
    term = total = amax
    n = 0
    two_a2 = 2.0 * amax * amax
    while n < 400:
        n += 1
        term *= two_a2 / (2 * n + 1)
        total += term
        if term <= eps * total:
            break
    return n


def erf_generic(xp: Any, x: Any) -> Any:
    """erf by the all-positive series ``2/sqrt(pi) e^{-a^2} sum (2a^2)^n a / (2n+1)!!``.

    Every term is positive (no cancellation), so it is accurate to a few ulps in float32
    and float64; ``|x|`` is clipped where erf is 1 to the dtype's precision.
    """
    a = xp.abs(x)
    bits64 = x.dtype == xp.float64
    limit = 6.0 if bits64 else 4.0
    a = xp.clip(a, max=limit)
    amax = float(xp.max(a)) if math.prod(x.shape) else 0.0
    n_terms = _series_terms(amax, 1e-17 if bits64 else 1e-8)
    two_a2 = 2.0 * a * a
    term = a
    total = a
    for n in range(1, n_terms + 1):
        term = term * two_a2 / (2 * n + 1)
        total = total + term
    out = _TWO_OVER_SQRT_PI * xp.exp(-a * a) * total
    return xp.where(x < 0, -out, out)


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
