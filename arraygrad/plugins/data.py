"""The built-in data sources, registered like a third party's (``arraygrad.plugins.data``).

The data-loading machinery (datasets, samplers, the DataLoader) is in the core,
:mod:`arraygrad.utils.data` (``ag.data``). This plugin only declares the named sources of
:mod:`arraygrad.plugins.datasets` (``digits``, ``mnist``, ``npz``, ``csv``) through the
``arraygrad_datasets`` hook, exactly as an outside package would with an entry point in the
``arraygrad`` group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad.hookspecs import hookimpl

__all__ = ["arraygrad_datasets"]


@hookimpl
def arraygrad_datasets() -> dict[str, Callable[..., Any]]:
    """Declare the built-in data sources: digits, mnist, npz, csv."""
    from arraygrad.plugins import datasets

    return dict(datasets.SOURCES)
