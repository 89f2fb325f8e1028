"""Sparse COO tensors: ``ag.sparse_coo_tensor``, ``ag.sparse.mm`` / ``ag.spmm``, ``sparse @ dense``.

A :class:`SparseTensor` is not a :class:`~arraygrad.Tensor` subclass: it holds two dense
Tensors, ``indices()`` (int64, shape ``(sparse_dims, nnz)``) and ``values()`` (shape
``(nnz,) + dense_dims``), plus its ``shape``. Every operation is written with arraygrad ops
(``take``, ``scatter_add``, multiply), so it runs on every backend and gradients flow to the
values and to the dense operand. Duplicate indices are allowed and are summed (by
``coalesce``, ``to_dense`` and ``mm``), as in PyTorch.

Supported: ``to_dense``, ``coalesce``, ``t`` (2-D), ``sparse @ dense`` (2-D sparse with a
1-D or 2-D dense Tensor), multiplication/division by a Python scalar, ``sum``,
``Tensor.to_sparse``. Anything else (``dense @ sparse``: write ``(s.t() @ d.T).T``;
``sparse + dense``, ``sparse @ sparse``, elementwise ops) raises TypeError: call
``.to_dense()`` first.

Examples
--------
>>> import arraygrad as ag
>>> a = ag.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
>>> a.to_dense().tolist()
[[0.0, 0.0, 3.0], [4.0, 0.0, 5.0]]
>>> (a @ ag.ones(3, 1)).tolist()
[[3.0], [9.0]]
"""

from __future__ import annotations

import builtins
from typing import Any

import arraygrad as ag
from arraygrad.extend import make_tensor
from arraygrad.tensor import Tensor

__all__ = ["SparseTensor", "sparse_coo_tensor", "mm", "spmm", "sum", "to_sparse"]


def _unsupported(what: str) -> TypeError:
    return TypeError(f"{what} is not supported for sparse COO tensors in arraygrad (supported: "
                     f"sparse @ dense, * or / by a Python scalar, ag.sparse.sum); convert "
                     f"with .to_dense() first")


