"""How a NumPy variant reads the step's state and writes its results back.

A recording knows exactly which arrays a replay reads (parameters, gradients, buffers,
optimizer state, learning rates, the call's arguments) and where each result goes. Both
are generated once per variant as straight-line Python over the very objects found while
recording, instead of interpreting the owner descriptions on every call (about 2,500
bytecodes per call of a 6-parameter step, as much as the replay itself).

Owners (see ``api._owners``) are tuples ``(kind, holder, key)``: ``"t"`` a tensor, ``"a"``
the call's argument at position ``key``, ``"g"`` a tensor's gradient, ``"b"`` a module's
buffer ``key``, ``"h"`` a parameter group's entry ``key``, ``"o"`` the optimizer state
entry ``key`` of ``holder = (optimizer, parameter)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arraygrad.compile.guards import constant_namer
from arraygrad.extend import assign, make_tensor
from arraygrad.tensor import Tensor, bump_versions


class Commit:
    """Where one result goes: ``owner`` gets ``got[index]`` (None: the gradient becomes
    None). ``inplace``: the position of the input whose array eager updated in place (the
    result is copied into it). ``renew``: eager left a new Tensor object there (a gradient
    after ``zero_grad()`` and ``backward()``), so each replay makes a new one too: a tensor
    kept from an earlier step keeps its values, as in eager."""

    __slots__ = ("owner", "index", "inplace", "renew", "scalar")

    def __init__(self, owner: tuple, index: int | None, inplace: int | None,
                 renew: bool, scalar: bool = False) -> None:
        self.owner = owner
        self.index = index
        self.inplace = inplace
        self.renew = renew
        self.scalar = scalar  # a 0-d result: a ufunc returns it as a NumPy scalar


def _array(v: Any) -> Any:
    return v.array if isinstance(v, Tensor) else v


def build_reader(readers: Sequence[tuple]) -> Callable[[list], list]:
    """``read(flat)``: the arrays (and numbers) a replay takes, in ``readers`` order, where
    ``flat`` holds the call's positional then keyword arguments."""
    ns: dict[str, Any] = {"_array": _array}
    const = constant_namer(ns, "K")
    exprs = []
    for kind, h, k in readers:
        if kind == "a":
            exprs.append(f"F[{k}].array")
        elif kind == "t":
            exprs.append(f"{const(h)}.array")
        elif kind == "g":
            exprs.append(f"{const(h)}.grad.array")
        elif kind == "b":
            exprs.append(f"getattr({const(h)}, {k!r}).array")
        elif kind == "h":
            exprs.append(f"{const(h)}[{k!r}]")
        else:
            opt, p = h
            exprs.append(f"_array({const(opt)}.state[{const(p)}][{k!r}])")
    source = "def read(F):\n    return [" + ", ".join(exprs) + "]\n"
    exec(compile(source, "<ag.compile read>", "exec"), ns)  # noqa: S102
    return ns["read"]


def build_commit(commits: Sequence[Commit], scalars: Sequence[tuple], copies: Sequence[Any],
                 backend: Any) -> Callable[[Any, list, list], None]:
    """``commit(got, originals, flat)``: write a finished replay's results (``got``) into the
    step's state, as eager left it.

    ``originals`` are the arrays the replay read (see :func:`build_reader`); ``copies`` the
    per-input buffers a state-writing program worked on (None: a fresh copy, or the array
    itself when the program wrote it in place); ``scalars``
    ``(optimizer, parameter, key, value)`` numbers eager put in the optimizer state.
    """
    ns: dict[str, Any] = {"_assign": assign, "_make": make_tensor, "_B": backend,
                          "_copyto": np.copyto, "_Tensor": Tensor, "_bump": bump_versions,
                          "_generic": np.generic, "_asarray": np.asarray}
    const = constant_namer(ns, "K")
    lines = ["def commit(got, E, F):", "    _w = []  # written in place: one version bump"]
    for c in commits:
        kind, h, k = c.owner
        ref = f"F[{k}]" if kind == "a" else (const(h) if kind != "o" else "")
        if kind == "o":
            opt, p = h
            lines.append(f"    _st = {const(opt)}.state.setdefault({const(p)}, {{}})")
        if c.index is None:  # a gradient that eager set to None
            lines.append(f"    {ref}.grad = None")
            continue
        lines.append(f"    v = got[{c.index}]")
        if c.scalar and kind != "h":  # state keeps a 0-d array, not a NumPy scalar
            lines.append("    if isinstance(v, _generic): v = _asarray(v)")
        if c.inplace is not None:
            lines += [f"    t = E[{c.inplace}]",
                      "    if v is t: pass",  # written in place by the replay itself
                      "    elif t.shape == v.shape and t.flags.writeable:",
                      "        _copyto(t, v)",
                      "        v = t"]
            if copies[c.inplace] is not None:  # the buffer is reused: never hand it out
                lines += [f"    elif v is {const(copies[c.inplace])}:", "        v = v.copy()"]
        # The values are what the verified recording produced (shape, dtype and backend
        # are guarded), so the checks of ``assign`` and of the ``grad`` setter (which
        # builds device objects to compare) are skipped where they would run per call.
        if kind in ("t", "a"):
            lines += [f"    if v is {ref}._data: _w.append({ref})",
                      f"    else: _assign({ref}, v)"]
        elif kind == "g":
            if c.renew:
                lines.append(f"    {ref}._grad = _make(v, _B)")
            else:
                lines += [f"    if (g := {ref}.grad) is None: {ref}._grad = _make(v, _B)",
                          "    else: _assign(g, v)"]
        elif kind == "b":
            if c.renew:
                lines.append(f"    setattr({ref}, {k!r}, _make(v, _B))")
            else:
                lines.append(f"    _assign(getattr({ref}, {k!r}), v)")
        elif kind == "h":
            lines.append(f"    {ref}[{k!r}] = v")
        elif c.renew:
            lines.append(f"    _st[{k!r}] = _make(v, _B)")
        else:
            lines += [f"    if isinstance(x := _st.get({k!r}), _Tensor): _assign(x, v)",
                      f"    else: _st[{k!r}] = v"]
    for opt, p, k, val in scalars:
        lines.append(f"    {const(opt)}.state.setdefault({const(p)}, {{}})[{k!r}] = "
                     f"{const(val)}")
    lines.append("    if _w: _bump(_w)")
    lines.append("    return None")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<ag.compile commit>", "exec"), ns)  # noqa: S102
    return ns["commit"]
