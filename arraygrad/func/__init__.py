"""Functional transforms with ``torch.func``'s names and semantics, over any backend.

``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``linearize``, ``vmap``, ``jacrev``,
``jacfwd``, ``hessian``, ``functional_call`` and ``stack_module_state``. They sit on the same
engine as ``Tensor.backward()`` and leave every ``.grad`` untouched. Forward mode (``jvp``)
applies the ops' JVP rules (:mod:`arraygrad.func.forward`) along the recorded graph, and
falls back to the double-VJP construction (the gradient, with respect to the cotangent, of a
VJP built with ``create_graph=True``) where a rule is missing. Inside :func:`vmap`, the
autograd transforms work on the physical (batched) tensors: an input that is not batched
is first broadcast over the batch, so each example gets its own gradient (per-sample
gradients).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arraygrad.engine import grad as _engine_grad
from arraygrad.func import (
    batching,  # noqa: F401 - installs the batching rules
    forward,  # noqa: F401 - installs the JVP rules
)
from arraygrad.func._vmap import (
    BatchedTensor,
    active_levels,
    to_logical,
    to_physical,
    tree_flatten,
    tree_unflatten,
    vmap,
)
from arraygrad.grad_mode import STATE as _GRAD_STATE
from arraygrad.grad_mode import enable_grad
from arraygrad.tensor import Tensor

__all__ = ["grad", "value_and_grad", "grad_and_value", "vjp", "jvp", "linearize", "vmap",
           "jacrev", "jacfwd",
           "hessian", "functional_call", "stack_module_state", "BatchedTensor"]


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (Tensor, BatchedTensor))


def _argnums(argnums: int | Sequence[int], n: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(f"{where}: argnums must be non-empty")
    for i in nums:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"{where}: argnums must be ints, got {i!r}")
        if not -n <= i < n:
            raise ValueError(f"{where}: argnums={i} is out of range for a function called with "
                             f"{n} positional arguments")
    nums = tuple(i % n for i in nums)
    if len(set(nums)) != len(nums):
        raise ValueError(f"{where}: argnums {argnums} contains duplicates")
    return nums


def _grads(outputs: Sequence[Tensor], inputs: Sequence[Tensor], grad_outputs: Sequence[Any],
           **kwargs: Any) -> tuple:
    """``engine.grad`` over the outputs that depend on anything (others contribute zero)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _engine_grad([o for o, _ in pairs], list(inputs),
                        grad_outputs=[g for _, g in pairs], allow_unused=True, **kwargs)


def _leaf(x: Any, levels: list) -> tuple[Tensor, bool]:
    """A tensor to differentiate with respect to, and whether an outer graph tracks it."""
    p = to_physical(x, levels)
    if p.requires_grad and _GRAD_STATE.enabled:
        import arraygrad as ag

        return ag.positive(p), True  # stays connected: an outer transform differentiates
    return p.detach().requires_grad_(True), False


