"""Tensor operators and methods: each a thin call into an op function, installed by one loop.

The functions below are collected into tables (:data:`CORE`, :data:`OPERATORS`,
:data:`METHODS`, :data:`PROPERTIES`) and set on :class:`~arraygrad.tensor.Tensor` by
:func:`install`. Type checkers and IDEs read the generated stub ``arraygrad/tensor.pyi``
(``python -m arraygrad._tensor_stub`` rewrites it; a test keeps it current), so every
method is declared where tools look for it. This module sits above the op families and
:mod:`arraygrad.creation`, which is why the constructor, ``backward`` and
``__array_namespace__`` are installed from here too: ``tensor.py`` imports nothing above it.

Methods accept both the standard's argument names (``axis``, ``keepdims``) and PyTorch's
(``dim``, ``keepdim``), so PyTorch habits carry over.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from types import ModuleType
from typing import Any

from arraygrad import engine, random
from arraygrad._dtypes import DType
from arraygrad.backend_registry import current_backend, default_float, get_backend
from arraygrad.creation import _to_native, empty, full, ones, tensor, zeros
from arraygrad.grad_mode import STATE
from arraygrad.node import Node
from arraygrad.node import _sequence as _node_sequence
from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing, inplace, linalg, nn, reductions, shape, special, transfer
from arraygrad.ops import linalg_ext as la
from arraygrad.ops import torch_functions as tf
from arraygrad.ops import torch_namespace as tn
from arraygrad.ops._axes import axis_alias, normalize_axis
from arraygrad.ops.registry import binary, binary_operator, unary
from arraygrad.ops.torch_functions import MaxMin
from arraygrad.tensor import Tensor, _init_leaf
from arraygrad.tensor_types import TENSOR_TYPES

__all__ = ["MaxMin", "CORE", "OPERATORS", "METHODS", "PROPERTIES", "install", "dim_alias"]


def dim_alias(axis: Any, dim: Any, op: str = "Tensor method") -> Any:
    """``axis`` (the standard's name) or ``dim`` (PyTorch's), not both; lists become tuples
    (:func:`arraygrad.ops._axes.axis_alias` without the keepdims half)."""
    return axis_alias(op, axis, dim)[0]


def _shape_args(args: tuple) -> tuple:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


# --------------------------------------------------- construction, backward, the namespace
# These need the layers above tensor.py (creation, the engine, the assembled namespace), so
# they are installed with the other methods instead of being written in the class body.
def _construct(self: Tensor, *data: Any, requires_grad: bool = False, dtype: Any = None,
               device: str | None = None, backend: Any = None) -> None:
    """``Tensor(data)`` or ``Tensor(*sizes)``, with PyTorch's ``torch.Tensor`` meaning:
    data becomes a tensor of the backend's default float dtype (unless ``dtype`` is
    given); ints alone are the sizes of an uninitialised float tensor."""
    if not data or all(isinstance(n, int) and not isinstance(n, bool) for n in data):
        made = empty(data or (0,), dtype=dtype, device=device, backend=backend)
        native, be = made._data, made._backend
    elif len(data) == 1:
        if dtype is None:
            owner = data[0]._backend if isinstance(data[0], Tensor) and backend is None \
                else (get_backend(backend) if backend is not None else None)
            dtype = default_float(owner or current_backend())
        native, be = _to_native(data[0], dtype=dtype, device=device, backend=backend,
                                copy=None)
    else:
        raise TypeError(f"Tensor(): expected data or int sizes, got "
                        f"{', '.join(type(d).__name__ for d in data)}")
    _init_leaf(self, native, be)
    if requires_grad:
        self.requires_grad_(True)


def _backward(self: Tensor, gradient: Any = None, retain_graph: bool | None = None,
              create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

    ``gradient`` is required when self is not a scalar. See
    :func:`arraygrad.autograd.backward`.
    """
    engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                    inputs=inputs)


def _array_namespace(self: Tensor, api_version: str | None = None) -> ModuleType:
    """The ``arraygrad`` module: the Array-API namespace of Tensors."""
    return engine.namespace()


CORE: dict[str, Callable] = {"__init__": _construct, "backward": _backward,
                             "__array_namespace__": _array_namespace}


# ----------------------------------------------------------------------------- operators
def _defers(other: Any) -> bool:
    """Whether ``other`` handles operators with Tensors itself (it sets NumPy's opt-out
    ``__array_ufunc__ = None`` and is not a Tensor): return NotImplemented to it."""
    return getattr(type(other), "__array_ufunc__", 0) is None and not isinstance(other, Tensor)


def _forward_operator(op: Any, name: str) -> Callable[[Tensor, Any], Tensor]:
    # binary() written out for a Python-number operand (see registry.binary_operator)
    return binary_operator(op, name, False, _defers)


def _reflected_operator(op: Any, name: str) -> Callable[[Tensor, Any], Tensor]:
    return binary_operator(op, name, True, _defers)


def _unary_operator(op: Any, name: str) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return unary(op, self)

    method.__name__ = name
    method.__doc__ = f"``{op.name}(self)``."
    return method


# Ops whose forward and rules use a Python-number operand only in arithmetic with the tensor
# operand (a + b, g * b, g / b, -g * a ...): on backends that ask for it
# (Backend.scalar_operands) the number becomes one 0-d array of the tensor's dtype, shared
# by the forward kernel and the rule (the same values: the standard casts it to that dtype).
for _op in (ew.ADD, ew.SUBTRACT, ew.MULTIPLY, ew.DIVIDE):
    _op.scalar_operands = True

