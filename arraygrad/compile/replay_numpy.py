"""Straight-line replay of a recording on the NumPy backend (generated Python source)."""

from __future__ import annotations

import threading
import types
from collections.abc import Sequence
from typing import Any

import numpy as np

from arraygrad.compile import optimize
from arraygrad.compile.guards import constant_namer

try:  # NumPy >= 2: the error state is one object per context, replaced on every change
    from numpy._core._ufunc_config import _extobj_contextvar  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other NumPy versions: ask np.geterr every time
    _extobj_contextvar = None

# ufuncs whose positional ``out`` NumPy deprecates
_KEYWORD_OUT = (np.maximum, np.minimum)


class Mismatch(Exception):
    """A value the step read in Python differs from the recorded one (args: its index in
    ``Program.checks``), or, with index -1, an array about to be written in place does not
    have the recorded shape, dtype or writability (nothing has been written yet)."""


def _same(a: Any, b: Any) -> bool:
    a = np.asarray(a)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if not b.ndim and b.dtype.kind not in "fc":  # a bool (the label range checks) or int
        return a.item() == b.item()
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


_error_state: list = [None, False]  # (the error-state object last asked about, verdict)


def errors_raise() -> bool:
    """Whether NumPy's floating-point error state makes a ufunc raise (``np.seterr`` or
    ``np.errstate`` with ``"raise"`` or ``"call"``): then even an elementwise update can
    fail half-way, and a replay that writes state runs on copies of it. One context
    variable read per call while the state is unchanged."""
    if _extobj_contextvar is None:
        return any(v in ("raise", "call") for v in np.geterr().values())
    state = _extobj_contextvar.get()
    if state is not _error_state[0]:  # held here, so its id is never reused meanwhile
        _error_state[:] = [state, any(v in ("raise", "call") for v in np.geterr().values())]
    return _error_state[1]


def _view(base: Any, offset: int, shape: tuple, strides: tuple, dtype: Any) -> Any:
    if offset == 0:
        return np.lib.stride_tricks.as_strided(base, shape, strides)
    return np.ndarray(shape, dtype, buffer=base, offset=offset, strides=strides)


