"""PyTorch's ``torch.nn.modules.loss`` path: re-exports of :mod:`arraygrad.nn.losses`."""

from arraygrad.nn.losses import *  # noqa: F403
from arraygrad.nn.losses import __all__  # noqa: F401
