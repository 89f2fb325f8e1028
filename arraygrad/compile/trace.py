"""Recording the backend kernel calls of one eager run (NumPy backend).

While a recording is active, every array the step touches is a :class:`_Traced` view (an
``ndarray`` subclass): NumPy routes ufuncs (operators, in-place operators, ``out=``,
reductions), array functions and the overridden methods through it, and each call is
logged as ``(function, encoded arguments, result slots)``. The backend's ``xp`` namespace,
``rng``, ``to_numpy``, ``from_object`` and ``scatter_add`` are swapped for logging
proxies on the :class:`Backend` object for the duration of the call, so creation functions
and random draws are recorded too. Anything that turns array data into Python values
(``item``, ``bool``, ``float``, ``tolist``, ``to_numpy``) marks the recording
data-dependent; an array whose origin was not logged makes it unreplayable.
"""

from __future__ import annotations

import math
import operator
import os
import sys
import threading
import types
from typing import Any

import numpy as np

from arraygrad.compile.optimize import IN_PLACE_FUNCTIONS

_ACTIVE: Recorder | None = None


class RecordError(Exception):
    """The recording cannot be replayed faithfully (the message says why)."""


def _plain(x: Any) -> Any:
    """``x`` with every traced array replaced by a plain ndarray view and every traced
    number by its value (recursively)."""
    if isinstance(x, _Traced):
        return x.view(np.ndarray)
    if type(x) is Scalar:
        return x.value
    if type(x) is tuple:
        return tuple(_plain(v) for v in x)
    if type(x) is list:
        return [_plain(v) for v in x]
    if type(x) is dict:
        return {k: _plain(v) for k, v in x.items()}
    if type(x) is slice:
        return slice(_plain(x.start), _plain(x.stop), _plain(x.step))
    return x


_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = os.path.dirname(_HERE)
_METHODS = (os.path.join(_PACKAGE, "tensor.py"), os.path.join(_PACKAGE, "ops", "_methods.py"))


def _caller() -> tuple[str, bool]:
    """Where a value was read (``file:line (function)``) and whether arraygrad's own code
    (not the user's, and not a Tensor conversion method the user called) read it."""
    f: types.FrameType | None = sys._getframe(1)
    while f is not None:
        fname = f.f_code.co_filename
        if not fname.startswith(_HERE) and f"{os.sep}numpy{os.sep}" not in fname:
            break
        f = f.f_back
    if f is None:
        return "", False
    while f is not None and f.f_code.co_filename in _METHODS:
        f = f.f_back
    if f is None:
        return "", False
    where = f"{f.f_code.co_filename}:{f.f_lineno} ({f.f_code.co_name})"
    library = f is not None and f.f_code.co_filename.startswith(_PACKAGE + os.sep)
    return where, library


def _rec() -> Recorder | None:
    rec = _ACTIVE
    if rec is not None and rec.depth == 0 and rec.thread == threading.get_ident():
        return rec
    return None


