"""The extension API: everything a backend, op or plugin author imports.

One public module, like HIPS autograd's ``extend``: defining an op (forward and gradient
side by side), recording a graph node for a custom computation, wrapping a backend array
in a Tensor without a copy, replacing a tensor's array in place (the optimizer's update),
and the helpers a backend plugin needs (``Backend``, a host RNG, ``scatter_add`` for
NumPy-like arrays). Code outside the core uses these names, never a Tensor's private
fields.

Examples
--------
>>> import numpy as np
>>> import arraygrad as ag
>>> from arraygrad import extend
>>> w = extend.make_tensor(np.zeros(2), "numpy")
>>> extend.assign(w, np.ones(2)).tolist()
[1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from arraygrad._host import HostRNG, has_array_index, numpy_scatter_add
from arraygrad.backend_registry import (
    Backend,
    BackendError,
    BackendSpec,
    get_backend,
    make_namespace,
)
from arraygrad.creation import _owner
from arraygrad.ops.registry import OPS, Op, apply, binary, defop, unary
from arraygrad.tensor import Tensor, _make

__all__ = [
    "defop", "Op", "OPS", "apply", "unary", "binary", "make_tensor", "assign",
    "Backend", "BackendSpec", "BackendError", "get_backend", "make_namespace",
    "HostRNG", "numpy_scatter_add", "has_array_index",
]


def make_tensor(array: Any, backend: Backend | str | None = None) -> Tensor:
    """Wrap a native backend array in a leaf Tensor without copying or checking it.

    ``backend`` is the :class:`Backend` (or its name) that owns ``array``; by default the
    loaded backend whose ``owns`` accepts it.

    Examples
    --------
    >>> import numpy as np
    >>> from arraygrad import extend
    >>> extend.make_tensor(np.ones(2), "numpy").tolist()
    [1.0, 1.0]
    """
    if backend is None:
        backend = _owner(array)
        if backend is None:
            raise BackendError(f"make_tensor: no loaded backend owns a {type(array).__name__}; "
                               f"pass backend=")
    elif not isinstance(backend, Backend):
        backend = get_backend(backend)
    return _make(array, backend, None)


def assign(tensor: Tensor, array: Any) -> Tensor:
    """Replace ``tensor``'s array by ``array`` (same shape) and bump its version counter.

    This is how an optimizer writes an update: gradients already recorded against the old
    value raise instead of silently using the new one. Returns ``tensor``.
    """
    if tuple(array.shape) != tensor.shape:
        raise ValueError(f"assign: the new array has shape {tuple(array.shape)}, the tensor "
                         f"has shape {tensor.shape}")
    tensor._data = array
    tensor._bump_version()
    return tensor
