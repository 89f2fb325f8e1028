"""Tensor operators and methods, each a thin call into an op function.

Methods accept both the standard's argument names (``axis``, ``keepdims``) and PyTorch's
(``dim``, ``keepdim``), so PyTorch habits carry over.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing, inplace, linalg, nn, reductions, shape, transfer
from arraygrad.ops.registry import binary, unary
from arraygrad.tensor import Tensor

_binary = binary
_unary = unary


def _axis(axis: Any, dim: Any) -> Any:
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis= or dim=, not both")
        axis = dim
    return tuple(axis) if isinstance(axis, list) else axis


def _keep(keepdims: bool, keepdim: bool | None) -> bool:
    return keepdims if keepdim is None else keepdim


# ----------------------------------------------------------------------------- operators
def _op2(op):
    return lambda self, other: _binary(op, self, other)


def _rop2(op):
    return lambda self, other: _binary(op, other, self)


_INPLACE_SYMBOL = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/", "pow_": "**",
                   "floor_divide_": "//", "remainder_": "%"}


def _iop(spec):
    op, iop, name = spec

    def method(self, other):
        return inplace.inplace_binary(self, other, op, iop, name)

    method.__name__ = name
    method.__doc__ = (f"In place ``self {_INPLACE_SYMBOL[name]}= other``: changes the array "
                      f"on mutable backends, rebinds on immutable ones; bumps the version.")
    return method


_OPERATORS = {
    "add": ew.ADD, "sub": ew.SUBTRACT, "mul": ew.MULTIPLY, "truediv": ew.DIVIDE,
    "pow": ew.POW, "floordiv": ew.FLOOR_DIVIDE, "mod": ew.REMAINDER,
    "and": ew.BITWISE_AND, "or": ew.BITWISE_OR, "xor": ew.BITWISE_XOR,
}
for _name, _op in _OPERATORS.items():
    setattr(Tensor, f"__{_name}__", _op2(_op))
    setattr(Tensor, f"__r{_name}__", _rop2(_op))

for _name, _spec in {"add": inplace.IADD, "sub": inplace.ISUB, "mul": inplace.IMUL,
                     "truediv": inplace.IDIV, "pow": inplace.IPOW,
                     "floordiv": inplace.IFLOORDIV, "mod": inplace.IMOD}.items():
    setattr(Tensor, f"__i{_name}__", _iop(_spec))
    setattr(Tensor, _spec[2], _iop(_spec))
Tensor.div_ = Tensor.__itruediv__

Tensor.__matmul__ = lambda self, other: linalg.matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: linalg.matmul(other, self)
Tensor.__neg__ = lambda self: _unary(ew.NEGATIVE, self)
Tensor.__pos__ = lambda self: _unary(ew.POSITIVE, self)
Tensor.__abs__ = lambda self: _unary(ew.ABS, self)
Tensor.__invert__ = lambda self: _unary(ew.BITWISE_INVERT, self)
Tensor.__eq__ = _op2(ew.EQUAL)  # type: ignore[assignment]
Tensor.__ne__ = _op2(ew.NOT_EQUAL)  # type: ignore[assignment]
Tensor.__lt__ = _op2(ew.LESS)
Tensor.__le__ = _op2(ew.LESS_EQUAL)
Tensor.__gt__ = _op2(ew.GREATER)
Tensor.__ge__ = _op2(ew.GREATER_EQUAL)
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = inplace.setitem

# --------------------------------------------------------------------- elementwise methods
for _name in ("exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square", "sin", "cos",
              "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
              "sigmoid", "relu", "floor", "ceil", "round", "trunc", "sign", "abs", "isnan",
              "isinf", "isfinite", "logical_not"):
    setattr(Tensor, _name, getattr(ew, _name))
Tensor.neg = ew.negative
Tensor.negative = ew.negative
for _name in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow",
              "remainder", "atan2", "logical_and", "logical_or", "logical_xor", "equal"):
    setattr(Tensor, _name, getattr(ew, _name))
Tensor.sub = ew.subtract
Tensor.mul = ew.multiply
Tensor.div = ew.divide
Tensor.eq = ew.equal
Tensor.ne = ew.not_equal
Tensor.lt = ew.less
Tensor.le = ew.less_equal
Tensor.gt = ew.greater
Tensor.ge = ew.greater_equal


def _clip(self, min=None, max=None):  # noqa: A002
    """Clamp every element into ``[min, max]`` (either bound may be None)."""
    return ew.clip(self, min=min, max=max)


def _where(self, condition, other):
    """``ag.where(condition, self, other)``: this tensor's elements where ``condition``
    holds, ``other``'s elsewhere."""
    return ew.where(condition, self, other)


