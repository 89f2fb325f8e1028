"""In-place tensor ops (``+=``, ``__setitem__``, ``zero_``, ...) with version counting.

Outside recording (``no_grad``, or nothing requires grad) a mutable backend changes the
array in place and an immutable one (JAX) rebinds the tensor to a new array. When the
operation must be recorded, the tensor is rebound to the recorded out-of-place result.
Either way the version counter goes up, so a backward that needs the old value raises
instead of returning a wrong gradient.

Views follow PyTorch on every backend: a write through a view rewrites its base (the
viewed region of the base becomes the view's new value; recorded, the base's history is
rewritten as PyTorch's CopySlices does), and every live view of a base is regenerated
after any write to the base or to one of its views (:func:`_write`). Tensors that are not
views and have no live views keep the fast path: one in-place kernel call.
"""

from __future__ import annotations

from typing import Any

from arraygrad.engine import namespace
from arraygrad.grad_mode import STATE
from arraygrad.ops import elementwise as ew
from arraygrad.ops.indexing import INDEX_PUT, _is_int_array, normalize_key
from arraygrad.ops.registry import (
    _constant,
    _mixed_backends,
    apply,
    binary,
    defop,
    op_error,
    record,
    unary,
)
from arraygrad.ops.shape import (
    MATRIX_TRANSPOSE,
    PERMUTE_DIMS,
    RESHAPE,
    _inverse_permutation,
    broadcast_shapes,
)
from arraygrad.tensor import Tensor, _make


def _check_leaf(x: Tensor, name: str) -> None:
    if not STATE.enabled:
        return
    base = x if x._view is None or x._view[2] is None else x._view[2]
    if x.requires_grad and x._node is None:
        what = "a leaf tensor"
    elif x._view is not None and x._view[2] is not None and base.requires_grad \
            and base._node is None:
        what = "a view of a leaf tensor"
    else:
        return
    raise RuntimeError(
        f"{name}: {what} that requires grad (shape {x.shape}, dtype {x.dtype.name}) is being "
        f"used in an in-place operation. Do it under ag.no_grad() (as optimizers do) or work "
        f"on a copy (x.clone())."
    )


def _snapshot(x: Tensor) -> Tensor:
    """A tensor standing for ``x``'s current value in the graph, with its own version."""
    old = _make(x._data, x._backend, x._node)
    old.requires_grad = x.requires_grad
    old._version = [x._version_number]
    return old


def _has_views(x: Tensor) -> bool:
    views = x._views
    if not views:
        return False
    views[:] = [ref for ref in views if ref() is not None]
    return bool(views)


def _step(op: Any, args: tuple, params: dict) -> Tensor:
    """Apply ``op`` to Tensors, recording it when an input requires grad; never a view."""
    tensor = next(a for a in args if isinstance(a, Tensor))
    backend = tensor._backend
    arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
    out = op.forward(backend.xp, *arrays, **params)
    if STATE.enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args):
        return record(op, backend, out, args, params)
    return _make(out, backend, None)


def _put_one(base: Any, op: Any, params: dict, value: Any, recorded: bool, xp: Any) -> Any:
    """``base`` with the part that view op ``op`` selects replaced by ``value``."""
    name = op.name
    if name == "getitem":
        key = params["key"] if isinstance(params["key"], tuple) else (params["key"],)
        return _step(INDEX_PUT, (base, value), {"key": key}) if recorded \
            else INDEX_PUT.forward(xp, base, value, key)
    if name in ("reshape", "expand_dims", "squeeze"):
        return _step(RESHAPE, (value,), {"shape": tuple(base.shape)}) if recorded \
            else xp.reshape(value, tuple(base.shape))
    if name == "permute_dims":
        inverse = _inverse_permutation(params["axes"])
        return _step(PERMUTE_DIMS, (value,), {"axes": inverse}) if recorded \
            else xp.permute_dims(value, inverse)
    if name == "matrix_transpose":
        return _step(MATRIX_TRANSPOSE, (value,), {}) if recorded \
            else xp.matrix_transpose(value)
    if name == "broadcast_to":
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to "
            "a single memory location (an in-place write into an expanded/broadcast view). "
            "Please clone() the tensor before performing the operation.")
    return _put_by_rule(base, op, params, value, recorded, xp)


