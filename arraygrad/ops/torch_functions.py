"""PyTorch's everyday functions that the Array-API standard does not name.

All are compositions of registered ops (views, ``take``, ``index_put``, ``scatter_add``,
``matmul``, arithmetic), so their gradients come free and they run on every backend.
Indexing along one axis with an index tensor (``gather``, ``scatter``, ``index_add``) is
lowered to a 1-D ``take``/``index_put``/``scatter_add`` on the flattened tensor: the one
integer-indexing form every Array-API library supports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from arraygrad.creation import arange, asarray, full, zeros
from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing, linalg, reductions, shape
from arraygrad.ops import linalg_ext as la
from arraygrad.ops._arrays import is_array, physical
from arraygrad.tensor import Tensor

__all__ = [
    "narrow", "select", "split", "chunk", "unbind", "movedim", "masked_fill", "index_select",
    "gather", "scatter", "scatter_add", "index_add", "mm", "bmm", "mv", "diag",
    "lerp", "addcmul", "addcdiv", "einsum", "flatten", "unflatten", "sort", "topk",
    "kthvalue", "norm", "dist", "cumprod", "argwhere", "SortResult", "MaxMin",
    "extremum_along",
]


def _dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` wrapped into ``[0, ndim)``, or an IndexError naming the op."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions "
                         f"(expected in [{-bound}, {bound - 1}])")
    return dim % bound


def _needs_axis(op: str, x: Tensor, exc: type[Exception] = RuntimeError) -> None:
    """PyTorch refuses these ops on 0-d tensors (``exc`` is the class it raises)."""
    if x.ndim == 0:
        raise exc(f"{op}: cannot be applied to a 0-d tensor (it has no dimension to cut); "
                  f"reshape it to (1,) first")


def _lifted(t: Any) -> Any:
    """A 0-d tensor as shape (1,); anything else unchanged (PyTorch treats 0-d inputs of
    gather and scatter as one-element vectors)."""
    return shape.reshape(t, (1,)) if isinstance(t, Tensor) and t.ndim == 0 else t


def _scalar_case(x: Tensor, index: Tensor) -> bool:
    return x.ndim <= 1 and index.ndim <= 1 and (x.ndim == 0 or index.ndim == 0)


# ----------------------------------------------------------------------------- views
def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start`` to ``start + length`` along ``dim`` (a view)."""
    _needs_axis("narrow", x)
    d = _dim("narrow", dim, x.ndim)
    size = x.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow: start {start} and length {length} do not fit in dim {dim} "
                         f"of size {size} (shape {x.shape})")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart: that dimension
    becomes the number of windows and a new last dimension of ``size`` holds each window
    (``Tensor.unfold``, PyTorch's semantics).

    Windows that do not overlap (``step >= size``) are a view, as in PyTorch, whenever the
    tensor splits into whole steps; otherwise (overlapping windows, which PyTorch refuses
    to write into in place anyway) the result is a gathered copy. Gradients flow either way.
    """
    if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if x.ndim == 0:  # PyTorch: one window of the one element, shape (size,)
        _dim("unfold", dimension, 1)
        if size > 1:
            raise RuntimeError(f"unfold: maximum size for tensor at dimension 0 is 1 but size "
                               f"is {size} (a 0-d tensor)")
        return shape.reshape(x, (1,))[:size]
    d = _dim("unfold", dimension, x.ndim)
    length = x.shape[d]
    if size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {length} but "
                           f"size is {size} (shape {x.shape})")
    n = (length - size) // step + 1
    before, after = tuple(x.shape[:d]), tuple(x.shape[d + 1:])
    if step >= size and n * step <= length:
        whole = x[(slice(None),) * d + (slice(0, n * step),)]
        windows = shape.reshape(whole, before + (n, step) + after)
        windows = windows[(slice(None),) * (d + 1) + (slice(0, size),)]
    else:
        starts = shape.reshape(arange(n, backend=x.backend, device=x.device) * step, (n, 1))
        offsets = shape.reshape(arange(size, backend=x.backend, device=x.device), (1, size))
        flat = shape.reshape(starts + offsets, (n * size,))
        windows = shape.reshape(indexing.take(x, flat, axis=d), before + (n, size) + after)
    return shape.moveaxis(windows, d + 1, -1)


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dimension removed (a view)."""
    _needs_axis("select", x, IndexError)
    d = _dim("select", dim, x.ndim)
    size = x.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} is out of range for dim {dim} of size {size} "
                         f"(shape {x.shape})")
    return x[(slice(None),) * d + (index,)]


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
          ) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size`` (the last may be smaller) or of the given sizes
    along ``dim`` (views)."""
    _needs_axis("split", x)
    d = _dim("split", dim, x.ndim)
    size = x.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - i) for i in range(0, size, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise ValueError(f"split: sections {sizes} sum to {sum(sizes)}, but dim {dim} has "
                             f"size {size} (shape {x.shape})")
    pieces, start = [], 0
    for n in sizes:
        pieces.append(x[(slice(None),) * d + (slice(start, start + n),)])
        start += n
    return tuple(pieces)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of ``ceil(size / chunks)`` along ``dim`` (fewer when the
    size runs out, as in PyTorch)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    _needs_axis("chunk", x)
    size = x.shape[_dim("chunk", dim, x.ndim)]
    return split(x, max(math.ceil(size / chunks), 1), dim)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Every slice along ``dim``, that dimension removed (views)."""
    _needs_axis("unbind", x, IndexError)
    d = _dim("unbind", dim, x.ndim)
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def movedim(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (a view)."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} differ in length")
    src = [_dim("movedim", s, x.ndim) for s in src]
    if x.ndim == 0:  # dims 0 and -1 name the 0-d tensor's only position
        for d in dst:
            _dim("movedim", d, 0)
        return shape.reshape(x, ())
    dst = [_dim("movedim", s, x.ndim) for s in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: repeated dim in source {src} or destination {dst}")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return shape.permute_dims(x, tuple(order))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim`` to ``end_dim`` into one (a 0-d tensor becomes shape (1,))."""
    if x.ndim == 0:
        return shape.reshape(x, (1,))
    start = _dim("flatten", start_dim, x.ndim)
    end = _dim("flatten", end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    n = math.prod(x.shape[start:end + 1])
    return shape.reshape(x, x.shape[:start] + (n,) + x.shape[end + 1:])


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one entry may be -1)."""
    d = _dim("unflatten", dim, x.ndim)
    sizes = list(sizes)
    if sizes.count(-1) == 1:
        known = math.prod(s for s in sizes if s != -1)
        sizes[sizes.index(-1)] = x.shape[d] // known if known else 0
    if math.prod(sizes) != x.shape[d]:
        raise ValueError(f"unflatten: sizes {tuple(sizes)} do not multiply to the size "
                         f"{x.shape[d]} of dim {dim} (shape {x.shape})")
    return shape.reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


# ------------------------------------------------------------------- index-tensor indexing
def _as_index(op: str, x: Tensor, index: Any) -> Tensor:
    index = index if is_array(index) else asarray(index, backend=x.backend)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {index.dtype.name}")
    if index.backend is not x.backend:
        raise ValueError(f"{op}: index is on backend {index.backend.name!r}, the tensor on "
                         f"{x.backend.name!r}")
    return index


def _check_bounds(op: str, index: Tensor, size: int, dim: int) -> None:
    index = physical(index)  # inside vmap: every example's indices
    raw, xp = index.array, index.backend.xp
    # one yes/no read (the range only for the message): a compiled step's value check on
    # it holds from batch to batch
    if index.size and not bool(xp.all((raw >= -size) & (raw < size))):
        raise IndexError(f"{op}: index out of range for dim {dim} of size {size} (indices "
                         f"from {int(reductions.min(index).item())} to "
                         f"{int(reductions.max(index).item())})")


def _flat_positions(op: str, x: Tensor, dim: int, index: Tensor) -> Tensor:
    """Flat positions in ``x`` of the elements that ``index`` (a tensor of ``x``'s ndim)
    picks along ``dim``, with the other dims' positions taken from ``index``'s own."""
    if index.ndim != x.ndim:
        raise ValueError(f"{op}: index has {index.ndim} dimensions but the tensor has "
                         f"{x.ndim} (shapes {index.shape} and {x.shape})")
    for d, (n, m) in enumerate(zip(index.shape, x.shape)):
        if d != dim and n > m:
            raise ValueError(f"{op}: index shape {index.shape} is larger than the tensor "
                             f"shape {x.shape} in dim {d}")
    _check_bounds(op, index, x.shape[dim], dim)
    size = x.shape[dim]
    flat: Tensor | None = None
    stride = 1
    for d in range(x.ndim - 1, -1, -1):
        if d == dim:
            part = ew.remainder(index, size) if size else index
        else:
            shape_d = [1] * x.ndim
            shape_d[d] = index.shape[d]
            part = shape.reshape(arange(index.shape[d], backend=x.backend, device=x.device),
                                 tuple(shape_d))
        term = part * stride if stride != 1 else part
        flat = term if flat is None else flat + term
        stride *= x.shape[d]
    assert flat is not None  # x has a dim ``dim``, so the loop ran at least once
    return shape.reshape(shape.broadcast_to(flat, index.shape), (-1,))


def argwhere(x: Tensor) -> Tensor:
    """Indices of the non-zero elements as an ``(n, ndim)`` int64 matrix, in row-major order
    (PyTorch's ``torch.argwhere`` and ``Tensor.nonzero()``); a 0-d tensor gives ``(n, 0)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.argwhere(ag.tensor([[0.0, 1.0], [1.0, 0.0]])).tolist()
    [[0, 1], [1, 0]]
    """
    if x.ndim == 0:
        found = reductions.nonzero(shape.reshape(x, (1,)))[0]
        return zeros((found.shape[0], 0), dtype=found.dtype, device=x.device,
                     backend=x.backend)
    return shape.stack(reductions.nonzero(x), axis=-1)


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of ``x`` at the 1-D integer ``index`` along ``dim``."""
    d = _dim("index_select", dim, x.ndim)
    index = _as_index("index_select", x, index)
    if x.ndim == 0:
        return shape.reshape(index_select(_lifted(x), 0, index), ())
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {index.shape}")
    _check_bounds("index_select", index, x.shape[d], d)
    return indexing.take(x, shape.reshape(index, (-1,)), axis=d)


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """``out[i][j] = x[i][index[i][j]]`` for ``dim=1`` (PyTorch's gather), any ndim."""
    d = _dim("gather", dim, x.ndim)
    index = _as_index("gather", x, index)
    if _scalar_case(x, index):
        return shape.reshape(gather(_lifted(x), 0, _lifted(index)), index.shape)
    flat = _flat_positions("gather", x, d, index)
    return shape.reshape(indexing.take(shape.reshape(x, (-1,)), flat, axis=0), index.shape)


def _source_values(op: str, src: Any, index: Tensor, x: Tensor) -> Any:
    """The part of ``src`` (a tensor at least as large as ``index``, or a scalar) that
    lines up with ``index``, flattened."""
    if not is_array(src):
        return src
    if src.ndim != index.ndim or any(s < n for s, n in zip(src.shape, index.shape)):
        raise ValueError(f"{op}: src of shape {src.shape} does not cover index of shape "
                         f"{index.shape}")
    part = src[tuple(slice(0, n) for n in index.shape)]
    return shape.reshape(part, (-1,))


def scatter(x: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``x`` with ``x[i][index[i][j]] = src[i][j]`` (``dim=1``); ``reduce="add"``
    or ``"multiply"`` combine instead of replacing. Repeated positions in ``index``: the
    written values are summed (PyTorch leaves which one wins unspecified)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: give src (a tensor) or value (a scalar)")
    d = _dim("scatter", dim, x.ndim)
    index = _as_index("scatter", x, index)
    if _scalar_case(x, index):
        out = scatter(_lifted(x), 0, _lifted(index), _lifted(src), reduce=reduce)
        return shape.reshape(out, x.shape)
    flat = _flat_positions("scatter", x, d, index)
    values = _source_values("scatter", src, index, x)
    flat_x = shape.reshape(x, (-1,))
    if reduce is None:
        out = indexing.index_put(flat_x, (flat,), values)
    elif reduce == "add":
        if not is_array(values):
            values = full(flat.shape, values, dtype=x.dtype, backend=x.backend,
                          device=x.device)
        out = indexing.scatter_add(flat_x, (flat,), values)
    elif reduce == "multiply":
        picked = indexing.take(flat_x, flat, axis=0)
        out = indexing.index_put(flat_x, (flat,), picked * values)
    else:
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    return shape.reshape(out, x.shape)


def scatter_add(x: Tensor, dim: Any, index: Any = None, src: Any = None) -> Tensor:
    """PyTorch's ``scatter_add(x, dim, index, src)``: a copy of ``x`` with ``src`` added at
    the positions ``index`` names along ``dim`` (repeats accumulate). Called as
    ``scatter_add(target, key, values)`` it is arraygrad's key-based form."""
    if index is None or src is None:  # (target, key, values): the original form
        return indexing.scatter_add(x, dim, index if src is None else src)
    d = _dim("scatter_add", dim, x.ndim)
    index = _as_index("scatter_add", x, index)
    if _scalar_case(x, index):
        return shape.reshape(scatter_add(_lifted(x), 0, _lifted(index), _lifted(src)), x.shape)
    flat = _flat_positions("scatter_add", x, d, index)
    values = _source_values("scatter_add", src, index, x)
    out = indexing.scatter_add(shape.reshape(x, (-1,)), (flat,), values)
    return shape.reshape(out, x.shape)


def index_add(x: Tensor, dim: int, index: Any, source: Tensor, *, alpha: float = 1) -> Tensor:
    """A copy of ``x`` with ``alpha * source[k]`` added to slice ``index[k]`` along ``dim``."""
    d = _dim("index_add", dim, x.ndim)
    index = _as_index("index_add", x, index)
    if x.ndim == 0:
        out = index_add(_lifted(x), 0, _lifted(index), _lifted(source), alpha=alpha)
        return shape.reshape(out, x.shape)
    if index.ndim != 1 or source.ndim != x.ndim or source.shape[d] != index.shape[0]:
        raise ValueError(f"index_add: index of shape {index.shape} and source of shape "
                         f"{source.shape} do not match the tensor of shape {x.shape} in dim "
                         f"{dim}")
    shape_d = [1] * x.ndim
    shape_d[d] = index.shape[0]
    full_index = shape.broadcast_to(shape.reshape(index, tuple(shape_d)), source.shape)
    return scatter_add(x, d, full_index, source * alpha if alpha != 1 else source)


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is true, ``x`` elsewhere (``mask`` broadcasts to ``x``)."""
    if is_array(mask) and mask.dtype.kind != "b":
        raise TypeError(f"masked_fill: mask must be a boolean tensor, got dtype "
                        f"{mask.dtype.name}")
    if is_array(value) and value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a scalar or a 0-d tensor, got shape "
                         f"{value.shape}")
    if not is_array(value):
        value = float(value) if x.dtype.kind in "fc" else value
    out = ew.where(mask, value, x)
    return out if out.dtype == x.dtype else shape.astype(out, x.dtype)



def fill_diagonal(x: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """A copy of ``x`` with ``fill_value`` on its main diagonal: the out-of-place form of
    ``Tensor.fill_diagonal_`` (PyTorch's semantics: a 2-D tensor of any shape, or one whose
    dimensions are all equal; ``wrap=True`` restarts the diagonal every ``cols + 1`` rows of
    a tall matrix, as ``numpy.fill_diagonal``). Filled elements get a zero gradient."""
    if x.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: the tensor must have at least 2 dimensions, "
                           f"got shape {x.shape}")
    if x.ndim > 2 and len(set(x.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of the tensor must be of equal "
                           f"length when it has more than 2, got shape {x.shape}")
    if is_array(fill_value) and fill_value.ndim != 0:
        raise ValueError(f"fill_diagonal_: fill_value must be a scalar, got shape "
                         f"{fill_value.shape}")
    device = x.device
    if x.ndim == 2 and wrap:
        rows, cols = x.shape
        flat = arange(rows * cols, backend=x.backend, device=device)
        mask = shape.reshape(flat % (cols + 1) == 0, x.shape)
    else:
        axes = [shape.reshape(arange(n, backend=x.backend, device=device),
                              tuple(n if k == i else 1 for k in range(x.ndim)))
                for i, n in enumerate(x.shape)]
        mask = axes[0] == axes[1]
        for other in axes[2:]:
            mask = mask & (axes[0] == other)
    return masked_fill(x, mask, fill_value)

# ------------------------------------------------------------------------ linear algebra
def _ndim_check(op: str, expected: tuple[int, ...], *tensors: Tensor) -> None:
    for i, (t, n) in enumerate(zip(tensors, expected)):
        if t.ndim != n:
            raise ValueError(f"{op}: argument {i} must be {n}-D, got shape {t.shape}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors."""
    _ndim_check("mm", (2, 2), a, b)
    return linalg.matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors with the same batch size."""
    _ndim_check("bmm", (3, 3), a, b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {a.shape} and {b.shape}")
    return linalg.matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix-vector product of a 2-D and a 1-D tensor."""
    _ndim_check("mv", (2, 1), a, v)
    return linalg.matmul(a, v)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D tensor's square matrix with it on diagonal ``diagonal``, or a 2-D tensor's
    diagonal ``diagonal`` as a 1-D tensor."""
    k = diagonal
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows = arange(x.shape[0], backend=x.backend, device=x.device) + max(-k, 0)
        flat = rows * n + rows + k
        out = indexing.index_put(zeros(n * n, dtype=x.dtype, backend=x.backend,
                                       device=x.device), (flat,), x)
        return shape.reshape(out, (n, n))
    if x.ndim == 2:
        rows_n, cols_n = x.shape
        length = max(min(rows_n, cols_n - k) if k >= 0 else min(rows_n + k, cols_n), 0)
        rows = arange(length, backend=x.backend, device=x.device) + max(-k, 0)
        flat = rows * cols_n + rows + k
        return indexing.take(shape.reshape(x, (-1,)), flat, axis=0)
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {x.shape}")


# ------------------------------------------------------------------------------- blends
def lerp(start: Tensor, end: Any, weight: Any) -> Tensor:
    """``start + weight * (end - start)``."""
    return start + weight * (end - start)


def addcmul(x: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """``x + value * tensor1 * tensor2``."""
    return x + value * tensor1 * tensor2


def addcdiv(x: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:
    """``x + value * tensor1 / tensor2``."""
    return x + value * tensor1 / tensor2


# ------------------------------------------------------------------------------- einsum
def _einsum_parse(subscripts: str, operands: Sequence[Tensor]) -> tuple[list[str], str]:
    text = subscripts.replace(" ", "")
    ell = ""
    if "..." in text:
        # the dimensions "..." stands for, right-aligned across operands (they broadcast),
        # named by letters the subscripts do not use
        spare = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in text)
        inputs = text.split("->")[0].split(",")
        counts_ell = [t.ndim - (len(term) - 3) if "..." in term else 0
                      for term, t in zip(inputs, operands)]
        width = max([0, *counts_ell])
        if width > len(spare):
            raise ValueError(f"einsum: '...' stands for {width} dimensions, more than the "
                             f"{len(spare)} spare subscript letters")
        expanded = [term.replace("...", spare[width - n:width]) if n >= 0 else term
                    for term, n in zip(inputs, counts_ell)]
        ell = spare[:width]
        out_part = text.split("->")[1] if "->" in text else None
        text = ",".join(expanded) + ("->" + out_part.replace("...", ell) if out_part is not None
                                     else "")
    if "->" in text:
        lhs, out = text.split("->")
    else:
        # implicit output: the broadcast "..." dimensions first, then the letters that
        # appear once, in alphabetical order (PyTorch's and NumPy's rule)
        lhs = text
        counts: dict[str, int] = {}
        for c in lhs.replace(",", ""):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {subscripts!r} names {len(terms)} operands, got "
                         f"{len(operands)}")
    for term, t in zip(terms, operands):
        if len(term) != t.ndim or not term.isalpha():
            raise ValueError(f"einsum: subscript {term!r} does not match an operand of shape "
                             f"{t.shape}")
    return terms, out


def _einsum_diagonal(t: Tensor, term: str) -> tuple[Tensor, str]:
    """Take the diagonal over each letter repeated within one operand ("ii" -> "i")."""
    while len(set(term)) != len(term):
        c = next(c for c in term if term.count(c) > 1)
        i, j = term.index(c), term.index(c, term.index(c) + 1)
        if t.shape[i] != t.shape[j]:
            raise ValueError(f"einsum: subscript {c!r} has sizes {t.shape[i]} and "
                             f"{t.shape[j]} in one operand")
        rest = [a for a in range(t.ndim) if a not in (i, j)]
        moved = shape.permute_dims(t, tuple(rest + [i, j]))
        n = t.shape[i]
        flat = shape.reshape(moved, tuple(moved.shape[:-2]) + (n * n,))
        t = flat[(Ellipsis, slice(0, n * n, n + 1))]
        term = "".join(term[a] for a in rest) + c
    return t, term


def einsum(subscripts: str, *operands: Any) -> Tensor:
    """Einstein summation (``"bij,bjk->bik"``, ``"ii"``, ``"...ij,...jk"``), differentiable.

    Operands are contracted pairwise from the left through one batched ``matmul`` each.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: no operands")
    terms, out = _einsum_parse(subscripts, operands)
    sizes: dict[str, int] = {}
    for term, t in zip(terms, operands):
        for c, n in zip(term, t.shape):
            if sizes.setdefault(c, n) != n and n != 1 and sizes[c] != 1:
                raise ValueError(f"einsum: subscript {c!r} has sizes {sizes[c]} and {n}")
            sizes[c] = max(sizes[c], n)
    pairs = [_einsum_diagonal(t, term) for t, term in zip(operands, terms)]
    acc, acc_term = pairs[0]
    for k, (t, term) in enumerate(pairs[1:], start=1):
        later = set(out) | {c for _, other in pairs[k + 1:] for c in other}
        acc, acc_term = _contract(acc, acc_term, t, term, later)
    keep = set(out)
    drop = tuple(i for i, c in enumerate(acc_term) if c not in keep)
    if drop:
        acc = reductions.sum(acc, axis=drop)
        acc_term = "".join(c for c in acc_term if c in keep)
    if sorted(acc_term) != sorted(out):
        raise ValueError(f"einsum: output subscripts {out!r} name letters absent from the "
                         f"inputs")
    if acc_term != out:
        acc = shape.permute_dims(acc, tuple(acc_term.index(c) for c in out))
    return acc


def _contract(a: Tensor, ta: str, b: Tensor, tb: str, later: set[str]) -> tuple[Tensor, str]:
    """Contract two operands: letters in both and needed later are batch dims, letters in
    both and not needed later are summed, the rest stay."""
    for t, term, other in ((a, ta, tb), (b, tb, ta)):
        only = tuple(i for i, c in enumerate(term) if c not in other and c not in later)
        if only:
            kept = "".join(c for c in term if c in other or c in later)
            if t is a:
                a, ta = reductions.sum(a, axis=only), kept
            else:
                b, tb = reductions.sum(b, axis=only), kept
    batch = [c for c in ta if c in tb and c in later]
    summed = [c for c in ta if c in tb and c not in later]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    a2 = shape.permute_dims(a, tuple(ta.index(c) for c in batch + left + summed))
    b2 = shape.permute_dims(b, tuple(tb.index(c) for c in batch + summed + right))
    bs = [max(a2.shape[i], b2.shape[i]) for i in range(len(batch))]
    nl = math.prod(a2.shape[len(batch):len(batch) + len(left)])
    ns = math.prod(a2.shape[len(batch) + len(left):])
    nr = math.prod(b2.shape[len(batch) + len(summed):])
    a3 = shape.reshape(shape.broadcast_to(a2, tuple(bs) + a2.shape[len(batch):]),
                       tuple(bs) + (nl, ns))
    b3 = shape.reshape(shape.broadcast_to(b2, tuple(bs) + b2.shape[len(batch):]),
                       tuple(bs) + (ns, nr))
    prod = linalg.matmul(a3, b3)
    out_shape = tuple(bs) + a2.shape[len(batch):len(batch) + len(left)] \
        + b2.shape[len(batch) + len(summed):]
    return shape.reshape(prod, out_shape), "".join(batch + left + right)


# ------------------------------------------------------------------ sorting and norms
class SortResult(NamedTuple):
    """What ``sort``, ``topk`` and ``kthvalue`` return, as in PyTorch."""

    values: Tensor
    indices: Tensor


class MaxMin(NamedTuple):
    """What ``max(x, dim)`` and ``min(x, dim)`` (function or method) return, as PyTorch's
    ``torch.return_types.max``/``min``."""

    values: Tensor
    indices: Tensor


def extremum_along(x: Tensor, dim: int, keepdim: bool, largest: bool) -> MaxMin:
    """The largest (or smallest) element along the normalized axis ``dim`` and its index,
    as PyTorch's ``max(x, dim)``/``min(x, dim)``: the first index among ties (and the first
    NaN, whose value propagates), and the values are the elements at those indices, so the
    gradient goes to that one element (PyTorch's; a full ``max()`` shares it among ties)."""
    if x.ndim == 0:
        return MaxMin(x * 1, zeros((), dtype="int64", backend=x.backend, device=x.device))
    index_fn = reductions.argmax if largest else reductions.argmin
    indices = index_fn(x, axis=dim, keepdims=True)
    values = indexing.take_along_axis(x, indices, axis=dim)
    if not keepdim:
        values, indices = shape.squeeze(values, axis=dim), shape.squeeze(indices, axis=dim)
    return MaxMin(values, indices)


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
         ) -> SortResult:
    """Sorted values along ``dim`` and their indices (PyTorch's ``torch.sort``; the
    standard's ``ag.sort`` returns the values only). The values are differentiable."""
    d = _dim("sort", dim, x.ndim)
    if x.ndim == 0:
        return SortResult(x * 1, zeros((), dtype="int64", backend=x.backend,
                                       device=x.device))
    indices = reductions.argsort(x, axis=d, descending=descending, stable=True)
    return SortResult(indexing.take_along_axis(x, indices, axis=d), indices)


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True  # noqa: A002
         ) -> SortResult:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    d = _dim("topk", dim, x.ndim)
    size = x.shape[d] if x.ndim else 1
    if not 0 <= k <= size:
        raise IndexError(f"topk: k ({k}) is out of range for dim {dim} of size {size} "
                         f"(shape {x.shape})")
    values, indices = sort(x, d, descending=largest)
    key = (slice(None),) * d + (slice(0, k),)
    return SortResult(values[key], indices[key])


def kthvalue(x: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> SortResult:
    """The ``k``-th smallest value along ``dim`` (1-based, as in PyTorch) and its index."""
    d = _dim("kthvalue", dim, x.ndim)
    size = x.shape[d] if x.ndim else 1
    if not 1 <= k <= size:
        raise IndexError(f"kthvalue: k ({k}) is out of range for dim {dim} of size {size} "
                         f"(shape {x.shape})")
    values, indices = sort(x, d)
    key = (slice(None),) * d + ((slice(k - 1, k),) if keepdim else (k - 1,))
    return SortResult(values[key], indices[key])


def norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """PyTorch's ``torch.norm``: the vector ``p``-norm over ``dim`` (all elements when
    None; ``"fro"`` is the 2-norm), or the nuclear norm for ``p="nuc"`` over two dims."""
    if p == "nuc":
        return la.matrix_norm(x, ord="nuc", keepdims=keepdim)
    ord_ = 2 if p in ("fro", None) else p
    axis = tuple(dim) if isinstance(dim, list) else dim
    return la.vector_norm(x, axis=axis, keepdims=keepdim, ord=ord_, **(
        {"dtype": dtype} if dtype is not None else {}))


def dist(a: Tensor, b: Any, p: float = 2) -> Tensor:
    """The ``p``-norm of ``a - b`` over all elements."""
    return norm(a - b, p=p)


def cumprod(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative product along ``dim`` (differentiable, zeros included)."""
    return reductions.cumulative_prod(x, axis=_dim("cumprod", dim, x.ndim),
                                      **({"dtype": dtype} if dtype is not None else {}))
