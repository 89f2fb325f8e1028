"""Tensor operators and methods, each a thin call into an op function.

Methods accept both the standard's argument names (``axis``, ``keepdims``) and PyTorch's
(``dim``, ``keepdim``), so PyTorch habits carry over.
"""

from __future__ import annotations

from typing import Any

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


def _iop(spec):
    op, iop, name = spec
    return lambda self, other: inplace.inplace_binary(self, other, op, iop, name)


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
    return ew.clip(self, min=min, max=max)


Tensor.clip = _clip
Tensor.clamp = _clip
Tensor.where = lambda self, condition, other: ew.where(condition, self, other)


# ------------------------------------------------------------------------------ reductions
def _reduction(fn):
    def method(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return fn(self, axis=_axis(axis, dim), keepdims=_keep(keepdims, keepdim))

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


for _fn in (reductions.sum, reductions.mean, reductions.prod, reductions.max, reductions.min,
            reductions.all, reductions.any, reductions.logsumexp):
    setattr(Tensor, _fn.__name__, _reduction(_fn))
Tensor.amax = Tensor.max
Tensor.amin = Tensor.min


def _arg(fn):
    def method(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return fn(self, axis=_axis(axis, dim), keepdims=_keep(keepdims, keepdim))

    method.__name__ = fn.__name__
    return method


Tensor.argmax = _arg(reductions.argmax)
Tensor.argmin = _arg(reductions.argmin)


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
Tensor.cumsum = lambda self, axis=None, *, dim=None: reductions.cumulative_sum(
    self, axis=_axis(axis, dim))
Tensor.softmax = lambda self, axis=-1, *, dim=None: nn.softmax(self, axis=_axis(axis, dim))
Tensor.log_softmax = lambda self, axis=-1, *, dim=None: nn.log_softmax(
    self, axis=_axis(axis, dim))


# ----------------------------------------------------------------------------------- shape
def _reshape(self, *shape):
    return shape_reshape(self, shape[0] if len(shape) == 1 and isinstance(
        shape[0], (tuple, list)) else shape)


shape_reshape = shape.reshape
Tensor.reshape = _reshape
Tensor.view = _reshape


def _permute(self, *axes):
    return shape.permute_dims(self, axes[0] if len(axes) == 1 and isinstance(
        axes[0], (tuple, list)) else axes)


Tensor.permute = _permute
Tensor.permute_dims = _permute


def _transpose(self, dim0: int = -2, dim1: int = -1):
    axes = list(range(self.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return shape.permute_dims(self, axes)


Tensor.transpose = _transpose
Tensor.T = property(lambda self: shape.permute_dims(self, tuple(reversed(range(self.ndim)))),
                    doc="The tensor with all axes reversed.")
Tensor.mT = property(shape.matrix_transpose, doc="The tensor with its last two axes swapped.")
Tensor.unsqueeze = lambda self, dim: shape.expand_dims(self, axis=dim)
Tensor.expand_dims = lambda self, axis=0: shape.expand_dims(self, axis=axis)
Tensor.squeeze = lambda self, dim=None, *, axis=None: shape.squeeze(self, _axis(axis, dim))


def _flatten(self, start_dim: int = 0, end_dim: int = -1):
    if self.ndim == 0:
        return shape.reshape(self, (1,))
    start = start_dim % self.ndim
    end = end_dim % self.ndim
    n = 1
    for s in self.shape[start:end + 1]:
        n *= s
    return shape.reshape(self, self.shape[:start] + (n,) + self.shape[end + 1:])


Tensor.flatten = _flatten
Tensor.broadcast_to = lambda self, *shape_: shape.broadcast_to(
    self, shape_[0] if len(shape_) == 1 and isinstance(shape_[0], (tuple, list)) else shape_)
Tensor.expand = Tensor.broadcast_to
Tensor.flip = lambda self, axis=None, *, dims=None: shape.flip(self, axis=_axis(axis, dims))
Tensor.roll = lambda self, shift, axis=None, *, dims=None: shape.roll(
    self, shift, axis=_axis(axis, dims))
Tensor.astype = shape.astype
Tensor.tril = lambda self, k=0: shape.tril(self, k=k)
Tensor.triu = lambda self, k=0: shape.triu(self, k=k)
Tensor.matmul = linalg.matmul
Tensor.take = lambda self, indices, axis=None: indexing.take(self, indices, axis=axis)


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


Tensor.to = _to
Tensor.cpu = lambda self: transfer.to(self, device="cpu")
Tensor.cuda = lambda self, device=0: transfer.to(
    self, device=device if isinstance(device, str) else f"cuda:{device}")
Tensor.clone = transfer.clone
Tensor.float = lambda self: shape.astype(self, "float32", copy=False)
Tensor.double = lambda self: shape.astype(self, "float64", copy=False)
Tensor.half = lambda self: shape.astype(self, "float16", copy=False)
Tensor.long = lambda self: shape.astype(self, "int64", copy=False)
Tensor.int = lambda self: shape.astype(self, "int32", copy=False)
Tensor.bool = lambda self: shape.astype(self, "bool", copy=False)
Tensor.type = lambda self, dtype: shape.astype(self, dtype, copy=False)
Tensor.zero_ = inplace.zero_
Tensor.fill_ = inplace.fill_
Tensor.copy_ = inplace.copy_
