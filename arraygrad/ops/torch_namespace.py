"""PyTorch's top-level functions under PyTorch's names, beside the standard's.

``import arraygrad as torch`` runs PyTorch programs: these functions take PyTorch's
arguments (``dim``, ``keepdim``, ``unbiased``, ``alpha``, ``rounding_mode``...) and return
what PyTorch returns. Where the Array-API standard names the same function, the
standard's form (its positional arguments and keywords, ``axis=``/``keepdims=``) keeps the
standard's meaning and PyTorch's form (``dim=``, or a positional ``dim`` where the standard
has none) gets PyTorch's: ``ag.max(x, axis=1)`` is the values, ``ag.max(x, 1)`` and
``ag.max(x, dim=1)`` the ``(values, indices)`` tuple; ``ag.std(x, axis=1)`` has
``correction=0``, ``ag.std(x, dim=1)`` PyTorch's ``correction=1``. docs/porting.md lists
each such function.

All are compositions of registered ops, so gradients (and gradients of gradients) come
free and they run on every backend.
"""

from __future__ import annotations

import builtins
import itertools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from arraygrad import _dtypes, random
from arraygrad.backend_registry import current_backend, default_float, get_backend
from arraygrad.creation import arange, asarray, linspace, ones_like, zeros
from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing, linalg, nn, reductions, shape, special
from arraygrad.ops import linalg_ext as la
from arraygrad.ops import torch_functions as tf
from arraygrad.ops._axes import axis_alias, normalize_axes, normalize_axis
from arraygrad.ops.conv import erf
from arraygrad.ops.conv import erfc as _erfc
from arraygrad.ops.torch_functions import SortResult, extremum_along
from arraygrad.tensor import Tensor

# PyTorch's in-place functions (``torch.relu_(x)``): each calls the Tensor method.
INPLACE_NAMES = (
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_",
    "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_",
    "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_",
    "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "log10_", "log1p_",
    "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_",
    "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_",
    "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "detach_",
)
INPLACE_FUNCTIONS = INPLACE_NAMES

__all__ = [
    "softmax", "log_softmax", "count_nonzero", "std", "var", "std_mean", "var_mean",
    "max", "min", "amax", "amin", "sort", "argsort", "median", "squeeze", "unsqueeze",
    "triu", "tril", "flip", "roll", "diff", "add", "sub", "subtract", "div", "divide",
    "true_divide",
    "cumsum", "t", "allclose", "isclose", "numel", "repeat_interleave", "dot", "erf",
    "erfc", "rsqrt", "fmod", "exp2", "cross", "unique", "bincount", "cdist",
    "triu_indices", "tril_indices", "histc", "addmm", "addmv", "baddbmm", "clamp_min",
    "clamp_max", "nan_to_num", "heaviside", "logit", "xlogy", "trace", "diagonal",
    "diag_embed", "block_diag", "kron", "atleast_1d", "atleast_2d", "atleast_3d", "vstack",
    "hstack", "dstack", "column_stack", "cartesian_prod", "tensordot", "inner", "sgn",
    "frac", "is_floating_point", "is_complex", "take_along_dim", "masked_select",
    "tensor_split", "detach", "ger", "normal", "bernoulli", "bucketize", "isin", "nansum",
    "nanmean", "rsub", "scalar_tensor", "range_", "logspace", "promote_types",
    "broadcast_tensors", "deg2rad", "rad2deg", "fmax", "fmin", "gcd", "lcm", "ldexp", "frexp",
    "FrexpResult", "float_power", "sinc", "logaddexp2", "isposinf", "isneginf", "isreal",
    "AminmaxResult", "aminmax", "msort", "cummax", "cummin", "logcumsumexp",
    "INPLACE_FUNCTIONS", *INPLACE_NAMES,
    "trapezoid", "trapz", "cumulative_trapezoid", "cov", "corrcoef", "hann_window",
    "hamming_window", "blackman_window", "bartlett_window", "vander", "unravel_index",
    "combinations", "nanmedian", "quantile", "nanquantile", "mvlgamma", "polygamma",
    "logdet", "pinverse", "matrix_exp", "solve_triangular", "TriangularSolveResult",
    "triangular_solve", "cholesky_solve", "cholesky_inverse", "cholesky", "qr",
    "SVDOldResult", "svd", "addbmm", "addr", "vdot", "multi_dot", "chain_matmul",
    "nuclear_norm", "cond", "linalg_vander", "tensorinv", "tensorsolve", "LstsqResult",
    "lstsq", "rot90", "fliplr", "flipud", "hsplit", "vsplit", "dsplit", "split_with_sizes",
    "diagflat", "select_scatter", "slice_scatter", "index_fill", "index_copy",
    "masked_scatter", "put", "index_put", "index_put_", "complex", "polar", "angle",
    "renorm", "mode", "unique_consecutive", "fill", "adjoint", "conj_physical",
    "resolve_conj", "resolve_neg", "is_conj", "is_neg", "sum_to_size", "bitwise_not",
    "gcd_", "lcm_", "ldexp_", "addmv_", "conj_physical_", "ravel", "get_device",
    "is_nonzero", "is_same_size", "is_signed", "diagonal_scatter", "gradient",
    "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "frobenius_norm",
]


def _is_array(x: Any) -> builtins.bool:
    """A Tensor, or an object standing for one (``vmap``'s batched tensors)."""
    return isinstance(x, Tensor) or (hasattr(x, "shape") and hasattr(x, "dtype")
                                     and not isinstance(x, (builtins.int, builtins.float)))


def _tensor(op: str, x: Any) -> Any:
    if not _is_array(x):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__} (wrap it with "
                        f"ag.tensor(...))")
    return x


def _torch_form(op: str, axis: Any, dim: Any) -> Any:
    """``dim`` when given (PyTorch's form), else None; both given is a TypeError."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass either axis= (the standard's form) or dim= "
                        f"(PyTorch's), not both")
    return tuple(dim) if isinstance(dim, list) else dim


# ------------------------------------------------------------------------------ softmax
def _normalized(name: str, x: Tensor, axis: int | None, dim: int | None, dtype: Any,
                fn: Any) -> Tensor:
    axis, _ = axis_alias(name, axis, dim)
    if dtype is not None:
        x = shape.astype(x, dtype)
    return fn(x, axis=-1 if axis is None else axis)


def softmax(x: Tensor, /, axis: int | None = None, *, dim: int | None = None,
            dtype: Any = None) -> Tensor:
    """Softmax along ``axis``/``dim`` (default the last axis); ``dtype`` casts first."""
    return _normalized("softmax", x, axis, dim, dtype, nn.softmax)


def log_softmax(x: Tensor, /, axis: int | None = None, *, dim: int | None = None,
                dtype: Any = None) -> Tensor:
    """Log-softmax along ``axis``/``dim`` (default the last axis); ``dtype`` casts first."""
    return _normalized("log_softmax", x, axis, dim, dtype, nn.log_softmax)


# ---------------------------------------------------------------------------- reductions
def count_nonzero(x: Tensor, /, dim: Any = None, *, axis: Any = None, keepdims: bool = False,
                  keepdim: bool | None = None) -> Tensor:
    """Number of non-zero elements along ``axis``/``dim`` (all when None)."""
    axis, keep = axis_alias("count_nonzero", axis, dim, keepdims, keepdim)
    return reductions.count_nonzero(x, axis=axis, keepdims=keep)


def _moment_args(op: str, dim: Any, unbiased: Any, keepdim: Any, axis: Any,
                 correction: Any, keepdims: bool) -> tuple[Any, float, bool]:
    """(axis, correction, keepdims) for std/var: PyTorch's form (``dim``, ``unbiased``
    or ``keepdim`` given) defaults to ``correction=1``, the standard's to 0."""
    if isinstance(dim, builtins.bool):  # torch.std(x, False): the unbiased flag
        dim, unbiased = None, dim if unbiased is None else unbiased
    torch_form = dim is not None or unbiased is not None or keepdim is not None
    axis, keep = axis_alias(op, axis, dim, keepdims, keepdim)
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased= or correction=, not both")
    if correction is None:
        correction = (0 if unbiased is False else 1) if torch_form else 0
    return axis, correction, keep


def std(x: Tensor, /, dim: Any = None, unbiased: builtins.bool | None = None,
        keepdim: builtins.bool | None = None, *, axis: Any = None,
        correction: float | None = None, keepdims: builtins.bool = False) -> Tensor:
    """Standard deviation over ``axis``/``dim``.

    PyTorch's form (``dim``, ``unbiased`` or ``keepdim`` given) removes one degree of
    freedom by default (``correction=1``), as ``torch.std``; the standard's form
    (``axis``, ``keepdims`` or no axis) defaults to ``correction=0``.
    """
    axis, c, keep = _moment_args("std", dim, unbiased, keepdim, axis, correction, keepdims)
    return reductions.std(x, axis=axis, correction=c, keepdims=keep)


def var(x: Tensor, /, dim: Any = None, unbiased: builtins.bool | None = None,
        keepdim: builtins.bool | None = None, *, axis: Any = None,
        correction: float | None = None, keepdims: builtins.bool = False) -> Tensor:
    """Variance over ``axis``/``dim`` (``correction`` defaults as in :func:`std`)."""
    axis, c, keep = _moment_args("var", dim, unbiased, keepdim, axis, correction, keepdims)
    return reductions.var(x, axis=axis, correction=c, keepdims=keep)


def _with_mean(name: str, moment: Any, x: Tensor, dim: Any, unbiased: builtins.bool | None,
               keepdim: builtins.bool, correction: float | None) -> tuple[Tensor, Tensor]:
    if isinstance(dim, builtins.bool):  # torch.std_mean(x, False): the unbiased flag
        dim, unbiased = None, dim
    axis, c, keep = _moment_args(name, dim, True if unbiased is None and correction
                                 is None else unbiased, keepdim, None, correction, False)
    return (moment(x, axis=axis, correction=c, keepdims=keep),
            reductions.mean(x, axis=axis, keepdims=keep))


def std_mean(x: Tensor, dim: Any = None, unbiased: builtins.bool | None = None,
             keepdim: builtins.bool = False, *, correction: float | None = None
             ) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim``, PyTorch's ``torch.std_mean`` (``correction=1``
    unless ``unbiased=False`` or ``correction`` says otherwise)."""
    return _with_mean("std_mean", reductions.std, x, dim, unbiased, keepdim, correction)


def var_mean(x: Tensor, dim: Any = None, unbiased: builtins.bool | None = None,
             keepdim: builtins.bool = False, *, correction: float | None = None
             ) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim``, PyTorch's ``torch.var_mean``."""
    return _with_mean("var_mean", reductions.var, x, dim, unbiased, keepdim, correction)


def _extremum(op: str, x: Any, dim: Any, keepdim: Any, axis: Any, keepdims: builtins.bool,
              value_fn: Any, index_fn: Any, pairwise: Any) -> Any:
    x = _tensor(op, x)
    if _is_array(dim):  # torch.max(a, b): the elementwise maximum
        if axis is not None or keepdim is not None:
            raise TypeError(f"{op}(input, other): the elementwise form takes no axis or "
                            f"keepdim")
        return pairwise(x, dim)
    dim = _torch_form(op, axis, dim)
    if dim is None:
        axis, keep = axis_alias(op, axis, None, keepdims, keepdim)
        return value_fn(x, axis=axis, keepdims=keep)
    if isinstance(dim, tuple):
        raise TypeError(f"{op}: dim must be an int in PyTorch's form, got {dim!r} (use "
                        f"amax/amin, or axis= for a tuple of axes)")
    keep = builtins.bool(keepdim) if keepdim is not None else keepdims
    d = normalize_axis(op, dim, x.ndim, scalar_ok=True)
    return extremum_along(x, d, keep, op == "max")


