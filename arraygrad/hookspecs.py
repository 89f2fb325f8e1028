"""Every arraygrad plugin hook, in one place.

Plugins are modules (or objects) registered with pluggy under the project name
``arraygrad``. Third-party packages expose them through the ``arraygrad`` entry-point group::

    [project.entry-points.arraygrad]
    mylib = "arraygrad_mylib.plugin"

Built-in backends, optimizers and data sources are registered exactly the same way.
Entry points are loaded lazily (the first time a backend, optimizer or data source is
looked up) and one at a time: a plugin that fails to import is reported by
``ag.backends.available()`` and ``arraygrad backends`` with its error and never breaks
``import arraygrad``.

Every declaring hook below is collected under one rule
(:class:`arraygrad.plugin_manager.PluginRegistry`): built-in plugins first, the first
declaration of a name wins, a later plugin's clashing name is reported and ignored unless
the user calls :func:`arraygrad.plugin_manager.prefer`, and a hook that raises (even
``SystemExit``) or returns the wrong type is reported with the plugin's name while every
other plugin keeps working. A hook must not look up the registry it declares into.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from arraygrad.backend_registry import BackendSpec

PROJECT = "arraygrad"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def arraygrad_backends() -> list[BackendSpec]:
    """Declare array backends.

    Called once, when the backend registry is first used. Return a list of
    :class:`arraygrad.backend_registry.BackendSpec`, each a name and a zero-argument
    ``load`` function that imports the array library and returns a
    :class:`arraygrad.backend_registry.Backend`.
    ``load`` runs only when that backend is first requested (or when ``available()`` is
    asked for the full report), so declaring a backend never imports its library.
    An exception raised by ``load`` marks the backend unavailable, with that error as reason.
    """


@hookspec
def arraygrad_optimizers() -> dict[str, Callable[..., Any]]:
    """Declare optimizers by name.

    Called once, when ``ag.optim.create``, ``ag.optim.available`` or an attribute such as
    ``ag.optim.Adam`` is first used (again after plugins change). Return a dict from a
    case-insensitive name (``"adam"``) to an optimizer class, a subclass of
    :class:`arraygrad.optim.Optimizer` whose constructor takes
    ``(params, **hyperparameters)`` like ``ag.optim.SGD``; ``ag.optim.<ClassName>`` finds it
    by its class name.
    """


@hookspec
def arraygrad_datasets() -> dict[str, Callable[..., Any]]:
    """Declare data sources by name.

    Called once, when ``ag.data.load_dataset`` or ``ag.data.available_datasets`` is first
    used. Return a mapping from a name (``"digits"``) to a function that takes keyword
    options (``path=``, ``split=``, ...) and returns a ``Dataset``.
    """
