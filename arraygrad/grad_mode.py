"""Thread-local gradient recording mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``. Each works as a context manager and as a decorator."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    # Class attribute is the default every new thread sees.
    enabled = True


STATE = _State()


def is_grad_enabled() -> bool:
    """Return whether operations are currently recorded for backward."""
    return STATE.enabled


class _GradMode:
    """Base for grad-mode switches: a context manager that also decorates functions."""

    _enabled: bool = True

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        STATE.enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn: F) -> F:
        enabled = self._enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = STATE.enabled
            STATE.enabled = enabled
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Disable graph recording.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.ones(3, requires_grad=True)
    >>> with ag.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _enabled = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` region."""

    _enabled = True


class inference_mode(_GradMode):
    """Like ``no_grad``: nothing is recorded (arraygrad has no separate inference tensors).

    ``inference_mode(False)`` is a no-op switch that keeps the current mode, as in PyTorch.
    """

    def __init__(self, mode: bool = True) -> None:
        self._active = mode

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        if self._active:
            STATE.enabled = False

    def __call__(self, fn: F) -> F:
        active = self._active

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = STATE.enabled
            if active:
                STATE.enabled = False
            try:
                return fn(*args, **kwargs)
            finally:
                STATE.enabled = prev

        return wrapper  # type: ignore[return-value]


class set_grad_enabled(_GradMode):
    """Set recording on or off: as a function call, a context manager or a decorator.

    Called plainly (``ag.set_grad_enabled(False)``) it switches the mode at once for the
    current thread; used in ``with`` it restores the previous mode on exit.
    """

    def __init__(self, mode: bool) -> None:
        self._prev = STATE.enabled
        self._enabled = bool(mode)
        STATE.enabled = self._enabled

    def __enter__(self) -> None:
        STATE.enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn: F) -> F:
        STATE.enabled = self._prev  # as a decorator it switches only inside ``fn`` (as torch)
        return super().__call__(fn)