def _ufunc_override(self: Any, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``__array_ufunc__`` of traced arrays and numbers: log the call while recording."""
    rec = _rec()
    fn = ufunc if method == "__call__" else getattr(ufunc, method)
    if rec is None:
        return fn(*_plain(inputs), **_plain(kwargs))
    return rec.call(fn, inputs, kwargs)


class _Traced(np.ndarray):
    """An ndarray whose operations are logged while a recording is active."""

    __array_ufunc__ = _ufunc_override

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        rec = _rec()
        if rec is None:
            return func(*_plain(args), **_plain(kwargs))
        return rec.call(func, args, kwargs)

    def __getitem__(self, key: Any) -> Any:
        rec = _rec()
        if rec is None:
            return np.ndarray.__getitem__(self.view(np.ndarray), _plain(key))
        return rec.call(operator.getitem, (self, key), {})

    def __setitem__(self, key: Any, value: Any) -> None:
        rec = _rec()
        if rec is None:
            np.ndarray.__setitem__(self.view(np.ndarray), _plain(key), _plain(value))
            return
        rec.call(operator.setitem, (self, key, value), {}, mutates=True)

    def _data_dependent(self, what: str) -> None:
        rec = _ACTIVE
        if rec is not None and rec.thread == threading.get_ident():
            rec.data_dependent(what, self)

    def item(self, *args: Any) -> Any:  # noqa: D102
        self._data_dependent("item()")
        return self.view(np.ndarray).item(*args)

    def tolist(self) -> Any:  # noqa: D102
        self._data_dependent("tolist()")
        return self.view(np.ndarray).tolist()

    def __bool__(self) -> bool:
        self._data_dependent("bool()")
        return bool(self.view(np.ndarray))

    def __float__(self) -> float:
        self._data_dependent("float()")
        return float(self.view(np.ndarray))

    def __int__(self) -> int:
        self._data_dependent("int()")
        return int(self.view(np.ndarray))

    def __index__(self) -> int:
        self._data_dependent("index()")
        return self.view(np.ndarray).__index__()

    def __complex__(self) -> complex:
        self._data_dependent("complex()")
        return complex(self.view(np.ndarray))


def _method(name: str) -> Any:
    real = getattr(np.ndarray, name)

    def method(self: _Traced, *args: Any, **kwargs: Any) -> Any:
        rec = _rec()
        if rec is None:
            return real(self.view(np.ndarray), *_plain(args), **_plain(kwargs))
        return rec.call(real, (self, *args), kwargs,
                        mutates=name in ("fill", "sort", "resize", "put", "itemset"))
    method.__name__ = name
    return method


for _name in ("astype", "copy", "flatten", "ravel", "reshape", "transpose", "squeeze",
              "swapaxes", "fill", "sort", "argsort", "__copy__", "__deepcopy__",
              "take", "repeat", "diagonal", "nonzero", "put", "cumsum", "cumprod",
              "argmax", "argmin", "searchsorted", "tobytes", "byteswap", "resize",
              "partition", "compress", "choose", "round", "conj", "dot", "trace"):
    if hasattr(np.ndarray, _name):
        setattr(_Traced, _name, _method(_name))


class Scalar:
    """A Python number of the step's state (an optimizer's step counter, a learning rate)
    while a recording runs: a call-time input slot instead of a baked constant.

    Arithmetic with numbers and other traced numbers is logged as scalar instructions (the
    replay redoes the same Python arithmetic on the call's values, so results are the same
    bits); with arrays it goes through NumPy's ufunc override and is logged as a kernel
    call whose argument is the slot (a Python number at replay: NumPy's weak promotion, as
    in eager). Comparisons, ``bool()``, ``float()``, ``int()``, formatting and any other
    escape of the value into Python become value checks: a replay whose value differs
    there runs eagerly instead.
    """

    __slots__ = ("value",)

    def __init__(self, value: int | float) -> None:
        self.value = value

    __array_ufunc__ = _ufunc_override

    def _escape(self, what: str) -> Any:
        rec = _rec()
        if rec is not None:
            rec.scalar_escape(self, what)
        return self.value

    def __bool__(self) -> bool:
        return bool(self._escape("bool()"))

    def __float__(self) -> float:
        return float(self._escape("float()"))

    def __int__(self) -> int:
        return int(self._escape("int()"))

    def __index__(self) -> int:
        return operator.index(self._escape("index()"))

    def __complex__(self) -> complex:
        return complex(self._escape("complex()"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        return np.asarray(self._escape("an array conversion"), dtype=dtype)

    def __format__(self, spec: str) -> str:
        return format(self._escape("formatting"), spec)

    def __repr__(self) -> str:
        return repr(self._escape("repr()"))

    def __hash__(self) -> int:
        return hash(self._escape("hash()"))

    def __round__(self, ndigits: Any = None) -> Any:
        return round(self._escape("round()"), ndigits)

    def traced_sqrt(self) -> Any:
        """``math.sqrt`` of the value, logged (the built-in optimizers' update functions
        call ``math.sqrt`` on plain numbers and this method on traced ones)."""
        return _scalar_op(math.sqrt, self)


def _scalar_op(fn: Any, *args: Any) -> Any:
    if not all(type(a) in _NUMBERS or type(a) is Scalar for a in args):
        return NotImplemented
    rec = _rec()
    if rec is None:
        return fn(*_plain(args))
    return rec.scalar_call(fn, args)


_NUMBERS = (int, float, bool, complex)


def _binary(fn: Any) -> tuple[Any, Any]:
    def forward(self: Scalar, other: Any) -> Any:
        return _scalar_op(fn, self, other)

    def reflected(self: Scalar, other: Any) -> Any:
        return _scalar_op(fn, other, self)
    return forward, reflected


for _name, _fn in (("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("floordiv", operator.floordiv),
                   ("mod", operator.mod), ("pow", operator.pow)):
    _f, _r = _binary(_fn)
    setattr(Scalar, f"__{_name}__", _f)
    setattr(Scalar, f"__r{_name}__", _r)
for _name, _fn in (("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
                   ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)):
    def _compare(self: Scalar, other: Any, _fn: Any = _fn) -> Any:
        res = _scalar_op(_fn, self, other)
        return res if res is NotImplemented else bool(res)
    setattr(Scalar, f"__{_name}__", _compare)
_UNARY: tuple[tuple[str, Any], ...] = (("neg", operator.neg), ("pos", operator.pos),
                                      ("abs", operator.abs))
for _name, _fn in _UNARY:
    setattr(Scalar, f"__{_name}__", lambda self, _fn=_fn: _scalar_op(_fn, self))


def descriptor(a: Any) -> tuple:
    """An array's memory address, shape, strides and dtype: equal for views that read the
    same elements the same way."""
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def traced(a: Any) -> Any:
    """A traced view of ndarray ``a`` (``a`` itself when already traced)."""
    return a if isinstance(a, _Traced) else a.view(_Traced)


# ----------------------------------------------------------------------------- recorder
class Recorder:
    """The log of one recording: slots, instructions and why it may not replay."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.thread = threading.get_ident()
        self.depth = 0
        self.slot_of: dict[int, int] = {}   # id(array object) -> slot
        self.alive: list[Any] = []          # keeps every identified object alive
        self._descr_index: dict[tuple, Any] = {}  # (memory, shape, strides, dtype) -> array
        self._indexed = 0                   # how many of ``alive`` the index has seen
        self.nslots = 0
        self.externals: list[int] = []      # slots read from state / inputs at call time
        self.consts: dict[int, Any] = {}    # slot -> array captured by reference
        self.code: list[tuple] = []         # (kind, fn, args, kwargs, result pattern)
        self.problems: list[str] = []
        self.data_reads: list[str] = []
        self.mutated: set[int] = set()
        self.rng_values: list[Any] = []
        self.checks: list[tuple] = []        # (position, slot, value, where)
        self.backwards = 0                   # backward passes run while recording
        self.fresh: dict[int, tuple] = {}    # slot -> (shape, dtype) of a kernel's new array
        self.meta: dict[int, tuple] = {}     # slot -> (shape, dtype) of every array slot

    # ---------------------------------------------------------------- slots
    def new_slot(self, *objs: Any) -> int:
        n = self.nslots
        self.nslots += 1
        if objs and isinstance(objs[0], np.ndarray):
            self.meta[n] = (objs[0].shape, objs[0].dtype)
        for o in objs:
            self.slot_of[id(o)] = n
            self.alive.append(o)
        return n

    def external(self, array: Any) -> tuple[int, Any]:
        """Register a state/input array; returns (slot, traced view to hand out)."""
        if id(array) in self.slot_of:
            n = self.slot_of[id(array)]
            return n, traced(array)
        t = traced(array)
        n = self.new_slot(array, t)
        self.externals.append(n)
        return n, t

    def scalar_external(self, value: int | float) -> tuple[int, Scalar]:
        """Register a Python number of the state (read at call time); returns (slot, the
        traced number to hand out)."""
        t = Scalar(value)
        n = self.new_slot(t)
        self.externals.append(n)
        return n, t

    def scalar_call(self, fn: Any, args: tuple) -> Any:
        """Run ``fn`` on the numbers' values and log it; the result is a new traced number."""
        eargs = self.enc(tuple(args))
        res = fn(*_plain(args))
        if type(res) not in _NUMBERS:
            self.problems.append(f"scalar arithmetic gave a {type(res).__name__}")
            return res
        t = Scalar(res)
        n = self.new_slot(t)
        self.code.append(("call", fn, eargs, ("d", ()), ("s", n)))
        return t

    def scalar_escape(self, x: Scalar, what: str) -> None:
        """A traced number's value left the recording (``bool``, ``float``, a comparison's
        outcome...): the replay checks that it is the same, else runs eagerly."""
        n = self.slot_of.get(id(x))
        if n is None:
            return
        where, _library = _caller()
        entry = f"{what} of a learning rate/step counter at {where}" if where else what
        self.checks.append((len(self.code), n, x.value, entry))

    def data_dependent(self, what: str, array: Any = None) -> None:
        where, library = _caller()
        entry = f"{what} at {where}" if where else what
        n = None if array is None else self.slot_of.get(id(array))
        if library and n is not None:
            # arraygrad's own code read a value (label range checks...): the replay checks
            # that the value is the same, else the call runs eagerly.
            self.checks.append((len(self.code), n, np.array(_plain(array), copy=True), entry))
            return
        if entry not in self.data_reads:
            self.data_reads.append(entry)

    def alias(self, a: Any) -> int | None:
        """The latest slot whose array has exactly ``a``'s memory, shape and strides."""
        index = self._descr_index
        alive = self.alive
        for o in alive[self._indexed:]:  # index what was identified since the last call
            if isinstance(o, np.ndarray):
                index[descriptor(o)] = o  # a later array with the same memory wins
        self._indexed = len(alive)
        o = index.get(descriptor(a))
        return None if o is None else self.slot_of.get(id(o))

    def _resolve(self, a: Any) -> tuple:
        n = self.slot_of.get(id(a))
        if n is not None:
            return ("s", n)
        if isinstance(a, np.generic):
            # A NumPy scalar of unknown origin may have come out of an array (iteration):
            # baking it in as a constant could be stale, so the recording is not used.
            self.problems.append(f"a NumPy scalar {a!r} of unknown origin reached a kernel "
                                 f"(iterating over an array, or a NumPy scalar constant: use "
                                 f"a Python number)")
            return ("c", a)
        if a.base is not None:
            n = self.alias(a)
            if n is not None:
                self.slot_of[id(a)] = n
                self.alive.append(a)
                return ("s", n)
        base = a.base
        while base is not None:
            m = self.slot_of.get(id(base))
            if m is not None:
                root = next(o for o in self.alive if id(o) == id(base))
                if not isinstance(root, np.ndarray) or root.dtype != a.dtype \
                        or not root.flags.c_contiguous:
                    self.problems.append(f"an unrecorded view (shape {a.shape}, dtype "
                                         f"{a.dtype}) of a non-contiguous array")
                    return ("c", a)
                off = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
                n = self.new_slot(a)
                self.code.append(("view", None, (m, off, a.shape, a.strides, a.dtype), {},
                                  ("s", n)))
                return ("s", n)
            base = base.base
        if isinstance(a, _Traced):
            self.problems.append(f"an array (shape {a.shape}, dtype {a.dtype}) produced by "
                                 f"an operation the recorder did not see")
            return ("c", a)
        # An array from outside the step, captured by reference.
        n = self.new_slot(a)
        self.consts[n] = a
        return ("s", n)

    def enc(self, x: Any) -> Any:
        if isinstance(x, (np.ndarray, np.generic)) and not (
                isinstance(x, np.generic) and id(x) not in self.slot_of):
            return self._resolve(x)
        t = type(x)
        if t is Scalar:
            n = self.slot_of.get(id(x))
            return ("s", n) if n is not None else ("c", x.value)
        if t is tuple or t is list:
            return ("t" if t is tuple else "l", tuple(self.enc(v) for v in x))
        if t is dict:
            return ("d", tuple((k, self.enc(v)) for k, v in x.items()))
        if t is slice:
            return ("sl", (self.enc(x.start), self.enc(x.stop), self.enc(x.step)))
        return ("c", x)

    def _result(self, res: Any, out_slots: set[int]) -> tuple[Any, Any]:
        if isinstance(res, np.generic):
            res = np.asarray(res)
        if isinstance(res, np.ndarray):
            n = self.slot_of.get(id(res))
            if n is not None:
                return traced(res), ("s", n)
            t = traced(res)
            n = self.new_slot(res, t)
            if res.ndim and res.flags.c_contiguous and res.base is None:
                self.fresh[n] = (res.shape, res.dtype)  # a new array: may get a buffer
            return t, ("s", n)
        if type(res) is tuple or type(res) is list:
            pairs = [self._result(r, out_slots) for r in res]
            wrapped = type(res)(p[0] for p in pairs)
            return wrapped, ("t", tuple(p[1] for p in pairs))
        if isinstance(res, tuple) and hasattr(res, "_fields"):  # namedtuple results
            pairs = [self._result(r, out_slots) for r in res]
            return type(res)(*(p[0] for p in pairs)), ("nt", tuple(p[1] for p in pairs))
        if res is None or isinstance(res, (bool, int, float, complex, str)):
            return res, ("c", res)
        self.problems.append(f"a kernel returned an unsupported {type(res).__name__}")
        return res, ("c", res)

    def call(self, fn: Any, args: Any, kwargs: dict, *, mutates: bool = False,
             kind: str = "call") -> Any:
        """Run ``fn`` for real on plain arrays and log it."""
        eargs = self.enc(tuple(args))
        ekw = self.enc(dict(kwargs))
        self.depth += 1
        try:
            out_objs = kwargs.get("out")
            res = fn(*_plain(tuple(args)), **_plain(dict(kwargs)))
        finally:
            self.depth -= 1
        if mutates:
            first = eargs[1][0] if eargs[1] else None
            if first is not None and first[0] == "s":
                self.mutated.add(first[1])
        if out_objs is not None:
            outs = out_objs if isinstance(out_objs, tuple) else (out_objs,)
            for o in outs:
                if isinstance(o, np.ndarray):
                    r = self._resolve(o)
                    if r[0] == "s":
                        self.mutated.add(r[1])
            if fn is not operator.setitem and not isinstance(res, tuple):
                res = outs[0] if len(outs) == 1 else res
            elif isinstance(res, tuple) and len(outs) == len(res):
                res = outs
        if getattr(fn, "__name__", "") == "at" or fn is getattr(np.add, "at", None):
            first = eargs[1][0]
            if first[0] == "s":
                self.mutated.add(first[1])
        wrapped, pattern = self._result(res, set())
        self.code.append((kind, fn, eargs, ekw, pattern))
        return wrapped