def _put_by_rule(base: Any, op: Any, params: dict, value: Any, recorded: bool, xp: Any) -> Any:
    """Any other view op selects elements linearly, so its VJP scatters ``value`` into the
    base's shape and the VJP of ones marks the selected elements."""
    rule = op.vjps[0]
    if recorded:
        ag_namespace = namespace()
        plain = _make(base._data, base._backend, None)
        ones = _make(base._backend.xp.ones_like(value._data), base._backend, None)
        mask = rule(ag_namespace, ones, None, plain, **params)
        scattered = rule(ag_namespace, value, None, base, **params)
        return ew.where(mask > 0, scattered, base)
    mask = rule(xp, xp.ones_like(value), None, base, **params)
    return xp.where(mask > 0, rule(xp, value, None, base, **params), base)


def _put_through(base: Any, chain: tuple, value: Any, recorded: bool, xp: Any) -> Any:
    """``base`` with the region that the view ``chain`` selects replaced by ``value``."""
    if not chain:
        return value
    steps = [base]
    for op, params in chain[:-1]:  # the intermediate views, base first
        steps.append(_step(op, (steps[-1],), params) if recorded
                     else op.forward(xp, steps[-1], **params))
    for (op, params), inner in zip(reversed(chain), reversed(steps)):
        value = _put_one(inner, op, params, value, recorded, xp)
    return value


def _replay(source: Tensor, chain: tuple, recorded: bool) -> Any:
    """The view ``chain`` applied to ``source``: a Tensor (recorded) or a raw array."""
    if recorded:
        t = source
        for op, params in chain:
            t = _step(op, (t,), params)
        return t
    data = source._data
    xp = source._backend.xp
    for op, params in chain:
        data = op.forward(xp, data, **params)
    return data


def _regenerate_views(root: Tensor, recorded: bool) -> None:
    """Recompute every live view of ``root`` from the current data (PyTorch's views see
    every write to their storage). Recorded, a view whose autograd base requires grad gets
    the history "view of the new base"; otherwise only its data changes (its node still
    leads to the same base). Aliases go first: they are the autograd bases of their views."""
    views = root._views
    if not views:
        return
    live = [(ref, view) for ref in views if (view := ref()) is not None]
    root._views = [ref for ref, _ in live]
    for _, view in sorted(live, key=lambda pair: pair[1]._view[2] is not None):
        _, chain, grad_base, grad_chain = view._view
        if recorded and grad_base is not None and grad_base.requires_grad and STATE.enabled:
            t = _replay(grad_base, grad_chain, True)
            view._data, view._node = t._data, t._node
            view.requires_grad = t.requires_grad
        else:
            view._data = _replay(root, chain, False)


def _write(x: Tensor, result: Tensor, name: str, recorded: bool) -> None:
    """Make ``result`` the new value of ``x`` wherever ``x``'s data is seen.

    Recorded, the history of ``x``'s autograd base is rewritten so that the viewed region
    holds ``result`` (PyTorch's CopySlices: gradients reach the written region). The new
    data goes to the root that owns it, and every live view of that root, ``x`` included,
    is regenerated.
    """
    if result.shape != x.shape:
        raise ValueError(f"{name}: the result has shape {result.shape}, which cannot be "
                         f"written into a tensor of shape {x.shape}")
    if result.dtype is not x.dtype:
        result = result.astype(x.dtype)
    if x._view is None:
        x._data = result._data
        if recorded:
            x._node = result._node
            x.requires_grad = x.requires_grad or result.requires_grad
        _regenerate_views(x, recorded)
        return
    root, chain, grad_base, grad_chain = x._view
    if recorded:
        owner = x if grad_base is None else grad_base
        new = _put_through(_snapshot(owner), grad_chain if grad_base is not None else (),
                           result, True, None)
        owner._data, owner._node = new._data, new._node
        owner.requires_grad = owner.requires_grad or new.requires_grad
        if owner is not root:  # an alias: its data goes on to the root it shares
            root._data = _put_through(root._data, owner._view[1], owner._data, False,
                                      root._backend.xp)
    else:
        root._data = _put_through(root._data, chain, result._data, False, root._backend.xp)
    _regenerate_views(root, recorded)


def _writable(data: Any) -> bool:
    flags = getattr(data, "flags", None)
    return flags is None or flags.writeable


def _operand(x: Tensor, other: Any, op) -> Any:
    if isinstance(other, Tensor):
        if other._backend is not x._backend:
            raise _mixed_backends(op, (x, other))
        data = other._data
        if data.dtype != x._data.dtype:
            data = x._backend.xp.astype(data, x._data.dtype)
        return data
    return _constant(x._backend, other)  # refuses a batched value (inside vmap)


