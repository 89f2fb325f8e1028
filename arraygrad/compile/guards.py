"""Finding a step's state (modules, optimizers) and the guard key it is replayed under."""

from __future__ import annotations

import dis
import functools
import itertools
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arraygrad.backend_registry import creation_state, current_backend, get_default_dtype
from arraygrad.grad_mode import is_grad_enabled
from arraygrad.nn.module import Module
from arraygrad.optim.optimizer import Optimizer
from arraygrad.tensor import Tensor

_SCALARS = (bool, int, float, complex, str, type(None))


class Unsupported(Exception):
    """An argument or a piece of state the compiler cannot guard (the message says which)."""


def _collect(obj: Any, modules: list, opts: list, seen: set, loose: list | None = None
             ) -> None:
    if id(obj) in seen:
        return
    if isinstance(obj, Tensor):
        # Every tensor of the closure or globals is state read at call time, not only the
        # leaves that require grad: a data tensor baked in as a constant replayed the old
        # batch after the global was rebound, and computations on it that no kernel call
        # shows (a label range check) went stale when it was written in place.
        if loose is not None:
            seen.add(id(obj))
            loose.append(obj)
    elif isinstance(obj, np.ndarray) or hasattr(obj, "__array_namespace__"):
        # a raw array of the closure or globals (``ag.tensor(BATCH)`` in the step) reaches
        # the kernels as a constant captured by reference: guarded by identity, so that
        # rebinding the name records again instead of replaying the old array
        if loose is not None:
            seen.add(id(obj))
            loose.append(obj)
    elif isinstance(obj, Module):
        seen.add(id(obj))
        modules.append(obj)
    elif isinstance(obj, Optimizer):
        seen.add(id(obj))
        opts.append(obj)
    elif type(obj).__name__ == "CompiledFunction" and callable(getattr(obj, "fn", None)):
        seen.add(id(obj))  # a compiled step called by this one: what it reaches counts
        inner_m, inner_o = discover(obj.fn, (), {}, seen)  # seen: no cycles, no twins
        for m in inner_m:
            if isinstance(m, list):
                if loose is not None:
                    loose.extend(m)
            else:
                modules.append(m)
        opts.extend(inner_o)
    elif type(obj) in (tuple, list):
        for v in obj:
            _collect(v, modules, opts, seen, loose)
    elif type(obj) is dict:
        for v in obj.values():
            _collect(v, modules, opts, seen, loose)
    elif plain_object(obj):
        # a trainer or settings object: the modules, optimizers and tensors it holds
        # directly (``self.model``, ``self.opt``), guarded by identity in the probe
        seen.add(id(obj))
        for v in held_state(obj).values():
            _collect(v, modules, opts, seen, loose)


def plain_object(v: Any) -> bool:
    """An instance of an ordinary class (its attributes in an instance dict): not a
    function, class, Python module, array, tensor, module or optimizer."""
    return type(getattr(v, "__dict__", None)) is dict and not isinstance(
        v, (type, types.ModuleType, types.FunctionType, types.MethodType, Tensor, Module,
            Optimizer, np.ndarray, functools.partial)) \
        and type(v).__name__ != "CompiledFunction"


def held_state(obj: Any) -> dict[str, Any]:
    """The attributes of a plain object that are state: modules, optimizers, tensors and
    arrays (containers are not searched: a dataset's list of samples stays out)."""
    return {k: v for k, v in vars(obj).items()
            if isinstance(v, (Module, Optimizer, Tensor, np.ndarray))
            or hasattr(type(v), "__array_namespace__")}


_GLOBAL_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL"})


def _names(code: types.CodeType, out: list) -> None:
    """The global names ``code`` (and the code nested in it) reads or writes; not
    ``co_names`` as a whole, which also holds every attribute name (``model.w`` would
    make a global ``w`` part of the step)."""
    out.extend(_global_names(code))


def python_writes(fn: Any, modules: Sequence = ()) -> str | None:
    """Why ``fn`` cannot be replayed when its code, or the user code it reaches (see
    :func:`reached_functions`), assigns a global or a variable of an enclosing function
    (``global n; n += 1``, ``nonlocal``): a replay runs the recorded kernels, not the step's
    Python, so that state would only change on the calls that record. None when none does."""
    for f in reached_functions(fn, modules):
        target = type(f).forward if isinstance(f, Module) else f
        code = getattr(getattr(target, "__func__", target), "__code__", None)
        found = None if code is None else _python_writes(code, True)
        if found is not None:
            return found
    return None


