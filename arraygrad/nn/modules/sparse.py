"""PyTorch's ``torch.nn.modules.sparse`` path: re-exports of :mod:`arraygrad.nn.sparse`."""

from arraygrad.nn.sparse import *  # noqa: F403
from arraygrad.nn.sparse import __all__  # noqa: F401
