"""Straight-line replay of a recording on the NumPy backend (generated Python source)."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any

import numpy as np


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
                 results: list[int], rng_values: list[Any], checks: Sequence[tuple] = ()
                 ) -> None:
        ns: dict[str, Any] = {"_view": _view, "_same": _same, "_Mismatch": Mismatch}
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
        counter = [0]

        def const(v: Any) -> str:
            name = f"C{counter[0]}"
            counter[0] += 1
            ns[name] = v
            return name

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
            lines.append(f"    {target(pattern)} = {fname}({', '.join(parts)})")
        for pos in sorted(at):
            lines.extend(at[pos])
        lines.append("    return (" + "".join(f"s{n}, " for n in results) + ")")
        self.source = "\n".join(lines)
        exec(compile(self.source, "<ag.compile replay>", "exec"), ns)  # noqa: S102
        self.run = ns["replay"]
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
        return types.FunctionType(self.run.__code__, ns)
