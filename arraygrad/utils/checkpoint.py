"""``torch.utils.checkpoint``: trade compute for memory.

``checkpoint(fn, *args)`` runs ``fn`` and keeps none of the intermediate arrays its backward
would need; the backward runs ``fn`` again (with the random numbers of the first run) and
differentiates that. A model split into checkpointed segments holds one segment's
activations at a time instead of all of them.

How it differs from a plain call: nothing in the values or gradients. The first run records
its graph only long enough to learn which tensors requiring grad the result depends on (the
segment's inputs, the parameters it uses, tensors of its closure); the graph is dropped as
soon as the call returns, so the memory saved is the same as PyTorch's. ``use_reentrant``
selects PyTorch's two behaviours where they differ: with ``True`` (PyTorch's default, with
a warning when the argument is not passed) the result requires grad only when an argument
does, keyword arguments are refused and ``autograd.grad`` through it raises, as in
PyTorch; with ``False`` all three work.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from arraygrad import backend_registry
from arraygrad.autograd.function import Function, FunctionCtx
from arraygrad.engine import grad as _grad
from arraygrad.grad_mode import enable_grad, is_grad_enabled, no_grad
from arraygrad.node import Node
from arraygrad.node import _sequence as node_sequence
from arraygrad.ops.shape import concat, reshape
from arraygrad.rng_proxies import PredrawnRNG, RecordingRNG
from arraygrad.tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]

_REENTRANT_WARNING = (
    "arraygrad.utils.checkpoint: the use_reentrant parameter should be passed explicitly "
    "(as in PyTorch); without it use_reentrant=True is used. use_reentrant=False is "
    "recommended: it also handles keyword arguments, inputs that do not require grad and "
    "autograd.grad().")


# ----------------------------------------------------------------------------- RNG state
class _RNGSnapshot:
    """The random-number state of every loaded backend before a checkpointed run: the
    generator state where the RNG can report it, else the draws themselves."""

    def __init__(self) -> None:
        self.states: list[tuple[Any, Any]] = []
        self.recorded: list[tuple[Any, list]] = []
        for backend in list(backend_registry.loaded_backends()):
            rng = backend.rng
            if hasattr(rng, "get_state") and hasattr(rng, "set_state"):
                self.states.append((rng, rng.get_state()))
            else:
                drawn: list = []
                backend.rng = RecordingRNG(rng, drawn)
                self.recorded.append((backend, drawn))

    def stop_recording(self) -> None:
        for backend, _drawn in self.recorded:
            backend.rng = backend.rng.real

    def run_again(self, fn: Callable[[], Any]) -> Any:
        """``fn()`` with the random numbers of the first run; the generators are left as
        they were before this call."""
        now = [(rng, rng.get_state()) for rng, _state in self.states]
        for rng, state in self.states:
            rng.set_state(state)
        for backend, drawn in self.recorded:
            backend.rng = PredrawnRNG(backend.rng, drawn, strict=True)
        try:
            return fn()
        finally:
            for backend, _drawn in self.recorded:
                backend.rng = backend.rng.real
            for rng, state in now:
                rng.set_state(state)


# ----------------------------------------------------------------------------- the graph
def _dependencies(outputs: list[Tensor], start: int) -> list[Tensor]:
    """The tensors requiring grad that ``outputs`` depend on and that existed before the
    run began (leaves, or tensors made by nodes older than sequence number ``start``)."""
    found: dict[int, Tensor] = {}
    seen: set[int] = set()
    stack = [t._node for t in outputs if t._node is not None]
    for t in outputs:
        if t._node is None and t.requires_grad:
            found[id(t)] = t
    while stack:
        node = stack.pop()
        if node.seq in seen:
            continue
        seen.add(node.seq)
        inputs = node.inputs or ()
        for t, edge in zip(inputs, node.edges):
            if edge is None:
                continue
            if isinstance(edge, Node) and edge.seq >= start:
                stack.append(edge)
            else:  # a leaf, or a tensor of the caller's graph (a closure's non-leaf)
                found.setdefault(id(t), t)
    return list(found.values())


def _tensors_of(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for t in out if isinstance(t, Tensor)]
    raise TypeError(f"checkpoint: the function must return a Tensor or a tuple/list of "
                    f"Tensors and other values, got {type(out).__name__}")


def _flat(tensors: list[Tensor]) -> Tensor:
    return concat([reshape(t, (-1,)) for t in tensors]) if len(tensors) > 1 \
        else reshape(tensors[0], (-1,))


class _Run:
    """What one checkpointed run hands its node: the first run's outputs (flattened), how to
    run it again, and the node's tensor inputs."""

    __slots__ = ("flat", "again", "inputs")

    def __init__(self, flat: Tensor, again: Callable[[], Any], inputs: list[Tensor]) -> None:
        self.flat: Tensor | None = flat
        self.again = again
        self.inputs = inputs