_INPLACE_SYMBOL = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/", "pow_": "**",
                   "bitwise_and_": "&", "bitwise_or_": "|", "bitwise_xor_": "^",
                   "bitwise_left_shift_": "<<", "bitwise_right_shift_": ">>",
                   "floor_divide_": "//", "remainder_": "%"}


def _integer_pow_(self: Tensor, other: Any) -> Tensor:
    return _INTEGER_POW_(self, other)


def _inplace_operator(op: Any, iop: Callable | None, torch_name: str,
                      name: str) -> Callable[[Tensor, Any], Tensor]:
    if torch_name == "pow_":  # integer powers follow PyTorch's rules (elementwise.POW)
        def method(self: Tensor, other: Any) -> Tensor:
            if self.dtype.kind in "biu":
                return _integer_pow_(self, other)
            return inplace.inplace_binary(self, other, op, iop, torch_name)
    else:
        def method(self: Tensor, other: Any) -> Tensor:
            return inplace.inplace_binary(self, other, op, iop, torch_name)

    method.__name__ = name
    method.__doc__ = (f"In place ``self {_INPLACE_SYMBOL[torch_name]}= other``: changes the array "
                      f"on mutable backends, rebinds on immutable ones; bumps the version.")
    return method


def _matmul(self: Tensor, other: Any) -> Tensor:
    """``self @ other``."""
    if other.__class__ is not Tensor and _defers(other):
        return NotImplemented
    return linalg.matmul(self, other)


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    """``other @ self``."""
    if other.__class__ is not Tensor and _defers(other):
        return NotImplemented
    return linalg.matmul(other, self)


# Python operator name -> op; each gets ``__name__`` and ``__rname__``.
_BINARY_OPERATORS = {
    "add": ew.ADD, "sub": ew.SUBTRACT, "mul": ew.MULTIPLY, "truediv": ew.DIVIDE,
    "pow": ew.POW, "floordiv": ew.FLOOR_DIVIDE, "mod": ew.REMAINDER,
    "and": ew.BITWISE_AND, "or": ew.BITWISE_OR, "xor": ew.BITWISE_XOR,
    "lshift": ew.BITWISE_LEFT_SHIFT, "rshift": ew.BITWISE_RIGHT_SHIFT,
}
# Python operator name -> (op, in-place operator, PyTorch's in-place method name).
_INPLACE_OPERATORS = {
    "add": (ew.ADD, operator.iadd, "add_"), "sub": (ew.SUBTRACT, operator.isub, "sub_"),
    "mul": (ew.MULTIPLY, operator.imul, "mul_"), "truediv": (ew.DIVIDE, operator.itruediv, "div_"),
    "pow": (ew.POW, operator.ipow, "pow_"),
    "floordiv": (ew.FLOOR_DIVIDE, None, "floor_divide_"),
    "mod": (ew.REMAINDER, None, "remainder_"),
    "and": (ew.BITWISE_AND, operator.iand, "bitwise_and_"),
    "or": (ew.BITWISE_OR, operator.ior, "bitwise_or_"),
    "xor": (ew.BITWISE_XOR, operator.ixor, "bitwise_xor_"),
    "lshift": (ew.BITWISE_LEFT_SHIFT, operator.ilshift, "bitwise_left_shift_"),
    "rshift": (ew.BITWISE_RIGHT_SHIFT, operator.irshift, "bitwise_right_shift_"),
}
_COMPARISONS = {"eq": ew.EQUAL, "ne": ew.NOT_EQUAL, "lt": ew.LESS, "le": ew.LESS_EQUAL,
                "gt": ew.GREATER, "ge": ew.GREATER_EQUAL}


def _operators() -> dict[str, Callable]:
    table: dict[str, Callable] = {}
    for name, op in _BINARY_OPERATORS.items():
        table[f"__{name}__"] = _forward_operator(op, f"__{name}__")
        table[f"__r{name}__"] = _reflected_operator(op, f"__r{name}__")
    for name, (op, iop, method_name) in _INPLACE_OPERATORS.items():
        table[f"__i{name}__"] = _inplace_operator(op, iop, method_name, f"__i{name}__")
        table[method_name] = _inplace_operator(op, iop, method_name, method_name)
    for name, op in _COMPARISONS.items():
        table[f"__{name}__"] = _forward_operator(op, f"__{name}__")
    table["__neg__"] = _unary_operator(ew.NEGATIVE, "__neg__")
    table["__pos__"] = _unary_operator(ew.POSITIVE, "__pos__")
    table["__abs__"] = _unary_operator(ew.ABS, "__abs__")
    table["__invert__"] = _unary_operator(ew.BITWISE_INVERT, "__invert__")
    table["__matmul__"] = _matmul
    table["__rmatmul__"] = _rmatmul
    table["__getitem__"] = indexing.getitem
    table["__setitem__"] = inplace.setitem
    return table


OPERATORS: dict[str, Callable] = _operators()


