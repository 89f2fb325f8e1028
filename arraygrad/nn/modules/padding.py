"""PyTorch's ``torch.nn.modules.padding`` path: re-exports of :mod:`arraygrad.nn.padding`."""

from arraygrad.nn.padding import *  # noqa: F403
from arraygrad.nn.padding import __all__  # noqa: F401
