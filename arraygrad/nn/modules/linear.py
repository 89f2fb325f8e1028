"""PyTorch's ``torch.nn.modules.linear`` path: re-exports of :mod:`arraygrad.nn.linear`."""

from arraygrad.nn.linear import Bilinear, Identity, Linear

__all__ = ["Identity", "Linear", "Bilinear"]
