"""Helpers shared by the layer modules: parameter placement and shape errors."""

from __future__ import annotations

from typing import Any

from arraygrad.tensor import Tensor


def factory(dtype: Any, device: Any, backend: Any) -> dict:
    """Keyword arguments that create a parameter where the layer was asked to put it."""
    return {"dtype": dtype, "device": device, "backend": backend}


def shape_error(layer: Any, expected: str, x: Any) -> ValueError:
    """``ValueError`` naming the layer, the expected layout and what it got."""
    got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
    return ValueError(f"{layer!r}: expected input of shape {expected}, got {got}")


def type_error(layer: Any, x: Any) -> TypeError:
    """``TypeError`` for a non-Tensor input."""
    return TypeError(f"{layer!r}: expected a Tensor input, got {type(x).__name__}")
