"""``arraygrad.data``: datasets, samplers, the DataLoader, and named data sources.

The machinery lives in the plugin :mod:`arraygrad.plugins.data`; data sources are declared
through the ``arraygrad_datasets`` hook, so a third-party package adds one with an entry
point, and :func:`load_dataset` finds it by name.

Examples
--------
>>> import arraygrad as ag
>>> "digits" in ag.data.available_datasets()
True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from arraygrad.plugins.data import (
    ArrayDataset,
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

__all__ = [
    "Dataset", "IterableDataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
    "random_split", "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
    "DataLoader", "default_collate", "load_dataset", "available_datasets",
]


class _Sources:
    """Data sources declared by plugins, collected on first use and after a plugin is
    registered or removed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.table: dict[str, tuple[Callable[..., Any], str]] | None = None
        self.hooked = False

    def clear(self) -> None:
        with self.lock:
            self.table = None

    def get(self) -> dict[str, tuple[Callable[..., Any], str]]:
        table = self.table
        if table is not None:
            return table
        from arraygrad.plugin_manager import get_plugin_manager, on_refresh

        with self.lock:
            if not self.hooked:
                on_refresh(self.clear)
                self.hooked = True
            if self.table is None:
                found: dict[str, tuple[Callable[..., Any], str]] = {}
                for impl in get_plugin_manager().hook.arraygrad_datasets.get_hookimpls():
                    for name, loader in (impl.function() or {}).items():
                        found.setdefault(name, (loader, impl.plugin_name))
                self.table = found
            return self.table


_sources = _Sources()


def available_datasets() -> dict[str, str]:
    """Every registered data source name, with the plugin that declares it."""
    return {name: plugin for name, (_f, plugin) in sorted(_sources.get().items())}


def load_dataset(name: str, **options: Any) -> Any:
    """Load the data source ``name`` with its options.

    ``load_dataset("digits", split="train")``, ``load_dataset("mnist", path="~/mnist")``,
    ``load_dataset("npz", path="data.npz", keys=["x", "y"])``,
    ``load_dataset("csv", path="table.csv", target="label")``.

    Raises
    ------
    KeyError
        If no plugin declares ``name`` (the message lists those that do).
    """
    table = _sources.get()
    entry = table.get(name)
    if entry is None:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(sorted(table))}. "
                       f"Data sources register through the 'arraygrad_datasets' hook")
    if "path" in options and isinstance(options["path"], str):
        import os

        options["path"] = os.path.expanduser(options["path"])
    return entry[0](**options)
