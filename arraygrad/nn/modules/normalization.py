"""PyTorch's ``torch.nn.modules.normalization`` path: re-exports of
:mod:`arraygrad.nn.normalization`.
"""

from arraygrad.nn.normalization import GroupNorm, LayerNorm, LocalResponseNorm, RMSNorm

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]
