"""Helpers shared by the layer modules: parameter placement and initialization, shape
errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from arraygrad import creation
from arraygrad.nn import init
from arraygrad.nn.parameter import Parameter
from arraygrad.tensor import Tensor


def factory(dtype: Any, device: Any, backend: Any) -> dict:
    """Keyword arguments that create a parameter where the layer was asked to put it."""
    return {"dtype": dtype, "device": device, "backend": backend}


def add_parameter(layer: Any, name: str, shape: tuple[int, ...], f: dict,
                  make: Callable[..., Tensor] = creation.empty, enabled: bool = True) -> None:
    """Register parameter ``name`` on ``layer``: ``make(shape, **f)`` (``f`` from
    :func:`factory`), or ``None`` when not ``enabled`` (``bias=False``, ``affine=False``)."""
    if enabled:
        setattr(layer, name, Parameter(make(shape, **f)))
    else:
        layer.register_parameter(name, None)


def reset_kaiming_uniform(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default initialization of ``Linear`` and the convolutions:
    ``kaiming_uniform_(a=sqrt(5))`` for the weight, ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
    for the bias (zeros when ``fan_in`` is 0, where PyTorch's ``Linear`` gives zeros and
    its convolutions leave the bias uninitialized)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def non_default(layer: Any, **defaults: Any) -> str:
    """``", name=value"`` for each attribute of ``layer`` that differs from its default, in
    order (PyTorch's ``extra_repr`` style). A ``None``/``True``/``False`` default compares by
    identity (``is not``), any other by ``!=``."""
    text = ""
    for name, default in defaults.items():
        value = getattr(layer, name)
        differs = value is not default if default is None or isinstance(default, bool) \
            else value != default
        if differs:
            text += f", {name}={value}"
    return text


def shape_error(layer: Any, expected: str, x: Any) -> ValueError:
    """``ValueError`` naming the layer, the expected layout and what it got."""
    got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
    return ValueError(f"{layer!r}: expected input of shape {expected}, got {got}")


def type_error(layer: Any, x: Any) -> TypeError:
    """``TypeError`` for a non-Tensor input."""
    return TypeError(f"{layer!r}: expected a Tensor input, got {type(x).__name__}")
