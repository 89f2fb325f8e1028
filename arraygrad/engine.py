"""The backward engine: iterative reverse-mode over the recorded graph.

Nodes are visited in decreasing creation order (``Node.seq``), which is a topological
order because a node is always created after the nodes of its inputs. A heap holds the
frontier, so there is no recursion and no dependency-counting pre-pass; work is linear in
the number of nodes reached (times log of the frontier width).

Leaves accumulate into ``.grad`` at the end of the pass, except leaves with
post-accumulate-grad hooks: while any such hook exists, one pre-pass counts the edges of the
reachable nodes into each hooked leaf, and the leaf is accumulated (and its hooks run) as
soon as the last of them has been processed, so that DDP can start reducing it during
the rest of backward.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import partial
from heapq import heappop, heappush
from types import ModuleType
from typing import Any

from arraygrad.anomaly_mode import ANOMALY, nan_error, warn_backward_error
from arraygrad.backend_registry import _local as _BACKEND_LOCAL
from arraygrad.grad_mode import set_mode
from arraygrad.node import Node, _last_write
from arraygrad.tensor import Tensor, _any_post_hooks, _check_grad, _make, _post_hooks_of

__all__ = ["backward", "grad", "namespace", "set_namespace"]

# The namespace that create_graph rules run on (Tensors in, Tensors out): the ``arraygrad``
# module itself, handed down by ``arraygrad/__init__.py`` once it is assembled, so that the
# engine imports nothing above the Tensor and the op registry.
_NAMESPACE: list[ModuleType] = []


def set_namespace(module: ModuleType) -> None:
    """Make ``module`` the namespace create_graph rules and ``Tensor.__array_namespace__``
    use (``arraygrad/__init__.py`` sets the ``arraygrad`` module at import)."""
    _NAMESPACE[:] = [module]


def namespace() -> ModuleType:
    """The differentiable namespace set by :func:`set_namespace` (the ``arraygrad`` module)."""
    if not _NAMESPACE:
        raise RuntimeError("arraygrad.engine.namespace(): arraygrad is not fully imported")
    return _NAMESPACE[0]


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _unbroadcast(xp: Any, g: Any, shape: tuple[int, ...], node: Node, i: int) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``.

    A gradient that ``shape`` does not broadcast to (a custom Function or hook returning the
    wrong shape) is an error, never silently reshaped.
    """
    gshape = tuple(g.shape)
    lead = len(gshape) - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, gshape[lead:])):
        raise RuntimeError(
            f"{node.name()}: the gradient for input {i} has shape {gshape}, which cannot be "
            f"summed to the input's shape {tuple(shape)}; a backward must return a gradient "
            f"of its input's shape"
        )
    if lead > 0:
        g = xp.sum(g, axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if stretched:
        g = xp.sum(g, axis=stretched, keepdims=True)
    return g


def _root_grads(roots: tuple, grads: Any, create_graph: bool, fn: str) -> list:
    if grads is None:
        grads = (None,) * len(roots)
    elif isinstance(grads, Tensor) or not isinstance(grads, (list, tuple)):
        grads = (grads,)
    if len(grads) != len(roots):
        raise ValueError(f"{fn}: got {len(roots)} outputs but {len(grads)} gradients")
    out = []
    for i, (t, g) in enumerate(zip(roots, grads)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: output {i} is a {type(t).__name__}, not a Tensor")
        if not t.requires_grad:
            raise RuntimeError(
                f"{fn}: element {i} of tensors does not require grad and does not have a "
                f"grad_fn (shape {t.shape}, dtype {t.dtype.name}). Did you forget "
                f"requires_grad=True on a leaf, or compute it under no_grad()?"
            )
        if g is None:
            if t.size != 1:
                raise RuntimeError(
                    f"{fn}: grad can be implicitly created only for scalar outputs; output "
                    f"{i} has shape {t.shape}. Pass gradient= (a tensor of that shape), or "
                    f"reduce first, e.g. y.sum().backward()"
                )
            g = t._backend.xp.ones_like(t._data)
            out.append(_make(g, t._backend, None) if create_graph else g)
            continue
        if not isinstance(g, Tensor):
            g = Tensor(g, backend=t._backend, dtype=t.dtype, device=t.device)
        if g._backend is not t._backend:
            raise RuntimeError(
                f"{fn}: gradient {i} is on backend {g._backend.name!r} but the output is on "
                f"{t._backend.name!r}"
            )
        if g.shape != t.shape:
            raise RuntimeError(
                f"{fn}: gradient {i} has shape {g.shape} but output {i} has shape {t.shape}"
            )
        out.append(g if create_graph else g._data)
    return out


def _wrap(g: Any, backend: Any, create_graph: bool) -> Tensor:
    return g if create_graph else _make(g, backend, None)


def _run_hooks(hooks: list, g: Any, backend: Any, create_graph: bool) -> Any:
    for hook in list(hooks):
        given = _wrap(g, backend, create_graph)
        result = hook(given)
        if result is not None:
            name = getattr(hook, "__qualname__", None) or type(hook).__name__
            _check_grad(given, result, f"the gradient returned by hook {name!r}")
            g = result if create_graph else result._data
    return g


def _leaf_layout(t: Tensor, g: Tensor) -> Tensor:
    """``g``, C-contiguous when ``t`` is (PyTorch's layout contract for ``.grad``): the
    gradient of a transposed use (a bias-free Linear's weight, ``x @ w.T``) arrives as a
    transposed view, and state derived from it (SGD's momentum buffer, a clone) would
    inherit that layout."""
    flags = getattr(g._data, "flags", None)
    if flags is None or flags.c_contiguous:
        return g
    own = getattr(t._data, "flags", None)
    if own is None or not own.c_contiguous:
        return g
    g._data = g._data.copy()  # ndarray.copy is C order (NumPy and CuPy)
    return g


# Backward passes may run in several threads into shared leaves (Hogwild-style training,
# or a server computing gradients per request): the read-add-write of ``.grad`` is atomic.
_ACCUMULATE_LOCK = threading.Lock()


def _accumulate(t: Tensor, g: Tensor, create_graph: bool) -> None:
    with _ACCUMULATE_LOCK:
        current = t._grad
        if current is None:
            t._grad = g if create_graph else _leaf_layout(t, g)
        elif create_graph:  # PyTorch: out of place, the sum carries a graph
            t._grad = current + g
        else:
            # PyTorch adds into the gradient it has: a reference kept to ``t.grad`` sees
            # the sum (the same Tensor, its version bumped), not the old value
            current._data = (current + g)._data
            current._bump_version()


def _run_post_hooks(leaf: Tensor) -> None:
    for hook in list(_post_hooks_of(leaf) or ()):
        result = hook(leaf)
        if result is not None:
            name = getattr(hook, "__qualname__", None) or type(hook).__name__
            cls = RuntimeError if isinstance(result, Tensor) else TypeError
            raise cls(f"post accumulate grad hook {name!r} returned "
                      f"{type(result).__name__}; it must return None (set .grad instead)")


def _leaf_uses(roots: tuple) -> dict[int, int]:
    """For each leaf with post-accumulate-grad hooks: how many edges of the nodes reachable
    from ``roots`` lead to it. Nodes run in decreasing ``seq``, each once, so the leaf's
    gradient is final when the last of those edges has been processed."""
    uses: dict[int, int] = {}
    seen: set[int] = set()
    stack = [t._node for t in roots if t._node is not None]
    while stack:
        node = stack.pop()
        if node.seq in seen:
            continue
        seen.add(node.seq)
        for edge in node.edges:
            if edge is None:
                continue
            if edge.__class__ is Node:
                if edge.seq not in seen:
                    stack.append(edge)
            elif _post_hooks_of(edge):
                uses[id(edge)] = uses.get(id(edge), 0) + 1
    return uses


def _complex_gradient(xp: Any, op: Any, rule: Any, g: Any, ans: Any, ins: tuple, params: dict,
                      gi: Any, node: Node, i: int) -> Any:
    """The gradient for a complex input, in PyTorch's convention (``conj`` of the
    derivative times ``g``). Rules are written for real numbers: for a holomorphic op (or a
    real-linear one) the convention's answer is ``conj(rule(conj(g)))``; ops whose rules
    follow it already say ``native``; any other op refuses rather than answer wrongly."""
    kind = op.complex_grad
    if kind == "native":
        return gi
    if kind == "holomorphic":
        flipped = rule(xp, xp.conj(g), ans, *ins, **params)
        if flipped.shape != ins[i].shape:
            flipped = _unbroadcast(xp, flipped, tuple(ins[i].shape), node, i)
        return xp.conj(flipped)
    raise NotImplementedError(
        f"{node.name()}: gradients for complex inputs are not supported by '{op.name}' "
        f"(input {i} has a complex dtype); its rule is written for real numbers")


def _version_error(node: Node, what: str, saved: int, now: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {what} of '{node.op.name}' ({node.name()}) is at version {now}; "
        f"expected version {saved} when it was saved. Compute on a copy (x.clone()) instead "
        f"of modifying it in place."
    )


def _check_versions(node: Node, create_graph: bool) -> None:
    """Raise if an input or output that the rules about to run will read was modified in
    place after the node was recorded (only the inputs that those rules read count)."""
    op = node.op
    versions = node.versions
    if versions is not None:
        reads = op.reads
        if reads is None or (create_graph and op.uses_ans):  # recomputing ans reads all
            needed: Any = range(len(versions)) if op.checks_inputs or create_graph else ()
        else:
            needed = {j for edge, read in zip(node.edges, reads) if edge is not None
                      for j in read}
        inputs: Any = node.inputs  # not released: _execute raised before if it were
        for i in needed:
            saved = versions[i]
            if saved is not None:
                cell = inputs[i]._version
                now = 0 if cell is None else cell[0]
                if now != saved:
                    t = inputs[i]
                    raise _version_error(node, f"input {i} (shape {t.shape}, dtype "
                                         f"{t.dtype.name})", saved, now)
    cell = node.out_version
    if cell is not None and cell[0] != 0 and not create_graph:
        shape = tuple(node.out.shape) if node.out is not None else ()
        raise _version_error(node, f"its output (shape {shape})", 0, cell[0])


def _compare_versions(node: Node, links: tuple, n: int, create_graph: bool) -> None:
    """Compare every saved version with its tensor's current one (cheap: in the common case
    nothing has changed); only on a difference does :func:`_check_versions` work out
    whether a rule about to run reads the modified value (then it raises)."""
    versions = node.versions
    if versions is not None:
        for t, saved in zip(links, versions):  # the first n links: inputs
            if saved is not None:
                cell = t._version
                if (0 if cell is None else cell[0]) != saved:
                    _check_versions(node, create_graph)
                    break
    cell = node.out_version
    if cell is not None and cell[0] != 0:
        _check_versions(node, create_graph)


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"trying to backward through the graph a second time (through '{node.op.name}'), or "
        f"to access saved tensors after they were freed. Saved arrays are released by "
        f"backward(); pass retain_graph=True to the first backward() or autograd.grad() "
        f"if you need to backward through the graph again."
    )


def _conform(xp: Any, gi: Any, g: Any, ins: tuple, i: int, node: Node, rule: Any, ans: Any,
             create_graph: bool) -> Any:
    """Make a rule's result ``gi`` the gradient of input ``i``: summed over broadcast
    axes to the input's shape, PyTorch's conjugate convention for complex values
    (:func:`_complex_gradient`), and cast to the input's dtype."""
    inp = ins[i]
    if gi.shape != inp.shape:
        gi = _unbroadcast(xp, gi, tuple(inp.shape), node, i)
    dtype = inp.dtype
    gdtype = g.dtype
    backend = node.backend
    g_complex = gdtype.kind == "c" if create_graph else gdtype in backend.complex_natives
    if g_complex or dtype is not gdtype or gi.dtype is not dtype:
        if g_complex or dtype in backend.complex_natives or (
                create_graph and dtype.kind == "c"):
            gi = _complex_gradient(xp, node.op, rule, g, ans, ins, node.params, gi, node, i)
        gi_dtype = gi.dtype
        if gi_dtype is not dtype and gi_dtype != dtype:
            if xp.isdtype(gi_dtype, "complex floating") and not xp.isdtype(
                    dtype, "complex floating"):
                gi = xp.real(gi)  # a real input gets the real part (as PyTorch)
            gi = xp.astype(gi, dtype)
    return gi


def _propagate(edge: Any, gi: Any, nxt: Node | None, nxt_g: Any, pending: dict, nodes: dict,
               heap: list, leaves: dict) -> tuple[Node | None, Any]:
    """Hand the gradient ``gi`` to ``edge`` (a Node, or a leaf Tensor) and return the new
    ``(nxt, nxt_g)``: the one pending node, while there is only one (see _execute)."""
    if edge.__class__ is Node:
        if nxt is None and not heap:  # then nothing is pending
            return edge, gi
        if edge is nxt:
            return nxt, nxt_g + gi
        seq = edge.seq
        if seq in pending:
            pending[seq] = pending[seq] + gi
        else:
            pending[seq] = gi
            nodes[seq] = edge
            heappush(heap, -seq)
    else:
        entry = leaves.get(id(edge))
        if entry is None:
            leaves[id(edge)] = [edge, gi]
        else:
            entry[1] = entry[1] + gi
    return nxt, nxt_g


def _leaves_done(edges: tuple, uses: dict[int, int], leaves: dict[int, list],
                 finish_leaf: Any) -> None:
    """Count one use of each hooked leaf among ``edges`` (see _leaf_uses); a leaf whose
    last use this was is accumulated now (``finish_leaf``), so its post-accumulate-grad
    hooks run while the rest of backward continues."""
    for edge in edges:
        left = uses.get(id(edge))
        if left is None:
            continue
        if left > 1:
            uses[id(edge)] = left - 1
            continue
        del uses[id(edge)]  # no pending node can reach this leaf any more
        entry = leaves.pop(id(edge), None)
        if entry is not None:
            finish_leaf(entry[0], entry[1])


def _execute(roots: tuple, root_grads: list, *, retain_graph: bool, create_graph: bool,
             capture: Sequence[Tensor] | None, accumulate: bool) -> dict[int, Any]:
    """Propagate gradients from ``roots``. Returns captured gradients by id(target).

    The frontier is a heap of negated sequence numbers (plain ints compare in C);
    ``pending`` maps a sequence number to the gradient so far and ``nodes`` to its node.
    """
    heap: list[int] = []
    pending: dict[int, Any] = {}   # seq -> gradient so far
    nodes: dict[int, Node] = {}    # seq -> node (for the same keys)
    leaves: dict[int, list] = {}
    capture_ids = {id(t._node if t._node is not None else t) for t in capture} if capture \
        else None
    captured: dict[int, Any] = {}

    for t, g in zip(roots, root_grads):
        node = t._node
        if node is None:
            entry = leaves.get(id(t))
            if entry is None:
                leaves[id(t)] = [t, g]
            else:
                entry[1] = entry[1] + g
        else:
            seq = node.seq
            if seq in pending:
                pending[seq] = pending[seq] + g
            else:
                pending[seq] = g
                nodes[seq] = node
                heappush(heap, -seq)

    # Leaves with post-accumulate-grad hooks are accumulated (and their hooks run) as soon
    # as their last contribution arrives; the other leaves at the end.
    uses = _leaf_uses(roots) if accumulate and _any_post_hooks() else None
    seen_arrays: set[int] = {id(g) for g in root_grads}

    def finish_leaf(leaf: Tensor, g: Any) -> None:
        backend = leaf._backend
        hooks = getattr(leaf, "_hooks", None)
        if hooks:
            g = _run_hooks(hooks, g, backend, create_graph)
        if capture_ids is not None and id(leaf) in capture_ids:
            captured[id(leaf)] = g
        if not accumulate:
            return
        if not create_graph:
            if id(g) in seen_arrays:  # never let two .grad tensors share one array
                g = backend.xp.asarray(g, copy=True)
            seen_arrays.add(id(g))
        _accumulate(leaf, _wrap(g, backend, create_graph), create_graph)
        if _post_hooks_of(leaf):
            _run_post_hooks(leaf)

    if create_graph:
        ag_namespace = namespace()
    # With create_graph the rules run on arraygrad's namespace, whose creation functions
    # (``xp.zeros``, ``xp.ones``) use the current backend: each node's own, pushed below.
    backend_stack = _BACKEND_LOCAL.stack
    stack_depth = len(backend_stack)
    prev_mode = set_mode(create_graph)
    anomaly = ANOMALY.enabled
    last_write = _last_write  # (a local: read once per node)
    node = None
    try:
        nxt: Node | None = None  # the next node, while it is the only one pending
        nxt_g: Any = None
        # The dtype object of nxt_g when the node that handed it over found it to be that
        # object exactly and not complex (None: unknown); then ``g.dtype is g_real`` without
        # reading g's dtype, and an input of that dtype object is not complex.
        g_real: Any = None
        while True:
            if nxt is not None:  # a chain: the heap is empty and one node is pending
                node = nxt
                g = nxt_g
                nxt = None
            elif heap:
                seq = -heappop(heap)
                node = nodes.pop(seq)
                g = pending.pop(seq)
                g_real = None
            else:
                break
            if node.hooks:
                g = _run_hooks(node.hooks, g, node.backend, create_graph)
                g_real = None
            if node.retained is not None:
                owner = node.retained()
                if owner is not None:
                    _accumulate(owner, _wrap(g, node.backend, create_graph),
                                    create_graph)
            if capture_ids is not None and id(node) in capture_ids:
                captured[id(node)] = g
            links = node.links  # the inputs, then the edges (see Node)
            n = node.n_inputs
            if node.seq < last_write[0]:
                # A tensor was written in place since this node was recorded (else none of
                # its saved versions can differ and there is nothing to compare).
                if not n:
                    raise _freed_error(node)
                _compare_versions(node, links, n, create_graph)
            op = node.op
            # The input that needs a gradient, when it is the only one (first order): one
            # input (elementwise math, reductions, shape ops), or two of which one is a
            # constant (``x * 0.5``). The edge loop below, written out for that input.
            # (A released node has n == 0 and takes the edge loop, which refuses it.)
            single = -1
            if not create_graph and not op.variadic:
                if n == 1:
                    single = 0
                elif n == 2:
                    if links[3] is None:
                        single = 0
                    elif links[2] is None:
                        single = 1
            if single >= 0:
                edge = links[n + single]
                ans = node.out
                rule = op.vjps[single]
                if edge is not None and rule is not None:
                    # (an input with an edge is a Tensor: record() makes edges only for those)
                    backend = node.backend
                    xp = backend.xp
                    params = node.params
                    if n == 1:
                        inp = a = links[0]._data
                        gi = rule(xp, g, ans, a, **params) if params else rule(xp, g, ans, a)
                    else:
                        a = links[0]
                        b = links[1]
                        if single:
                            inp = b = b._data
                            if isinstance(a, Tensor):
                                a = a._data
                        else:
                            inp = a = a._data
                            if isinstance(b, Tensor):
                                b = b._data
                        gi = rule(xp, g, ans, a, b, **params) if params else \
                            rule(xp, g, ans, a, b)
                    if gi is not None:
                        dtype = inp.dtype
                        if gi.shape != inp.shape or gi.dtype is not dtype or (
                                dtype is not g_real and (g.dtype is not dtype
                                                         or dtype in backend.complex_natives)):
                            gi = _conform(xp, gi, g, (a,) if n == 1 else (a, b), single, node,
                                          rule, ans, False)
                            dtype = None  # (gi's dtype equals the input's, maybe not as object)
                        if anomaly and ANOMALY.check_nan and xp.any(xp.isnan(gi)):
                            raise nan_error(node, single)
                        # (nxt is None here: it was taken above, or pushed to the heap)
                        if not heap and edge.__class__ is Node:
                            nxt = edge  # a chain: nothing else is pending
                            nxt_g = gi
                            g_real = dtype  # gi.dtype is dtype, not complex (checked above)
                        else:
                            nxt, nxt_g = _propagate(edge, gi, None, None, pending, nodes, heap,
                                                    leaves)
                            g_real = None
                # nxt is set only while the heap is empty: nothing to push
                if not retain_graph:  # release the saved inputs and output, as below
                    node.links = (links[1],) if n == 1 else (links[2], links[3])
                    node.n_inputs = 0
                    if ans is not None:
                        node.out = None
                if uses:
                    _leaves_done(links[n:], uses, leaves, finish_leaf)
                continue
            if not n:
                raise _freed_error(node)
            params = node.params
            backend = node.backend
            if create_graph:
                xp = ag_namespace
                del backend_stack[stack_depth:]
                backend_stack.append(backend)
                ins = links[:n]
                ans = op.forward(xp, *ins, **params) if op.uses_ans else None
                gdtype = g.dtype
                g_complex = gdtype.kind == "c"
            else:
                xp = backend.xp
                # The rules read the inputs' arrays (each Tensor's current array: an
                # in-place write since recording was refused above if a rule reads it).
                if n == 2:
                    a = links[0]
                    b = links[1]
                    ins = (a._data if isinstance(a, Tensor) else a,
                           b._data if isinstance(b, Tensor) else b)
                else:
                    ins = tuple(a._data if isinstance(a, Tensor) else a for a in links[:n])
                ans = node.out
                gdtype = g.dtype
                g_complex = gdtype in backend.complex_natives
            rules = op.vjps
            if op.variadic:  # one rule for every input, told which one by ``argnum``
                rules = [partial(rules, argnum=i) for i in range(n)]
            edges = links[n:]  # (kept as the node's links once the inputs are released)
            i = -1
            for edge in edges:
                i += 1
                if edge is None:  # a constant, or an input that needs no gradient
                    continue
                rule = rules[i]
                if rule is None:  # no gradient flows to this input
                    continue
                inp = ins[i]
                # Rules take the inputs as separate arguments: spelled out for two
                # inputs, a call with ``*ins`` costs about three times as much.
                if n == 2 and not params:
                    gi = rule(xp, g, ans, ins[0], ins[1])
                else:
                    gi = rule(xp, g, ans, *ins, **params)
                if gi is None:
                    continue
                dtype = inp.dtype
                # Nothing to convert when the gradient, its input and the rule's result
                # share one real dtype and shape (an input of g's dtype is complex only
                # if g is).
                if gi.shape != inp.shape or g_complex or dtype is not gdtype \
                        or gi.dtype is not dtype:
                    gi = _conform(xp, gi, g, ins, i, node, rule, ans, create_graph)
                if anomaly and ANOMALY.check_nan and xp.any(xp.isnan(gi)):
                    raise nan_error(node, i)
                if nxt is None and not heap and edge.__class__ is Node:
                    nxt, nxt_g = edge, gi  # a chain: nothing else is pending
                else:
                    nxt, nxt_g = _propagate(edge, gi, nxt, nxt_g, pending, nodes, heap,
                                            leaves)
            g_real = None  # (whatever nxt is now, its gradient's dtype was not noted)
            if nxt is not None and heap:  # other nodes are pending too: the heap orders them
                seq = nxt.seq
                pending[seq] = nxt_g
                nodes[seq] = nxt
                heappush(heap, -seq)
                nxt = None
            if not retain_graph:  # release the saved inputs and output: memory stays flat
                node.links = edges  # only the edges stay
                node.n_inputs = 0
                if ans is not None:
                    node.out = None
            if uses:
                _leaves_done(edges, uses, leaves, finish_leaf)

        node = None  # errors from here on are the leaves' (hooks), not a node's
        for leaf, g in leaves.values():
            finish_leaf(leaf, g)
    except Exception:
        if anomaly and node is not None:
            warn_backward_error(node)
        raise
    finally:
        set_mode(prev_mode)
        del backend_stack[stack_depth:]
    return captured


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves.

    Parameters
    ----------
    tensors : Tensor or sequence of Tensor
        Outputs to differentiate.
    grad_tensors : Tensor, array or sequence, optional
        The gradient of each output; required for non-scalar outputs.
    retain_graph : bool, optional
        Keep saved arrays so the graph can be differentiated again (default:
        ``create_graph``).
    create_graph : bool
        Record the backward pass itself, so the resulting ``.grad`` can be differentiated.
    inputs : Tensor or sequence of Tensor, optional
        Accumulate only into these tensors' ``.grad`` (leaves or not).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor(3.0, requires_grad=True)
    >>> ag.autograd.backward(x * x)
    >>> x.grad.item()
    6.0
    """
    roots = _as_tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(roots, grad_tensors, create_graph, "backward")
    if inputs is None:
        _execute(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                 capture=None, accumulate=True)
        return
    targets = _as_tuple(inputs)
    captured = _execute(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                        capture=targets, accumulate=False)
    for t in targets:
        g = captured.get(id(t._node if t._node is not None else t))
        if g is None:
            continue
        _accumulate(t, _wrap(g, t._backend, create_graph), create_graph)
        if t._node is None and _post_hooks_of(t):
            _run_post_hooks(t)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` is touched).

    Parameters
    ----------
    outputs, inputs : Tensor or sequence of Tensor
    grad_outputs : optional
        The gradient of each output (required for non-scalar outputs).
    retain_graph : bool, optional
        Default: ``create_graph``.
    create_graph : bool
        Make the returned gradients differentiable (for Hessian-vector products).
    allow_unused : bool
        Return None for an input the outputs do not depend on, instead of raising.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor(2.0, requires_grad=True)
    >>> (g,) = ag.autograd.grad(x ** 3, x, create_graph=True)
    >>> g.item(), ag.autograd.grad(g, x)[0].item()
    (12.0, 12.0)
    """
    roots = _as_tuple(outputs)
    targets = _as_tuple(inputs)
    for i, t in enumerate(targets):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                f"grad: input {i} does not require grad"
                + (f" (shape {t.shape}, dtype {t.dtype.name})" if isinstance(t, Tensor) else "")
            )
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(roots, grad_outputs, create_graph, "grad")
    captured = _execute(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                        capture=targets, accumulate=False)
    result: list[Tensor | None] = []
    for i, t in enumerate(targets):
        g = captured.get(id(t._node if t._node is not None else t))
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used in the graph of the "
                    f"outputs; pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(_wrap(g, t._backend, create_graph))
    return tuple(result)
