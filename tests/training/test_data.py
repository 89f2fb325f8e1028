"""Datasets, samplers, the DataLoader and the built-in data sources."""

import gzip
import threading

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import data


def make_ds(n=10):
    return data.ArrayDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def test_batches_shapes_drop_last_and_len():
    loader = data.DataLoader(make_ds(10), batch_size=4)
    assert len(loader) == 3 and [y.tolist() for _, y in loader][-1] == [8, 9]
    loader = data.DataLoader(make_ds(10), batch_size=4, drop_last=True)
    assert len(loader) == 2 and sum(1 for _ in loader) == 2
    x, y = next(iter(loader))
    assert isinstance(x, ag.Tensor) and x.dtype == ag.float32 and y.dtype == ag.int64


def test_batch_size_zero_and_bad_options_raise():
    with pytest.raises(ValueError, match="batch_size must be a positive integer.*0"):
        data.DataLoader(make_ds(), batch_size=0)
    with pytest.raises(ValueError, match="sampler or shuffle"):
        data.DataLoader(make_ds(), shuffle=True, sampler=[0, 1])
    with pytest.raises(ValueError, match="num_workers"):
        data.DataLoader(make_ds(), num_workers=-1)


def test_shuffle_is_reproducible_and_workers_keep_order():
    def order(**kw):
        return [y.tolist() for _, y in data.DataLoader(make_ds(50), batch_size=8, shuffle=True,
                                                      **kw)]

    a = order(seed=3)
    assert a == order(seed=3) and a != order(seed=4)
    assert a == order(seed=3, num_workers=3, prefetch=1)
    assert sorted(sum(a, [])) == list(range(50))
    ag.manual_seed(7)
    b = order()
    ag.manual_seed(7)
    assert b == order()
    loader = data.DataLoader(make_ds(50), batch_size=8, shuffle=True, seed=1)
    assert [y.tolist() for _, y in loader] != [y.tolist() for _, y in loader]  # new epoch


def test_array_dataset_batches_with_one_take_not_per_sample():
    class Counting(data.ArrayDataset):
        def __getitem__(self, index):
            raise AssertionError("per-sample access on the vectorized path")

    ds = Counting(np.zeros((9, 3)), np.arange(9))
    gathered = []
    original = ds.gather
    ds.gather = lambda idx: gathered.append(len(idx)) or original(idx)
    batches = list(data.DataLoader(ds, batch_size=4, shuffle=True, seed=0, num_workers=2))
    # two workers may start the second and third gathers in either order
    assert sorted(gathered) == [1, 4, 4] and len(batches) == 3


def test_shuffling_an_empty_dataset_gives_no_batches():
    empty = data.ArrayDataset(np.zeros((0, 2)))
    assert list(data.DataLoader(empty, batch_size=2, shuffle=True, seed=0)) == []
    assert list(data.RandomSampler(empty, replacement=True, seed=0)) == []
    with pytest.raises(ValueError, match="num_samples=3 from an empty dataset"):
        list(data.RandomSampler(empty, num_samples=3, seed=0))


