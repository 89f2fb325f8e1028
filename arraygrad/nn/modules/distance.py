"""PyTorch's ``torch.nn.modules.distance`` path: re-exports of :mod:`arraygrad.nn.distance`."""

from arraygrad.nn.distance import *  # noqa: F403
from arraygrad.nn.distance import __all__  # noqa: F401
