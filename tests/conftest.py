"""Project test configuration.

The ``backend`` fixture comes from arraygrad's own pytest plugin (entry point ``pytest11``),
exactly as a user's suite gets it. JAX computes in float32 unless x64 is enabled before it
is imported; float64 gradient checks need it, so the test session enables it.
"""

import os

import pytest

os.environ.setdefault("JAX_ENABLE_X64", "1")


@pytest.fixture
def registered():
    """``registered(plugin, name)`` registers a plugin for one test; afterwards every plugin
    it registered is unregistered and the ``sgd``/``numpy`` preferences are reset."""
    from arraygrad.plugin_manager import prefer, register_plugin, unregister_plugin

    names = []

    def register(plugin, name):
        register_plugin(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        unregister_plugin(name=name)
    prefer("sgd", None)
    prefer("numpy", None)
