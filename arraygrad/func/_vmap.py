"""``vmap``: run a function written for one example over a batch, with per-op batching rules.

Design: a :class:`BatchedTensor` is *not* a Tensor. It holds a physical Tensor (``value``)
whose leading axis is the batch of one vmap ``level``, and reports the *logical* (per-example)
shape. Every op function of arraygrad (``ag.sin``, ``x.sum(axis=0)``, ``F.linear``...) runs its
Python argument handling on the logical shape; when it reaches the op registry with a batched
argument, the registry's slow path (an argument that is not a Tensor) calls :func:`dispatch`,
which unwraps the innermost level and calls the op's batching rule ``OPS[name].batch`` on the
physical tensors (see :mod:`arraygrad.func.batching`). The eager hot path is untouched.

Nested vmap nests wrappers: a level's ``value`` may itself be a BatchedTensor of an outer
level, so the physical array holds the batch axes outermost first. An op without a batching
rule falls back to a Python loop over the batch (one warning per op).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from arraygrad._vmap_state import HOOKS, STATE
from arraygrad.tensor import Tensor, _Size

__all__ = ["BatchedTensor", "vmap", "dispatch", "is_batched"]


_WARNED: set[str] = set()


class BatchedTensor:
    """A tensor inside :func:`vmap`: a physical Tensor whose axis 0 is the batch of ``level``.

    It behaves as one example: ``shape``, ``ndim`` and every op see the per-example shape.
    ``__array_namespace__`` returns ``arraygrad`` itself, whose functions batch through the
    op registry, so Array-API code runs unchanged.
    """

    __slots__ = {
        "value": "The physical Tensor (or outer-level BatchedTensor), batch axis first.",
        "level": "Which vmap this batch axis belongs to (inner vmaps have higher levels).",
        "batch_size": "The size of the batch axis.",
    }
    _ag_batched = True
    _ag_dispatch: Callable[[Any, tuple, dict], Any]  # set below: dispatch
    _ag_map_physical: Callable[[Callable[[Any], Any], Any], Any]  # set below: map_physical

    def __init__(self, value: Any, level: int, size: int) -> None:
        self.value = value
        self.level = level
        self.batch_size = size

    # ------------------------------------------------------------------ logical metadata
    @property
    def shape(self) -> tuple[int, ...]:
        """The per-example shape (the batch axis is hidden)."""
        return tuple(self.value.shape[1:])

    @property
    def ndim(self) -> int:
        """Number of per-example dimensions."""
        return self.value.ndim - 1

    @property
    def size(self) -> Any:
        """Number of elements of one example (an int that, called, gives the shape or one
        size, as on a Tensor)."""
        n = 1
        for s in self.shape:
            n *= s
        return _Size(n, self.shape)

    @property
    def dtype(self) -> Any:
        """The element dtype."""
        return self.value.dtype

    @property
    def device(self) -> Any:
        """The device of the underlying tensor."""
        return self.value.device

    @property
    def backend(self) -> Any:
        """The backend of the underlying tensor."""
        return self.value.backend

    @property
    def requires_grad(self) -> bool:
        """Whether the underlying tensor requires grad."""
        return self.value.requires_grad

    @property
    def grad_fn(self) -> Any:
        """The underlying tensor's ``grad_fn``."""
        return self.value.grad_fn

    @property
    def T(self) -> BatchedTensor:  # noqa: N802 - the standard's name
        """Per-example transpose (all axes reversed)."""
        return self.permute_dims(tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> BatchedTensor:  # noqa: N802 - the standard's name
        """Per-example transpose of the last two axes."""
        return self.__array_namespace__().matrix_transpose(self)

    def __array_namespace__(self, api_version: str | None = None) -> Any:
        """The ``arraygrad`` namespace (its functions batch through the op registry)."""
        import arraygrad as ag

        return ag

    def dim(self) -> int:
        """Number of per-example dimensions."""
        return self.ndim

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"BatchedTensor(level={self.level}, batch={self.batch_size}, value={self.value!r})"

    # ------------------------------------------------------------------ data dependence
    def _data_dependent(self, what: str) -> RuntimeError:
        return RuntimeError(
            f"vmap: {what} of a batched tensor is data-dependent (one value per example), so "
            f"it cannot be computed inside ag.func.vmap; use ag.where instead of Python "
            f"control flow, or move this outside the vmapped function")

    def __bool__(self) -> bool:
        raise self._data_dependent("bool()")

    def __float__(self) -> float:
        raise self._data_dependent("float()")

    def __int__(self) -> int:
        raise self._data_dependent("int()")

    def __index__(self) -> int:
        raise self._data_dependent("operator.index()")

    def item(self) -> Any:
        """Refused: ``.item()`` has one value per example."""
        raise self._data_dependent(".item()")

    def tolist(self) -> Any:
        """Refused: one list per example."""
        raise self._data_dependent(".tolist()")

    def numpy(self) -> Any:
        """Refused: one array per example."""
        raise self._data_dependent(".numpy()")

    # ------------------------------------------------------------------ autograd plumbing
    def detach(self) -> BatchedTensor:
        """The same batch, cut from the graph."""
        return BatchedTensor(self.value.detach(), self.level, self.batch_size)

    def requires_grad_(self, requires_grad: bool = True) -> BatchedTensor:
        """Set ``requires_grad`` on the underlying tensor."""
        self.value.requires_grad_(requires_grad)
        return self

    def __getitem__(self, key: Any) -> Any:
        from arraygrad.func.batching import batched_getitem

        return batched_getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        keys = key if isinstance(key, tuple) else (key,)
        if all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in keys):
            write(self[key], value, "__setitem__")  # through the view into this tensor
            return
        if any(isinstance(k, BatchedTensor) for k in keys):
            raise RuntimeError("vmap: item assignment with an index tensor batched by vmap is "
                               "not supported; use ag.where with a mask, or scatter")
        from arraygrad.ops.indexing import index_put

        this: Any = self  # index_put takes batched tensors (its annotation says Tensor)
        write(self, index_put(this, key, value), "__setitem__")  # functional, then written

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"vmap: a batched tensor has no attribute {name!r} (inside ag.func.vmap only "
            f"the per-example tensor API is available)")


