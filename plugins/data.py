"""Data loading (installed as ``arraygrad.plugins.data``; user API :mod:`arraygrad.data`).

Datasets, samplers and a ``DataLoader`` with background worker threads and a prefetch
queue, in PyTorch's shapes. From an in-memory :class:`ArrayDataset` a batch is gathered
with one vectorized ``take`` per array (never a per-sample loop). The module also
declares the built-in data sources (:mod:`arraygrad.plugins.datasets`) through the
``arraygrad_datasets`` hook.
"""

from __future__ import annotations

import bisect
import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from arraygrad.hookspecs import hookimpl
from arraygrad.tensor import Tensor, _make

__all__ = [
    "Dataset", "IterableDataset", "ArrayDataset", "TensorDataset", "Subset", "ConcatDataset",
    "random_split", "Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
    "DataLoader", "default_collate",
]


# ---------------------------------------------------------------------------- datasets
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


def _host(array: Any) -> Any:
    """Keep Tensors and NumPy arrays; turn anything else array-like into NumPy."""
    if isinstance(array, (Tensor, np.ndarray)):
        return array
    return np.asarray(array)


class ArrayDataset(Dataset):
    """Samples are rows of equally long arrays (NumPy arrays or Tensors).

    ``dataset[i]`` is a tuple with row ``i`` of each array; :meth:`gather` returns whole
    batches with one vectorized take per array, which the DataLoader uses.

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

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __getattr__(self, name: str) -> Any:
        if name == "gather" and hasattr(self.dataset, "gather"):
            return lambda idx: self.dataset.gather(self.indices[np.asarray(idx, dtype=np.int64)])
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
        from arraygrad.ops.shape import concat

        return concat([a.to(backend=arrays[0]._backend) for a in arrays])
    return np.concatenate(arrays)


def _take_rows(array: Any, idx: np.ndarray) -> Any:
    if isinstance(array, Tensor):
        be = array._backend
        return _make(be.xp.take(array._data, be.from_object(idx, device=array.device), axis=0),
                     be, None)
    return np.take(array, idx, axis=0)


def _generator(seed: int | None, generator: Any) -> np.random.Generator:
    """A NumPy generator: ``generator`` if given, else seeded by ``seed``, else drawn from
    arraygrad's RNG (so ``ag.manual_seed`` makes the order reproducible)."""
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(f"generator must be a numpy.random.Generator, got "
                            f"{type(generator).__name__}")
        return generator
    if seed is None:
        from arraygrad.random import randint

        seed = int(randint(0, 2 ** 62, ()).item())
    return np.random.default_rng(seed)


def random_split(dataset: Any, lengths: Sequence[int | float], *, seed: int | None = None,
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping :class:`Subset` s.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (the
    remainder goes round-robin to the first parts, as PyTorch).
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
    perm = _generator(seed, generator).permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c]))
        start += c
    return out


