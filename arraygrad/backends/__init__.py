"""Backend registry (``ag.backends``) and the built-in backend plugins.

The submodules (``arraygrad.backends.numpy``, ...) are plugins registered through the
``arraygrad`` entry-point group; this package re-exports the registry functions. It also
holds the switches PyTorch keeps under ``torch.backends`` (``cudnn``, ``mps``, ``cuda``,
``mkldnn``, ``mkl``, ``openmp``, ``cpu``; see :mod:`arraygrad.runtime_flags`), so that
``torch.backends.cudnn.benchmark = True`` runs unchanged after
``import arraygrad.torch_compat as torch``.
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
from arraygrad.runtime_flags import torch_backends as _torch_backends

cudnn = _torch_backends.cudnn
mps = _torch_backends.mps
cuda = _torch_backends.cuda
mkldnn = _torch_backends.mkldnn
mkl = _torch_backends.mkl
openmp = _torch_backends.openmp
cpu = _torch_backends.cpu

__all__ = [
    "Backend", "BackendError", "BackendSpec", "BackendStatus", "available",
    "current_backend", "get_backend", "names", "set_backend", "use_backend",
]
