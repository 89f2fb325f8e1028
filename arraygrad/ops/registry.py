"""The op registry and the dispatch hot path.

Every differentiable op is one :func:`defop` call: a forward and one vector-Jacobian
product per input, side by side, both written against an Array-API namespace ``xp``.
For first-order gradients the engine calls a rule with the backend's raw namespace and raw
arrays; with ``create_graph=True`` it calls the same rule with the ``arraygrad`` namespace
and Tensors, so gradients of gradients come for free. A rule returns the gradient with the
broadcast shape of the op's output; the engine sums it back to each input's shape.

Rule signature: ``vjp(xp, g, ans, *inputs, **params)`` where ``g`` is the incoming
gradient, ``ans`` the op's output (only when the op is declared ``uses_ans=True``, else
None) and ``inputs`` the op's positional inputs (arrays or Python scalars).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad import _dtypes
from arraygrad.anomaly_mode import ANOMALY, remember_stack
from arraygrad.backend_registry import BackendError, default_float
from arraygrad.grad_mode import SLOW, STATE
from arraygrad.node import Node, _sequence, make_node
from arraygrad.tensor import Tensor, _make, _register_view

__all__ = ["Op", "defop", "OPS", "apply", "unary", "binary", "unary_function", "binary_operator",
           "record", "describe", "op_error"]

_SCALARS = (int, float, bool, complex)
_EMPTY: dict[str, Any] = {}
_new = object.__new__


class Op:
    """One registered op: forward plus per-input VJP rules."""

    __slots__ = {
        "name": "Unique op name (in errors and ``grad_fn`` names).",
        "forward": "``forward(xp, *inputs, **params)`` -> array.",
        "vjps": "One VJP rule per input (a tuple), one variadic rule, or None.",
        "uses_ans": "Whether the rules read the op's output (it is saved).",
        "checks_inputs": "Whether the rules read input values (in-place writes are errors).",
        "view": "Whether the output may share memory with input 0.",
        "variadic": "Whether one rule serves every input (told which by ``argnum``).",
        "reads": "Per rule, the inputs whose values it reads (None: all, if checks_inputs).",
        "batch": "Batching rule for ``ag.func.vmap`` (None: the documented fallback).",
        "jvp": "Forward-mode rule for ``ag.func.jvp`` (None: the double-VJP construction).",
        "diagnose": "The op's error check, run once the backend has failed: "
                    "``(args, params) -> (exception class, cause) | None``.",
        "complex_grad": "How the rules treat complex inputs: ``native`` (they follow PyTorch's "
                        "convention), ``holomorphic`` (the engine conjugates around them), or "
                        "None (a complex input needing a gradient is an error).",
        "scalar_operands": "Whether the forward and the rules use a Python-number operand only "
                           "in arithmetic with the other (tensor) operand, so that it may be "
                           "a 0-d array of that operand's dtype (``+ - * /``; set by "
                           "arraygrad.ops._methods; see Backend.scalar_operands).",
        "backward_name": "PyTorch-style ``grad_fn`` name, e.g. ``MulBackward``.",
        "doc": "One line for the op list.",
    }

    def __init__(self, name: str, forward: Any, vjps: Any, uses_ans: bool, checks_inputs: bool,
                 view: bool, variadic: bool, doc: str,
                 reads: tuple[tuple[int, ...], ...] | None = None) -> None:
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.uses_ans = uses_ans
        self.checks_inputs = checks_inputs
        self.view = view
        self.variadic = variadic
        self.reads = reads
        self.batch: Callable[..., Any] | None = None
        self.jvp: Callable[..., Any] | None = None
        self.complex_grad: str | None = None
        self.diagnose: Callable[[tuple, dict], tuple[type, str] | None] | None = None
        self.scalar_operands = False
        self.backward_name = "".join(p.capitalize() for p in name.split("_")) + "Backward"
        self.doc = doc

    @property
    def differentiable(self) -> bool:
        """Whether the op has gradient rules."""
        return self.vjps is not None

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


OPS: dict[str, Op] = {}


def defop(name: str, forward: Callable[..., Any], vjps: Any = None, *, uses_ans: bool = False,
          checks_inputs: bool = True, view: bool = False, doc: str = "",
          reads: tuple[tuple[int, ...], ...] | None = None) -> Op:
    """Register an op.

    Parameters
    ----------
    name : str
        Unique op name (appears in errors and ``grad_fn`` names).
    forward : callable
        ``forward(xp, *inputs, **params)`` -> array.
    vjps : tuple of callables, a callable, or None
        A tuple: one rule per positional input (None where no gradient flows).
        A single callable: a variadic op (``concat``); it is called with ``argnum=i``.
        None: the op is not differentiable (its outputs never require grad).
    uses_ans : bool
        The rules read ``ans`` (the output), so it is saved.
    checks_inputs : bool
        The rules read input values (not only shapes), so modifying an input in place
        before backward is an error.
    view : bool
        The output is a view of input 0 (PyTorch's view semantics): it shares input 0's
        version counter, and in-place writes through it reach the base and its other views.
    reads : tuple of tuples of int, optional
        Finer than ``checks_inputs``: for each rule, the inputs whose values it reads (``mul``
        is ``((1,), (0,))``). Only those inputs are version-checked when the rule runs, so
        ``y * 2`` may be followed by an in-place write to ``y`` (as in PyTorch).
    """
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    variadic = vjps is not None and not isinstance(vjps, tuple)
    if reads is not None:
        checks_inputs = any(reads)
    op = Op(name, forward, vjps, uses_ans, checks_inputs, view, variadic, doc, reads)
    OPS[name] = op
    return op


# ----------------------------------------------------------------------------- errors
def describe(x: Any) -> str:
    """Short description of an op argument for error messages."""
    if isinstance(x, Tensor):
        return (f"Tensor(shape={x.shape}, dtype={x.dtype.name}, device={x.device!r}, "
                f"backend={x._backend.name!r})")
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


_ERROR_CLASSES = (IndexError, ZeroDivisionError, TypeError, ValueError, RuntimeError)


def broadcast_check(args: tuple, params: dict) -> tuple[type, str] | None:
    """An op's error check (``Op.diagnose``): inputs whose shapes do not broadcast.

    Backends word (and classify) the same mistake differently (PyTorch raises
    RuntimeError for a broadcast mismatch where NumPy raises ValueError); ops that declare
    this check report it one way everywhere. Runs only once the backend has failed.
    """
    shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
    if len(shapes) >= 2:
        for pair in zip(*(s[::-1] for s in shapes)):
            if len(set(pair) - {1}) > 1:
                return ValueError, (f"shapes {' and '.join(map(str, shapes))} cannot be "
                                    f"broadcast together")
    return None


def axis_check(args: tuple, params: dict) -> tuple[type, str] | None:
    """An op's error check (``Op.diagnose``): an ``axis`` parameter out of range."""
    shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
    axis = params.get("axis")
    if shapes and axis is not None:
        ndim = len(shapes[0])
        for a in axis if isinstance(axis, tuple) else (axis,):
            if isinstance(a, int) and not -max(ndim, 1) <= a < max(ndim, 1):
                return IndexError, (f"axis {a} is out of range for a tensor of {ndim} "
                                    f"dimensions (shape {shapes[0]})")
    return None


def op_error(op: Op, args: tuple, params: dict, exc: Exception) -> Exception:
    """Re-state a backend's exception with the op name, arguments and backend."""
    cls: type[Exception] = next((c for c in _ERROR_CLASSES if isinstance(exc, c)), RuntimeError)
    described = ", ".join(describe(a) for a in args)
    extra = (", " + ", ".join(f"{k}={v!r}" for k, v in params.items())) if params else ""
    diagnosis = op.diagnose(args, params) if op.diagnose is not None else None
    if diagnosis is not None:
        cls, cause = diagnosis
        return cls(f"{op.name}: {cause} ({exc}; arguments: {described}{extra})")
    return cls(f"{op.name}: {exc} (arguments: {described}{extra})")


def _mixed_backends(op: Op, args: tuple) -> BackendError:
    tensors = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)]
    parts = ", ".join(f"argument {i} on backend {a._backend.name!r}, device {a.device!r}"
                      for i, a in tensors)
    return BackendError(
        f"{op.name}: all tensors must be on the same backend; got {parts}. "
        f"Move one explicitly, e.g. x.to(backend={tensors[0][1]._backend.name!r})"
    )


