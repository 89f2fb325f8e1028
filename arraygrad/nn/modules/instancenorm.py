"""PyTorch's ``torch.nn.modules.instancenorm`` path: re-exports of
:mod:`arraygrad.nn.normalization`.
"""

from arraygrad.nn.normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]
