"""The DataLoader, as in ``torch.utils.data.dataloader``.

Batches come from a sampler; an in-memory dataset with ``gather`` (like
:class:`~arraygrad.utils.data.ArrayDataset`) is batched with one vectorized take per array.

Workers (``num_workers > 0``) are threads by default, processes when
``multiprocessing_context`` is given. A worker's task is a run of consecutive batches, sized
from the measured cost of a batch so that each task takes at least :data:`TASK_SECONDS`:
handing a task to a worker and back costs about 0.1 ms, which is more than gathering a
batch of in-memory arrays, so one batch per task made ``num_workers=2`` many times slower
than ``num_workers=0``. Workers pay off when a batch costs real work that can run beside
the training step: reading files, decoding, Python-level augmentation in ``__getitem__``
(use processes when that work holds the GIL), or moving a batch to an accelerator.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import queue
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Any

import numpy as np

from arraygrad.extend import Tensor, make_tensor
from arraygrad.random import Generator
from arraygrad.utils.data.dataset import IterableDataset
from arraygrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    _int_at_least,
)

__all__ = ["DataLoader", "default_collate", "get_worker_info", "WorkerInfo", "TASK_SECONDS"]

TASK_SECONDS = 0.005
"""The least time one worker task should take; consecutive batches are grouped to reach it."""
_MAX_CHUNK = 64


# ---------------------------------------------------------------------------- collation
def _collate(samples: list[Any]) -> Any:
    """:func:`default_collate` into host NumPy arrays (what the loader converts once, onto
    its backend and device, and what process workers send back)."""
    first = samples[0]
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*(_collate(list(column)) for column in zip(*samples)))
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise RuntimeError(f"default_collate: each element in list of batch should be "
                               f"of equal size; got lengths {sorted({len(s) for s in samples})}")
        return type(first)(_collate(list(column)) for column in zip(*samples))
    if isinstance(first, dict):
        return {k: _collate([s[k] for s in samples]) for k in first}
    if isinstance(first, Tensor):
        import arraygrad as ag

        return ag.stack(samples)
    if isinstance(first, (str, bytes)):
        return list(samples)  # PyTorch keeps strings as a list
    if first is None or not isinstance(first, (np.ndarray, np.generic, int, float, bool,
                                               complex)):
        raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                        f"dicts or lists; found {type(first).__name__}")
    return np.stack([np.asarray(s) for s in samples])


def _host_to_tensors(batch: Any) -> Any:
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_host_to_tensors(b) for b in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_host_to_tensors(b) for b in batch)
    if isinstance(batch, dict):
        return {k: _host_to_tensors(v) for k, v in batch.items()}
    if isinstance(batch, np.ndarray):
        from arraygrad.creation import tensor

        return tensor(batch)  # onto the current backend, as torch's onto the default device
    return batch


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into a batch of Tensors, as PyTorch's: tuples, lists,
    namedtuples and dicts element-wise; Tensors, NumPy arrays and Python numbers along a
    new first axis (Python floats become float64, ints int64); strings stay a list.

    Examples
    --------
    >>> import numpy as np, arraygrad as ag
    >>> x, y = ag.data.default_collate([(np.zeros(2), 0), (np.ones(2), 1)])
    >>> x.shape, y.tolist(), y.dtype == ag.int64
    ((2, 2), [0, 1], True)
    """
    return _host_to_tensors(_collate(samples))


