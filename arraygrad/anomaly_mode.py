"""Anomaly detection for backward (PyTorch's ``torch.autograd.detect_anomaly``).

While it is on, every recorded op remembers the Python stack that created it, and backward
checks each gradient it computes: a rule that returns NaN raises ``RuntimeError`` naming
the node and input, and any error inside backward first warns with the forward stack of
the op whose backward failed. Process-wide, as in PyTorch. It slows every op; use it to
find where a NaN comes from, then turn it off.
"""

from __future__ import annotations

import os
import traceback
import warnings
import weakref
from typing import Any

from arraygrad.grad_mode import _COUNT_LOCK, SLOW

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]


class _Anomaly:
    __slots__ = ("enabled", "check_nan")

    def __init__(self) -> None:
        self.enabled = False
        self.check_nan = True


ANOMALY = _Anomaly()


def _set(enabled: bool, check_nan: bool) -> None:
    """Switch anomaly detection (every change goes through here): while it is on,
    ``arraygrad.grad_mode.SLOW`` counts one more, so the op registry's hot path, which
    reads only that count, looks at ``ANOMALY.enabled``."""
    with _COUNT_LOCK:  # (two threads switching at once count once)
        if enabled and not ANOMALY.enabled:
            SLOW[0] += 1  # counted before the switch takes effect
            ANOMALY.enabled = True
        elif not enabled and ANOMALY.enabled:
            ANOMALY.enabled = False
            SLOW[0] -= 1  # uncounted after
        ANOMALY.check_nan = check_nan
# Node -> the formatted stack of the Python code that recorded it (kept only while on).
FORWARD_STACKS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return ANOMALY.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection checks gradients for NaN."""
    return ANOMALY.check_nan


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def remember_stack(node: Any) -> None:
    """Store the stack that records ``node`` (called by the op registry while on): the
    caller's frames, without arraygrad's own."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    FORWARD_STACKS[node] = "".join(traceback.format_list(frames))


def forward_stack(node: Any) -> str:
    """The recorded stack of ``node``, or a hint when it was recorded with the mode off."""
    return FORWARD_STACKS.get(node) or ("  (no forward stack: the op was recorded before "
                                        "anomaly detection was enabled)\n")


def warn_backward_error(node: Any) -> None:
    """Warn with the forward stack of the op whose backward raised (PyTorch prints it)."""
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                  f"the error:\n{forward_stack(node)}", RuntimeWarning, stacklevel=3)


def nan_error(node: Any, i: int) -> RuntimeError:
    """The error for a backward rule that produced NaN (PyTorch's wording, plus the stack)."""
    return RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output. "
                        f"Forward call that created it:\n{forward_stack(node)}")


class set_detect_anomaly:
    """Turn anomaly detection on or off: a call (``set_detect_anomaly(True)``) that also
    works as a context manager restoring the previous setting.

    Examples
    --------
    >>> import arraygrad as ag
    >>> with ag.autograd.set_detect_anomaly(True):
    ...     ag.autograd.is_anomaly_enabled()
    True
    >>> ag.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (ANOMALY.enabled, ANOMALY.check_nan)
        _set(bool(mode), bool(check_nan))

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _set(*self._prev)


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside it.

    Examples
    --------
    >>> import warnings
    >>> import arraygrad as ag
    >>> x = ag.tensor([0.0], requires_grad=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     with ag.autograd.detect_anomaly():
    ...         y = (x * ag.log(x)).sum()  # 0 * log(0) = nan
    ...         try:
    ...             y.backward()
    ...         except RuntimeError as err:
    ...             print(str(err).splitlines()[0])
    Function 'LogBackward' returned nan values in its 0th output. Forward call that created it:
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._check_nan = check_nan

    def __enter__(self) -> None:
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the "
                      "runtime and should only be enabled for debugging.", UserWarning,
                      stacklevel=2)
        self._prev = (ANOMALY.enabled, ANOMALY.check_nan)
        _set(True, self._check_nan)

    def __exit__(self, *exc: object) -> None:
        _set(*self._prev)

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self._check_nan):
                return fn(*args, **kwargs)

        return wrapper
