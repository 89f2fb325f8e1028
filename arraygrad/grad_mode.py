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
    # Class attribute is the default every new thread sees. Change it only through
    # set_mode (which keeps SLOW exact).
    enabled = True


STATE = _State()

# ``SLOW[0]`` is 0 while every thread records (grad mode on) and anomaly detection is off:
# the op registry's hot path then reads this list item (about 10 ns) instead of the
# thread-local mode (about 50 ns, a threading.local attribute) and the anomaly flag. It
# counts the threads whose mode is off, plus one while anomaly detection is on
# (arraygrad.anomaly_mode). A thread's off switch is counted before it takes effect and its
# on switch uncounted after, so a thread that records nothing always sees a positive count
# and reads its own mode; a thread that ends with its mode off is uncounted when its
# thread-local state is freed (_Off.__del__).
SLOW = [0]
_COUNT_LOCK = threading.Lock()


def _count(delta: int) -> None:
    with _COUNT_LOCK:
        SLOW[0] += delta


class _Off:
    """Held in ``STATE.off`` while the thread's mode is off: counted in ``SLOW`` from its
    creation to its release (a mode switched on, or the thread's end)."""

    __slots__ = ()

    def __init__(self) -> None:
        _count(1)

    def __del__(self, _lock: Any = _COUNT_LOCK, _slow: list = SLOW) -> None:
        # (bound as defaults: at interpreter exit the module's globals may be gone first)
        with _lock:
            _slow[0] -= 1


def set_mode(enabled: bool) -> bool:
    """Switch graph recording on or off for the current thread; return the previous mode.

    Every change of the mode goes through here (the context managers below, the engine
    during backward), so that :data:`SLOW` stays exact.
    """
    prev = STATE.enabled
    if enabled:
        if not prev:
            STATE.enabled = True
            del STATE.off  # uncounted after the switch
    elif prev:
        STATE.off = _Off()  # counted before the switch
        STATE.enabled = False
    return prev


def is_grad_enabled() -> bool:
    """Return whether operations are currently recorded for backward."""
    return STATE.enabled


class _GradMode:
    """Base for grad-mode switches: a context manager that also decorates functions."""

    _enabled: bool = True

    def __enter__(self) -> None:
        self._prev = set_mode(self._enabled)

    def __exit__(self, *exc: object) -> None:
        set_mode(self._prev)

    def __call__(self, fn: F) -> F:
        enabled = self._enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = set_mode(enabled)
            try:
                return fn(*args, **kwargs)
            finally:
                set_mode(prev)

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
        self._prev = set_mode(False) if self._active else STATE.enabled

    def __call__(self, fn: F) -> F:
        active = self._active

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = set_mode(False) if active else STATE.enabled
            try:
                return fn(*args, **kwargs)
            finally:
                set_mode(prev)

        return wrapper  # type: ignore[return-value]


class set_grad_enabled(_GradMode):
    """Set recording on or off: as a function call, a context manager or a decorator.

    Called plainly (``ag.set_grad_enabled(False)``) it switches the mode at once for the
    current thread; used in ``with`` it restores the previous mode on exit.
    """

    def __init__(self, mode: bool) -> None:
        self._enabled = bool(mode)
        self._prev = set_mode(self._enabled)

    def __enter__(self) -> None:
        set_mode(self._enabled)

    def __exit__(self, *exc: object) -> None:
        set_mode(self._prev)

    def __call__(self, fn: F) -> F:
        set_mode(self._prev)  # as a decorator it switches only inside ``fn`` (as torch)
        return super().__call__(fn)