class _Traced:
    """``fn`` evaluated on fresh differentiable inputs, outputs as physical tensors."""

    def __init__(self, fn: Callable, args: tuple, nums: tuple[int, ...], has_aux: bool,
                 where: str) -> None:
        self.levels = active_levels()
        call_args = list(args)
        self.specs = []
        self.leaves: list[Tensor] = []
        self.tracking = False
        with enable_grad():
            for i in nums:
                flat, spec = tree_flatten(call_args[i])
                for x in flat:
                    if not _is_tensor(x):
                        raise TypeError(f"{where}: argument {i} holds a {type(x).__name__}; "
                                        f"the arguments being differentiated must be Tensors "
                                        f"(or tuples/lists/dicts of Tensors)")
                    if x.dtype.kind not in "fc":
                        raise TypeError(f"{where}: argument {i} has dtype {x.dtype}; only "
                                        f"floating-point inputs can be differentiated")
                made = [_leaf(x, self.levels) for x in flat]
                self.tracking |= any(t for _, t in made)
                self.leaves.extend(m for m, _ in made)
                self.specs.append((len(flat), spec))
                call_args[i] = tree_unflatten([to_logical(m, self.levels) for m, _ in made],
                                              spec)
            out = fn(*call_args)
            self.aux = None
            if has_aux:
                if not (isinstance(out, (tuple, list)) and len(out) == 2):
                    raise ValueError(f"{where}(has_aux=True): the function must return a pair "
                                     f"(output, aux), got {type(out).__name__}")
                out, self.aux = out
            self.out_flat, self.out_spec = tree_flatten(out)
            for j, o in enumerate(self.out_flat):
                if not _is_tensor(o):
                    raise TypeError(f"{where}: output {j} of the function is a "
                                    f"{type(o).__name__}; it must return Tensors")
            self.out_phys = [to_physical(o, self.levels) for o in self.out_flat]

    def per_arg(self, grads: Sequence[Tensor | None]) -> list:
        """Gradients (physical) back into each argument's structure, as logical tensors."""
        import arraygrad as ag

        full = [g if g is not None else ag.zeros_like(leaf.detach())
                for g, leaf in zip(grads, self.leaves)]
        if not self.tracking:
            full = [g.detach() for g in full]
        out = []
        pos = 0
        for n, spec in self.specs:
            out.append(tree_unflatten([to_logical(g, self.levels) for g in full[pos:pos + n]],
                                      spec))
            pos += n
        return out

    def value(self) -> Any:
        """The function's output, as the caller sees it."""
        outs = [to_logical(o if self.tracking else o.detach(), self.levels)
                for o in self.out_phys]
        return tree_unflatten(outs, self.out_spec)

    def aux_value(self) -> Any:
        """The auxiliary output, detached unless an outer transform tracks it."""
        if self.tracking:
            return self.aux
        flat, spec = tree_flatten(self.aux)
        return tree_unflatten([x.detach() if _is_tensor(x) else x for x in flat], spec)


def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing ``(fn(*args), d fn / d args[argnums])`` (torch.func).

    ``fn`` must return a scalar tensor (with ``has_aux``: a pair ``(scalar, aux)``, and the
    result is ``((value, aux), grad)``). With a tuple ``argnums`` the gradient is a tuple; an
    argument may be a tuple/list/dict of Tensors, and its gradient has the same structure.

    Examples
    --------
    >>> import arraygrad as ag
    >>> f = ag.func.value_and_grad(lambda x: (x ** 2).sum())
    >>> value, g = f(ag.tensor([1.0, 2.0]))
    >>> value.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "grad")
        traced = _Traced(lambda *a: fn(*a, **kwargs), args, nums, has_aux, "grad")
        if len(traced.out_flat) != 1 or traced.out_flat[0].ndim != 0:
            shapes = [tuple(o.shape) for o in traced.out_flat]
            raise RuntimeError(f"grad: expected the function to return one scalar Tensor, got "
                               f"outputs of shapes {shapes}; use vjp or jacrev for non-scalar "
                               f"outputs")
        import arraygrad as ag

        out = traced.out_phys[0]
        with enable_grad():
            grads = _grads([out], traced.leaves, [ag.ones_like(out)],
                           create_graph=traced.tracking)
        per = traced.per_arg(grads)
        g = per[0] if isinstance(argnums, int) else tuple(per)
        value = traced.value()
        return ((value, traced.aux_value()), g) if has_aux else (value, g)

    wrapped.__name__ = f"value_and_grad_{getattr(fn, '__name__', 'fn')}"
    return wrapped