def _mixed_devices(op: Op, args: tuple) -> BackendError:
    parts = ", ".join(f"argument {i} on device {a.device!r}" for i, a in enumerate(args)
                      if isinstance(a, Tensor))
    return BackendError(
        f"{op.name}: all tensors must be on the same device; got {parts} "
        f"(backend {next(a for a in args if isinstance(a, Tensor))._backend.name!r}). "
        f"Move one explicitly with .to(device=...)"
    )


# ----------------------------------------------------------------------------- dispatch
class BatchedArgument(RuntimeError):
    """A batched tensor (inside ``ag.func.vmap``) reached a place that cannot take one
    (RuntimeError, as torch.func.vmap raises for the same mistakes)."""


def _is_batched(x: Any) -> bool:
    return getattr(x.__class__, "_ag_batched", False)


def _batched(op: Op, args: tuple, params: dict) -> Any:
    # The vmap hook: reached only from slow paths (an argument that is not a Tensor or a
    # Python scalar), so the eager hot path pays nothing. Batched tensors (not Tensors)
    # mark their class with ``_ag_batched`` and carry the function that runs an op on them
    # (``_ag_dispatch``), so the registry never imports arraygrad.func, which sits above it.
    for a in args:
        if _is_batched(a):
            return a.__class__._ag_dispatch(op, args, params)
    raise AssertionError(f"{op.name}: _batched called without a batched argument")


