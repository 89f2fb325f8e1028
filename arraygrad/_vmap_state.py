"""The stack of active ``ag.func.vmap`` levels, kept below the op layers.

Random draws (:mod:`arraygrad.random`) must know whether they run inside a vmap, and the
op registry must hand batched arguments on, without importing :mod:`arraygrad.func` (which
sits above both). They read this module; :mod:`arraygrad.func._vmap` pushes the levels and
sets :data:`HOOKS` when it is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class VmapState(threading.local):
    """Per-thread vmap levels: ``(level, batch size, randomness)`` from outermost in."""

    def __init__(self) -> None:
        self.levels: list[tuple[int, int, str]] = []
        self.counter = 0


class Hooks:
    """What :mod:`arraygrad.func._vmap` installs: how a random draw runs inside a vmap."""

    random_draw: Callable[[Callable[..., Any], str, tuple, dict], Any] | None = None


STATE = VmapState()
HOOKS = Hooks()
