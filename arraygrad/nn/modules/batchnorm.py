"""PyTorch's ``torch.nn.modules.batchnorm`` path: re-exports of
:mod:`arraygrad.nn.normalization`.
"""

from arraygrad.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]
