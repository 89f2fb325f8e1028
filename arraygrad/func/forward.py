"""Forward-mode rules (``Op.jvp``) and the tangent pass that uses them.

A JVP rule is ``jvp(xp, tangents, ans, *inputs, **params) -> tangent of the output``, written
against ``xp`` like the VJP rules. ``tangents`` has one entry per input: the input's tangent,
or None where the input carries none (a constant, or a tensor the primals do not reach).
``ans`` is the op's raw output when the op saves it (``uses_ans``), else None.

:func:`tangents_by_rules` runs after ``fn`` has been evaluated on the primals: it walks the
recorded graph from the primals to the outputs in creation order (a topological order) and
applies each node's rule to raw arrays, once. That is one pass of raw kernels, where the
double-VJP construction costs a backward pass that records a graph plus a second backward
pass through it. When a node's op has no rule, the pass gives up and ``jvp`` falls back to
the double-VJP construction (see docs/func.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from arraygrad.ops.registry import OPS

__all__ = ["RULES", "tangents_by_rules", "missing_rules"]


def _plus(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", ()))


def _broadcast_shape(*xs: Any) -> tuple[int, ...]:
    shapes = [_shape(x) for x in xs]
    n = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(n):
        size = 1
        for s in shapes:
            k = i - (n - len(s))
            if k >= 0 and s[k] != 1:
                size = s[k]
        out.append(size)
    return tuple(out)


def _full(xp: Any, t: Any, *inputs: Any) -> Any:
    """``t`` broadcast to the broadcast shape of the inputs (the elementwise output)."""
    shape = _broadcast_shape(*inputs)
    return t if _shape(t) == shape else xp.broadcast_to(t, shape)


def _linear(op_name: str) -> Callable[..., Any]:
    """The rule of an op that is linear in its first input: the op applied to the tangent."""
    def rule(xp: Any, t: tuple, ans: Any, x: Any, *rest: Any, **params: Any) -> Any:
        return OPS[op_name].forward(xp, t[0], *rest, **params)

    return rule


def _unary(deriv: Callable[..., Any]) -> Callable[..., Any]:
    """An elementwise unary op: ``t * f'(x)`` (``deriv(xp, x, ans)``)."""
    def rule(xp: Any, t: tuple, ans: Any, x: Any, **params: Any) -> Any:
        return t[0] * deriv(xp, x, ans)

    return rule


def _add(xp, t, ans, a, b):
    return _full(xp, _plus(t[0], t[1]), a, b)


def _subtract(xp, t, ans, a, b):
    return _full(xp, _plus(t[0], None if t[1] is None else -t[1]), a, b)


def _multiply(xp, t, ans, a, b):
    return _full(xp, _plus(None if t[0] is None else t[0] * b,
                           None if t[1] is None else a * t[1]), a, b)


def _divide(xp, t, ans, a, b):
    return _full(xp, _plus(None if t[0] is None else t[0] / b,
                           None if t[1] is None else -(a / b) * t[1] / b), a, b)


def _pow(xp, t, ans, a, b):
    out = ans if ans is not None else a ** b
    # The exponent's term only when the exponent has a tangent (log(a) is nan for a < 0).
    return _full(xp, _plus(None if t[0] is None else t[0] * b * a ** (b - 1),
                           None if t[1] is None else t[1] * xp.log(a) * out), a, b)


def _maximum(xp, t, ans, a, b):
    # Ties split the tangent equally, as the VJP splits the gradient.
    wa = xp.where(a > b, 1.0, xp.where(a == b, 0.5, 0.0))
    return _full(xp, _plus(None if t[0] is None else t[0] * wa,
                           None if t[1] is None else t[1] * (1.0 - wa)), a, b)


def _minimum(xp, t, ans, a, b):
    wa = xp.where(a < b, 1.0, xp.where(a == b, 0.5, 0.0))
    return _full(xp, _plus(None if t[0] is None else t[0] * wa,
                           None if t[1] is None else t[1] * (1.0 - wa)), a, b)


def _where(xp, t, ans, cond, a, b):
    ta = t[1] if t[1] is not None else 0.0
    tb = t[2] if t[2] is not None else 0.0
    return _full(xp, xp.where(cond, ta, tb), cond, a, b)


def _matmul(xp, t, ans, a, b):
    return _plus(None if t[0] is None else xp.matmul(t[0], b),
                 None if t[1] is None else xp.matmul(a, t[1]))