@functools.lru_cache(maxsize=256)
def _python_writes(code: types.CodeType, outermost: bool) -> str | None:
    for ins in dis.get_instructions(code):
        if ins.opname in ("STORE_GLOBAL", "DELETE_GLOBAL"):
            what = f"the global {ins.argval!r}"
        elif outermost and ins.opname in ("STORE_DEREF", "DELETE_DEREF") \
                and ins.argval in code.co_freevars:
            what = f"the variable {ins.argval!r} of an enclosing function (nonlocal)"
        else:
            continue
        return (f"{code.co_name} assigns {what}: a replay runs the recorded kernels, not "
                f"the step's Python, so it would change only on the calls that record; "
                f"keep such state outside the compiled step")
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            found = _python_writes(c, False)
            if found is not None:
                return found
    return None


@functools.lru_cache(maxsize=256)
def _global_names(code: types.CodeType) -> tuple[str, ...]:
    # (disassembling costs about 100 us per call; a code object never changes)
    names = [ins.argval for ins in dis.get_instructions(code) if ins.opname in _GLOBAL_OPS]
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names.extend(_global_names(c))
    return tuple(names)


def discover(fn: Any, args: tuple, kwargs: dict, _seen: set | None = None
             ) -> tuple[list, list]:
    """The Modules and Optimizers a step can reach: its arguments, its bound ``self``, its
    closure and the globals its code names (one level: attributes are not followed).
    Tensors found in the closure or globals count as a module's parameters and buffers
    (the last entry of ``modules`` is then a list of them): read at call time, guarded by
    identity, shape, dtype and ``requires_grad``."""
    modules: list = []
    opts: list = []
    loose: list = []
    seen: set = set() if _seen is None else _seen  # shared with nested compiled steps
    _collect(list(args), modules, opts, seen)
    _collect(dict(kwargs), modules, opts, seen)
    target = fn
    if isinstance(fn, Module):
        _collect(fn, modules, opts, seen)
        target = type(fn).forward
    self_ = getattr(target, "__self__", None)
    if self_ is not None:
        _collect(self_, modules, opts, seen, loose)
    func = getattr(target, "__func__", target)
    code = getattr(func, "__code__", None)
    if code is not None:
        for cell in (getattr(func, "__closure__", None) or ()) + _default_slots(func):
            try:
                _collect(cell.cell_contents, modules, opts, seen, loose)
            except ValueError:  # an empty cell
                pass
        names: list = []
        _names(code, names)
        g = getattr(func, "__globals__", {})
        for n in names:
            if n in g:
                _collect(g[n], modules, opts, seen, loose)
    if loose:
        modules.append(loose)
    return modules, opts


def _value_key(v: Any, where: str) -> Any:
    if isinstance(v, _SCALARS):
        return (type(v), v)
    if type(v) in (tuple, list):
        return (type(v), tuple(_value_key(x, where) for x in v))
    raise Unsupported(f"{where} is a {type(v).__name__}; compiled steps take tensors, numbers, "
                      f"strings, None and tuples/lists of them")


def _read_at_call(v: Any) -> bool:
    """A Python number the recording reads at call time (optimizer step counters and other
    numeric state, learning rates): guarded by its type only."""
    return type(v) is int or type(v) is float


def _number_key(v: Any) -> tuple:
    return ("number read at call time", type(v))


def _array_key(a: Any) -> tuple:
    return (tuple(a.shape), str(a.dtype))


def module_tensors(m: Module) -> list[tuple[str, Tensor | None]]:
    """``m``'s own buffers and the plain tensors it holds as attributes (``self.scale =
    ag.ones(3)``, not registered): both are state a replay reads where they are at call
    time (an attribute baked in as a constant was replayed after it was rebound)."""
    out: list[tuple[str, Tensor | None]] = list(m.named_buffers(recurse=False))
    out += [(k, v) for k, v in vars(m).items() if isinstance(v, Tensor)]
    return out


def _tensor_key(t: Tensor) -> tuple:
    g = t.grad
    a = t.array
    flags = getattr(a, "flags", None)
    return (id(t), a.shape, a.dtype, t.requires_grad, None if g is None else g.array.shape,
            None if flags is None else flags.c_contiguous)


