"""Backend registry (``ag.backends``) and the built-in backend plugins.

The submodules (``arraygrad.backends.numpy``, ...) are plugins registered through the
``arraygrad`` entry-point group; this package re-exports the registry functions.
"""

from arraygrad.backend_registry import (
    Backend,
    BackendError,
    BackendSpec,
    BackendStatus,
    available,
    current_backend,
    get_backend,
    names,
    set_backend,
    use_backend,
)

__all__ = [
    "Backend", "BackendError", "BackendSpec", "BackendStatus", "available",
    "current_backend", "get_backend", "names", "set_backend", "use_backend",
]