def _not_a_tensor(op: Op, args: tuple) -> TypeError:
    return TypeError(
        f"{op.name}: expected a Tensor argument, got "
        f"{', '.join(type(a).__name__ for a in args)}; make one with ag.tensor(...) or "
        f"ag.asarray(...)"
    )


def _constant(backend: Any, value: Any) -> Any:
    """A non-Tensor operand as the backend will see it.

    Python scalars pass through. NumPy scalars and other 0-d arrays become Python scalars,
    so they don't promote the tensor's dtype (as in PyTorch: float32 * np.float64(2) stays
    float32). Anything else becomes a native array of ``backend``.
    """
    cls = value.__class__
    if cls is float or cls is int or cls is bool or cls is complex:
        return value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        return value.item()
    if isinstance(value, _SCALARS):
        return value
    if _is_batched(value):
        raise BatchedArgument(
            "a batched tensor (inside ag.func.vmap) was combined with an unbatched tensor in "
            "a way vmap cannot batch (for example an in-place write of a batched value into "
            "an unbatched tensor); make the target batched too, or use an out-of-place op")
    return backend.from_object(value)


# Saved-version tuples for inputs that were never modified in place (the common case):
# shared, so recording such an input allocates nothing for its version.
_V0 = (0,)
_V00 = (0, 0)
_V0N = (0, None)
_VN0 = (None, 0)


# Per backend: the native dtypes whose tensors take a Python-number operand as a 0-d array
# (float32 and float64 where Backend.scalar_operands is set, else none).
_SCALAR_DTYPES: dict[Any, frozenset] = {}
_EXACT_INT = 2 ** 53  # larger ints might round differently through float64


def _scalar_dtypes(backend: Any) -> frozenset:
    natives = backend.native_dtypes
    found = frozenset(natives[d] for d in (_dtypes.float32, _dtypes.float64) if d in natives) \
        if backend.scalar_operands else frozenset()
    _SCALAR_DTYPES[backend] = found
    return found


# The same dtypes as a pair ``(float32, float64)`` (None where absent), for the operator
# methods' identity test: ``dtype is f32 or dtype is f64`` costs less than hashing the dtype
# for a set (a dtype equal to one of them but not the same object takes the Python-number
# path, which gives the same values). Changing Backend.scalar_operands must clear both caches
# (as tests/test_eager_path.py does).
_SCALAR_PAIRS: dict[Any, tuple[Any, Any]] = {}


def _scalar_pair(backend: Any) -> tuple[Any, Any]:
    natives = backend.native_dtypes if backend.scalar_operands else {}
    pair = (natives.get(_dtypes.float32), natives.get(_dtypes.float64))
    _SCALAR_PAIRS[backend] = pair
    return pair


