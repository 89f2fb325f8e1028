"""``arraygrad.data`` is :mod:`arraygrad.utils.data` under a shorter name (``ag.data``).

``import arraygrad.data`` and ``from arraygrad.data import DataLoader`` give the very same
module and objects as ``arraygrad.utils.data``: this module replaces itself with it (the
explicit imports below are for static tools, which do not run that replacement).
"""

import sys

import arraygrad.utils.data as _data
from arraygrad.utils.data import (  # noqa: F401
    TASK_SECONDS,
    ArrayDataset,
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    WorkerInfo,
    __all__,
    available_datasets,
    default_collate,
    describe_datasets,
    get_worker_info,
    load_dataset,
    random_split,
)

sys.modules[__name__] = _data
