"""``arraygrad.distributed.nn``: differentiable collectives (``functional``)."""

from arraygrad.distributed.nn import functional

__all__ = ["functional"]
