"""``torch.autograd.functional``: Jacobians, Hessians and vector products of a function.

Each function calls ``func`` on copies of ``inputs`` that require grad and differentiates
with the reverse-mode engine (``autograd.grad``). ``inputs`` (and ``v``) are a Tensor or a
tuple of Tensors, and the results take the same form, as in PyTorch: a Jacobian of a
Tensor function of a Tensor is one Tensor of shape ``output.shape + input.shape``, of
tuples a tuple (per output) of tuples (per input). Results are detached unless
``create_graph=True``. An output that does not depend on an input gives zeros, or raises
under ``strict=True``. ``vectorize`` and the strategies are accepted for PyTorch's
signatures; the results do not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad.creation import zeros
from arraygrad.engine import grad as _grad
from arraygrad.grad_mode import enable_grad
from arraygrad.ops.elementwise import multiply
from arraygrad.ops.reductions import sum as _sum
from arraygrad.ops.shape import reshape, stack
from arraygrad.tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(name: str, what: str, x: Any) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether ``x`` was a tuple, its tensors)."""
    if isinstance(x, Tensor):
        return False, (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return True, tuple(x)
    raise TypeError(f"{name}: {what} must be a Tensor or a tuple of Tensors, got "
                    f"{type(x).__name__}")


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    # copies that require grad (inputs that already do keep their graph under create_graph)
    return tuple(t if create_graph and t.requires_grad else t.detach().requires_grad_(True)
                 for t in inputs)


def _call(name: str, func: Callable[..., Any], inputs: tuple[Tensor, ...]
          ) -> tuple[bool, tuple[Tensor, ...]]:
    with enable_grad():
        out = func(*inputs)
    return _as_tuple(name, "the outputs of the user-provided function", out)


def _fill(name: str, grads: tuple, inputs: tuple[Tensor, ...], strict: bool, out_index: int,
          create_graph: bool) -> tuple[Tensor, ...]:
    result = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{name}: output {out_index} of the user-provided function "
                                   f"is independent of input {i}. This is not allowed in "
                                   f"strict mode.")
            g = x.detach() * 0
        result.append(g if create_graph else g.detach())
    return tuple(result)


def _grads(outputs: tuple[Tensor, ...], inputs: tuple[Tensor, ...], cotangents: tuple,
           create_graph: bool, retain: bool = True) -> tuple:
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    with enable_grad():
        return _grad([o for o, _c in pairs], list(inputs), grad_outputs=[c for _o, c in pairs],
                     retain_graph=retain or create_graph, create_graph=create_graph,
                     allow_unused=True)


def _check_v(name: str, v: Any, like: tuple[Tensor, ...], what: str) -> tuple[Tensor, ...]:
    _, vs = _as_tuple(name, "v", v)
    if len(vs) != len(like):
        raise RuntimeError(f"{name}: v has {len(vs)} tensors but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{name}: entry {i} of v has shape {a.shape}, but the {what}'s "
                               f"entry {i} has shape {b.shape}")
    return vs


def jacobian(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
             create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: per output and input, a tensor of shape
    ``output.shape + input.shape``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, ag.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 4.0]]
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'jacobian: expected strategy to be either "forward-mode" or '
                         f'"reverse-mode", got {strategy!r}')
    in_tuple, xs = _as_tuple("jacobian", "inputs", inputs)
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call("jacobian", func, xs)
    per_output = []
    for k, out in enumerate(outs):
        flat = reshape(out, (-1,))
        rows: list[tuple[Tensor, ...]] = []
        for j in range(flat.shape[0]):
            grads = _grads((flat[j],), xs, (None,), create_graph) if out.requires_grad \
                else (None,) * len(xs)
            rows.append(_fill("jacobian", grads, xs, strict, k, create_graph))
        blocks = []
        for i, x in enumerate(xs):
            shape = tuple(out.shape) + tuple(x.shape)
            blocks.append(reshape(stack([r[i] for r in rows]), shape) if rows
                          else zeros(shape, dtype=x.dtype, device=x.device, backend=x.backend))
        per_output.append(tuple(blocks) if in_tuple else blocks[0])
    return tuple(per_output) if out_tuple else per_output[0]


