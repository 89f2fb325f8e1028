"""The pluggy plugin manager: lazy, fault-isolated loading of ``arraygrad`` entry points,
and :class:`PluginRegistry`, the one registry rule shared by backends, optimizers and data
sources.

**The registry rule.** Each registry collects ``name -> object`` declarations from one hook.
Built-in plugins (the entry points of the ``arraygrad`` distribution) are asked first, then
every other plugin in registration order; the first declaration of a name wins. A later
plugin that declares a name already taken does *not* replace it: the clash is reported
(``ag.backends.available()`` / ``arraygrad backends``, ``ag.optim.available()``,
``ag.data.available_datasets()``) and the earlier entry stays, unless the user opts in with
:func:`prefer` (``prefer("sgd", "fastopt")``: plugin ``fastopt``'s ``sgd`` wins). A plugin
whose hook raises (even ``SystemExit``), returns the wrong type, or declares a malformed
entry is reported with its name and error; every other plugin keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from arraygrad import hookspecs

__all__ = ["get_plugin_manager", "plugin_failures", "register_plugin", "unregister_plugin",
           "block_plugin", "blocked_plugins", "is_builtin", "prefer", "preferences",
           "on_refresh", "PluginFailure", "PluginProblem", "PluginRegistry"]

_BUILTIN_DIST = "arraygrad"

@dataclass(frozen=True)
class PluginFailure:
    """An entry point that could not be loaded."""

    name: str
    target: str
    error: str


_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_failures: list[PluginFailure] = []
_builtin: set[str] = set()


def _is_builtin_entry_point(ep: metadata.EntryPoint) -> bool:
    dist = getattr(ep, "dist", None)
    if dist is not None and dist.name:
        return dist.name == _BUILTIN_DIST
    return ep.value.startswith(_BUILTIN_DIST + ".")


def _entry_points() -> list[metadata.EntryPoint]:
    return list(metadata.entry_points(group=hookspecs.PROJECT))


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, loading entry points on first use."""
    global _manager
    if _manager is not None:
        return _manager
    with _lock:
        if _manager is not None:
            return _manager
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        seen: set[str] = set()
        for name in _blocked:
            pm.set_blocked(name)
        for ep in _entry_points():
            if ep.value in seen or pm.has_plugin(ep.name):
                continue
            seen.add(ep.value)  # blocked ones too: the source-tree fallback must skip them
            if ep.name in _blocked:
                continue
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except (Exception, SystemExit) as exc:  # a broken plugin must not break arraygrad
                _failures.append(PluginFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}"))
                continue
            if _is_builtin_entry_point(ep):
                _builtin.add(ep.name)
        _manager = pm
        return pm


_blocked: set[str] = set()


def block_plugin(name: str) -> None:
    """Never load the plugin registered under entry-point ``name`` (and unload it if loaded).

    For a third-party plugin that misbehaves: call it before the first tensor is made (a
    backend that is already in use stays loaded for this process).

    Examples
    --------
    >>> from arraygrad.plugin_manager import block_plugin, blocked_plugins
    >>> block_plugin("some_broken_plugin")
    >>> "some_broken_plugin" in blocked_plugins()
    True
    """
    with _lock:
        _blocked.add(name)
        if _manager is not None:
            _manager.set_blocked(name)
    _refresh_registries()


def blocked_plugins() -> set[str]:
    """Names given to :func:`block_plugin`."""
    return set(_blocked)


def _refresh_registries() -> None:
    for callback in list(_refresh_callbacks):
        callback()


def is_builtin(plugin_name: str) -> bool:
    """Whether ``plugin_name`` is an entry point of the ``arraygrad`` distribution itself
    (``numpy``, ``optim``, ``data``...): asked first, so a third party can't replace its
    names silently."""
    get_plugin_manager()
    return plugin_name in _builtin


_preferred: dict[str, str] = {}


