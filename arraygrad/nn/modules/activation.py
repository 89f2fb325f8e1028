"""PyTorch's ``torch.nn.modules.activation`` path: re-exports of
:mod:`arraygrad.nn.activation`.

``MultiheadAttention`` (also in PyTorch's ``activation`` module) belongs here too: the
(``MultiheadAttention`` lives in :mod:`arraygrad.nn.attention`.)
"""

from arraygrad.nn.activation import *  # noqa: F403
from arraygrad.nn.activation import __all__  # noqa: F401
from arraygrad.nn.attention import MultiheadAttention  # noqa: E402

__all__ = [*__all__, "MultiheadAttention"]