class CheckpointFunction(Function):
    """One node for a checkpointed run: its output is the run's differentiable outputs,
    flattened and concatenated; its backward runs the function again and differentiates
    that run with respect to the node's tensor inputs."""

    @staticmethod
    def forward(ctx: FunctionCtx, run: _Run, *inputs: Any) -> Tensor:
        ctx.run = run  # type: ignore[attr-defined]
        flat, run.flat = run.flat, None  # the node's output holds it from here on
        assert flat is not None
        return flat

    @staticmethod
    def backward(ctx: FunctionCtx, g: Any) -> Any:
        higher_order = is_grad_enabled()
        run: _Run = ctx.run  # type: ignore[attr-defined]
        # A tensor of the caller's graph that the function reads from its closure is a
        # boundary here, like an argument: while the run is redone and differentiated it
        # looks like a leaf, so that the gradient stops at it (the caller's backward takes
        # it on from there; going on would count the caller's part twice).
        boundary = [(t, t._node) for t in run.inputs if t._node is not None]
        for t, _node in boundary:
            t._node = None
        try:
            return CheckpointFunction._differentiate(run, g, higher_order)
        finally:
            for t, node in boundary:
                t._node = node

    @staticmethod
    def _differentiate(run: _Run, g: Tensor, higher_order: bool) -> tuple:
        with enable_grad():
            outs, fresh = run.again()
        wanted = [i for i, t in enumerate(run.inputs) if t.requires_grad]
        targets = [fresh[i] for i in wanted]
        diff, pieces = [], []
        offset = 0
        for t in outs:
            n = t.numel()
            if t.requires_grad:
                diff.append(t)
                pieces.append(reshape(g[offset:offset + n], t.shape))
            offset += n
        grads: Sequence[Any] = [None] * len(targets)
        if diff and targets:
            grads = _grad(diff, targets, grad_outputs=pieces, allow_unused=True,
                          create_graph=higher_order)
        out: list[Any] = [None] * (1 + len(run.inputs))
        for i, gi in zip(wanted, grads):
            out[1 + i] = gi
        return tuple(out)


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediate arrays; backward
    runs it again.

    Parameters
    ----------
    function : callable
        Returns a Tensor, or a tuple/list of Tensors and other values.
    *args, **kwargs
        Its arguments (keyword arguments only with ``use_reentrant=False``, as in PyTorch).
    use_reentrant : bool, optional
        PyTorch's two implementations (see the module docstring); not passing it warns and
        uses ``True``, as PyTorch 2 does.
    preserve_rng_state : bool
        Give the second run the random numbers of the first (dropout masks match).

    Returns
    -------
    What ``function`` returns.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.utils.checkpoint import checkpoint
    >>> layer = ag.nn.Linear(3, 3)
    >>> x = ag.ones(2, 3, requires_grad=True)
    >>> checkpoint(layer, x, use_reentrant=False).sum().backward()
    >>> layer.weight.grad.shape, x.grad.shape
    ((3, 3), (2, 3))
    """
    if not callable(function):
        raise TypeError(f"checkpoint: function must be callable, got {type(function).__name__}")
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if not is_grad_enabled():
        return function(*args, **kwargs)
    if use_reentrant and not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      UserWarning, stacklevel=2)
        with no_grad():
            return function(*args, **kwargs)
    snapshot = _RNGSnapshot() if preserve_rng_state else None
    start = next(node_sequence)  # every node the run records is newer
    detached = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
                for a in args]
    try:
        out = function(*detached, **kwargs)
    finally:
        if snapshot is not None:
            snapshot.stop_recording()
    tensors = _tensors_of(out)
    differentiable = [t for t in tensors if t.requires_grad]
    if not differentiable:
        return out
    _check_flat(differentiable)
    arg_tensors = [a for a in args if isinstance(a, Tensor)]
    by_id = {id(d): a for d, a in zip(detached, args) if isinstance(a, Tensor)}
    # the node's inputs: the arguments as the caller passed them (their graph continues
    # into the caller's), then the parameters and closure tensors the run used
    found = [by_id.get(id(t), t) for t in _dependencies(differentiable, start)]
    inputs = arg_tensors + [t for t in found if not any(t is a for a in arg_tensors)]
    flat = _flat([t.detach() for t in differentiable])
    del differentiable, detached, found, by_id

    def again() -> tuple[list[Tensor], list[Tensor]]:
        fresh = [t.detach().requires_grad_(t.requires_grad) for t in arg_tensors]
        it = iter(fresh)
        call_args = [next(it) if isinstance(a, Tensor) else a for a in args]

        def call() -> Any:
            return function(*call_args, **kwargs)
        result = snapshot.run_again(call) if snapshot is not None else call()
        return _tensors_of(result), fresh + inputs[len(arg_tensors):]

    node_out = CheckpointFunction.apply(_Run(flat, again, inputs), *inputs)
    return _unflatten(out, tensors, node_out)


def _check_flat(tensors: list[Tensor]) -> None:
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype or t._backend is not first._backend or \
                t.device != first.device:
            raise NotImplementedError(
                f"checkpoint: outputs that require grad must share one dtype, backend and "
                f"device; got {first.dtype.name} on {first._backend.name} {first.device} and "
                f"{t.dtype.name} on {t._backend.name} {t.device}")


def _unflatten(out: Any, tensors: list[Tensor], node_out: Tensor) -> Any:
    pieces: list[Tensor] = []
    offset = 0
    for t in tensors:
        if t.requires_grad:
            n = t.numel()
            pieces.append(reshape(node_out[offset:offset + n], t.shape))
            offset += n
        else:
            pieces.append(t)
    if isinstance(out, Tensor):
        return pieces[0]
    it = iter(pieces)
    return type(out)(next(it) if isinstance(v, Tensor) else v for v in out)


def checkpoint_sequential(functions: Sequence[Callable[[Any], Any]] | Any, segments: int,
                          input: Tensor, use_reentrant: bool | None = None,  # noqa: A002
                          **kwargs: Any) -> Any:
    """Run ``functions`` (a list, or an ``nn.Sequential``) one after the other, in
    ``segments`` checkpointed groups; the last group runs normally (its activations are
    needed at once), as in PyTorch.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.utils.checkpoint import checkpoint_sequential
    >>> net = ag.nn.Sequential(ag.nn.Linear(4, 4), ag.nn.ReLU(), ag.nn.Linear(4, 1))
    >>> x = ag.ones(2, 4, requires_grad=True)
    >>> checkpoint_sequential(net, 2, x, use_reentrant=False).sum().backward()
    >>> x.grad.shape
    (2, 4)
    """
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got "
                         f"{segments!r}")
    size = len(fns) // segments

    def run(lo: int, hi: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for f in fns[lo:hi]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end + 1), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(fns))(input)
