"""Python effects of a step that a replay would skip, found while it is recorded.

A replay runs the recorded kernels, not the step's Python. So a step must run eagerly when
it

- draws from Python's ``random`` module, NumPy's global generator or a generator object it
  holds (the number drawn while recording would be baked into the program; its tensors'
  own draws, ``ag.rand`` and dropout, are slots of the program and fresh on every replay):
  :class:`DrawWatch`;
- changes Python state it can reach: an attribute of a module or of a plain object
  (``self.last_attention = w``, ``self.steps += 1``), an element of a list, dict or set
  of its closure or globals (``history.append(loss)``): :class:`StateWatch`. Tensors the
  compiler tracks (parameters, buffers, tensor attributes that existed before the call)
  are state of the program instead.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from arraygrad.compile.guards import (
    MISSING,
    all_sources,
    attribute_reads,
    namespace_get,
    plain_object,
)
from arraygrad.nn.module import Module
from arraygrad.optim.lr_scheduler import LRScheduler
from arraygrad.tensor import Tensor

_GENERATORS = (random.Random, np.random.Generator, np.random.RandomState,
               np.random.BitGenerator)


def _state(gen: Any) -> Any:
    if isinstance(gen, random.Random):
        return gen.getstate()
    if isinstance(gen, np.random.RandomState):
        return gen.get_state(legacy=False)
    if isinstance(gen, np.random.Generator):
        gen = gen.bit_generator
    return gen.state


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(
            _equal(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(
            _equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    return bool(a == b)


def generators(fn: Any, modules: Sequence = ()) -> list[tuple[str, Any]]:
    """``(description, generator)`` for Python's and NumPy's global generators and every
    generator object the step's code (or the user code it reaches) names, holds in a
    closure, or reads from a module or settings object."""
    found: list[tuple[str, Any]] = [("Python's random module", random._inst),
                                    ("NumPy's global generator (np.random)",
                                     np.random.mtrand._rand)]
    seen = {id(g) for _d, g in found}

    def add(v: Any, where: str) -> None:
        v = getattr(v, "__self__", v)  # a generator's bound method: rng.normal
        if isinstance(v, _GENERATORS) and id(v) not in seen:
            seen.add(id(v))
            found.append((f"the generator {where} ({type(v).__name__})", v))

    for cells, g, names in all_sources(fn, modules):
        for cell in cells:
            try:
                add(cell.cell_contents, "of the step's closure")
            except ValueError:  # an empty cell
                pass
        for n in names:
            add(g.get(n), f"{n!r}")
    for m in modules:
        for sub in ([] if isinstance(m, list) else m.modules()):
            for k, v in vars(sub).items():
                add(v, f"{type(sub).__name__}.{k}")
    for root, attrs in attribute_reads(fn, modules):
        v = root
        for i, a in enumerate(attrs):  # config.rng.normal(): the generator is config.rng
            v = namespace_get(v, a)
            if v is MISSING:
                break
            add(v, ".".join((type(root).__name__,) + attrs[:i + 1]))
    return found


class DrawWatch:
    """The states of :func:`generators` before a step runs; :meth:`problem` says which one
    the step drew from (None: none)."""

    def __init__(self, fn: Any, modules: Sequence = ()) -> None:
        self.gens = generators(fn, modules)
        self.before = [_state(g) for _d, g in self.gens]

    def problem(self) -> str | None:
        """Why the step cannot be replayed, when it drew from one of the generators."""
        for (where, gen), before in zip(self.gens, self.before):
            if not _equal(_state(gen), before):
                return (f"the step draws numbers from {where}: a replay would reuse the "
                        f"numbers drawn while recording; draw them with ag.rand / ag.randn "
                        f"/ ag.randint (fresh on every replay), or outside the step and "
                        f"pass them in as tensors")
        return None

    def restore(self) -> None:
        """Put every generator back where it was (a JAX trace drew with tracers, and the
        eager run that follows must draw the same numbers as an eager call)."""
        for (_where, gen), before in zip(self.gens, self.before):
            if isinstance(gen, random.Random):
                gen.setstate(before)
            elif isinstance(gen, np.random.RandomState):
                gen.set_state(before)
            else:
                bits = gen.bit_generator if isinstance(gen, np.random.Generator) else gen
                bits.state = before


_MODULE_FIELDS = ("_parameters", "_buffers", "_modules")


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and type(a) in (int, float, bool, str) and a == b)


def _contents(v: Any) -> Any:
    """A shallow snapshot of a container (None for anything else)."""
    if type(v) is list:
        return list(v)
    if type(v) is dict:
        return dict(v)
    if type(v) is set:
        return set(v)
    return None


def _unchanged(before: Any, now: Any) -> bool:
    if type(before) is set:
        return before == now
    if type(before) is list:
        return len(before) == len(now) and all(_same(a, b) for a, b in zip(before, now))
    return before.keys() == now.keys() and all(_same(before[k], now[k]) for k in before)


class StateWatch:
    """What a step could change in Python, taken before it runs: each module's attributes
    (but the tensors the compiler tracks), the attributes of plain objects and the
    contents of containers found in its closure, default arguments, globals and bound
    ``self``; :meth:`problem` names the first one the step changed (None: none)."""

    def __init__(self, fn: Any, modules: Sequence = ()) -> None:
        self.attrs: list[tuple[str, Any, dict, frozenset]] = []  # (name, object, ...)
        self.contents: list[tuple[str, Any, Any]] = []  # (description, container, copy)
        seen: set[int] = set()
        for m in modules:
            for sub in ([] if isinstance(m, list) else m.modules()):
                if id(sub) not in seen:
                    seen.add(id(sub))
                    tracked = frozenset(k for k, v in vars(sub).items()
                                        if isinstance(v, Tensor)) | frozenset(sub._buffers)
                    self._watch(type(sub).__name__, sub, tracked | set(_MODULE_FIELDS))
                    for field in ("_parameters", "_modules"):
                        self.contents.append((f"the {field[1:]} of {type(sub).__name__}",
                                              getattr(sub, field), dict(getattr(sub, field))))
        values: list[tuple[str, Any]] = []
        for cells, g, names in all_sources(fn, modules):
            for cell in cells:
                try:
                    values.append(("a closure variable", cell.cell_contents))
                except ValueError:
                    pass
            values += [(f"the global {n!r}", g[n]) for n in names if n in g]
        target = type(fn).forward if isinstance(fn, Module) else fn
        bound = getattr(target, "__self__", None)
        if bound is not None and not isinstance(bound, Module):
            values.append(("self", bound))
        for where, v in values:
            if id(v) in seen:
                continue
            seen.add(id(v))
            if plain_object(v):
                self._watch(type(v).__name__, v, frozenset())
            elif _contents(v) is not None and len(v) <= 4096:
                self.contents.append((f"{where} (a {type(v).__name__})", v, _contents(v)))

    def _watch(self, name: str, obj: Any, tracked: frozenset) -> None:
        self.attrs.append((name, obj, {k: v for k, v in vars(obj).items() if k not in tracked},
                           tracked))

    def problem(self) -> str | None:
        """Why the step cannot be replayed, when it changed watched Python state."""
        for name, obj, before, tracked in self.attrs:
            now = {k: v for k, v in vars(obj).items() if k not in tracked}
            if not _unchanged(before, now):
                changed = sorted(k for k in set(before) | set(now) if k not in before
                                 or k not in now or not _same(before[k], now[k]))
                if isinstance(obj, LRScheduler):
                    return (f"the step steps a learning-rate scheduler ({name}); its Python "
                            f"state would not be replayed: call scheduler.step() outside "
                            f"the compiled step")
                return self._message(f"the attribute {name}.{changed[0]}")
        for where, obj, before in self.contents:
            if not _unchanged(before, _contents(obj) if type(obj) in (list, dict, set)
                              else dict(obj)):
                return self._message(f"{where}, changed in place")
        return None

    def restore(self) -> None:
        """Put the watched attributes and container contents back as they were (a JAX
        trace ran the step's Python with tracers, and the eager run that follows must see
        the state an eager call would)."""
        for _name, obj, before, tracked in self.attrs:
            d = vars(obj)
            for k in [k for k in d if k not in tracked and k not in before]:
                del d[k]
            d.update(before)
        for _where, obj, before in self.contents:
            obj.clear()
            if type(obj) is list:
                obj.extend(before)
            else:
                obj.update(before)

    @staticmethod
    def _message(what: str) -> str:
        return (f"the step changes Python state ({what}): a replay runs the recorded "
                f"kernels, not the step's Python, so it would change only on the calls "
                f"that record; keep such state outside the compiled step, or return the "
                f"value from it")
