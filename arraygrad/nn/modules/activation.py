"""PyTorch's ``torch.nn.modules.activation`` path: re-exports of
:mod:`arraygrad.nn.activation`.

``MultiheadAttention`` (also in PyTorch's ``activation`` module) belongs here too: the
recurrent/attention developer re-exports it below from :mod:`arraygrad.nn.transformer`.
"""

from arraygrad.nn.activation import *  # noqa: F403
from arraygrad.nn.activation import __all__  # noqa: F401