# ----------------------------------------------------------------------------- proxies
class _Holder:
    """The recorder a cached proxy namespace logs into (set by each recording)."""

    __slots__ = ("rec",)

    def __init__(self, rec: Recorder | None = None) -> None:
        self.rec = rec


def _logged(rec: Recorder | _Holder, fn: Any, kind: str = "call") -> Any:
    holder = rec if isinstance(rec, _Holder) else _Holder(rec)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        r = holder.rec
        if r is None or r.depth or r.thread != threading.get_ident():
            return fn(*args, **kwargs)
        return r.call(fn, args, kwargs, kind=kind, mutates=writes_first)
    wrapper.__name__ = getattr(fn, "__name__", "fn")
    writes_first = wrapper.__name__ in IN_PLACE_FUNCTIONS
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


# id(namespace) -> (namespace, holder, proxy): wrapping every function of a namespace took
# 25 ms per recording, so each namespace's proxy is made once and pointed at the recorder.
_PROXIES: dict[int, tuple[Any, _Holder, types.SimpleNamespace]] = {}


def proxy_namespace(rec: Recorder, xp: types.SimpleNamespace) -> types.SimpleNamespace:
    """A copy of ``xp`` whose functions are logged into ``rec``."""
    entry = _PROXIES.get(id(xp))
    if entry is None or entry[0] is not xp or len(vars(entry[2])) != len(vars(xp)):
        holder = _Holder()
        names = {}
        for k, v in vars(xp).items():
            if callable(v) and not isinstance(v, type) \
                    and not isinstance(v, types.ModuleType) and not isinstance(v, np.dtype):
                names[k] = _logged(holder, v)
            else:
                names[k] = v
        entry = _PROXIES[id(xp)] = (xp, holder, types.SimpleNamespace(**names))
    entry[1].rec = rec
    return entry[2]


