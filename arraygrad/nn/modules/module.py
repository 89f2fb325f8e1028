"""PyTorch's ``torch.nn.modules.module`` path: re-exports of :mod:`arraygrad.nn.module`."""

from arraygrad.nn.module import Module

__all__ = ["Module"]