def _python_key(v: Any, depth: int = 0) -> Any:
    """A Python value the step may read, as the guard compares it: numbers, strings and
    None by value (the recording bakes them in), containers element by element, tensors,
    arrays, modules and optimizers not at all (they are state, guarded on their own), any
    other object by identity."""
    if isinstance(v, _SCALARS) or isinstance(v, np.generic):
        return (type(v), v)
    if isinstance(v, (Tensor, Module, Optimizer, np.ndarray)) or \
            hasattr(v, "__array_namespace__"):
        return ("state",)
    if type(v) in (tuple, list) and depth < 3:
        return (type(v), tuple(_python_key(x, depth + 1) for x in v))
    if type(v) is dict and depth < 3:
        return (dict, tuple((k, _python_key(x, depth + 1)) for k, x in v.items()))
    return ("object", id(v))


def _module_attributes(m: Module) -> tuple:
    """``m``'s own attributes besides parameters, buffers and submodules (``p`` of a
    Dropout, ``eps`` of a norm, ``self.alpha`` of a user's module), as guarded values."""
    return tuple((k, _python_key(v)) for k, v in vars(m).items()
                 if k not in ("_parameters", "_buffers", "_modules"))


def python_values(fn: Any, modules: Sequence = ()) -> tuple:
    """The Python values of the closure cells and named globals of ``fn`` and of the
    user code it reaches (see :func:`all_sources`), as guarded values (a number read there
    is baked into the recording)."""
    values: list = []
    for cells, g, names in all_sources(fn, modules):
        for cell in cells:
            try:
                values.append(_python_key(cell.cell_contents))
            except ValueError:  # an empty cell
                values.append(("empty",))
        values += [(n, _python_key(g[n])) for n in names if n in g]
    values.append(attribute_values(attribute_reads(fn, modules)))
    return tuple(values)


MISSING = object()
_LOAD_ROOT = {"LOAD_GLOBAL": "g", "LOAD_NAME": "g", "LOAD_DEREF": "d"}


@functools.lru_cache(maxsize=256)
def _attribute_chains(code: types.CodeType) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The attribute reads of ``code`` that start at a global (``"g"``), a closure variable
    (``"d"``) or a local (``"f"``): ``config.scale`` is ``("g", "config", ("scale",))``.
    Nested code (lambdas, comprehensions) is scanned too; its free variables are the
    enclosing function's, so only its globals count there."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    chain: tuple[str, str, tuple[str, ...]] | None = None
    for ins in dis.get_instructions(code):
        if chain is not None and ins.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            chain = (chain[0], chain[1], chain[2] + (ins.argval,))
            continue
        if chain is not None and chain[2]:
            out.append(chain)
        chain = None
        kind = _LOAD_ROOT.get(ins.opname)
        if kind is None and ins.opname.startswith("LOAD_FAST"):
            kind = "f"  # (3.13's LOAD_FAST_LOAD_FAST pushes two: the second is on top)
        if kind is not None:
            name = ins.argval[-1] if isinstance(ins.argval, tuple) else ins.argval
            if isinstance(name, str):
                chain = (kind, name, ())
    if chain is not None and chain[2]:
        out.append(chain)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out += [x for x in _attribute_chains(c) if x[0] == "g"]
    return tuple(dict.fromkeys(out))


def namespace_get(v: Any, name: str) -> Any:
    """``v.name`` where ``v`` is a namespace a step reads settings from (a user's object, a
    Module, a Python module), read from the instance's own storage, so that no property or
    ``__getattr__`` of arbitrary objects runs; ``MISSING`` for anything else."""
    if isinstance(v, (Tensor, Optimizer)) or _is_array(v):
        return MISSING
    if isinstance(v, Module):
        for field in ("_parameters", "_buffers", "_modules"):
            d = v.__dict__.get(field)
            if d is not None and name in d:
                return d[name]
    if isinstance(v, (type, types.ModuleType)):
        classes: tuple = v.__mro__ if isinstance(v, type) else (v,)
    else:
        d = getattr(v, "__dict__", None)
        if type(d) is not dict:
            return MISSING
        if name in d:
            return d[name]
        classes = type(v).__mro__  # a class attribute: ``class Config: lr = 0.1``
    for c in classes:
        if name in vars(c):
            found = vars(c)[name]
            # methods and properties are code, not settings
            return MISSING if hasattr(type(found), "__get__") else found
    return MISSING


def _is_array(v: Any) -> bool:
    return isinstance(v, np.ndarray) or hasattr(type(v), "__array_namespace__")


def _settings_value(v: Any) -> bool:
    """Whether ``v`` is a value a recording may bake in (numbers, strings, None, small
    containers of them)."""
    if isinstance(v, _SCALARS) or isinstance(v, np.generic):
        return True
    if type(v) in (tuple, list):
        return len(v) <= 64 and all(_settings_value(x) for x in v)
    return False


