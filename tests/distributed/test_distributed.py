"""ag.distributed and DistributedDataParallel, run for real: small worker scripts under
``mpiexec -n 2`` / ``-n 4`` (always inside ``timeout``, so a stuck rank cannot hang the
suite). Tests that need MPI skip, saying why, when mpi4py or mpiexec is missing
(``pip install "arraygrad[mpi]"``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.distributed as dist

WORKERS = Path(__file__).resolve().parent / "workers"
ROOT = Path(__file__).resolve().parents[2]
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable) + os.pathsep
                       + os.environ.get("PATH", ""))
HAVE_MPI = importlib.util.find_spec("mpi4py") is not None and MPIEXEC is not None
needs_mpi = pytest.mark.skipif(not HAVE_MPI, reason='needs mpi4py and mpiexec: pip install '
                               '"arraygrad[mpi]"')
LIMIT = 45  # seconds any one job may take before `timeout` kills it


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT))
    return env


def mpirun(n: int, worker: str, *args: str, limit: float = LIMIT) -> subprocess.CompletedProcess:
    cmd = ["timeout", str(limit), MPIEXEC, "-n", str(n), sys.executable, str(WORKERS / worker),
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=ROOT)


def _ok(result: subprocess.CompletedProcess, marker: str, n: int) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert out.count(marker) == n, out[-4000:]


def test_import_arraygrad_imports_no_engine():
    code = ("import sys, arraygrad as ag; ag.distributed.get_rank(); "
            "ag.nn.parallel.DistributedDataParallel; "
            "bad = [m for m in ('mpi4py', 'cupy', 'jax') if m in sys.modules]; "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env(), timeout=60)
    assert r.returncode == 0, r.stderr


def test_missing_engine_names_the_extra():
    code = ("import sys; sys.modules['mpi4py'] = None; sys.modules['cupy'] = None\n"
            "import arraygrad.distributed as dist\n"
            "for b, extra in (('mpi', 'arraygrad[mpi]'), ('nccl', 'arraygrad[cupy]')):\n"
            "    try:\n"
            "        dist.init_process_group(b, rank=0, world_size=1)\n"
            "    except ImportError as e:\n"
            "        assert extra in str(e), e\n"
            "    else:\n"
            "        raise SystemExit('no ImportError for ' + b)\n"
            "    assert not dist.is_initialized()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env(), timeout=60)
    assert r.returncode == 0, r.stderr + r.stdout


def test_single_process_defaults_and_errors():
    assert not dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.all_reduce(ag.ones(2))
    with pytest.raises(RuntimeError, match="init_process_group"):
        ag.nn.parallel.DistributedDataParallel(ag.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="unknown backend"):
        dist.init_process_group("gloo")
    with pytest.raises(TypeError, match="timeout"):
        dist.init_process_group("mpi", timeout=-1)
    with pytest.raises(ValueError, match="rank 3 is outside"):
        dist.init_process_group("mpi", rank=3, world_size=2)
    with pytest.raises(TypeError, match="progress_thread must be True, False or None"):
        dist.init_process_group("mpi", progress_thread="yes")
    assert not dist.is_initialized()


@pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None, reason="needs mpi4py")
@pytest.mark.parametrize(("cores", "omp", "ranks_here", "spare"), [
    (2, "1", 2, False), (2, "1", 1, True), (8, "2", 3, True), (8, "2", 4, False),
    (8, None, 1, False), (8, "x", 1, False)])
def test_mpi_progress_thread_only_with_spare_cores(monkeypatch, cores, omp, ranks_here, spare):
    from arraygrad.distributed import mpi

    class Local:
        def Get_size(self):  # noqa: N802 - MPI's names
            return ranks_here

        def Free(self):  # noqa: N802
            pass

    class World:
        def Split_type(self, kind):  # noqa: N802
            return Local()

    class FakeMPI:
        COMM_TYPE_SHARED = 1

    monkeypatch.setattr(mpi, "_mpi", lambda: FakeMPI)
    monkeypatch.setattr(mpi.os, "cpu_count", lambda: cores)
    if omp is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    assert mpi._spare_cores(World()) is spare


# ----------------------------------------------------------------------------- sampler
@pytest.mark.parametrize("n", [0, 1, 7, 10, 12])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_partitions_like_torch(n, replicas, drop_last):
    torch_data = pytest.importorskip("torch.utils.data")
    for rank in range(replicas):
        ours = dist.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                       drop_last=drop_last)
        theirs = torch_data.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                               drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


def test_sampler_shuffle_is_shared_and_changes_with_epoch():
    shards = [dist.DistributedSampler(range(10), 3, r, seed=4) for r in range(3)]
    first = [list(s) for s in shards]
    order = np.random.default_rng(4).permutation(10).tolist()
    padded = order + order[:2]
    assert first == [padded[r::3] for r in range(3)]
    assert sorted(sum(first, [])) == sorted(list(range(10)) + order[:2])
    for s in shards:
        s.set_epoch(1)
    assert [list(s) for s in shards] != first
    with pytest.raises(ValueError, match=r"invalid rank 3.*\[0, 2\]"):
        dist.DistributedSampler(range(10), 3, 3)


def test_sampler_feeds_the_dataloader():
    data = ag.data.TensorDataset(ag.arange(10))
    sampler = dist.DistributedSampler(data, 2, 1, shuffle=False)
    batches = [b[0].tolist() for b in ag.data.DataLoader(data, batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7], [9]]


# ----------------------------------------------------------------------------- MPI jobs
@needs_mpi
@pytest.mark.parametrize(("n", "args"), [(2, ("numpy",)), (2, ("array_api_strict",)),
                                         (4, ("numpy", "det"))])
def test_collectives(n, args):
    _ok(mpirun(n, "collectives.py", *args), "collectives ok", n)


@needs_mpi
@pytest.mark.parametrize(("n", "args"), [(2, ("det",)), (4, ("det",)), (2, ("fast",)),
                                         (2, ("det", "array_api_strict"))])
def test_ddp_matches_single_process_reference(n, args):
    _ok(mpirun(n, "ddp.py", *args), "ddp ok", n)


@needs_mpi
def test_mismatched_tensors_raise_on_every_rank():
    r = mpirun(2, "errors.py", "mismatch")
    _ok(r, "mismatch ok", 2)
    for what in ("shape", "dtype", "collective", "gather shape", "bad list", "uneven"):
        for rank in (0, 1):
            assert f"rank {rank} {what}: " in r.stdout, r.stdout


@needs_mpi
@pytest.mark.parametrize(("scenario", "message"), [
    ("timeout", "all_reduce (its shape/dtype check) did not complete within 1.5 s"),
    ("async-timeout", "all_reduce did not complete within 1 s"),
    ("dies", "rank 1 raised ValueError; aborting the MPI job"),
    ("killed", "signal 9"),  # the launcher's report (MPICH and Open MPI both say so)
])
def test_a_lost_rank_ends_the_job_instead_of_hanging(scenario, message):
    start = time.monotonic()
    r = mpirun(2, "errors.py", scenario, limit=30)
    took = time.monotonic() - start
    out = r.stdout + r.stderr
    assert r.returncode not in (0, 124), out  # aborted by the engine, not killed by timeout
    assert message in out, out
    assert "unreachable" not in out
    assert took < 20, f"the job took {took:.1f} s to end"


@needs_mpi
def test_checkpoint_by_rank0_resumes_on_two_ranks(tmp_path):
    _ok(mpirun(2, "checkpoint.py", str(tmp_path / "ckpt.safetensors")), "checkpoint ok", 2)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.safetensors"]  # no temporary left


@needs_mpi
def test_launcher_mpi_mode(tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import os, arraygrad.distributed as d\n"
                      "d.init_process_group('mpi')\n"
                      "import sys\n"
                      "sys.stdout.write(f'rank {d.get_rank()} of {d.get_world_size()} threads "
                      "{os.environ[\"OMP_NUM_THREADS\"]}\\n')\n")
    env = _env()
    del env["OMP_NUM_THREADS"]  # the launcher sets 1 per rank
    r = subprocess.run(["timeout", str(LIMIT), sys.executable, "-m",
                        "arraygrad.distributed.launch", "-n", "2", str(script)],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split("\n")[:2]) == ["rank 0 of 2 threads 1", "rank 1 of 2 threads 1"]


def test_launcher_spawn_stops_the_others_when_one_fails(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import os, sys, time\n"
                      "if os.environ['RANK'] == '1': sys.exit(7)\n"
                      "time.sleep(60)\n")
    start = time.monotonic()
    r = subprocess.run(["timeout", str(LIMIT), sys.executable, "-m",
                        "arraygrad.distributed.launch", "--spawn", "-n", "2", str(script)],
                       capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert r.returncode == 7, r.stderr
    assert time.monotonic() - start < 20


def test_launcher_bad_arguments(tmp_path, capsys):
    from arraygrad.distributed.launch import main

    assert main(["-n", "2", str(tmp_path / "missing.py")]) == 2
    assert "no such script" in capsys.readouterr().err
    assert main(["-n", "0", __file__]) == 2


def test_jax_engine_two_processes():
    """jax.distributed on CPU (gloo) across 2 processes started by ``arraygrad run --spawn``:
    collectives, a mismatch error, and deterministic DDP equal to a 1-process reference."""
    pytest.importorskip("jax")
    r = subprocess.run(["timeout", "120", sys.executable, "-m",
                        "arraygrad.distributed.launch", "--spawn", "-n", "2", "--timeout", "100",
                        str(WORKERS / "jax_ddp.py")],
                       capture_output=True, text=True, env=_env(), cwd=ROOT)
    _ok(r, "jax ok rank", 2)


@needs_mpi
def test_the_docs_training_script_runs_on_two_ranks(tmp_path):
    import re

    page = (ROOT / "docs" / "distributed.md").read_text()
    (script,) = re.findall(r"```py\n(.*?)```", page, re.S)
    (tmp_path / "train_ddp.py").write_text(script)
    r = subprocess.run(["timeout", str(LIMIT), MPIEXEC, "-n", "2", sys.executable,
                        "train_ddp.py"], capture_output=True, text=True, env=_env(),
                       cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("epoch 2 done") == 1, r.stdout  # rank 0 only
    ckpt = ag.load(tmp_path / "ckpt.safetensors")
    assert set(ckpt["model"]) == {"0.weight", "0.bias", "3.weight", "3.bias"}


@needs_mpi
def test_benchmark_runs_tiny(tmp_path):
    r = subprocess.run(["timeout", str(LIMIT), sys.executable, "-m", "benchmarks.distributed",
                        "--steps", "2", "--batch", "16", "--sizes", "8", "16", "4"],
                       capture_output=True, text=True, env=_env(), cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines() if line[:5].strip() in ("1", "2")]
    assert [row[0] for row in rows] == ["1", "2"], r.stdout


def test_nccl_unique_id_travels_through_a_file(tmp_path):
    """The NCCL rendezvous without MPI (runs without CuPy: a stand-in for cupy.cuda.nccl)."""
    from arraygrad.distributed import nccl

    class FakeNccl:
        calls = 0

        @classmethod
        def get_unique_id(cls):
            cls.calls += 1
            return tuple(range(-64, 64))

    url = f"file://{tmp_path / 'nccl-id'}"
    assert nccl._exchange_id(FakeNccl, 0, 2, url, 5.0) == tuple(range(-64, 64))
    assert nccl._exchange_id(FakeNccl, 1, 2, url, 5.0) == tuple(range(-64, 64))
    assert FakeNccl.calls == 1  # only rank 0 creates the id
    with pytest.raises(dist.DistributedTimeoutError, match="did not write"):
        nccl._exchange_id(FakeNccl, 1, 2, f"file://{tmp_path / 'never'}", 0.2)
    with pytest.raises(ValueError, match="file:///path"):
        nccl._exchange_id(FakeNccl, 0, 2, "tcp://x:1", 1.0)


def test_nccl_engine_needs_cupy_and_a_gpu(tmp_path):
    cupy = pytest.importorskip("cupy", reason="NCCL needs CuPy: pip install 'arraygrad[cupy]'")
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy without a driver
        pytest.skip(f"no CUDA GPU: {exc}")
    if n == 0:
        pytest.skip("no CUDA GPU")
    from arraygrad.distributed import nccl

    pg = nccl.create(rank=0, world_size=1, timeout=30.0, deterministic=False, checks=True,
                     init_method=f"file://{tmp_path / 'nccl-id'}")
    x = cupy.arange(4, dtype=cupy.float32)
    assert cupy.asnumpy(pg.allreduce(x, dist.ReduceOp.SUM)).tolist() == [0, 1, 2, 3]
    pg.shutdown()


class _TwinRanks(dist.ProcessGroup):
    """Rank 0 of 2 in this process (no engine), the other rank sending the same values: DDP's
    bookkeeping without MPI. ``in_place`` selects the engine protocol: flat buffers reduced
    in place (as MPI), or flattened gradients (as JAX)."""

    backend = "local"

    def __init__(self, in_place=False):
        super().__init__(0, 2, 5.0, False, True)
        self.in_place = in_place
        self.calls = []
        self.watch = None  # a tensor whose .grad is recorded at each all-reduce

    def _record(self, arr):
        self.calls.append(("allreduce", arr.size) if self.watch is None else
                          ("allreduce", arr.size, self.watch.grad is None))

    def allreduce(self, arr, op, async_op=False):
        self._record(arr)
        out = np.array(arr, copy=True) * (2 if op is dist.ReduceOp.SUM else 1)
        return dist.Work(lambda: True, lambda t: None, lambda: out) if async_op else out

    def new_bucket(self, numel, like):
        return np.full(numel, np.nan, like.array.dtype) if self.in_place else None

    def fill_bucket(self, bucket, offset, arr, like, scale):
        bucket[offset:offset + arr.size] = np.ravel(arr) * scale

    def allreduce_bucket(self, bucket, op):
        self._record(bucket)
        assert op is dist.ReduceOp.SUM  # pre-divided by the world size
        bucket *= 2
        return dist.Work(lambda: True, lambda t: None, lambda: bucket)

    def broadcast(self, arr, src, async_op=False):
        return np.array(arr, copy=True)

    def allgather_object(self, obj, what=""):
        return [obj, obj]

    def to_engine_array(self, arr, like):
        return np.asarray(arr)

    def from_engine(self, arr, like):
        return arr

    def flatten(self, arrays):
        return np.concatenate([a.ravel() for a in arrays])

    def allreduce_host(self, arr):
        return np.asarray(arr) * 2


class _OneRank(_TwinRanks):
    def __init__(self):
        super().__init__(in_place=True)
        self.world_size = 1


@pytest.mark.parametrize("in_place", [True, False])
def test_ddp_buckets_follow_reverse_parameter_order_and_the_cap(in_place):
    model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.ReLU(), ag.nn.Linear(8, 2)).double()
    pg = _TwinRanks(in_place)
    # 8 * (8*4) bytes = 256 per first weight; a cap of 300 bytes splits it from the rest
    ddp = ag.nn.parallel.DistributedDataParallel(model, process_group=pg,
                                                 bucket_cap_mb=300 / 2**20)
    assert ddp.bucket_order == [["2.bias", "2.weight", "0.bias"], ["0.weight"]]
    x = ag.randn(3, 4, dtype=ag.float64)
    ddp(x).sum().backward()
    assert pg.calls == [("allreduce", 2 + 16 + 8), ("allreduce", 32)]  # bucket order
    ref = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.ReLU(), ag.nn.Linear(8, 2)).double()
    ref.load_state_dict(model.state_dict())
    ref(x).sum().backward()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert np.array_equal(p.grad.numpy(), q.grad.numpy())
    assert list(ddp.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with ddp.no_sync():
        ddp(x).sum().backward()
    assert len(pg.calls) == 2  # nothing reduced inside no_sync
    # overlap: the last layer's bucket starts during backward, before the first layer's
    # gradients exist; the first layer's once they do
    for p in model.parameters():
        p.grad = None
    early = ag.nn.parallel.DistributedDataParallel(model, process_group=pg,
                                                   bucket_cap_mb=150 / 2**20)
    assert early.bucket_order == [["2.bias", "2.weight"], ["0.bias"], ["0.weight"]]
    pg.calls, pg.watch = [], model[0].bias
    early(x).sum().backward()
    assert pg.calls == [("allreduce", 18, True), ("allreduce", 8, False),
                        ("allreduce", 32, False)]
    pg.watch = None
    with pytest.raises(RuntimeError, match="create_graph=True.*no_sync"):
        early(x).sum().backward(create_graph=True)
    # the default cap: 1 MiB for the first bucket, 25 MiB for the others (as PyTorch)
    big = ag.nn.Sequential(ag.nn.Linear(512, 1024), ag.nn.Linear(1024, 1024),
                           ag.nn.Linear(1024, 200))
    assert ag.nn.parallel.DistributedDataParallel(big, process_group=pg).bucket_order == [
        ["2.bias", "2.weight", "1.bias"], ["1.weight", "0.bias", "0.weight"]]
    with pytest.raises(ValueError, match="bucket_cap_mb must be a positive"):
        ag.nn.parallel.DistributedDataParallel(model, process_group=pg, bucket_cap_mb=0)
    with pytest.raises(TypeError, match="unexpected arguments"):
        ag.nn.parallel.DistributedDataParallel(model, process_group=pg, gradient_as_view=1)
    with pytest.raises(ValueError, match="at most one device"):
        ag.nn.parallel.DistributedDataParallel(model, process_group=pg, device_ids=[0, 1])


def test_ddp_on_one_rank_reduces_nothing():
    """World size 1: the average is the gradient itself, so DDP copies and reduces nothing
    and leaves the engine's gradient arrays in place; its bookkeeping errors still apply."""
    model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.ReLU(), ag.nn.Linear(8, 2)).double()
    pg = _OneRank()
    seen = {}  # each .grad as the engine made it (these hooks run before DDP's)
    for p in model.parameters():
        p.register_post_accumulate_grad_hook(lambda t: seen.__setitem__(id(t), t.grad))
    ddp = ag.nn.parallel.DistributedDataParallel(model, process_group=pg)
    x = ag.randn(3, 4, dtype=ag.float64)
    ddp(x).sum().backward()
    assert pg.calls == []
    assert all(p.grad is seen[id(p)] for p in model.parameters())
    ddp(x)  # a forward that gets no backward
    with pytest.raises(RuntimeError, match="got no backward"):
        ddp(x)