def _float_with_integer(op: Op, backend: Any, ad: Any, bd: Any) -> int:
    """PyTorch's promotion of a floating (or complex) tensor with an integer or bool one:
    the result has the floating tensor's dtype (NumPy's rule would make float32 with int64
    float64). Returns 1 when ``ad`` is the integer one, 2 when ``bd`` is, else 0."""
    kinds = backend.dtype_of
    ka, kb = kinds.get(ad.dtype), kinds.get(bd.dtype)
    if ka is None or kb is None:
        return 0
    if op.name == "subtract" and "b" in (ka.kind, kb.kind):
        raise RuntimeError(_BOOL_SUBTRACT)
    if ka.kind in "fc" and kb.kind in "iub":
        return 2
    if kb.kind in "fc" and ka.kind in "iub":
        return 1
    return 0


_BOOL_SUBTRACT = ("Subtraction, the `-` operator, with a bool tensor is not supported. If "
                  "you are trying to invert a mask, use the `~` or `logical_not()` operator "
                  "instead.")


def _with_number(op: Op, backend: Any, data: Any, cls: type) -> Any:
    """An array about to meet a Python number, cast where PyTorch's promotion differs
    from NumPy's: an integer or bool array with a ``float`` computes in the default
    floating dtype (``int_tensor * 0.5`` and ``int_tensor / 2`` are float32 by default;
    NumPy's rule gives float64), a bool array with an ``int`` in int64 (``bool_tensor **
    2``; NumPy: int8), and a bool array is refused by subtraction, as PyTorch does. Other
    arrays unchanged."""
    dtype = backend.dtype_of.get(data.dtype)
    if dtype is None:
        return data
    if dtype.kind == "b" and op.name == "subtract":
        raise RuntimeError(_BOOL_SUBTRACT)  # PyTorch's refusal, for every operand
    if dtype.kind in "iub" and (cls is float or op.name == "divide"):
        return backend.xp.astype(data, backend.native_dtype(default_float(backend)))
    if cls is int and dtype.kind == "b":
        return backend.xp.astype(data, backend.native_dtype(_dtypes.int64))
    return data


def _scalar_operand(op: Op, backend: Any, data: Any, value: Any) -> Any:
    """A Python number about to meet the array ``data`` in ``op``: a 0-d array of
    ``data``'s dtype when the op and the backend take one (see Op.scalar_operands), so that
    the forward kernel and the gradient rule share one conversion; else the number."""
    if not op.scalar_operands:
        return value
    dtypes = _SCALAR_DTYPES.get(backend)
    if dtypes is None:
        dtypes = _scalar_dtypes(backend)
    dtype = data.dtype
    if dtype in dtypes and (value.__class__ is float or -_EXACT_INT <= value <= _EXACT_INT):
        return backend.xp.asarray(value, dtype=dtype)
    return value


def unary(op: Op, x: Tensor, params: dict = _EMPTY) -> Tensor:
    """Apply a one-input op to a Tensor (the hot path for elementwise math)."""
    try:
        backend = x._backend
    except AttributeError:
        if _is_batched(x):
            return _batched(op, (x,), params)
        raise _not_a_tensor(op, (x,)) from None
    try:
        out = op.forward(backend.xp, x._data, **params) if params else \
            op.forward(backend.xp, x._data)
    except Exception as exc:
        raise op_error(op, (x,), params, exc) from exc
    # ``not SLOW[0]``: every thread records and anomaly detection is off (grad_mode.SLOW).
    if x.requires_grad and (not SLOW[0] or STATE.enabled) and op.vjps is not None:
        # record(), written out for one Tensor input (the tensor is made without calling
        # its constructor; tests check that every slot of both is set).
        node = Node()
        node.op = op
        node.seq = next(_sequence)
        node.backend = backend
        node.links = (x, x._node or x)  # the input, then its edge (see Node)
        node.n_inputs = 1
        node.params = params
        if op.checks_inputs or op.uses_ans:
            cell = x._version
            node.versions = _V0 if cell is None or cell[0] == 0 else (cell[0],)
        else:
            node.versions = None
        node.hooks = None
        node.retained = None
        result = _new(Tensor)
        result._data = out
        result._backend = backend
        result._node = node
        result.requires_grad = True
        result._grad = None
        result._view = None
        result._views = None
        if op.uses_ans:
            node.out = out
            node.out_version = result._version = [0]
        else:
            node.out = None
            node.out_version = None
            result._version = None
        if SLOW[0] and ANOMALY.enabled:
            remember_stack(node)
    else:
        result = _make(out, backend, None)
    if op.view:
        _register_view(result, x, (op, params))
    return result