class _RNGProxy:
    """Forwards to the backend's RNG; each draw is logged as a replayed random slot."""

    def __init__(self, rec: Recorder, real: Any) -> None:
        self._rec = rec
        self._real = real

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._real, name)
        if name in ("seed", "get_state", "set_state") or not callable(attr):
            if name == "seed":
                self._rec.problems.append("the random generator was re-seeded inside the "
                                          "step")
            elif name in ("get_state", "set_state"):
                # a replay draws fresh numbers for every recorded draw: a step that puts the
                # generator back (utils.checkpoint's second run) would get other numbers
                self._rec.problems.append("the step saves or restores the random-number "
                                          "generator's state (utils.checkpoint with "
                                          "preserve_rng_state, fork_rng)")
            return attr
        rec = self._rec
        backend = rec.backend

        def draw(*args: Any, **kwargs: Any) -> Any:
            if rec.depth or rec.thread != threading.get_ident():
                return attr(*args, **kwargs)
            fn = _RNGCall(backend, name)
            out = rec.call(fn, args, kwargs, kind="rng")
            rec.rng_values.append(np.array(out.view(np.ndarray), copy=True))
            return out
        return draw


class _RNGCall:
    """Calls ``backend.rng.<name>`` as found at call time (reseeding replaces nothing)."""

    def __init__(self, backend: Any, name: str) -> None:
        self.backend = backend
        self.name = name
        self.__name__ = f"rng.{name}"
        self.sink: list | None = None  # a replay collects its draws here

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = getattr(self.backend.rng, self.name)(*args, **kwargs)
        if self.sink is not None:
            self.sink.append(out)
        return out


