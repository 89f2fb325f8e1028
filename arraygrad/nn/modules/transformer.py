"""PyTorch's ``torch.nn.modules.transformer`` path: re-exports of
:mod:`arraygrad.nn.transformer`."""

from arraygrad.nn.transformer import *  # noqa: F403
from arraygrad.nn.transformer import __all__  # noqa: F401
