"""``torch.jit`` for programs that use it in passing: ``script``, ``trace`` and their
decorators return what they are given, so the program computes what it computed before.

TorchScript is PyTorch's own compiler and file format: ``torch.jit.script(model)`` gives an
object that runs the same computation, which here is the model itself (``ag.compile`` is
arraygrad's compiler for training steps). ``save`` and ``load`` of TorchScript archives
raise: there is no TorchScript here; ``ag.save`` stores state dicts.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting",
           "is_tracing", "annotate", "Final", "freeze", "optimize_for_inference", "fork",
           "wait", "Future", "save", "load", "script_if_tracing", "interface"]

_F = TypeVar("_F")
Final = typing.Final


def script(obj: _F, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> _F:
    """``obj`` itself (a module, function or class): it computes what a scripted one does.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad import jit
    >>> layer = ag.nn.Linear(2, 2)
    >>> jit.script(layer) is layer
    True
    """
    return obj


def trace(func: _F, example_inputs: Any = None, *args: Any, **kwargs: Any) -> _F:
    """``func`` itself: a traced module or function computes what ``func`` computes on
    inputs like ``example_inputs``."""
    return func


def trace_module(mod: _F, inputs: Any = None, *args: Any, **kwargs: Any) -> _F:
    """``mod`` itself (see :func:`trace`)."""
    return mod


def script_if_tracing(fn: _F) -> _F:
    """``fn`` itself."""
    return fn


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """The ``@torch.jit.ignore`` decorator (with or without arguments): the function as
    it is."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: _F) -> _F:
    """The ``@torch.jit.unused`` decorator: the function as it is."""
    return fn


def export(fn: _F) -> _F:
    """The ``@torch.jit.export`` decorator: the function as it is."""
    return fn


def interface(obj: _F) -> _F:
    """The ``@torch.jit.interface`` decorator: the class as it is."""
    return obj


def is_scripting() -> bool:
    """False: nothing runs under TorchScript here."""
    return False


def is_tracing() -> bool:
    """False: nothing runs under the TorchScript tracer here."""
    return False


def annotate(the_type: Any, the_value: _F) -> _F:
    """``the_value`` (TorchScript's type annotation helper)."""
    return the_value


def freeze(mod: _F, preserved_attrs: Any = None, optimize_numerics: bool = True) -> _F:
    """``mod`` itself."""
    return mod


def optimize_for_inference(mod: _F, other_methods: Any = None) -> _F:
    """``mod`` itself."""
    return mod


class Future:
    """The result of :func:`fork`: the call has already run; :meth:`wait` returns it."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def wait(self) -> Any:
        """The forked call's result."""
        return self._value


def fork(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """Run ``func(*args, **kwargs)`` (now) and return a :class:`Future` of its result."""
    return Future(func(*args, **kwargs))


def wait(future: Future) -> Any:
    """The result of a :func:`fork`."""
    return future.wait()


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Raises: there are no TorchScript archives here (``ag.save(model.state_dict(), f)``
    stores the weights)."""
    raise NotImplementedError("torch.jit.save: arraygrad has no TorchScript; save the "
                              "weights with ag.save(model.state_dict(), f)")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Raises: there are no TorchScript archives here (``ag.load`` reads what ``ag.save``
    wrote)."""
    raise NotImplementedError("torch.jit.load: arraygrad cannot read TorchScript archives; "
                              "load a state dict with ag.load(f) and model.load_state_dict")
