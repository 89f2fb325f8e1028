"""PyTorch's ``torch.nn.modules.container`` path: re-exports of :mod:`arraygrad.nn.containers`."""

from arraygrad.nn.containers import *  # noqa: F403
from arraygrad.nn.containers import __all__  # noqa: F401