def _check_fits(x: Tensor, other: Any, op, name: str) -> None:
    """Raise ValueError unless ``other`` broadcasts to ``x``'s own shape (before any write:
    backends word this differently, and a mutable one might write part of it)."""
    try:
        fits = broadcast_shapes(x.shape, tuple(other.shape)) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{name} ({op.name}): an operand of shape {tuple(other.shape)} cannot "
                         f"be written into a tensor of shape {x.shape} (dtype "
                         f"{x.dtype.name}, backend {x._backend.name!r})")


def _records(x: Tensor, other: Any) -> bool:
    return STATE.enabled and (x.requires_grad
                              or (isinstance(other, Tensor) and other.requires_grad))


def _in_place_ok(x: Tensor) -> bool:
    """Whether ``x``'s array may be changed in memory (no view bookkeeping needed)."""
    data = x._data
    return x._backend.mutable and x._view is None and not _has_views(x) and _writable(data)


def inplace_binary(x: Tensor, other: Any, op: Any, iop: Any, name: str) -> Tensor:
    """``x <op>= other`` following the module rules."""
    _check_leaf(x, name)
    if not isinstance(other, Tensor):
        other = _constant(x._backend, other)  # a batched value (inside vmap) is refused
    if _records(x, other):
        result = binary(op, _snapshot(x), other)
        _write(x, result, name, True)
        if op is ew.POW and isinstance(other, Tensor):
            # PyTorch's pow_(Tensor) saves its result (the exponent's gradient reads it).
            x._bump_version()
            _saves_result(result, x)
            return x
    else:
        data = x._data
        operand = _operand(x, other, op)
        shape = getattr(operand, "shape", None)
        if shape is not None and tuple(shape) != tuple(data.shape):
            _check_fits(x, other, op, name)
        new = None
        in_place = _in_place_ok(x)
        try:
            if in_place and iop is not None:
                x._data = iop(data, operand)
            else:  # iop None: the op's forward carries special cases the operator lacks
                new = op.forward(x._backend.xp, data, operand)
                if new.dtype != data.dtype:
                    new = x._backend.xp.astype(new, data.dtype)
                if in_place:
                    data[...] = new
                    new = None
        except Exception as exc:
            raise op_error(op, (x, other), {}, exc) from exc
        if new is not None:
            _write(x, _make(new, x._backend, None), name, False)
    x._bump_version()
    return x


def _has_int_array(x: Tensor, key: tuple) -> bool:
    return any(getattr(k, "ndim", None) is not None and _is_int_array(x._backend, k)
               for k in key)


def _index_put_data(x: Tensor, key: tuple, value: Any, user_key: Any) -> Any:
    """The array of ``x`` with ``x[key] = value``, computed functionally (``index_put``)."""
    data = value._data if isinstance(value, Tensor) else _constant(x._backend, value)
    try:
        return INDEX_PUT.forward(x._backend.xp, x._data, data, key)
    except Exception as exc:
        raise op_error(INDEX_PUT, (x, value), {"key": user_key}, exc) from exc


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value``."""
    _check_leaf(x, "setitem")
    if not isinstance(value, Tensor):
        value = _constant(x._backend, value)  # a batched value (inside vmap) is refused
    nkey = normalize_key(x, key)
    if _records(x, value):
        _write(x, apply(INDEX_PUT, (_snapshot(x), value), {"key": nkey}), "setitem", True)
    elif _in_place_ok(x):
        try:
            x._data[nkey] = _operand(x, value, INDEX_PUT)
        except Exception as exc:
            if not _has_int_array(x, nkey):
                raise op_error(INDEX_PUT, (x, value), {"key": key}, exc) from exc
            # The library's __setitem__ refuses integer index arrays (the standard leaves
            # them out; array-api-strict does): write through the functional index_put.
            x._data = _index_put_data(x, nkey, value, key)
    else:
        new = _index_put_data(x, nkey, value, key)
        _write(x, _make(new, x._backend, None), "setitem", False)
    x._bump_version()


def fill_(x: Tensor, value: Any) -> Tensor:
    """Set every element to ``value`` in place (a 0-d Tensor ``value`` gets the gradient of
    the written elements, as in PyTorch)."""
    if isinstance(value, Tensor):
        return copy_(x, value)
    _check_leaf(x, "fill_")
    if _records(x, value):
        _write(x, unary(FILL, _snapshot(x), {"value": value}), "fill_", True)
    elif _in_place_ok(x):
        x._data[...] = value
    else:
        _write(x, _make(FILL.forward(x._backend.xp, x._data, value), x._backend, None),
               "fill_", False)
    x._bump_version()
    return x


def zero_(x: Tensor) -> Tensor:
    """Set every element to zero in place."""
    return fill_(x, 0)


def copy_(x: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast to ``x``'s shape) into ``x`` in place.

    As PyTorch's ``CopyBackwards``, the overwritten value gets a zero gradient: the history
    of ``x`` stays in the graph (``x``'s earlier inputs get zero gradients, and a backward
    through it still checks the versions of what that history saved)."""
    return inplace_binary(x, src, _COPY, _copy_into, "copy_")


