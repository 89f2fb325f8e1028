"""PyTorch's ``torch.nn.modules.pooling`` path: re-exports of :mod:`arraygrad.nn.pooling`."""

from arraygrad.nn.pooling import *  # noqa: F403
from arraygrad.nn.pooling import __all__  # noqa: F401
