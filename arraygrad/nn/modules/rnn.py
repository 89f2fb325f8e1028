"""PyTorch's ``torch.nn.modules.rnn`` path: re-exports of :mod:`arraygrad.nn.rnn`."""

from arraygrad.nn.rnn import *  # noqa: F403
from arraygrad.nn.rnn import __all__  # noqa: F401
