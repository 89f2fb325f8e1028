"""Which module classes ``ag.load`` may construct (PyTorch's ``safe_globals`` names).

A checkpoint names classes as ``"package.module:QualName"``; ``ag.load`` never imports a
module a file names, except arraygrad's own. A class outside arraygrad is built only when
the user allowed that very class object: process-wide with :func:`add_safe_globals`, or
for one thread and one block with :func:`safe_globals`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["add_safe_globals", "safe_globals", "get_safe_globals", "clear_safe_globals"]

_LOCK = threading.Lock()
_GLOBAL: dict[str, type] = {}


class _Local(threading.local):
    def __init__(self) -> None:
        self.stack: list[dict[str, type]] = []


_LOCAL = _Local()


def class_path(cls: type) -> str:
    """``"module:QualName"``: how a checkpoint names ``cls``."""
    return f"{cls.__module__}:{cls.__qualname__}"


def _entries(classes: Iterable[Any]) -> dict[str, type]:
    from arraygrad.nn.module import Module

    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise TypeError(f"safe globals must be a list of Module classes, got "
                        f"{type(classes).__name__}")
    out = {}
    for item in classes:
        name = None
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
            item, name = item
            name = name if ":" in name else ":".join(name.rsplit(".", 1))
        if not isinstance(item, type) or not issubclass(item, Module):
            raise TypeError(f"safe globals must be ag.nn.Module subclasses (or (class, "
                            f"'module.Name') pairs), got {item!r}")
        out[name or class_path(item)] = item
    return out


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow ``ag.load`` to construct these ``ag.nn.Module`` subclasses (process-wide).

    Parameters
    ----------
    safe_globals : list of classes
        Module subclasses, or ``(cls, "old.module.Name")`` pairs for a class saved under
        another name.

    Examples
    --------
    >>> import arraygrad as ag
    >>> class Tiny(ag.nn.Module):
    ...     def __init__(self, n):
    ...         super().__init__()
    ...         self.fc = ag.nn.Linear(n, 1)
    >>> ag.serialization.add_safe_globals([Tiny])
    >>> Tiny in ag.serialization.get_safe_globals()
    True
    >>> ag.serialization.clear_safe_globals()
    """
    entries = _entries(safe_globals)
    with _LOCK:
        _GLOBAL.update(entries)


def get_safe_globals() -> list[type]:
    """The classes allowed now (process-wide ones, then this thread's ``safe_globals``)."""
    with _LOCK:
        found = list(_GLOBAL.values())
    for frame in _LOCAL.stack:
        found.extend(frame.values())
    return list(dict.fromkeys(found))


def clear_safe_globals() -> None:
    """Forget the classes allowed with :func:`add_safe_globals`."""
    with _LOCK:
        _GLOBAL.clear()


@contextmanager
def safe_globals(safe_globals: Iterable[Any]) -> Iterator[None]:
    """Allow these Module classes inside the ``with`` block (this thread only).

    Examples
    --------
    >>> import arraygrad as ag
    >>> class Tiny(ag.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    >>> with ag.serialization.safe_globals([Tiny]):
    ...     Tiny in ag.serialization.get_safe_globals()
    True
    """
    _LOCAL.stack.append(_entries(safe_globals))
    try:
        yield
    finally:
        _LOCAL.stack.pop()


def resolve(path: Any, where: str) -> type:
    """The class a checkpoint names, if it is arraygrad's own or allowed; else raise."""
    from arraygrad.nn.module import Module
    from arraygrad.serialization._format import CheckpointError

    if not isinstance(path, str) or path.count(":") != 1:
        raise CheckpointError(f"checkpoint {where} is corrupted: bad module class "
                              f"{path!r}")
    for frame in reversed(_LOCAL.stack):
        if path in frame:
            return frame[path]
    with _LOCK:
        if path in _GLOBAL:
            return _GLOBAL[path]
    module_name, qualname = path.split(":")
    if module_name == "arraygrad" or module_name.startswith("arraygrad."):
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError):
            obj = None
        if isinstance(obj, type) and issubclass(obj, Module) and class_path(obj) == path:
            return obj
        raise CheckpointError(f"checkpoint {where} names module class {path!r}, which this "
                              f"version of arraygrad does not have")
    dotted = f"{module_name}.{qualname}"
    raise CheckpointError(
        f"ag.load({where}): the checkpoint contains a module of class {dotted}, which is "
        f"not an arraygrad class and has not been allowed. Nothing was constructed. If you "
        f"trust this file, allow the class: ag.serialization.add_safe_globals([{qualname}]) "
        f"or `with ag.serialization.safe_globals([{qualname}]): ag.load(...)`; or save and "
        f"load model.state_dict() instead")
