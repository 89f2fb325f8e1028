"""Deprecated alias of :mod:`arraygrad.backend_registry` (its name until the registry was renamed).

The backend registry moved to ``arraygrad/backend_registry.py`` so that its name no longer
reads like a sibling of the ``arraygrad/backends/`` package of built-in backend plugins.
Old imports (``from arraygrad.backend import Backend``) keep working through this module.
"""

from arraygrad.backend_registry import (  # noqa: F401  (re-exports)
    DEFAULT_BACKEND,
    ENV_VAR,
    RNG,
    Backend,
    BackendError,
    BackendSpec,
    BackendStatus,
    __all__,  # noqa: F401
    available,
    current_backend,
    declared_specs,
    get_backend,
    loaded_backends,
    make_namespace,
    names,
    refresh,
    seed_all,
    set_backend,
    use_backend,
)
