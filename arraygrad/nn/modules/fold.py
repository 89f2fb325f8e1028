"""PyTorch's ``torch.nn.modules.fold`` path: re-exports of :mod:`arraygrad.nn.fold`."""

from arraygrad.nn.fold import *  # noqa: F403
from arraygrad.nn.fold import __all__  # noqa: F401
