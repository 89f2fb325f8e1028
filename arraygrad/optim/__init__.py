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

from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.optim import lr_scheduler
from arraygrad.plugin_manager import NamedHookTable
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


_registry = NamedHookTable("arraygrad_optimizers", normalize=str.lower)


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
    """Build the optimizer registered as ``name`` (case-insensitive) with ``params`` and
    the optimizer's keyword hyperparameters.

    Raises
    ------
    KeyError
        If no plugin declares ``name``; the message lists the available ones.

    Examples
    --------
    >>> import arraygrad as ag
    >>> model = ag.nn.Linear(2, 1)
    >>> opt = ag.optim.create("SGD", model.parameters(), lr=0.5, momentum=0.9)
    >>> type(opt).__name__, opt.param_groups[0]["momentum"]
    ('SGD', 0.9)
    """
    return get(name)(params, **hyperparameters)
