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

from typing import Any

from arraygrad.plugin_manager import PluginRegistry
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


_sources = PluginRegistry("arraygrad_datasets", kind="data source")


def available_datasets() -> dict[str, str]:
    """Every registered data source name, with the plugin that declares it; refused
    declarations (broken hooks, name clashes) under ``<plugin>`` / ``<plugin>:name`` keys."""
    return _sources.report()


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