# --------------------------------------------------------------------- elementwise methods
def _clip(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp every element into ``[min, max]`` (either bound may be None)."""
    return ew.clip(self, min=min, max=max)


def _where(self: Tensor, condition: Any, other: Any) -> Tensor:
    """``ag.where(condition, self, other)``: this tensor's elements where ``condition``
    holds, ``other``'s elsewhere."""
    return ew.where(condition, self, other)


_ELEMENTWISE_NAMES = (
    "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "square", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid",
    "relu", "floor", "ceil", "round", "trunc", "sign", "abs", "isnan", "isinf", "isfinite",
    "logical_not", "negative", "add", "subtract", "multiply", "divide", "maximum", "minimum",
    "pow", "remainder", "atan2", "logical_and", "logical_or", "logical_xor", "equal",
)
# PyTorch's short names for the same functions.
_ELEMENTWISE_ALIASES = {
    "neg": "negative", "sub": "subtract", "mul": "multiply", "div": "divide", "eq": "equal",
    "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
}


# ------------------------------------------------------------------------------ reductions
def _reduction(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
               keepdim: bool | None = None) -> Tensor:
        axis, keep = axis_alias(fn.__name__, axis, dim, keepdims, keepdim)
        return fn(self, axis=axis, keepdims=keep)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _extremum_method(value_fn: Callable[..., Tensor], index_fn: Callable[..., Tensor],
                     word: str) -> Callable[..., Any]:
    def method(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
               keepdim: bool | None = None) -> Any:
        axis, keep = axis_alias(value_fn.__name__, axis, dim, keepdims, keepdim)
        if axis is None or isinstance(axis, tuple):
            return value_fn(self, axis=axis, keepdims=keep)
        d = normalize_axis(value_fn.__name__, axis, self.ndim, scalar_ok=True)
        return tf.extremum_along(self, d, keep, value_fn is reductions.max)

    method.__name__ = value_fn.__name__
    method.__doc__ = (
        f"The {word} element: a tensor without ``dim``; with an int ``dim`` (or ``axis``), "
        f"a named tuple ``(values, indices)`` as in PyTorch (``t.a{value_fn.__name__}`` and "
        f"``ag.{value_fn.__name__}(x, axis=)`` return the values only). Without ``dim`` "
        f"tied elements share the gradient evenly; along ``dim`` it goes to the returned "
        f"index (the first among ties), as in PyTorch.")
    return method


def _var(self: Tensor, axis: Any = None, correction: float | None = None,
         keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None,
         unbiased: bool | None = None) -> Tensor:
    """Variance; ``correction`` defaults to 1 in the method (PyTorch), 0 in ``ag.var``."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axis, keep = axis_alias("var", axis, dim, keepdims, keepdim)
    return reductions.var(self, axis=axis, correction=correction, keepdims=keep)


def _std(self: Tensor, axis: Any = None, correction: float | None = None,
         keepdims: bool = False, *, dim: Any = None, keepdim: bool | None = None,
         unbiased: bool | None = None) -> Tensor:
    """Standard deviation; ``correction`` defaults to 1 in the method (PyTorch)."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axis, keep = axis_alias("std", axis, dim, keepdims, keepdim)
    return reductions.std(self, axis=axis, correction=correction, keepdims=keep)


def _cumsum(self: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Cumulative sum along ``axis``/``dim`` (``ag.cumulative_sum``)."""
    return reductions.cumulative_sum(self, axis=dim_alias(axis, dim))


def _softmax(self: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Softmax along ``axis``/``dim`` (default the last axis)."""
    axis = dim_alias(axis, dim)
    return nn.softmax(self, axis=-1 if axis is None else axis)


def _log_softmax(self: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Log-softmax along ``axis``/``dim`` (default the last axis)."""
    axis = dim_alias(axis, dim)
    return nn.log_softmax(self, axis=-1 if axis is None else axis)


# ----------------------------------------------------------------------------------- shape
def _reshape(self: Tensor, *sizes: Any) -> Tensor:
    """The same elements in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
    return shape.reshape(self, _shape_args(sizes))


def _permute(self: Tensor, *axes: Any) -> Tensor:
    """Reorder the axes: ``t.permute(1, 0)`` or ``t.permute((1, 0))``."""
    return shape.permute_dims(self, _shape_args(axes))


def _transpose(self: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap axes ``dim0`` and ``dim1`` (default the last two)."""
    return shape.transpose(self, dim0, dim1)


def _unsqueeze(self: Tensor, dim: int) -> Tensor:
    """Insert a size-1 axis at ``dim`` (PyTorch's name for ``expand_dims``)."""
    return shape.expand_dims(self, axis=dim)


def _expand_dims(self: Tensor, axis: int = 0) -> Tensor:
    """Insert a size-1 axis at ``axis``."""
    return shape.expand_dims(self, axis=axis)


def _squeeze(self: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Remove size-1 axes: all of them, or those among ``dim``/``axis`` (as in PyTorch, a
    named axis whose size is not 1 is left alone; ``ag.squeeze`` follows the standard and
    raises)."""
    axis = dim_alias(axis, dim)
    if axis is not None:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axis = tuple(a for a in axes if self.shape[a] == 1)
        if not axis:
            return self
    return shape.squeeze(self, axis)


def _broadcast_to(self: Tensor, *shape_: Any) -> Tensor:
    """Broadcast to ``shape``, given as a tuple or as separate ints (-1 keeps a size)."""
    return shape.broadcast_to(self, _shape_args(shape_))


def _flip(self: Tensor, axis: Any = None, *, dims: Any = None) -> Tensor:
    """Reverse the elements along ``axis``/``dims`` (every axis when None)."""
    return shape.flip(self, axis=dim_alias(axis, dims))


def _roll(self: Tensor, shift: Any, axis: Any = None, *, dims: Any = None) -> Tensor:
    """Shift the elements by ``shift`` along ``axis``/``dims``, wrapping around (the
    flattened tensor when None)."""
    return shape.roll(self, shift, axis=dim_alias(axis, dims))


def _tril(self: Tensor, k: int = 0) -> Tensor:
    """The lower triangle of the last two axes: elements above diagonal ``k`` become 0."""
    return shape.tril(self, k=k)


def _triu(self: Tensor, k: int = 0) -> Tensor:
    """The upper triangle of the last two axes: elements below diagonal ``k`` become 0."""
    return shape.triu(self, k=k)


def _take(self: Tensor, indices: Any, axis: int | None = None) -> Tensor:
    """The elements at integer ``indices`` along ``axis`` (``ag.take``)."""
    return indexing.take(self, indices, axis=axis)


def _astype(self: Tensor, dtype: Any, /, *, copy: bool = True,
            device: str | None = None) -> Tensor:
    """Cast to ``dtype`` (an ``ag`` dtype or name); gradients are cast back."""
    return shape.astype(self, dtype, copy=copy, device=device)


def _all_axes_reversed(self: Tensor) -> Tensor:
    """The tensor with all axes reversed."""
    return shape.permute_dims(self, tuple(reversed(range(self.ndim))))


def _last_two_swapped(self: Tensor) -> Tensor:
    """The tensor with its last two axes swapped."""
    return shape.matrix_transpose(self)


# -------------------------------------------------------------------- dtype/device/backend
def _to(self: Tensor, *args: Any, device: Any = None, backend: Any = None, dtype: Any = None,
        copy: bool = False) -> Tensor:
    """Move and/or cast: ``t.to("cuda:0")``, ``t.to(ag.float64)``, ``t.to(backend="jax")``.

    Differentiable: gradients flow back to the source backend, device and dtype.
    """
    for arg in args:
        if isinstance(arg, DType):
            dtype = arg
        elif isinstance(arg, str):
            device = arg
        elif isinstance(arg, Tensor):  # t.to(other): other's dtype, device and backend
            dtype, device, backend = arg.dtype, arg.device, arg._backend
        else:
            raise TypeError(f"Tensor.to: unexpected argument {arg!r}")
    return transfer.to(self, device=device, backend=backend, dtype=dtype, copy=copy)


def _to_device(self: Tensor, device: Any, /, *, stream: Any = None) -> Tensor:
    """This tensor on ``device`` of its backend (the standard's ``to_device``;
    differentiable). ``stream`` is accepted for the standard's signature; arraygrad's
    backends order work themselves."""
    return transfer.to(self, device=str(device), backend=self.backend)


def _nonzero(self: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements (PyTorch's ``Tensor.nonzero``): an ``(n, ndim)``
    int64 matrix, or with ``as_tuple=True`` one index vector per axis (a 0-d tensor counts
    as one element)."""
    if not as_tuple:
        return tf.argwhere(self)
    return reductions.nonzero(self if self.ndim else shape.reshape(self, (1,)))


def _argsort(self: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
             ) -> Tensor:
    """Indices that sort this tensor along ``dim`` (PyTorch's ``Tensor.argsort``)."""
    return reductions.argsort(self, axis=dim, descending=descending, stable=stable)


def _to_sparse(self: Tensor, sparse_dim: int | None = None) -> Any:
    """This tensor as a sparse COO tensor (:func:`arraygrad.sparse.to_sparse`)."""
    from arraygrad.sparse import to_sparse

    return to_sparse(self, sparse_dim)


def _cpu(self: Tensor) -> Tensor:
    """This tensor on its backend's ``cpu`` device (differentiable)."""
    return transfer.to(self, device="cpu")


def _cuda(self: Tensor, device: int | str = 0) -> Tensor:
    """This tensor on ``cuda:<device>`` (an index or a device string); differentiable."""
    return transfer.to(self, device=device if isinstance(device, str) else f"cuda:{device}")


def _clone(self: Tensor) -> Tensor:
    """A copy with its own memory; gradients flow through it."""
    return transfer.clone(self)


def _cast(method_name: str, dtype_name: str) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return shape.astype(self, dtype_name, copy=False)

    method.__name__ = method_name
    method.__doc__ = f"Cast to ``{dtype_name}`` (no copy when already {dtype_name})."
    return method


def _type(self: Tensor, dtype: Any = None) -> Any:
    """Cast to ``dtype`` (a dtype, its name, or a typed constructor such as
    ``ag.LongTensor`` / ``"torch.LongTensor"``); without it, the type's name
    (``"arraygrad.FloatTensor"``)."""
    if dtype is None:
        name = next((n for n, t in TENSOR_TYPES.items() if t.dtype == self.dtype), "Tensor")
        return f"arraygrad.{name}"
    if isinstance(dtype, str) and dtype.rpartition(".")[2] in TENSOR_TYPES:
        dtype = TENSOR_TYPES[dtype.rpartition(".")[2]]
    dtype = getattr(dtype, "dtype", dtype)
    return shape.astype(self, dtype, copy=False)


# ---------------------------------------------------------------- PyTorch's tensor methods
def _add(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self + alpha * other``."""
    return ew.add(self, other if alpha == 1 else other * alpha)


def _sub(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self - alpha * other``."""
    return ew.subtract(self, other if alpha == 1 else other * alpha)


def _add_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In place ``self += alpha * other``; bumps the version."""
    return inplace.inplace_binary(self, other if alpha == 1 else other * alpha, ew.ADD,
                                  operator.iadd, "add_")


def _sub_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In place ``self -= alpha * other``; bumps the version."""
    return inplace.inplace_binary(self, other if alpha == 1 else other * alpha, ew.SUBTRACT,
                                  operator.isub, "sub_")


def _graph_reads(out: Any, x: Tensor, since: int) -> bool:
    """Whether a node recorded since sequence number ``since`` on the way to ``out`` saved
    ``x`` for a rule that reads its value (the engine's version check would then refuse)."""
    stack = [out._node] if isinstance(out, Tensor) else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or node.seq < since or node.seq in seen:
            continue
        seen.add(node.seq)
        inputs = node.inputs or ()
        if any(inp is x for inp in inputs):
            reads = node.op.reads
            if reads is None:
                needed: Any = range(len(inputs)) if node.op.checks_inputs else ()
            else:
                needed = {j for edge, read in zip(node.edges, reads) if edge is not None
                          for j in read}
            if any(inputs[j] is x for j in needed):
                return True
        stack.extend(edge for edge in node.edges if isinstance(edge, Node))
    return False


# PyTorch's names of the dtypes, for its in-place casting error.
_TORCH_DTYPE_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
    "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def check_inplace_cast(name: str, result: Any, target: Any) -> None:
    """PyTorch's rule for writing a result of dtype ``result`` into a tensor of dtype
    ``target``: no complex into a real, float into an integer, or number into a bool."""
    if _KIND_RANK[result.kind] > _KIND_RANK[target.kind]:
        raise RuntimeError(
            f"{name}: result type {_TORCH_DTYPE_NAMES.get(result.name, result.name)} can't "
            f"be cast to the desired output type "
            f"{_TORCH_DTYPE_NAMES.get(target.name, target.name)}")


def _in_place(fn: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    """The in-place form of ``fn``: compute, then copy into ``self`` (recorded when needed,
    so gradients flow through the new value; views and version counters follow). A
    result that PyTorch would not cast into ``self``'s dtype (a float into an integer
    tensor...) raises RuntimeError, ``self`` unchanged."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        since = next(_node_sequence)
        out = fn(self, *args, **kwargs)
        if isinstance(out, Tensor) and out.dtype != self.dtype:
            check_inplace_cast(name, out.dtype, self.dtype)
        if _graph_reads(out, self, since):
            # A rule will read self's current value, which the write below replaces:
            # compute from a copy instead (PyTorch's ``original_self``), so backward works.
            out = fn(transfer.clone(self), *args, **kwargs)
        return inplace.write_result(self, out, name, since)

    method.__name__ = name
    method.__doc__ = f"In place ``{fn.__name__}``: the result is written into this tensor."
    return method


def _view_in_place(fn: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    """The in-place form of the view op ``fn`` (``unsqueeze_``, ``t_``...): ``self`` takes
    the view's shape and history. A leaf that requires grad raises as in PyTorch; a tensor
    that is a view or has live views raises (its views could not follow the new shape)."""
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if self._node is None and self.requires_grad and STATE.enabled:
            raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used "
                               f"in an in-place operation.")
        if self._view is not None or inplace._has_views(self):
            raise RuntimeError(
                f"{name}: arraygrad cannot change the shape of a tensor that is a view or "
                f"has live views (shape {self.shape}); use the out-of-place "
                f"x = x.{name[:-1]}(...) instead")
        since = next(_node_sequence)
        out = fn(self, *args, **kwargs)
        if out._node is not None:  # its inputs name the old self: a snapshot stands in
            inplace._unalias(out._node, self, since)
        self._data, self._node = out._data, out._node
        self.requires_grad = out.requires_grad
        self._views = None  # ``out`` was this tensor's only view, and it is dropped
        return self

    method.__name__ = name
    method.__doc__ = f"In place ``{fn.__name__}``: this tensor takes the new shape."
    return method


def _is_cpu(self: Tensor) -> bool:
    """Whether the tensor lives on a CPU device."""
    return str(self.device).split(":")[0] == "cpu"


def _is_cuda(self: Tensor) -> bool:
    """Whether the tensor lives on a CUDA device."""
    return str(self.device).split(":")[0] in ("cuda", "gpu")


def _get_device(self: Tensor) -> int:
    """-1 on the CPU, else the device's index (``torch.Tensor.get_device``)."""
    if _is_cpu(self):
        return -1
    _, _, index = str(self.device).partition(":")
    return int(index) if index.isdigit() else 0


def _nbytes(self: Tensor) -> int:
    """Bytes held by the elements (``numel() * itemsize``)."""
    return self.numel() * (self.dtype.bits // 8)


def _itemsize(self: Tensor) -> int:
    """Bytes per element."""
    return self.dtype.bits // 8


def _ndimension(self: Tensor) -> int:
    """The number of dimensions (``ndim``)."""
    return self.ndim


def _is_signed(self: Tensor) -> bool:
    """Whether the dtype holds negative values (not bool or unsigned)."""
    return self.dtype.kind in "ifc"


def _is_same_size(self: Tensor, other: Tensor) -> bool:
    """Whether ``other`` has the same shape."""
    return tuple(self.shape) == tuple(other.shape)


def _is_nonzero(self: Tensor) -> bool:
    """The truth of a one-element tensor (``torch.Tensor.is_nonzero``)."""
    n = self.numel()
    if n != 1:
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with "
                           f"{'no values' if n == 0 else 'more than one value'} is "
                           f"ambiguous (shape {self.shape})")
    return bool(self.item())


def _real(self: Tensor) -> Tensor:
    """The real part (``self`` itself for a real dtype, as PyTorch)."""
    return ew.real(self) if self.dtype.kind == "c" else self


def _imag(self: Tensor) -> Tensor:
    """The imaginary part; a real dtype raises RuntimeError, as PyTorch."""
    if self.dtype.kind != "c":
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes "
                           f"(got {self.dtype.name})")
    return ew.imag(self)


def _ravel(self: Tensor) -> Tensor:
    """The elements as a 1-D tensor."""
    return shape.reshape(self, (-1,))


def _tile(self: Tensor, *dims: Any) -> Tensor:
    """``torch.tile``: repeat along each dim (fewer dims than the tensor: ones are
    prepended to ``dims``)."""
    dims = _shape_args(dims)
    return shape.tile(self, tuple(dims))


def _bernoulli(self: Tensor, p: Any = None) -> Tensor:
    """Draws that are 1 with probability ``self`` (or ``p``), elementwise
    (``torch.Tensor.bernoulli``)."""
    if p is None:
        return tn.bernoulli(self)
    return tn.bernoulli(full(self.shape, p, dtype=self.dtype, device=self.device,
                             backend=self._backend))


def _multinomial(self: Tensor, num_samples: int, replacement: bool = False) -> Tensor:
    """Indices drawn from the categorical distributions in the rows of this tensor
    (``torch.Tensor.multinomial``)."""
    return random.multinomial(self, num_samples, replacement)


def _polygamma(self: Tensor, n: int) -> Tensor:
    """``torch.polygamma(n, self)``: the ``n``-th derivative of digamma."""
    return tn.polygamma(n, self)


def _rsub(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * self``."""
    return tn.rsub(self, other, alpha=alpha)


def _pow(x: Tensor, exponent: Any) -> Tensor:
    return binary(ew.POW, x, exponent)


_INTEGER_POW_ = _in_place(_pow, "pow_")


def _t(self: Tensor) -> Tensor:
    """The transpose of a 2-D tensor (0-D and 1-D tensors unchanged), as ``torch.t``."""
    if self.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape "
                         f"{self.shape}; use transpose(dim0, dim1) or .mT")
    return shape.matrix_transpose(self) if self.ndim == 2 else self


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor in ``other``'s shape."""
    return shape.reshape(self, other.shape)


def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor broadcast to ``other``'s shape."""
    return shape.broadcast_to(self, other.shape)


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to ``other``'s dtype."""
    return shape.astype(self, other.dtype, copy=False)


def _contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor (arraygrad's tensors have no strides to make contiguous)."""
    return self


def _is_contiguous(self: Tensor, memory_format: Any = None) -> bool:
    """True: arraygrad's tensors have no strides."""
    return True


def _element_size(self: Tensor) -> int:
    """Bytes per element."""
    return self.dtype.bits // 8


def _masked_select(self: Tensor, mask: Any) -> Tensor:
    """The elements where ``mask`` (broadcast to this shape) is true, as a 1-D tensor."""
    mask = shape.broadcast_to(mask, self.shape) if isinstance(mask, Tensor) else mask
    return self[mask]


def _repeat(self: Tensor, *sizes: Any) -> Tensor:
    """Tile this tensor ``sizes[i]`` times along dim ``i`` (PyTorch's ``repeat``; the
    standard's element repetition is ``repeat_interleave``)."""
    sizes = _shape_args(sizes)
    if len(sizes) < self.ndim:
        raise ValueError(f"repeat: {len(sizes)} sizes for a tensor of {self.ndim} dimensions "
                         f"(shape {self.shape}); give at least one per dimension")
    x = shape.reshape(self, (1,) * (len(sizes) - self.ndim) + self.shape)
    return shape.tile(x, sizes)


def _repeat_interleave(self: Tensor, repeats: Any, dim: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (flattened when None)."""
    return shape.repeat(self, repeats, axis=dim)


def _new_like(self: Tensor, dtype: Any, device: Any) -> dict:
    return {"dtype": self.dtype if dtype is None else dtype,
            "device": self.device if device is None else device, "backend": self._backend}


def _new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with this tensor's dtype, device and backend (unless given)."""
    return zeros(*size, requires_grad=requires_grad, **_new_like(self, dtype, device))


def _new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with this tensor's dtype, device and backend (unless given)."""
    return ones(*size, requires_grad=requires_grad, **_new_like(self, dtype, device))


def _new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` with this tensor's dtype, device and backend."""
    return empty(*size, requires_grad=requires_grad, **_new_like(self, dtype, device))


def _new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in a tensor of ``size`` with this tensor's dtype, device and backend."""
    return full(size, fill_value, requires_grad=requires_grad, **_new_like(self, dtype, device))


def _new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    """A new leaf tensor from ``data`` with this tensor's dtype, device and backend."""
    if isinstance(data, Tensor):
        data = data.detach()
    return tensor(data, requires_grad=requires_grad, **_new_like(self, dtype, device))


def _sample_into(self: Tensor, draw: Callable[..., Tensor], name: str) -> Tensor:
    if self.dtype.kind not in "fc" and name != "random_":
        raise TypeError(f"{name}: expected a floating tensor, got dtype {self.dtype.name}")
    return inplace.copy_(self, draw())


def _uniform_(self: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with uniform samples in ``[a, b)`` from the backend's generator."""
    return _sample_into(self, lambda: random.uniform(a, b, self.shape, dtype=self.dtype,
                                                     device=self.device,
                                                     backend=self._backend), "uniform_")


def _normal_(self: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with normal samples of ``mean`` and ``std``."""
    return _sample_into(self, lambda: random.normal(mean, std, self.shape, dtype=self.dtype,
                                                    device=self.device,
                                                    backend=self._backend), "normal_")


def _bernoulli_(self: Tensor, p: float = 0.5) -> Tensor:
    """Fill with 1 (probability ``p``) or 0."""
    return _sample_into(self, lambda: random.bernoulli(p, self.shape, dtype=self.dtype,
                                                       device=self.device,
                                                       backend=self._backend), "bernoulli_")


def _exponential_(self: Tensor, lambd: float = 1.0) -> Tensor:
    """Fill with exponential samples of rate ``lambd``."""
    if lambd <= 0:
        raise ValueError(f"exponential_: lambd must be positive, got {lambd}")

    def draw() -> Tensor:
        u = random.uniform(0.0, 1.0, self.shape, dtype=self.dtype, device=self.device,
                           backend=self._backend)
        return -ew.log1p(-u) / lambd

    return _sample_into(self, draw, "exponential_")


def _random_(self: Tensor, from_: int = 0, to: int | None = None) -> Tensor:
    """Fill with integers in ``[from, to)`` (PyTorch's ``random_(from, to)``)."""
    if to is None:
        from_, to = 0, from_ if from_ else 2 ** min(self.dtype.bits - 1, 53)
    values = random.randint(from_, to, self.shape, device=self.device, backend=self._backend)
    return _sample_into(self, lambda: shape.astype(values, self.dtype), "random_")


def _zero_(self: Tensor) -> Tensor:
    """Set every element to zero in place."""
    return inplace.zero_(self)


def _fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` in place."""
    return inplace.fill_(self, value)


def _copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to this tensor's shape) into this tensor in place."""
    return inplace.copy_(self, src)


_CASTS = (("float", "float32"), ("double", "float64"), ("half", "float16"),
          ("long", "int64"), ("int", "int32"), ("bool", "bool"), ("short", "int16"),
          ("char", "int8"), ("byte", "uint8"), ("bfloat16", "bfloat16"),
          ("cfloat", "complex64"), ("cdouble", "complex128"))


def _methods() -> dict[str, Callable]:
    table: dict[str, Callable] = {}
    for name in _ELEMENTWISE_NAMES:
        table[name] = getattr(ew, name)
    for alias, name in _ELEMENTWISE_ALIASES.items():
        table[alias] = getattr(ew, name)
    table.update(clip=_clip, clamp=_clip, where=_where)
    for reduction in (reductions.sum, reductions.mean, reductions.prod, reductions.all,
                      reductions.any, reductions.logsumexp, reductions.argmax, reductions.argmin):
        table[reduction.__name__] = _reduction(reduction)
    table["amax"] = _reduction(reductions.max)
    table["amin"] = _reduction(reductions.min)
    table["max"] = _extremum_method(reductions.max, reductions.argmax, "largest")
    table["min"] = _extremum_method(reductions.min, reductions.argmin, "smallest")
    table.update(var=_var, std=_std, cumsum=_cumsum, softmax=_softmax, log_softmax=_log_softmax)
    table.update(
        reshape=_reshape, view=_reshape, permute=_permute, permute_dims=_permute,
        transpose=_transpose, unsqueeze=_unsqueeze, expand_dims=_expand_dims, squeeze=_squeeze,
        broadcast_to=_broadcast_to, expand=_broadcast_to, flip=_flip,
        roll=_roll, astype=_astype, tril=_tril, triu=_triu, matmul=linalg.matmul, take=_take,
    )
    table.update(to=_to, to_device=_to_device, to_sparse=_to_sparse, cpu=_cpu, cuda=_cuda,
                 clone=_clone, type=_type, zero_=_zero_, fill_=_fill_, copy_=_copy_)
    for method_name, dtype_name in _CASTS:
        table[method_name] = _cast(method_name, dtype_name)
    table.update(
        add=_add, sub=_sub, add_=_add_, sub_=_sub_, t=_t, view_as=_view_as,
        reshape_as=_view_as, expand_as=_expand_as, type_as=_type_as, contiguous=_contiguous,
        is_contiguous=_is_contiguous, element_size=_element_size, nelement=Tensor.numel,
        masked_select=_masked_select, repeat=_repeat, repeat_interleave=_repeat_interleave,
        new_zeros=_new_zeros, new_ones=_new_ones, new_empty=_new_empty, new_full=_new_full,
        new_tensor=_new_tensor, uniform_=_uniform_, normal_=_normal_, bernoulli_=_bernoulli_,
        exponential_=_exponential_, random_=_random_,
    )
    for function in (tf.narrow, tf.select, tf.split, tf.chunk, tf.unbind, tf.movedim,
                     tf.unflatten, tf.masked_fill, tf.index_select, tf.gather, tf.scatter,
                     tf.scatter_add, tf.index_add, tf.mm, tf.bmm, tf.mv, linalg.outer, tf.diag,
                     tf.lerp, tf.addcmul, tf.addcdiv):
        table[function.__name__] = function
    table["flatten"] = tf.flatten
    table.update(sort=tf.sort, topk=tf.topk, kthvalue=tf.kthvalue, norm=tf.norm, dist=tf.dist,
                 cumprod=tf.cumprod, argsort=_argsort,
                 argwhere=tf.argwhere, nonzero=_nonzero)
    table["swapaxes"] = table["swapdims"] = _transpose
    table["moveaxis"] = tf.movedim
    for out_of_place in (tf.masked_fill, tf.scatter, tf.scatter_add, tf.index_add, tf.lerp,
                         tf.addcmul, tf.addcdiv, _clip, ew.abs, ew.negative, ew.exp, ew.log,
                         ew.sqrt, ew.sigmoid, ew.tanh, ew.relu, ew.sin, ew.cos, ew.floor,
                         ew.ceil, ew.round, ew.trunc, ew.square, ew.reciprocal):
        name = ("clamp" if out_of_place is _clip
                else "neg" if out_of_place is ew.negative else out_of_place.__name__)
        table[name + "_"] = _in_place(out_of_place, name + "_")
    table["clip_"] = table["clamp_"]
    table["fill_diagonal_"] = _in_place(tf.fill_diagonal, "fill_diagonal_")
    table["unfold"] = tf.unfold
    # PyTorch's functions of the same names (arraygrad/ops/torch_namespace.py): the method
    # behaves as ``ag.name(self, ...)``.
    torch_named: tuple[Callable[..., Any], ...] = (
        tn.median, tn.fmod, tn.frac, tn.rsqrt, tn.erf, tn.erfc, tn.exp2, tn.sgn,
        tn.logit, tn.xlogy, tn.nan_to_num, tn.clamp_min, tn.clamp_max,
        tn.diagonal, tn.trace, tn.diag_embed, tn.count_nonzero, tn.diff, tn.dot,
        tn.inner, tn.cross, tn.kron, tn.unique, tn.bincount, tn.isclose,
        tn.allclose, tn.histc, tn.heaviside, tn.take_along_dim, tn.tensor_split,
        tn.is_floating_point, tn.is_complex, tn.true_divide, tn.ger,
        ew.bitwise_and, ew.bitwise_or, ew.bitwise_xor, special.lgamma,
        special.digamma)
    for torch_fn in torch_named:
        table[torch_fn.__name__] = torch_fn
    table["div"] = table["divide"] = tn.divide
    _tns_methods(table)
    return table


# PyTorch's Tensor aliases of existing methods.
_METHOD_ALIASES = {
    "absolute": "abs", "arccos": "acos", "arccosh": "acosh", "arcsin": "asin",
    "arcsinh": "asinh", "arctan": "atan", "arctanh": "atanh", "arctan2": "atan2",
    "greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le",
    "not_equal": "ne", "fix": "trunc",
}


def _tns_methods(table: dict[str, Callable]) -> None:
    """The methods added for PyTorch's Tensor API (comparisons' in-place forms, math
    aliases, in-place forms of the math functions, attributes)."""
    torch_named: tuple[Callable[..., Any], ...] = (
        tn.deg2rad, tn.rad2deg, tn.fmax, tn.fmin, tn.gcd, tn.lcm, tn.ldexp, tn.frexp,
        tn.float_power, tn.sinc, tn.logaddexp2, tn.isposinf, tn.isneginf, tn.isreal,
        tn.aminmax, tn.msort, tn.cummax, tn.cummin, tn.logcumsumexp, tn.nansum, tn.nanmean,
        tn.addmm, tn.addmv, tn.baddbmm, ew.floor_divide, ew.logaddexp, ew.hypot,
        ew.copysign, ew.nextafter, ew.signbit, ew.positive, ew.bitwise_left_shift,
        ew.bitwise_right_shift, ew.conj, tn.rsub, tn.nanmedian, tn.quantile,
        tn.nanquantile, tn.cov, tn.corrcoef, tn.mvlgamma, special.erfinv, tn.logdet,
        tn.pinverse, tn.matrix_exp, tn.cholesky_solve, tn.cholesky_inverse, tn.cholesky,
        tn.qr, tn.svd, tn.triangular_solve, tn.addbmm, tn.addr, tn.vdot, la.det, la.slogdet,
        la.matrix_power, tn.rot90, tn.fliplr, tn.flipud, tn.hsplit, tn.vsplit, tn.dsplit,
        tn.split_with_sizes, tn.diagflat, tn.select_scatter, tn.slice_scatter, tn.index_fill,
        tn.index_copy, tn.masked_scatter, tn.put, tn.index_put, tn.angle, tn.renorm,
        tn.mode, tn.unique_consecutive, tn.adjoint, tn.conj_physical, tn.resolve_conj,
        tn.resolve_neg, tn.is_conj, tn.is_neg, tn.sum_to_size, ew.reciprocal,
        tn.diagonal_scatter, tn.unsafe_chunk, tn.unsafe_split, tn.unsafe_split_with_sizes)
    table["bernoulli"] = _bernoulli
    table["multinomial"] = _multinomial
    table["inverse"] = la.inv
    for fn in torch_named:
        table[fn.__name__] = fn
    table["bitwise_not"] = ew.bitwise_invert
    table["polygamma"] = _polygamma
    for alias, name in _METHOD_ALIASES.items():
        table[alias] = table[name]
    table.update(ravel=_ravel, tile=_tile, get_device=_get_device, is_signed=_is_signed,
                 is_same_size=_is_same_size, is_nonzero=_is_nonzero, ndimension=_ndimension)
    # In-place forms of functions whose result has self's shape.
    for name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
                 "less_equal", "not_equal", "multiply", "subtract", "divide", "true_divide",
                 "negative", "absolute", "acos", "acosh", "asin", "asinh", "atan", "atanh",
                 "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "atan2",
                 "arctan2", "sign", "sgn", "rsqrt", "log2", "log10", "log1p", "expm1",
                 "exp2", "tan", "sinh", "cosh", "erf", "erfc", "frac", "fix", "lgamma",
                 "digamma", "logit", "xlogy", "nan_to_num", "heaviside", "fmod", "hypot",
                 "copysign", "nextafter", "float_power", "ldexp", "lcm", "gcd", "deg2rad",
                 "rad2deg", "sinc", "clamp_min", "clamp_max", "logical_and", "logical_or",
                 "logical_xor", "logical_not", "bitwise_not", "cumsum", "cumprod",
                 "tril", "triu", "erfinv", "polygamma", "mvlgamma", "addbmm", "addr",
                 "addmm", "addmv", "baddbmm", "index_fill", "index_copy", "masked_scatter",
                 "put", "index_put", "renorm", "conj_physical"):
        if name + "_" not in table:
            table[name + "_"] = _in_place(table[name], name + "_")
    for name in ("unsqueeze", "squeeze", "t", "transpose", "swapaxes", "swapdims"):
        table[name + "_"] = _view_in_place(table[name], name + "_")
    return None


METHODS: dict[str, Callable] = _methods()
PROPERTIES: dict[str, Callable[[Tensor], Any]] = {
    "T": _all_axes_reversed, "mT": _last_two_swapped, "is_cpu": _is_cpu, "is_cuda": _is_cuda,
    "nbytes": _nbytes, "itemsize": _itemsize, "real": _real, "imag": _imag}


def install(cls: type = Tensor) -> None:
    """Set every operator, method and property of the tables on ``cls`` (once, at import)."""
    for name, fn in {**CORE, **OPERATORS, **METHODS}.items():
        setattr(cls, name, fn)
    for name, getter in PROPERTIES.items():
        setattr(cls, name, property(getter, doc=getter.__doc__))


install()
