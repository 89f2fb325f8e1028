"""``arraygrad.utils``: utilities under PyTorch's paths (``arraygrad.utils.data`` is
``torch.utils.data``). Importing this package imports none of its subpackages."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["data"]


def __getattr__(name: str) -> Any:
    if name == "data":
        return importlib.import_module("arraygrad.utils.data")
    raise AttributeError(f"module 'arraygrad.utils' has no attribute {name!r}")