def binary(op: Op, a: Any, b: Any) -> Tensor:
    """Apply a two-input op; either input may be a Python scalar or a foreign array."""
    if isinstance(a, Tensor):
        backend = a._backend
        ad = a._data
        a_tensor = True
        if isinstance(b, Tensor):
            if b._backend is not backend:
                raise _mixed_backends(op, (a, b))
            bd = b._data
            if backend.multi_device and backend.device_of(ad) != backend.device_of(bd):
                raise _mixed_devices(op, (a, b))
            b_tensor = True
            if ad.dtype is not bd.dtype:  # one identity test in the common case
                mixed = _float_with_integer(op, backend, ad, bd)
                if mixed == 1:  # a is the integer tensor: a constant of b's dtype
                    ad = a = backend.xp.astype(ad, bd.dtype)
                    a_tensor = False
                elif mixed == 2:
                    bd = b = backend.xp.astype(bd, ad.dtype)
                    b_tensor = False
        else:
            cls = b.__class__
            if cls is float or cls is int:
                # _scalar_operand(op, backend, ad, b), written out (the hot path of x * 2.0)
                if op.scalar_operands:
                    dtypes = _SCALAR_DTYPES.get(backend)
                    if dtypes is None:
                        dtypes = _scalar_dtypes(backend)
                    dtype = ad.dtype
                    bd = backend.xp.asarray(b, dtype=dtype) if dtype in dtypes and (
                        cls is float or -_EXACT_INT <= b <= _EXACT_INT) else b
                else:
                    bd = b
                if bd is b:  # an integer tensor (or a backend without scalar operands)
                    ad = _with_number(op, backend, ad, cls)
            else:
                if _is_batched(b):
                    return _batched(op, (a, b), _EMPTY)
                bd = b = _constant(backend, b)
            b_tensor = False
    else:
        if not isinstance(b, Tensor):
            if _is_batched(a) or _is_batched(b):
                return _batched(op, (a, b), _EMPTY)
            raise _not_a_tensor(op, (a, b))
        if _is_batched(a):
            return _batched(op, (a, b), _EMPTY)
        backend = b._backend
        bd = b._data
        cls = a.__class__
        if cls is float or cls is int:
            ad = _scalar_operand(op, backend, bd, a)
            if ad is a:
                bd = _with_number(op, backend, bd, cls)
        else:
            ad = a = _constant(backend, a)
        a_tensor = False
        b_tensor = True
    try:
        out = op.forward(backend.xp, ad, bd)
    except Exception as exc:
        raise op_error(op, (a, b), _EMPTY, exc) from exc
    a_grad = a_tensor and a.requires_grad
    if not ((a_grad or b_tensor and b.requires_grad) and (not SLOW[0] or STATE.enabled)
            and op.vjps is not None):
        return _make(out, backend, None)
    # record(), written out for two inputs (either may be a constant).
    b_grad = b_tensor and b.requires_grad
    node = Node()
    node.op = op
    node.seq = next(_sequence)
    node.backend = backend
    # The inputs as the forward saw them (a converted scalar operand included), then edges.
    node.links = (a if a_tensor else ad, b if b_tensor else bd,
                  (a._node or a) if a_grad else None, (b._node or b) if b_grad else None)
    node.n_inputs = 2
    node.params = _EMPTY
    if op.checks_inputs or op.uses_ans:
        va = vb = None
        if a_tensor:
            cell = a._version
            va = 0 if cell is None else cell[0]
        if b_tensor:
            cell = b._version
            vb = 0 if cell is None else cell[0]
        if va == 0:
            node.versions = _V00 if vb == 0 else (_V0N if vb is None else (0, vb))
        elif va is None and vb == 0:
            node.versions = _VN0
        else:
            node.versions = (va, vb)
    else:
        node.versions = None
    node.hooks = None
    node.retained = None
    result = _new(Tensor)
    result._data = out
    result._backend = backend
    result._node = node
    result.requires_grad = True
    result._grad = None
    result._view = None
    result._views = None
    if op.uses_ans:
        node.out = out
        node.out_version = result._version = [0]
    else:
        node.out = None
        node.out_version = None
        result._version = None
    if SLOW[0] and ANOMALY.enabled:
        remember_stack(node)
    return result


