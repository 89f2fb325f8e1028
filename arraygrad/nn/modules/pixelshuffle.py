"""PyTorch's ``torch.nn.modules.pixelshuffle`` path: re-exports of
:mod:`arraygrad.nn.pixelshuffle`.
"""

from arraygrad.nn.pixelshuffle import *  # noqa: F403
from arraygrad.nn.pixelshuffle import __all__  # noqa: F401