class install:
    """Context manager: make ``rec`` active and swap the backend's functions for proxies."""

    FIELDS = ("xp", "rng", "to_numpy", "from_object", "scatter_add", "to_device")

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.saved: dict[str, Any] = {}

    def __enter__(self) -> Recorder:
        global _ACTIVE
        if _ACTIVE is not None:
            raise RecordError("another compiled function is recording (nested or concurrent "
                              "recordings are not supported)")
        be = self.rec.backend
        rec = self.rec
        self.saved = {f: getattr(be, f) for f in self.FIELDS}
        be.xp = proxy_namespace(rec, be.xp)
        be.rng = _RNGProxy(rec, self.saved["rng"])
        real_to_numpy = self.saved["to_numpy"]

        def to_numpy(a: Any) -> Any:
            if rec.thread == threading.get_ident() and isinstance(a, _Traced):
                rec.data_dependent("a conversion to NumPy/Python (item, tolist, numpy)", a)
            return real_to_numpy(_plain(a))
        be.to_numpy = to_numpy
        be.from_object = _logged(rec, self.saved["from_object"])
        be.scatter_add = _logged(rec, self.saved["scatter_add"])
        be.to_device = _logged(rec, self.saved["to_device"])
        from arraygrad import engine
        real_execute = self.execute = engine._execute

        def execute(*args: Any, **kwargs: Any) -> Any:
            if rec.thread == threading.get_ident():
                rec.backwards += 1
            return real_execute(*args, **kwargs)
        engine._execute = execute
        _ACTIVE = rec
        return rec

    def __exit__(self, *exc: Any) -> None:
        global _ACTIVE
        _ACTIVE = None
        entry = _PROXIES.get(id(self.saved["xp"]))
        if entry is not None:
            entry[1].rec = None  # a proxy kept by some code logs nothing any more
        from arraygrad import engine
        engine._execute = self.execute
        be = self.rec.backend
        for f, v in self.saved.items():
            setattr(be, f, v)