def grad_and_value(fn: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """``torch.func.grad_and_value``: like :func:`value_and_grad`, in the order
    ``(grad, value)`` (with ``has_aux``: ``(grad, (value, aux))``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> g, value = ag.func.grad_and_value(lambda x: (x ** 2).sum())(ag.tensor([3.0]))
    >>> g.tolist(), value.item()
    ([6.0], 9.0)
    """
    inner = value_and_grad(fn, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = inner(*args, **kwargs)
        return g, value

    wrapped.__name__ = f"grad_and_value_{getattr(fn, '__name__', 'fn')}"
    return wrapped


def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """Return a function computing the gradient of scalar ``fn`` w.r.t. ``args[argnums]``.

    With ``has_aux=True``, ``fn`` returns ``(scalar, aux)`` and the result is
    ``(grad, aux)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> df = ag.func.grad(lambda x: (x ** 3).sum())
    >>> df(ag.tensor([1.0, 2.0])).tolist()
    [3.0, 12.0]
    """
    inner = value_and_grad(fn, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    wrapped.__name__ = f"grad_{getattr(fn, '__name__', 'fn')}"
    return wrapped


def vjp(fn: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate ``fn(*primals)`` and return ``(output, vjp_fn)`` (``(output, vjp_fn, aux)``
    with ``has_aux``).

    ``vjp_fn(cotangents)`` takes cotangents with the output's structure and returns a tuple
    of vector-Jacobian products, one per primal.

    Examples
    --------
    >>> import arraygrad as ag
    >>> out, pullback = ag.func.vjp(lambda x: x * 3, ag.tensor([1.0, 2.0]))
    >>> pullback(ag.ones(2))[0].tolist()
    [3.0, 3.0]
    """
    traced = _Traced(fn, primals, tuple(range(len(primals))), has_aux, "vjp")

    def vjp_fn(cotangents: Any) -> tuple:
        flat, _ = tree_flatten(cotangents)
        if len(flat) != len(traced.out_flat):
            raise ValueError(f"vjp: expected cotangents for {len(traced.out_flat)} outputs, "
                             f"got {len(flat)}")
        levels = active_levels()
        cts = []
        for j, (c, o) in enumerate(zip(flat, traced.out_flat)):
            if not _is_tensor(c) or tuple(c.shape) != tuple(o.shape):
                raise ValueError(f"vjp: cotangent {j} has shape "
                                 f"{tuple(getattr(c, 'shape', ()))} but output {j} has shape "
                                 f"{tuple(o.shape)}")
            cts.append(to_physical(c, levels if levels[:len(traced.levels)] == traced.levels
                                   else traced.levels))
        cts = [_match(c, p) for c, p in zip(cts, traced.out_phys)]
        with enable_grad():
            grads = _grads(traced.out_phys, traced.leaves, cts, retain_graph=True,
                           create_graph=traced.tracking)
        return tuple(traced.per_arg(grads))

    if has_aux:
        return traced.value(), vjp_fn, traced.aux_value()
    return traced.value(), vjp_fn


def _match(c: Tensor, p: Tensor) -> Tensor:
    if tuple(c.shape) != tuple(p.shape):
        raise RuntimeError(
            f"vjp: a cotangent batched by a vmap that started after vjp() was called cannot "
            f"be pulled back (cotangent {tuple(c.shape)} vs output {tuple(p.shape)}); call "
            f"vjp inside the vmapped function")
    return c


def _double_vjp(traced: _Traced, keep: bool) -> tuple[list, list]:
    """The VJP as a function of a cotangent ``u`` (with ``create_graph=True``)."""
    import arraygrad as ag

    us = [ag.zeros_like(o.detach()).requires_grad_(True) for o in traced.out_phys]
    with enable_grad():
        gs = _grads(traced.out_phys, traced.leaves, us, create_graph=True, retain_graph=True)
    return us, list(gs)


def _forward(traced: _Traced, us: list, gs: list, tangents_phys: list, retain: bool) -> list:
    import arraygrad as ag

    pairs = [(g, t) for g, t in zip(gs, tangents_phys) if g is not None and g.requires_grad]
    if not pairs:
        outs: list = [None] * len(us)
    else:
        with enable_grad():
            outs = list(_engine_grad([g for g, _ in pairs], us,
                                     grad_outputs=[t for _, t in pairs],
                                     retain_graph=retain or traced.tracking,
                                     create_graph=traced.tracking, allow_unused=True))
    res = []
    for o, u in zip(outs, us):
        o = ag.zeros_like(u.detach()) if o is None else o
        res.append(to_logical(o if traced.tracking else o.detach(), traced.levels))
    return res


def _tangents(traced: _Traced, tangents: Any, primals: Any) -> list:
    flat_t, _ = tree_flatten(tuple(tangents))
    if len(flat_t) != len(traced.leaves):
        raise ValueError(f"jvp: expected {len(traced.leaves)} tangents (one per primal), got "
                         f"{len(flat_t)}")
    out = []
    for i, (t, p) in enumerate(zip(flat_t, tree_flatten(tuple(primals))[0])):
        if not _is_tensor(t) or tuple(t.shape) != tuple(p.shape):
            raise ValueError(f"jvp: tangent {i} has shape {tuple(getattr(t, 'shape', ()))} but "
                             f"primal {i} has shape {tuple(p.shape)}; they must match")
        out.append(to_physical(t, traced.levels))
    return out


def _by_rules(traced: _Traced, tangents_phys: list) -> list | None:
    """Output tangents by the ops' JVP rules (one pass over the recorded graph), or None
    where the double-VJP construction must be used: an op without a rule, complex values,
    or an outer transform differentiating the result (the rules run on raw arrays)."""
    if traced.tracking:
        return None
    import arraygrad as ag
    from arraygrad.extend import make_tensor

    raw = forward.tangents_by_rules(traced.out_phys, traced.leaves, tangents_phys)
    if raw is None:
        return None
    outs = []
    for r, o in zip(raw, traced.out_phys):
        t = ag.zeros_like(o.detach()) if r is None else make_tensor(r, o.backend)
        outs.append(to_logical(t, traced.levels))
    return outs


def jvp(fn: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], *,
        has_aux: bool = False) -> tuple:
    """Forward-mode product ``(fn(*primals), J @ tangents)`` (``torch.func.jvp``).

    Computed by the ops' JVP rules in one pass over the recorded graph, or, where an op
    has none (or an outer transform differentiates the result), by the double-VJP
    construction (the gradient, with respect to the cotangent, of a VJP built with
    ``create_graph=True``); with ``has_aux`` the result is ``(output, jvp_out, aux)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> out, tangent = ag.func.jvp(ag.sin, (ag.tensor([0.0]),), (ag.tensor([2.0]),))
    >>> tangent.tolist()
    [2.0]
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples (one entry per argument)")
    traced = _Traced(fn, tuple(primals), tuple(range(len(primals))), has_aux, "jvp")
    tphys = _tangents(traced, tangents, primals)
    outs = _by_rules(traced, tphys)
    if outs is None:
        us, gs = _double_vjp(traced, False)
        outs = _forward(traced, us, gs, tphys, False)
    result = (traced.value(), tree_unflatten(outs, traced.out_spec))
    return result + (traced.aux_value(),) if has_aux else result


def linearize(fn: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """Return ``(fn(*primals), jvp_fn)`` where ``jvp_fn(*tangents)`` is the JVP at
    ``primals`` (``torch.func.linearize``); the linearization is built once.

    Examples
    --------
    >>> import arraygrad as ag
    >>> out, jvp_fn = ag.func.linearize(lambda x: x ** 2, ag.tensor([3.0]))
    >>> jvp_fn(ag.tensor([1.0])).tolist()
    [6.0]
    """
    traced = _Traced(fn, primals, tuple(range(len(primals))), False, "linearize")
    us, gs = _double_vjp(traced, True)

    def jvp_fn(*tangents: Any) -> Any:
        outs = _forward(traced, us, gs, _tangents(traced, tangents, primals), True)
        return tree_unflatten(outs, traced.out_spec)

    return traced.value(), jvp_fn


# ----------------------------------------------------------------------- Jacobians
def _split_rows(rows: Any, shapes: list, tail: tuple) -> list:
    """(M, *tail) -> one (*shape_j, *tail) block per output j."""
    out = []
    pos = 0
    for shape in shapes:
        m = 1
        for s in shape:
            m *= s
        out.append(rows[pos:pos + m].reshape(tuple(shape) + tail))
        pos += m
    return out


def _basis(like: list) -> list:
    """The standard basis over the flattened tensors ``like``: one (M, *shape) per tensor."""
    import arraygrad as ag

    if not like:
        return []
    sizes = [max(int(_numel(x.shape)), 0) for x in like]
    total = sum(sizes)
    eye = ag.eye(total, dtype=like[0].dtype, device=like[0].device, backend=like[0].backend)
    out = []
    pos = 0
    for x, n in zip(like, sizes):
        out.append(eye[:, pos:pos + n].reshape((total,) + tuple(x.shape)))
        pos += n
    return out


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _restructure(blocks: list, out_spec: Any, arg_specs: list, single_arg: bool) -> Any:
    """blocks[j][i]: output j w.r.t. flattened primal leaf i -> torch.func's nesting."""
    per_out = []
    for row in blocks:
        args = []
        pos = 0
        for n, spec in arg_specs:
            args.append(tree_unflatten(row[pos:pos + n], spec))
            pos += n
        per_out.append(args[0] if single_arg else tuple(args))
    return tree_unflatten(per_out, out_spec)


def jacrev(fn: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable[..., Any]:
    """Jacobian of ``fn`` w.r.t. ``args[argnums]`` by reverse mode: ``vmap`` over ``vjp``.

    The result for output ``j`` and argument ``i`` has shape ``out_j.shape + arg_i.shape``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.func.jacrev(lambda x: x ** 2)(ag.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """

    def wrapped(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacrev")

        def partial(*diff: Any) -> Any:
            full = list(args)
            for i, d in zip(nums, diff):
                full[i] = d
            return fn(*full)

        primals = tuple(args[i] for i in nums)
        traced = _Traced(partial, primals, tuple(range(len(primals))), has_aux, "jacrev")
        outs = traced.out_flat
        basis = _basis(outs)

        def one_row(*cts: Any) -> Any:
            _, pull = vjp(lambda *p: partial(*p)[0] if has_aux else partial(*p), *primals)[:2]
            cot = tree_unflatten(list(cts), traced.out_spec)
            return tuple(tree_flatten(pull(cot))[0])

        rows = vmap(one_row, chunk_size=chunk_size)(*basis)
        primal_leaves = tree_flatten(primals)[0]
        blocks = [[None] * len(primal_leaves) for _ in outs]
        for i, (r, p) in enumerate(zip(rows, primal_leaves)):
            for j, blk in enumerate(_split_rows(r, [o.shape for o in outs], tuple(p.shape))):
                blocks[j][i] = blk
        arg_specs = traced.specs
        jac = _restructure(blocks, traced.out_spec, arg_specs, isinstance(argnums, int))
        return (jac, traced.aux_value()) if has_aux else jac

    return wrapped


def jacfwd(fn: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False,
           randomness: str = "error") -> Callable[..., Any]:
    """Jacobian of ``fn`` w.r.t. ``args[argnums]`` by forward mode: ``vmap`` over ``jvp``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.func.jacfwd(lambda x: x ** 2)(ag.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """

    def wrapped(*args: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacfwd")

        def partial(*diff: Any) -> Any:
            full = list(args)
            for i, d in zip(nums, diff):
                full[i] = d
            out = fn(*full)
            return out[0] if has_aux else out

        primals = tuple(args[i] for i in nums)
        traced = _Traced(lambda *p: fn(*[p[nums.index(i)] if i in nums else a
                                         for i, a in enumerate(args)]),
                         primals, tuple(range(len(primals))), has_aux, "jacfwd")
        primal_leaves = tree_flatten(primals)[0]
        _, pspec = tree_flatten(primals)
        basis = _basis(primal_leaves)

        def one_col(*ts: Any) -> Any:
            tangents = tree_unflatten(list(ts), pspec)
            _, out = jvp(partial, primals, tangents)
            return tuple(tree_flatten(out)[0])

        cols = vmap(one_col, randomness=randomness)(*basis)  # per output: (N, *out_shape)
        blocks = []
        for c, o in zip(cols, traced.out_flat):
            nd = c.ndim - 1
            moved = c if nd == 0 else c.permute_dims(tuple(range(1, nd + 1)) + (0,))
            pieces = []
            pos = 0
            for p in primal_leaves:
                n = _numel(p.shape)
                pieces.append(moved[..., pos:pos + n].reshape(tuple(o.shape) + tuple(p.shape)))
                pos += n
            blocks.append(pieces)
        jac = _restructure(blocks, traced.out_spec, traced.specs, isinstance(argnums, int))
        return (jac, traced.aux_value()) if has_aux else jac

    return wrapped


def hessian(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Hessian of scalar ``fn``: ``jacfwd(jacrev(fn, argnums), argnums)`` (as torch.func).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.func.hessian(lambda x: (x ** 3).sum())(ag.tensor([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    return jacfwd(jacrev(fn, argnums), argnums)


# ----------------------------------------------------------------------- modules
def functional_call(module: Any, params_and_buffers: Any, args: Any = (),
                    kwargs: dict | None = None, *, strict: bool = False) -> Any:
    """Call ``module`` with its parameters and buffers replaced by the given tensors.

    ``params_and_buffers`` maps dotted names (as ``named_parameters()``) to tensors (a dict,
    or a tuple/list of dicts). The originals are restored afterwards, even on error.

    Examples
    --------
    >>> import arraygrad as ag
    >>> lin = ag.nn.Linear(2, 1)
    >>> params = {"weight": ag.ones((1, 2)), "bias": ag.zeros(1)}
    >>> ag.func.functional_call(lin, params, (ag.tensor([[1.0, 2.0]]),)).tolist()
    [[3.0]]
    """
    if isinstance(params_and_buffers, (tuple, list)):
        merged: dict = {}
        for d in params_and_buffers:
            for k in d:
                if k in merged:
                    raise ValueError(f"functional_call: {k!r} appears in more than one dict")
            merged.update(d)
    else:
        merged = dict(params_and_buffers)
    known = dict(module.named_parameters())
    known.update(dict(module.named_buffers()))
    unknown = [k for k in merged if k not in known]
    if unknown:
        raise ValueError(f"functional_call: {type(module).__name__} has no parameter or buffer "
                         f"named {', '.join(map(repr, unknown))}")
    if strict:
        missing = [k for k in known if k not in merged]
        if missing:
            raise ValueError(f"functional_call(strict=True): missing "
                             f"{', '.join(map(repr, missing))}")
    saved = []
    try:
        for name, value in merged.items():
            owner = module
            *path, leaf = name.split(".")
            for part in path:
                owner = owner._modules[part]
            store = owner._parameters if leaf in owner._parameters else owner._buffers
            saved.append((store, leaf, store[leaf]))
            store[leaf] = value
        if not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for store, leaf, old in reversed(saved):
            store[leaf] = old


def stack_module_state(models: Sequence[Any]) -> tuple[dict, dict]:
    """Stack the parameters and buffers of same-shaped ``models`` along a new axis 0.

    Returns ``(params, buffers)`` dicts for :func:`functional_call` under :func:`vmap`
    (ensembling). Stacked parameters are new leaves that require grad.

    Examples
    --------
    >>> import arraygrad as ag
    >>> params, buffers = ag.func.stack_module_state([ag.nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape
    (4, 2, 3)
    """
    import arraygrad as ag

    models = list(models)
    if not models:
        raise ValueError("stack_module_state: expected at least one model")
    first = models[0]
    names = [n for n, _ in first.named_parameters()]
    bnames = [n for n, _ in first.named_buffers()]
    for m in models[1:]:
        if type(m) is not type(first) or [n for n, _ in m.named_parameters()] != names:
            raise ValueError("stack_module_state: all models must be of the same class with "
                             "the same parameters")
    params = {}
    for n in names:
        ps = [dict(m.named_parameters())[n] for m in models]
        params[n] = ag.stack([p.detach() for p in ps], axis=0).requires_grad_(
            any(p.requires_grad for p in ps))
    buffers = {n: ag.stack([dict(m.named_buffers())[n].detach() for m in models], axis=0)
               for n in bnames}
    return params, buffers