def attribute_reads(fn: Any, modules: Sequence = ()) -> list[tuple[Any, tuple[str, ...]]]:
    """``(root object, attribute names)`` for each attribute read of ``fn`` and the user
    code it reaches (see :func:`reached_functions`) that starts at a global, a closure
    variable or a forward's ``self`` and goes through namespaces (see
    :func:`namespace_get`): ``config.scale``, ``self.cfg.scale``. Reads rooted at a Python
    module, a class or a Module count only when they end at a number, a string or a small
    container of them (``settings.SCALE``, ``Config.lr``), so that ``ag.relu`` and
    ``np.float32`` are not checked on every call (a Module's own attributes are guarded
    anyway); reads that find nothing now (a method) do not count."""
    instances: dict[Any, list] = {}
    for m in modules:
        for sub in ([] if isinstance(m, list) else m.modules()):
            instances.setdefault(type(sub).forward, []).append(sub)
    out: list[tuple[Any, tuple[str, ...]]] = []
    seen: set = set()
    for f in reached_functions(fn, modules):
        target = type(f).forward if isinstance(f, Module) else f
        func = getattr(target, "__func__", target)
        code = getattr(func, "__code__", None)
        if code is None:
            continue
        g = getattr(func, "__globals__", {})
        cells = dict(zip(code.co_freevars, getattr(func, "__closure__", None) or ()))
        bound = getattr(target, "__self__", None)
        selfs = [f] if isinstance(f, Module) else (
            [bound] if bound is not None else instances.get(func, []))
        first = code.co_varnames[0] if code.co_argcount else None
        for kind, name, attrs in _attribute_chains(code):
            if kind == "g":
                roots = [g[name]] if name in g else []
            elif kind == "d":
                try:
                    roots = [cells[name].cell_contents] if name in cells else []
                except ValueError:  # an empty cell
                    roots = []
            elif name == first and selfs:
                roots = selfs
            else:  # a parameter's default value (``cfg=config``), when it has one
                slot = _defaulted_parameters(func).get(name)
                try:
                    roots = [] if slot is None else [slot.cell_contents]
                except ValueError:
                    roots = []
            for root in roots:
                if (id(root), attrs) in seen:
                    continue
                seen.add((id(root), attrs))
                value = _follow(root, attrs)
                if value is MISSING or (isinstance(root, (types.ModuleType, type, Module))
                                        and not _settings_value(value)):
                    continue
                out.append((root, attrs))
    return out


def _follow(root: Any, attrs: tuple[str, ...]) -> Any:
    v = root
    for a in attrs:
        v = namespace_get(v, a)
        if v is MISSING:
            return v
    return v


def attribute_values(reads: Sequence[tuple[Any, tuple[str, ...]]]) -> tuple:
    """The guarded values of :func:`attribute_reads` (``MISSING`` reads as a marker)."""
    out = []
    for root, attrs in reads:
        v = _follow(root, attrs)
        out.append(("missing",) if v is MISSING else _python_key(v))
    return tuple(out)


def _user_function(v: Any) -> bool:
    return isinstance(v, types.FunctionType) and not (
        getattr(v, "__module__", None) or "").startswith("arraygrad")


def reached_functions(fn: Any, modules: Sequence = ()) -> list[Any]:
    """``fn`` and the user code it may run: the plain functions found in the closure cells
    and named globals (helpers such as ``compute_loss``, three levels deep) and the
    ``forward`` of every reached module whose class is not arraygrad's."""
    todo: list[tuple[Any, int]] = [(fn, 0)]
    for m in modules:
        for sub in ([] if isinstance(m, list) else m.modules()):
            if _user_function(type(sub).forward):
                todo.append((type(sub).forward, 1))
    out = []
    seen: set[int] = set()
    while todo:
        f, depth = todo.pop(0)
        if id(f) in seen:
            continue
        seen.add(id(f))
        out.append(f)
        if depth >= 3:
            continue
        cells, g, names = _sources(f)
        for cell in cells:
            try:
                v = cell.cell_contents
            except ValueError:
                continue
            if _user_function(v):
                todo.append((v, depth + 1))
        for n in names:
            if _user_function(g.get(n)):
                todo.append((g[n], depth + 1))
    return out


def all_sources(fn: Any, modules: Sequence = ()) -> list[tuple[Any, Any, list]]:
    """(closure cells, globals, names) of each of :func:`reached_functions`: a global number
    a helper or a forward reads is baked into a recording just as one the step reads."""
    return [_sources(f) for f in reached_functions(fn, modules)]