def hessian(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...],
            create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of the scalar function ``func`` at ``inputs``: per pair of inputs a
    tensor of shape ``input_i.shape + input_j.shape``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0])).tolist()
    [[6.0, 0.0], [0.0, 12.0]]
    """
    in_tuple, xs = _as_tuple("hessian", "inputs", inputs)

    def gradient(*ys: Tensor) -> tuple[Tensor, ...]:
        out_tuple, outs = _call("hessian", func, ys)
        if out_tuple or outs[0].numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a single "
                               "Tensor with a single element")
        grads = _grads(outs, ys, (None,), True)
        return _fill("hessian", grads, ys, strict, 0, True)

    jac = jacobian(gradient, xs, create_graph=create_graph, strict=strict)
    return jac if in_tuple else jac[0][0]


def vjp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``; ``v`` may be omitted when ``func`` returns one element.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.autograd.functional import vjp
    >>> out, g = vjp(lambda x: (x ** 2).sum(), ag.tensor([1.0, 2.0]))
    >>> out.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """
    in_tuple, xs = _as_tuple("vjp", "inputs", inputs)
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call("vjp", func, xs)
    if v is None:
        if out_tuple or outs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        vs: tuple = (None,)
    else:
        vs = _check_v("vjp", v, outs, "output")
    grads = _grads(outs, xs, vs, create_graph, retain=False)
    result = _fill("vjp", grads, xs, strict, 0, create_graph)
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return (outs if out_tuple else outs[0]), (result if in_tuple else result[0])


def jvp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)`` (by the double-backward trick, as PyTorch computes it); ``v``
    may be omitted when the input has one element.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.autograd.functional import jvp
    >>> out, t = jvp(lambda x: x ** 2, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    >>> t.tolist()
    [2.0, 4.0]
    """
    in_tuple, xs = _as_tuple("jvp", "inputs", inputs)
    if v is None:
        if in_tuple or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        vs = tuple(x.detach() * 0 + 1 for x in xs)
    else:
        vs = _check_v("jvp", v, xs, "input")
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call("jvp", func, xs)
    dummies = tuple((o.detach() * 0).requires_grad_(True) for o in outs)
    with enable_grad():
        back = _grads(outs, xs, dummies, True)
        pairs = [(b, t) for b, t in zip(back, vs) if b is not None]
        forward = _grad([b for b, _t in pairs], list(dummies),
                        grad_outputs=[t for _b, t in pairs], create_graph=create_graph,
                        allow_unused=True) if pairs else (None,) * len(dummies)
    result = _fill("jvp", tuple(forward), tuple(o.detach() for o in outs), strict, 0,
                   create_graph)
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return (outs if out_tuple else outs[0]), (result if out_tuple else result[0])


def _hessian_vector(name: str, func: Callable[..., Any], inputs: Any, v: Any,
                    create_graph: bool, strict: bool) -> tuple[Any, Any]:
    in_tuple, xs = _as_tuple(name, "inputs", inputs)
    if v is None:
        if in_tuple or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        vs = tuple(x.detach() * 0 + 1 for x in xs)
    else:
        vs = _check_v(name, v, xs, "input")
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call(name, func, xs)
    if out_tuple or outs[0].numel() != 1:
        raise RuntimeError(f"{name}: the function given to {name} should return a single "
                           f"Tensor with a single element")
    grads = _fill(name, _grads(outs, xs, (None,), True), xs, strict, 0, True)
    with enable_grad():
        dot = sum((_sum(multiply(g, t)) for g, t in zip(grads, vs) if g.requires_grad),
                  start=outs[0].detach() * 0)
        second = _grads((dot,), xs, (None,), create_graph, retain=create_graph) \
            if dot.requires_grad else (None,) * len(xs)
    result = _fill(name, second, xs, strict, 0, create_graph)
    out = outs[0] if create_graph else outs[0].detach()
    return out, (result if in_tuple else result[0])


def vhp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T H)`` for a scalar ``func``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.autograd.functional import vhp
    >>> vhp(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))[1].tolist()
    [6.0, 12.0]
    """
    return _hessian_vector("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable[..., Any], inputs: Tensor | tuple[Tensor, ...], v: Any = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for a scalar ``func`` (equal to :func:`vhp`: a Hessian of
    a twice-differentiable function is symmetric).

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.autograd.functional import hvp
    >>> hvp(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))[1].tolist()
    [6.0, 12.0]
    """
    return _hessian_vector("hvp", func, inputs, v, create_graph, strict)
