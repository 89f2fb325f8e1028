"""What counts as an array argument: a Tensor, or (inside ``ag.func.vmap``) a batched one.

Op functions test their arguments with these instead of ``isinstance(x, Tensor)``, so a
``BatchedTensor`` takes the same path as a Tensor and reaches the op registry, whose slow
path hands it to the op's batching rule. A batched tensor is not a Tensor (it has no array
of its own); its class carries ``_ag_batched``.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from arraygrad.tensor import Tensor

__all__ = ["is_array", "is_batched", "physical"]


def is_batched(x: Any) -> bool:
    """Whether ``x`` is a batched tensor (inside ``ag.func.vmap``)."""
    return getattr(type(x), "_ag_batched", False)


def is_array(x: Any) -> TypeGuard[Tensor]:
    """Whether ``x`` is a Tensor or a batched tensor (typed as a Tensor: a batched tensor
    has the per-example Tensor API)."""
    return isinstance(x, Tensor) or getattr(type(x), "_ag_batched", False)


def physical(x: Any) -> Any:
    """The Tensor under every batch level of ``x`` (``x`` itself outside vmap).

    For checks of values (labels in range, indices in bounds) that must hold for every
    example: one check on the whole batch instead of a data-dependent one per example.
    """
    while getattr(type(x), "_ag_batched", False):
        x = x.value
    return x
