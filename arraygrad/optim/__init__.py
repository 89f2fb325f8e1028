"""``arraygrad.optim``: optimizers (PyTorch's ``torch.optim``) and their plugin registry.

The built-in optimizers live in the plugin :mod:`arraygrad.plugins.optim`; any package can
add more through the ``arraygrad_optimizers`` hook (entry-point group ``arraygrad``), and
:func:`create` finds them by name.

Examples
--------
>>> import arraygrad as ag
>>> w = ag.nn.Parameter(ag.zeros(3))
>>> opt = ag.optim.create("adam", [w], lr=1e-2)
>>> type(opt).__name__
'Adam'
>>> "sgd" in ag.optim.available()
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.optim import lr_scheduler
from arraygrad.plugins.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    NonFiniteGradientError,
    Optimizer,
    RMSprop,
)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NonFiniteGradientError",
           "create", "available", "get", "lr_scheduler"]


class _Registry:
    """Optimizers declared by plugins, collected on first use and again after a plugin
    is registered or removed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.table: dict[str, tuple[Callable[..., Any], str]] | None = None
        self.hooked = False

    def clear(self) -> None:
        with self.lock:
            self.table = None

    def get(self) -> dict[str, tuple[Callable[..., Any], str]]:
        table = self.table
        if table is not None:
            return table
        from arraygrad.plugin_manager import get_plugin_manager, on_refresh

        with self.lock:
            if not self.hooked:
                on_refresh(self.clear)
                self.hooked = True
            if self.table is None:
                found: dict[str, tuple[Callable[..., Any], str]] = {}
                # Registration order: built-ins (entry points) first, so a plugin
                # registered later can add names but not silently replace a built-in.
                for impl in get_plugin_manager().hook.arraygrad_optimizers.get_hookimpls():
                    for name, factory in (impl.function() or {}).items():
                        found.setdefault(name.lower(), (factory, impl.plugin_name))
                self.table = found
            return self.table


_registry = _Registry()


def available() -> dict[str, str]:
    """Every registered optimizer name, with the plugin that declares it."""
    return {name: plugin for name, (_f, plugin) in sorted(_registry.get().items())}


def get(name: str) -> Callable[..., Any]:
    """The optimizer class registered as ``name`` (case-insensitive).

    Raises
    ------
    KeyError
        If no plugin declares ``name``; the message lists the available ones.
    """
    table = _registry.get()
    entry = table.get(name.lower())
    if entry is None:
        raise KeyError(f"unknown optimizer {name!r}; available: {', '.join(sorted(table))}. "
                       f"Third-party optimizers register through the 'arraygrad_optimizers' "
                       f"hook")
    return entry[0]


def create(name: str, params: Iterable[Any], **hyperparameters: Any) -> Optimizer:
    """Build the optimizer registered as ``name``: ``create("adam", model.parameters(),
    lr=1e-3)``."""
    return get(name)(params, **hyperparameters)
