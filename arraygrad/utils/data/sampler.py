"""Samplers, as in ``torch.utils.data.sampler``: which indices an epoch visits, in which order.

The built-in samplers also give a whole epoch at once (``epoch_indices()``, one int64
array), so :class:`BatchSampler` slices batches out of one array instead of looping over
indices. Shuffling uses a ``numpy.random.Generator`` created once per sampler (from
``seed``, ``generator``, or arraygrad's RNG, so ``ag.manual_seed`` makes it reproducible).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from arraygrad.random import Generator, randint

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _int_at_least(value: Any, low: int) -> bool:
    """Whether ``value`` is an ``int`` (not a bool) of at least ``low``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _generator(seed: int | None, generator: Any) -> np.random.Generator:
    """A NumPy generator: ``generator`` if given (an ``arraygrad.Generator``: the NumPy
    generator behind it, advanced by the draws), else seeded by ``seed``, else drawn from
    arraygrad's RNG (so ``ag.manual_seed`` makes the order reproducible)."""
    if generator is not None:
        if isinstance(generator, Generator):  # PyTorch's torch.Generator().manual_seed(n)
            return generator.numpy_generator
        if not isinstance(generator, np.random.Generator):
            raise TypeError(f"generator must be an arraygrad.Generator or a "
                            f"numpy.random.Generator, got {type(generator).__name__}")
        return generator
    if seed is None:
        seed = int(randint(0, 2 ** 62, ()).item())
    return np.random.default_rng(seed)


_T_co = TypeVar("_T_co", covariant=True)


class Sampler(Generic[_T_co]):
    """Yields dataset indices (``Sampler[int]``), or batches of them (``Sampler[list[int]]``:
    :class:`BatchSampler`)."""

    def __iter__(self) -> Iterator[_T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def epoch_indices(self) -> np.ndarray:
        """This epoch's indices as one int64 array (lets BatchSampler slice, not loop)."""
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A new random order every epoch (or ``num_samples`` draws with replacement).

    The generator is created once (from ``seed``, ``generator``, or arraygrad's RNG), so a
    seeded sampler gives the same sequence of epochs on every run.
    """

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, *, seed: int | None = None,
                 generator: Generator | np.random.Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        if num_samples is not None and num_samples < 1:
            raise ValueError(f"RandomSampler: num_samples must be >= 1, got {num_samples}")
        self.generator = _generator(seed, generator)

    @property
    def num_samples(self) -> int:
        """How many indices an epoch yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())

    def epoch_indices(self) -> np.ndarray:
        """A new epoch's indices as one int64 array (lets BatchSampler slice, not loop)."""
        n = len(self.data_source)
        if n == 0:  # nothing to draw from (and no division by zero below)
            if self._num_samples:
                raise ValueError(f"RandomSampler: cannot draw num_samples="
                                 f"{self._num_samples} from an empty dataset")
            return np.empty(0, dtype=np.int64)
        if self.replacement:
            return self.generator.integers(0, n, self.num_samples)
        order = [self.generator.permutation(n) for _ in range(-(-self.num_samples // n))]
        return np.concatenate(order)[:self.num_samples]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a new random order every epoch."""

    def __init__(self, indices: Sequence[int], *, seed: int | None = None,
                 generator: Generator | np.random.Generator | None = None) -> None:
        self.indices = np.asarray(indices, dtype=np.int64)
        self.generator = _generator(seed, generator)

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())

    def epoch_indices(self) -> np.ndarray:
        """A new epoch's indices as one int64 array."""
        return self.indices[self.generator.permutation(len(self.indices))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 *, seed: int | None = None,
                 generator: Generator | np.random.Generator | None = None) -> None:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) \
                or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be a non-empty 1-d sequence "
                             "of finite, non-negative numbers with a positive sum")
        if not _int_at_least(num_samples, 1):
            raise ValueError(f"WeightedRandomSampler: num_samples must be a positive integer, "
                             f"got {num_samples!r}")
        if not replacement and num_samples > int(np.count_nonzero(w)):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                             f"without replacement from {int(np.count_nonzero(w))} with a "
                             f"non-zero weight")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = _generator(seed, generator)

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())

    def epoch_indices(self) -> np.ndarray:
        """A new epoch's indices as one int64 array."""
        p = self.weights / self.weights.sum()
        return self.generator.choice(len(p), size=self.num_samples, replace=self.replacement,
                                     p=p).astype(np.int64)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _int_at_least(batch_size, 1):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        arrays = self.index_arrays()
        if arrays is not None:  # built-in samplers: slice one index array, no per-index loop
            for indices in arrays:
                yield indices.tolist()
            return
        batch: list[int] = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def index_arrays(self) -> Iterator[np.ndarray] | None:
        """This epoch's batches as int64 index arrays, when the sampler can give the whole
        epoch at once (the built-in samplers); None otherwise."""
        epoch = getattr(self.sampler, "epoch_indices", None)
        if epoch is None:
            return None
        order = epoch()
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        return (order[start:start + size] for start in range(0, stop, size))