def max(x: Tensor, /, dim: Any = None, keepdim: builtins.bool | None = None, *,  # noqa: A001
        axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Maximum: over ``axis`` (the standard's form, a tensor); with an int ``dim``
    (PyTorch's form) the named tuple ``(values, indices)`` (the method ``x.max(dim)``
    returns the same); ``max(a, b)`` with a Tensor ``b`` is the elementwise
    :func:`maximum`. A full maximum shares the gradient evenly among tied maxima; along
    ``dim`` it goes to the returned index only (the first among ties), as in PyTorch."""
    return _extremum("max", x, dim, keepdim, axis, keepdims, reductions.max, reductions.argmax,
                     ew.maximum)


def min(x: Tensor, /, dim: Any = None, keepdim: builtins.bool | None = None, *,  # noqa: A001
        axis: Any = None, keepdims: builtins.bool = False) -> Any:
    """Minimum, in the three forms of :func:`max`."""
    return _extremum("min", x, dim, keepdim, axis, keepdims, reductions.min, reductions.argmin,
                     ew.minimum)


def amax(x: Tensor, dim: Any = (), keepdim: builtins.bool = False) -> Tensor:
    """Maximum over ``dim`` (an int or a tuple; ``()`` means every axis), as
    ``torch.amax``."""
    axis = None if dim == () else (tuple(dim) if isinstance(dim, list) else dim)
    return reductions.max(x, axis=axis, keepdims=keepdim)


def amin(x: Tensor, dim: Any = (), keepdim: builtins.bool = False) -> Tensor:
    """Minimum over ``dim`` (see :func:`amax`)."""
    axis = None if dim == () else (tuple(dim) if isinstance(dim, list) else dim)
    return reductions.min(x, axis=axis, keepdims=keepdim)


def sort(x: Tensor, /, dim: int | None = None, descending: builtins.bool = False,
         stable: builtins.bool | None = None, *, axis: int | None = None) -> Any:
    """Sort along an axis. The standard's form (``axis=`` or no axis) returns the sorted
    values; PyTorch's form (``dim``) returns the named tuple ``(values, indices)``. Equal
    elements keep their order (a stable sort is a valid result of PyTorch's sort too)."""
    dim = _torch_form("sort", axis, dim)
    if dim is None:
        return reductions.sort(x, axis=-1 if axis is None else axis, descending=descending,
                               stable=True)
    return tf.sort(x, dim, descending=descending)


def argsort(x: Tensor, /, dim: int | None = None, descending: builtins.bool = False,
            stable: builtins.bool = True, *, axis: int | None = None) -> Tensor:
    """Indices that sort ``x`` along ``axis``/``dim`` (default the last axis); the sort
    is stable."""
    dim = _torch_form("argsort", axis, dim)
    a = dim if dim is not None else (-1 if axis is None else axis)
    return reductions.argsort(x, axis=a, descending=descending, stable=True)


def median(x: Tensor, dim: int | None = None, keepdim: builtins.bool = False) -> Any:
    """PyTorch's median: the lower of the two middle values for an even count (no
    averaging); NaN where the reduced elements hold a NaN. Without ``dim`` a 0-d tensor of
    every element's median; with ``dim`` the named tuple ``(values, indices)``. The
    gradient goes to the chosen element."""
    return _median_like("median", _median_along, x, dim, keepdim)


def _median_like(name: str, along: Any, x: Tensor, dim: int | None,
                 keepdim: builtins.bool) -> Any:
    """``median``/``nanmedian`` around their kernel ``along(x, axis, keepdim)``: the
    input checks, the whole-tensor form and the 0-d case, shared."""
    x = _tensor(name, x)
    if dim is None:
        flat = shape.reshape(x, (-1,))
        if flat.shape[0] == 0:
            raise IndexError(f"{name}: the input is empty; {name}() of no elements is "
                             f"undefined")
        return along(flat, 0, False).values
    d = normalize_axis(name, dim, x.ndim, scalar_ok=True)
    if x.ndim == 0:
        return SortResult(x * 1, zeros((), dtype="int64", backend=x.backend, device=x.device))
    return along(x, d, keepdim)


def _median_along(x: Tensor, d: int, keepdim: builtins.bool) -> SortResult:
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"median: dim {d} of shape {x.shape} is empty")
    order = reductions.argsort(x, axis=d, stable=True)  # NaNs sort last
    has_nan = reductions.any(ew.isnan(x), axis=d, keepdims=True)
    if x.dtype.kind == "f" and builtins.bool(reductions.any(has_nan).item()):
        # PyTorch: NaN, at the index of the first NaN along the dim
        first_nan = reductions.argmax(shape.astype(ew.isnan(x), "int8"), axis=d, keepdims=True)
        k = asarray((n - 1) // 2, dtype=order.dtype, backend=x.backend, device=x.device)
        middle = indexing.take_along_axis(order, shape.broadcast_to(k, has_nan.shape), axis=d)
        pick = ew.where(has_nan, shape.astype(first_nan, order.dtype), middle)
    else:
        key = (slice(None),) * d + (slice((n - 1) // 2, (n - 1) // 2 + 1),)
        pick = order[key]
    values = indexing.take_along_axis(x, pick, axis=d)
    if not keepdim:
        values, pick = shape.squeeze(values, d), shape.squeeze(pick, d)
    return SortResult(values, pick)


# ----------------------------------------------------------------------------- sampling
def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, dtype: Any = None,
           device: str | None = None, backend: Any = None,
           requires_grad: builtins.bool = False) -> Tensor:
    """Normal samples. With Python numbers, ``size`` samples (``ag.random.normal``); with
    a Tensor ``mean`` and/or ``std`` (PyTorch's ``torch.normal(mean, std)``), one sample
    per broadcast element. As in PyTorch, no gradient flows into a tensor ``mean`` or
    ``std`` (the gradient is zero)."""
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        return random.normal(mean, std, () if size is None else size, dtype=dtype,
                             device=device, backend=backend, requires_grad=requires_grad)
    like = mean if isinstance(mean, Tensor) else std
    if size is not None:
        raise TypeError("normal: size= is only for Python-number mean and std; with tensor "
                        "arguments the shape is theirs")
    if isinstance(std, Tensor) and builtins.bool(reductions.any(std < 0).item()):
        raise ValueError("normal: std must be non-negative (a tensor std has a negative "
                         "element)")
    out_shape = shape.broadcast_shapes(getattr(mean, "shape", ()), getattr(std, "shape", ()))
    eps = random.randn(*out_shape, dtype=dtype or like.dtype, device=like.device,
                       backend=like.backend)
    sample = (mean + std * eps).detach()
    needs_grad = builtins.any(isinstance(t, Tensor) and t.requires_grad for t in (mean, std))
    return sample + 0 * mean + 0 * std if needs_grad else sample


def bernoulli(p: Any, size: Any = (), *, dtype: Any = None, device: str | None = None,
              backend: Any = None) -> Tensor:
    """1 with probability ``p``, else 0. A Python ``p`` draws ``size`` samples; a Tensor
    ``p`` (PyTorch's ``torch.bernoulli(probs)``) one per element, in ``p``'s dtype."""
    if not isinstance(p, Tensor):
        return random.bernoulli(p, size, dtype=dtype, device=device, backend=backend)
    p = p.detach()
    if p.size and not builtins.bool(reductions.all(ew.logical_and(p >= 0, p <= 1)).item()):
        raise ValueError("bernoulli: every probability must be in [0, 1]")
    u = random.rand(*p.shape, dtype=p.dtype, device=p.device, backend=p.backend)
    return shape.astype(u < p, dtype or p.dtype)


# --------------------------------------------------------------------------------- shape
def squeeze(x: Tensor, /, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Remove size-1 axes. The standard's form (``axis``, positional or keyword) raises
    for an axis whose size is not 1; PyTorch's form (``dim=``) leaves such an axis alone,
    as ``torch.squeeze``."""
    dim = _torch_form("squeeze", axis, dim)
    if dim is None:
        return shape.squeeze(x, axis)
    axes = normalize_axes("squeeze", dim, x.ndim, scalar_ok=True)
    keep = tuple(a for a in axes if x.shape[a] == 1)
    return shape.squeeze(x, keep) if keep else x


def triu(x: Tensor, /, diagonal: int = 0, *, k: int | None = None) -> Tensor:
    """The upper triangle of the last two axes (elements below diagonal ``k``, PyTorch's
    ``diagonal``, become 0)."""
    return shape.triu(x, k=_diagonal_arg("triu", diagonal, k))


def tril(x: Tensor, /, diagonal: int = 0, *, k: int | None = None) -> Tensor:
    """The lower triangle of the last two axes (elements above diagonal ``k`` become 0)."""
    return shape.tril(x, k=_diagonal_arg("tril", diagonal, k))


def _diagonal_arg(op: str, diagonal: int, k: int | None) -> int:
    if k is not None and diagonal:
        raise TypeError(f"{op}: pass either k= (the standard's name) or diagonal "
                        f"(PyTorch's), not both")
    return diagonal if k is None else k


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 axis at ``dim`` (``torch.unsqueeze``; the standard's
    ``expand_dims``)."""
    return shape.expand_dims(x, axis=dim)


def flip(x: Tensor, /, dims: Any = None, *, axis: Any = None) -> Tensor:
    """Reverse the elements along ``axis``/``dims`` (every axis when None)."""
    dims = _torch_form("flip", axis, dims)
    return shape.flip(x, axis=axis if dims is None else dims)


def roll(x: Tensor, /, shift: Any = None, dims: Any = None, *, axis: Any = None,
         shifts: Any = None) -> Tensor:
    """Shift the elements by ``shift``/``shifts`` along ``axis``/``dims``, wrapping
    around (the flattened tensor when None)."""
    if (shift is None) == (shifts is None):
        raise TypeError("roll: give the shift once, as shift (the standard's name) or "
                        "shifts= (PyTorch's)")
    dims = _torch_form("roll", axis, dims)
    s = shift if shifts is None else shifts
    s = tuple(s) if isinstance(s, list) else s
    return shape.roll(x, s, axis=axis if dims is None else dims)


def diff(x: Tensor, /, n: int = 1, dim: int | None = None, prepend: Tensor | None = None,
         append: Tensor | None = None, *, axis: int | None = None) -> Tensor:
    """The ``n``-th forward difference along ``axis``/``dim`` (default the last axis)."""
    dim = _torch_form("diff", axis, dim)
    a = dim if dim is not None else (-1 if axis is None else axis)
    return shape.diff(x, axis=a, n=n, prepend=prepend, append=append)


def cumsum(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``dim`` (``ag.cumulative_sum`` with PyTorch's arguments)."""
    x = _tensor("cumsum", x)
    d = normalize_axis("cumsum", dim, x.ndim, scalar_ok=True)
    if x.ndim == 0:
        return x * 1 if dtype is None else shape.astype(x, dtype)
    return reductions.cumulative_sum(x, axis=d, **({"dtype": dtype} if dtype is not None
                                                   else {}))


def t(x: Tensor) -> Tensor:
    """The transpose of a 2-D tensor (0-D and 1-D tensors unchanged), as ``torch.t``."""
    x = _tensor("t", x)
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape "
                         f"{x.shape}; use transpose(x, dim0, dim1) or x.mT")
    return shape.matrix_transpose(x) if x.ndim == 2 else x


def repeat_interleave(x: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor when
    None)."""
    return shape.repeat(x, repeats, axis=dim)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (0-d becomes shape ``(1,)``); one tensor
    in, one out, else a tuple."""
    return _atleast(tensors, lambda t: shape.reshape(t, (1,)) if t.ndim == 0 else t)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions (``(n,)`` becomes ``(1, n)``)."""
    return _atleast(tensors, lambda t: shape.reshape(t, (1,) * (2 - t.ndim) + t.shape)
                    if t.ndim < 2 else t)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dimensions, as ``torch.atleast_3d``: ``()`` to
    ``(1, 1, 1)``, ``(n,)`` to ``(1, n, 1)``, ``(m, n)`` to ``(m, n, 1)``."""
    def up(t: Tensor) -> Tensor:
        new = {0: (1, 1, 1), 1: (1, *t.shape, 1), 2: (*t.shape, 1)}
        return shape.reshape(t, new[t.ndim]) if t.ndim < 3 else t

    return _atleast(tensors, up)


def _atleast(tensors: tuple, fn: Any) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        return tuple(fn(t) for t in tensors[0])
    out = tuple(fn(_tensor("atleast_nd", t)) for t in tensors)
    return out[0] if len(out) == 1 else out


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along the first axis after :func:`atleast_2d`."""
    return shape.concat([atleast_2d(t) for t in tensors], axis=0)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along the second axis (the first for 1-D tensors)."""
    ts = [atleast_1d(t) for t in tensors]
    return shape.concat(ts, axis=0 if ts and ts[0].ndim == 1 else 1)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along the third axis after :func:`atleast_3d`."""
    return shape.concat([atleast_3d(t) for t in tensors], axis=2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Stack 1-D tensors as columns (and concatenate 2-D ones) along the second axis."""
    cols = [shape.reshape(t, (t.size, 1)) if t.ndim <= 1 else t for t in tensors]
    return shape.concat(cols, axis=1)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of the 1-D tensors' elements, one per row (a 1-D tensor for one
    input), as ``torch.cartesian_prod``."""
    if len(tensors) == 1:
        return tensors[0] * 1
    grids = shape.meshgrid(*tensors, indexing="ij")
    return shape.stack([shape.reshape(g, (-1,)) for g in grids], axis=1)


def tensor_split(x: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``n`` nearly equal parts (the first ``size % n`` one larger) or at the
    given indices along ``dim`` (views), as ``torch.tensor_split``."""
    d = normalize_axis("tensor_split", dim, x.ndim)
    size = x.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise ValueError(f"tensor_split: number of sections must be positive, got {n}")
        q, r = divmod(size, n)
        bounds, start = [], 0
        for i in range(n - 1):
            start += q + (1 if i < r else 0)
            bounds.append(start)
    else:
        bounds = [int(i) for i in indices_or_sections]
    edges = [0, *bounds, size]
    pre = (slice(None),) * d
    return tuple(x[pre + (slice(builtins.min(a, size), builtins.min(builtins.max(a, b), size)),)]
                 for a, b in zip(edges[:-1], edges[1:]))


# ---------------------------------------------------------------------------- arithmetic
def add(x1: Any, x2: Any, /, *, alpha: Any = 1) -> Tensor:
    """``x1 + alpha * x2`` (``alpha`` is PyTorch's keyword; the standard's ``add`` is the
    default ``alpha=1``)."""
    return ew.add(x1, x2 if alpha == 1 else x2 * alpha)


def subtract(x1: Any, x2: Any, /, *, alpha: Any = 1) -> Tensor:
    """``x1 - alpha * x2``."""
    return ew.subtract(x1, x2 if alpha == 1 else x2 * alpha)


sub = subtract


def divide(x1: Any, x2: Any, /, *, rounding_mode: str | None = None) -> Tensor:
    """``x1 / x2``: true division (the standard's ``divide``), or with PyTorch's
    ``rounding_mode`` ``"floor"`` (rounded down, as ``floor_divide``) or ``"trunc"``
    (rounded toward zero); integer inputs then give integers."""
    if rounding_mode is None:
        return ew.divide(x1, x2)
    if rounding_mode == "floor":
        return ew.floor_divide(x1, x2)
    if rounding_mode == "trunc":
        if _integral(x1) and _integral(x2):  # exact: no float round trip
            q = ew.floor_divide(_abs(x1), _abs(x2))
            return q * _sign(x1) * _sign(x2)
        return ew.trunc(ew.divide(x1, x2))
    raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                     f"{rounding_mode!r}")


div = divide


def _integral(v: Any) -> builtins.bool:
    if _is_array(v):
        return v.dtype.kind in "iu"
    return isinstance(v, builtins.int) and not isinstance(v, builtins.bool)


def _abs(v: Any) -> Any:
    return ew.abs(v) if _is_array(v) else builtins.abs(v)


def _sign(v: Any) -> Any:
    return ew.sign(v) if _is_array(v) else (v > 0) - (v < 0)


def true_divide(x1: Any, x2: Any) -> Tensor:
    """``x1 / x2`` (true division, integers give floats)."""
    return ew.divide(x1, x2)


def rsqrt(x: Tensor) -> Tensor:
    """``1 / sqrt(x)`` elementwise."""
    return ew.reciprocal(ew.sqrt(x))


def erfc(x: Tensor) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate in the tails."""
    return _erfc(x)


def exp2(x: Tensor) -> Tensor:
    """``2 ** x`` elementwise (integers give the default float dtype, as in PyTorch)."""
    x = _tensor("exp2", x)
    if x.dtype.kind not in "fc":
        x = shape.astype(x, "float32")
    return ew.pow(asarray(2.0, dtype=x.dtype, device=x.device, backend=x.backend), x)


def fmod(x1: Tensor, x2: Any) -> Tensor:
    """The remainder of ``x1 / x2`` with the sign of ``x1`` (C's ``fmod``; ``remainder``
    takes the sign of ``x2``). Exact: ``sign(x1) * remainder(|x1|, |x2|)``."""
    x1 = _tensor("fmod", x1)
    divisor = ew.abs(x2) if _is_array(x2) else builtins.abs(x2)
    return ew.sign(x1) * ew.remainder(ew.abs(x1), divisor)


def frac(x: Tensor) -> Tensor:
    """The fractional part ``x - trunc(x)`` (with the sign of ``x``)."""
    return x - ew.trunc(x)


def sgn(x: Tensor) -> Tensor:
    """The sign of each element (``x / |x|`` for complex), as ``torch.sgn``."""
    return ew.sign(x)


def clamp_min(x: Tensor, min: Any) -> Tensor:  # noqa: A002
    """Every element at least ``min``."""
    return ew.clip(x, min=min)


def clamp_max(x: Tensor, max: Any) -> Tensor:  # noqa: A002
    """Every element at most ``max``."""
    return ew.clip(x, max=max)


def nan_to_num(x: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (the dtype's
    largest and lowest finite values by default)."""
    x = _tensor("nan_to_num", x)
    if x.dtype.kind not in "fc":
        return x * 1
    big = builtins.float(x.backend.xp.finfo(x.array.dtype).max)
    hi = big if posinf is None else posinf
    lo = -big if neginf is None else neginf
    out = ew.where(ew.isnan(x), nan, x)
    out = ew.where(ew.logical_and(ew.isinf(out), out > 0), hi, out)
    return ew.where(ew.logical_and(ew.isinf(out), out < 0), lo, out)


def heaviside(x: Tensor, values: Any) -> Tensor:
    """0 where ``x < 0``, ``values`` where ``x == 0``, 1 where ``x > 0``."""
    x = _tensor("heaviside", x)
    one = ew.where(x > 0, asarray(1, dtype=x.dtype, backend=x.backend, device=x.device),
                   asarray(0, dtype=x.dtype, backend=x.backend, device=x.device))
    return ew.where(x == 0, values, one)


def logit(x: Tensor, eps: float | None = None) -> Tensor:
    """``log(x / (1 - x))``; with ``eps`` the input is first clamped to
    ``[eps, 1 - eps]``."""
    if eps is not None:
        x = ew.clip(x, min=eps, max=1 - eps)
    return ew.log(x / (1 - x))


def xlogy(x: Any, y: Any) -> Tensor:
    """``x * log(y)``, 0 where ``x == 0`` (NaN where ``y`` is NaN)."""
    prod_ = x * ew.log(y)
    out = ew.where(x == 0, 0.0, prod_)
    return ew.where(ew.isnan(y), y, out) if _is_array(y) else out


def allclose(a: Tensor, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: builtins.bool = False) -> builtins.bool:
    """Whether every ``|a - b| <= atol + rtol * |b|`` (one Python bool)."""
    return builtins.bool(reductions.all(isclose(a, b, rtol, atol, equal_nan)).item())


def isclose(a: Tensor, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: builtins.bool = False) -> Tensor:
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (infinities equal only themselves;
    NaNs equal when ``equal_nan``)."""
    a = _tensor("isclose", a)
    b = b if _is_array(b) else asarray(b, dtype=a.dtype, backend=a.backend,
                                                device=a.device)
    if a.dtype != b.dtype:
        raise TypeError(f"isclose: a ({a.dtype.name}) and b ({b.dtype.name}) must have the "
                        f"same dtype; cast one with .to(dtype)")
    a, b = a.detach(), b.detach()
    exact = a == b
    if a.dtype.kind in "biu":
        return exact
    finite = ew.logical_and(ew.isfinite(a), ew.isfinite(b))
    close = ew.abs(a - b) <= atol + rtol * ew.abs(b)
    out = ew.logical_or(exact, ew.logical_and(finite, close))
    if equal_nan:
        out = ew.logical_or(out, ew.logical_and(ew.isnan(a), ew.isnan(b)))
    return out


def numel(x: Tensor) -> int:
    """The number of elements of ``x``."""
    return builtins.int(_tensor("numel", x).numel())


def is_floating_point(x: Tensor) -> builtins.bool:
    """Whether ``x`` has a real floating dtype."""
    return _tensor("is_floating_point", x).dtype.kind == "f"


def is_complex(x: Tensor) -> builtins.bool:
    """Whether ``x`` has a complex dtype."""
    return _tensor("is_complex", x).dtype.kind == "c"


def detach(x: Tensor) -> Tensor:
    """``x`` cut out of the graph (shares memory, needs no gradient)."""
    return _tensor("detach", x).detach()


# ------------------------------------------------------------------------ linear algebra
def dot(a: Tensor, b: Tensor) -> Tensor:
    """The dot product of two 1-D tensors of the same size and dtype."""
    a, b = _tensor("dot", a), _tensor("dot", b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D "
                           f"tensors (shapes {a.shape} and {b.shape})")
    if a.shape != b.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensors of the same "
                           f"size, got {a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot: expected both vectors to have the same dtype, but found "
                           f"{a.dtype.name} and {b.dtype.name}")
    return linalg.matmul(a, b)


def inner(a: Tensor, b: Tensor) -> Tensor:
    """The sum of products over the last axes of ``a`` and ``b`` (a product when either
    is 0-d)."""
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return linalg.tensordot(a, b, axes=([-1], [-1]))


def ger(a: Tensor, b: Tensor) -> Tensor:
    """The outer product of two 1-D tensors (PyTorch's old name for ``outer``)."""
    return linalg.outer(a, b)


def tensordot(x1: Tensor, x2: Tensor, /, dims: Any = None, *, axes: Any = None) -> Tensor:
    """Contract ``x1`` and ``x2`` over ``axes``/``dims`` (an int: the last axes of
    ``x1`` with the first of ``x2``; or two sequences of axes). Default 2."""
    if dims is not None and axes is not None:
        raise TypeError("tensordot: pass either axes= (the standard's name) or dims= "
                        "(PyTorch's), not both")
    spec = dims if dims is not None else (2 if axes is None else axes)
    if isinstance(spec, Tensor):
        spec = spec.tolist()
    if isinstance(spec, (list, tuple)):
        spec = tuple(tuple(s) if isinstance(s, (list, tuple)) else (s,) for s in spec)
    return linalg.tensordot(x1, x2, axes=spec)


def cross(a: Tensor, b: Tensor, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first axis of size 3, as
    ``torch.cross``; ``ag.linalg.cross`` defaults to the last axis)."""
    a, b = _tensor("cross", a), _tensor("cross", b)
    if dim is None:
        shp = shape.broadcast_shapes(a.shape, b.shape)
        dim = next((i for i, n in enumerate(shp) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shapes {a.shape} "
                               f"and {b.shape})")
        dim -= len(shp)
    a, b = shape.broadcast_arrays(a, b)
    return la.cross(a, b, axis=normalize_axis("cross", dim, a.ndim) - a.ndim)


def trace(x: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor."""
    x = _tensor("trace", x)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got a tensor of shape {x.shape}")
    return reductions.sum(la.diagonal(x))


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the matrices spanned by ``dim1`` and ``dim2``, appended
    as the last axis (``torch.diagonal``; ``ag.linalg.diagonal`` uses the last two)."""
    x = _tensor("diagonal", x)
    d1 = normalize_axis("diagonal", dim1, x.ndim)
    d2 = normalize_axis("diagonal", dim2, x.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dimension "
                           f"(both {d1}, shape {x.shape})")
    return la.diagonal(shape.moveaxis(x, (d1, d2), (-2, -1)), offset=offset)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose diagonals ``offset`` (in the planes ``dim1``, ``dim2``) are the last
    axis of ``x``, zeros elsewhere (``torch.diag_embed``)."""
    x = _tensor("diag_embed", x)
    m = x.shape[-1] if x.ndim else 1
    n = m + builtins.abs(offset)
    rows = [[[1.0 if (r == i + builtins.max(-offset, 0) and c == i + builtins.max(offset, 0))
              else 0.0 for c in range(n)] for r in range(n)] for i in range(m)]
    basis = asarray(rows, dtype=x.dtype, backend=x.backend, device=x.device)
    out = linalg.tensordot(atleast_1d(x), basis, axes=1)  # (..., n, n)
    nd = out.ndim
    d1, d2 = normalize_axis("diag_embed", dim1, nd), normalize_axis("diag_embed", dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dimension "
                           f"(both {d1})")
    return shape.moveaxis(out, (nd - 2, nd - 1), (d1, d2))


def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix of the given 0-, 1- or 2-D tensors."""
    mats = [shape.reshape(t, (1, -1) if t.ndim else (1, 1)) if t.ndim < 2 else t
            for t in tensors]
    for t in mats:
        if t.ndim != 2:
            raise RuntimeError(f"block_diag: input tensors must have 2 or fewer dimensions, "
                               f"got shape {t.shape}")
    if not mats:
        return zeros((1, 0))
    total = builtins.sum(t.shape[1] for t in mats)
    rows, col = [], 0
    for t in mats:
        left = zeros((t.shape[0], col), dtype=t.dtype, backend=t.backend, device=t.device)
        right = zeros((t.shape[0], total - col - t.shape[1]), dtype=t.dtype,
                      backend=t.backend, device=t.device)
        rows.append(shape.concat([left, t, right], axis=1))
        col += t.shape[1]
    return shape.concat(rows, axis=0)


def kron(a: Tensor, b: Tensor) -> Tensor:
    """The Kronecker product: block ``(i, j, ...)`` is ``a[i, j, ...] * b``."""
    nd = builtins.max(a.ndim, b.ndim)
    a2 = shape.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b2 = shape.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    ai = shape.reshape(a2, tuple(s for n in a2.shape for s in (n, 1)))
    bi = shape.reshape(b2, tuple(s for n in b2.shape for s in (1, n)))
    return shape.reshape(ai * bi, tuple(p * q for p, q in zip(a2.shape, b2.shape)))


def addmm(x: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (mat1 @ mat2)`` with 2-D ``mat1``, ``mat2`` (``x`` is ignored,
    NaNs included, when ``beta`` is 0)."""
    return _add_scaled(x, tf.mm(mat1, mat2), beta, alpha)


def addmv(x: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (mat @ vec)``."""
    return _add_scaled(x, tf.mv(mat, vec), beta, alpha)


def baddbmm(x: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (batch1 @ batch2)`` with 3-D batches."""
    return _add_scaled(x, tf.bmm(batch1, batch2), beta, alpha)


def _add_scaled(x: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    scaled = product if alpha == 1 else product * alpha
    if beta == 0:
        return shape.broadcast_to(scaled * 1, shape.broadcast_shapes(x.shape, scaled.shape))
    return (x if beta == 1 else x * beta) + scaled


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (``..., P, M``) and each row of
    ``x2`` (``..., R, M``): shape ``(..., P, R)``."""
    x1, x2 = _tensor("cdist", x1), _tensor("cdist", x2)
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: expected tensors of at least 2 dimensions with the same "
                           f"last size, got shapes {x1.shape} and {x2.shape}")
    diff_ = shape.expand_dims(x1, axis=-2) - shape.expand_dims(x2, axis=-3)
    return la.vector_norm(diff_, axis=-1, ord=p)


# ----------------------------------------------------------------- indexing and counting
def take_along_dim(x: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """The elements at ``indices`` along ``dim`` (of the flattened tensor when None)."""
    if dim is None:
        return indexing.take(shape.reshape(x, (-1,)), shape.reshape(indices, (-1,)))
    d = normalize_axis("take_along_dim", dim, x.ndim)
    sx = list(x.shape)
    si = list(indices.shape)
    sx[d] = si[d] = 1
    common = shape.broadcast_shapes(tuple(sx), tuple(si))
    tx = list(common)
    tx[d] = x.shape[d]
    ti = list(common)
    ti[d] = indices.shape[d]
    return indexing.take_along_axis(shape.broadcast_to(x, tuple(tx)),
                                    shape.broadcast_to(indices, tuple(ti)), axis=d)


def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` holds (both broadcast), as a 1-D tensor."""
    x, mask = shape.broadcast_arrays(x, mask)
    return x[mask]


def bincount(x: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0 .. max(x)`` occurs in the 1-D non-negative integer tensor
    ``x`` (summing ``weights`` instead of ones when given)."""
    x = _tensor("bincount", x)
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise RuntimeError(f"bincount: expected a 1-D integer tensor, got shape {x.shape} "
                           f"and dtype {x.dtype.name}")
    if x.size and builtins.int(reductions.min(x).item()) < 0:
        raise RuntimeError("bincount: the input must contain non-negative values only")
    n = builtins.max(minlength, builtins.int(reductions.max(x).item()) + 1 if x.size else 0)
    if weights is None:
        src = asarray(1, dtype="int64", backend=x.backend, device=x.device)
        src = shape.broadcast_to(src, x.shape)
        base = zeros((n,), dtype="int64", backend=x.backend, device=x.device)
    else:
        dt = weights.dtype if weights.dtype.kind == "f" else "float64"
        src = shape.astype(weights, dt)
        base = zeros((n,), dtype=dt, backend=x.backend, device=x.device)
    return tf.scatter_add(base, 0, shape.astype(x, "int64"), src)



def bucketize(input: Any, boundaries: Tensor, *, out_int32: builtins.bool = False,  # noqa: A002
              right: builtins.bool = False) -> Tensor:
    """The bucket of each element of ``input`` among the sorted 1-D ``boundaries``:
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=False``) or
    ``boundaries[i-1] <= x < boundaries[i]`` (``right=True``), as PyTorch's."""
    return reductions.searchsorted(_tensor("bucketize", boundaries), input, right=right,
                                   out_int32=out_int32)


def isin(elements: Any, test_elements: Any, *, assume_unique: builtins.bool = False,
         invert: builtins.bool = False) -> Tensor:
    """Whether each element of ``elements`` is in ``test_elements`` (either may be a
    Python number), as PyTorch's; ``invert=True`` gives the complement."""
    if not _is_array(elements) and not _is_array(test_elements):
        raise TypeError("isin: at least one of elements and test_elements must be a Tensor")
    like = elements if _is_array(elements) else test_elements
    if not _is_array(elements):
        elements = asarray(elements, backend=like.backend, device=like.device)
    if not _is_array(test_elements):
        test_elements = asarray(test_elements, backend=like.backend, device=like.device)
    flat = shape.reshape(test_elements, (-1,))
    found = reductions.any(shape.expand_dims(elements, axis=-1) == flat, axis=-1)
    return ew.logical_not(found) if invert else found


def nansum(x: Tensor, dim: Any = None, keepdim: builtins.bool = False, *,
           dtype: Any = None) -> Tensor:
    """The sum treating NaNs as zero (they get a zero gradient), as PyTorch's."""
    _tensor("nansum", x)
    d = None if dim is None else normalize_axes("nansum", dim, x.ndim)
    clean = ew.where(ew.isnan(x), 0, x) if x.dtype.kind in "fc" else x
    return reductions.sum(clean, axis=d, keepdims=keepdim, dtype=dtype)


def nanmean(x: Tensor, dim: Any = None, keepdim: builtins.bool = False, *,
            dtype: Any = None) -> Tensor:
    """The mean of the non-NaN elements (NaN where there are none), as PyTorch's."""
    _tensor("nanmean", x)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {x.dtype.name}")
    d = None if dim is None else normalize_axes("nanmean", dim, x.ndim)
    count = reductions.sum(shape.astype(ew.logical_not(ew.isnan(x)), x.dtype), axis=d,
                           keepdims=keepdim)
    return nansum(x, dim, keepdim, dtype=dtype) / count

def histc(x: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """A histogram of ``bins`` equal bins between ``min`` and ``max`` (the data's range
    when both are 0); elements outside are ignored, ``max`` falls in the last bin."""
    x = _tensor("histc", x).detach()
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating tensor, got dtype {x.dtype.name}")
    lo, hi = builtins.float(min), builtins.float(max)
    if lo == hi and x.size:
        lo, hi = builtins.float(reductions.min(x).item()), builtins.float(reductions.max(x).item())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"histc: max ({max}) must be larger than min ({min})")
    flat = shape.reshape(x, (-1,))
    inside = ew.logical_and(flat >= lo, flat <= hi)
    idx = shape.astype(ew.floor((flat - lo) / (hi - lo) * bins), "int64")  # torch's order
    idx = ew.clip(idx, min=0, max=bins - 1)
    weights = shape.astype(inside, x.dtype)
    base = zeros((bins,), dtype=x.dtype, backend=x.backend, device=x.device)
    return tf.scatter_add(base, 0, idx, weights)


def _index_pairs(row: int, col: int, offset: int, lower: builtins.bool, dtype: Any,
                 device: Any) -> Tensor:
    pairs = [(r, c) for r in range(row) for c in range(col)
             if (c - r <= offset if lower else c - r >= offset)]
    rows = [p[0] for p in pairs]
    cols = [p[1] for p in pairs]
    return asarray([rows, cols], dtype=dtype or "int64", device=device) if pairs else \
        zeros((2, 0), dtype=dtype or "int64", device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The ``(2, N)`` row and column indices of the lower triangle (diagonal ``offset``
    and below) of a ``row x col`` matrix, row by row."""
    return _index_pairs(row, col, offset, True, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The ``(2, N)`` indices of the upper triangle (diagonal ``offset`` and above)."""
    return _index_pairs(row, col, offset, False, dtype, device)


def unique(x: Tensor, sorted: builtins.bool = True,  # noqa: A002
           return_inverse: builtins.bool = False, return_counts: builtins.bool = False,
           dim: int | None = None) -> Any:
    """The sorted distinct elements of ``x``; with ``return_inverse`` also each element's
    index into them (in ``x``'s shape), with ``return_counts`` how often each occurs, as
    ``torch.unique``. Not differentiable (as in PyTorch).

    With ``dim``, the distinct slices along ``dim`` (rows for ``dim=0``), sorted
    lexicographically; ``return_inverse`` then gives each slice's index into them (shape
    ``(x.shape[dim],)``) and ``return_counts`` how often each occurs. Slices holding a NaN
    are all distinct (NaN equals nothing), and sort after the others, as in PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.asarray([[1, 2], [3, 4], [1, 2]])
    >>> values, inverse, counts = ag.unique(x, dim=0, return_inverse=True,
    ...                                     return_counts=True)
    >>> values.tolist(), inverse.tolist(), counts.tolist()
    ([[1, 2], [3, 4]], [0, 1, 0], [2, 1])
    """
    x = _tensor("unique", x)
    if dim is not None:
        return _unique_dim(x.detach(), dim, return_inverse, return_counts)
    parts = reductions.unique_all(x.detach())
    values = parts.values
    if values.ndim and values.shape[0] > 1:  # the standard leaves the order free
        order = reductions.argsort(values, stable=True)
        rank = reductions.argsort(order, stable=True)
        values = indexing.take(values, order)
        counts = indexing.take(parts.counts, order)
        inverse = indexing.take(rank, shape.reshape(parts.inverse_indices, (-1,)))
        inverse = shape.reshape(inverse, parts.inverse_indices.shape)
    else:
        counts, inverse = parts.counts, parts.inverse_indices
    out: list[Tensor] = [values]
    if return_inverse:
        out.append(shape.reshape(shape.astype(inverse, "int64"), x.shape))
    if return_counts:
        out.append(shape.astype(counts, "int64"))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_dim(x: Tensor, dim: Any, return_inverse: builtins.bool,
                return_counts: builtins.bool) -> Any:
    """``unique(x, dim=dim)``: sort the slices lexicographically (one stable sort per
    element of a slice, last element first), then keep the first of each run of equal
    slices."""
    if x.ndim == 0:
        raise IndexError("unique: dim was given but the tensor is 0-d (it has no dimensions); "
                         "call unique without dim")
    d = normalize_axis("unique", dim, x.ndim)
    n = x.shape[d]
    moved = shape.moveaxis(x, d, 0)
    rest = tuple(moved.shape[1:])
    width = 1
    for s in rest:
        width *= s
    if n and not width:
        raise RuntimeError(f"unique: the tensor of shape {x.shape} has 0-sized dimensions "
                           f"besides dim={dim}, so it has no slices to compare along dim")
    int64 = "int64"
    if n == 0:
        none = zeros((0,), dtype=int64, backend=x.backend, device=x.device)
        out: list[Tensor] = [x]
    else:
        rows = shape.reshape(moved, (n, width))
        keys = shape.astype(rows, "uint8") if rows.dtype.kind == "b" else rows  # sortable
        order = arange(n, dtype=int64, backend=x.backend, device=x.device)
        for j in range(width - 1, -1, -1):  # least significant element first (stable)
            column = indexing.take(keys[:, j], order)
            order = indexing.take(order, reductions.argsort(column, stable=True))
        ordered = indexing.take(rows, order, axis=0)
        new = reductions.any(ordered[1:] != ordered[:-1], axis=1)  # NaN != NaN: distinct
        starts = shape.concat([asarray([True], backend=x.backend, device=x.device), new])
        kept = ordered[starts]
        values = shape.moveaxis(shape.reshape(kept, (kept.shape[0],) + rest), 0, d)
        out = [values]
        if return_inverse:
            group = reductions.cumulative_sum(shape.astype(starts, int64)) - 1
            inverse = indexing.take(group, reductions.argsort(order, stable=True))
            out.append(shape.astype(inverse, int64))
        if return_counts:
            first = shape.astype(reductions.nonzero(starts)[0], int64)
            end = asarray([n], dtype=int64, backend=x.backend, device=x.device)
            out.append(shape.concat([first[1:], end]) - first)
        return out[0] if len(out) == 1 else tuple(out)
    if return_inverse:
        out.append(none)
    if return_counts:
        out.append(none)
    return out[0] if len(out) == 1 else tuple(out)


# ------------------------------------------------------- PyTorch's small functions (tns)
def rsub(x: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * x`` (``torch.rsub``: the operands of :func:`sub` swapped)."""
    x = _tensor("rsub", x)
    return subtract(other, x, alpha=alpha) if _is_array(other) else \
        ew.subtract(other, x if alpha == 1 else x * alpha)


def _widest_float(backend: Any) -> Any:
    """float64 where the backend has it (JAX without x64 mode has not), else its default
    float: the dtype the creation functions below compute in before casting."""
    be = get_backend(backend) if backend is not None else current_backend()
    return _dtypes.float64 if _dtypes.float64 in be.native_dtypes else default_float(be)


def _finish_created(op: str, out: Tensor, dtype: Any,
                    requires_grad: builtins.bool) -> Tensor:
    """``out`` cast to ``dtype`` (the backend's default float when None)."""
    out = shape.astype(out, default_float(out.backend) if dtype is None else dtype)
    return out.requires_grad_(True) if requires_grad else out


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None, backend: Any = None,
                  requires_grad: builtins.bool = False) -> Tensor:
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype``
    says otherwise (``torch.scalar_tensor``: even an int or a bool becomes a float)."""
    if _is_array(s) or not isinstance(s, (builtins.int, builtins.float)):
        raise TypeError(f"scalar_tensor(): argument 's' must be a Number, not "
                        f"{type(s).__name__}")
    return _finish_created("scalar_tensor", asarray(s, backend=backend, device=device), dtype,
                           requires_grad)


def range_(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, backend: Any = None,
           requires_grad: builtins.bool = False) -> Tensor:
    """``torch.range`` (deprecated in PyTorch for ``arange``): the values from ``start``
    to ``end`` *inclusive*, ``step`` apart, of the default float dtype unless ``dtype``
    says otherwise."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"range: upper bound and larger bound inconsistent with step "
                           f"sign (start={start}, end={end}, step={step})")
    n = builtins.int(math.floor((end - start) / step)) + 1
    out = arange(n, dtype=_widest_float(backend), backend=backend, device=device) * step \
        + start
    return _finish_created("range", out, dtype, requires_grad)


def logspace(start: Any, end: Any, steps: builtins.int, base: builtins.float = 10.0, *,
             dtype: Any = None, device: Any = None, backend: Any = None,
             requires_grad: builtins.bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in the
    exponent (``torch.logspace``; computed in float64 where the backend has it, then
    cast)."""
    if not isinstance(steps, builtins.int) or isinstance(steps, builtins.bool) or steps < 0:
        raise RuntimeError(f"logspace: number of steps must be a non-negative int, got "
                           f"{steps!r}")
    exps = linspace(start, end, steps, dtype=_widest_float(backend), backend=backend,
                    device=device)
    return _finish_created("logspace", ew.pow(builtins.float(base), exps), dtype,
                           requires_grad)


_TORCH_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _dtype_named(t: Any) -> Any:
    if isinstance(t, _dtypes.DType):
        return t
    name = t if isinstance(t, str) else getattr(t, "name", None)
    found = getattr(_dtypes, name, None) if isinstance(name, str) else None
    if not isinstance(found, _dtypes.DType):
        raise TypeError(f"promote_types: expected a dtype, got {t!r}")
    return found


def promote_types(type1: Any, type2: Any) -> Any:
    """The dtype PyTorch promotes ``type1`` and ``type2`` to (``torch.promote_types``):
    the higher kind (bool < integer < float < complex) wins; within a kind the wider
    dtype (``uint8`` with ``int8`` gives ``int16``; ``float16`` with ``bfloat16`` gives
    ``float32``); a complex with a wider float widens (``complex64`` with ``float64``
    gives ``complex128``)."""
    a, b = _dtype_named(type1), _dtype_named(type2)
    ka, kb = _TORCH_KIND_ORDER[a.kind], _TORCH_KIND_ORDER[b.kind]
    if ka != kb:
        hi, lo = (a, b) if ka > kb else (b, a)
        if hi.kind == "c" and lo.kind == "f" and lo.bits > hi.bits // 2:
            return _dtypes.complex128
        return hi
    if a.kind != b.kind:  # a signed and an unsigned integer
        s, u = (a, b) if a.kind == "i" else (b, a)
        if u.bits > 8:
            raise RuntimeError(f"promote_types: promotion for uint16, uint32, uint64 types "
                               f"is not supported, attempted to promote {u.name} and "
                               f"{s.name}")
        return s if s.bits > u.bits else _dtypes.int16
    if a.bits != b.bits:
        return a if a.bits > b.bits else b
    if a != b:  # float16 with bfloat16
        return _dtypes.float32
    return a


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors broadcast against each other (``torch.broadcast_tensors``, a tuple)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return tuple(shape.broadcast_arrays(*(_tensor("broadcast_tensors", t) for t in tensors)))


def _inplace_function(name: str) -> Any:
    """``torch.<name>(x, *args)``: the in-place method ``x.<name>(*args)``."""
    def function(x: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return getattr(_tensor(name, x), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (f"``torch.{name}(input, ...)``: ``input.{name}(...)``, the result "
                        f"written into ``input``.")
    return function


abs_ = _inplace_function("abs_")
acos_ = _inplace_function("acos_")
acosh_ = _inplace_function("acosh_")
arccos_ = _inplace_function("arccos_")
arccosh_ = _inplace_function("arccosh_")
arcsin_ = _inplace_function("arcsin_")
arcsinh_ = _inplace_function("arcsinh_")
arctan_ = _inplace_function("arctan_")
arctanh_ = _inplace_function("arctanh_")
asin_ = _inplace_function("asin_")
asinh_ = _inplace_function("asinh_")
atan_ = _inplace_function("atan_")
atanh_ = _inplace_function("atanh_")
ceil_ = _inplace_function("ceil_")
clamp_ = _inplace_function("clamp_")
clamp_max_ = _inplace_function("clamp_max_")
clamp_min_ = _inplace_function("clamp_min_")
clip_ = _inplace_function("clip_")
cos_ = _inplace_function("cos_")
cosh_ = _inplace_function("cosh_")
deg2rad_ = _inplace_function("deg2rad_")
erf_ = _inplace_function("erf_")
erfc_ = _inplace_function("erfc_")
exp2_ = _inplace_function("exp2_")
exp_ = _inplace_function("exp_")
expm1_ = _inplace_function("expm1_")
fill_ = _inplace_function("fill_")
fix_ = _inplace_function("fix_")
floor_ = _inplace_function("floor_")
frac_ = _inplace_function("frac_")
log10_ = _inplace_function("log10_")
log1p_ = _inplace_function("log1p_")
log2_ = _inplace_function("log2_")
log_ = _inplace_function("log_")
logit_ = _inplace_function("logit_")
nan_to_num_ = _inplace_function("nan_to_num_")
neg_ = _inplace_function("neg_")
negative_ = _inplace_function("negative_")
rad2deg_ = _inplace_function("rad2deg_")
reciprocal_ = _inplace_function("reciprocal_")
relu_ = _inplace_function("relu_")
round_ = _inplace_function("round_")
rsqrt_ = _inplace_function("rsqrt_")
sigmoid_ = _inplace_function("sigmoid_")
sin_ = _inplace_function("sin_")
sinc_ = _inplace_function("sinc_")
sinh_ = _inplace_function("sinh_")
sqrt_ = _inplace_function("sqrt_")
square_ = _inplace_function("square_")
tan_ = _inplace_function("tan_")
tanh_ = _inplace_function("tanh_")
trunc_ = _inplace_function("trunc_")
xlogy_ = _inplace_function("xlogy_")
zero_ = _inplace_function("zero_")
detach_ = _inplace_function("detach_")


# ------------------------------------------------------------------- math (tns, group 2)
def _floating(op: str, x: Any) -> Tensor:
    """``x`` as a Tensor of a floating dtype (integers and bools become the backend's
    default float, as PyTorch's unary float functions promote them)."""
    x = _tensor(op, x)
    return x if x.dtype.kind in "fc" else shape.astype(x, default_float(x.backend))


def deg2rad(x: Tensor) -> Tensor:
    """Degrees to radians (``torch.deg2rad``; integers become the default float)."""
    return _floating("deg2rad", x) * (math.pi / 180.0)


def rad2deg(x: Tensor) -> Tensor:
    """Radians to degrees (``torch.rad2deg``; integers become the default float)."""
    return _floating("rad2deg", x) * (180.0 / math.pi)


def fmax(x: Tensor, other: Tensor) -> Tensor:
    """The elementwise maximum that ignores NaN (NaN only where both are NaN), as
    ``torch.fmax``; the gradient goes to ``x`` where ``x >= other`` or ``other`` is NaN
    (ties to ``x``, as PyTorch), to ``other`` elsewhere."""
    x, other = _tensor("fmax", x), _tensor("fmax", other)
    return ew.where(ew.logical_or(x >= other, ew.isnan(other)), x, other)


def fmin(x: Tensor, other: Tensor) -> Tensor:
    """The elementwise minimum that ignores NaN, as ``torch.fmin`` (ties to ``x``)."""
    x, other = _tensor("fmin", x), _tensor("fmin", other)
    return ew.where(ew.logical_or(x <= other, ew.isnan(other)), x, other)


def _integers(op: str, x: Any, other: Any) -> tuple[Tensor, Tensor]:
    x = _tensor(op, x)
    if not _is_array(other):
        other = asarray(other, backend=x.backend, device=x.device)
    for t in (x, other):
        if t.dtype.kind not in "iu":
            raise RuntimeError(f"{op}: \"{op}_cpu\" not implemented for '{t.dtype.name}' "
                               f"(integer tensors only; shapes {x.shape} and {other.shape})")
    return x.detach(), other.detach()


def gcd(x: Tensor, other: Tensor) -> Tensor:
    """The elementwise greatest common divisor of two integer tensors, never negative
    (``gcd(0, 0) = 0``), as ``torch.gcd`` (Euclid's algorithm, vectorized)."""
    a, b = _integers("gcd", x, other)
    a, b = shape.broadcast_arrays(ew.abs(a), ew.abs(b))
    a, b = a * 1, b * 1
    while builtins.bool(reductions.any(b != 0)):
        nz = b != 0
        safe = ew.where(nz, b, ones_like(b))
        a, b = ew.where(nz, b, a), ew.where(nz, ew.remainder(a, safe), b)
    return a


def lcm(x: Tensor, other: Tensor) -> Tensor:
    """The elementwise least common multiple of two integer tensors, never negative
    (0 where either is 0), as ``torch.lcm``."""
    a, b = _integers("lcm", x, other)
    g = gcd(a, b)
    safe = ew.where(g == 0, ones_like(g), g)
    return ew.where(g == 0, g, ew.abs(ew.floor_divide(a, safe) * b))


def _exp2_as(e: Tensor, dtype: Any) -> Tensor:
    """``2 ** e`` in the floating ``dtype`` (exact for integral ``e``)."""
    return ew.pow(2.0, shape.astype(e, dtype) if e.dtype != dtype else e)


def ldexp(x: Tensor, other: Tensor) -> Tensor:
    """``x * 2 ** other`` (``torch.ldexp``; the result is floating, of ``x``'s dtype or
    the default float). The gradient is ``2 ** other`` (PyTorch 2.13's is 0 where an
    integer ``other`` is negative: it takes the power in integer arithmetic)."""
    x = _floating("ldexp", x)
    other = _tensor("ldexp", other) if _is_array(other) else asarray(
        other, backend=x.backend, device=x.device)
    if other.dtype.kind in "fc" and other.dtype != x.dtype:
        return x * ew.pow(2.0, other)
    return x * ew.pow(2.0, shape.astype(other, x.dtype))


def _scaled_down(x: Tensor, e: Tensor) -> Tensor:
    """``x / 2 ** e`` in two halves (``2 ** 1024`` alone would overflow)."""
    half = ew.floor(e / 2)
    return x / _exp2_as(half, x.dtype) / _exp2_as(e - half, x.dtype)


class FrexpResult(NamedTuple):
    """``torch.frexp``'s result: ``x = mantissa * 2 ** exponent``, ``0.5 <= |mantissa| < 1``."""

    mantissa: Tensor
    exponent: Tensor


def frexp(x: Tensor) -> FrexpResult:
    """Split ``x`` into ``mantissa * 2 ** exponent`` with ``0.5 <= |mantissa| < 1`` and an
    int32 exponent (``(0, 0)`` for zeros; NaN and infinities keep their value with
    exponent 0), as ``torch.frexp``; the mantissa is differentiable."""
    x = _tensor("frexp", x)
    if x.dtype.kind != "f":
        raise RuntimeError(f"frexp: torch.frexp() only supports floating-point dtypes, got "
                           f"{x.dtype.name}")
    plain = x.detach()
    finite = ew.logical_and(ew.isfinite(plain), plain != 0)
    mag = ew.where(finite, ew.abs(plain), ones_like(plain))
    e = ew.floor(ew.log2(mag)) + 1
    m = _scaled_down(mag, e)
    e = ew.where(m >= 1, e + 1, ew.where(m < 0.5, e - 1, e))
    e = ew.where(finite, e, 0 * e)
    mantissa = _scaled_down(x, e)
    return FrexpResult(mantissa, shape.astype(e, "int32"))


def float_power(x: Any, exponent: Any) -> Tensor:
    """``x ** exponent`` computed in double precision (float64, or complex128 when
    either is complex), as ``torch.float_power``."""
    if not _is_array(x) and not _is_array(exponent):
        raise TypeError("float_power: expected at least one Tensor argument")
    ref = x if _is_array(x) else exponent
    cplx = any((_is_array(v) and v.dtype.kind == "c") or isinstance(v, builtins.complex)
               for v in (x, exponent))
    wide = "complex128" if cplx else "float64"

    def widened(v: Any) -> Any:
        if _is_array(v):
            return shape.astype(v, wide) if v.dtype != wide else v
        return asarray(v, dtype=wide, backend=ref.backend, device=ref.device)

    return ew.pow(widened(x), widened(exponent))


def sinc(x: Tensor) -> Tensor:
    """The normalized sinc ``sin(pi x) / (pi x)``, 1 at 0 (gradient 0 there), as
    ``torch.sinc``."""
    x = _floating("sinc", x)
    zero = x == 0
    px = ew.where(zero, ones_like(x), x) * math.pi
    return ew.where(zero, ones_like(x), ew.sin(px) / px)


def logaddexp2(x: Tensor, other: Tensor) -> Tensor:
    """``log2(2 ** x + 2 ** other)``, computed stably (``torch.logaddexp2``)."""
    ln2 = math.log(2.0)
    return ew.logaddexp(_floating("logaddexp2", x) * ln2, other * ln2) / ln2


def isposinf(x: Tensor) -> Tensor:
    """Where ``x`` is +inf (``torch.isposinf``)."""
    x = _tensor("isposinf", x)
    return ew.logical_and(ew.isinf(x), x > 0)


def isneginf(x: Tensor) -> Tensor:
    """Where ``x`` is -inf (``torch.isneginf``)."""
    x = _tensor("isneginf", x)
    return ew.logical_and(ew.isinf(x), x < 0)


def isreal(x: Tensor) -> Tensor:
    """Where ``x`` has no imaginary part (everywhere for real dtypes; ``torch.isreal``)."""
    x = _tensor("isreal", x)
    if x.dtype.kind == "c":
        return ew.imag(x.detach()) == 0
    return ones_like(x, dtype="bool")


class AminmaxResult(NamedTuple):
    """``torch.aminmax``'s result: the minimum and the maximum."""

    min: Tensor
    max: Tensor


def aminmax(x: Tensor, *, dim: Any = None, keepdim: builtins.bool = False) -> AminmaxResult:
    """The minimum and maximum of ``x`` (over ``dim``, or all elements), as
    ``torch.aminmax``; gradients as :func:`amin` and :func:`amax`."""
    x = _tensor("aminmax", x)
    if x.numel() == 0 and dim is None:
        raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty dimension as "
                           f"the operation has no identity (shape {x.shape})")
    return AminmaxResult(amin(x, () if dim is None else dim, keepdim) if dim is not None
                         else reductions.min(x, keepdims=keepdim),
                         amax(x, dim, keepdim) if dim is not None
                         else reductions.max(x, keepdims=keepdim))


def msort(x: Tensor) -> Tensor:
    """``x`` sorted along its first dimension (``torch.msort``)."""
    return tf.sort(_tensor("msort", x), 0).values


def _scan(x: tuple[Tensor, ...], d: builtins.int, combine: Any) -> Any:
    """An inclusive scan along axis ``d`` with the associative ``combine(left, right)``
    (Hillis-Steele: log2(n) rounds of whole-tensor ops). ``x`` is a tuple of tensors."""
    n = x[0].shape[d]
    step = 1
    while step < n:
        head = tuple(shape_slice(t, d, 0, step) for t in x)
        left = tuple(shape_slice(t, d, 0, n - step) for t in x)
        right = tuple(shape_slice(t, d, step, n) for t in x)
        merged = combine(left, right)
        x = tuple(shape.concat([h, m], axis=d) for h, m in zip(head, merged))
        step *= 2
    return x


def shape_slice(t: Tensor, d: builtins.int, start: builtins.int, stop: builtins.int) -> Tensor:
    """``t[..., start:stop, ...]`` on axis ``d``."""
    key = (slice(None),) * d + (slice(start, stop),)
    return t[key]


def _cum_extremum(op: str, x: Tensor, dim: Any, larger: builtins.bool) -> Any:
    x = _tensor(op, x)
    if x.ndim == 0:
        d = normalize_axis(op, dim, 1)
        return SortResult(x * 1, zeros((), dtype="int64", backend=x.backend, device=x.device))
    d = normalize_axis(op, dim, x.ndim)
    plain = x.detach()
    n = x.shape[d]
    idx = shape.broadcast_to(shape.reshape(
        arange(n, dtype="int64", backend=x.backend, device=x.device),
        (n,) + (1,) * (x.ndim - 1 - d)), x.shape)

    def combine(left: Any, right: Any) -> Any:
        (lv, li), (rv, ri) = left, right
        beats = (rv >= lv) if larger else (rv <= lv)
        if plain.dtype.kind in "fc":  # a NaN is kept until a later NaN
            beats = ew.logical_and(ew.logical_or(beats, ew.isnan(rv)),
                                   ew.logical_or(ew.logical_not(ew.isnan(lv)), ew.isnan(rv)))
        return ew.where(beats, rv, lv), ew.where(beats, ri, li)

    if n == 0:
        return SortResult(x * 1, idx * 1)
    _, indices = _scan((plain, idx), d, combine)
    return SortResult(indexing.take_along_axis(x, indices, axis=d), indices)


def cummax(x: Tensor, dim: builtins.int) -> SortResult:
    """The running maximum along ``dim`` and the index where each was reached (the
    latest index among ties; a NaN propagates), as ``torch.cummax``; the gradient goes to
    that index."""
    return _cum_extremum("cummax", x, dim, True)


def cummin(x: Tensor, dim: builtins.int) -> SortResult:
    """The running minimum along ``dim`` and its indices, as ``torch.cummin``."""
    return _cum_extremum("cummin", x, dim, False)


def logcumsumexp(x: Tensor, dim: builtins.int) -> Tensor:
    """``log(cumsum(exp(x)))`` along ``dim``, computed stably (a scan of
    :func:`logaddexp`, so no element underflows), as ``torch.logcumsumexp``."""
    x = _tensor("logcumsumexp", x)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"logcumsumexp: \"logcumsumexp_out_cpu\" not implemented for "
                           f"'{x.dtype.name}' (floating tensors only)")
    if x.ndim == 0:
        normalize_axis("logcumsumexp", dim, 1)
        return x * 1
    d = normalize_axis("logcumsumexp", dim, x.ndim)
    if x.shape[d] == 0:
        return x * 1
    return _scan((x,), d, lambda left, right: (ew.logaddexp(left[0], right[0]),))[0]


def _trapezoid_parts(op: str, y: Tensor, x: Any, dx: Any, dim: builtins.int) -> Any:
    """(the trapezoids' areas along ``dim`` moved last, or None for an empty axis)."""
    y = _tensor(op, y)
    if x is not None and dx is not None:
        raise TypeError(f"{op}: pass either x or dx, not both")
    d = normalize_axis(op, dim, y.ndim)
    ym = shape.moveaxis(y, d, -1)
    n = ym.shape[-1]
    if n == 0:
        return ym, None
    avg = (ym[..., 1:] + ym[..., :-1]) / 2
    if x is None:
        return ym, avg * (1 if dx is None else dx)
    if not _is_array(x):
        raise TypeError(f"{op}: x must be a Tensor, got {type(x).__name__}")
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point "
                               f"(x has {x.shape[0]}, y has {n} along dim {dim})")
        spacing = x[1:] - x[:-1]
    else:
        xm = shape.moveaxis(x, d if x.ndim == y.ndim else -1, -1)
        spacing = xm[..., 1:] - xm[..., :-1]
    return ym, avg * spacing


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: builtins.int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: sample points ``x`` (a 1-D tensor, or one
    broadcastable to ``y``) or a constant spacing ``dx`` (default 1), as
    ``torch.trapezoid``."""
    ym, parts = _trapezoid_parts("trapezoid", y, x, dx, dim)
    if parts is None:
        return reductions.sum(ym, axis=-1)
    return reductions.sum(parts, axis=-1)


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: builtins.int = -1) -> Tensor:
    """PyTorch's older name for :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None,
                         dim: builtins.int = -1) -> Tensor:
    """The running trapezoidal rule along ``dim`` (one fewer element than ``y`` there),
    as ``torch.cumulative_trapezoid``."""
    y = _tensor("cumulative_trapezoid", y)
    d = normalize_axis("cumulative_trapezoid", dim, y.ndim)
    ym, parts = _trapezoid_parts("cumulative_trapezoid", y, x, dx, dim)
    if parts is None:
        return shape.moveaxis(ym * 1, -1, d)
    return shape.moveaxis(reductions.cumulative_sum(parts, axis=-1), -1, d)


def cov(x: Tensor, *, correction: builtins.int = 1, fweights: Any = None,
        aweights: Any = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``x`` (observations in the
    columns; a 1-D ``x`` is one variable), with optional integer frequency weights and
    float observation weights, as ``torch.cov``."""
    x = _tensor("cov", x)
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got "
                           f"an input with {x.ndim} dimensions (shape {x.shape})")
    obs = x if x.ndim == 2 else shape.reshape(x, (1, -1))
    if obs.dtype.kind not in "fc":
        obs = shape.astype(obs, default_float(obs.backend))
    n = obs.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        if weights.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but "
                               f"got {name} with {weights.ndim} dimensions")
        if weights.numel() != n:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                               f"observations in the input but got {weights.numel()} != {n}")
        if name == "fweights" and weights.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got "
                               f"fweights with {weights.dtype.name} dtype")
        if name == "aweights" and weights.dtype.kind != "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but "
                               f"got aweights with {weights.dtype.name} dtype")
        if builtins.bool(reductions.any(weights < 0)):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = weights if w is None else w * weights
    if w is None:
        w_sum = asarray(n, dtype=obs.dtype, backend=obs.backend, device=obs.device)
        avg = reductions.mean(obs, axis=1, keepdims=True)
        norm = w_sum - correction
    else:
        w = shape.astype(w, obs.dtype) if w.dtype != obs.dtype else w
        w_sum = reductions.sum(w)
        avg = reductions.sum(obs * w, axis=1, keepdims=True) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            aw = shape.astype(aweights, obs.dtype)
            norm = w_sum - correction * reductions.sum(w * aw) / w_sum
    norm = ew.where(norm < 0, 0 * norm, norm)
    centered = obs - avg
    weighted = centered if w is None else centered * w
    out = linalg.matmul(weighted, ew.conj(shape.matrix_transpose(centered))) / norm
    return shape.reshape(out, ()) if x.ndim < 2 else out


def corrcoef(x: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the rows of ``x`` (``torch.corrcoef``), the
    real parts clipped to ``[-1, 1]``."""
    c = cov(x)
    if c.ndim == 0:
        return c / c
    d = la.diagonal(c)
    std = ew.sqrt(d)
    c = c / shape.reshape(std, (-1, 1)) / shape.reshape(std, (1, -1))
    if c.dtype.kind == "c":
        return c
    return ew.clip(c, -1, 1)


def _window(op: str, n: Any, periodic: builtins.bool, dtype: Any, device: Any,
            backend: Any, requires_grad: builtins.bool, fn: Any) -> Tensor:
    """A window of ``n`` points: ``fn(k, m)`` with ``k`` the positions 0..n-1 (float64)
    and ``m`` the denominator (``n`` periodic, ``n - 1`` symmetric)."""
    if not isinstance(n, builtins.int) or isinstance(n, builtins.bool) or n < 0:
        raise RuntimeError(f"{op} requires non-negative window_length, got "
                           f"window_length={n!r}")
    if dtype is not None and _dtypes_kind(dtype) not in "f":
        raise RuntimeError(f"{op} expects floating point dtypes, got: {dtype}")
    wide = _widest_float(backend)
    if n <= 1:
        out = ones_like(arange(n, dtype=wide, backend=backend, device=device))
    else:
        k = arange(n, dtype=wide, backend=backend, device=device)
        out = fn(k, builtins.float(n if periodic else n - 1))
    return _finish_created(op, out, dtype, requires_grad)


def _dtypes_kind(dtype: Any) -> str:
    return str(_dtype_named(dtype).kind)


def hann_window(window_length: builtins.int, periodic: builtins.bool = True, *,
                dtype: Any = None, device: Any = None, backend: Any = None,
                requires_grad: builtins.bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi k / m)`` (``torch.hann_window``; ``m`` is
    ``window_length`` when ``periodic``, else ``window_length - 1``)."""
    return _window("hann_window", window_length, periodic, dtype, device, backend,
                   requires_grad, lambda k, m: 0.5 - 0.5 * ew.cos(2 * math.pi * k / m))


def hamming_window(window_length: builtins.int, periodic: builtins.bool = True,
                   alpha: builtins.float = 0.54, beta: builtins.float = 0.46, *,
                   dtype: Any = None, device: Any = None, backend: Any = None,
                   requires_grad: builtins.bool = False) -> Tensor:
    """The Hamming window ``alpha - beta cos(2 pi k / m)`` (``torch.hamming_window``)."""
    return _window("hamming_window", window_length, periodic, dtype, device, backend,
                   requires_grad,
                   lambda k, m: alpha - beta * ew.cos(2 * math.pi * k / m))


def blackman_window(window_length: builtins.int, periodic: builtins.bool = True, *,
                    dtype: Any = None, device: Any = None, backend: Any = None,
                    requires_grad: builtins.bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi k / m) + 0.08 cos(4 pi k / m)``
    (``torch.blackman_window``)."""
    return _window("blackman_window", window_length, periodic, dtype, device, backend,
                   requires_grad,
                   lambda k, m: 0.42 - 0.5 * ew.cos(2 * math.pi * k / m)
                   + 0.08 * ew.cos(4 * math.pi * k / m))


def bartlett_window(window_length: builtins.int, periodic: builtins.bool = True, *,
                    dtype: Any = None, device: Any = None, backend: Any = None,
                    requires_grad: builtins.bool = False) -> Tensor:
    """The triangular Bartlett window ``1 - |2 k / m - 1|`` (``torch.bartlett_window``)."""
    return _window("bartlett_window", window_length, periodic, dtype, device, backend,
                   requires_grad, lambda k, m: 1 - ew.abs(2 * k / m - 1))


def vander(x: Tensor, N: builtins.int | None = None,  # noqa: N803 - torch's name
           increasing: builtins.bool = False) -> Tensor:
    """The Vandermonde matrix of the 1-D ``x``: columns ``x ** (N - 1)`` ... ``x ** 0``
    (reversed when ``increasing``), ``N = len(x)`` by default, as ``torch.vander``;
    built by repeated products, so the gradient is exact at ``x = 0``."""
    x = _tensor("vander", x)
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {x.shape}")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    if x.dtype.kind == "b" or (x.dtype.kind in "iu" and x.dtype.bits < 64):
        x = shape.astype(x, "int64")
    if n == 0:
        return zeros((x.shape[0], 0), dtype=x.dtype, backend=x.backend, device=x.device)
    cols = [ones_like(x)]
    for _ in range(n - 1):
        cols.append(cols[-1] * x)
    if not increasing:
        cols = cols[::-1]
    return shape.stack(cols, axis=1)


def unravel_index(indices: Any, shape_: Any) -> tuple[Tensor, ...]:
    """The coordinates of flat ``indices`` in an array of shape ``shape_``, one int64
    tensor per dimension (``torch.unravel_index``: as PyTorch, each coordinate is taken
    modulo its dimension, so negative and out-of-range indices wrap around)."""
    if not _is_array(indices):
        indices = asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, but "
                        f"got {indices.dtype.name}")
    dims = (shape_,) if isinstance(shape_, builtins.int) else tuple(shape_)
    if any(builtins.int(s) < 0 for s in dims):
        raise ValueError(f"unravel_index: 'shape' cannot have negative values, but got "
                         f"{dims}")
    flat = shape.astype(indices, "int64").detach()
    out = []
    for s in reversed(dims):
        out.append(ew.remainder(flat, builtins.int(s)) if s else flat * 0)
        flat = ew.floor_divide(flat, builtins.int(s)) if s else flat
    return tuple(reversed(out))


def combinations(x: Tensor, r: builtins.int = 2,
                 with_replacement: builtins.bool = False) -> Tensor:
    """The length-``r`` combinations of the elements of the 1-D ``x`` as rows, in
    lexicographic order of positions (``torch.combinations``; differentiable)."""
    x = _tensor("combinations", x)
    if x.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {x.shape}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return zeros((0,), dtype=x.dtype, backend=x.backend, device=x.device)
    pick = (itertools.combinations_with_replacement if with_replacement
            else itertools.combinations)
    rows = builtins.list(pick(builtins.range(x.shape[0]), r))
    if not rows:
        return zeros((0, r), dtype=x.dtype, backend=x.backend, device=x.device)
    idx = asarray(rows, dtype="int64", backend=x.backend, device=x.device)
    return shape.reshape(indexing.take(x, shape.reshape(idx, (-1,))), (len(rows), r))


def nanmedian(x: Tensor, dim: builtins.int | None = None,
              keepdim: builtins.bool = False) -> Any:
    """The median ignoring NaNs (the lower middle value of the non-NaN elements; NaN
    where all are NaN), as ``torch.nanmedian``: a 0-d tensor without ``dim``, the named
    tuple ``(values, indices)`` with it. The gradient goes to the chosen element."""
    return _median_like("nanmedian", _nanmedian_along, x, dim, keepdim)


def _nanmedian_along(x: Tensor, d: int, keepdim: builtins.bool) -> SortResult:
    if x.shape[d] == 0:
        raise IndexError(f"nanmedian: dim {d} of shape {x.shape} is empty")
    if x.dtype.kind != "f":
        return _median_along(x, d, keepdim)
    order = reductions.argsort(x, axis=d, stable=True)  # NaNs sort last
    count = reductions.sum(shape.astype(ew.logical_not(ew.isnan(x)), "int64"), axis=d,
                           keepdims=True)
    k = ew.where(count > 0, ew.floor_divide(count - 1, 2), 0 * count)
    pick = indexing.take_along_axis(order, shape.astype(k, order.dtype), axis=d)
    values = indexing.take_along_axis(x, pick, axis=d)
    if not keepdim:
        values, pick = shape.squeeze(values, d), shape.squeeze(pick, d)
    return SortResult(values, pick)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(op: str, x: Tensor, q: Any, dim: Any, keepdim: builtins.bool,
              interpolation: str, ignore_nan: builtins.bool) -> Tensor:
    x = _tensor(op, x)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got "
                           f"{x.dtype.name}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}() interpolation must be one of linear, lower, higher, "
                         f"midpoint or nearest. Got {interpolation}")
    scalar_q = not _is_array(q)
    qt = asarray(q, dtype=x.dtype, backend=x.backend, device=x.device) if scalar_q else q
    if qt.ndim > 1:
        raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {qt.shape}")
    if qt.dtype != x.dtype:
        raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor (got "
                           f"{qt.dtype.name} and {x.dtype.name})")
    qv = qt.detach()
    if qv.numel() and builtins.bool(reductions.any(ew.logical_or(qv < 0, qv > 1))):
        bad = q if scalar_q else "values outside it"
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {bad}")
    if dim is None:
        data, d = shape.reshape(x, (-1,)), 0
    else:
        d = normalize_axis(op, dim, x.ndim, scalar_ok=True)
        data = x if x.ndim else shape.reshape(x, (1,))
    if data.shape[d] == 0:
        raise IndexError(f"{op}() input tensor must be non-empty (shape {x.shape})")
    moved = shape.moveaxis(data, d, -1)
    srt = tf.sort(moved, -1).values  # NaNs last
    n = moved.shape[-1]
    nan = ew.isnan(moved.detach())
    if ignore_nan:
        valid = reductions.sum(shape.astype(ew.logical_not(nan), x.dtype), axis=-1,
                               keepdims=True)
    else:
        valid = asarray(builtins.float(n), dtype=x.dtype, backend=x.backend, device=x.device)
    qs = shape.reshape(qv, (-1,))  # (Q,)
    lead = srt.ndim - 1
    rank = shape.reshape(qs, (-1,) + (1,) * lead + (1,)) * (
        shape.expand_dims(valid, axis=0) - 1)  # (Q, ..., 1)
    if interpolation == "lower":
        rank = ew.floor(rank)
    elif interpolation == "higher":
        rank = ew.ceil(rank)
    elif interpolation == "nearest":
        rank = ew.round(rank)  # half to even, as PyTorch
    rank = ew.where(rank < 0, 0 * rank, rank)
    lo = ew.floor(rank)
    hi = ew.ceil(rank)
    frac_ = rank - lo
    if interpolation == "midpoint":
        frac_ = ew.where(hi > lo, 0.5 + 0 * frac_, 0 * frac_)
    expanded = shape.broadcast_to(shape.expand_dims(srt, axis=0), (qs.shape[0],) + srt.shape)
    lo_i = shape.broadcast_to(shape.astype(lo, "int64"), expanded.shape[:-1] + (1,))
    hi_i = shape.broadcast_to(shape.astype(hi, "int64"), expanded.shape[:-1] + (1,))
    below = indexing.take_along_axis(expanded, lo_i, axis=-1)
    above = indexing.take_along_axis(expanded, hi_i, axis=-1)
    out = tf.lerp(below, above, shape.broadcast_to(frac_, below.shape))
    if ignore_nan:
        out = ew.where(shape.broadcast_to(shape.expand_dims(valid, axis=0), out.shape) == 0,
                       math.nan, out)
    else:
        any_nan = shape.expand_dims(reductions.any(nan, axis=-1, keepdims=True), axis=0)
        out = ew.where(shape.broadcast_to(any_nan, out.shape), math.nan, out)
    out = shape.squeeze(out, -1)  # (Q, ...rest)
    if keepdim:
        if dim is None:
            out = shape.reshape(out, (out.shape[0],) + (1,) * x.ndim)
        elif x.ndim:
            out = shape.expand_dims(out, axis=d + 1)
    if scalar_q:
        out = shape.reshape(out, out.shape[1:])
    return out


def quantile(x: Tensor, q: Any, dim: builtins.int | None = None,
             keepdim: builtins.bool = False, *, interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles of ``x`` (over ``dim``, or all elements), as
    ``torch.quantile``: ``q`` a float or a 1-D tensor (its values make a new first
    dimension), five interpolations, NaN where the reduced elements hold a NaN;
    differentiable in ``x``."""
    return _quantile("quantile", x, q, dim, keepdim, interpolation, False)


def nanquantile(x: Tensor, q: Any, dim: builtins.int | None = None,
                keepdim: builtins.bool = False, *, interpolation: str = "linear") -> Tensor:
    """:func:`quantile` ignoring NaNs (NaN only where all reduced elements are NaN), as
    ``torch.nanquantile``."""
    return _quantile("nanquantile", x, q, dim, keepdim, interpolation, True)


def mvlgamma(x: Tensor, p: builtins.int) -> Tensor:
    """The multivariate log-gamma ``sum_j lgamma(x - j/2) + p(p-1)/4 log(pi)`` for
    ``j < p`` (``torch.mvlgamma``)."""
    x = _floating("mvlgamma", x)
    if not isinstance(p, builtins.int) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    out = special.lgamma(x)
    for j in range(1, p):
        out = out + special.lgamma(x - j / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


def polygamma(n: builtins.int, x: Tensor) -> Tensor:
    """The ``n``-th derivative of :func:`digamma` (``torch.polygamma``): ``digamma`` for
    ``n = 0``; above, the recurrence moves ``x`` up by 10 and the asymptotic series
    finishes (moved further for negative ``x``, so every element ends above 10;
    ``(-1)**(n+1) inf`` at the poles 0, -1, -2..., as PyTorch at 0). Differentiable:
    the gradient is ``polygamma(n + 1)``."""
    if not isinstance(n, builtins.int) or isinstance(n, builtins.bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n!r}")
    x = _floating("polygamma", x)
    if n == 0:
        return special.digamma(x)
    lowest = builtins.float(reductions.min(x.detach()).item()) if x.numel() else 0.0
    shift = 10 + (builtins.int(math.ceil(-lowest)) if lowest < 0 and math.isfinite(lowest)
                  else 0)
    out = special.polygamma_series(n, x, shift)
    pole = ew.logical_and(x <= 0, x == ew.floor(x))
    return ew.where(pole, math.inf if n % 2 else -math.inf, out)


# ------------------------------------------------------- linear algebra (tns, group 3)
def logdet(x: Tensor) -> Tensor:
    """``log(det(x))``: NaN for a negative real determinant, ``-inf`` for a singular
    matrix (``torch.logdet``); complex input gives the complex logarithm."""
    sign, logabs = la.slogdet(_tensor("logdet", x))
    if sign.dtype.kind == "c":
        return ew.log(sign) + logabs
    return ew.where(sign.detach() < 0, math.nan, logabs)


def pinverse(x: Tensor, rcond: builtins.float = 1e-15) -> Tensor:
    """The pseudo-inverse, singular values below ``rcond`` times the largest dropped
    (``torch.pinverse``)."""
    return la.pinv(_tensor("pinverse", x), rtol=rcond)


def matrix_exp(x: Tensor) -> Tensor:
    """The matrix exponential of each square matrix (``torch.matrix_exp``): scaling and
    squaring with a degree-18 Taylor polynomial (the scaled matrix has 1-norm at most 0.5,
    so the truncation is below 1e-22); built from matmuls, so it is differentiable."""
    x = _tensor("matrix_exp", x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but "
                           f"they are {x.shape[-2] if x.ndim > 1 else x.shape} by "
                           f"{x.shape[-1] if x.ndim else ''} matrices (shape {x.shape})")
    n = x.shape[-1]
    if x.numel() == 0:
        return x * 1
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.matrix_exp: expected a floating point or complex "
                           f"tensor, got {x.dtype.name}")
    norm1 = builtins.float(reductions.max(reductions.sum(ew.abs(x.detach()), axis=-2)).item())
    if not math.isfinite(norm1):
        squarings = 0
    else:
        squarings = builtins.max(0, builtins.int(math.ceil(math.log2(norm1 / 0.5)))) \
            if norm1 > 0.5 else 0
    scaled = x / (2.0 ** squarings) if squarings else x
    eye = asarray([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)],
                  dtype=x.dtype, backend=x.backend, device=x.device)
    out = eye + scaled / 18.0
    for k in range(17, 0, -1):
        out = eye + linalg.matmul(scaled, out) / builtins.float(k)
    for _ in range(squarings):
        out = linalg.matmul(out, out)
    return out


def _triangle(m: Tensor, upper: builtins.bool, unitriangular: builtins.bool) -> Tensor:
    t = shape.triu(m) if upper else shape.tril(m)
    if unitriangular:
        n = m.shape[-1]
        eye = asarray([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)],
                      dtype=m.dtype, backend=m.backend, device=m.device)
        t = t * (1 - eye) + eye
    return t


def _square_check(op: str, a: Tensor) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, got shape "
                           f"{a.shape}")


def solve_triangular(a: Tensor, b: Tensor, *, upper: builtins.bool,
                     left: builtins.bool = True,
                     unitriangular: builtins.bool = False) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``) for a triangular ``A``,
    reading only its upper or lower triangle (the diagonal taken as ones when
    ``unitriangular``), as ``torch.linalg.solve_triangular``."""
    a, b = _tensor("linalg.solve_triangular", a), _tensor("linalg.solve_triangular", b)
    _square_check("linalg.solve_triangular", a)
    if b.ndim < 2:
        raise RuntimeError(f"linalg.solve_triangular: B must have at least 2 dimensions, "
                           f"got shape {b.shape}")
    t = _triangle(a, upper, unitriangular)
    if left:
        return la.solve(t, b)
    return shape.matrix_transpose(la.solve(shape.matrix_transpose(t),
                                           shape.matrix_transpose(b)))


class TriangularSolveResult(NamedTuple):
    """``torch.triangular_solve``'s result."""

    solution: Tensor
    cloned_coefficient: Tensor


def triangular_solve(b: Tensor, a: Tensor, upper: builtins.bool = True,
                     transpose: builtins.bool = False,
                     unitriangular: builtins.bool = False) -> TriangularSolveResult:
    """PyTorch's older ``torch.triangular_solve(b, A)``: ``X`` with ``A X = b`` (``A^T X
    = b`` when ``transpose``), and a copy of ``A``."""
    a, b = _tensor("triangular_solve", a), _tensor("triangular_solve", b)
    _square_check("triangular_solve", a)
    t = _triangle(a, upper, unitriangular)
    if transpose:
        t = shape.matrix_transpose(t)
    return TriangularSolveResult(la.solve(t, b), a * 1)


def _factor_as_lower(f: Tensor, upper: builtins.bool) -> Tensor:
    """The lower Cholesky factor: its value reads only the factor's triangle (as LAPACK's
    potrs), its gradient flows to the whole of ``f`` (PyTorch's formula does not project
    onto the triangle)."""
    tri = shape.triu(f) if upper else shape.tril(f)
    f = f + (tri - f).detach()
    return ew.conj(shape.matrix_transpose(f)) if upper else f


def cholesky_solve(b: Tensor, l_factor: Tensor, upper: builtins.bool = False) -> Tensor:
    """``X`` with ``A X = B`` where ``A = L L^H`` (``U^H U`` when ``upper``) from its
    Cholesky factor (``torch.cholesky_solve``): two triangular solves, reading only the
    factor's triangle; the gradient to the factor is PyTorch's (not projected onto the
    triangle)."""
    b = _tensor("cholesky_solve", b)
    f = _tensor("cholesky_solve", l_factor)
    _square_check("cholesky_solve", f)
    low = _factor_as_lower(f, upper)
    y = la.solve(low, b)
    return la.solve(ew.conj(shape.matrix_transpose(low)), y)


def cholesky_inverse(l_factor: Tensor, upper: builtins.bool = False) -> Tensor:
    """The inverse of ``A = L L^H`` from its Cholesky factor (``torch.cholesky_inverse``)."""
    f = _tensor("cholesky_inverse", l_factor)
    _square_check("cholesky_inverse", f)
    n = f.shape[-1]
    eye = asarray([[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)],
                  dtype=f.dtype, backend=f.backend, device=f.device)
    return cholesky_solve(shape.broadcast_to(eye, f.shape), f, upper)


def cholesky(x: Tensor, upper: builtins.bool = False) -> Tensor:
    """PyTorch's older ``torch.cholesky`` (``torch.linalg.cholesky`` with ``upper``)."""
    return la.cholesky(_tensor("cholesky", x), upper=upper)


def qr(x: Tensor, some: builtins.bool = True) -> Any:
    """PyTorch's older ``torch.qr``: ``(Q, R)``, reduced unless ``some=False``."""
    return la.qr(_tensor("qr", x), mode="reduced" if some else "complete")


class SVDOldResult(NamedTuple):
    """``torch.svd``'s result: ``A = U diag(S) V^H`` (``V``, not ``V^H``)."""

    U: Tensor
    S: Tensor
    V: Tensor


def svd(x: Tensor, some: builtins.bool = True,
        compute_uv: builtins.bool = True) -> SVDOldResult:
    """PyTorch's older ``torch.svd``: ``(U, S, V)`` with ``V`` itself (not ``V^H``),
    reduced unless ``some=False``; with ``compute_uv=False``, ``U`` and ``V`` are zeros
    of shape ``(m, m)`` and ``(n, n)``."""
    x = _tensor("svd", x)
    if not compute_uv:
        m, n = x.shape[-2], x.shape[-1]
        lead = tuple(x.shape[:-2])
        return SVDOldResult(zeros(lead + (m, m), dtype=x.dtype, backend=x.backend,
                                  device=x.device), la.svdvals(x),
                            zeros(lead + (n, n), dtype=x.dtype, backend=x.backend,
                                  device=x.device))
    u, s, vh = la.svd(x, full_matrices=not some)
    return SVDOldResult(u, s, ew.conj(shape.matrix_transpose(vh)))


def addbmm(x: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * sum_b batch1[b] @ batch2[b]`` (``torch.addbmm``)."""
    product = reductions.sum(tf.bmm(batch1, batch2), axis=0)
    return _add_scaled(_tensor("addbmm", x), product, beta, alpha)


def addr(x: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * outer(vec1, vec2)`` (``torch.addr``)."""
    v1, v2 = _tensor("addr", vec1), _tensor("addr", vec2)
    if v1.ndim != 1 or v2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1 and vec2, but got shapes "
                           f"{v1.shape} and {v2.shape}")
    return _add_scaled(_tensor("addr", x), linalg.outer(v1, v2), beta, alpha)


def vdot(a: Tensor, b: Tensor) -> Tensor:
    """``sum(conj(a) * b)`` of two 1-D tensors of the same size and dtype
    (``torch.vdot``)."""
    a, b = _tensor("vdot", a), _tensor("vdot", b)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"vdot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D "
                           f"tensors (shapes {a.shape} and {b.shape})")
    if a.shape != b.shape:
        raise RuntimeError(f"vdot: inconsistent tensor size, expected tensors of the same "
                           f"size, got {a.shape} and {b.shape}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"vdot: expected both vectors to have the same dtype, but found "
                           f"{a.dtype.name} and {b.dtype.name}")
    return reductions.sum(ew.conj(a) * b)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """The product of a chain of matrices (the first may be a row vector, the last a
    column vector: 1-D), as ``torch.linalg.multi_dot``."""
    mats = [_tensor("linalg.multi_dot", t) for t in tensors]
    if len(mats) < 2:
        raise RuntimeError(f"linalg.multi_dot(): expected at least 2 tensors but got "
                           f"{len(mats)}")
    first_vec, last_vec = mats[0].ndim == 1, mats[-1].ndim == 1
    if first_vec:
        mats[0] = shape.reshape(mats[0], (1, -1))
    if last_vec:
        mats[-1] = shape.reshape(mats[-1], (-1, 1))
    for i, m in enumerate(mats):
        if m.ndim != 2:
            raise RuntimeError(f"linalg.multi_dot(): tensor {i} must be 2D but got "
                               f"{m.ndim}D (shape {m.shape})")
    out = mats[0]
    for m in mats[1:]:
        out = linalg.matmul(out, m)
    if first_vec and last_vec:
        return shape.reshape(out, ())
    if first_vec:
        return shape.reshape(out, (-1,))
    if last_vec:
        return shape.reshape(out, (-1,))
    return out


def chain_matmul(*matrices: Tensor) -> Tensor:
    """PyTorch's older ``torch.chain_matmul``: the product of 2-D matrices."""
    if len(matrices) == 1:
        return matrices[0] * 1
    return multi_dot(list(matrices))


def nuclear_norm(x: Tensor, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
    """The sum of the singular values (over the matrices spanned by ``dim``, default the
    last two), as ``torch.nuclear_norm``."""
    x = _tensor("nuclear_norm", x)
    if dim is not None:
        d0, d1 = (normalize_axis("nuclear_norm", d, x.ndim) for d in dim)
        x = shape.moveaxis(x, (d0, d1), (-2, -1))
    out = la.matrix_norm(x, ord="nuc", keepdims=keepdim)
    if keepdim and dim is not None:
        out = shape.moveaxis(out, (-2, -1), (d0, d1))
    return out


def cond(a: Tensor, p: Any = None) -> Tensor:
    """The condition number of each matrix in the norm ``p`` (``torch.linalg.cond``):
    ``s_max / s_min`` for ``p`` None or 2, ``s_min / s_max`` for -2, else
    ``norm(A, p) * norm(inv(A), p)``."""
    a = _tensor("linalg.cond", a)
    if p is None or p in (2, -2):
        s = la.svdvals(a)
        hi, lo = reductions.max(s, axis=-1), reductions.min(s, axis=-1)
        return lo / hi if p == -2 else hi / lo
    _square_check("linalg.cond", a)
    return la.matrix_norm(a, ord=p) * la.matrix_norm(la.inv(a), ord=p)


def linalg_vander(x: Tensor, *, N: builtins.int | None = None) -> Tensor:  # noqa: N803
    """``torch.linalg.vander``: increasing powers ``x ** 0 ... x ** (N - 1)`` along a new
    last dimension, batched over ``x``'s leading dimensions."""
    x = _tensor("linalg.vander", x)
    if x.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    n = x.shape[-1] if N is None else N
    if n <= 1 and N is not None and n < 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {n}")
    if x.dtype.kind == "b" or (x.dtype.kind in "iu" and x.dtype.bits < 64):
        x = shape.astype(x, "int64")
    cols = [ones_like(x)]
    for _ in range(n - 1):
        cols.append(cols[-1] * x)
    return shape.stack(cols, axis=-1)


def tensorinv(a: Tensor, ind: builtins.int = 2) -> Tensor:
    """The inverse of ``a`` for ``tensordot`` over its first ``ind`` dimensions
    (``torch.linalg.tensorinv``)."""
    a = _tensor("linalg.tensorinv", a)
    if ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: Expected a strictly positive integer for "
                           f"'ind', but got {ind}")
    out_shape, in_shape = tuple(a.shape[:ind]), tuple(a.shape[ind:])
    rows = math.prod(out_shape)
    cols = math.prod(in_shape)
    if rows != cols:
        raise RuntimeError(f"linalg.tensorinv: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got "
                           f"{cols} != {rows}")
    inv = la.inv(shape.reshape(a, (rows, cols)))
    return shape.reshape(inv, in_shape + out_shape)


def tensorsolve(a: Tensor, b: Tensor, dims: Any = None) -> Tensor:
    """``X`` with ``tensordot(a, X, X.ndim) = b`` (``torch.linalg.tensorsolve``)."""
    a, b = _tensor("linalg.tensorsolve", a), _tensor("linalg.tensorsolve", b)
    if dims is not None:
        moved = [normalize_axis("linalg.tensorsolve", d, a.ndim) for d in dims]
        a = shape.moveaxis(a, tuple(moved), tuple(range(a.ndim - len(moved), a.ndim)))
    rest = tuple(a.shape[b.ndim:])
    rows = math.prod(tuple(b.shape))
    cols = math.prod(rest)
    if rows != cols:
        raise RuntimeError(f"linalg.tensorsolve: Expected self to satisfy the requirement "
                           f"prod(result.shape) == prod(other.shape), but got {cols} != "
                           f"{rows}")
    x = la.solve(shape.reshape(a, (rows, cols)), shape.reshape(b, (rows, 1)))
    return shape.reshape(x, rest)


class LstsqResult(NamedTuple):
    """``torch.linalg.lstsq``'s result."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(a: Tensor, b: Tensor, rcond: builtins.float | None = None, *,
          driver: str | None = None) -> LstsqResult:
    """The minimum-norm least-squares solution of ``A X = B`` (``torch.linalg.lstsq``).

    As PyTorch's CPU drivers: ``rank`` for ``gelsy`` (the default), ``gelsd`` and
    ``gelss``; ``singular_values`` for ``gelsd`` and ``gelss``; ``residuals`` (the
    squared residual norms) where ``m > n`` and every matrix has full rank, except with
    ``gelsy``; empty tensors otherwise. ``rcond`` defaults to ``eps * max(m, n)``.
    Differentiable in ``A`` and ``B`` (through the pseudo-inverse) where the rank is
    locally constant."""
    a, b = _tensor("linalg.lstsq", a), _tensor("linalg.lstsq", b)
    drivers = (None, "gelsy", "gelsd", "gelss", "gels")
    if driver not in drivers:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"(gels, gelsy, gelsd, gelss), got {driver}")
    if a.ndim < 2:
        raise RuntimeError(f"torch.linalg.lstsq: input must have at least 2 dimensions, got "
                           f"shape {a.shape}")
    vector = b.ndim == a.ndim - 1
    bm = shape.expand_dims(b, axis=-1) if vector else b
    if bm.shape[-2] != a.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
                           f"(shapes {a.shape} and {b.shape})")
    m, n = a.shape[-2], a.shape[-1]
    eps = builtins.float(a.backend.xp.finfo(a.array.dtype).eps)
    tol = eps * builtins.max(m, n) if rcond is None or rcond < 0 else rcond
    s = la.svdvals(a.detach())
    smax = reductions.max(s, axis=-1, keepdims=True) if s.shape[-1] else s
    rank = reductions.sum(shape.astype(s > tol * smax, "int64"), axis=-1)
    solution = linalg.matmul(la.pinv(a, rtol=tol), bm)
    empty = zeros((0,), dtype=a.dtype, backend=a.backend, device=a.device)
    full = m > n and builtins.bool(reductions.all(rank == n))
    residuals = empty
    if full and driver not in (None, "gelsy"):
        residuals = reductions.sum(ew.abs(linalg.matmul(a, solution) - bm) ** 2, axis=-2)
    values = la.svdvals(a) if driver in ("gelsd", "gelss") else empty
    rank_out = rank if driver != "gels" else zeros((0,), dtype="int64", backend=a.backend,
                                                    device=a.device)
    if vector:
        solution = shape.squeeze(solution, -1)
    return LstsqResult(solution, residuals, rank_out, values)


# ------------------------------------------------------ indexing and shape (tns, group 4)
def rot90(x: Tensor, k: builtins.int = 1, dims: Sequence[builtins.int] = (0, 1)) -> Tensor:
    """``x`` rotated by ``k`` quarter turns in the plane ``dims``, from the first axis
    towards the second (``torch.rot90``)."""
    x = _tensor("rot90", x)
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = "
                           f"{x.ndim}")
    d0, d1 = (normalize_axis("rot90", d, x.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got "
                           f"dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return shape.transpose(shape.flip(x, axis=d1), d0, d1)
    if k == 2:
        return shape.flip(x, axis=(d0, d1))
    if k == 3:
        return shape.flip(shape.transpose(x, d0, d1), axis=d1)
    return x * 1


def fliplr(x: Tensor) -> Tensor:
    """``x`` flipped along its second dimension (``torch.fliplr``: at least 2-D)."""
    x = _tensor("fliplr", x)
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {x.shape}")
    return shape.flip(x, axis=1)


def flipud(x: Tensor) -> Tensor:
    """``x`` flipped along its first dimension (``torch.flipud``: at least 1-D)."""
    x = _tensor("flipud", x)
    if x.ndim < 1:
        raise RuntimeError(f"flipud: Input must be >= 1-d, got shape {x.shape}")
    return shape.flip(x, axis=0)


def _directional_split(op: str, x: Tensor, sections: Any, dim: builtins.int,
                       min_ndim: builtins.int) -> tuple[Tensor, ...]:
    x = _tensor(op, x)
    if x.ndim < min_ndim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_ndim} "
                           f"dimension, but got a tensor with {x.ndim} dimensions!")
    if isinstance(sections, builtins.int) and not isinstance(sections, builtins.bool):
        size = x.shape[dim]
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but "
                               f"the size of the dimension {size} is not divisible by the "
                               f"split_size {sections}!")
    return tensor_split(x, sections, dim)


def hsplit(x: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """Split along the second dimension (the first for a 1-D tensor) into ``sections``
    equal parts or at the given indices (``torch.hsplit``)."""
    x = _tensor("hsplit", x)
    return _directional_split("hsplit", x, sections, 0 if x.ndim == 1 else 1, 1)


def vsplit(x: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """Split along the first dimension (``torch.vsplit``: at least 2-D)."""
    return _directional_split("vsplit", x, sections, 0, 2)


def dsplit(x: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """Split along the third dimension (``torch.dsplit``: at least 3-D)."""
    return _directional_split("dsplit", x, sections, 2, 3)


def split_with_sizes(x: Tensor, split_sizes: Sequence[builtins.int],
                     dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of exactly ``split_sizes`` along ``dim``
    (``torch.split_with_sizes``: the sizes must add up to the dimension)."""
    x = _tensor("split_with_sizes", x)
    d = normalize_axis("split_with_sizes", dim, x.ndim)
    sizes = [builtins.int(s) for s in split_sizes]
    if builtins.sum(sizes) != x.shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{x.shape[d]} (input tensor's size at dimension {dim}), but got "
                           f"split_sizes={sizes}")
    return tuple(tf.split(x, sizes, d))


def diagflat(x: Tensor, offset: builtins.int = 0) -> Tensor:
    """A 2-D tensor with the flattened ``x`` on diagonal ``offset`` (``torch.diagflat``)."""
    return tf.diag(shape.reshape(_tensor("diagflat", x), (-1,)), offset)


def _scattered(x: Tensor, key: Any, src: Any) -> Tensor:
    """A copy of ``x`` with ``x[key] = src`` (differentiable in both)."""
    return indexing.index_put(x, key, src)


def select_scatter(x: Tensor, src: Tensor, dim: builtins.int, index: builtins.int) -> Tensor:
    """A copy of ``x`` with ``src`` written at ``index`` of dimension ``dim``
    (``torch.select_scatter``)."""
    x, src = _tensor("select_scatter", x), _tensor("select_scatter", src)
    d = normalize_axis("select_scatter", dim, x.ndim)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select_scatter(): index {index} out of range for tensor of size "
                         f"{x.shape} at dimension {dim}")
    expected = tuple(x.shape[:d] + x.shape[d + 1:])
    if tuple(src.shape) != expected:
        raise RuntimeError(f"select_scatter: expected src to have a size equal to the slice "
                           f"of self. src size = {src.shape}, slice size = {expected}")
    return _scattered(x, (slice(None),) * d + (index,), src)


def slice_scatter(x: Tensor, src: Tensor, dim: builtins.int = 0,
                  start: builtins.int | None = None, end: builtins.int | None = None,
                  step: builtins.int = 1) -> Tensor:
    """A copy of ``x`` with ``src`` written into ``x[start:end:step]`` along ``dim``
    (``torch.slice_scatter``)."""
    x, src = _tensor("slice_scatter", x), _tensor("slice_scatter", src)
    d = normalize_axis("slice_scatter", dim, x.ndim)
    key = (slice(None),) * d + (slice(start, end, step),)
    expected = tuple(x[key].shape)
    if tuple(src.shape) != expected:
        raise RuntimeError(f"slice_scatter: expected src to have a size equal to the slice "
                           f"of self. src size = {src.shape}, slice size = {expected}")
    return _scattered(x, key, src)


def _index_vector(op: str, x: Tensor, d: builtins.int, index: Any) -> Tensor:
    if not _is_array(index) or index.dtype.kind not in "iu":
        raise TypeError(f"{op}(): index must be an integer Tensor, got "
                        f"{getattr(getattr(index, 'dtype', None), 'name', type(index).__name__)}")
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {index.shape}")
    index = shape.reshape(index, (-1,))
    n = x.shape[d] if x.ndim else 1
    if index.numel() and builtins.bool(reductions.any(ew.logical_or(index < -n, index >= n))):
        raise IndexError(f"{op}(): index out of range for dimension {d} of size {n} (shape "
                         f"{x.shape})")
    return index


def index_fill(x: Tensor, dim: builtins.int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``x`` with the entries at ``index`` along ``dim`` set to ``value``
    (``torch.index_fill``)."""
    x = _tensor("index_fill", x)
    d = normalize_axis("index_fill", dim, x.ndim, scalar_ok=True)
    index = _index_vector("index_fill", x, d, index)
    if _is_array(value):
        if value.ndim != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s)")
        value = shape.astype(value, x.dtype) if value.dtype != x.dtype else value
    if x.ndim == 0:
        return ew.where(asarray(index.numel() > 0, backend=x.backend), value, x) \
            if index.numel() else x * 1
    return _scattered(x, (slice(None),) * d + (index,), value)


def index_copy(x: Tensor, dim: builtins.int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``x`` with ``source``'s slices written at ``index`` along ``dim``
    (``torch.index_copy``)."""
    x, source = _tensor("index_copy", x), _tensor("index_copy", source)
    d = normalize_axis("index_copy", dim, x.ndim)
    index = _index_vector("index_copy", x, d, index)
    expected = x.shape[:d] + (index.shape[0],) + x.shape[d + 1:]
    if tuple(source.shape) != tuple(expected):
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes (source {source.shape}, expected {tuple(expected)})")
    if source.dtype != x.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same "
                           f"dtype, but got (self) {x.dtype.name} and (source) "
                           f"{source.dtype.name}")
    return _scattered(x, (slice(None),) * d + (index,), source)


def masked_scatter(x: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``x`` with the elements where ``mask`` (broadcast to ``x``) holds replaced,
    in order, by the first elements of ``source`` (``torch.masked_scatter``)."""
    x, source = _tensor("masked_scatter", x), _tensor("masked_scatter", source)
    if not _is_array(mask) or mask.dtype.kind != "b":
        raise RuntimeError(f"masked_scatter_only supports boolean masks, but got mask with "
                           f"dtype {getattr(getattr(mask, 'dtype', None), 'name', mask)}")
    full = shape.broadcast_to(mask, x.shape)
    count = builtins.int(reductions.sum(shape.astype(full, "int64")).item())
    if count > source.numel():
        raise RuntimeError(f"masked_scatter: expected source to have at least {count} "
                           f"elements (the true elements of the mask), got "
                           f"{source.numel()}")
    values = shape.reshape(source, (-1,))[:count]
    if values.dtype != x.dtype:
        values = shape.astype(values, x.dtype)
    return _scattered(x, full, values)


def put(x: Tensor, index: Tensor, source: Tensor,
        accumulate: builtins.bool = False) -> Tensor:
    """A copy of ``x`` with ``source`` written at the flat positions ``index`` (added
    there, duplicates included, when ``accumulate``), as ``torch.put``."""
    x, source = _tensor("put", x), _tensor("put", source)
    if not _is_array(index) or index.dtype.kind not in "iu":
        raise TypeError("put(): index must be an integer Tensor")
    n = x.numel()
    flat_index = shape.reshape(index, (-1,))
    if flat_index.numel() and builtins.bool(reductions.any(
            ew.logical_or(flat_index < -n, flat_index >= n))):
        raise IndexError(f"put(): index out of range for a tensor of {n} elements (shape "
                         f"{x.shape})")
    if source.numel() != flat_index.numel():
        raise RuntimeError(f"put(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {source.numel()}, "
                           f"index.numel() = {flat_index.numel()}")
    flat_index = ew.where(flat_index < 0, flat_index + n, flat_index)
    flat = shape.reshape(x, (-1,))
    values = shape.reshape(source, (-1,))
    if accumulate:
        out = tf.index_add(flat, 0, flat_index, values)
    else:
        out = _scattered(flat, (flat_index,), values)
    return shape.reshape(out, x.shape)


def index_put(x: Tensor, indices: Any, values: Any,
              accumulate: builtins.bool = False) -> Tensor:
    """``torch.index_put``: a copy of ``x`` with ``x[indices] = values`` (added there,
    duplicates included, when ``accumulate``); ``indices`` is a tuple of integer or
    boolean tensors. Differentiable in ``x`` and ``values``."""
    x = _tensor("index_put", x)
    if not accumulate:  # any key ag.index_put always took (a list of tensors: torch's form)
        key = tuple(indices) if isinstance(indices, list) and all(
            _is_array(k) for k in indices) else indices
        return indexing.index_put(x, key, values)
    key = tuple(indices) if isinstance(indices, (list, tuple)) else (indices,)
    if any(not _is_array(k) or k.dtype.kind not in "iu" for k in key):
        key = tuple(reductions.nonzero(k)[0] if _is_array(k) and k.dtype.kind == "b" and
                    k.ndim == 1 else k for k in key)
    if any(not _is_array(k) or k.dtype.kind not in "iu" for k in key) or len(key) > x.ndim:
        raise IndexError(f"index_put: with accumulate=True the indices must be integer "
                         f"tensors (or 1-D boolean masks), one per leading dimension of "
                         f"the tensor of shape {x.shape}")
    k = len(key)
    lead = tuple(x.shape[:k])
    rest = tuple(x.shape[k:])
    idx = shape.broadcast_arrays(*key)
    position = zeros(tuple(idx[0].shape), dtype="int64", backend=x.backend, device=x.device)
    for i, (t, size) in enumerate(zip(idx, lead)):
        if t.numel() and builtins.bool(reductions.any(ew.logical_or(t < -size, t >= size))):
            raise IndexError(f"index_put: index out of range for dimension {i} of size "
                             f"{size} (shape {x.shape})")
        t = shape.astype(t, "int64")
        position = position * size + ew.where(t < 0, t + size, t)
    flat = shape.reshape(x, (math.prod(lead),) + rest)
    positions = shape.reshape(position, (-1,))
    vals = values if _is_array(values) else asarray(values, dtype=x.dtype, backend=x.backend,
                                                    device=x.device)
    vals = shape.broadcast_to(vals, tuple(idx[0].shape) + rest)
    vals = shape.reshape(vals, (positions.shape[0],) + rest)
    return shape.reshape(tf.index_add(flat, 0, positions, vals), x.shape)


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001 - torch's name
    """The complex tensor ``real + i imag`` (``torch.complex``: both float32 or both
    float64, giving complex64 or complex128); differentiable."""
    real, imag = _tensor("complex", real), _tensor("complex", imag)
    if real.dtype != imag.dtype:
        raise RuntimeError(f"complex: Expected object of scalar type {real.dtype.name} but "
                           f"got scalar type {imag.dtype.name} for second argument")
    if real.dtype.kind != "f" or real.dtype.bits < 32:
        raise RuntimeError(f"complex: Expected both inputs to be Half, Float or Double "
                           f"tensors but got {real.dtype.name} and {imag.dtype.name}")
    target = "complex64" if real.dtype.bits == 32 else "complex128"
    return shape.astype(real, target) + shape.astype(imag, target) * 1j


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 - torch's names
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` (``torch.polar``)."""
    return complex(abs * ew.cos(angle), abs * ew.sin(angle))


def angle(x: Tensor) -> Tensor:
    """The argument of each element (``torch.angle``): ``atan2(imag, real)`` for complex
    input; for real input ``pi`` where negative and 0 elsewhere (NaN kept), of the
    default float dtype for integers."""
    x = _tensor("angle", x)
    if x.dtype.kind == "c":
        return ew.atan2(ew.imag(x), ew.real(x))
    f = _floating("angle", x)
    plain = f.detach()
    out = ew.where(plain < 0, math.pi + 0 * plain, 0 * plain)
    return ew.where(ew.isnan(plain), plain, out) + 0 * f


def renorm(x: Tensor, p: builtins.float, dim: builtins.int, maxnorm: builtins.float) -> Tensor:
    """Each slice of ``x`` along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down
    to norm ``maxnorm`` (by ``maxnorm / (norm + 1e-7)``, as ``torch.renorm``)."""
    x = _tensor("renorm", x)
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p = {p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if x.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} "
                           f"dimensions")
    d = normalize_axis("renorm", dim, x.ndim)
    axes = tuple(i for i in range(x.ndim) if i != d)
    norms = la.vector_norm(x, axis=axes, keepdims=True, ord=p)
    factor = ew.where(norms > maxnorm, maxnorm / (norms + 1e-7), ones_like(norms))
    return x * factor


def index_put_(x: Tensor, indices: Any, values: Any,
               accumulate: builtins.bool = False) -> Tensor:
    """``torch.index_put_``: ``x.index_put_(indices, values, accumulate)``."""
    return _tensor("index_put_", x).index_put_(indices, values, accumulate)


# ------------------------------------------------------------------ more (tns, group 5)
def mode(x: Tensor, dim: builtins.int = -1, keepdim: builtins.bool = False) -> SortResult:
    """The most frequent value along ``dim`` (the smallest among equally frequent ones)
    and the index of its last occurrence, as ``torch.mode``; the gradient goes to that
    index."""
    x = _tensor("mode", x)
    if x.ndim == 0:
        normalize_axis("mode", dim, 1)
        return SortResult(x * 1, zeros((), dtype="int64", backend=x.backend, device=x.device))
    d = normalize_axis("mode", dim, x.ndim)
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {dim} to have non-zero size "
                         f"(shape {x.shape})")
    moved = shape.moveaxis(x.detach(), d, -1)
    order = reductions.argsort(moved, axis=-1, stable=True)
    srt = indexing.take_along_axis(moved, order, axis=-1)
    pos = shape.broadcast_to(arange(n, dtype="int64", backend=x.backend, device=x.device),
                             srt.shape)
    new = shape.concat([ones_like(srt[..., :1], dtype="bool"),
                        srt[..., 1:] != srt[..., :-1]], axis=-1)
    starts = ew.where(new, pos, 0 * pos)
    run_start = _scan((starts,), srt.ndim - 1,
                      lambda left, right: (ew.maximum(left[0], right[0]),))[0]
    length = pos - run_start + 1
    best = reductions.argmax(length, axis=-1, keepdims=True)
    index = indexing.take_along_axis(order, best, axis=-1)
    index = shape.moveaxis(index, -1, d)
    values = indexing.take_along_axis(x, index, axis=d)
    if not keepdim:
        values, index = shape.squeeze(values, d), shape.squeeze(index, d)
    return SortResult(values, index)


def unique_consecutive(x: Tensor, return_inverse: builtins.bool = False,
                       return_counts: builtins.bool = False, dim: Any = None) -> Any:
    """The values (or slices along ``dim``) with each run of equal consecutive ones kept
    once, as ``torch.unique_consecutive``; optionally the index of each element's run
    and each run's length."""
    x = _tensor("unique_consecutive", x)
    if dim is None:
        data = shape.reshape(x, (-1,))
        d = 0
    else:
        if x.ndim == 0:
            raise IndexError("unique_consecutive: dim was given but the tensor is 0-d")
        d = normalize_axis("unique_consecutive", dim, x.ndim)
        data = x
    moved = shape.moveaxis(data, d, 0)
    n = moved.shape[0]
    flat = shape.reshape(moved.detach(), (n, -1))
    if n:
        change = reductions.any(flat[1:] != flat[:-1], axis=1) if flat.shape[1] else \
            zeros((n - 1,), dtype="bool", backend=x.backend, device=x.device)
        keep = shape.concat([asarray([True], backend=x.backend, device=x.device), change])
    else:
        keep = zeros((0,), dtype="bool", backend=x.backend, device=x.device)
    positions = shape.astype(reductions.nonzero(keep)[0], "int64")
    values = shape.moveaxis(indexing.take(moved, positions, axis=0), 0, d)
    out: list[Tensor] = [values]
    if return_inverse:
        inverse = reductions.cumulative_sum(shape.astype(keep, "int64")) - 1
        out.append(shape.reshape(inverse, x.shape) if dim is None else inverse)
    if return_counts:
        end = asarray([n], dtype="int64", backend=x.backend, device=x.device)
        out.append(shape.concat([positions[1:], end]) - positions)
    return out[0] if len(out) == 1 else tuple(out)


def fill(x: Tensor, value: Any) -> Tensor:
    """A tensor of ``x``'s shape and dtype filled with ``value`` (``torch.fill``); the
    gradient to a tensor ``value`` is the sum of the incoming one."""
    x = _tensor("fill", x)
    if _is_array(value):
        if value.ndim != 0:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        return shape.broadcast_to(shape.astype(value, x.dtype), x.shape) * 1
    return asarray(value, dtype=x.dtype, backend=x.backend, device=x.device) \
        + zeros(x.shape, dtype=x.dtype, backend=x.backend, device=x.device)


def adjoint(x: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions (``torch.adjoint``)."""
    x = _tensor("adjoint", x)
    if x.ndim < 2:
        raise RuntimeError("adjoint() is only supported on matrices or batches of matrices."
                           " Got 1-D tensor." if x.ndim == 1 else
                           "adjoint() is only supported on matrices or batches of matrices. "
                           "Got 0-D tensor.")
    t = shape.matrix_transpose(x)
    return ew.conj(t) if x.dtype.kind == "c" else t


def conj_physical(x: Tensor) -> Tensor:
    """The complex conjugate, computed (``torch.conj_physical``; a copy for real dtypes)."""
    return ew.conj(_tensor("conj_physical", x))


def resolve_conj(x: Tensor) -> Tensor:
    """``x`` itself: arraygrad computes conjugates eagerly, so none is pending
    (``torch.resolve_conj``)."""
    return _tensor("resolve_conj", x)


def resolve_neg(x: Tensor) -> Tensor:
    """``x`` itself: arraygrad computes negations eagerly (``torch.resolve_neg``)."""
    return _tensor("resolve_neg", x)


def is_conj(x: Tensor) -> builtins.bool:
    """False: no tensor carries a pending conjugation in arraygrad (``torch.is_conj``)."""
    _tensor("is_conj", x)
    return False


def is_neg(x: Tensor) -> builtins.bool:
    """False: no tensor carries a pending negation in arraygrad (``torch.is_neg``)."""
    _tensor("is_neg", x)
    return False


def sum_to_size(x: Tensor, *size: Any) -> Tensor:
    """``x`` summed down to ``size``, which must broadcast to ``x``'s shape
    (``torch.Tensor.sum_to_size``)."""
    x = _tensor("sum_to_size", x)
    target = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) \
        else tuple(size)
    lead = x.ndim - len(target)
    ok = lead >= 0 and all(t in (1, s) for t, s in zip(target, x.shape[lead:]))
    if not ok:
        raise RuntimeError(f"sum_to_size: size {list(target)} is not expandable to size "
                           f"{list(x.shape)}")
    out = reductions.sum(x, axis=tuple(range(lead))) if lead else x
    axes = tuple(i for i, (t, s) in enumerate(zip(target, out.shape)) if t == 1 and s != 1)
    return reductions.sum(out, axis=axes, keepdims=True) if axes else out * 1


def bitwise_not(x: Tensor) -> Tensor:
    """Elementwise NOT of an integer or boolean tensor (``torch.bitwise_not``)."""
    x = _tensor("bitwise_not", x)
    if x.dtype.kind not in "biu":
        raise RuntimeError(f"bitwise_not: \"bitwise_not_cpu\" not implemented for "
                           f"'{x.dtype.name}' (integer and boolean tensors only)")
    return ew.bitwise_invert(x)

gcd_ = _inplace_function("gcd_")
lcm_ = _inplace_function("lcm_")
ldexp_ = _inplace_function("ldexp_")
addmv_ = _inplace_function("addmv_")
conj_physical_ = _inplace_function("conj_physical_")


def _method_function(name: str) -> Any:
    """``torch.<name>(x, *args)``: the Tensor method ``x.<name>(*args)``."""
    def function(x: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(_tensor(name, x), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}(input, ...)``: ``input.{name}(...)``."
    return function


ravel = _method_function("ravel")
get_device = _method_function("get_device")
is_nonzero = _method_function("is_nonzero")
is_same_size = _method_function("is_same_size")
is_signed = _method_function("is_signed")


def diagonal_scatter(x: Tensor, src: Tensor, offset: builtins.int = 0,
                     dim1: builtins.int = 0, dim2: builtins.int = 1) -> Tensor:
    """A copy of ``x`` with ``src`` written on the diagonal ``offset`` of the planes
    ``dim1``, ``dim2`` (``torch.diagonal_scatter``: ``src`` has the shape of
    ``torch.diagonal(x, offset, dim1, dim2)``)."""
    x, src = _tensor("diagonal_scatter", x), _tensor("diagonal_scatter", src)
    expected = tuple(diagonal(x, offset, dim1, dim2).shape)
    if tuple(src.shape) != expected:
        raise RuntimeError(f"diagonal_scatter: expected src to have a size equal to the "
                           f"slice of self. src size = {src.shape}, slice size = {expected}")
    d1 = normalize_axis("diagonal_scatter", dim1, x.ndim)
    d2 = normalize_axis("diagonal_scatter", dim2, x.ndim)
    moved = shape.moveaxis(x, (d1, d2), (-2, -1))
    k = expected[-1]
    start = arange(k, dtype="int64", backend=x.backend, device=x.device)
    rows = start + builtins.max(-offset, 0)
    cols = start + builtins.max(offset, 0)
    out = indexing.index_put(moved, (Ellipsis, rows, cols), src)
    return shape.moveaxis(out, (-2, -1), (d1, d2))


def _edge(t: Tensor, d: builtins.int, i: Any) -> Tensor:
    return t[(slice(None),) * d + (i,)] if isinstance(i, slice) else \
        t[(slice(None),) * d + (slice(i, i + 1 if i != -1 else None),)]


def _gradient_along(f: Tensor, d: builtins.int, h: Any, edge_order: builtins.int) -> Tensor:
    """numpy.gradient's second-order central differences along ``d``, with uniform
    spacing ``h`` (a number) or sample coordinates ``h`` (a 1-D tensor)."""
    n = f.shape[d]
    if n < edge_order + 1:
        raise RuntimeError(f"torch.gradient expected each dimension size to be at least "
                           f"edge_order+1 (dimension {d} has size {n}, edge_order "
                           f"{edge_order})")

    def sl(a: Any, b: Any) -> Tensor:
        return f[(slice(None),) * d + (slice(a, b),)]

    def along(v: Tensor) -> Tensor:  # a 1-D tensor broadcast along axis d
        return shape.reshape(v, (v.shape[0],) + (1,) * (f.ndim - 1 - d))

    if _is_array(h):
        x = h
        dx = x[1:] - x[:-1]
        hd, hs = along(dx[:-1]), along(dx[1:])
        interior = (-hs / (hd * (hd + hs)) * sl(None, -2)
                    + (hs - hd) / (hd * hs) * sl(1, -1) + hd / (hs * (hd + hs)) * sl(2, None))
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / along(dx[:1])
            last = (sl(-1, None) - sl(-2, -1)) / along(dx[-1:])
        else:
            d1, d2 = along(dx[:1]), along(dx[1:2])
            first = (-(2 * d1 + d2) / (d1 * (d1 + d2)) * sl(0, 1)
                     + (d1 + d2) / (d1 * d2) * sl(1, 2) - d1 / (d2 * (d1 + d2)) * sl(2, 3))
            e1, e2 = along(dx[-1:]), along(dx[-2:-1])
            last = (e1 / (e2 * (e1 + e2)) * sl(-3, -2) - (e2 + e1) / (e2 * e1) * sl(-2, -1)
                    + (2 * e1 + e2) / (e1 * (e1 + e2)) * sl(-1, None))
    else:
        interior = (sl(2, None) - sl(None, -2)) / (2.0 * h)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / h
            last = (sl(-1, None) - sl(-2, -1)) / h
        else:
            first = (-1.5 * sl(0, 1) + 2.0 * sl(1, 2) - 0.5 * sl(2, 3)) / h
            last = (0.5 * sl(-3, -2) - 2.0 * sl(-2, -1) + 1.5 * sl(-1, None)) / h
    return shape.concat([first, interior, last], axis=d)


def gradient(x: Tensor, *, spacing: Any = 1, dim: Any = None,
             edge_order: builtins.int = 1) -> tuple[Tensor, ...]:
    """The numerical gradient of ``x`` along each dimension in ``dim`` (all by default),
    as ``torch.gradient``: central differences inside, one-sided differences of order
    ``edge_order`` (1 or 2) at the edges; ``spacing`` is one number, one number per
    dimension, or one 1-D tensor of sample coordinates per dimension."""
    x = _tensor("gradient", x)
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, "
                           f"got {edge_order}")
    dims = tuple(range(x.ndim)) if dim is None else (
        (dim,) if isinstance(dim, builtins.int) else tuple(dim))
    dims = tuple(normalize_axis("gradient", d, x.ndim) for d in dims)
    if isinstance(spacing, (builtins.int, builtins.float)) or _is_array(spacing) and \
            spacing.ndim == 0:
        spacings: list[Any] = [spacing if not _is_array(spacing) else
                               builtins.float(spacing.item())] * len(dims)
    else:
        spacings = builtins.list(spacing)
        if len(spacings) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a "
                               f"scalar or a list of length {len(dims)} (the dims), but got "
                               f"a list of length {len(spacings)}")
    f = _floating("gradient", x)
    out = []
    for d, h in zip(dims, spacings):
        if _is_array(h) and h.ndim == 0:
            h = builtins.float(h.item())
        if _is_array(h):
            if h.ndim != 1 or h.shape[0] != x.shape[d]:
                raise RuntimeError(f"torch.gradient expected each tensor to be on the same "
                                   f"device and of size {x.shape[d]} along dim {d}, got "
                                   f"shape {h.shape}")
            h = shape.astype(h, f.dtype) if h.dtype != f.dtype else h
        out.append(_gradient_along(f, d, h, edge_order))
    return tuple(out)


def unsafe_chunk(x: Tensor, chunks: builtins.int, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """``torch.unsafe_chunk``: :func:`chunk` (arraygrad's views are always safe)."""
    return tuple(tf.chunk(x, chunks, dim))


def unsafe_split(x: Tensor, split_size: Any, dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """``torch.unsafe_split``: :func:`split`."""
    return tuple(tf.split(x, split_size, dim))


def unsafe_split_with_sizes(x: Tensor, split_sizes: Sequence[builtins.int],
                            dim: builtins.int = 0) -> tuple[Tensor, ...]:
    """``torch.unsafe_split_with_sizes``: :func:`split_with_sizes`."""
    return split_with_sizes(x, split_sizes, dim)


def frobenius_norm(x: Tensor, dim: Any, keepdim: builtins.bool = False) -> Tensor:
    """The 2-norm over ``dim`` (``torch.frobenius_norm``)."""
    axes = (dim,) if isinstance(dim, builtins.int) else tuple(dim)
    return la.vector_norm(_tensor("frobenius_norm", x), axis=axes, keepdims=keepdim)
