"""``arraygrad.utils``: utilities under PyTorch's paths (``arraygrad.utils.data`` is
``torch.utils.data``, ``arraygrad.utils.checkpoint`` is ``torch.utils.checkpoint``).
Importing this package imports none of its subpackages."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["data", "checkpoint"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return importlib.import_module(f"arraygrad.utils.{name}")
    raise AttributeError(f"module 'arraygrad.utils' has no attribute {name!r}")
