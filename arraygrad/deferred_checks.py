"""Checks on array values that a traced computation (``ag.compile`` on JAX) runs later.

Eager code checks values on the host at once (``cross_entropy`` raises ``IndexError`` on a
label out of range, as PyTorch). While ``jax.jit`` traces a compiled step there are no
values, only tracers; an op that would read one calls :func:`require` instead, which
records the condition as an extra output of the traced computation. The compiled call
reads those outputs before it commits anything and raises the op's error when one is
false, so a bad batch changes no parameter, exactly as in eager.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_state = threading.local()


class Deferred:
    """One condition recorded while tracing: ``ok`` (a 0-d bool array), the error class,
    and ``message(*values)``, formatted from the host values of ``values``."""

    __slots__ = ("ok", "error", "message", "values")

    def __init__(self, ok: Any, error: type, message: Callable[..., str],
                 values: tuple) -> None:
        self.ok = ok
        self.error = error
        self.message = message
        self.values = values


def collecting() -> bool:
    """Whether a trace is collecting deferred checks in this thread (values are not
    available: code must not branch on them)."""
    return getattr(_state, "checks", None) is not None


def require(ok: Any, error: type, message: Callable[..., str], *values: Any) -> None:
    """Record that 0-d bool array ``ok`` must be true, else ``error(message(*host
    values))`` is raised after the traced call and before it commits. Only valid while
    :func:`collecting`."""
    checks = getattr(_state, "checks", None)
    if checks is None:
        raise RuntimeError("deferred_checks.require outside a trace (check eagerly)")
    checks.append(Deferred(ok, error, message, values))


class collect:
    """Context manager: collect the checks of the code it runs (``with collect() as c``;
    ``c`` is the list of :class:`Deferred`)."""

    def __enter__(self) -> list[Deferred]:
        self._saved = getattr(_state, "checks", None)
        _state.checks = []
        return _state.checks

    def __exit__(self, *exc: Any) -> None:
        _state.checks = self._saved


def raise_failed(checks: list[Deferred], oks: list[Any], values: list[tuple]) -> None:
    """Raise the first failed check's error (host values ``oks`` and ``values``)."""
    for check, ok, vals in zip(checks, oks, values):
        if not bool(ok):
            raise check.error(check.message(*vals))