def _linear_fused(xp, t, ans, x, w, bias):
    wt = xp.matrix_transpose(w)
    out = _plus(None if t[0] is None else xp.matmul(t[0], wt),
                None if t[1] is None else xp.matmul(x, xp.matrix_transpose(t[1])))
    out = _plus(out, t[2])
    shape = _shape(x)[:-1] + (_shape(w)[0],)
    return out if _shape(out) == shape else xp.broadcast_to(out, shape)


def _softmax(xp, t, ans, x, axis=-1):
    s = ans if ans is not None else OPS["softmax"].forward(xp, x, axis=axis)
    return s * (t[0] - xp.sum(t[0] * s, axis=axis, keepdims=True))


def _log_softmax(xp, t, ans, x, axis=-1):
    out = ans if ans is not None else OPS["log_softmax"].forward(xp, x, axis=axis)
    return t[0] - xp.sum(xp.exp(out) * t[0], axis=axis, keepdims=True)


def _logsumexp(xp, t, ans, x, axis=None, keepdims=False):
    lse = OPS["logsumexp"].forward(xp, x, axis=axis, keepdims=True)
    return xp.sum(t[0] * xp.exp(x - lse), axis=axis, keepdims=keepdims)


def _concat(xp, t, ans, *xs, **params):
    parts = [tt if tt is not None else xp.zeros_like(x) for tt, x in zip(t, xs)]
    return OPS[params.pop("_name")].forward(xp, *parts, **params)


def _variadic(name: str) -> Callable[..., Any]:
    def rule(xp: Any, t: tuple, ans: Any, *xs: Any, **params: Any) -> Any:
        return _concat(xp, t, ans, *xs, _name=name, **params)

    return rule


def _bilinear(op_name: str) -> Callable[..., Any]:
    """An op linear in each of its two inputs (convolutions): ``f(ta, b) + f(a, tb)``."""
    def rule(xp: Any, t: tuple, ans: Any, a: Any, b: Any, **params: Any) -> Any:
        fwd = OPS[op_name].forward
        return _plus(None if t[0] is None else fwd(xp, t[0], b, **params),
                     None if t[1] is None else fwd(xp, a, t[1], **params))

    return rule


def _jointly_linear(op_name: str) -> Callable[..., Any]:
    """An op linear in its inputs taken together (``index_put``, ``scatter_add``): the op
    applied to the tangents, zeros standing in for the missing ones."""
    def rule(xp: Any, t: tuple, ans: Any, *xs: Any, **params: Any) -> Any:
        parts = [tt if tt is not None else (xp.zeros_like(x) if hasattr(x, "shape") else 0.0)
                 for tt, x in zip(t, xs)]
        return OPS[op_name].forward(xp, *parts, **params)

    return rule