def creation_defaults() -> tuple:
    """The backend and floating dtype that tensors the step creates get (``ag.zeros(3)``
    inside the step): baked into a recording, so guarded."""
    return (current_backend().name, get_default_dtype().name)


def guard_key(args: tuple, kwargs: dict, modules: list, opts: list, fn: Any = None) -> tuple:
    """Everything a recording depends on besides tensor values, as one hashable tuple of
    ``(what, value)`` pairs (so a miss can be explained component by component)."""
    parts: list = [("grad mode", is_grad_enabled()),
                   ("default backend and dtype", creation_defaults())]
    if fn is not None:
        parts.append(("Python values of the closure and globals",
                      python_values(fn, modules)))
    backends = set()
    if kwargs:  # arguments are read by position: f(x, a=1, b=2) is not f(x, b=2, a=1)
        parts.append(("keyword argument names", tuple(kwargs)))
    for i, a in enumerate(list(args) + list(kwargs.values())):
        where = f"argument {i}"
        if isinstance(a, Tensor):
            backends.add(a.backend)
            arr = a.array
            flags = getattr(arr, "flags", None)
            parts.append((where, (a.backend.name, a.device, a.shape, a.dtype.name,
                                  a.requires_grad,
                                  None if flags is None else flags.c_contiguous)))
        elif isinstance(a, (Module, Optimizer)):
            parts.append((where, (type(a).__name__, id(a))))
        else:
            parts.append((where, _value_key(a, where)))
    for mi, m in enumerate(modules):
        if isinstance(m, list):
            raw = [(id(a), tuple(a.shape), str(a.dtype)) for a in m if not isinstance(a, Tensor)]
            if raw:
                parts.append(("raw arrays of the closure or globals", tuple(raw)))
            m = [t for t in m if isinstance(t, Tensor)]
            for t in m:
                if t.grad_fn is not None and t.requires_grad:
                    raise Unsupported(
                        f"the step reads a tensor (shape {t.shape}) from its closure or "
                        f"globals that has a graph (produced by an operation, requires "
                        f"grad); a replay cannot backward through it: detach it, or compute "
                        f"it inside the step")
            parts.append(("tensors of the closure or globals",
                          tuple(_tensor_key(t) for t in m)))
            backends.update(t.backend for t in m)
            continue
        subs = list(m.modules())  # one walk: flags, parameters and buffers per submodule
        parts.append((f"module {mi} training flags", tuple(s.training for s in subs)))
        parts.append((f"module {mi} attributes", tuple(_module_attributes(s) for s in subs)))
        params = []
        bufs = []
        for s in subs:
            for p in s.parameters(recurse=False):
                params.append(_tensor_key(p))
            for n, b in module_tensors(s):
                if b is not None and b.requires_grad:
                    raise Unsupported(
                        f"{type(s).__name__}.{n} is a tensor that requires grad but is not "
                        f"a Parameter; its gradient would not be replayed (wrap it with "
                        f"ag.nn.Parameter, or detach it)")
                bufs.append((n, None if b is None else (b.array.shape, b.array.dtype,
                                                        b.requires_grad)))
        if params:
            backends.add(p.backend)
        parts.append((f"module {mi} parameters", (id(m), tuple(params))))
        parts.append((f"module {mi} buffers", tuple(bufs)))
    for oi, opt in enumerate(opts):
        groups = []
        for group in opt.param_groups:
            hyper = tuple((k, _number_key(v) if k == "lr" and _read_at_call(v)
                           else _value_key(v, f"optimizer {oi} {k!r}"))
                          for k, v in sorted(group.items()) if k != "params")
            ps = tuple(_tensor_key(p) for p in group["params"])
            if group["params"]:
                backends.add(group["params"][0].backend)
            groups.append((hyper, ps))
        parts.append((f"optimizer {oi} hyperparameters", (id(opt), tuple(groups))))
        state = []
        for p, st in opt.state.items():
            entry = []
            for k, v in sorted(st.items()):
                if isinstance(v, Tensor):
                    entry.append((k, _array_key(v.array)))
                elif hasattr(v, "shape") and hasattr(v, "dtype"):
                    entry.append((k, _array_key(v)))
                elif _read_at_call(v):
                    entry.append((k, _number_key(v)))
                else:
                    entry.append((k, _value_key(v, f"optimizer {oi} state {k!r}")))
            state.append((id(p), tuple(entry)))
        parts.append((f"optimizer {oi} state", tuple(state)))
    if len({id(b) for b in backends}) > 1:
        raise ValueError(
            "ag.compile: the step's tensors live on several backends ("
            + ", ".join(sorted(b.name for b in backends)) + "); a compiled step runs on one "
            "backend. Move them with .to(backend=...) first")
    parts.append(("backend", next(iter(backends)).name if backends else None))
    return tuple(parts)


