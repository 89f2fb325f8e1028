"""Python-level random number generators a step may draw from, and whether it did.

A replay runs the recorded kernels, not the step's Python: a number drawn from Python's
``random`` module, NumPy's global generator or a generator object the step holds is drawn
once, while recording, and baked into the program. Such a step must run eagerly; its
tensors' own draws (``ag.rand``, dropout) are slots of the program and fresh on every
replay.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np

from arraygrad.compile.guards import MISSING, all_sources, attribute_reads, namespace_get

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