class SparseTensor:
    """A sparse COO tensor (see the module docstring). Make one with
    :func:`sparse_coo_tensor` or ``to_sparse``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> a = ag.sparse_coo_tensor([[0, 0]], [1.0, 2.0], (3,))
    >>> a.is_sparse, a.shape, a.coalesce().values().tolist()
    (True, (3,), [3.0])
    """

    __slots__ = ("_indices", "_values", "_shape", "_coalesced")
    is_sparse = True
    layout = "sparse_coo"
    __array_priority__ = 1000
    __array_ufunc__ = None  # NumPy operators defer to the reflected methods (which raise)

    def __init__(self, indices: Tensor, values: Tensor, shape: tuple[int, ...],
                 coalesced: bool = False) -> None:
        self._indices = indices
        self._values = values
        self._shape = tuple(int(s) for s in shape)
        self._coalesced = coalesced

    # ------------------------------------------------------------------ attributes
    def indices(self) -> Tensor:
        """The int64 index Tensor of shape ``(sparse_dim, nnz)``."""
        return self._indices

    def values(self) -> Tensor:
        """The values Tensor of shape ``(nnz,) + dense_dims`` (gradients flow through it)."""
        return self._values

    @property
    def shape(self) -> tuple[int, ...]:
        """The dense shape."""
        return self._shape

    def size(self, dim: int | None = None) -> Any:
        """The dense shape, or its length along ``dim``."""
        return self._shape if dim is None else self._shape[dim]

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._shape)

    def dim(self) -> int:
        """Number of dimensions."""
        return len(self._shape)

    def sparse_dim(self) -> int:
        """Number of sparse dimensions (rows of ``indices()``)."""
        return int(self._indices.shape[0])

    def dense_dim(self) -> int:
        """Number of dense dimensions (trailing dims of ``values()``)."""
        return self._values.ndim - 1

    def _nnz(self) -> int:
        return int(self._values.shape[0])

    @property
    def nnz(self) -> int:
        """Number of stored entries (duplicates included)."""
        return self._nnz()

    @property
    def dtype(self) -> Any:
        """The values' dtype."""
        return self._values.dtype

    @property
    def device(self) -> str:
        """The values' device."""
        return self._values.device

    @property
    def backend(self) -> Any:
        """The values' backend."""
        return self._values.backend

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to the values."""
        return self._values.requires_grad

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        """Make the values a leaf that requires grad (like ``Tensor.requires_grad_``)."""
        self._values.requires_grad_(requires_grad)
        return self

    @property
    def grad(self) -> SparseTensor | None:
        """The gradient w.r.t. this tensor's entries, as a coalesced SparseTensor (None
        before backward). Duplicate entries share one position, as in PyTorch."""
        g = self._values.grad
        if g is None:
            return None
        if self._coalesced:
            return SparseTensor(self._indices, g, self._shape, True)
        _, idx, inverse, counts = self._unique()
        total = ag.scatter_add(ag.zeros((idx.shape[1],) + tuple(g.shape[1:]), dtype=g.dtype,
                                        backend=g.backend, device=g.device), inverse, g)
        per = counts.astype(g.dtype).reshape((-1,) + (1,) * (g.ndim - 1))
        return SparseTensor(idx, total / per, self._shape, True)

    @property
    def is_leaf(self) -> bool:
        """Whether the values are a leaf of the graph."""
        return self._values.is_leaf

    def is_coalesced(self) -> bool:
        """Whether the indices are known to be sorted and unique."""
        return self._coalesced

    def detach(self) -> SparseTensor:
        """The same entries, cut from the graph."""
        return SparseTensor(self._indices, self._values.detach(), self._shape, self._coalesced)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices.tolist()}, values="
                f"{self._values.tolist()}, size={self._shape}, nnz={self._nnz()}, "
                f"layout=sparse_coo)")

    # ------------------------------------------------------------------ conversion
    def to_dense(self) -> Tensor:
        """The dense Tensor (duplicates summed); differentiable in the values."""
        v = self._values
        out = ag.zeros(self._shape, dtype=v.dtype, backend=v.backend, device=v.device)
        if self._nnz() == 0:
            return out + 0 * v.sum()
        key = tuple(self._indices[i] for i in range(self.sparse_dim()))
        return ag.scatter_add(out, key, v)

    def _linear(self) -> Tensor:
        lin = ag.zeros(self._nnz(), dtype=ag.int64, backend=self._indices.backend,
                       device=self._indices.device)
        for d in range(self.sparse_dim()):
            lin = lin * self._shape[d] + self._indices[d]
        return lin

    def _unique(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Unique linear positions, their indices, each entry's position, counts."""
        lin = self._linear()
        be = lin.backend
        raw = be.xp.unique_inverse(lin.array)
        uniq = make_tensor(raw.values, be)
        inverse = make_tensor(be.xp.reshape(raw.inverse_indices, (-1,)), be)
        counts = ag.scatter_add(ag.zeros(uniq.shape[0], dtype=ag.int64, backend=be,
                                         device=lin.device), inverse, ag.ones_like(inverse))
        rows = []
        rest = uniq
        for d in reversed(range(self.sparse_dim())):
            rows.append(rest % self._shape[d])
            rest = rest // self._shape[d]
        idx = ag.stack(rows[::-1], axis=0) if rows else ag.zeros(
            (0, uniq.shape[0]), dtype=ag.int64, backend=be, device=lin.device)
        return uniq, idx, inverse, counts

    def coalesce(self) -> SparseTensor:
        """Sorted, unique indices with duplicate values summed (differentiable)."""
        if self._coalesced:
            return self
        v = self._values
        _, idx, inverse, _ = self._unique()
        zeros = ag.zeros((idx.shape[1],) + tuple(v.shape[1:]), dtype=v.dtype,
                         backend=v.backend, device=v.device)
        return SparseTensor(idx, ag.scatter_add(zeros, inverse, v), self._shape, True)

    def t(self) -> SparseTensor:
        """The transpose of a 2-D sparse tensor."""
        if self.sparse_dim() != 2 or self.dense_dim() != 0:
            raise ValueError(f"t() expects a 2-D sparse tensor with 2 sparse dims, got shape "
                             f"{self._shape} with {self.sparse_dim()} sparse dims")
        idx = ag.stack([self._indices[1], self._indices[0]], axis=0)
        return SparseTensor(idx, self._values, (self._shape[1], self._shape[0]))

    @property
    def T(self) -> SparseTensor:  # noqa: N802
        """``t()``."""
        return self.t()

    # ------------------------------------------------------------------ operators
    def __matmul__(self, other: Any) -> Tensor:
        if isinstance(other, SparseTensor):
            raise _unsupported("sparse @ sparse")
        return mm(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        raise _unsupported(f"{type(other).__name__} @ sparse (write (s.t() @ d.T).T)")

    def _scale(self, other: Any, op: str) -> SparseTensor:
        if isinstance(other, (int, float)) and not isinstance(other, builtins.bool):
            v = self._values * other if op == "*" else self._values / other
            return SparseTensor(self._indices, v, self._shape, self._coalesced)
        raise _unsupported(f"sparse {op} {type(other).__name__}")

    def __mul__(self, other: Any) -> SparseTensor:
        return self._scale(other, "*")

    def __rmul__(self, other: Any) -> SparseTensor:
        return self._scale(other, "*")

    def __truediv__(self, other: Any) -> SparseTensor:
        return self._scale(other, "/")

    def __neg__(self) -> SparseTensor:
        return self._scale(-1, "*")

    def __add__(self, other: Any) -> Any:
        raise _unsupported(f"sparse + {type(other).__name__}")

    def __radd__(self, other: Any) -> Any:
        raise _unsupported(f"{type(other).__name__} + sparse")

    def __sub__(self, other: Any) -> Any:
        raise _unsupported(f"sparse - {type(other).__name__}")

    def __rsub__(self, other: Any) -> Any:
        raise _unsupported(f"{type(other).__name__} - sparse")

    def __bool__(self) -> bool:
        raise _unsupported("bool(sparse)")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise _unsupported("converting a sparse tensor to an array")

    def __getitem__(self, key: Any) -> Any:
        raise _unsupported("indexing")


def _as_indices(indices: Any, like: Tensor | None) -> Tensor:
    if isinstance(indices, Tensor):
        if not ag.isdtype(indices.dtype, "integral"):
            raise TypeError(f"sparse_coo_tensor: indices must be an integer Tensor, got dtype "
                            f"{indices.dtype}")
        return indices.astype(ag.int64) if indices.dtype != ag.int64 else indices
    kwargs: dict[str, Any] = {}
    if like is not None:
        kwargs = {"backend": like.backend, "device": like.device}
    return ag.asarray(indices, dtype=ag.int64, **kwargs)


def sparse_coo_tensor(indices: Any, values: Any, size: Any = None, *, dtype: Any = None,
                      device: str | None = None, backend: Any = None,
                      requires_grad: bool = False, is_coalesced: bool | None = None,
                      check_invariants: bool | None = None) -> SparseTensor:
    """A sparse COO tensor with entries ``values`` at ``indices`` (PyTorch's signature).

    Parameters
    ----------
    indices : Tensor or array-like of int
        Shape ``(sparse_dim, nnz)``: column ``j`` is the position of ``values[j]``.
    values : Tensor or array-like
        Shape ``(nnz,) + dense_dims``. Gradients flow through a Tensor given here.
    size : tuple of int, optional
        The dense shape (default: one past the largest index in each dim).
    requires_grad : bool
        Make the values a new leaf that requires grad.
    check_invariants : bool, optional
        Accepted for PyTorch's signature. The indices are always checked (an index out of
        range raises ``IndexError``), whatever the value: unchecked indices would let a later
        op read or write the wrong element silently.

    Raises
    ------
    ValueError
        ``indices`` is not 2-D or its nnz differs from ``values``'.
    IndexError
        An index is negative or not below ``size`` in its dim.

    Examples
    --------
    >>> import arraygrad as ag
    >>> s = ag.sparse_coo_tensor([[0, 2]], [1.0, 2.0], (4,))
    >>> s.to_dense().tolist()
    [1.0, 0.0, 2.0, 0.0]
    """
    if isinstance(values, Tensor):
        if dtype is not None and values.dtype != dtype:
            values = values.astype(dtype)
    else:
        kw: dict[str, Any] = {"dtype": dtype, "device": device}
        if backend is not None:
            kw["backend"] = backend
        elif isinstance(indices, Tensor):
            kw["backend"] = indices.backend
            kw["device"] = device or indices.device
        values = ag.asarray(values, **kw)
    idx = _as_indices(indices, values)
    if idx.backend is not values.backend:
        raise ag.BackendError(f"sparse_coo_tensor: indices are on backend "
                              f"{idx.backend.name!r} but values on {values.backend.name!r}; "
                              f"move one with .to(backend=...)")
    if idx.ndim != 2:
        raise ValueError(f"sparse_coo_tensor: indices must be 2-D (sparse_dim, nnz), got "
                         f"shape {idx.shape}")
    if values.ndim < 1 or values.shape[0] != idx.shape[1]:
        raise ValueError(f"sparse_coo_tensor: indices have nnz={idx.shape[1]} (shape "
                         f"{idx.shape}) but values have shape {values.shape}; values.shape[0] "
                         f"must equal indices.shape[1]")
    sparse_dim = idx.shape[0]
    nnz = idx.shape[1]
    if size is None:
        if nnz == 0:
            raise ValueError("sparse_coo_tensor: size is required when there are no entries")
        size = tuple(int(m) + 1 for m in ag.max(idx, axis=1).tolist()) + tuple(
            values.shape[1:])
    shape = tuple(int(s) for s in size)
    if len(shape) != sparse_dim + values.ndim - 1:
        raise ValueError(f"sparse_coo_tensor: size {shape} has {len(shape)} dims but indices "
                         f"give {sparse_dim} sparse dims and values {values.ndim - 1} dense "
                         f"dims (values shape {values.shape})")
    if tuple(values.shape[1:]) != shape[sparse_dim:]:
        raise ValueError(f"sparse_coo_tensor: values' dense dims {values.shape[1:]} do not "
                         f"match size {shape} after the {sparse_dim} sparse dims")
    if nnz:
        lo = ag.min(idx, axis=1).tolist()
        hi = ag.max(idx, axis=1).tolist()
        for d in range(sparse_dim):
            if lo[d] < 0:
                raise IndexError(f"sparse_coo_tensor: index {lo[d]} in dim {d} is negative "
                                 f"(size {shape[d]}); indices must be in [0, size)")
            if hi[d] >= shape[d]:
                raise IndexError(f"sparse_coo_tensor: index {hi[d]} in dim {d} is out of "
                                 f"range for size {shape[d]} (size {shape})")
    if requires_grad:
        values = values.detach()
        values.requires_grad_(True)
    return SparseTensor(idx, values, shape, builtins.bool(is_coalesced))


def _check_sparse(x: Any, fn: str) -> SparseTensor:
    if not isinstance(x, SparseTensor):
        raise TypeError(f"{fn}: expected a SparseTensor as the first argument, got "
                        f"{type(x).__name__}; make one with ag.sparse_coo_tensor or "
                        f"x.to_sparse()")
    return x


def mm(sparse: SparseTensor, dense: Tensor) -> Tensor:
    """``sparse @ dense`` for a 2-D sparse (m, k) and a dense (k, n) or (k,) Tensor.

    Differentiable in the sparse values and in ``dense``: the rows of ``dense`` are
    gathered with ``take``, scaled by the values and summed into the output rows with
    ``scatter_add``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> a = ag.sparse_coo_tensor([[0, 1], [1, 0]], [2.0, 3.0], (2, 2))
    >>> ag.sparse.mm(a, ag.tensor([[1.0], [10.0]])).tolist()
    [[20.0], [3.0]]
    """
    _check_sparse(sparse, "sparse.mm")
    if isinstance(dense, SparseTensor):
        raise _unsupported("sparse @ sparse")
    if not isinstance(dense, Tensor):
        raise TypeError(f"sparse.mm: the second argument must be a dense Tensor, got "
                        f"{type(dense).__name__}")
    if sparse.ndim != 2 or sparse.dense_dim() != 0:
        raise ValueError(f"sparse.mm: expects a 2-D sparse matrix, got shape {sparse.shape} "
                         f"with {sparse.sparse_dim()} sparse dims")
    vector = dense.ndim == 1
    if dense.ndim not in (1, 2):
        raise ValueError(f"sparse.mm: expects a 1-D or 2-D dense tensor, got shape "
                         f"{dense.shape}")
    m, k = sparse.shape
    if dense.shape[0] != k:
        raise ValueError(f"sparse.mm: shapes {sparse.shape} (sparse) and {dense.shape} "
                         f"(dense) cannot be multiplied ({k} != {dense.shape[0]})")
    if dense.backend is not sparse.backend:
        raise ag.BackendError(f"sparse.mm: the sparse tensor is on backend "
                              f"{sparse.backend.name!r} but the dense one on "
                              f"{dense.backend.name!r}; move one with .to(backend=...)")
    d2 = dense[:, None] if vector else dense
    v = sparse.values()
    idx = sparse.indices()
    dtype = ag.result_type(v.dtype, d2.dtype)
    out = ag.zeros((m, d2.shape[1]), dtype=dtype, backend=v.backend, device=v.device)
    if sparse.nnz:
        rows = ag.take(d2, idx[1], axis=0) * v[:, None]
        out = ag.scatter_add(out, idx[0], rows)
    else:
        out = out + 0 * (v.sum() + d2.sum())
    return out[:, 0] if vector else out


spmm = mm


def sum(input: SparseTensor, dim: Any = None) -> Any:  # noqa: A001,A002
    """Sum of a sparse tensor: a dense 0-d Tensor over all dims (``dim=None``), else a
    SparseTensor over the remaining sparse dims (dense when every dim is summed).

    Examples
    --------
    >>> import arraygrad as ag
    >>> a = ag.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
    >>> ag.sparse.sum(a).item(), ag.sparse.sum(a, 1).to_dense().tolist()
    (12.0, [3.0, 9.0])
    """
    _check_sparse(input, "sparse.sum")
    if dim is None:
        return input.values().sum()
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    nd = input.ndim
    norm = []
    for d in dims:
        if not -nd <= d < nd:
            raise IndexError(f"sparse.sum: dim {d} is out of range for a sparse tensor of "
                             f"{nd} dims (shape {input.shape})")
        norm.append(d % nd)
    sd = input.sparse_dim()
    v = input.values()
    dense_axes = tuple(1 + d - sd for d in norm if d >= sd)
    if dense_axes:
        v = v.sum(axis=dense_axes)
    keep = [d for d in range(sd) if d not in norm]
    if not keep:
        return v.sum(axis=0)
    shape = tuple(input.shape[d] for d in keep) + tuple(
        input.shape[d] for d in range(sd, nd) if d not in norm)
    idx = ag.stack([input.indices()[d] for d in keep], axis=0)
    return SparseTensor(idx, v, shape).coalesce()


def to_sparse(x: Tensor, sparse_dim: int | None = None) -> SparseTensor:
    """The nonzero entries of dense ``x`` as a coalesced SparseTensor (``Tensor.to_sparse``).

    The values are ``x`` at those entries, so gradients flow back to ``x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.sparse import to_sparse
    >>> to_sparse(ag.tensor([[0.0, 2.0], [3.0, 0.0]])).indices().tolist()
    [[0, 1], [1, 0]]
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"to_sparse: expected a Tensor, got {type(x).__name__}")
    if sparse_dim is not None and sparse_dim != x.ndim:
        raise ValueError(f"to_sparse: only sparse_dim=None (all {x.ndim} dims sparse) is "
                         f"supported, got sparse_dim={sparse_dim}")
    if x.ndim == 0:
        raise ValueError("to_sparse: a 0-d tensor has no sparse form here; use a 1-d tensor")
    be = x.backend
    nz = be.xp.nonzero(x.array)
    idx = make_tensor(be.xp.stack([be.xp.astype(a, be.xp.int64) for a in nz], axis=0), be)
    key = tuple(idx[d] for d in range(x.ndim))
    return SparseTensor(idx, x[key], x.shape, True)
