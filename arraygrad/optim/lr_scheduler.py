"""``arraygrad.optim.lr_scheduler``: learning-rate schedules (see
:mod:`arraygrad.plugins.lr_scheduler`)."""

from arraygrad.plugins.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    LRScheduler,
    OneCycleLR,
    StepLR,
)

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
           "OneCycleLR"]
