"""Optional fast kernels of the JAX backend (XLA convolutions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

KERNELS: dict[str, Callable[..., Any]] = {}