def prefer(name: str, plugin: str | None) -> None:
    """Opt in to an override: the declaration of ``name`` by plugin ``plugin`` wins over
    every other plugin's, built-ins included (``None`` removes the preference).

    Without this, a plugin that declares a backend, optimizer or data source name that is
    already taken is reported and ignored. Names are compared as each registry normalizes
    them (optimizer names are case-insensitive).

    Examples
    --------
    >>> from arraygrad.plugin_manager import prefer, preferences
    >>> prefer("sgd", "fastopt")   # plugin 'fastopt' provides ag.optim.SGD from now on
    >>> preferences()["sgd"]
    'fastopt'
    >>> prefer("sgd", None)        # back to the rule: the built-in wins
    """
    with _lock:
        if plugin is None:
            _preferred.pop(name, None)
        else:
            _preferred[name] = plugin
    _refresh_registries()


def preferences() -> dict[str, str]:
    """The overrides given to :func:`prefer`: ``{name: plugin}``."""
    return dict(_preferred)


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a plugin object or module at run time (tests, notebooks, local plugins).

    Registries built from hooks (backends, optimizers, data sources) are refreshed so the new
    plugin's declarations are visible at once.
    """
    get_plugin_manager().register(plugin, name=name)
    _refresh_registries()


def unregister_plugin(plugin: object = None, name: str | None = None) -> None:
    """Remove a plugin registered with :func:`register_plugin`."""
    get_plugin_manager().unregister(plugin, name=name)
    _refresh_registries()


_refresh_callbacks: list[Callable[[], None]] = []


def on_refresh(callback: Callable[[], None]) -> None:
    """Call ``callback()`` whenever the set of registered plugins (or a preference) changes:
    how a registry forgets what it collected."""
    _refresh_callbacks.append(callback)


@dataclass(frozen=True)
class PluginProblem:
    """A plugin declaration that a registry refused: the plugin, the hook, the declared
    name if one is concerned (a clash, a malformed entry) and what went wrong."""

    plugin: str
    hook: str
    message: str
    name: str | None = None

    @property
    def key(self) -> str:
        """How reports list it: ``<plugin>`` or ``<plugin>:name``."""
        return f"<{self.plugin}>" if self.name is None else f"<{self.plugin}>:{self.name}"

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} ({self.hook}): {self.message}"


def mapping_entries(result: Any) -> Iterable[tuple[Any, Any]]:
    """The declarations of a hook that returns ``{name: object}`` (optimizers, data
    sources); ``TypeError`` for anything else."""
    if not isinstance(result, Mapping):
        raise TypeError(f"returned a {type(result).__name__}, not a dict {{name: object}}")
    return list(result.items())


class PluginRegistry:
    """``{name: (object, plugin name)}`` collected from one hook under the registry rule
    (see the module docstring): built-ins first, first declaration wins, clashes and broken
    plugins reported in :meth:`problems`, overrides only through :func:`prefer`.

    Built on first use and rebuilt after a plugin is registered, removed or blocked, or a
    preference changes. This is the helper every registry uses: backends
    (``arraygrad_backends``), optimizers (``arraygrad_optimizers``) and data sources
    (``arraygrad_datasets``).

    Parameters
    ----------
    hook_name : str
        The hook in :mod:`arraygrad.hookspecs` (called without arguments).
    kind : str
        What an entry is, for messages (``"optimizer"``).
    entries : callable
        ``entries(hook_result) -> iterable of (name, object)``; raises ``TypeError`` if the
        result has the wrong type. Default: :func:`mapping_entries`.
    check : callable, optional
        ``check(name, object)`` raises ``TypeError``/``ValueError`` for a malformed entry
        (that entry is reported and skipped; the plugin's other entries count).
    normalize : callable
        Maps a declared name to its key (``str.lower`` for case-insensitive names).

    Examples
    --------
    >>> from arraygrad.plugin_manager import PluginRegistry
    >>> optimizers = PluginRegistry("arraygrad_optimizers", kind="optimizer",
    ...                             normalize=str.lower)
    >>> obj, plugin = optimizers.get()["sgd"]
    >>> obj.__name__, plugin
    ('SGD', 'optim')
    >>> optimizers.problems()
    []
    """

    def __init__(self, hook_name: str, *, kind: str = "entry",
                 entries: Callable[[Any], Iterable[tuple[Any, Any]]] = mapping_entries,
                 check: Callable[[str, Any], None] | None = None,
                 normalize: Callable[[str], str] = lambda name: name) -> None:
        self.hook_name = hook_name
        self.kind = kind
        self._entries = entries
        self._check = check
        self._normalize = normalize
        self._lock = threading.RLock()
        self._collecting = False
        self._table: dict[str, tuple[Any, str]] | None = None
        self._problems: list[PluginProblem] = []
        on_refresh(self.clear)

    def clear(self) -> None:
        """Forget the table; the next :meth:`get` asks the plugins again."""
        with self._lock:
            self._table = None
            self._problems = []

    def get(self) -> dict[str, tuple[Any, str]]:
        """The current table ``{name: (object, plugin name)}``."""
        table = self._table
        if table is not None:
            return table
        pm = get_plugin_manager()
        with self._lock:
            if self._collecting:  # a hook looked this registry up while it was being built
                raise RuntimeError(f"the {self.hook_name} hook used the {self.kind} registry "
                                   f"it is declaring into; look names up outside the hook")
            if self._table is None:
                self._collecting = True
                try:
                    self._table, self._problems = self._collect(pm)
                finally:
                    self._collecting = False
            return self._table

    def problems(self) -> list[PluginProblem]:
        """Every refused declaration of the current table: hooks that raised or returned
        the wrong type, malformed entries, and name clashes (with how to override)."""
        self.get()
        return list(self._problems)

    def report(self) -> dict[str, str]:
        """``{name: plugin}`` for every entry, plus ``{problem.key: message}`` for every
        problem (keys in angle brackets, ``<plugin>`` or ``<plugin>:name``)."""
        out = {name: plugin for name, (_obj, plugin) in sorted(self.get().items())}
        for problem in self.problems():
            out[problem.key] = str(problem)
        return out

    def _collect(self, pm: pluggy.PluginManager
                 ) -> tuple[dict[str, tuple[Any, str]], list[PluginProblem]]:
        impls = getattr(pm.hook, self.hook_name).get_hookimpls()
        # built-ins first, then the rest, each in registration order
        impls = ([i for i in impls if i.plugin_name in _builtin]
                 + [i for i in impls if i.plugin_name not in _builtin])
        preferred = {self._normalize(k): v for k, v in _preferred.items()}
        table: dict[str, tuple[Any, str]] = {}
        problems: list[PluginProblem] = []

        def refuse(plugin: str, message: str, name: str | None = None) -> None:
            problems.append(PluginProblem(plugin, self.hook_name, message, name))

        for impl in impls:
            plugin = impl.plugin_name
            try:
                pairs = list(self._entries(impl.function()))
            except (Exception, SystemExit) as exc:  # a broken plugin breaks only itself
                refuse(plugin, f"the hook raised {type(exc).__name__}: {exc}")
                continue
            for name, obj in pairs:
                if self._check is not None:
                    try:
                        self._check(name, obj)
                    except (TypeError, ValueError) as exc:
                        refuse(plugin, f"{self.kind} {name!r} is malformed: {exc}",
                               name if isinstance(name, str) else repr(obj)[:40])
                        continue
                if not isinstance(name, str) or not name:
                    refuse(plugin, f"declared a {self.kind} under {name!r}, not a non-empty "
                                   f"string")
                    continue
                key = self._normalize(name)
                held = table.get(key)
                if held is None:
                    table[key] = (obj, plugin)
                elif preferred.get(key) == plugin:
                    table[key] = (obj, plugin)  # the user opted in to this override
                elif preferred.get(key) != held[1]:
                    owner = "built-in plugin" if held[1] in _builtin else "plugin"
                    refuse(plugin, f"also declares {self.kind} {key!r}, which {owner} "
                                   f"{held[1]!r} already provides; {held[1]!r}'s is kept. To "
                                   f"use {plugin!r}'s instead call arraygrad.plugin_manager."
                                   f"prefer({key!r}, {plugin!r})", key)
        return table, problems




def plugin_failures() -> list[PluginFailure]:
    """Entry points that failed to import, with their errors."""
    get_plugin_manager()
    return list(_failures)
