"""Datasets, as in ``torch.utils.data.dataset``.

A map-style dataset has ``__getitem__`` and ``__len__``; an iterable one has ``__iter__``.
In-memory datasets (:class:`ArrayDataset` / :class:`TensorDataset`, and :class:`Subset` /
:class:`ConcatDataset` of them) also have ``gather(indices)``, which returns a whole batch
with one vectorized take per array; the DataLoader uses it instead of a per-sample loop.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from arraygrad.extend import Tensor, make_tensor
from arraygrad.random import Generator
from arraygrad.utils.data.sampler import _generator

__all__ = [
    "Dataset", "IterableDataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
    "ChainDataset", "random_split",
]


class Dataset:
    """A map-style dataset: ``dataset[i]`` is one sample, ``len(dataset)`` the count."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset:
    """A stream of samples (``__iter__``); a DataLoader batches it in order."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: IterableDataset) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets one after another (``torch.utils.data.ChainDataset``)."""

    def __init__(self, datasets: Iterable[IterableDataset]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from dataset


def _host(array: Any) -> Any:
    """Keep Tensors and NumPy arrays; turn anything else array-like into NumPy."""
    if isinstance(array, (Tensor, np.ndarray)):
        return array
    return np.asarray(array)


class ArrayDataset(Dataset):
    """Samples are rows of equally long arrays (NumPy arrays or Tensors).

    ``dataset[i]`` is a tuple with row ``i`` of each array; :meth:`gather` returns whole
    batches with one vectorized take per array, which the DataLoader uses.
    ``TensorDataset`` is the same class under PyTorch's name.

    Examples
    --------
    >>> import numpy as np, arraygrad as ag
    >>> ds = ag.data.ArrayDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
    >>> x, y = ds.gather(np.array([4, 0]))
    >>> x.tolist(), y.tolist()
    ([[8.0, 9.0], [0.0, 1.0]], [4, 0])
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        arrays = tuple(_host(a) for a in arrays)
        lengths = [a.shape[0] if a.ndim else None for a in arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
            raise ValueError(f"ArrayDataset: every array needs the same first dimension; got "
                             f"shapes {shapes}")
        self.arrays = arrays

    @property
    def tensors(self) -> tuple[Any, ...]:
        """The arrays (PyTorch's ``TensorDataset.tensors``)."""
        return self.arrays

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ArrayDataset index {index} is out of range for {n} samples")
        return tuple(a[index] for a in self.arrays)

    def gather(self, indices: Any) -> tuple[Any, ...]:
        """Rows ``indices`` of every array, one vectorized take per array."""
        idx = np.asarray(indices, dtype=np.int64)
        return tuple(_take_rows(a, idx) for a in self.arrays)


TensorDataset = ArrayDataset


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (gathers in one take when it can)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = indices  # kept as given (PyTorch's Subset: a list stays a list)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def _positions(self, idx: Any) -> np.ndarray:
        """The dataset positions of a batch of subset indices (read from ``indices`` as
        it is now, so a list changed in place is honoured)."""
        idx = np.asarray(idx, dtype=np.int64)
        if isinstance(self.indices, np.ndarray):
            return self.indices[idx].astype(np.int64, copy=False)
        return np.asarray([self.indices[i] for i in idx.tolist()], dtype=np.int64)

    def __getattr__(self, name: str) -> Any:
        if name == "gather" and hasattr(self.__dict__.get("dataset"), "gather"):
            return lambda idx: self.dataset.gather(self._positions(idx))
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class ConcatDataset(Dataset):
    """Several datasets one after another."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset index {index} is out of range for {n} samples")
        index %= n
        part = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]

    def __getattr__(self, name: str) -> Any:
        if name == "gather" and all(hasattr(d, "gather") for d in self.__dict__.get(
                "datasets", [None])):
            return self._gather
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _gather(self, indices: Any) -> tuple[Any, ...]:
        idx = np.asarray(indices, dtype=np.int64)
        parts = np.searchsorted(np.asarray(self.cumulative_sizes), idx, side="right")
        order, pieces = [], []
        for k, dataset in enumerate(self.datasets):
            positions = np.nonzero(parts == k)[0]
            if positions.size:
                start = self.cumulative_sizes[k - 1] if k else 0
                pieces.append(dataset.gather(idx[positions] - start))
                order.append(positions)
        inverse = np.argsort(np.concatenate(order), kind="stable")
        out = []
        for column in zip(*pieces):
            joined = _concat(column)
            out.append(_take_rows(joined, inverse))
        return tuple(out)


def _concat(arrays: Sequence[Any]) -> Any:
    if isinstance(arrays[0], Tensor):
        import arraygrad as ag

        return ag.concat([a.to(backend=arrays[0].backend) for a in arrays])
    return np.concatenate(arrays)


def _take_rows(array: Any, idx: np.ndarray) -> Any:
    if isinstance(array, Tensor):
        be = array.backend
        rows = be.xp.take(array.array, be.from_object(idx, device=array.device), axis=0)
        return make_tensor(rows, be)
    return np.take(array, idx, axis=0)


def random_split(dataset: Any, lengths: Sequence[int | float], *, seed: int | None = None,
                 generator: Generator | np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (the
    remainder goes round-robin to the first parts, as PyTorch).

    Examples
    --------
    >>> import numpy as np, arraygrad as ag
    >>> a, b = ag.data.random_split(ag.data.ArrayDataset(np.arange(10)), [0.8, 0.2], seed=0)
    >>> len(a), len(b)
    (8, 2)
    """
    n = len(dataset)
    if all(isinstance(v, float) for v in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(v) for v in lengths]
    if sum(counts) != n or any(c < 0 for c in counts):
        raise ValueError(f"random_split: lengths {list(lengths)} must be non-negative counts "
                         f"summing to the dataset's length {n}, or fractions summing to 1")
    perm = _generator(seed, generator).permutation(n).tolist()  # PyTorch: lists of ints
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c]))
        start += c
    return out