def unary_function(op: Op, name: str, doc: str) -> Callable[[Tensor], Tensor]:
    """``f(x)`` for a one-input op without parameters (``ag.tanh``): :func:`unary` written
    out with ``op`` bound, so that a call is one Python frame instead of two."""

    def f(x: Tensor, /) -> Tensor:
        try:
            backend = x._backend
        except AttributeError:
            return unary(op, x)  # a batched tensor, or not a Tensor: unary() says which
        try:
            out = op.forward(backend.xp, x._data)
        except Exception as exc:
            raise op_error(op, (x,), _EMPTY, exc) from exc
        if x.requires_grad and (not SLOW[0] or STATE.enabled) and op.vjps is not None:
            # as in unary()
            node = Node()
            node.op = op
            node.seq = next(_sequence)
            node.backend = backend
            node.links = (x, x._node or x)
            node.n_inputs = 1
            node.params = _EMPTY
            if op.checks_inputs or op.uses_ans:
                cell = x._version
                node.versions = _V0 if cell is None or cell[0] == 0 else (cell[0],)
            else:
                node.versions = None
            node.hooks = None
            node.retained = None
            result = _new(Tensor)
            result._data = out
            result._backend = backend
            result._node = node
            result.requires_grad = True
            result._grad = None
            result._view = None
            result._views = None
            if op.uses_ans:
                node.out = out
                node.out_version = result._version = [0]
            else:
                node.out = None
                node.out_version = None
                result._version = None
            if SLOW[0] and ANOMALY.enabled:
                remember_stack(node)
        else:
            result = _make(out, backend, None)
        if op.view:
            _register_view(result, x, (op, _EMPTY))
        return result

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


def binary_operator(op: Op, name: str, reflected: bool,
                    defers: Callable[[Any], bool]) -> Callable[[Tensor, Any], Tensor]:
    """The Tensor operator method ``name`` (``__mul__``; ``__rmul__`` when ``reflected``)
    for ``op``: :func:`binary` written out for a Python ``float`` or ``int`` operand
    (``y * 0.5``, ``2 - y``), so that such a call is one Python frame instead of two; any
    other operand goes to :func:`binary`, or gets NotImplemented when ``defers(other)``
    (a foreign array type that handles operators with Tensors itself). ``self`` may be a
    batched tensor of ``ag.func.vmap`` (which borrows Tensor's operators): binary() takes it."""

    def method(self: Tensor, other: Any) -> Tensor:
        cls = other.__class__
        if cls is not float and cls is not int:
            if cls is not Tensor and cls is not bool and cls is not complex and defers(other):
                return NotImplemented
            return binary(op, other, self) if reflected else binary(op, self, other)
        try:
            backend = self._backend
        except AttributeError:  # a batched tensor (ag.func.vmap borrows these methods)
            return binary(op, other, self) if reflected else binary(op, self, other)
        data = self._data
        xp = backend.xp
        operand = other
        if op.scalar_operands:  # as _scalar_operand()
            try:
                f32, f64 = _SCALAR_PAIRS[backend]
            except KeyError:
                f32, f64 = _scalar_pair(backend)
            if f32 is not None or f64 is not None:
                dtype = data.dtype
                if (dtype is f32 or dtype is f64) and (
                        cls is float or -_EXACT_INT <= other <= _EXACT_INT):
                    operand = xp.asarray(other, dtype=dtype)
        if operand is other:  # an integer tensor (or a backend without scalar operands)
            data = _with_number(op, backend, data, cls)
        try:
            out = op.forward(xp, operand, data) if reflected else op.forward(xp, data, operand)
        except Exception as exc:
            raise op_error(op, (other, self) if reflected else (self, other), _EMPTY,
                           exc) from exc
        if not (self.requires_grad and (not SLOW[0] or STATE.enabled) and op.vjps is not None):
            return _make(out, backend, None)
        # as in binary(), for one Tensor input and one constant
        node = Node()
        node.op = op
        node.seq = next(_sequence)
        node.backend = backend
        edge = self._node or self
        if op.checks_inputs or op.uses_ans:
            cell = self._version
            v = 0 if cell is None else cell[0]
            if reflected:
                node.links = (operand, self, None, edge)
                node.versions = _VN0 if v == 0 else (None, v)
            else:
                node.links = (self, operand, edge, None)
                node.versions = _V0N if v == 0 else (v, None)
        else:
            node.links = (operand, self, None, edge) if reflected else (self, operand, edge, None)
            node.versions = None
        node.n_inputs = 2
        node.params = _EMPTY
        node.hooks = None
        node.retained = None
        result = _new(Tensor)
        result._data = out
        result._backend = backend
        result._node = node
        result.requires_grad = True
        result._grad = None
        result._view = None
        result._views = None
        if op.uses_ans:
            node.out = out
            node.out_version = result._version = [0]
        else:
            node.out = None
            node.out_version = None
            result._version = None
        if SLOW[0] and ANOMALY.enabled:
            remember_stack(node)
        return result

    method.__name__ = name
    method.__doc__ = f"``{op.name}(other, self)``." if reflected else f"``{op.name}(self, other)``."
    return method