def describe_miss(new: tuple, old: tuple) -> str:
    """Which guard components differ between two keys."""
    old_d = dict(old)
    changed = [k for k, v in new if old_d.get(k, object()) != v]
    if len(new) != len(old):
        changed.append("the number of arguments/modules/optimizers")
    return ", ".join(changed) or "unknown"


# ----------------------------------------------------------------------------- fast probe
class Probe:
    """The guard key of the last call, checked cheaply: one generated expression that
    builds a tuple of the values the key depends on (read through the very objects found
    last time: closure cells, globals, arguments, submodules, parameters, optimizer groups
    and state) and compares it with the tuple they had. A match means :func:`discover` and
    :func:`guard_key` would give ``key`` again; anything else (a mismatch, an exception
    while reading) sends the call down the full path.
    """

    __slots__ = ("key", "modules", "opts", "check", "source", "variant")

    def __init__(self, key: tuple, modules: list, opts: list, check: Any, source: str
                 ) -> None:
        self.key = key
        self.modules = modules
        self.opts = opts
        self.check = check
        self.source = source
        # the variant stored under ``key``, looked up once (hashing the key tuple costs
        # microseconds); the compiled function resets it whenever its variants change
        self.variant: Any = None


class _DefaultSlot:
    """A default argument value of a function, read like a closure cell
    (``cell_contents``; ValueError once the function has no such default any more): a
    step's ``model=model`` or ``cfg=config`` is state just as a closure variable is."""

    __slots__ = ("func", "index", "name")

    def __init__(self, func: Any, index: int, name: str | None) -> None:
        self.func = func
        self.index = index
        self.name = name

    @property
    def cell_contents(self) -> Any:
        try:
            if self.name is None:
                return self.func.__defaults__[self.index]
            return self.func.__kwdefaults__[self.name]
        except (IndexError, KeyError, TypeError):
            raise ValueError("no such default") from None


def _default_slots(func: Any) -> tuple[_DefaultSlot, ...]:
    defaults = getattr(func, "__defaults__", None) or ()
    kw = getattr(func, "__kwdefaults__", None) or {}
    return tuple(_DefaultSlot(func, i, None) for i in range(len(defaults))) + \
        tuple(_DefaultSlot(func, 0, k) for k in kw)


def _defaulted_parameters(func: Any) -> dict[str, _DefaultSlot]:
    """Parameter name -> the slot of its default value."""
    code = func.__code__
    defaults = getattr(func, "__defaults__", None) or ()
    positional = code.co_varnames[:code.co_argcount]
    out = {positional[len(positional) - len(defaults) + i]: _DefaultSlot(func, i, None)
           for i in range(len(defaults))}
    for k in getattr(func, "__kwdefaults__", None) or {}:
        out[k] = _DefaultSlot(func, 0, k)
    return out


def _sources(fn: Any) -> tuple[Any, Any, list]:
    """(closure cells and default-argument slots, globals dict, names) that
    :func:`discover` reads for ``fn``."""
    target = type(fn).forward if isinstance(fn, Module) else fn
    func = getattr(target, "__func__", target)
    code = getattr(func, "__code__", None)
    if code is None:
        return (), {}, []
    names: list = []
    _names(code, names)
    cells = tuple(getattr(func, "__closure__", None) or ()) + _default_slots(func)
    return cells, getattr(func, "__globals__", {}), sorted(set(names))


def _container_ok(v: Any, depth: int = 0) -> bool:
    """Whether a discovery source holds nothing the probe cannot vouch for: a list or dict
    that could gain a Module later is snapshotted by identity (up to two levels)."""
    if type(v) in (tuple, list):
        return depth < 2 and len(v) <= 64 and all(_container_ok(x, depth + 1) for x in v)
    if type(v) is dict:
        return depth < 2 and len(v) <= 64 and all(_container_ok(x, depth + 1)
                                                  for x in v.values())
    return type(v).__name__ != "CompiledFunction"


def constant_namer(ns: dict[str, Any], prefix: str) -> Callable[[Any], str]:
    """A function that stores a value in the generated code's namespace ``ns`` under a
    fresh name (``prefix`` and a counter) and returns that name."""
    counter = itertools.count()

    def const(v: Any) -> str:
        name = f"{prefix}{next(counter)}"
        ns[name] = v
        return name

    return const