# ---------------------------------------------------------------------------- samplers
class Sampler:
    """Yields dataset indices."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
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


class RandomSampler(Sampler):
    """A new random order every epoch (or ``num_samples`` draws with replacement).

    The generator is created once (from ``seed``, ``generator``, or arraygrad's RNG), so a
    seeded sampler gives the same sequence of epochs on every run.
    """

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, *, seed: int | None = None,
                 generator: np.random.Generator | None = None) -> None:
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


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
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


# ---------------------------------------------------------------------------- collation
def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples: tuples/lists/dicts element-wise, arrays and numbers along a
    new first axis (into NumPy arrays; the loader makes Tensors of them)."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate(list(column)) for column in zip(*samples))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    if isinstance(first, Tensor):
        from arraygrad.ops.shape import stack

        return stack(samples)
    return np.stack([np.asarray(s) for s in samples])


# ---------------------------------------------------------------------------- the loader
class DataLoader:
    """Batches of a dataset, optionally shuffled, prepared ahead by worker threads.

    Parameters
    ----------
    dataset : Dataset, IterableDataset, or anything with ``__getitem__``/``__len__``
    batch_size : int or None
        Samples per batch (None: yield single samples, no batching).
    shuffle : bool
        A new random order each epoch (reproducible with ``seed`` or ``ag.manual_seed``).
    sampler, batch_sampler : optional
        Custom index order / custom batches (exclusive with ``shuffle`` / ``batch_size``).
    num_workers : int
        Worker threads that gather and convert batches in the background (0: in the
        calling thread).
    prefetch : int
        Batches each worker keeps ready ahead of the consumer (default 2).
    collate_fn : callable, optional
        Turns a list of samples into a batch. Without it, datasets with ``gather`` (like
        :class:`ArrayDataset`) are batched by one vectorized take per array.
    drop_last : bool
        Drop a last, smaller batch.
    seed, generator : optional
        The shuffling source (``numpy.random.Generator``).
    device, backend : optional
        Where the batch Tensors go (default: the current backend when iteration starts).

    Examples
    --------
    >>> import numpy as np, arraygrad as ag
    >>> ds = ag.data.ArrayDataset(np.zeros((10, 3), np.float32), np.arange(10))
    >>> loader = ag.data.DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> [y.shape for _, y in loader]
    [(4,), (4,), (2,)]
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Iterable[int] | None = None,
                 batch_sampler: Iterable[list[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, drop_last: bool = False,
                 *, prefetch: int = 2, seed: int | None = None,
                 generator: np.random.Generator | None = None, device: str | None = None,
                 backend: Any = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or
                                       isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got "
                             f"{batch_size!r}")
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be an integer >= 0, got "
                             f"{num_workers!r}")
        if not isinstance(prefetch, int) or prefetch < 1:
            raise ValueError(f"DataLoader: prefetch must be an integer >= 1, got {prefetch!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.prefetch = prefetch
        self.collate_fn = collate_fn
        self.device = device
        self.backend = backend
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader: an IterableDataset defines its own order; "
                                 "shuffle, sampler and batch_sampler don't apply")
            self.batch_sampler = None
            return
        if batch_sampler is not None:
            if batch_size not in (None, 1) or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is exclusive with batch_size, "
                                 "shuffle, sampler and drop_last")
            self.batch_size = None
            self.batch_sampler = batch_sampler
            self._batched = True
            return
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: pass either sampler or shuffle=True, not both")
        if sampler is None:
            sampler = (RandomSampler(dataset, seed=seed, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        self.sampler = sampler
        self._batched = batch_size is not None
        self.batch_sampler = (BatchSampler(sampler, batch_size, drop_last)
                              if batch_size is not None else None)

    def __len__(self) -> int:
        if self._iterable:
            raise TypeError("DataLoader over an IterableDataset has no len()")
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ fetching
    def _fetch(self, indices: Any, backend: Any) -> Any:
        if not self._batched:
            return self._convert(self.dataset[indices], backend)
        gather = getattr(self.dataset, "gather", None) if self.collate_fn is None else None
        if gather is not None:
            batch = gather(np.asarray(indices, dtype=np.int64))
        else:
            collate = self.collate_fn or default_collate
            batch = collate([self.dataset[i] for i in indices])
        return self._convert(batch, backend)

    def _convert(self, batch: Any, backend: Any) -> Any:
        if isinstance(batch, (tuple, list)):
            return type(batch)(self._convert(b, backend) for b in batch)
        if isinstance(batch, dict):
            return {k: self._convert(v, backend) for k, v in batch.items()}
        if isinstance(batch, Tensor):
            if batch._backend is backend and (self.device is None or batch.device ==
                                              backend.check_device(self.device)):
                return batch
            return batch.to(backend=backend, device=self.device)
        if isinstance(batch, (np.ndarray, np.generic)):
            if type(batch) is np.ndarray and self.device is None and backend.owns(batch) \
                    and batch.dtype in backend.dtype_of:
                return _make(batch, backend, None)  # already native (what asarray would do)
            from arraygrad.creation import asarray

            return asarray(batch, backend=backend, device=self.device)
        return batch

    def _batches(self) -> Iterator[Any]:
        """Every batch's index list (map-style) in order."""
        source = self.batch_sampler if self._batched else self.sampler
        if isinstance(source, BatchSampler) and self.collate_fn is None and \
                hasattr(self.dataset, "gather"):
            arrays = source.index_arrays()  # gather takes index arrays: skip the lists
            if arrays is not None:
                return arrays
        return iter(source)  # type: ignore[arg-type]

    def _iter_stream(self, backend: Any) -> Iterator[Any]:
        collate = self.collate_fn or default_collate
        samples: list[Any] = []
        for sample in self.dataset:
            if self.batch_size is None:
                yield self._convert(sample, backend)
                continue
            samples.append(sample)
            if len(samples) == self.batch_size:
                yield self._convert(collate(samples), backend)
                samples = []
        if samples and not self.drop_last and self.batch_size is not None:
            yield self._convert(collate(samples), backend)

    def __iter__(self) -> Iterator[Any]:
        from arraygrad.backend import current_backend, get_backend

        backend = current_backend() if self.backend is None else get_backend(self.backend)
        if self._iterable:
            stream = self._iter_stream(backend)
            if self.num_workers == 0:
                return stream
            return _background(stream, self.num_workers * self.prefetch)
        if self.num_workers == 0:
            return (self._fetch(indices, backend) for indices in self._batches())
        return _ordered_pool(self._batches(), lambda ix: self._fetch(ix, backend),
                             self.num_workers, self.num_workers * self.prefetch)


def _ordered_pool(jobs: Iterator[Any], fetch: Callable[[Any], Any], workers: int,
                  ahead: int) -> Iterator[Any]:
    """Run ``fetch`` over ``jobs`` on ``workers`` threads, keeping ``ahead`` results in
    flight, and yield the results in job order."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="arraygrad-data")
    pending: list[Future] = []
    try:
        for job in jobs:
            pending.append(pool.submit(fetch, job))
            if len(pending) >= ahead:
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    finally:
        for f in pending:
            f.cancel()
        pool.shutdown(wait=False, cancel_futures=True)


_DONE = object()


def _background(stream: Iterator[Any], ahead: int) -> Iterator[Any]:
    """Produce ``stream`` on one background thread, up to ``ahead`` items in advance."""
    buffer: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        # Wait for room, but give up once the consumer has gone (no thread left blocked).
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in stream:
                if not put((True, item)):
                    return
            put((True, _DONE))
        except BaseException as exc:  # re-raised in the consumer
            put((False, exc))

    thread = threading.Thread(target=produce, name="arraygrad-data", daemon=True)
    thread.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                raise item
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()


@hookimpl
def arraygrad_datasets() -> dict[str, Callable[..., Any]]:
    """Declare the built-in data sources: digits, mnist, npz, csv."""
    from arraygrad.plugins import datasets

    return dict(datasets.SOURCES)