def _version_of(x: Any) -> int | None:
    if isinstance(x, Tensor):
        cell = x._version
        return 0 if cell is None else cell[0]
    return None


# ----------------------------------------------------------------------------- recording
def record(op: Op, backend: Any, out: Any, args: tuple, params: dict = _EMPTY) -> Tensor:
    """Wrap ``out`` in a Tensor whose ``grad_fn`` is a new Node: ``op`` applied to ``args``.

    The one way a graph node is made (ops, transfers and custom Functions all come here;
    :func:`unary` and :func:`binary` write the same steps out inline). ``args`` are the
    op's positional inputs (Tensors or constants, as the forward saw them: the first-order
    rules read each Tensor's array). Each input Tensor's version is saved when any rule
    reads input values or the output (``create_graph`` recomputes the output from the
    inputs); a saved output gets a fresh version counter, so a later in-place write to it
    (or to a ``detach()`` alias) is caught at backward.
    """
    if args.__class__ is not tuple:  # a list from a caller: the node keeps a tuple
        args = tuple(args)
    edges = tuple((a._node or a) if isinstance(a, Tensor) and a.requires_grad else None
                  for a in args)
    versions = tuple(_version_of(a) for a in args) if op.checks_inputs or op.uses_ans \
        else None
    if op.uses_ans:
        node = make_node(op, backend, args, params, out, edges, versions)
        result = _make(out, backend, node)
        node.out_version = result._version = [0]
    else:
        node = make_node(op, backend, args, params, None, edges, versions)
        result = _make(out, backend, node)
    if SLOW[0] and ANOMALY.enabled:
        remember_stack(node)
    return result


def apply(op: Op, args: tuple, params: dict = _EMPTY) -> Tensor:
    """Apply any op to a tuple of positional inputs (Tensors or constants)."""
    backend = None
    for a in args:
        if isinstance(a, Tensor):
            if backend is None:
                backend = a._backend
            elif a._backend is not backend:
                raise _mixed_backends(op, args)
        elif _is_batched(a):
            return _batched(op, args, params)
    if backend is None:
        raise TypeError(f"{op.name}: expected at least one Tensor argument, got "
                        f"{', '.join(describe(a) for a in args)}")
    if backend.multi_device:
        devices = {backend.device_of(a._data) for a in args if isinstance(a, Tensor)}
        if len(devices) > 1:
            raise _mixed_devices(op, args)
    arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
    try:
        out = op.forward(backend.xp, *arrays, **params)
    except Exception as exc:
        raise op_error(op, args, params, exc) from exc
    recording = False
    if (not SLOW[0] or STATE.enabled) and op.vjps is not None:
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                recording = True
                break
    result = record(op, backend, out, args, params) if recording else \
        _make(out, backend, None)
    if op.view and isinstance(args[0], Tensor):
        _register_view(result, args[0], (op, params))
    return result