_CHUNK = 16


def build_probe(fn: Any, args: tuple, kwargs: dict, modules: list, opts: list, key: tuple
                ) -> Probe | None:
    """A :class:`Probe` for the state as it is now (after a call), or None when the step's
    state is of a kind the probe does not cover (the full guard then runs every call)."""
    ns: dict[str, Any] = {"_is_grad_enabled": is_grad_enabled, "Tensor": Tensor,
                          "_creation_state": creation_state,
                          "_attribute_values": attribute_values}
    # The expressions read Tensor's slots (``_data``, ``_grad``, ``_backend``) rather than
    # its properties: a property is a Python call, and this check runs on every call.
    items: list[tuple[str, Any]] = []   # (expression, expected value)
    const = constant_namer(ns, "K")

    def same(expr: str, obj: Any) -> None:
        items.append((f"{expr} is {const(obj)}", True))

    def snapshot(expr: str, v: Any) -> None:
        """``expr`` still holds ``v``'s elements (identity), for lists/dicts/tuples."""
        if type(v) in (tuple, list, dict):
            vals = list(v.values()) if type(v) is dict else list(v)
            items.append((f"len({expr})", len(vals)))
            if type(v) is dict:
                items.append((f"tuple({expr})", tuple(v)))
                for k, x in zip(v, vals):
                    same(f"{expr}[{const(k)}]", x)
                    if type(x) in (tuple, list, dict):
                        snapshot(f"{expr}[{const(k)}]", x)
            else:
                for i, x in enumerate(vals):
                    same(f"{expr}[{i}]", x)
                    if type(x) in (tuple, list, dict):
                        snapshot(f"{expr}[{i}]", x)

    def held(v: Any) -> None:
        """A trainer's ``self.model``: still that object (rebinding it records again)."""
        if plain_object(v):
            vref = const(v)
            for k, x in held_state(v).items():
                same(f"{vref}.__dict__.get({k!r})", x)

    items.append(("_is_grad_enabled()", is_grad_enabled()))
    current_backend()  # resolves the default backend's name once, so the state shows it
    items.append(("_creation_state()", creation_state()))
    for cells, g, names in all_sources(fn, modules):
        for cell in cells:
            try:
                v = cell.cell_contents
            except ValueError:
                return None
            if not _container_ok(v):
                return None
            same(f"{const(cell)}.cell_contents", v)
            snapshot(f"{const(cell)}.cell_contents", v)
            held(v)
        gname = const(g)
        for n in names:
            v = g.get(n)
            if not _container_ok(v):
                return None
            same(f"{gname}.get({n!r})", v)
            snapshot(f"{gname}.get({n!r})", v)
            held(v)
    bound = getattr(type(fn).forward if isinstance(fn, Module) else fn, "__self__", None)
    if bound is not None:
        held(bound)
    # attributes of settings objects (``config.scale``, ``self.cfg.scale``): the roots are
    # the objects checked above, each read followed again
    reads = attribute_reads(fn, modules)
    if reads:
        items.append((f"_attribute_values({const(reads)})", attribute_values(reads)))
    # arguments
    items.append(("len(A)", len(args)))
    items.append(("tuple(KW)", tuple(kwargs)))
    for i, a in enumerate(list(args) + list(kwargs.values())):
        ref = f"A[{i}]" if i < len(args) else f"KW[{list(kwargs)[i - len(args)]!r}]"
        if isinstance(a, Tensor):
            arr = a.array
            strides = getattr(arr, "strides", None)
            items.append((f"type({ref}) is Tensor and {ref}._backend is {const(a.backend)}",
                          True))
            items.append((f"(_a := {ref}._data).shape", arr.shape))
            items.append(("_a.dtype", arr.dtype))
            items.append(("_a.strides" if strides is not None
                          else "getattr(_a, 'strides', None)", strides))
            items.append((f"{ref}.requires_grad", a.requires_grad))
            items.append((f"{ref}.device", a.device))
        elif isinstance(a, (Module, Optimizer)):
            same(ref, a)
        elif type(a) in (bool, int, float, str, type(None)):
            items.append((f"type({ref})", type(a)))
            items.append((ref, a))
        else:
            return None  # tuples/lists of values: the full guard compares them
    # modules, parameters, buffers
    tensors: list = []
    seen: set = set()

    def tensor(t: Tensor) -> None:
        if id(t) in seen:
            return
        seen.add(id(t))
        tensors.append(t)

    for m in modules:
        if isinstance(m, list):
            for t in m:  # a raw array: the cell/global checks above see a rebinding
                if isinstance(t, Tensor):
                    tensor(t)
            continue
        for s in m.modules():
            sref = const(s)
            # every attribute at once (the training flag, Dropout's p, a user's alpha):
            # one dict compare against a copy, each value by identity first
            items.append((f"{sref}.__dict__ == {const(dict(vars(s)))}", True))
            for name, v in vars(s).items():  # a list attribute changed in place
                if type(v) in (list, dict) and name != "_init_args":
                    if not _container_ok(v):
                        return None
                    snapshot(f"{sref}.__dict__[{name!r}]", v)
            for field in ("_parameters", "_buffers", "_modules"):
                d = getattr(s, field)
                items.append((f"{sref}.{field} == {const(dict(d))}", True))
            for p in s._parameters.values():
                if p is not None:
                    tensor(p)
            for b in s._buffers.values():
                if b is not None:
                    bref = const(b)
                    items.append((f"(_b := {bref}._data).shape", b.array.shape))
                    items.append(("_b.dtype", b.array.dtype))
            for name, t in vars(s).items():
                if isinstance(t, Tensor):  # a plain tensor attribute: still that tensor
                    same(f"{sref}.__dict__.get({name!r})", t)
                    items.append((f"(_b := {const(t)}._data).shape", t.array.shape))
                    items.append(("_b.dtype", t.array.dtype))
                    items.append((f"{const(t)}.requires_grad", t.requires_grad))
    for opt in opts:
        oref = const(opt)
        items.append((f"len({oref}.param_groups)", len(opt.param_groups)))
        for gi, group in enumerate(opt.param_groups):
            gref = const(group)
            items.append((f"{oref}.param_groups[{gi}] is {gref}", True))
            items.append((f"tuple({gref})", tuple(group)))
            for k, v in group.items():
                if k == "params":
                    items.append((f"{gref}['params'] == {const(list(v))}", True))
                    for p in v:
                        tensor(p)
                elif k == "lr" and _read_at_call(v):
                    items.append((f"type({gref}['lr'])", type(v)))
                elif type(v) in (bool, int, float, str, type(None), tuple, list):
                    items.append((f"{gref}[{k!r}]", v))
                else:
                    return None
        items.append((f"tuple({oref}.state)", tuple(opt.state)))
        for p, st in opt.state.items():
            sref = f"{oref}.state[{const(p)}]"
            items.append((f"tuple(_s := {sref})", tuple(st)))
            for k, v in st.items():
                if isinstance(v, Tensor):
                    items.append((f"(_v := _s[{k!r}]._data).shape", v.array.shape))
                    items.append(("_v.dtype", v.array.dtype))
                elif hasattr(v, "shape") and hasattr(v, "dtype"):
                    items.append((f"(_v := _s[{k!r}]).shape", v.shape))
                    items.append(("_v.dtype", v.dtype))
                elif _read_at_call(v):
                    items.append((f"type(_s[{k!r}])", type(v)))
                elif type(v) in (bool, str, type(None)):
                    items.append((f"_s[{k!r}]", v))
                else:
                    return None
    for t in tensors:
        tref = const(t)
        arr = t.array
        items.append((f"(_t := {tref}).requires_grad", t.requires_grad))
        items.append(("(_p := _t._data).shape", arr.shape))
        items.append(("_p.dtype", arr.dtype))
        strides = getattr(arr, "strides", None)
        items.append(("_p.strides" if strides is not None else "getattr(_p, 'strides', None)",
                      strides))
        gr = t.grad
        if gr is None:
            items.append(("_t._grad is None", True))
        else:
            items.append(("(_g := _t._grad) is not None and _g._data.shape", gr.array.shape))
    # Compared in chunks of 16, each one tuple compare, so that a miss stops early (the 83
    # items of a 6-parameter SGD step: 5.8 us, against 6.6 us as one tuple, under load).
    lines = ["def check(A, KW):", "    try:"]
    for c in range(0, len(items), _CHUNK):
        chunk = items[c:c + _CHUNK]
        ns[f"E{c}"] = tuple(v for _e, v in chunk)
        lines.append(f"        if ({', '.join(e for e, _v in chunk)},) != E{c}:")
        lines.append("            return False")
    lines += ["        return True", "    except Exception:", "        return False", ""]
    source = "\n".join(lines)
    exec(compile(source, "<ag.compile guard>", "exec"), ns)  # noqa: S102
    return Probe(key, modules, opts, ns["check"], source)
