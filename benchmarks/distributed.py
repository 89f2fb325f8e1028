"""Data-parallel throughput: DistributedDataParallel on MPI at 1 and 2 ranks (1 thread each).

A compute-bound MLP (784-2048-2048-10, ReLU, float32, softmax cross-entropy, SGD) with a
batch of 512 per rank: the ideal is 2x the samples per second at 2 ranks. Each job times,
interleaved step by step (every timed step starts at a barrier, so it includes waiting for
the slowest rank; medians are reported):

* ``local``: the same step without any communication (inside ``no_sync()``), the floor;
* ``after``: DDP with its buckets' all-reduces started only once the last gradient is
  final (no overlap; the same buckets, copies and reductions otherwise);
* ``ddp``: DDP as users run it, the buckets' all-reduces started during backward (overlap),
  progressed by the MPI calls at bucket boundaries;
* ``thread``: ``ddp`` with the MPI engine's progress thread testing the requests in the
  background (``init_process_group("mpi", progress_thread=True)``);
* ``flat``: DDP as it was before its buckets were written in place: each bucket's
  gradients concatenated, all-reduced (AVG) into a new buffer, progress thread on (the
  path the JAX and NCCL engines take);

and the parts of DDP's work alone: writing the gradients into the buckets (``fill``) and
the in-place all-reduce of a buffer as large as the gradients (``all-reduce``). The
overhead of a mode is ``1 - local / step``: the share of its step that the gradient
averaging costs. Wall-clock times are medians; ``cpu local`` and ``cpu ddp`` are the
process CPU times (all threads) of rank 0's ``local`` and ``ddp`` steps, which other jobs
on a shared machine inflate less than wall-clock times.

    python -m benchmarks.distributed [--steps 10] [--ranks 1 2] [--bucket-cap-mb MB]

It launches ``mpiexec -n N python -m benchmarks.distributed --worker ...`` per rank count
(OMP_NUM_THREADS=1 per rank) and prints one row per rank count, with the load average
(the machine may be shared: a speedup measured under load says little).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("local", "after", "ddp", "thread", "flat")


def worker(ns: argparse.Namespace) -> None:
    """One rank: time the three kinds of step and a bare all-reduce; rank 0 prints JSON."""
    import numpy as np

    import arraygrad as ag
    import arraygrad.distributed as dist
    from arraygrad.nn.parallel import DistributedDataParallel

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    pg = dist.group.WORLD
    sizes = ns.sizes
    ag.manual_seed(0)
    layers: list = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [ag.nn.Linear(n_in, n_out), ag.nn.ReLU()]
    model = DistributedDataParallel(ag.nn.Sequential(*layers[:-1]),
                                    bucket_cap_mb=ns.bucket_cap_mb)
    params = list(model.parameters())
    opt = ag.optim.SGD(params, lr=0.01)
    rng = np.random.default_rng(rank)
    x = ag.tensor(rng.standard_normal((ns.batch, sizes[0]), dtype=np.float32))
    y = ag.tensor(rng.integers(0, sizes[-1], ns.batch))

    def loss() -> ag.Tensor:
        return ag.nn.functional.cross_entropy(model(x), y)

    progress = pg._progress  # the MPI engine's progress thread, switched per step here
    threads_ok = pg.MPI.Query_thread() >= pg.MPI.THREAD_MULTIPLE

    def step(mode: str) -> None:
        opt.zero_grad()
        object.__setattr__(model, "_overlap", mode != "after")  # the baselines' switches
        object.__setattr__(model, "_in_place", mode != "flat")
        progress.threaded = mode in ("thread", "flat") and threads_ok
        if mode == "local":
            with model.no_sync():
                loss().backward()
        else:
            loss().backward()
        opt.step()

    for mode in MODES:
        step(mode)
    times: dict[str, list[float]] = {m: [] for m in MODES}
    cpu: dict[str, list[float]] = {m: [] for m in MODES}
    for _ in range(ns.steps):
        for mode in MODES:
            dist.barrier()
            t0, c0 = time.perf_counter(), time.process_time()
            step(mode)
            times[mode].append(time.perf_counter() - t0)
            cpu[mode].append(time.process_time() - c0)

    grads = [p.grad.array for p in params]
    n_params = sum(g.size for g in grads)
    buf = pg.new_bucket(n_params, params[0])

    def fill() -> None:
        offset = 0
        for p, g in zip(params, grads):
            pg.fill_bucket(buf, offset, g, p, 1 / world)
            offset += g.size

    fill_times, reduce_times = [], []
    for _ in range(ns.steps + 1):
        dist.barrier()
        t0 = time.perf_counter()
        fill()
        t1 = time.perf_counter()
        pg.allreduce_bucket(buf, dist.ReduceOp.SUM).wait()
        fill_times.append(t1 - t0)
        reduce_times.append(time.perf_counter() - t1)
    if rank == 0:
        row = {f"{m}_s": statistics.median(t) for m, t in times.items()}
        row.update(ranks=world, allreduce_s=statistics.median(reduce_times[1:]),
                   fill_s=statistics.median(fill_times[1:]),
                   cpu_local_s=statistics.median(cpu["local"]),
                   cpu_s=statistics.median(cpu["ddp"]),
                   samples_per_s=world * ns.batch / row["ddp_s"], params=n_params,
                   buckets=len(model.bucket_order), load=os.getloadavg()[0])
        print(json.dumps(row), flush=True)
    dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at each rank count and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--batch", type=int, default=512, help="samples per rank per step")
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    p.add_argument("--sizes", type=int, nargs="+", default=[784, 2048, 2048, 10])
    p.add_argument("--bucket-cap-mb", type=float, default=None,
                   help="DDP's bucket_cap_mb (default: DDP's default, 25 MiB, first 1 MiB)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ns = p.parse_args(argv)
    if ns.worker:
        worker(ns)
        return 0
    from arraygrad.distributed.launch import mpiexec_command

    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    rows = []
    load_before = os.getloadavg()[0]
    for n in ns.ranks:
        args = ["--worker", "--steps", str(ns.steps), "--batch", str(ns.batch), "--sizes",
                *map(str, ns.sizes)]
        if ns.bucket_cap_mb is not None:
            args += ["--bucket-cap-mb", str(ns.bucket_cap_mb)]
        cmd = mpiexec_command(n, "-m", ["benchmarks.distributed", *args])
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=600)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            return done.returncode
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = ns.batch / rows[0]["local_s"]  # one rank, no communication at all
    print(f"MLP {'-'.join(map(str, ns.sizes))}, batch {ns.batch}/rank, float32, 1 thread/rank, "
          f"{ns.steps} steps (medians); load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs")
    print(f"{'ranks':>5} {'load':>5} {'buckets':>7} {'local ms':>9} {'after ms':>9} "
          f"{'ddp ms':>7} {'thread ms':>9} {'flat ms':>8} {'cpu local':>9} {'cpu ddp':>7} "
          f"{'samples/s':>10} "
          f"{'speedup':>8} {'cap':>6} {'ovh after':>9} {'ovh ddp':>8} {'ovh thread':>10} "
          f"{'ovh flat':>8} {'fill ms':>8} {'all-reduce ms':>13}")
    for r in rows:
        speedup = r["samples_per_s"] / base
        cap = r["ranks"] * rows[0]["local_s"] / r["local_s"]  # no communication at all
        print(f"{r['ranks']:>5} {r['load']:>5.2f} {r['buckets']:>7} {1e3 * r['local_s']:>9.1f} "
              f"{1e3 * r['after_s']:>9.1f} {1e3 * r['ddp_s']:>7.1f} {1e3 * r['thread_s']:>9.1f} "
              f"{1e3 * r['flat_s']:>8.1f} {1e3 * r['cpu_local_s']:>9.1f} {1e3 * r['cpu_s']:>7.1f} "
              f"{r['samples_per_s']:>10.0f} "
              f"{speedup:>7.2f}x {cap:>5.2f}x {1 - r['local_s'] / r['after_s']:>9.1%} "
              f"{1 - r['local_s'] / r['ddp_s']:>8.1%} {1 - r['local_s'] / r['thread_s']:>10.1%} "
              f"{1 - r['local_s'] / r['flat_s']:>8.1%} {1e3 * r['fill_s']:>8.2f} "
              f"{1e3 * r['allreduce_s']:>13.2f}")
    print("speedup: samples/s of ddp over 1 rank's local; cap: the same for local (what "
          "the speedup would be if averaging the gradients cost nothing)")
    print("command: python -m benchmarks.distributed " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