Tensor.clip = _clip
Tensor.clamp = _clip
Tensor.where = _where


# ------------------------------------------------------------------------------ reductions
def _reduction(fn):
    def method(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return fn(self, axis=_axis(axis, dim), keepdims=_keep(keepdims, keepdim))

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _fn in (reductions.sum, reductions.mean, reductions.prod, reductions.max, reductions.min,
            reductions.all, reductions.any, reductions.logsumexp, reductions.argmax,
            reductions.argmin):
    setattr(Tensor, _fn.__name__, _reduction(_fn))
Tensor.amax = Tensor.max
Tensor.amin = Tensor.min


class MaxMin(NamedTuple):
    """What ``t.max(dim)`` and ``t.min(dim)`` return, as in PyTorch."""

    values: Tensor
    indices: Tensor


def _extremum_method(value_fn, index_fn, word: str):
    def method(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis = _axis(axis, dim)
        keep = _keep(keepdims, keepdim)
        values = value_fn(self, axis=axis, keepdims=keep)
        if axis is None or isinstance(axis, tuple):
            return values
        return MaxMin(values, index_fn(self, axis=axis, keepdims=keep))

    method.__name__ = value_fn.__name__
    method.__doc__ = (
        f"The {word} element: a tensor without ``dim``; with an int ``dim`` (or ``axis``), "
        f"a named tuple ``(values, indices)`` as in PyTorch (``t.a{value_fn.__name__}`` and "
        f"``ag.{value_fn.__name__}`` return the values only). Tied elements share the "
        f"gradient evenly.")
    return method


Tensor.max = _extremum_method(reductions.max, reductions.argmax, "largest")
Tensor.min = _extremum_method(reductions.min, reductions.argmin, "smallest")


def _var(self, axis=None, correction=None, keepdims=False, *, dim=None, keepdim=None,
         unbiased=None):
    """Variance; ``correction`` defaults to 1 in the method (PyTorch), 0 in ``ag.var``."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return reductions.var(self, axis=_axis(axis, dim), correction=correction,
                          keepdims=_keep(keepdims, keepdim))


def _std(self, axis=None, correction=None, keepdims=False, *, dim=None, keepdim=None,
         unbiased=None):
    """Standard deviation; ``correction`` defaults to 1 in the method (PyTorch)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return reductions.std(self, axis=_axis(axis, dim), correction=correction,
                          keepdims=_keep(keepdims, keepdim))


Tensor.var = _var
Tensor.std = _std
def _cumsum(self, axis=None, *, dim=None):
    """Cumulative sum along ``axis``/``dim`` (``ag.cumulative_sum``)."""
    return reductions.cumulative_sum(self, axis=_axis(axis, dim))


def _softmax(self, axis=None, *, dim=None):
    """Softmax along ``axis``/``dim`` (default the last axis)."""
    axis = _axis(axis, dim)
    return nn.softmax(self, axis=-1 if axis is None else axis)


def _log_softmax(self, axis=None, *, dim=None):
    """Log-softmax along ``axis``/``dim`` (default the last axis)."""
    axis = _axis(axis, dim)
    return nn.log_softmax(self, axis=-1 if axis is None else axis)


Tensor.cumsum = _cumsum
Tensor.softmax = _softmax
Tensor.log_softmax = _log_softmax


# ----------------------------------------------------------------------------------- shape
def _shape_args(args: tuple) -> tuple:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _reshape(self, *sizes):
    """The same elements in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
    return shape.reshape(self, _shape_args(sizes))


def _permute(self, *axes):
    """Reorder the axes: ``t.permute(1, 0)`` or ``t.permute((1, 0))``."""
    return shape.permute_dims(self, _shape_args(axes))


def _transpose(self, dim0: int = -2, dim1: int = -1):
    """Swap axes ``dim0`` and ``dim1`` (default the last two)."""
    axes = list(range(self.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return shape.permute_dims(self, axes)


def _unsqueeze(self, dim: int):
    """Insert a size-1 axis at ``dim`` (PyTorch's name for ``expand_dims``)."""
    return shape.expand_dims(self, axis=dim)


def _expand_dims(self, axis: int = 0):
    """Insert a size-1 axis at ``axis``."""
    return shape.expand_dims(self, axis=axis)


def _squeeze(self, dim=None, *, axis=None):
    """Remove size-1 axes: all of them, or those among ``dim``/``axis`` (as in PyTorch, a
    named axis whose size is not 1 is left alone; ``ag.squeeze`` follows the standard and
    raises)."""
    axis = _axis(axis, dim)
    if axis is not None:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axis = tuple(a for a in axes if self.shape[a] == 1)
        if not axis:
            return self
    return shape.squeeze(self, axis)


def _flatten(self, start_dim: int = 0, end_dim: int = -1):
    """Merge axes ``start_dim`` to ``end_dim`` into one (a 0-d tensor becomes shape (1,))."""
    if self.ndim == 0:
        return shape.reshape(self, (1,))
    start = start_dim % self.ndim
    end = end_dim % self.ndim
    n = 1
    for s in self.shape[start:end + 1]:
        n *= s
    return shape.reshape(self, self.shape[:start] + (n,) + self.shape[end + 1:])


def _broadcast_to(self, *shape_):
    """Broadcast to ``shape``, given as a tuple or as separate ints (-1 keeps a size)."""
    return shape.broadcast_to(self, _shape_args(shape_))


def _flip(self, axis=None, *, dims=None):
    """Reverse the elements along ``axis``/``dims`` (every axis when None)."""
    return shape.flip(self, axis=_axis(axis, dims))


def _roll(self, shift, axis=None, *, dims=None):
    """Shift the elements by ``shift`` along ``axis``/``dims``, wrapping around (the
    flattened tensor when None)."""
    return shape.roll(self, shift, axis=_axis(axis, dims))


def _tril(self, k: int = 0):
    """The lower triangle of the last two axes: elements above diagonal ``k`` become 0."""
    return shape.tril(self, k=k)


def _triu(self, k: int = 0):
    """The upper triangle of the last two axes: elements below diagonal ``k`` become 0."""
    return shape.triu(self, k=k)


def _take(self, indices, axis=None):
    """The elements at integer ``indices`` along ``axis`` (``ag.take``)."""
    return indexing.take(self, indices, axis=axis)


Tensor.reshape = _reshape
Tensor.view = _reshape
Tensor.permute = _permute
Tensor.permute_dims = _permute
Tensor.transpose = _transpose
Tensor.T = property(lambda self: shape.permute_dims(self, tuple(reversed(range(self.ndim)))),
                    doc="The tensor with all axes reversed.")
Tensor.mT = property(shape.matrix_transpose, doc="The tensor with its last two axes swapped.")
Tensor.unsqueeze = _unsqueeze
Tensor.expand_dims = _expand_dims
Tensor.squeeze = _squeeze
Tensor.flatten = _flatten
Tensor.broadcast_to = _broadcast_to
Tensor.expand = _broadcast_to
Tensor.flip = _flip
Tensor.roll = _roll
Tensor.astype = shape.astype
Tensor.tril = _tril
Tensor.triu = _triu
Tensor.matmul = linalg.matmul
Tensor.take = _take


# -------------------------------------------------------------------- dtype/device/backend
def _to(self, *args, device=None, backend=None, dtype=None, copy=False):
    """Move and/or cast: ``t.to("cuda:0")``, ``t.to(ag.float64)``, ``t.to(backend="jax")``.

    Differentiable: gradients flow back to the source backend, device and dtype.
    """
    from arraygrad._dtypes import DType

    for arg in args:
        if isinstance(arg, DType):
            dtype = arg
        elif isinstance(arg, str):
            device = arg
        else:
            raise TypeError(f"Tensor.to: unexpected argument {arg!r}")
    return transfer.to(self, device=device, backend=backend, dtype=dtype, copy=copy)


def _cpu(self):
    """This tensor on its backend's ``cpu`` device (differentiable)."""
    return transfer.to(self, device="cpu")


def _cuda(self, device=0):
    """This tensor on ``cuda:<device>`` (an index or a device string); differentiable."""
    return transfer.to(self, device=device if isinstance(device, str) else f"cuda:{device}")


def _cast(dtype_name: str):
    def method(self):
        return shape.astype(self, dtype_name, copy=False)

    method.__doc__ = f"Cast to ``{dtype_name}`` (no copy when already {dtype_name})."
    return method


def _type(self, dtype):
    """Cast to ``dtype`` (a dtype or its name, e.g. ``"float64"``)."""
    return shape.astype(self, dtype, copy=False)


Tensor.to = _to
Tensor.cpu = _cpu
Tensor.cuda = _cuda
Tensor.clone = transfer.clone
for _method, _dtype in (("float", "float32"), ("double", "float64"), ("half", "float16"),
                        ("long", "int64"), ("int", "int32"), ("bool", "bool")):
    setattr(Tensor, _method, _cast(_dtype))
Tensor.type = _type
Tensor.zero_ = inplace.zero_
Tensor.fill_ = inplace.fill_
Tensor.copy_ = inplace.copy_