def _install_methods() -> None:
    # Tensor's operators and methods are thin calls into op functions, which reach the
    # registry's batching hook: borrow them wholesale. In-place methods are refused.
    from arraygrad.ops import _methods

    own = set(vars(BatchedTensor))
    table = {**_methods.OPERATORS, **_methods.METHODS}
    for name, fn in table.items():
        if name in own:
            continue
        if (name.endswith("_") and not name.startswith("__")) or name.startswith("__i") and \
                name not in ("__invert__", "__index__"):
            setattr(BatchedTensor, name, _inplace(name, table))
        else:
            setattr(BatchedTensor, name, fn)


_RANDOM_INPLACE = ("uniform_", "normal_", "bernoulli_", "exponential_", "random_")


def _inplace(name: str, table: dict) -> Callable[..., Any]:
    """An in-place method of a batched tensor: the out-of-place result, written back into
    the physical tensor with ``copy_`` (so views, version counters and autograd behave as
    for any in-place write)."""
    if name in _RANDOM_INPLACE:
        def refused(self: BatchedTensor, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(f"vmap: in-place random {name} on a batched tensor is not "
                               f"supported; draw with ag.rand/ag.randn (which follow vmap's "
                               f"randomness) and assign the result")

        refused.__name__ = name
        refused.__doc__ = f"Refused inside vmap: in-place random ``{name}``."
        return refused
    counterpart = "__" + name[3:] if name.startswith("__i") else name[:-1]

    def method(self: BatchedTensor, *args: Any, **kwargs: Any) -> Any:
        import arraygrad as ag

        if name == "copy_":
            new = args[0] if args else kwargs["src"]
        elif name == "fill_":
            new = args[0] if args else kwargs["value"]
        elif name == "zero_":
            new = 0
        else:
            # The old value enters the graph as a copy, so the write below does not modify
            # a tensor the new value's backward reads (the eager in-place ops snapshot too).
            old = ag.positive(self) if self.requires_grad and ag.is_grad_enabled() else self
            fn = table.get(counterpart) or getattr(ag, counterpart)
            new = fn(old, *args, **kwargs)
        write(self, new, name)
        return self

    method.__name__ = name
    method.__doc__ = f"In-place ``{name}`` of a batched tensor (written back with copy_)."
    return method


def write(dst: BatchedTensor, value: Any, name: str) -> None:
    """Write ``value`` (per-example, broadcastable to ``dst``) into ``dst`` in place.

    As in torch.func.vmap, a value that varies along a batch axis ``dst`` does not have
    (an inner vmap's, or one ``dst`` was not batched by) cannot be written: RuntimeError.
    """
    if isinstance(value, BatchedTensor) and value.level > dst.level:
        raise _unbatched_target(name, dst, value)
    if isinstance(value, (BatchedTensor, Tensor)):
        value = unbatch(value, dst.level, dst.batch_size)
        value = _pad_rank(value, dst.value.ndim)
    else:
        import arraygrad as ag

        value = ag.full_like(dst.value, value)
    target = dst.value
    if isinstance(target, BatchedTensor):
        write(target, to_logical_like(value, target), name)
        return
    if isinstance(value, BatchedTensor):
        raise _unbatched_target(name, dst, value)
    target.copy_(value)


def to_logical_like(value: Any, target: BatchedTensor) -> Any:
    """``value`` (physical at ``target``'s level and outward) as seen at ``target``'s level."""
    if isinstance(value, BatchedTensor):
        return value
    return BatchedTensor(value, target.level, target.batch_size)


def _pad_rank(x: Any, ndim: int) -> Any:
    """A physical ``x`` (batch first) with 1-axes after the batch axis up to ``ndim``."""
    k = ndim - x.ndim
    if k <= 0:
        return x
    return x.reshape((x.shape[0],) + (1,) * k + tuple(x.shape[1:]))


def _unbatched_target(name: str, dst: Any, value: Any) -> RuntimeError:
    return RuntimeError(
        f"vmap: in-place {name} is not possible: the written value varies along a vmap "
        f"batch axis that the target (per-example shape {tuple(dst.shape)}) does not have, "
        f"so one memory location would receive a different value per example; write into "
        f"a tensor that is batched the same way (e.g. clone it inside the vmapped function "
        f"after expanding), or use the out-of-place form")


def is_batched(x: Any) -> bool:
    """Whether ``x`` is a :class:`BatchedTensor`."""
    return isinstance(x, BatchedTensor)


# ----------------------------------------------------------------------- dispatch
def dispatch(op: Any, args: tuple, params: dict) -> Any:
    """Apply ``op`` to arguments of which some are batched (called by the op registry)."""
    level = -1
    size = 0
    for a in args:
        if isinstance(a, BatchedTensor) and a.level > level:
            level, size = a.level, a.batch_size
    phys = tuple(a.value if isinstance(a, BatchedTensor) and a.level == level else a
                 for a in args)
    bdims = tuple(0 if isinstance(a, BatchedTensor) and a.level == level else None
                  for a in args)
    rule = op.batch
    if rule is None:
        from arraygrad.func.batching import RULES

        rule = op.batch = RULES.get(op.name)  # an op registered after arraygrad.func
    if rule is None:
        out = _loop(op, phys, bdims, params, size)
    else:
        out = rule(op, phys, bdims, params, size)
    return BatchedTensor(out, level, size)


def _loop(op: Any, phys: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """The fallback: apply ``op`` per example and stack the results."""
    import arraygrad as ag
    from arraygrad.ops.registry import apply

    if op.name not in _WARNED:
        _WARNED.add(op.name)
        warnings.warn(f"vmap: op {op.name!r} has no batching rule; falling back to a Python "
                      f"loop over the batch (slow)", RuntimeWarning, stacklevel=4)
    outs = [apply(op, tuple(p[b] if d is not None else p for p, d in zip(phys, bdims)),
                  params) for b in range(size)]
    return ag.stack(outs, axis=0)


# ----------------------------------------------------------------------- pytrees
def tree_flatten(tree: Any) -> tuple[list, Any]:
    """Leaves and structure of nested tuples, lists and dicts."""
    if isinstance(tree, (tuple, list)):
        leaves: list = []
        specs: list[tuple] = []
        for t in tree:
            lv, sp = tree_flatten(t)
            leaves.extend(lv)
            specs.append((len(lv), sp))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves = []
        specs = []
        for k, t in tree.items():
            lv, sp = tree_flatten(t)
            leaves.extend(lv)
            specs.append((k, len(lv), sp))
        return leaves, (dict, specs)
    return [tree], None


def tree_unflatten(leaves: list, spec: Any) -> Any:
    """Inverse of :func:`tree_flatten`."""
    if spec is None:
        return leaves[0]
    kind, specs = spec
    out: Any
    pos = 0
    if kind is dict:
        out = {}
        for k, n, sp in specs:
            out[k] = tree_unflatten(leaves[pos:pos + n], sp)
            pos += n
        return out
    items = []
    for n, sp in specs:
        items.append(tree_unflatten(leaves[pos:pos + n], sp))
        pos += n
    return kind(items) if kind in (tuple, list) else kind(*items)


def _broadcast_dims(dims: Any, tree: Any, what: str, path: str) -> list:
    """One dim (int or None) per leaf of ``tree``, from ``dims`` given per subtree."""
    if dims is None or isinstance(dims, int) and not isinstance(dims, bool):
        return [dims] * len(tree_flatten(tree)[0])
    if isinstance(dims, (tuple, list)):
        if not isinstance(tree, (tuple, list)) or len(dims) != len(tree):
            raise ValueError(
                f"vmap: {what} {path or ''}is a {type(dims).__name__} of {len(dims)} entries, "
                f"but the {'inputs' if what == 'in_dims' else 'outputs'} there are "
                f"{_describe_tree(tree)}; {what} must be an int, None, or have the same "
                f"structure")
        out: list = []
        for i, (d, t) in enumerate(zip(dims, tree)):
            out.extend(_broadcast_dims(d, t, what, f"{path}[{i}] "))
        return out
    if isinstance(dims, dict):
        if not isinstance(tree, dict) or set(dims) != set(tree):
            raise ValueError(f"vmap: {what} {path}is a dict with keys {sorted(dims)}, but the "
                             f"value there is {_describe_tree(tree)}")
        out = []
        for k in tree:
            out.extend(_broadcast_dims(dims[k], tree[k], what, f"{path}[{k!r}] "))
        return out
    raise ValueError(f"vmap: {what} must be an int, None, or a tuple/list/dict of them, got "
                     f"{type(dims).__name__} {dims!r}")


def _describe_tree(tree: Any) -> str:
    if isinstance(tree, (tuple, list)):
        return f"a {type(tree).__name__} of {len(tree)}"
    if isinstance(tree, dict):
        return f"a dict with keys {sorted(tree)}"
    return f"a {type(tree).__name__}"


# ----------------------------------------------------------------------- vmap
def _is_tensor(x: Any) -> bool:
    return isinstance(x, (Tensor, BatchedTensor))


def _moveaxis(x: Any, src: int, dst: int) -> Any:
    import arraygrad as ag

    if src == dst:
        return x
    return ag.moveaxis(x, src, dst)


def vmap(fn: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable[..., Any]:
    """Vectorize ``fn`` over a batch axis of its inputs (``torch.func.vmap``).

    Parameters
    ----------
    fn : callable
        A function of Tensors (nested tuples/lists/dicts allowed) written for one example.
    in_dims : int, None, or a tuple/list/dict matching the arguments
        The batch axis of each input (None: not batched, the same for every example).
    out_dims : int or tuple of int
        Where the batch axis goes in each output.
    randomness : {"error", "different", "same"}
        What random draws inside ``fn`` do: raise, differ per example, or be shared.
    chunk_size : int, optional
        Process the batch in chunks of this many examples (bounds memory).

    Returns
    -------
    callable
        The batched function.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.arange(6.0).reshape((2, 3))
    >>> ag.func.vmap(lambda r: (r * r).sum())(x).tolist()
    [5.0, 50.0]
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"vmap: chunk_size must be a positive int or None, got {chunk_size!r}")

    def wrapped(*args: Any) -> Any:
        if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
            raise ValueError(
                f"vmap: in_dims has {len(in_dims)} entries but the function was called with "
                f"{len(args)} positional arguments; give one in_dims entry per argument")
        dims = _broadcast_dims(in_dims if not isinstance(in_dims, list) else tuple(in_dims),
                               args, "in_dims", "")
        leaves, spec = tree_flatten(args)
        size = None
        sizes = []
        for i, (x, d) in enumerate(zip(leaves, dims)):
            if d is None:
                continue
            if not _is_tensor(x):
                raise ValueError(
                    f"vmap: in_dims gives batch axis {d} for input {i} (flattened), which is a "
                    f"{type(x).__name__}, not a Tensor; use None for non-Tensor inputs")
            if not -max(x.ndim, 1) <= d < max(x.ndim, 1) or x.ndim == 0:
                raise ValueError(
                    f"vmap: in_dims={d} is out of range for input {i} (flattened) of shape "
                    f"{tuple(x.shape)} ({x.ndim} dimensions); it must be in "
                    f"[-{x.ndim}, {x.ndim})")
            n = x.shape[d]
            sizes.append((i, tuple(x.shape), d, n))
            size = n if size is None else size
        if size is None:
            raise ValueError("vmap: at least one input must be a Tensor with a batch axis "
                             "(in_dims is None for every input, or no input is a Tensor)")
        if any(s[3] != size for s in sizes):
            listing = ", ".join(f"input {i} of shape {sh} along dim {d} has size {n}"
                                for i, sh, d, n in sizes)
            raise ValueError(f"vmap: expected all batched inputs to have the same size along "
                             f"their batch axis; got {listing}")
        if chunk_size is not None and chunk_size < size:
            return _chunked(leaves, dims, spec, size, chunk_size)
        return _run(leaves, dims, spec, size)

    def _chunked(leaves: list, dims: list, spec: Any, size: int, chunk: int) -> Any:
        import arraygrad as ag

        pieces = []
        for start in range(0, size, chunk):
            stop = min(start + chunk, size)
            sub = []
            for x, d in zip(leaves, dims):
                if d is None:
                    sub.append(x)
                else:
                    key = [slice(None)] * x.ndim
                    key[d] = slice(start, stop)
                    sub.append(x[tuple(key)])
            pieces.append(_run(sub, dims, spec, stop - start))
        first_leaves, out_spec = tree_flatten(pieces[0])
        odims = _out_dims(pieces[0], len(first_leaves))
        flat = [tree_flatten(p)[0] for p in pieces]
        joined = [ag.concat([f[j] for f in flat], axis=odims[j])
                  for j in range(len(first_leaves))]
        return tree_unflatten(joined, out_spec)

    def _out_dims(out: Any, n: int) -> list:
        if isinstance(out_dims, int) or out_dims is None:
            return [out_dims] * n
        return _broadcast_dims(tuple(out_dims), out, "out_dims", "")

    def _run(leaves: list, dims: list, spec: Any, size: int) -> Any:
        STATE.counter += 1
        level = STATE.counter
        batched = [x if d is None else BatchedTensor(_moveaxis(x, d % x.ndim, 0), level, size)
                   for x, d in zip(leaves, dims)]
        STATE.levels.append((level, size, randomness))
        try:
            out = fn(*tree_unflatten(batched, spec))
        finally:
            STATE.levels.pop()
        out_leaves, out_spec = tree_flatten(out)
        odims = _out_dims(out, len(out_leaves))
        results = []
        for j, (o, d) in enumerate(zip(out_leaves, odims)):
            if not _is_tensor(o):
                raise ValueError(f"vmap: output {j} of the function is a {type(o).__name__}; "
                                 f"vmapped functions must return Tensors (or nested "
                                 f"tuples/lists/dicts of Tensors)")
            v = unbatch(o, level, size)
            if d is None:
                raise ValueError(f"vmap: out_dims[{j}] is None, but output {j} is batched")
            nd = v.ndim
            if not -nd <= d < nd:
                raise ValueError(f"vmap: out_dims={d} is out of range for output {j} with "
                                 f"{nd - 1} per-example dimensions")
            results.append(_moveaxis(v, 0, d % nd))
        return tree_unflatten(results, out_spec)

    wrapped.__name__ = getattr(fn, "__name__", "vmapped")
    wrapped.__doc__ = fn.__doc__
    return wrapped


def unbatch(x: Any, level: int, size: int) -> Any:
    """The value of ``x`` at ``level`` with the batch axis first (expanded if unbatched)."""
    import arraygrad as ag

    if isinstance(x, BatchedTensor) and x.level == level:
        return x.value
    return ag.broadcast_to(ag.expand_dims(x, axis=0), (size,) + tuple(x.shape))


def active_levels() -> list[tuple[int, int, str]]:
    """The vmap levels active on this thread, outermost first."""
    return list(STATE.levels)


def to_physical(x: Any, levels: list) -> Any:
    """A Tensor holding ``x`` with one leading axis per level of ``levels`` (outermost first)."""
    for level, size, _ in reversed(levels):
        x = unbatch(x, level, size)
    return x


def map_physical(fn: Callable[[Any], Any], x: Any) -> Any:
    """``fn`` applied to the physical Tensor of ``x``, re-wrapped in ``x``'s batch levels.

    For per-example computations that only add or drop trailing axes (a one-hot encoding,
    a dtype cast of a constant): one call on the whole batch, the levels kept in front.
    """
    chain = []
    while isinstance(x, BatchedTensor):
        chain.append((x.level, x.batch_size))
        x = x.value
    out = fn(x)
    for level, size in reversed(chain):
        out = BatchedTensor(out, level, size)
    return out


def to_logical(x: Any, levels: list) -> Any:
    """Inverse of :func:`to_physical`: wrap the leading axes as batched levels."""
    for level, size, _ in levels:
        x = BatchedTensor(x, level, size)
    return x


def random_in_vmap(fn: Callable[..., Any], name: str, args: tuple, kwargs: dict) -> Any:
    """A random draw inside vmap, following each level's ``randomness``."""
    import arraygrad as ag

    levels = list(STATE.levels)
    for _, _, mode in levels:
        if mode == "error":
            raise RuntimeError(
                f"vmap: {name}() draws random numbers inside a function vmapped with "
                f"randomness='error' (the default); pass randomness='different' (independent "
                f"draws per example) or randomness='same' (one draw shared by the batch)")
    different = [lv for lv in levels if lv[2] == "different"]
    STATE.levels = []
    try:
        if not different:
            return fn(*args, **kwargs)
        n = 1
        for _, size, _ in different:
            n *= size
        draws = [fn(*args, **kwargs) for _ in range(n)]
    finally:
        STATE.levels = levels
    stacked = ag.stack(draws, axis=0)
    phys = ag.reshape(stacked, tuple(s for _, s, _ in different) + tuple(draws[0].shape))
    return to_logical(phys, different)


_install_methods()
BatchedTensor._ag_dispatch = staticmethod(dispatch)
BatchedTensor._ag_map_physical = staticmethod(map_physical)
HOOKS.random_draw = random_in_vmap