def test_workers_run_in_threads_and_prefetch():
    threads = set()

    class Slow(data.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            threads.add(threading.current_thread().name)
            return np.float32(i), i

    out = [y.tolist() for _, y in data.DataLoader(Slow(), batch_size=3, num_workers=2)]
    assert out == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert all(t.startswith("arraygrad-data") for t in threads)


def test_loader_puts_batches_on_the_backend(backend):
    ds = data.TensorDataset(ag.arange(6, dtype=ag.float32), ag.arange(6))
    x, y = next(iter(data.DataLoader(ds, batch_size=4, shuffle=True, seed=0, num_workers=1)))
    assert x.backend is backend and x.shape == (4,) and sorted(x.tolist()) == sorted(
        float(v) for v in y.tolist())


def test_subset_random_split_concat_and_iterable():
    ds = make_ds(10)
    parts = data.random_split(ds, [0.7, 0.3], seed=0)
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(np.concatenate([p.indices for p in parts]).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="summing"):
        data.random_split(ds, [3, 3])
    both = data.ConcatDataset([make_ds(3), make_ds(4)])
    assert len(both) == 7 and both[5][1] == 2
    x, y = both.gather(np.array([6, 0, 3]))
    assert y.tolist() == [3, 0, 0]

    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter((np.float32(i), i) for i in range(7))

    for workers in (0, 1):
        got = [y.tolist() for _, y in data.DataLoader(Stream(), batch_size=3,
                                                      num_workers=workers)]
        assert got == [[0, 1, 2], [3, 4, 5], [6]]


def test_digits_source_and_registry():
    assert {"digits", "mnist", "npz", "csv"} <= set(data.available_datasets())
    train = data.load_dataset("digits", split="train")
    test = data.load_dataset("digits", split="test")
    assert len(train) + len(test) == 1797 and train[0][0].shape == (1, 8, 8)
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        data.load_dataset("nope")


def write_idx(path, array, magic_type=0x08, gz=False):
    header = bytes([0, 0, magic_type, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(raw)


def test_mnist_reads_local_idx_files_and_names_bad_ones(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28))
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, gz=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(5))
    ds = data.load_dataset("mnist", path=str(tmp_path))
    assert len(ds) == 5 and ds[1][1] == 1
    np.testing.assert_allclose(ds[2][0][0], images[2] / 255.0, rtol=1e-6)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        data.load_dataset("mnist", path=str(tmp_path), split="test")
    bad = tmp_path / "train-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes()[:-2])
    with pytest.raises(ValueError, match=f"{bad}.*truncated"):
        data.load_dataset("mnist", path=str(tmp_path))


def test_npz_and_csv_sources(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.ones((4, 2)), y=np.arange(4))
    ds = data.load_dataset("npz", path=str(tmp_path / "d.npz"), keys=["x", "y"])
    assert len(ds) == 4
    with pytest.raises(KeyError, match="no array"):
        data.load_dataset("npz", path=str(tmp_path / "d.npz"), keys=["z"])
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="junk.npz"):
        data.load_dataset("npz", path=str(tmp_path / "junk.npz"))
    (tmp_path / "t.csv").write_text("a,b,label\n1,2,0\n3,4,1\n5,6,1\n")
    ds = data.load_dataset("csv", path=str(tmp_path / "t.csv"), target="label")
    x, y = ds.gather([2])
    assert x.tolist() == [[5.0, 6.0]] and y.dtype == np.int64
    (tmp_path / "bad.csv").write_text("1,2\n3\n")
    with pytest.raises(ValueError, match="bad.csv, line 2"):
        data.load_dataset("csv", path=str(tmp_path / "bad.csv"))
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        data.load_dataset("csv", path=str(tmp_path / "missing.csv"))


def test_background_producer_stops_when_the_consumer_leaves_early():
    import time

    from arraygrad.utils.data.dataloader import _background

    before = set(threading.enumerate())
    items = _background(iter([0, 1]), ahead=1)
    assert next(items) == 0
    time.sleep(0.3)  # the producer has queued 1 and now waits to queue the end marker
    items.close()  # the consumer leaves without reading further
    producers = [t for t in threading.enumerate()
                 if t not in before and t.name == "arraygrad-data"]
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in producers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.is_alive() for t in producers), \
        "the producer thread stayed blocked after the consumer left"


def test_torch_paths_and_the_ag_data_alias():
    import arraygrad.data
    import arraygrad.utils.data.sampler as sampler_module
    from arraygrad.utils.data import DataLoader, TensorDataset
    from arraygrad.utils.data.dataloader import DataLoader as Loader2
    from arraygrad.utils.data.dataset import Subset

    assert ag.data is ag.utils.data is arraygrad.data
    assert DataLoader is Loader2 is ag.data.DataLoader and TensorDataset is ag.data.ArrayDataset
    assert sampler_module.RandomSampler is data.RandomSampler and Subset is data.Subset
    ds = TensorDataset(np.arange(6.0), np.arange(6))
    assert ds.tensors is ds.arrays


