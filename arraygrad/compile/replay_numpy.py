"""Straight-line replay of a recording on the NumPy backend (generated Python source)."""

from __future__ import annotations

import threading
import types
from collections.abc import Sequence
from typing import Any

import numpy as np

from arraygrad.compile.guards import constant_namer


class Mismatch(Exception):
    """A value the step read in Python differs from the recorded one (args: its index)."""


def _same(a: Any, b: Any) -> bool:
    a = np.asarray(a)
    return a.shape == b.shape and a.dtype == b.dtype and bool(
        np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _view(base: Any, offset: int, shape: tuple, strides: tuple, dtype: Any) -> Any:
    if offset == 0:
        return np.lib.stride_tricks.as_strided(base, shape, strides)
    return np.ndarray(shape, dtype, buffer=base, offset=offset, strides=strides)


class Program:
    """A compiled replay: ``run(externals)`` -> values of ``self.results`` slots."""

    def __init__(self, code: list, externals: list[int], consts: dict[int, Any],
                 results: list[int], rng_values: list[Any], checks: Sequence[tuple] = (),
                 fresh: dict[int, tuple] | None = None) -> None:
        ns: dict[str, Any] = {"_view": _view, "_same": _same, "_Mismatch": Mismatch}
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
            if kind == "view":
                b, off, shape, strides, dtype = args
                lines.append(f"    {target(pattern)} = _view(s{b}, {off}, {shape!r}, "
                             f"{strides!r}, {const(dtype)})")
                continue
            fname = f"F{i}"
            ns[fname] = fn
            if kind == "rng":
                self.rng_slots.append(fname)
            parts = [src(a) for a in args[1]]
            parts += [f"{k}={src(v)}" for k, v in kwargs[1]]
            if i in self.buffers.out:
                parts.append(f"out=B{self.buffers.out[i]}")
            lines.append(f"    {target(pattern)} = {fname}({', '.join(parts)})")
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


def _slots_in(e: Any, acc: list[int]) -> list[int]:
    tag, v = e
    if tag == "s":
        acc.append(v)
    elif tag in ("t", "l", "sl", "nt"):
        for x in v:
            _slots_in(x, acc)
    elif tag == "d":
        for _k, x in v:
            _slots_in(x, acc)
    return acc


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
            ins = _slots_in(args, []) + _slots_in(kwargs, [])
        src: frozenset = frozenset()
        for s in ins:
            a = alias.get(s)
            if a:
                src = src | a
                for c in a:
                    last[c] = i
        outs = _slots_in(pattern, [])
        if kind == "call" and type(fn) is np.ufunc and not any(
                k == "out" for k, _v in kwargs[1]):
            continue  # a ufunc without out= returns a new array (or its candidate self)
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