RULES: dict[str, Callable[..., Any]] = {
    "add": _add, "subtract": _subtract, "multiply": _multiply, "divide": _divide,
    "pow": _pow, "maximum": _maximum, "minimum": _minimum, "where": _where,
    "matmul": _matmul, "linear": _linear_fused, "softmax": _softmax,
    "log_softmax": _log_softmax, "logsumexp": _logsumexp,
    "concat": _variadic("concat"), "stack": _variadic("stack"),
    "exp": _unary(lambda xp, x, ans: ans if ans is not None else xp.exp(x)),
    "expm1": _unary(lambda xp, x, ans: (ans + 1) if ans is not None else xp.exp(x)),
    "log": _unary(lambda xp, x, ans: 1.0 / x),
    "log1p": _unary(lambda xp, x, ans: 1.0 / (1.0 + x)),
    "sqrt": _unary(lambda xp, x, ans: 0.5 / (ans if ans is not None else xp.sqrt(x))),
    "square": _unary(lambda xp, x, ans: 2.0 * x),
    "sin": _unary(lambda xp, x, ans: xp.cos(x)),
    "cos": _unary(lambda xp, x, ans: -xp.sin(x)),
    "tan": _unary(lambda xp, x, ans: 1.0 + xp.tan(x) ** 2),
    "tanh": _unary(lambda xp, x, ans: 1.0 - (ans if ans is not None else xp.tanh(x)) ** 2),
    "sigmoid": _unary(lambda xp, x, ans: (lambda s: s * (1.0 - s))(
        ans if ans is not None else 1.0 / (1.0 + xp.exp(-x)))),
    "relu": _unary(lambda xp, x, ans: xp.where(x > 0, 1.0, 0.0)),  # 0 at 0, as the VJP
    "abs": _unary(lambda xp, x, ans: xp.sign(x)),
    "log2": _unary(lambda xp, x, ans: 1.0 / (x * math.log(2.0))),
    "log10": _unary(lambda xp, x, ans: 1.0 / (x * math.log(10.0))),
    "asin": _unary(lambda xp, x, ans: 1.0 / xp.sqrt(1.0 - x * x)),
    "acos": _unary(lambda xp, x, ans: -1.0 / xp.sqrt(1.0 - x * x)),
    "atan": _unary(lambda xp, x, ans: 1.0 / (1.0 + x * x)),
    "sinh": _unary(lambda xp, x, ans: xp.cosh(x)),
    "cosh": _unary(lambda xp, x, ans: xp.sinh(x)),
    "asinh": _unary(lambda xp, x, ans: 1.0 / xp.sqrt(x * x + 1.0)),
    "acosh": _unary(lambda xp, x, ans: 1.0 / xp.sqrt(x * x - 1.0)),
    "atanh": _unary(lambda xp, x, ans: 1.0 / (1.0 - x * x)),
    "erf": _unary(lambda xp, x, ans: (2.0 / math.sqrt(math.pi)) * xp.exp(-x * x)),
    "conv2d": _bilinear("conv2d"), "conv_transpose2d": _bilinear("conv_transpose2d"),
    "index_put": _jointly_linear("index_put"), "scatter_add": _jointly_linear("scatter_add"),
}
# Linear in their (first) input: the tangent goes through the op itself.
for _name in ("negative", "positive", "sum", "mean", "reshape", "permute_dims", "expand_dims",
              "squeeze", "broadcast_to", "getitem", "index", "take", "matrix_transpose",
              "flip", "roll", "tril", "triu", "diagonal", "cumulative_sum", "clone", "astype",
              "take_along_axis"):
    RULES[_name] = _linear(_name)


def _install() -> None:
    for name, rule in RULES.items():
        if name in OPS:
            OPS[name].jvp = rule


def missing_rules() -> list[str]:
    """Names of differentiable ops without a JVP rule (``jvp`` uses the double VJP there)."""
    return sorted(name for name, op in OPS.items() if op.jvp is None and op.differentiable)


def tangents_by_rules(outputs: list, leaves: list, tangents: list) -> list | None:
    """Tangents of ``outputs`` (Tensors) given ``tangents`` of the leaf Tensors ``leaves``,
    by the JVP rules on raw arrays; None when a node on the way has no rule (or reads
    complex values, where the rules' real-linear forms are not written)."""
    known: dict[int, Any] = {id(leaf): t.array for leaf, t in zip(leaves, tangents)}
    for t in tangents:
        if t.dtype.kind == "c":
            return None
    nodes: dict[int, Any] = {}
    stack = [o.grad_fn for o in outputs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in nodes:
            continue
        if node.op.jvp is None or node.arrays is None:
            return None
        nodes[id(node)] = node
        for edge in node.edges:
            if edge is not None and not _is_leaf(edge):
                stack.append(edge)
    out_tangent: dict[int, Any] = {}
    for node in sorted(nodes.values(), key=lambda n: n.seq):
        ts: list[Any] = []
        for edge in node.edges:
            if edge is None:
                ts.append(None)
            elif _is_leaf(edge):
                ts.append(known.get(id(edge)))
            else:
                ts.append(out_tangent.get(id(edge)))
        if all(t is None for t in ts):
            out_tangent[id(node)] = None
            continue
        for a in node.arrays:
            kind = getattr(getattr(a, "dtype", None), "kind", None)
            if kind == "c" or "complex" in str(getattr(a, "dtype", "")):
                return None
        out_tangent[id(node)] = node.op.jvp(node.backend.xp, tuple(ts), node.out,
                                            *node.arrays, **node.params)
    result = []
    for o in outputs:
        if o.grad_fn is not None:
            result.append(out_tangent.get(id(o.grad_fn)))
        else:
            result.append(known.get(id(o)))
    return result


def _is_leaf(edge: Any) -> bool:
    return not hasattr(edge, "edges")


_install()