def test_digits_loads_without_importing_scikit_learn():
    import subprocess
    import sys

    code = ("import sys, arraygrad as ag; ds = ag.data.load_dataset('digits'); "
            "print(len(ds), 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.split() == ["1797", "False"], out.stderr[-2000:]


def test_digits_match_scikit_learn():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = data.load_dataset("digits").gather(np.arange(1797))
    np.testing.assert_array_equal(x[:, 0], (bunch.images / 16.0).astype(np.float32))
    np.testing.assert_array_equal(y, bunch.target)


def test_malformed_files_are_named(tmp_path):
    np.savez(tmp_path / "ok.npz", x=np.ones((50, 20)), y=np.arange(50))
    raw = (tmp_path / "ok.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="cut.npz.*truncated or corrupted"):
        data.load_dataset("npz", path=str(tmp_path / "cut.npz"))
    (tmp_path / "bin.csv").write_bytes(raw)
    with pytest.raises(ValueError, match="bin.csv is not a text CSV file"):
        data.load_dataset("csv", path=str(tmp_path / "bin.csv"))
    (tmp_path / "nul.csv").write_bytes(b"1,2\x00,3\n")
    with pytest.raises(ValueError, match="nul.csv is not a text CSV file"):
        data.load_dataset("csv", path=str(tmp_path / "nul.csv"))
    with pytest.raises(TypeError, match="dataset 'csv'.*required: path.*--data-path"):
        data.load_dataset("csv")


def test_extra_samplers():
    s = data.SubsetRandomSampler([3, 5, 7], seed=0)
    assert sorted(s) == [3, 5, 7] and len(s) == 3
    w = data.WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=5, seed=0)
    assert list(w) == [1] * 5
    with pytest.raises(ValueError, match="without replacement from 1"):
        data.WeightedRandomSampler([0.0, 1.0], num_samples=2, replacement=False)
    chained = data.ChainDataset([iter_ds(2), iter_ds(3)])
    assert [int(v) for v in chained] == [0, 1, 0, 1, 2]


def iter_ds(n):
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

    return Stream()


def test_pytorch_loader_options_and_their_errors():
    with pytest.raises(ValueError, match="timeout must be a number of seconds >= 0"):
        data.DataLoader(make_ds(), timeout=-1)
    with pytest.raises(ValueError, match="persistent_workers=True needs num_workers > 0"):
        data.DataLoader(make_ds(), persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor needs num_workers > 0"):
        data.DataLoader(make_ds(), prefetch_factor=2)
    with pytest.raises(TypeError, match="worker_init_fn must be callable"):
        data.DataLoader(make_ds(), num_workers=1, worker_init_fn=3)
    with pytest.raises(ValueError, match="'nope' is not a start method"):
        data.DataLoader(make_ds(), num_workers=1, multiprocessing_context="nope")
    loader = data.DataLoader(make_ds(), batch_size=5, pin_memory=True)  # a documented no-op
    assert loader.pin_memory and [len(y) for _, y in loader] == [5, 5]


def test_worker_init_fn_worker_info_and_persistent_workers():
    seen = []

    def init(worker_id):
        info = data.get_worker_info()
        seen.append((worker_id, info.id, info.num_workers))

    loader = data.DataLoader(make_ds(20), batch_size=2, num_workers=2, worker_init_fn=init,
                             persistent_workers=True, prefetch_factor=1)
    first = [y.tolist() for _, y in loader]
    second = [y.tolist() for _, y in loader]
    assert first == second == [[i, i + 1] for i in range(0, 20, 2)]
    # persistent: the workers started once, with ids 0..n-1 (a pool may start fewer)
    assert 1 <= len(seen) <= 2 and all(w == i and n == 2 for w, i, n in seen)
    assert data.get_worker_info() is None


def test_timeout_names_the_wait():
    import time

    class Stuck(data.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            time.sleep(0.5)
            return np.float32(i)

    with pytest.raises(RuntimeError, match="timed out after 0.05 seconds"):
        list(data.DataLoader(Stuck(), batch_size=2, num_workers=1, timeout=0.05))


def test_cheap_batches_are_grouped_into_bigger_worker_tasks():
    from arraygrad.utils.data.dataloader import TASK_SECONDS, _chunk_size

    assert _chunk_size(TASK_SECONDS * 2) == 1  # expensive batches: one per task
    assert _chunk_size(TASK_SECONDS / 10) == 10
    assert _chunk_size(1e-9) == 64 and _chunk_size(0.0) == 64
    threads = []

    class Recording(data.ArrayDataset):
        def gather(self, idx):
            threads.append(threading.current_thread().name)
            return super().gather(idx)

    ds = Recording(np.zeros((400, 2), np.float32), np.arange(400))
    batches = [y.tolist() for _, y in data.DataLoader(ds, batch_size=4, num_workers=2)]
    assert sum(batches, []) == list(range(400))
    # after the first timed tasks, runs of consecutive batches go to the same worker
    runs = sum(1 for a, b in zip(threads, threads[1:]) if a != b) + 1
    assert runs < len(threads) / 4, runs


def test_process_workers_load_in_other_processes():
    import multiprocessing

    # "spawn": forking a process that runs JAX's threads can deadlock; the dataset is
    # arraygrad's own class, so the child can unpickle it.
    ds = data.ArrayDataset(np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6))
    loader = data.DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn",
                             timeout=120)
    batches = iter(loader)
    x, y = next(batches)
    assert multiprocessing.active_children(), "no worker process is running"
    rest = list(batches)
    assert [y.tolist()] + [b[1].tolist() for b in rest] == [[0, 1], [2, 3], [4, 5]]
    assert isinstance(x, ag.Tensor) and x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
