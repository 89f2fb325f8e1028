"""PyTorch's ``torch.nn.modules.dropout`` path: re-exports of :mod:`arraygrad.nn.dropout`."""

from arraygrad.nn.dropout import *  # noqa: F403
from arraygrad.nn.dropout import __all__  # noqa: F401
