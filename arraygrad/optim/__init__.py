"""``arraygrad.optim``: optimizers (PyTorch's ``torch.optim``) and their plugin registry.

The core holds the shell, :class:`Optimizer`, and the schedulers
(:mod:`arraygrad.optim.lr_scheduler`). The named optimizers (``SGD``, ``Adam``, ...,
``LBFGS``) come from plugins through the ``arraygrad_optimizers`` hook: the built-in ones
from the ``optim`` plugin (:mod:`arraygrad.plugins.optim`), others from any package's entry
point. ``ag.optim.SGD`` looks the class up in that registry (by class name), so blocking the
``optim`` plugin really removes its optimizers; :func:`create` finds one by registry name.

Examples
--------
>>> import arraygrad as ag
>>> w = ag.nn.Parameter(ag.zeros(3))
>>> opt = ag.optim.create("adam", [w], lr=1e-2)
>>> type(opt).__name__
'Adam'
>>> "sgd" in ag.optim.available()
True
>>> ag.optim.SGD is ag.optim.get("sgd")
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.optim import lr_scheduler
from arraygrad.optim.optimizer import NonFiniteGradientError, Optimizer
from arraygrad.plugin_manager import PluginRegistry, blocked_plugins, plugin_failures

__all__ = ["Optimizer", "NonFiniteGradientError", "create", "available", "get",
           "lr_scheduler"]


def _check_optimizer(name: str, obj: Any) -> None:
    if not callable(obj):
        raise TypeError(f"a {type(obj).__name__}, not an optimizer class")


_registry = PluginRegistry("arraygrad_optimizers", kind="optimizer", check=_check_optimizer,
                           normalize=str.lower)


def available() -> dict[str, str]:
    """Every registered optimizer name, with the plugin that declares it.

    Refused declarations are listed too, keyed ``<plugin>`` (a hook that raised or returned
    the wrong type) or ``<plugin>:name`` (a name another plugin already provides; see
    :func:`arraygrad.plugin_manager.prefer`), with the reason as value.
    """
    return _registry.report()


def _missing(what: str, by_class: bool = False) -> str:
    if "optim" in blocked_plugins():
        return (f"{what}: the built-in optimizers come from the 'optim' plugin, which is "
                f"blocked (arraygrad.plugin_manager.block_plugin('optim'))")
    failed = [f for f in plugin_failures() if f.name == "optim"]
    if failed:
        return f"{what}: the 'optim' plugin failed to load: {failed[0].error}"
    if "optim" not in {p for _o, p in _registry.get().values()}:
        return (f"{what}: the 'optim' plugin is not installed (its entry point "
                f"arraygrad.plugins.optim is missing; reinstall arraygrad)")
    names = _by_class_name() if by_class else _registry.get()
    return f"{what}; registered optimizers: {', '.join(sorted(names))}"


def get(name: str) -> Callable[..., Any]:
    """The optimizer class registered as ``name`` (case-insensitive).

    Raises
    ------
    KeyError
        If no plugin declares ``name``; the message lists the available ones.
    """
    entry = _registry.get().get(name.lower())
    if entry is None:
        raise KeyError(_missing(f"unknown optimizer {name!r}") + ". Third-party optimizers "
                       "register through the 'arraygrad_optimizers' hook")
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


def _by_class_name() -> dict[str, Any]:
    return {getattr(obj, "__name__", key): obj for key, (obj, _p) in _registry.get().items()}


def __getattr__(attr: str) -> Any:
    """``ag.optim.SGD``: a registered optimizer class, found by its class name."""
    if attr.startswith("__"):
        raise AttributeError(attr)
    if attr == "swa_utils":  # torch.optim.swa_utils (imports nn: loaded on first use)
        return importlib.import_module("arraygrad.optim.swa_utils")
    found = _by_class_name().get(attr)
    if found is None:
        raise AttributeError(_missing(f"module 'arraygrad.optim' has no attribute {attr!r}",
                                      by_class=True))
    return found


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_by_class_name()))
