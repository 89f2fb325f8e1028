"""``arraygrad.utils.data`` (also ``ag.data``): datasets, samplers, the DataLoader, and
named data sources, laid out as ``torch.utils.data``.

``from arraygrad.utils.data import DataLoader, TensorDataset`` and
``arraygrad.utils.data.sampler.RandomSampler`` work as their PyTorch counterparts. Named data
sources (``digits``, ``mnist``, ``npz``, ``csv``, or a third party's) are declared through
the ``arraygrad_datasets`` hook; :func:`load_dataset` finds them by name.

Examples
--------
>>> import arraygrad as ag
>>> "digits" in ag.data.available_datasets()
True
"""

from __future__ import annotations

from typing import Any

from arraygrad.plugin_manager import PluginRegistry
from arraygrad.utils.data.dataloader import (
    TASK_SECONDS,
    DataLoader,
    WorkerInfo,
    default_collate,
    get_worker_info,
)
from arraygrad.utils.data.dataset import (
    ArrayDataset,
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from arraygrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "Dataset", "IterableDataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
    "ChainDataset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
    "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DataLoader",
    "default_collate", "get_worker_info", "WorkerInfo", "TASK_SECONDS", "load_dataset",
    "available_datasets", "describe_datasets", "DistributedSampler",
]

# torch.utils.data's path for the sampler of data-parallel training.
from arraygrad.distributed.sampler import DistributedSampler  # noqa: E402

_sources = PluginRegistry("arraygrad_datasets", kind="data source")


def available_datasets() -> dict[str, str]:
    """Every registered data source name, with the plugin that declares it; refused
    declarations (broken hooks, name clashes) under ``<plugin>`` / ``<plugin>:name`` keys.

    Examples
    --------
    >>> import arraygrad as ag
    >>> sorted(ag.data.available_datasets())[:2]
    ['csv', 'digits']
    """
    return _sources.report()


def describe_datasets() -> dict[str, str]:
    """Every registered data source name with the first line of its docstring (or, without
    one, the plugin that declares it).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.data.describe_datasets()["npz"].startswith("The arrays of a ``.npz`` file")
    True
    """
    out = {}
    for name, (fn, plugin) in sorted(_sources.get().items()):
        doc = (getattr(fn, "__doc__", None) or "").strip().split("\n")[0]
        out[name] = doc or f"(plugin {plugin})"
    return out


def load_dataset(name: str, **options: Any) -> Any:
    """Load the data source ``name`` with its options.

    ``load_dataset("digits", split="train")``, ``load_dataset("mnist", path="~/mnist")``,
    ``load_dataset("npz", path="data.npz", keys=["x", "y"])``,
    ``load_dataset("csv", path="table.csv", target="label")``.

    Raises
    ------
    KeyError
        If no plugin declares ``name`` (the message lists those that do).
    TypeError
        If the source does not take ``options`` (the message names the source and what
        it takes).

    Examples
    --------
    >>> import arraygrad as ag
    >>> len(ag.data.load_dataset("digits", split="test"))
    359
    """
    table = _sources.get()
    entry = table.get(name)
    if entry is None:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(sorted(table))}. "
                       f"Data sources register through the 'arraygrad_datasets' hook")
    if "path" in options and isinstance(options["path"], str):
        import os

        options["path"] = os.path.expanduser(options["path"])
    source = entry[0]
    import inspect

    try:
        signature = inspect.signature(source)
        signature.bind(**options)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ValueError):  # no signature to check (a builtin): just call it
            return source(**options)
        required = [p.name for p in signature.parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                           p.KEYWORD_ONLY)]
        raise TypeError(f"dataset {name!r}: {exc}; it takes ({signature}) — required: "
                        f"{', '.join(required) or 'nothing'}" + (
                            " (the command line passes path with --data-path)"
                            if "path" in required else "")) from None
    return source(**options)
