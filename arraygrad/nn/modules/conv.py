"""PyTorch's ``torch.nn.modules.conv`` path: re-exports of :mod:`arraygrad.nn.conv`."""

from arraygrad.nn.conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]
