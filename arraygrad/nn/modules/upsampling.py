"""PyTorch's ``torch.nn.modules.upsampling`` path: re-exports of :mod:`arraygrad.nn.upsampling`."""

from arraygrad.nn.upsampling import *  # noqa: F403
from arraygrad.nn.upsampling import __all__  # noqa: F401