class Program:
    """A compiled replay: ``run(externals)`` -> values of ``self.results`` slots."""

    def __init__(self, code: list, externals: list[int], consts: dict[int, Any],
                 results: list[int], rng_values: list[Any], checks: Sequence[tuple] = (),
                 fresh: dict[int, tuple] | None = None, *, meta: dict[int, tuple] | None = None,
                 mutated: set[int] | None = None, pure: dict[int, str] | None = None) -> None:
        """``pure`` (see optimize.pure_functions) turns the rewrites of ``optimize`` on;
        ``meta`` (slot -> shape, dtype) and ``mutated`` (slots written in place) feed them."""
        self.stats: dict[str, int] = {}
        if pure is not None:
            meta = meta or {}
            code, checks, folded, self.stats = optimize.optimize(
                code, results, checks, {n: m[1] for n, m in meta.items()}, meta,
                mutated or set(), pure)
            consts = {**consts, **folded}
        # State arrays written in place: from a point on which nothing can fail (see
        # optimize.in_place_tail), so that a failure leaves them as they were without a
        # copy of the state; otherwise the replay runs on copies of what it writes.
        tail = optimize.in_place_tail(code, externals, checks, meta or {}) \
            if pure is not None else None
        self.writes_state = tail is None
        self.writes_in_place = False
        precheck: list[tuple] = []
        first = -1
        if tail is not None:
            code, first, precheck = tail
            self.writes_in_place = first < len(code)
        # __name__: NumPy's floating-point warnings from a replay are filtered as eager's
        # are (the numpy backend ignores them in arraygrad's modules, as PyTorch is silent)
        ns: dict[str, Any] = {"_view": _view, "_same": _same, "_Mismatch": Mismatch,
                              "__name__": "arraygrad.compile.replay", **optimize.REDUCTIONS}
        self.buffers = plan(code, results, checks, fresh or {})
        buffer_bytes = 0
        for k, (shape, dtype) in enumerate(self.buffers.shapes):
            ns[f"B{k}"] = np.empty(shape, dtype)
            buffer_bytes += ns[f"B{k}"].nbytes
        self.buffer_bytes = buffer_bytes
        self.checks = list(checks)
        at: dict[int, list] = {}
        for ci, (pos, n, value, _where) in enumerate(self.checks):
            ns[f"V{ci}"] = value
            if isinstance(value, np.ndarray):
                test = f"not _same(s{n}, V{ci})"
            else:  # a Python number (see trace.Scalar): same type and value
                test = f"type(s{n}) is not type(V{ci}) or s{n} != V{ci}"
            at.setdefault(pos, []).append(f"    if {test}: raise _Mismatch({ci})")
        lines = ["def replay(ext):"]
        if externals:
            lines.append("    " + ", ".join(f"s{n}" for n in externals)
                         + ("," if len(externals) == 1 else "") + " = ext")
        for n, arr in consts.items():
            ns[f"K{n}"] = arr
            lines.append(f"    s{n} = K{n}")
        const = constant_namer(ns, "C")

        def src(e: Any) -> str:
            tag, v = e
            if tag == "s":
                return f"s{v}"
            if tag == "c":
                if v is None or v is Ellipsis or isinstance(v, (bool, int)):
                    return repr(v)
                return const(v)
            if tag in ("t", "l"):
                inner = ", ".join(src(x) for x in v)
                return f"({inner}{',' if len(v) == 1 else ''})" if tag == "t" else f"[{inner}]"
            if tag == "sl":
                return f"slice({', '.join(src(x) for x in v)})"
            raise AssertionError(tag)

        def target(p: Any) -> str:
            tag, v = p
            if tag == "s":
                return f"s{v}"
            if tag in ("t", "nt"):
                if not v:
                    return "_"
                return "(" + ", ".join(target(x) for x in v) + ("," if len(v) == 1 else "") \
                    + ")"
            return "_"

        self.rng_slots: list[str] = []
        for i, (kind, fn, args, kwargs, pattern) in enumerate(code):
            lines.extend(at.pop(i, ()))
            if i == first and precheck:
                ns["P"] = tuple(v for s, shape, dtype, w in precheck
                                for v in ((shape, dtype, True) if w else (shape, dtype)))
                reads = ", ".join(f"s{s}.shape, s{s}.dtype" + (f", s{s}.flags.writeable"
                                                                if w else "")
                                  for s, _shape, _dtype, w in precheck)
                lines.append(f"    if ({reads},) != P: raise _Mismatch(-1)")
            if kind == "view":
                b, off, shape, strides, dtype = args
                lines.append(f"    {target(pattern)} = _view(s{b}, {off}, {shape!r}, "
                             f"{strides!r}, {const(dtype)})")
                continue
            if kind == "call" and i not in self.buffers.out and pure is not None:
                fast = optimize.spelling(fn, args, kwargs, meta or {}, src)
                if fast is not None:
                    lines.append(f"    {target(pattern)} = {fast}")
                    continue
            fname = f"F{i}"
            ns[fname] = fn
            if kind == "rng":
                self.rng_slots.append(fname)
            parts = [src(a) for a in args[1]]
            keywords = [f"{k}={src(v)}" for k, v in kwargs[1]]
            if i in self.buffers.out:
                buf = f"B{self.buffers.out[i]}"
                if type(fn) is np.ufunc and len(parts) == fn.nin and fn not in _KEYWORD_OUT:
                    parts.append(buf)  # positional: no keyword parsing on every call
                else:
                    keywords.append(f"out={buf}")
            lines.append(f"    {target(pattern)} = {fname}({', '.join(parts + keywords)})")
        for pos in sorted(at):
            lines.extend(at[pos])
        lines.append("    return (" + "".join(f"s{n}, " for n in results) + ")")
        self.source = "\n".join(lines)
        exec(compile(self.source, "<ag.compile replay>", "exec"), ns)  # noqa: S102
        run = ns["replay"]
        if self.buffers.shapes:  # the buffers are shared: one replay at a time
            lock = threading.Lock()

            def locked(ext: Any) -> Any:
                with lock:
                    return run(ext)
            self.run = locked
        else:
            self.run = run
        self._raw = run
        self.ns = ns
        self.rng_values = rng_values
        self.drawn: list = []
        for name in self.rng_slots:
            ns[name].sink = self.drawn
        self.n_instructions = len(code)

    def verifier(self) -> Any:
        """The same program with each random draw replaced by the value drawn eagerly."""
        ns = dict(self.ns)
        values = iter(self.rng_values)
        for name in self.rng_slots:
            ns[name] = lambda *a, **k: np.array(next(values), copy=True)
        return types.FunctionType(self._raw.__code__, ns)


