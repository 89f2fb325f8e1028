"""The pluggy plugin manager: lazy, fault-isolated loading of ``arraygrad`` entry points."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import metadata

import pluggy

from arraygrad import hookspecs

__all__ = ["get_plugin_manager", "plugin_failures", "register_plugin", "PluginFailure"]

@dataclass(frozen=True)
class PluginFailure:
    """An entry point that could not be loaded."""

    name: str
    target: str
    error: str


_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_failures: list[PluginFailure] = []


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
            except Exception as exc:  # a broken plugin must not break arraygrad
                _failures.append(PluginFailure(ep.name, ep.value, f"{type(exc).__name__}: {exc}"))
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
    from arraygrad import backend

    backend.refresh()
    for callback in _refresh_callbacks:
        callback()


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


_refresh_callbacks: list = []


def on_refresh(callback) -> None:
    """Call ``callback()`` whenever the set of registered plugins changes."""
    _refresh_callbacks.append(callback)


class NamedHookTable:
    """``{name: (object, plugin name)}`` collected from a hook that returns a name mapping
    (``arraygrad_optimizers``, ``arraygrad_datasets``).

    Built on first use and rebuilt after a plugin is registered or removed. Plugins are
    asked in registration order (built-in entry points first), so a plugin registered
    later can add names but cannot silently replace an existing one.
    """

    def __init__(self, hook_name: str, normalize=lambda name: name) -> None:
        self._hook_name = hook_name
        self._normalize = normalize
        self._lock = threading.Lock()
        self._table: dict | None = None
        self._hooked = False

    def clear(self) -> None:
        """Forget the table; the next :meth:`get` asks the plugins again."""
        with self._lock:
            self._table = None

    def get(self) -> dict:
        """The current table."""
        table = self._table
        if table is not None:
            return table
        pm = get_plugin_manager()
        with self._lock:
            if not self._hooked:
                on_refresh(self.clear)
                self._hooked = True
            if self._table is None:
                found: dict = {}
                hook = getattr(pm.hook, self._hook_name)
                for impl in hook.get_hookimpls():
                    for name, obj in (impl.function() or {}).items():
                        found.setdefault(self._normalize(name), (obj, impl.plugin_name))
                self._table = found
            return self._table


def plugin_failures() -> list[PluginFailure]:
    """Entry points that failed to import, with their errors."""
    get_plugin_manager()
    return list(_failures)
