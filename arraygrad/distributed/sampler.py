"""``DistributedSampler``: each rank reads its own shard of the dataset (PyTorch's)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from arraygrad.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Restrict data loading to one rank's shard, with PyTorch's exact partitioning.

    Every rank builds the same index list (shuffled with ``seed + epoch`` if ``shuffle``),
    pads it by repeating its first indices until its length is a multiple of
    ``num_replicas`` (or, with ``drop_last``, truncates it to one), and takes every
    ``num_replicas``-th index starting at ``rank``. So the shards are disjoint (but for the
    padding), equal in length, and together cover the dataset.

    The shuffled order is ``numpy.random.default_rng(seed + epoch).permutation(n)``: the same
    on every rank and every run, but not the same permutation as ``torch.randperm``'s
    stream (the partitioning of a given order is the same as PyTorch's). Call
    :meth:`set_epoch` at the start of each epoch, or every epoch uses the same order.

    Parameters
    ----------
    dataset : sized
        Anything with ``len()``.
    num_replicas : int, optional
        Number of ranks (default: ``get_world_size()``).
    rank : int, optional
        This rank (default: ``get_rank()``).
    shuffle : bool
    seed : int
        Must be the same on every rank.
    drop_last : bool
        Drop the tail instead of padding so every rank gets the same number of samples.

    Examples
    --------
    >>> from arraygrad.distributed import DistributedSampler
    >>> list(DistributedSampler(range(10), num_replicas=4, rank=1, shuffle=False))
    [1, 5, 9]
    >>> list(DistributedSampler(range(10), num_replicas=4, rank=3, shuffle=False))
    [3, 7, 1]
    """

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        from arraygrad.distributed.process_group import get_rank, get_world_size

        if num_replicas is None:
            num_replicas = get_world_size()
        if rank is None:
            rank = get_rank()
        for name, value in (("num_replicas", num_replicas), ("rank", rank), ("seed", seed)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise TypeError(f"DistributedSampler: {name} must be an int, got {value!r}")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be >= 1, got "
                             f"{num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.shuffle = shuffle
        self.seed = int(seed)
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def epoch_indices(self) -> np.ndarray:
        """This rank's indices for the current epoch, as one int64 array."""
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            indices = np.arange(n, dtype=np.int64)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                if n == 0:
                    return np.empty(0, dtype=np.int64)
                indices = np.concatenate([indices, np.tile(indices, -(-pad // n))[:pad]])
        else:
            indices = indices[:self.total_size]
        return indices[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` for the next shuffle (call it every epoch, on every rank)."""
        self.epoch = int(epoch)