class Plan:
    """Which kernel calls write into a preallocated buffer: ``out[instruction] = buffer``,
    ``shapes[buffer] = (shape, dtype)``."""

    __slots__ = ("out", "shapes", "slots")

    def __init__(self) -> None:
        self.out: dict[int, int] = {}
        self.shapes: list[tuple] = []
        self.slots = 0  # how many results got a buffer (several share one)


def plan(code: list, results: list[int], checks: Sequence[tuple],
         fresh: dict[int, tuple]) -> Plan:
    """The memory plan: a NumPy ufunc call (``+``, ``*``, ``matmul``, ``exp``...) whose
    result is a new C-contiguous array writes into a buffer allocated once and reused on
    every replay, shared by results whose lifetimes do not overlap (liveness).

    Conservative aliasing: the result of any other call (reshape, indexing, a
    function of the namespace) may be a view of its inputs, so it keeps their buffers alive
    for as long as it lives, and a buffer that may reach a returned or committed result
    (anything the program hands out) gets none: what leaves a replay is always a fresh
    array, never one the next replay overwrites.
    """
    out = Plan()
    candidate: dict[int, int] = {}  # result slot -> instruction
    for i, (kind, fn, _args, kwargs, pattern) in enumerate(code):
        if kind != "call" or type(fn) is not np.ufunc or fn.nout != 1:
            continue
        if pattern[0] != "s" or pattern[1] not in fresh:
            continue
        if any(k in ("out", "where") for k, _v in kwargs[1]):
            continue
        candidate[pattern[1]] = i
    if not candidate:
        return out
    # may-alias sets (candidate slots each slot may share memory with), forward
    alias: dict[int, frozenset] = {s: frozenset((s,)) for s in candidate}
    last: dict[int, int] = {}
    for i, (kind, fn, args, kwargs, pattern) in enumerate(code):
        if kind == "view":
            ins = [args[0]]
        else:
            ins = optimize.slots_in(args, []) + optimize.slots_in(kwargs, [])
        src: frozenset = frozenset()
        for s in ins:
            a = alias.get(s)
            if a:
                src = src | a
                for c in a:
                    last[c] = i
        outs = optimize.slots_in(pattern, [])
        if kind == "call" and type(fn) is np.ufunc:
            targets = [s for k, v in kwargs[1] if k == "out" for s in optimize.slots_in(v, [])]
            if not targets:
                continue  # a ufunc without out= returns a new array (or its candidate self)
            src = frozenset().union(*(alias.get(s, frozenset()) for s in targets))
        for s in outs:
            if s not in candidate:
                alias[s] = alias.get(s, frozenset()) | src
    for pos, slot, _value, _where in checks:
        for c in alias.get(slot, ()):
            last[c] = max(last.get(c, 0), pos)
    escaped: set = set()
    for r in results:
        escaped |= alias.get(r, frozenset())
    # liveness: greedy assignment in program order
    free: dict[tuple, list[int]] = {}
    ending: dict[int, list[int]] = {}
    for slot, i in sorted(candidate.items(), key=lambda kv: kv[1]):
        if slot in escaped:
            continue
        end = last.get(slot, i)
        for j in [j for j in ending if j < i]:
            for b in ending.pop(j):
                free.setdefault(out.shapes[b], []).append(b)
        meta = (tuple(fresh[slot][0]), np.dtype(fresh[slot][1]))
        pool = free.get(meta)
        if pool:
            b = pool.pop()
        else:
            b = len(out.shapes)
            out.shapes.append(meta)
        out.out[i] = b
        out.slots += 1
        ending.setdefault(max(end, i), []).append(b)
    return out