# ---------------------------------------------------------------------------- workers
@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` tells code running in a worker.

    Attributes
    ----------
    id : int
        This worker's number, ``0 <= id < num_workers``.
    num_workers : int
        How many workers the loader runs.
    seed : int
        This worker's seed (the loader's base seed plus ``id``).
    dataset : Any
        The worker's dataset (in a process worker, its own copy).
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_thread_info = threading.local()
_process_state: dict[str, Any] = {}


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the calling worker, or None outside a loader's worker.

    As ``torch.utils.data.get_worker_info``: use it in ``worker_init_fn`` or in a dataset to
    shard work by ``id``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.data.get_worker_info() is None
    True
    """
    info = getattr(_thread_info, "info", None)
    if info is not None:
        return info
    return _process_state.get("info")


def _load(dataset: Any, collate_fn: Callable | None, batched: bool, indices: Any) -> Any:
    """One batch (or sample) as host data: one gather when the dataset has it."""
    if not batched:
        return dataset[indices]
    gather = getattr(dataset, "gather", None) if collate_fn is None else None
    if gather is not None:
        return gather(np.asarray(indices, dtype=np.int64))
    collate = _collate if collate_fn is None or collate_fn is default_collate else collate_fn
    return collate([dataset[int(i)] for i in indices])


def _process_init(dataset: Any, collate_fn: Callable | None, batched: bool,
                  worker_init_fn: Callable[[int], None] | None, counter: Any,
                  num_workers: int, base_seed: int) -> None:
    with counter.get_lock():
        worker_id = counter.value
        counter.value += 1
    seed = base_seed + worker_id
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    _process_state.update(dataset=dataset, collate_fn=collate_fn, batched=batched,
                          info=WorkerInfo(worker_id, num_workers, seed, dataset))
    if worker_init_fn is not None:
        worker_init_fn(worker_id)


def _process_task(jobs: list[Any]) -> tuple[list[Any], float]:
    began = time.perf_counter()
    s = _process_state
    out = [_load(s["dataset"], s["collate_fn"], s["batched"], ix) for ix in jobs]
    return out, time.perf_counter() - began


def _chunk_size(seconds_per_batch: float) -> int:
    """How many consecutive batches one worker task gets: enough to take TASK_SECONDS."""
    if seconds_per_batch <= 0:
        return _MAX_CHUNK
    return max(1, min(_MAX_CHUNK, math.ceil(TASK_SECONDS / seconds_per_batch)))


# ---------------------------------------------------------------------------- the loader
class DataLoader:
    """Batches of a dataset, optionally shuffled, prepared ahead by workers.

    The arguments mean what they mean in ``torch.utils.data.DataLoader``.

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
        Workers that load batches in the background (0: in the calling thread). Threads,
        or processes with ``multiprocessing_context``. Tasks group consecutive batches so
        each takes at least :data:`TASK_SECONDS` (see the module docstring for when workers
        pay off).
    collate_fn : callable, optional
        Turns a list of samples into a batch. Without it, datasets with ``gather`` (like
        :class:`ArrayDataset`) are batched by one vectorized take per array.
    pin_memory : bool
        Accepted for PyTorch compatibility; a no-op: batches go straight to ``device``
        (the Array API has no page-locked host memory).
    drop_last : bool
        Drop a last, smaller batch.
    timeout : float
        Seconds to wait for a worker's batch before raising ``RuntimeError`` (0: forever).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker when it starts (each epoch,
        or once with ``persistent_workers``); :func:`get_worker_info` works inside it.
    multiprocessing_context : str or multiprocessing context, optional
        Use worker processes started this way (``"fork"``, ``"spawn"``, ``"forkserver"``).
        The dataset, ``collate_fn`` and ``worker_init_fn`` must be picklable for "spawn";
        batches come back as host (NumPy) data and become Tensors in the calling process.
        Each process seeds ``random`` and ``numpy.random`` with its worker seed.
    generator, seed : optional
        The shuffling source (``numpy.random.Generator``) or its seed.
    prefetch_factor : int, optional
        Tasks each worker keeps ready ahead of the consumer (default 2; PyTorch's name).
    persistent_workers : bool
        Keep the workers between epochs instead of starting new ones each epoch.
    prefetch : int
        The same as ``prefetch_factor`` (arraygrad's earlier name).
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
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None,
                 generator: Generator | np.random.Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 prefetch: int = 2, seed: int | None = None, device: str | None = None,
                 backend: Any = None) -> None:
        if batch_size is not None and not _int_at_least(batch_size, 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got "
                             f"{batch_size!r}")
        if not _int_at_least(num_workers, 0):
            raise ValueError(f"DataLoader: num_workers must be an integer >= 0, got "
                             f"{num_workers!r}")
        if num_workers == 0:  # options that only mean something with worker processes
            for option, given, why in (
                    ("prefetch_factor", prefetch_factor is not None,
                     " (it is how far each worker loads ahead)"),
                    ("persistent_workers=True", persistent_workers, ""),
                    ("multiprocessing_context", multiprocessing_context is not None,
                     " (it chooses how worker processes start)")):
                if given:
                    raise ValueError(f"DataLoader: {option} needs num_workers > 0{why}")
        if prefetch_factor is not None:
            prefetch = prefetch_factor
        if not _int_at_least(prefetch, 1):
            raise ValueError(f"DataLoader: prefetch_factor must be an integer >= 1, got "
                             f"{prefetch!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or \
                not timeout >= 0:
            raise ValueError(f"DataLoader: timeout must be a number of seconds >= 0 "
                             f"(0: wait forever), got {timeout!r}")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"DataLoader: worker_init_fn must be callable, got "
                            f"{type(worker_init_fn).__name__}")
        if multiprocessing_context is not None:
            if isinstance(multiprocessing_context, str):
                methods = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in methods:
                    raise ValueError(f"DataLoader: multiprocessing_context "
                                     f"{multiprocessing_context!r} is not a start method "
                                     f"here; choose one of {methods}")
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.prefetch = prefetch
        self.prefetch_factor = prefetch if num_workers else None
        self.collate_fn = collate_fn
        self.pin_memory = bool(pin_memory)
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = bool(persistent_workers)
        self.device = device
        self.backend = backend
        self.generator = generator
        self._seed = seed
        self._pool: Executor | None = None
        self._pool_finalizer: Any = None
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader: an IterableDataset defines its own order; "
                                 "shuffle, sampler and batch_sampler don't apply")
            if multiprocessing_context is not None:
                raise ValueError("DataLoader: worker processes need a map-style dataset; an "
                                 "IterableDataset is produced by one background thread")
            self.sampler = None
            self.batch_sampler = None
            self._batched = batch_size is not None
            return
        if batch_sampler is not None:
            if batch_size not in (None, 1) or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler is exclusive with batch_size, "
                                 "shuffle, sampler and drop_last")
            self.batch_size = None
            self.sampler = None
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
        return self._convert(_load(self.dataset, self.collate_fn, self._batched, indices),
                             backend)

    def _convert(self, batch: Any, backend: Any) -> Any:
        if isinstance(batch, (tuple, list)):
            return type(batch)(self._convert(b, backend) for b in batch)
        if isinstance(batch, dict):
            return {k: self._convert(v, backend) for k, v in batch.items()}
        if isinstance(batch, Tensor):
            if batch.backend is backend and (self.device is None or batch.device ==
                                             backend.check_device(self.device)):
                return batch
            return batch.to(backend=backend, device=self.device)
        if isinstance(batch, (np.ndarray, np.generic)):
            if type(batch) is np.ndarray and self.device is None and backend.owns(batch) \
                    and batch.dtype in backend.dtype_of:
                return make_tensor(batch, backend)  # already native (what asarray would do)
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
        collate = _collate if self.collate_fn in (None, default_collate) else self.collate_fn
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
        from arraygrad.backend_registry import current_backend, get_backend

        backend = current_backend() if self.backend is None else get_backend(self.backend)
        if self._iterable:
            stream = self._iter_stream(backend)
            if self.num_workers == 0:
                return stream
            return _background(stream, self.num_workers * self.prefetch, self._stream_init)
        if self.num_workers == 0:
            return (self._fetch(indices, backend) for indices in self._batches())
        return self._pooled(backend)

    # ------------------------------------------------------------------ workers
    def _base_seed(self) -> int:
        from arraygrad.utils.data.sampler import _generator

        return int(_generator(None, None).integers(0, 2 ** 62))

    def _stream_init(self) -> None:
        _thread_info.info = WorkerInfo(0, 1, self._base_seed(), self.dataset)
        if self.worker_init_fn is not None:
            self.worker_init_fn(0)

    def _start_pool(self) -> Executor:
        base_seed = self._base_seed()
        ctx = self.multiprocessing_context
        if ctx is not None:
            counter = ctx.Value("i", 0)
            return ProcessPoolExecutor(
                max_workers=self.num_workers, mp_context=ctx, initializer=_process_init,
                initargs=(self.dataset, self.collate_fn, self._batched, self.worker_init_fn,
                          counter, self.num_workers, base_seed))
        ids = itertools.count()
        lock = threading.Lock()

        def init() -> None:
            with lock:
                worker_id = next(ids)
            _thread_info.info = WorkerInfo(worker_id, self.num_workers, base_seed + worker_id,
                                           self.dataset)
            if self.worker_init_fn is not None:
                self.worker_init_fn(worker_id)

        return ThreadPoolExecutor(max_workers=self.num_workers,
                                  thread_name_prefix="arraygrad-data", initializer=init)

    def _pooled(self, backend: Any) -> Iterator[Any]:
        if self._pool is not None:
            pool = self._pool
        else:
            pool = self._start_pool()
            if self.persistent_workers:
                self._pool = pool
                self._pool_finalizer = weakref.finalize(self, pool.shutdown, wait=False,
                                                        cancel_futures=True)
        processes = self.multiprocessing_context is not None

        def thread_task(jobs: list[Any]) -> tuple[list[Any], float]:
            began = time.perf_counter()
            out = [self._fetch(ix, backend) for ix in jobs]
            return out, time.perf_counter() - began

        task = _process_task if processes else thread_task
        jobs = self._batches()
        ahead = self.num_workers * self.prefetch
        pending: deque = deque()
        chunk = 1  # until a batch has been timed
        served = 0

        def submit() -> bool:
            part = list(itertools.islice(jobs, chunk))
            if part:
                pending.append(pool.submit(task, part))
            return bool(part)

        try:
            while len(pending) < ahead and submit():
                pass
            while pending:
                future = pending.popleft()
                try:
                    batches, seconds = future.result(timeout=self.timeout or None)
                except FuturesTimeout:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout:g} seconds "
                                       f"waiting for batch {served} from its workers") from None
                chunk = _chunk_size(seconds / max(len(batches), 1))
                submit()
                for batch in batches:
                    served += 1
                    yield self._convert(batch, backend) if processes else batch
        finally:
            for future in pending:
                future.cancel()
            if pool is not self._pool:
                pool.shutdown(wait=False, cancel_futures=True)


_DONE = object()


def _background(stream: Iterator[Any], ahead: int,
                init: Callable[[], None] | None = None) -> Iterator[Any]:
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
            if init is not None:
                init()
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
