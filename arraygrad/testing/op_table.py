"""The op table: one row per op case, the single source for every op test.

The project's op tests (values against NumPy, gradients by finite differences, values and
gradients against PyTorch) and the backend conformance kit both read :data:`CASES`. A new
op is one ``defop`` entry plus one row here; ``tests/test_ops.py`` fails while any name in
``ag.OPS`` is exercised by no row.

A row's ``fn(xp, *inputs)`` is written against an Array-API namespace: it runs with
``xp = arraygrad`` on Tensors, and, unless the row gives ``ref``/``torch``, with
``xp = numpy`` on NumPy arrays (the value reference) and with ``array_api_compat.torch`` on
torch tensors (the gradient oracle).

Examples
--------
>>> from arraygrad.testing.op_table import CASES, by_name
>>> case = by_name("sin")
>>> case.op, case.shapes
('sin', ((2, 3),))
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "OpCase", "CASES", "FEATURES", "by_name", "sample_inputs", "to_tensors",
    "backend_features", "missing_features", "numpy_reference", "torch_reference",
    "has_dtype",
]

Shape = tuple[int, ...]
# A domain is a name from _DOMAINS or a callable (rng, shape) -> numpy array.
Domain = Any

# Features a row may need beyond the Array-API core, with the words the kit prints.
FEATURES: dict[str, str] = {
    "float64": "float64",
    "int_array_mixed": "integer-array indexing mixed with slices",
    "int_array_multi": "indexing with several integer arrays",
    "bool_mask": "boolean-mask indexing",
    "linalg": "the linalg extension",
    "fft": "the fft extension",
}


@dataclass(frozen=True)
class OpCase:
    """One op case.

    Attributes
    ----------
    name : str
        Unique id, e.g. ``"sum[axis=1]"``.
    op : str
        The ``ag.OPS`` entry the row is about (grouping and messages).
    fn : callable
        ``fn(xp, *inputs)`` with ``xp`` the arraygrad namespace (or NumPy / torch, see
        ``ref`` and ``torch``).
    shapes : tuple of shapes
        One shape per input.
    domain : tuple
        One domain per input: ``"real"`` (-2, 2), ``"positive"`` (0.5, 2), ``"unit"``
        (-0.9, 0.9), ``"gt1"`` (1.2, 3), ``"nonzero"`` (|x| in 0.5..2), ``"distinct"`` (all
        elements of every ``distinct`` input at least 0.2 apart: no ties),
        ``"non_integer"`` (k + 0.2..0.8), ``"int"``, ``"bool"``, ``"special"`` (nan, inf,
        -0.0, ...) or a callable ``(rng, shape) -> ndarray``.
    make : callable or None
        ``make(rng) -> list of ndarrays`` replacing per-input domains (joint constraints).
    ref : callable or None
        ``ref(np, *arrays)`` NumPy reference; None: ``fn`` with ``xp = numpy``.
    torch : callable or None
        ``torch(torch, *tensors)``; None: ``fn`` with ``xp = array_api_compat.torch``.
    differentiable : bool
        False for ops without gradient rules: their outputs must not require grad.
    grad_args : tuple of int or None
        Inputs that get gradients (default: every floating input).
    gradcheck : bool
        False where finite differences are meaningless (ties); PyTorch still checks.
    tol32, tol64 : (rtol, atol)
        Value tolerances for float32 and float64 inputs.
    needs : tuple of str
        Keys of :data:`FEATURES` the row needs (``float64`` is implied for gradchecks).
    order : int
        The highest derivative order checked: 2 adds a second-order check (gradgradcheck
        through ``create_graph``), as JAX's ``LAX_GRAD_OPS`` carries its order.
    errors : tuple of (description, call, exception class, message pattern)
        Bad input for the op: ``call(xp, *inputs)`` on the row's tensors must raise that
        class with a message matching the pattern (which names the op and the shapes).
    """

    name: str
    op: str
    fn: Callable[..., Any]
    shapes: tuple[Shape, ...]
    domain: tuple[Domain, ...]
    make: Callable[[np.random.Generator], list] | None = None
    ref: Callable[..., Any] | None = None
    torch: Callable[..., Any] | None = None
    differentiable: bool = True
    grad_args: tuple[int, ...] | None = None
    gradcheck: bool = True
    tol32: tuple[float, float] = (2e-5, 2e-6)
    tol64: tuple[float, float] = (1e-9, 1e-11)
    needs: tuple[str, ...] = ()
    order: int = 1
    errors: tuple[tuple[str, Callable[..., Any], type, str], ...] = ()

    def __repr__(self) -> str:
        return f"OpCase({self.name!r})"


# ------------------------------------------------------------------------------ inputs
def _distinct(rng: np.random.Generator, total: int) -> np.ndarray:
    # Shuffled values 0.25 apart (plus a little jitter): no two elements tie.
    return (rng.permutation(total) - total / 2) * 0.25 + rng.uniform(0.0, 0.05, total)


def _special(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    pool = np.array([0.0, -0.0, 1.5, -2.0, np.nan, np.inf, -np.inf, 3.25])
    return rng.permutation(np.resize(pool, int(np.prod(shape))))[: int(np.prod(shape))] \
        .reshape(shape)


_DOMAINS: dict[str, Callable[[np.random.Generator, Shape], np.ndarray]] = {
    "real": lambda rng, s: rng.uniform(-2.0, 2.0, s),
    "positive": lambda rng, s: rng.uniform(0.5, 2.0, s),
    "unit": lambda rng, s: rng.uniform(-0.9, 0.9, s),
    "gt1": lambda rng, s: rng.uniform(1.2, 3.0, s),
    "nonzero": lambda rng, s: rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 2.0, s),
    "non_integer": lambda rng, s: rng.integers(-3, 3, s) + rng.uniform(0.2, 0.8, s),
    "int": lambda rng, s: rng.integers(-5, 6, s).astype(np.int64),
    "bool": lambda rng, s: rng.random(s) < 0.5,
    "special": _special,
}


def sample_inputs(case: OpCase) -> list[np.ndarray]:
    """Deterministic NumPy inputs for ``case`` (float64 for floating inputs)."""
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    if case.make is not None:
        return [np.asarray(a) for a in case.make(rng)]
    total = sum(int(np.prod(s)) for s, d in zip(case.shapes, case.domain) if d == "distinct")
    pool = iter(_distinct(rng, total))
    out = []
    for shape, domain in zip(case.shapes, case.domain):
        if domain == "distinct":
            n = int(np.prod(shape))
            out.append(np.array([next(pool) for _ in range(n)]).reshape(shape))
        elif callable(domain):
            out.append(np.asarray(domain(rng, shape)))
        else:
            out.append(np.asarray(_DOMAINS[domain](rng, shape)))
    return out


def _is_float(a: np.ndarray) -> bool:
    return a.dtype.kind == "f"


def cast_inputs(arrays: Sequence[np.ndarray], dtype: str) -> list[np.ndarray]:
    """Floating inputs rounded to ``dtype`` (then held in float64 for references)."""
    return [a.astype(dtype).astype(np.float64) if _is_float(a) else a for a in arrays]


def grad_args(case: OpCase, arrays: Sequence[np.ndarray]) -> tuple[int, ...]:
    """Indices of the inputs that get gradients."""
    if not case.differentiable:
        return ()
    if case.grad_args is not None:
        return case.grad_args
    return tuple(i for i, a in enumerate(arrays) if _is_float(a))


def to_tensors(case: OpCase, arrays: Sequence[np.ndarray], dtype: str, backend: Any = None,
               requires_grad: bool = True) -> list[Any]:
    """Tensors on ``backend`` for ``arrays``; floating ones in ``dtype``."""
    import arraygrad as ag

    wanted = grad_args(case, arrays) if requires_grad else ()
    out = []
    for i, a in enumerate(arrays):
        t = ag.asarray(np.ascontiguousarray(a.astype(dtype) if _is_float(a) else a),
                       backend=backend, copy=True)
        if i in wanted:
            t.requires_grad_(True)
        out.append(t)
    return out


def numpy_reference(case: OpCase, arrays: Sequence[np.ndarray]) -> Any:
    """The expected value, computed by NumPy on copies of ``arrays``."""
    copies = [np.array(a, copy=True) for a in arrays]
    if case.ref is not None:
        return case.ref(np, *copies)
    return case.fn(np, *copies)


def torch_reference(case: OpCase, tensors: Sequence[Any]) -> Any:
    """The row evaluated by PyTorch on ``tensors`` (torch tensors)."""
    import torch

    if case.torch is not None:
        return case.torch(torch, *tensors)
    import array_api_compat.torch as txp

    return case.fn(txp, *tensors)


# ---------------------------------------------------------------------------- features
def has_dtype(backend: Any, name: str) -> bool:
    """Whether ``backend`` has the arraygrad dtype called ``name``."""
    from arraygrad import _dtypes

    return _dtypes.DTYPES[name] in backend.native_dtypes


def _probe(fn: Callable[[], Any]) -> bool:
    try:
        fn()
    except Exception:
        return False
    return True


def backend_features(backend: Any) -> dict[str, bool]:
    """Which :data:`FEATURES` ``backend`` has, found by trying each on a tiny array."""
    xp = backend.xp
    a = xp.reshape(xp.arange(6), (2, 3))
    idx = xp.asarray([0, 1, 0])
    return {
        "float64": has_dtype(backend, "float64"),
        "int_array_mixed": _probe(lambda: a[idx, 1:]),
        "int_array_multi": _probe(lambda: a[idx, idx]),
        "bool_mask": _probe(lambda: a[a > 2]),
        "linalg": getattr(xp, "linalg", None) is not None,
        "fft": getattr(xp, "fft", None) is not None,
    }


def missing_features(case: OpCase, backend: Any, extra: Sequence[str] = ()) -> list[str]:
    """Readable names of the features ``case`` needs that ``backend`` lacks."""
    have = backend_features(backend)
    return [FEATURES[f] for f in (*case.needs, *extra) if not have[f]]


# ------------------------------------------------------------------------------ the rows
_ROWS: list[OpCase] = []


def _row(name: str, fn: Callable[..., Any], shapes: Sequence[Shape],
         domain: Sequence[Domain] | Domain = "real", *, op: str | None = None,
         **options: Any) -> None:
    shapes = tuple(tuple(s) for s in shapes)
    if not isinstance(domain, (tuple, list)):
        domain = (domain,) * len(shapes)
    _ROWS.append(OpCase(name=name, op=op or name.split("[")[0], fn=fn, shapes=shapes,
                        domain=tuple(domain), **options))


def _row_order2(*args: Any, **options: Any) -> None:
    """A row whose gradients are also checked to second order (``order=2``)."""
    _row(*args, order=2, **options)


M23 = (2, 3)

# Arithmetic, with broadcasting and Python scalars on either side.
_row("add", lambda xp, a, b: a + b, [M23, (3,)])
_row("add[broadcast2]", lambda xp, a, b: xp.add(a, b), [(2, 1), (1, 3)])
_row("add[scalar]", lambda xp, a: 2.5 + a, [M23])
_row("add[0d]", lambda xp, a, b: a + b, [(), M23])
_row("subtract", lambda xp, a, b: a - b, [M23, (2, 1)])
_row("subtract[rscalar]", lambda xp, a: 1.5 - a, [M23])
_row("subtract[scalar]", lambda xp, a: a - 1.5, [M23])
_row_order2("multiply", lambda xp, a, b: a * b, [(2, 1, 3), (2, 3)],
            errors=(("shapes that do not broadcast", lambda xp, a, b: a * xp.ones((4,)),
                     ValueError, r"multiply.*\(2, 1, 3\) and \(4,\) cannot be broadcast"),))
_row("multiply[scalar]", lambda xp, a: 3.0 * a, [M23])
_row_order2("divide", lambda xp, a, b: a / b, [M23, (3,)], ("real", "nonzero"))
_row("divide[rscalar]", lambda xp, a: 2.0 / a, [M23], "nonzero")
_row("divide[scalar]", lambda xp, a: a / 4.0, [M23])
_row("reciprocal", lambda xp, a: xp.reciprocal(a), [M23], "nonzero", op="divide")
_row_order2("pow", lambda xp, a, b: a ** b, [M23, M23], ("positive", "real"))
_row("pow[int]", lambda xp, a: a ** 3, [M23])
_row("pow[half]", lambda xp, a: a ** 0.5, [M23], "positive")
_row_order2("pow[rscalar]", lambda xp, a: 2.0 ** a, [M23])
_row("pow[fn]", lambda xp, a, b: xp.pow(a, b), [(3,), ()], ("positive", "real"))
_row("negative", lambda xp, a: -a, [M23])
_row("negative[fn]", lambda xp, a: xp.negative(a), [M23])
_row("positive", lambda xp, a: xp.positive(a), [M23])


def _remainder_inputs(rng: np.random.Generator) -> list:
    # a / b = k + 0.2..0.8, so floor(a / b) is locally constant (no jump under eps).
    b = rng.uniform(1.0, 2.0, (3,))
    q = rng.integers(-3, 3, M23) + rng.uniform(0.2, 0.8, M23)
    return [q * b, b]


def _floordiv_inputs(rng: np.random.Generator) -> list:
    # Exact binary fractions whose quotients are never integers: no rounding dispute.
    b = rng.choice([0.5, 2.0, -4.0], (3,))
    q = rng.integers(-3, 3, M23) + rng.choice([0.25, 0.5, 0.75], M23)
    return [q * b, b]


_row("remainder", lambda xp, a, b: a % b, [M23, (3,)], make=_remainder_inputs)
_row("remainder[scalar]", lambda xp, a: xp.remainder(a, 1.0), [M23], "non_integer")
_row("floor_divide", lambda xp, a, b: a // b, [M23, (3,)], make=_floordiv_inputs,
     differentiable=False)
_row("floor_divide[rscalar]", lambda xp, a: 8.0 // a, [(4,)],
     make=lambda rng: [np.array([3.0, -3.0, 5.0, 0.75])], differentiable=False)
_row("floor_divide[int]", lambda xp, a, b: xp.floor_divide(a, b), [M23, (3,)],
     make=lambda rng: [rng.integers(-9, 9, M23), np.array([2, -3, 4])], differentiable=False)

# Two-input math.
_row("maximum", lambda xp, a, b: xp.maximum(a, b), [M23, (3,)], "distinct")
_row("minimum", lambda xp, a, b: xp.minimum(a, b), [M23, M23], "distinct")


def _ties(rng: np.random.Generator) -> list:
    a = rng.integers(-2, 3, M23).astype(np.float64)
    b = np.where(rng.random(M23) < 0.5, a, rng.integers(-2, 3, M23))
    return [a, b]


_row("maximum[ties]", lambda xp, a, b: xp.maximum(a, b), [M23, M23], make=_ties,
     gradcheck=False)
_row("minimum[ties]", lambda xp, a, b: xp.minimum(a, b), [M23, M23], make=_ties,
     gradcheck=False)
_row_order2("atan2", lambda xp, a, b: xp.atan2(a, b), [M23, M23], "nonzero")
_row("hypot", lambda xp, a, b: xp.hypot(a, b), [M23, (3,)], "nonzero")
_row_order2("logaddexp", lambda xp, a, b: xp.logaddexp(a, b), [M23, (2, 1)])
_row("copysign", lambda xp, a, b: xp.copysign(a, b), [M23, M23], "nonzero")

# One-input math.
for _name, _domain in [("exp", "real"), ("expm1", "real"), ("log", "positive"),
                       ("log1p", "positive"), ("log2", "positive"), ("log10", "positive"),
                       ("sqrt", "positive"), ("square", "real"), ("sin", "real"),
                       ("cos", "real"), ("tan", "unit"), ("asin", "unit"), ("acos", "unit"),
                       ("atan", "real"), ("sinh", "real"), ("cosh", "real"),
                       ("tanh", "real"), ("asinh", "real"), ("acosh", "gt1"),
                       ("atanh", "unit"), ("abs", "nonzero"), ("sign", "nonzero"),
                       ("floor", "non_integer"), ("ceil", "non_integer"),
                       ("round", "non_integer"), ("trunc", "non_integer")]:
    _row(_name, (lambda f: lambda xp, a: getattr(xp, f)(a))(_name), [M23], _domain,
         order=2 if _name in ("exp", "log", "sqrt", "sin", "tanh", "abs") else 1)
_row("abs[operator]", lambda xp, a: abs(a), [M23], "nonzero")
_row_order2("sigmoid", lambda xp, a: xp.sigmoid(a), [M23], ref=lambda np, a: 1 / (1 + np.exp(-a)),
     torch=lambda torch, a: torch.sigmoid(a))
_row_order2("relu", lambda xp, a: xp.relu(a), [M23], "nonzero", ref=lambda np, a: np.maximum(a, 0),
     torch=lambda torch, a: torch.relu(a))


def _clip_domain(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    # Away from the clip bounds +-0.5, where the gradient jumps.
    magnitude = rng.choice([0.1, 0.3, 0.7, 0.9, 1.2], shape) + rng.uniform(-0.05, 0.05, shape)
    return rng.choice([-1.0, 1.0], shape) * magnitude


_row_order2("clip", lambda xp, a: xp.clip(a, min=-0.5, max=0.5), [M23], _clip_domain)
_row("clip[min]", lambda xp, a: xp.clip(a, min=-0.5), [M23], _clip_domain)
_row("clip[max]", lambda xp, a: xp.clip(a, max=0.5), [M23], _clip_domain)
_row("clip[tensor_bounds]", lambda xp, a, lo, hi: xp.clip(a, min=lo, max=hi),
     [M23, (3,), (3,)], op="clip",
     make=lambda rng: [np.array([[0.1, 0.5, 1.4], [-0.8, 0.9, 2.2]]),
                       np.array([-0.3, 0.2, 1.0]), np.array([0.3, 0.7, 2.0])])
_row_order2("where", lambda xp, c, a, b: xp.where(c, a, b), [M23, M23, (3,)],
     ("bool", "real", "real"))
_row("where[scalar]", lambda xp, c, a: xp.where(c, a, 0.0), [M23, M23], ("bool", "real"))

# Comparisons, logic and bit operations: not differentiable, boolean or integer results.


def _comparable(rng: np.random.Generator) -> list:
    # Small integers held as floats: equal pairs are frequent and exact.
    return [rng.integers(-2, 3, M23).astype(np.float64),
            rng.integers(-2, 3, (3,)).astype(np.float64)]


for _name, _fn in [("equal", lambda xp, a, b: a == b), ("not_equal", lambda xp, a, b: a != b),
                   ("less", lambda xp, a, b: a < b), ("less_equal", lambda xp, a, b: a <= b),
                   ("greater", lambda xp, a, b: a > b),
                   ("greater_equal", lambda xp, a, b: a >= b)]:
    _row(_name, _fn, [M23, (3,)], make=_comparable, differentiable=False)
    _row(_name + "[fn]", (lambda f: lambda xp, a, b: getattr(xp, f)(a, b))(_name),
         [M23, (3,)], make=_comparable, differentiable=False)
_row("less[scalar]", lambda xp, a: a < 0.5, [M23], differentiable=False)
for _name in ("logical_and", "logical_or", "logical_xor"):
    _row(_name, (lambda f: lambda xp, a, b: getattr(xp, f)(a, b))(_name), [M23, (3,)], "bool",
         differentiable=False)
_row("logical_not", lambda xp, a: xp.logical_not(a), [M23], "bool", differentiable=False)
_row("bitwise_and", lambda xp, a, b: a & b, [M23, (3,)], "int", differentiable=False)
_row("bitwise_or", lambda xp, a, b: a | b, [M23, (3,)], "int", differentiable=False)
_row("bitwise_xor", lambda xp, a, b: a ^ b, [M23, (3,)], "int", differentiable=False)
_row("bitwise_and[bool]", lambda xp, a, b: a & b, [M23, M23], "bool", differentiable=False)
_row("bitwise_invert", lambda xp, a: ~a, [M23], "int", differentiable=False)
for _name in ("isnan", "isinf", "isfinite", "signbit"):
    _row(_name, (lambda f: lambda xp, a: getattr(xp, f)(a))(_name), [(2, 4)], "special",
         differentiable=False)

# Reductions.
_row("sum", lambda xp, a: xp.sum(a), [M23])
_row_order2("sum[axis=1]", lambda xp, a: xp.sum(a, axis=1), [M23],
            errors=(("axis out of range", lambda xp, a: xp.sum(a, axis=2), IndexError,
                     r"sum: axis 2 is out of range for a tensor of 2 dimensions"),))
_row("sum[axis=(0,2),keepdims]", lambda xp, a: xp.sum(a, axis=(0, 2), keepdims=True),
     [(2, 2, 3)])
_row("sum[axis=-1,keepdims]", lambda xp, a: xp.sum(a, axis=-1, keepdims=True), [M23])
_row("mean", lambda xp, a: xp.mean(a), [M23])
_row_order2("mean[axis=0]", lambda xp, a: xp.mean(a, axis=0), [M23])
_row("mean[axis=(1,2),keepdims]", lambda xp, a: xp.mean(a, axis=(1, 2), keepdims=True),
     [(2, 2, 3)])
_row("prod", lambda xp, a: xp.prod(a), [M23], "nonzero")
_row_order2("prod[axis=1]", lambda xp, a: xp.prod(a, axis=1), [(3, 3)], "nonzero")
_row("prod[zeros]", lambda xp, a: xp.prod(a, axis=1, keepdims=True), [(3, 3)],
     # Row 0: one zero (its gradient is the product of the others); row 1: two zeros.
     make=lambda rng: [np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0], [0.5, -1.5, 2.0]])])
_row_order2("var", lambda xp, a: xp.var(a), [M23])
_row("var[axis=1,correction=1]", lambda xp, a: xp.var(a, axis=1, correction=1), [M23],
     op="var")
_row_order2("std", lambda xp, a: xp.std(a, axis=0), [(3, 2)])
_row("std[correction=1,keepdims]",
     lambda xp, a: xp.std(a, axis=1, correction=1, keepdims=True), [M23], op="std")
_row("max", lambda xp, a: xp.max(a), [M23], "distinct")
_row_order2("max[axis=1]", lambda xp, a: xp.max(a, axis=1), [M23], "distinct")
_row("max[axis=0,keepdims]", lambda xp, a: xp.max(a, axis=0, keepdims=True), [M23],
     "distinct")
_row("min", lambda xp, a: xp.min(a), [M23], "distinct")
_row("min[axis=-1]", lambda xp, a: xp.min(a, axis=-1), [(2, 2, 3)], "distinct")
_row("max[ties]", lambda xp, a: xp.max(a, axis=1), [M23], gradcheck=False,
     make=lambda rng: [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])])
_row("min[ties]", lambda xp, a: xp.min(a), [M23], gradcheck=False,
     make=lambda rng: [np.array([[-1.0, 3.0, -1.0], [2.0, 0.0, 2.0]])])
_row_order2("logsumexp", lambda xp, a: xp.logsumexp(a, axis=1),
     [M23], ref=lambda np, a: np.log(np.sum(np.exp(a), axis=1)),
     torch=lambda torch, a: torch.logsumexp(a, dim=1))
_row("logsumexp[all,keepdims]", lambda xp, a: xp.logsumexp(a, axis=None, keepdims=True),
     [M23], ref=lambda np, a: np.log(np.sum(np.exp(a), keepdims=True)),
     torch=lambda torch, a: torch.logsumexp(a.reshape(-1), dim=0).reshape(1, 1))
_row("logsumexp[large]", lambda xp, a: xp.logsumexp(a * 1000.0, axis=-1), [M23],
     ref=lambda np, a: np.max(a * 1000.0, axis=-1) + np.log(np.sum(np.exp(
         a * 1000.0 - np.max(a * 1000.0, axis=-1, keepdims=True)), axis=-1)),
     torch=lambda torch, a: torch.logsumexp(a * 1000.0, dim=-1),
     # Values near 1000: compare relatively; finite differences lose digits there.
     tol32=(1e-5, 1e-3), gradcheck=False)
_row_order2("cumulative_sum", lambda xp, a: xp.cumulative_sum(a, axis=1), [M23])
_row("cumulative_sum[include_initial]",
     lambda xp, a: xp.cumulative_sum(a, axis=0, include_initial=True), [M23],
     torch=lambda torch, a: torch.cat([torch.zeros_like(a[:1]), torch.cumsum(a, 0)], 0))
_row("argmax", lambda xp, a: xp.argmax(a, axis=1), [M23], "distinct", differentiable=False)
_row("argsort", lambda xp, a: xp.argsort(a, axis=1), [M23], "distinct", differentiable=False)
_row("argsort[descending]", lambda xp, a: xp.argsort(a, axis=0, descending=True), [M23],
     "distinct", op="argsort", differentiable=False,
     ref=lambda np, a: np.argsort(-a, axis=0, stable=True),
     torch=lambda torch, a: torch.argsort(a, dim=0, descending=True, stable=True))
_row("argmin", lambda xp, a: xp.argmin(a), [M23], "distinct", differentiable=False)
_row("all", lambda xp, a: xp.all(a, axis=0), [M23], "bool", differentiable=False)
_row("any", lambda xp, a: xp.any(a), [M23], "bool", differentiable=False)

# Linear algebra.
_row("matmul", lambda xp, a, b: a @ b, [(2, 3), (3, 2)])
_row_order2("matmul[batched]", lambda xp, a, b: xp.matmul(a, b), [(2, 2, 3), (3, 2)])
_row("matmul[batch_broadcast]", lambda xp, a, b: a @ b, [(2, 1, 2, 2), (3, 2, 2)])
_row("matmul[1d@2d]", lambda xp, a, b: a @ b, [(3,), (3, 2)])
_row("matmul[2d@1d]", lambda xp, a, b: a @ b, [(2, 3), (3,)])
_row("matmul[1d@1d]", lambda xp, a, b: a @ b, [(3,), (3,)])
_row("matmul[1d@batched]", lambda xp, a, b: a @ b, [(2,), (2, 2, 3)])
_row("matmul[batched@1d]", lambda xp, a, b: a @ b, [(2, 2, 3), (3,)])
_row_order2("tensordot", lambda xp, a, b: xp.tensordot(a, b, axes=1), [(2, 3), (3, 2)])
_row("tensordot[axes=2]", lambda xp, a, b: xp.tensordot(a, b, axes=2), [(2, 2, 3), (2, 3)],
     op="tensordot")
_row("tensordot[axes=lists]", lambda xp, a, b: xp.tensordot(a, b, axes=([1, 0], [0, 2])),
     [(2, 3), (3, 2, 2)], op="tensordot")
_row("vecdot", lambda xp, a, b: xp.vecdot(a, b), [M23, (3,)])
_row("vecdot[axis=0]", lambda xp, a, b: xp.vecdot(a, b, axis=0), [M23, M23])
_row("outer", lambda xp, a, b: xp.outer(a, b), [(3,), (2,)],
     torch=lambda torch, a, b: torch.outer(a, b))
_row("matrix_transpose", lambda xp, a: xp.matrix_transpose(a), [(2, 2, 3)])
_row("matrix_transpose[mT]", lambda xp, a: a.mT, [(2, 3)])

# Shapes.
_row("reshape", lambda xp, a: xp.reshape(a, (3, -1)), [(2, 3)],
     errors=(("a size that does not fit", lambda xp, a: xp.reshape(a, (4, -1)), ValueError,
              r"reshape.*\(2, 3\)"),))
_row("reshape[flat]", lambda xp, a: xp.reshape(a, (-1,)) * 2.0, [(2, 3)])
_row("permute_dims", lambda xp, a: xp.permute_dims(a, (2, 0, 1)), [(2, 1, 3)],
     errors=(("not a permutation", lambda xp, a: xp.permute_dims(a, (0, 0, 1)), ValueError,
              r"permute_dims.*\(2, 1, 3\)"),))
_row("expand_dims", lambda xp, a: xp.expand_dims(a, axis=1), [M23])
_row("squeeze", lambda xp, a: xp.squeeze(a, axis=1), [(2, 1, 3)])
_row("squeeze[tuple]", lambda xp, a: xp.squeeze(a, axis=(0, 2)), [(1, 3, 1)])
_row_order2("broadcast_to", lambda xp, a: xp.broadcast_to(a, (2, 2, 3)), [(1, 3)])
_row("broadcast_arrays", lambda xp, a, b: xp.sum(xp.stack(xp.broadcast_arrays(a, b)), axis=0),
     [(2, 1), (3,)], op="broadcast_to")
_row("concat", lambda xp, a, b: xp.concat([a, b], axis=0), [(1, 3), (2, 3)])
_row_order2("concat[axis=1]", lambda xp, a, b, c: xp.concat((a, b, c), axis=1),
     [(2, 1), (2, 2), (2, 1)])
_row("concat[axis=None]", lambda xp, a, b: xp.concat([a, b], axis=None), [M23, (3,)])
_row("unstack", lambda xp, a: xp.unstack(a, axis=1)[1] * 2.0, [M23], op="getitem")
_row("tile", lambda xp, a: xp.tile(a, (2, 1, 3)), [M23], op="broadcast_to")
_row("repeat", lambda xp, a: xp.repeat(a, 2, axis=1), [M23], op="broadcast_to")
_row("repeat[axis=None]", lambda xp, a: xp.repeat(a, 3), [M23], op="broadcast_to")
_row("meshgrid[xy]", lambda xp, a, b: (lambda g: g[0] + 2.0 * g[1])(xp.meshgrid(a, b)),
     [(2,), (3,)], op="broadcast_to")
_row("meshgrid[ij]", lambda xp, a, b: (lambda g: g[0] * g[1])(xp.meshgrid(a, b, indexing="ij")),
     [(2,), (3,)], op="broadcast_to")
_row("diff", lambda xp, a: xp.diff(a, axis=1), [(2, 4)], op="getitem")
_row("diff[n=2]", lambda xp, a: xp.diff(a, axis=0, n=2), [(4, 2)], op="getitem")
_row_order2("stack", lambda xp, a, b: xp.stack([a, b]), [M23, M23])
_row("stack[axis=-1]", lambda xp, a, b, c: xp.stack((a, b, c), axis=-1), [(2,), (2,), (2,)])
_row("flip", lambda xp, a: xp.flip(a), [M23])
_row("flip[axis=1]", lambda xp, a: xp.flip(a, axis=1), [M23])
_row("roll", lambda xp, a: xp.roll(a, 1, axis=1), [M23],
     torch=lambda torch, a: torch.roll(a, 1, dims=1))
_row("roll[flat]", lambda xp, a: xp.roll(a, -2), [M23],
     torch=lambda torch, a: torch.roll(a, -2))
_row("tril", lambda xp, a: xp.tril(a), [(3, 3)])
_row("triu[k=1]", lambda xp, a: xp.triu(a, k=1), [(2, 3, 3)], op="triu")
_row("moveaxis", lambda xp, a: xp.moveaxis(a, 0, -1), [(2, 1, 3)], op="permute_dims")
_row("astype", lambda xp, a: xp.astype(a, a.dtype) * 2.0, [M23])
_row("astype[float64]", lambda xp, a: xp.astype(a, xp.float64) * 2.0, [M23], op="astype",
     tol32=(1e-12, 1e-12), needs=("float64",))

# Indexing: ints, slices, None, ..., boolean masks and integer arrays (repeats accumulate).
_row("getitem[int]", lambda xp, a: a[1], [M23])
_row("getitem[negative_int]", lambda xp, a: a[-1, 0], [M23], op="getitem")
_row("getitem[1d]", lambda xp, a: a[2], [(4,)], op="getitem")
_row_order2("getitem[slices]", lambda xp, a: a[1:, ::2], [(3, 3)], op="getitem")
_row("getitem[none]", lambda xp, a: a[None, 0, :], [M23], op="getitem")
_row("getitem[ellipsis]", lambda xp, a: a[..., 1], [(2, 2, 3)], op="getitem")
_row("getitem[mask]", lambda xp, a: a[xp.asarray([[True, False, True], [False, True, True]])],
     [M23], op="index", needs=("bool_mask",))
_row("getitem[mask_from_values]", lambda xp, a: a[a > 0.0], [(6,)], "nonzero",
     op="index", needs=("bool_mask",))
_row_order2("getitem[int_array_repeated]", lambda xp, a: a[[0, 2, 0, 0]], [(3,)], op="take")
_row("getitem[int_array_axis1]", lambda xp, a: a[:, [2, 0, 2]], [M23], op="take")
_row("getitem[int_arrays]", lambda xp, a: a[[0, 1, 0], [2, 2, 2]], [M23], op="index",
     needs=("int_array_multi",))
_row("getitem[int_array_and_slice]", lambda xp, a: a[[1, 0, 1], 1:], [(2, 3)],
     op="index", needs=("int_array_mixed",))
_row("take", lambda xp, a: xp.take(a, xp.asarray([2, 0, 2]), axis=1), [M23])
_row("take[flat]", lambda xp, a: xp.take(a, xp.asarray([0, 0, 1]), axis=0), [(3,)], op="take")


def _setitem_slice(xp: Any, a: Any, v: Any) -> Any:
    out = a * 1.0
    out[1:, 1] = v
    return out


def _setitem_ints(xp: Any, a: Any, v: Any) -> Any:
    out = a * 1.0
    out[[0, 2]] = v
    return out


def _setitem_scalar(xp: Any, a: Any) -> Any:
    out = a * 2.0
    out[0] = 5.0
    return out


_row_order2("index_put[slice]", _setitem_slice, [(3, 2), (2,)], op="index_put")
_row("index_put[int_array]", _setitem_ints, [(3, 2), (2,)], op="index_put")
_row("index_put[scalar]", _setitem_scalar, [M23], op="index_put")
def _fill_view(xp: Any, a: Any) -> Any:
    out = a * 2.0
    out[1:].fill_(3.0)
    return out


def _write_through_view(xp: Any, a: Any, v: Any) -> Any:
    out = a * 1.0
    out[:, 1].mul_(v)
    out.T[0].add_(v[0])
    return out


def _write_through_view_ref(np: Any, a: Any, v: Any) -> Any:
    out = a.copy()
    out[:, 1] *= v
    out.T[0] += v[0]
    return out


def _fill_view_ref(np: Any, a: Any) -> Any:
    out = a * 2.0
    out[1:] = 3.0
    return out


_row("fill[view]", _fill_view, [(3, 2)], ref=_fill_view_ref, op="fill")
_row("view_write", _write_through_view, [(2, 3), (2,)], ref=_write_through_view_ref,
     op="index_put")
_row_order2("scatter_add", lambda xp, t, v: xp.scatter_add(t, (xp.asarray([0, 2, 0]),), v),
     [(3, 2), (3, 2)],
     ref=lambda np, t, v: _numpy_scatter(t, [0, 2, 0], v),
     torch=lambda torch, t, v: t.index_add(0, torch.tensor([0, 2, 0]), v))


def _numpy_scatter(target: np.ndarray, idx: list, values: np.ndarray) -> np.ndarray:
    out = target.copy()
    np.add.at(out, idx, values)
    return out


# In-place arithmetic on a non-leaf (recorded, so gradients flow through it).
def _inplace(opname: str) -> Callable[..., Any]:
    def f(xp: Any, a: Any, b: Any) -> Any:
        out = a * 1.0
        if opname == "add":
            out += b
        elif opname == "subtract":
            out -= b
        elif opname == "multiply":
            out *= b
        else:
            out /= b
        return out

    return f


for _name in ("add", "subtract", "multiply", "divide"):
    _row(f"{_name}[inplace]", _inplace(_name), [M23, (3,)],
         ("real", "nonzero" if _name == "divide" else "real"), op=_name)


def _copy_into(xp: Any, a: Any, b: Any) -> Any:
    out = a * 1.0
    out.copy_(b)
    return out


_row("copy", _copy_into, [M23, (3,)], ref=lambda np, a, b: np.broadcast_to(b, a.shape) + 0.0,
     torch=lambda torch, a, b: (a * 1.0).copy_(b))
_row("clone", lambda xp, a: a.clone() * 2.0, [M23], ref=lambda np, a: a * 2.0,
     torch=lambda torch, a: a.clone() * 2.0)
_row("to[backend_round_trip]",
     lambda xp, a: xp.to(xp.to(a, backend="numpy") * 2.0, backend=a.backend), [M23],
     op="to", ref=lambda np, a: a * 2.0, torch=lambda torch, a: a * 2.0)

# Neural-network ops: stable for large inputs.
_row_order2("softmax", lambda xp, a: xp.softmax(a, axis=-1), [M23],
     ref=lambda np, a: np.exp(a) / np.sum(np.exp(a), axis=-1, keepdims=True),
     torch=lambda torch, a: torch.softmax(a, dim=-1))
_row("softmax[axis=0]", lambda xp, a: xp.softmax(a, axis=0), [M23], op="softmax",
     ref=lambda np, a: np.exp(a) / np.sum(np.exp(a), axis=0, keepdims=True),
     torch=lambda torch, a: torch.softmax(a, dim=0))
_row_order2("log_softmax", lambda xp, a: xp.log_softmax(a, axis=1), [M23],
     ref=lambda np, a: a - np.log(np.sum(np.exp(a), axis=1, keepdims=True)),
     torch=lambda torch, a: torch.log_softmax(a, dim=1))
_row("log_softmax[large]", lambda xp, a: xp.log_softmax(a * 1000.0, axis=1), [M23],
     op="log_softmax", gradcheck=False, tol32=(1e-5, 1e-3),
     ref=lambda np, a: _np_log_softmax(a * 1000.0, 1),
     torch=lambda torch, a: torch.log_softmax(a * 1000.0, dim=1))


def _np_log_softmax(a: np.ndarray, axis: int) -> np.ndarray:
    shifted = a - np.max(a, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _np_cross_entropy(logits: np.ndarray, target: np.ndarray, *, reduction: str = "mean",
                      label_smoothing: float = 0.0, ignore_index: int = -100,
                      weight: np.ndarray | None = None) -> np.ndarray:
    logp = _np_log_softmax(logits, -1)
    n, c = logp.shape
    if target.dtype.kind == "f":
        probs = target * (1 - label_smoothing) + label_smoothing / c
        losses = -np.sum(logp * probs * (1.0 if weight is None else weight), axis=-1)
        return {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    hot = np.eye(c)[safe] * (1 - label_smoothing) + label_smoothing / c
    w = np.ones(c) if weight is None else weight
    losses = -np.sum(logp * hot * w, axis=-1) * valid
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / np.sum(w[safe] * valid)


def _classes(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    return rng.integers(0, 4, shape).astype(np.int64)


def _ce_row(name: str, domain: Any = _classes, scale: float = 1.0, order: int = 1,
            **kw: Any) -> None:
    weighted = "weight" in kw

    def ag_fn(xp: Any, logits: Any, target: Any, *rest: Any) -> Any:
        extra = {k: v for k, v in kw.items() if k != "weight"}
        if weighted:
            extra["weight"] = rest[0]
        return xp.cross_entropy(logits * scale, target, **extra)

    def ref(np_: Any, logits: np.ndarray, target: np.ndarray, *rest: Any) -> Any:
        extra = {k: v for k, v in kw.items() if k != "weight"}
        if weighted:
            extra["weight"] = rest[0]
        return _np_cross_entropy(logits * scale, target, **extra)

    def torch_fn(torch: Any, logits: Any, target: Any, *rest: Any) -> Any:
        extra = {k: v for k, v in kw.items() if k != "weight"}
        if weighted:
            extra["weight"] = rest[0]
        return torch.nn.functional.cross_entropy(logits * scale, target, **extra)

    shapes = [(3, 4), (3,) if domain is not None and domain != "probs" else (3, 4)]
    domains: list = ["real", domain]
    if domain == "probs":
        domains[1] = lambda rng, s: rng.dirichlet(np.ones(s[-1]), s[0])
    if weighted:
        shapes.append((4,))
        domains.append("positive")
    _row(name, ag_fn, shapes, tuple(domains), op="cross_entropy", ref=ref, torch=torch_fn,
         grad_args=(0,), gradcheck=scale == 1.0, order=order,
         tol32=(2e-5, 2e-6) if scale == 1.0 else (1e-5, 1e-3))


_ce_row("cross_entropy", order=2)
_ce_row("cross_entropy[sum]", reduction="sum")
_ce_row("cross_entropy[none]", reduction="none")
_ce_row("cross_entropy[label_smoothing]", label_smoothing=0.1)
_ce_row("cross_entropy[ignore_index]",
        lambda rng, s: np.array([1, -100, 3], dtype=np.int64))
_ce_row("cross_entropy[weight]", weight=True)
_ce_row("cross_entropy[probs]", "probs")
_ce_row("cross_entropy[large_logits]", scale=1000.0)



# Layer ops (arraygrad.nn.functional): convolution and erf.
def _np_conv2d(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0,
               dilation: int = 1, groups: int = 1) -> np.ndarray:
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    ho = (h - dilation * (kh - 1) - 1) // stride + 1
    wo = (wd - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, ho, wo))
    per_group = o // groups
    for oc in range(o):
        c0 = (oc // per_group) * cg
        for i in range(ho):
            for j in range(wo):
                patch = x[:, c0:c0 + cg, i * stride:i * stride + dilation * (kh - 1) + 1:dilation,
                          j * stride:j * stride + dilation * (kw - 1) + 1:dilation]
                out[:, oc, i, j] = np.sum(patch * w[oc], axis=(1, 2, 3))
    return out


def _conv_row(name: str, shapes: Sequence[Shape], **kw: Any) -> None:
    _row(name, lambda xp, x, w: xp.nn.functional.conv2d(x, w, **kw), shapes, op="conv2d",
         ref=lambda np_, x, w: _np_conv2d(x, w, **kw),
         torch=lambda torch, x, w: torch.nn.functional.conv2d(x, w, **kw),
         tol32=(1e-4, 1e-5))


_conv_row("conv2d", [(1, 2, 4, 4), (2, 2, 3, 3)], padding=1)
_conv_row("conv2d[stride,dilation]", [(2, 1, 5, 5), (2, 1, 2, 2)], stride=2, dilation=2)
_conv_row("conv2d[groups]", [(1, 2, 3, 3), (4, 1, 2, 2)], groups=2)
def _np_conv_transpose2d(x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0,
                         output_padding: int = 0, groups: int = 1,
                         dilation: int = 1) -> np.ndarray:
    n, cin, h, wd = x.shape
    _, cog, kh, kw = w.shape
    ho = (h - 1) * stride + dilation * (kh - 1) + 1 + output_padding
    wo = (wd - 1) * stride + dilation * (kw - 1) + 1 + output_padding
    full = np.zeros((n, cog * groups, ho, wo))
    cig = cin // groups
    for ic in range(cin):
        g = ic // cig
        for i in range(h):
            for j in range(wd):
                for a in range(kh):
                    for b in range(kw):
                        full[:, g * cog:(g + 1) * cog, i * stride + a * dilation,
                             j * stride + b * dilation] += x[:, ic, i, j, None] * w[ic, :, a, b]
    return full[:, :, padding:ho - padding, padding:wo - padding]


def _convt_row(name: str, shapes: Sequence[Shape], **kw: Any) -> None:
    _row(name, lambda xp, x, w: xp.nn.functional.conv_transpose2d(x, w, **kw), shapes,
         op="conv_transpose2d", ref=lambda np_, x, w: _np_conv_transpose2d(x, w, **kw),
         torch=lambda torch, x, w: torch.nn.functional.conv_transpose2d(x, w, **kw),
         tol32=(1e-4, 1e-5))


_convt_row("conv_transpose2d", [(1, 2, 3, 3), (2, 3, 2, 2)], stride=2)
_convt_row("conv_transpose2d[pad,out_pad,dilation]", [(2, 2, 3, 2), (2, 1, 3, 2)], stride=2,
           padding=1, output_padding=1, dilation=1)
_convt_row("conv_transpose2d[groups,dilation]", [(1, 4, 2, 3), (4, 1, 2, 2)], groups=2,
           dilation=2)


def _np_max_pool2d(x: np.ndarray, k: int | tuple[int, int], s: Any = None, p: Any = 0,
                   d: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    k2, p2, d2 = (np.broadcast_to(v, 2).tolist() for v in (k, p, d))
    s2 = k2 if s is None else np.broadcast_to(s, 2).tolist()
    size = []
    for h, kk, ss, pp, dd in zip(x.shape[2:], k2, s2, p2, d2):
        span = h + 2 * pp - dd * (kk - 1) - 1
        out = (-(-span // ss) if ceil_mode else span // ss) + 1
        size.append(out - 1 if ceil_mode and (out - 1) * ss >= h + pp else out)
    xp_ = np.pad(x, ((0, 0), (0, 0), (p2[0], p2[0] + s2[0] * 2), (p2[1], p2[1] + s2[1] * 2)),
                 constant_values=-np.inf)
    out_ = np.empty(x.shape[:2] + tuple(size))
    for i in range(size[0]):
        for j in range(size[1]):
            win = xp_[:, :, i * s2[0]:i * s2[0] + d2[0] * (k2[0] - 1) + 1:d2[0],
                      j * s2[1]:j * s2[1] + d2[1] * (k2[1] - 1) + 1:d2[1]]
            out_[:, :, i, j] = win.max(axis=(2, 3))
    return out_


def _pool_row(name: str, shape: Shape, *args: Any) -> None:
    _row(name, lambda xp, a: xp.nn.functional.max_pool2d(a, *args), [shape], "distinct",
         op="max_pool2d", ref=lambda np_, a: _np_max_pool2d(a, *args),
         torch=lambda torch, a: torch.nn.functional.max_pool2d(a, *args))


# max_pool2d: windows that tile the input (kernel == stride: flat strided views) with a
# remainder cut off, and overlapping windows over padding (strided slices). Ties, NaNs,
# ceil mode, dilation and second order: tests/training/test_conv_pool_kernels.py (the
# rows are kept few: on JAX every op of a new shape compiles).
_pool_row("max_pool2d", (1, 2, 5, 7), (2, 3))
_pool_row("max_pool2d[overlap,padding]", (1, 2, 5, 6), 3, 2, 1)
# conv1d is conv2d over a height-1 image: one row checks the lowering on every backend.
_row("conv2d[conv1d]", lambda xp, x, w: xp.nn.functional.conv1d(x, w, stride=2, padding=1),
     [(2, 2, 7), (3, 2, 3)], op="conv2d",
     ref=lambda np_, x, w: _np_conv1d(x, w, 2, 1),
     torch=lambda torch, x, w: torch.nn.functional.conv1d(x, w, stride=2, padding=1),
     tol32=(1e-4, 1e-5))


def _np_conv1d(x: np.ndarray, w: np.ndarray, stride: int, padding: int) -> np.ndarray:
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    k = w.shape[2]
    lo = (x.shape[2] - k) // stride + 1
    return np.stack([np.einsum("ncl,ocl->no", x[:, :, i * stride:i * stride + k], w)
                     for i in range(lo)], axis=-1)


_row("erf", lambda xp, a: xp.nn.functional.erf(a * 1.5), [(2, 4)],
     ref=lambda np_, a: np.vectorize(math.erf)(a * 1.5),
     torch=lambda torch, a: torch.erf(a * 1.5))
# erfc into its tail (up to x = 6): the range 1 - erf would cancel to nothing
_row("erfc", lambda xp, a: xp.erfc(a * 3.0), [(2, 4)],
     ref=lambda np_, a: np.vectorize(math.erfc)(a * 3.0),
     torch=lambda torch, a: torch.erfc(a * 3.0))

# Special functions (arraygrad/ops/special.py): both branches, the reflected one (x < 0.5,
# away from the poles) and the direct one, to second order (the rules are composites).
_row_order2("lgamma", lambda xp, a: xp.lgamma(a), [(2, 4)], "non_integer",
            ref=lambda np_, a: np.vectorize(math.lgamma)(a),
            torch=lambda torch, a: torch.lgamma(a))
_row("lgamma[large]", lambda xp, a: xp.lgamma(a * 20.0), [(3,)], "positive",
     ref=lambda np_, a: np.vectorize(math.lgamma)(a * 20.0),
     torch=lambda torch, a: torch.lgamma(a * 20.0))


def _digamma_ref(x: float) -> float:
    # Reflection below 0.5, then the recurrence up by 40 and four asymptotic terms: other
    # parameters than arraygrad's (shift 10, seven terms), in plain Python floats.
    if x < 0.5:
        return _digamma_ref(1.0 - x) - math.pi / math.tan(math.pi * x)
    head = sum(1.0 / (x + k) for k in range(40))
    y = x + 40.0
    return (math.log(y) - 0.5 / y - 1 / (12 * y ** 2) + 1 / (120 * y ** 4)
            - 1 / (252 * y ** 6) + 1 / (240 * y ** 8) - head)


_row_order2("digamma", lambda xp, a: xp.digamma(a), [(2, 4)], "non_integer",
            ref=lambda np_, a: np.vectorize(_digamma_ref)(a),
            torch=lambda torch, a: torch.digamma(a))


# Fused linear layer (behind nn.Linear / nn.functional.linear): x @ weight.T + bias.
def _linear_row(name: str, x_shape: Shape) -> None:
    _row(name, lambda xp, x, w, b: xp.nn.functional.linear(x, w, b), [x_shape, (4, 3), (4,)],
         op="linear", ref=lambda np_, x, w, b: x @ w.T + b,
         torch=lambda torch, x, w, b: torch.nn.functional.linear(x, w, b))


_linear_row("linear", (2, 3))
_linear_row("linear[batched]", (2, 2, 3))
_linear_row("linear[1d]", (3,))

# ------------------------------------------------------------ PyTorch's functions (lead)
# Compositions of registered ops (arraygrad.ops.torch_functions); the torch oracle is the
# same-named torch function, the NumPy reference written out.
_IDX34 = [[0, 2, 1, 0], [2, 2, 0, 1]]


def _np_gather(a: np.ndarray, idx: list) -> np.ndarray:
    return np.take_along_axis(a, np.asarray(idx), axis=0)


def _np_scatter_add(t: np.ndarray, v: np.ndarray, idx: list) -> np.ndarray:
    out = t.copy()
    index = np.asarray(idx)
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            out[i, index[i, j]] += v[i, j]
    return out


_row("gather", lambda xp, a: a.gather(0, xp.asarray(_IDX34)), [(3, 4)],
     errors=(("index out of range", lambda xp, a: a.gather(0, xp.asarray([[3, 0, 0, 0]])),
              IndexError, r"gather: index out of range for dim 0 of size 3"),),
     ref=lambda np_, a: _np_gather(a, _IDX34))
_row("scatter_add[dim=1]", lambda xp, t, v: t.scatter_add(1, xp.asarray([[0, 2, 0], [1, 1, 3]]),
                                                          v),
     [(2, 4), (2, 3)], op="scatter_add",
     ref=lambda np_, t, v: _np_scatter_add(t, v, [[0, 2, 0], [1, 1, 3]]))
_row("scatter", lambda xp, t, v: t.scatter(1, xp.asarray([[3, 0], [1, 2]]), v),
     [(2, 4), (2, 2)],
     ref=lambda np_, t, v: np.array([[v[0, 1], t[0, 1], t[0, 2], v[0, 0]],
                                     [t[1, 0], v[1, 0], v[1, 1], t[1, 3]]]))
_row("index_add", lambda xp, t, v: t.index_add(0, xp.asarray([2, 0, 2]), v),
     [(3, 2), (3, 2)],
     ref=lambda np_, t, v: _numpy_scatter(t, [2, 0, 2], v))
_row("index_select", lambda xp, a: a.index_select(1, xp.asarray([3, 0, 3])), [(2, 4)],
     ref=lambda np_, a: a[:, [3, 0, 3]])
_row("masked_fill", lambda xp, a: a.masked_fill(a > 0.0, -1.5), [(2, 3)],
     ref=lambda np_, a: np.where(a > 0.0, -1.5, a))
_row("narrow", lambda xp, a: a.narrow(1, 1, 2) * 2.0, [(2, 4)],
     errors=(("past the end", lambda xp, a: a.narrow(1, 3, 2), IndexError,
              r"narrow: start 3 and length 2 .*size 4"),),
     ref=lambda np_, a: a[:, 1:3] * 2.0)
_row("split", lambda xp, a: a.split([1, 3], 1)[1] * 3.0, [(2, 4)],
     ref=lambda np_, a: a[:, 1:] * 3.0)
_row("chunk", lambda xp, a: a.chunk(2, 0)[1] - 1.0, [(3, 2)],
     ref=lambda np_, a: a[2:] - 1.0)
_row("movedim", lambda xp, a: a.movedim(0, 2), [(2, 3, 4)],
     ref=lambda np_, a: np.moveaxis(a, 0, 2))
_row("diag[vector]", lambda xp, a: a.diag(1), [(3,)], op="diag",
     ref=lambda np_, a: np.diag(a, 1))
_row("diag[matrix]", lambda xp, a: a.diag(-1), [(3, 4)], op="diag",
     ref=lambda np_, a: np.diag(a, -1))
_row("mm", lambda xp, a, b: a.mm(b), [(2, 3), (3, 4)], ref=lambda np_, a, b: a @ b,
     errors=(("a 1-D operand", lambda xp, a, b: a.mm(b[0]), ValueError,
              r"mm: argument 1 must be 2-D, got shape \(4,\)"),))
_row("bmm", lambda xp, a, b: a.bmm(b), [(2, 2, 3), (2, 3, 2)], ref=lambda np_, a, b: a @ b)
_row("mv", lambda xp, a, b: a.mv(b), [(2, 3), (3,)], ref=lambda np_, a, b: a @ b)
_row("lerp", lambda xp, a, b, w: a.lerp(b, w), [(2, 3), (2, 3), (3,)],
     ref=lambda np_, a, b, w: a + w * (b - a))
_row("addcmul", lambda xp, a, b, c: a.addcmul(b, c, value=0.5), [(2, 3)] * 3,
     ref=lambda np_, a, b, c: a + 0.5 * b * c)
_row("addcdiv", lambda xp, a, b, c: a.addcdiv(b, c, value=2.0), [(2, 3)] * 3,
     ("real", "real", "nonzero"), ref=lambda np_, a, b, c: a + 2.0 * b / c)
_row("sort[torch]", lambda xp, a: a.sort(1, descending=True)[0] * 1.0, [(2, 4)], "distinct",
     op="sort", ref=lambda np_, a: -np.sort(-a, axis=1))
_row("topk", lambda xp, a: a.topk(2, 1)[0] * 1.0, [(2, 4)], "distinct",
     ref=lambda np_, a: -np.sort(-a, axis=1)[:, :2])
_row("kthvalue", lambda xp, a: a.kthvalue(2, 0)[0] * 1.0, [(3, 2)], "distinct",
     ref=lambda np_, a: np.sort(a, axis=0)[1])
_row("norm", lambda xp, a: a.norm(), [(2, 3)], "nonzero", ref=lambda np_, a: np.linalg.norm(a))
_row("norm[p=1,dim]", lambda xp, a: a.norm(1, dim=1, keepdim=True), [(2, 3)], "nonzero",
     op="norm", ref=lambda np_, a: np.abs(a).sum(1, keepdims=True))
_row("dist", lambda xp, a, b: a.dist(b), [(2, 3), (3,)], ref=lambda np_, a, b: np.linalg.norm(
    a - b))
_row("cumprod", lambda xp, a: a.cumprod(1), [(2, 3)], ref=lambda np_, a: np.cumprod(a, 1))
_EINSUMS = (("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
            ("ii->i", [(3, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
            ("...ij,...jk", [(2, 2, 3), (3, 2)]), ("ijk,ikl->jl", [(2, 3, 2), (2, 2, 2)]))
for _spec, _shapes in _EINSUMS:
    _row(f"einsum[{_spec}]", lambda xp, *ts, _s=_spec: xp.einsum(_s, *ts), _shapes, op="einsum",
         ref=lambda np_, *ts, _s=_spec: np.einsum(_s, *ts),
         torch=lambda torch, *ts, _s=_spec: torch.einsum(_s, *ts))


# ====================================================================== linalg and fft
# The standard's extensions (arraygrad.linalg, arraygrad.fft). Decomposition rows return
# gauge-invariant functions (eigenvector and singular-vector signs are arbitrary), e.g.
# the rank-one terms u_i v_i^T; complex results are returned as stacked real and
# imaginary parts, and complex inputs are built from two real inputs.
def _is_ag(xp: Any) -> bool:
    return getattr(xp, "__name__", "") == "arraygrad"


def _cx(xp: Any, re: Any, im: Any) -> Any:
    if _is_ag(xp):
        from arraygrad.ops._complex import complex_from_parts

        return complex_from_parts(re, im)
    return re + 1j * im


def _parts(xp: Any, z: Any) -> Any:
    if _is_ag(xp):
        from arraygrad.ops._complex import imag, real

        return xp.stack([real(z), imag(z)])
    return xp.stack([xp.real(z), xp.imag(z)])


def _wellcond(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    # Random matrices plus a multiple of the identity: far from singular.
    return rng.uniform(-1.0, 1.0, shape) + 2.5 * np.eye(shape[-1])


def _spread_svals(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    # U diag(s) V^T with well separated singular values (svd/pinv gradients need them).
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    u = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, m)))[0][..., :, :k]
    v = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, n)))[0][..., :, :k]
    s = np.linspace(2.5, 0.8, k)
    return (u * s[None, :]) @ np.swapaxes(v, -1, -2)


_LA = {"needs": ("linalg",), "tol32": (1e-4, 1e-5)}
_FT = {"needs": ("fft",), "tol32": (1e-4, 1e-5)}


def _la(name: str, fn: Callable[..., Any], shapes: Sequence[Shape],
        domain: Sequence[Domain] | Domain = "real", **options: Any) -> None:
    _row(name, fn, shapes, domain, **{**_LA, **options})


def _ft(name: str, fn: Callable[..., Any], shapes: Sequence[Shape],
        domain: Sequence[Domain] | Domain = "real", **options: Any) -> None:
    _row(name, fn, shapes, domain, **{**_FT, **options})


def _flat(xp: Any, *parts: Any) -> Any:
    return xp.concat([xp.reshape(p, (-1,)) for p in parts])


# Squares of eigen-/singular-vector entries and of Q, R entries do not depend on signs.
def _eigh_terms(xp: Any, a: Any) -> Any:
    w, v = xp.linalg.eigh(a + a.mT)
    return _flat(xp, w, v * v)


def _qr_terms(xp: Any, a: Any) -> Any:
    q, r = xp.linalg.qr(a)
    return _flat(xp, q * q, r * r, q[..., :, :1] * r[..., :1, :])


def _svd_terms(xp: Any, a: Any, full_matrices: bool = False) -> Any:
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    return _flat(xp, u * u, s, vh * vh, u[..., :, :1] * vh[..., :1, :])


_la("inv", lambda xp, a: xp.linalg.inv(a), [(2, 3, 3)], _wellcond)
_la("det", lambda xp, a: xp.linalg.det(a), [(2, 2, 2)])
_la("det[singular]", lambda xp, a: xp.linalg.det(a), [(3, 3)], op="det",
    make=lambda rng: [np.outer(rng.uniform(-1, 1, 3), [1.0, 2.0, 0.5])
                      + np.outer(rng.uniform(-1, 1, 3), [0.3, -1.0, 1.0])])
_la("slogdet", lambda xp, a: xp.stack(list(xp.linalg.slogdet(a))), [(2, 3, 3)])
_la("solve[vector]", lambda xp, a, b: xp.linalg.solve(a, b), [(2, 3, 3), (3,)],
    (_wellcond, "real"), op="solve",
    torch=lambda torch, a, b: torch.linalg.solve(a, b.expand(2, 3)))
_la("solve[broadcast]", lambda xp, a, b: xp.linalg.solve(a, b), [(3, 3), (2, 3, 1)],
    (_wellcond, "real"), op="solve")
_la("cholesky", lambda xp, a: xp.linalg.cholesky(a @ a.mT), [(3, 5)])
_la("cholesky[upper]", lambda xp, a: xp.linalg.cholesky(a @ a.mT, upper=True), [(3, 5)],
    op="cholesky")
_la("eigh", _eigh_terms, [(3, 3)])
_la("qr", _qr_terms, [(4, 3)])
_la("qr[wide]", _qr_terms, [(2, 4)], op="qr")
_la("svd", _svd_terms, [(4, 3)], _spread_svals)
_la("svd[full_matrices]", lambda xp, a: _svd_terms(xp, a, True), [(3, 4)], _spread_svals,
    op="svd")
_la("svdvals", lambda xp, a: xp.linalg.svdvals(a), [(2, 3, 2)], _spread_svals, op="svd")
_la("pinv", lambda xp, a: xp.linalg.pinv(a), [(4, 3)], _spread_svals)
_la("pinv[rtol]", lambda xp, a: xp.linalg.pinv(a, rtol=0.1), [(3, 3)], _spread_svals,
    op="pinv")
_la("matrix_rank", lambda xp, a: xp.linalg.matrix_rank(a), [(3, 3, 2)], differentiable=False,
    make=lambda rng: [np.stack([_spread_svals(rng, (3, 2)),
                                np.outer([1.0, 2.0, 3.0], [1.0, -1.0]),
                                np.zeros((3, 2))])])
_la("diagonal[offset=1]", lambda xp, a: xp.linalg.diagonal(a, offset=1), [(3, 4)],
    op="diagonal")
_la("diagonal[offset=-1]", lambda xp, a: xp.linalg.diagonal(a, offset=-1), [(2, 4, 3)],
    op="diagonal")
_la("trace[offset]", lambda xp, a: xp.linalg.trace(a, offset=-1), [(3, 4)], op="diagonal")
_la("cross[axis=-2]", lambda xp, a, b: xp.linalg.cross(a, b, axis=-2), [(3, 2), (3, 2)],
    op="stack")
_la("matrix_power[negative]", lambda xp, a: xp.linalg.matrix_power(a, -2), [(3, 3)],
    _wellcond, op="inv")
_la("vector_norm", lambda xp, a: xp.linalg.vector_norm(a), [(2, 3)], "nonzero")
_la("vector_norm[ord=1]", lambda xp, a: xp.linalg.vector_norm(a, axis=1, ord=1), [(2, 3)],
    "nonzero", op="vector_norm")
_la("vector_norm[ord=3,keepdims]",
    lambda xp, a: xp.linalg.vector_norm(a, axis=(0, 2), ord=3, keepdims=True), [(2, 1, 3)],
    "nonzero", op="vector_norm")
_la("vector_norm[ord=inf]", lambda xp, a: xp.linalg.vector_norm(a, axis=-1, ord=math.inf),
    [(2, 3)], "distinct", op="vector_norm")
_la("matrix_norm", lambda xp, a: xp.linalg.matrix_norm(a), [(2, 3, 3)], op="vector_norm")
_la("matrix_norm[nuc]", lambda xp, a: xp.linalg.matrix_norm(a, ord="nuc"), [(4, 3)],
    _spread_svals, op="svd")
_la("matrix_norm[1]", lambda xp, a: xp.linalg.matrix_norm(a, ord=1), [(3, 3)],
    "distinct", op="vector_norm")
_ft("fft", lambda xp, a, b: _parts(xp, xp.fft.fft(_cx(xp, a, b))), [(2, 4), (2, 4)],
    op="fft_c2c")
_ft("rfft[n=5,ortho]", lambda xp, a: _parts(xp, xp.fft.rfft(a, n=5, norm="ortho")), [(2, 4)],
    op="fft_r2c")
_ft("irfft[forward]", lambda xp, a, b: xp.fft.irfft(_cx(xp, a, b), norm="forward"),
    [(2, 3), (2, 3)], op="fft_c2r")
_ft("fft[real_n_axis]", lambda xp, a: _parts(
    xp, xp.fft.fft(_cx(xp, a, a * 0.0), n=5, axis=0)), [(3, 2)], op="fft_c2c")
_ft("ifft", lambda xp, a, b: _parts(xp, xp.fft.ifft(_cx(xp, a, b), n=3)),
    [(2, 4), (2, 4)], op="fft_c2c")
_ft("fftn[s,axes]", lambda xp, a, b: _parts(xp, xp.fft.fftn(_cx(xp, a, b), s=(3, 2),
                                                              axes=(0, 2), norm="ortho")),
    [(2, 3, 3), (2, 3, 3)], op="fft_c2c")
_ft("ifftn", lambda xp, a, b: _parts(xp, xp.fft.ifftn(_cx(xp, a, b), s=(4, 2), axes=(1, 0))),
    [(3, 3), (3, 3)], op="fft_c2c")
_ft("irfft[n=5,axis=0]", lambda xp, a, b: xp.fft.irfft(_cx(xp, a, b), n=5, axis=0),
    [(3, 2), (3, 2)], op="fft_c2r")
_ft("rfftn[s,axes]", lambda xp, a: _parts(xp, xp.fft.rfftn(a, s=(3, 5), axes=(0, 1))),
    [(2, 3, 2)], op="fft_r2c")
_ft("irfftn[s,axes]", lambda xp, a, b: xp.fft.irfftn(_cx(xp, a, b), s=(3, 5), axes=(1, 2),
                                                       norm="ortho"),
    [(2, 3, 3), (2, 3, 3)], op="fft_c2r")
_ft("hfft[n=5,ortho]", lambda xp, a, b: xp.fft.hfft(_cx(xp, a, b), n=5, norm="ortho"),
    [(2, 3), (2, 3)], op="conj")
_ft("ihfft", lambda xp, a: _parts(xp, xp.fft.ihfft(a)), [(2, 4)], op="conj")
_ft("fftshift", lambda xp, a: xp.fft.fftshift(a), [(3, 4)], op="roll")
# ----------------------------------------------- namespace conformance (branch namespace)
# Functions the Array-API standard has that arraygrad lacked: sorting, searching, sets,
# cumulative products, complex parts, shifts; clip with tensor bounds; std/var as ops.
_row("clip[tensor_ties]", lambda xp, a, lo, hi: xp.clip(a, min=lo, max=hi),
     [(6,), (6,), (6,)], op="clip_tensor", gradcheck=False,
     # x on a bound, lo == hi, lo > hi: PyTorch's clamp rule (ties go to x).
     make=lambda rng: [np.array([1.0, 2.0, 0.0, 0.0, 3.0, 1.5]),
                       np.array([1.0, 1.0, 1.0, 2.0, 1.0, 2.0]),
                       np.array([1.0, 2.0, 1.0, 1.0, 2.0, 1.0])],
     torch=lambda torch, a, lo, hi: torch.clamp(a, lo, hi))
_row("clip[tensor_min]", lambda xp, a, lo: xp.clip(a, min=lo), [M23, (3,)], "distinct",
     op="clip_tensor", torch=lambda torch, a, lo: torch.clamp(a, min=lo))
_row("std[zero_variance]", lambda xp, a: xp.std(a, axis=1), [M23], op="std",
     gradcheck=False, make=lambda rng: [np.array([[1.5, 1.5, 1.5], [0.5, -1.0, 2.0]])])
_row("prod[two_zeros]", lambda xp, a: xp.prod(a), [(4,)], op="prod",
     make=lambda rng: [np.array([0.0, 1.5, 0.0, -2.0])])
_row("copysign[zeros]", lambda xp, a, b: xp.copysign(a, b), [(4,), (4,)], op="copysign",
     gradcheck=False,
     make=lambda rng: [np.array([0.0, -0.0, 1.5, -2.0]), np.array([-1.0, 1.0, -0.0, 0.0])])
_row("atan2[origin]", lambda xp, a, b: xp.atan2(a, b), [(3,), (3,)], op="atan2",
     gradcheck=False,
     make=lambda rng: [np.array([0.0, 1.0, -0.5]), np.array([0.0, 0.5, 2.0])])
_row("cumulative_prod", lambda xp, a: xp.cumulative_prod(a, axis=1), [M23],
     torch=lambda torch, a: torch.cumprod(a, 1))
_row("cumulative_prod[zeros,include_initial]",
     lambda xp, a: xp.cumulative_prod(a, axis=0, include_initial=True), [(4, 2)],
     op="cumulative_prod",
     make=lambda rng: [np.array([[1.5, 0.0], [0.0, 2.0], [-1.0, 0.0], [2.0, 0.5]])],
     torch=lambda torch, a: torch.cat([torch.ones_like(a[:1]), torch.cumprod(a, 0)], 0))
_row("sort", lambda xp, a: xp.sort(a, axis=1), [M23], "distinct", op="take_along_axis",
     torch=lambda torch, a: torch.sort(a, dim=1, stable=True).values)
_row("sort[descending]", lambda xp, a: xp.sort(a, axis=0, descending=True), [(3, 2)],
     "distinct", op="take_along_axis",
     ref=lambda np_, a: -np_.sort(-a, axis=0),
     torch=lambda torch, a: torch.sort(a, dim=0, descending=True, stable=True).values)
_row("take_along_axis", lambda xp, a: xp.take_along_axis(
    a, xp.asarray([[2, 0, 2], [1, 1, 0]]), axis=1), [M23],
    ref=lambda np_, a: np_.take_along_axis(a, np_.asarray([[2, 0, 2], [1, 1, 0]]), axis=1),
    torch=lambda torch, a: torch.take_along_dim(a, torch.tensor([[2, 0, 2], [1, 1, 0]]), 1))
_row("take_along_axis[broadcast]", lambda xp, a: xp.take_along_axis(
    a, xp.asarray([[0], [2], [1]]), axis=0), [(3, 2)], op="take_along_axis",
    ref=lambda np_, a: np_.take_along_axis(a, np_.asarray([[0], [2], [1]]), axis=0),
    torch=lambda torch, a: torch.take_along_dim(a, torch.tensor([[0], [2], [1]]), 0))
_row("repeat[array]", lambda xp, a: xp.repeat(a, xp.asarray([2, 0, 1]), axis=1), [M23],
     op="repeat_indices",
     ref=lambda np_, a: np_.repeat(a, [2, 0, 1], axis=1),
     torch=lambda torch, a: torch.repeat_interleave(a, torch.tensor([2, 0, 1]), dim=1))
_row("nonzero", lambda xp, a: xp.stack(xp.nonzero(a)), [(2, 3)], "int",
     differentiable=False, needs=("bool_mask",),
     torch=lambda torch, a: torch.stack(torch.nonzero(a, as_tuple=True)))
_row("count_nonzero", lambda xp, a: xp.count_nonzero(a, axis=1), [(2, 3)], "int",
     op="sum", differentiable=False,
     torch=lambda torch, a: torch.count_nonzero(a, dim=1))
_row("searchsorted", lambda xp, a, v: xp.searchsorted(a, v, side="right"), [(4,), (3,)],
     differentiable=False,
     make=lambda rng: [np.array([-1.0, 0.0, 0.0, 2.0]), np.array([0.0, -3.0, 1.5])],
     torch=lambda torch, a, v: torch.searchsorted(a, v, side="right"))
_row("unique_values", lambda xp, a: xp.unique_values(a), [(6,)], differentiable=False,
     needs=("bool_mask",), make=lambda rng: [np.array([3, 1, 3, -2, 1, 1])],
     ref=lambda np_, a: np_.unique(a), torch=lambda torch, a: torch.unique(a))
for _part in ("values", "indices", "inverse_indices", "counts"):
    _row(f"unique_all[{_part}]",
         (lambda p: lambda xp, a: getattr(xp.unique_all(a), p))(_part), [(6,)],
         op="unique", differentiable=False, needs=("bool_mask",),
         make=lambda rng: [np.array([3, 1, 3, -2, 1, 1])],
         ref=(lambda p: lambda np_, a: getattr(np_.unique_all(a), p))(_part),
         torch=(lambda i: lambda torch, a: (
             lambda u: (u[0], torch.tensor([3, 1, 0]), u[1], u[2])[i])(
                 torch.unique(a, return_inverse=True, return_counts=True)))(
             ("values", "indices", "inverse_indices", "counts").index(_part)))
_row("bitwise_left_shift", lambda xp, a: xp.bitwise_left_shift(a, xp.asarray([0, 1, 3])),
     [M23], "int", differentiable=False,
     torch=lambda torch, a: torch.bitwise_left_shift(a, torch.tensor([0, 1, 3])))
_row("bitwise_right_shift", lambda xp, a: xp.bitwise_right_shift(a, 1), [M23], "int",
     differentiable=False, torch=lambda torch, a: torch.bitwise_right_shift(a, 1))
# Exact in float64; in float32 the reference (computed in float64) is one float32 step off.
_row("nextafter", lambda xp, a, b: xp.nextafter(a, b), [M23, M23], differentiable=False,
     tol32=(2.5e-7, 0.0), tol64=(0.0, 0.0))


def _complex(xp: Any, a: Any, b: Any) -> Any:
    return a + b * 1j


_row("real", lambda xp, a, b: xp.real(_complex(xp, a, b) * _complex(xp, b, a)), [M23, M23],
     ref=lambda np_, a, b: np_.real((a + 1j * b) * (b + 1j * a)),
     torch=lambda torch, a, b: torch.real((a + 1j * b) * (b + 1j * a)))
_row("imag", lambda xp, a, b: xp.imag(_complex(xp, a, b) / _complex(xp, 2.0, b)),
     [M23, M23],
     ref=lambda np_, a, b: np_.imag((a + 1j * b) / (2.0 + 1j * b)),
     torch=lambda torch, a, b: torch.imag((a + 1j * b) / (2.0 + 1j * b)))
_row("conj", lambda xp, a, b: xp.imag(xp.conj(_complex(xp, a, b)) * _complex(xp, b, 1.5)),
     [M23, M23],
     ref=lambda np_, a, b: np_.imag(np_.conj(a + 1j * b) * (b + 1.5j)),
     torch=lambda torch, a, b: torch.imag(torch.conj(a + 1j * b) * (b + 1.5j)))
_row("real[real_input]", lambda xp, a: xp.real(a) * 2.0, [M23], op="positive",
     torch=lambda torch, a: torch.real(a) * 2.0)

# tns: erfinv (arraygrad/ops/special.py), against an inverse of math.erf by bisection;
# into the tails too (|x| up to 0.999999, where the Newton steps run on log erfc).


def _erfinv_ref(x: float) -> float:
    lo, hi = 0.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if (math.erfc(mid) > 1 - abs(x)) if abs(x) > 0.5 else (math.erf(mid) < abs(x)):
            lo = mid
        else:
            hi = mid
    return math.copysign((lo + hi) / 2, x)


_row_order2("erfinv", lambda xp, a: xp.erfinv(a), [(2, 4)], "unit",
            ref=lambda np_, a: np.vectorize(_erfinv_ref)(a),
            torch=lambda torch, a: torch.erfinv(a))
_row("erfinv[tails]", lambda xp, a: xp.erfinv(a * 1.111111), [(2, 3)], "unit",
     ref=lambda np_, a: np.vectorize(_erfinv_ref)(a * 1.111111),
     torch=lambda torch, a: torch.erfinv(a * 1.111111), tol32=(1e-4, 1e-5))

CASES: tuple[OpCase, ...] = tuple(_ROWS)


def by_name(name: str) -> OpCase:
    """The row called ``name``."""
    for case in CASES:
        if case.name == name:
            return case
    raise KeyError(f"no op-table row named {name!r}")


def _check_unique() -> None:
    seen: set[str] = set()
    for case in CASES:
        if case.name in seen:
            raise ValueError(f"duplicate op-table row {case.name!r}")
        seen.add(case.name)


_check_unique()