def _copy_into(data, src):
    data[...] = src
    return data


def _copy_forward(xp, x, src):
    return xp.broadcast_to(xp.asarray(src, dtype=x.dtype), tuple(x.shape)) + xp.zeros_like(x)


_COPY = defop("copy", _copy_forward,
              (lambda xp, g, ans, x, src: xp.zeros_like(g), lambda xp, g, ans, x, src: g),
              checks_inputs=False)

# The written value does not depend on the old one: its gradient is zero (as PyTorch's).
FILL = defop("fill", lambda xp, x, value: xp.full_like(x, value),
             (lambda xp, g, ans, x, value: xp.zeros_like(g),), checks_inputs=False)
# The in-place forms whose PyTorch derivative formula reads the *result*, which is then the
# written tensor itself: PyTorch saves that tensor, so any later in-place write to it (or to
# a view sharing its version counter) makes the backward of this op raise. An in-place form
# whose formula reads its input saves a copy of the original instead (and later writes are
# fine); arraygrad's forms all compute from such a copy when their rule reads the input.
SAVES_RESULT = frozenset({"exp_", "sigmoid_", "tanh_", "sqrt_", "reciprocal_", "relu_"})


class _VersionsSince(list):
    """A version cell for a node's saved output that reads as the number of writes to
    another tensor (``cell``, its shared version counter) since ``start``; the engine
    refuses the node's backward once it is not 0."""

    __slots__ = ("cell", "start")

    def __init__(self, cell: list[int], start: int) -> None:
        super().__init__((0,))
        self.cell = cell
        self.start = start

    def __getitem__(self, index: Any) -> Any:
        return self.cell[0] - self.start


def write_result(x: Tensor, out: Tensor, name: str, since: int) -> Tensor:
    """Write ``out`` (computed from ``x`` by the out-of-place form of method ``name``, whose
    nodes have sequence numbers from ``since`` on) into ``x`` in place, as the in-place
    method ``name`` does.

    Recorded on a tensor that is not a view and has no live views, ``x`` becomes ``out``:
    its ``grad_fn`` is the op's node (``SigmoidBackward`` for ``sigmoid_``, as PyTorch),
    and those nodes' references to the old ``x`` are replaced by a snapshot of the old
    value (so ``create_graph`` recomputes from the value the op read). For the methods in
    :data:`SAVES_RESULT`, the node then stands for PyTorch's saved result: it is refused at
    backward once ``x`` is written again ("modified by an inplace operation").
    """
    node = out._node if isinstance(out, Tensor) else None
    if node is None or not STATE.enabled or x._view is not None or _has_views(x) \
            or out._view is not None or out.shape != x.shape or out.dtype != x.dtype \
            or out._backend is not x._backend:
        inplace_binary(x, out, _COPY, _copy_into, name)  # views: PyTorch's CopySlices
    else:
        _check_leaf(x, name)
        _unalias(node, x, since)
        x._data, x._node = out._data, node
        x.requires_grad = True
        x._bump_version()
    if name in SAVES_RESULT and node is not None and x.requires_grad and STATE.enabled:
        _saves_result(out, x)
    return x


def _saves_result(out: Tensor, x: Tensor) -> None:
    """Make the node of ``out``, just written into ``x``, refuse its backward once ``x`` (or
    a view sharing its version counter) is written again."""
    node: Any = out._node
    if node.out is None:  # the rule reads its input: keep the result for the message
        node.out = out._data
    node.out_version = _VersionsSince(x._version_cell(), x._version_number)


def _unalias(node: Any, x: Tensor, since: int) -> None:
    """In the nodes from ``node`` back to sequence number ``since``, replace the input
    ``x`` (about to be rebound to a new value) by a snapshot of its current value."""
    old = None
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if n.seq < since or n.seq in seen:
            continue
        seen.add(n.seq)
        inputs = n.inputs
        if inputs is not None and any(inp is x for inp in inputs):
            old = _snapshot(x) if old is None else old
            n.links = tuple(old if inp is x else inp for inp in inputs) \
                + n.links[n.n_inputs:]  # (a Node keeps its inputs, then its edges)
        stack.extend(e for e in n.edges if e is not None and not isinstance(e, Tensor))
