"""PyTorch's ``torch.nn.modules.flatten`` path: re-exports of :mod:`arraygrad.nn.flatten`."""

from arraygrad.nn.flatten import *  # noqa: F403
from arraygrad.nn.flatten import __all__  # noqa: F401
