"""Data-parallel throughput: DistributedDataParallel on MPI at 1 and 2 ranks (1 thread each).

A compute-bound MLP (784-2048-2048-10, ReLU, float32, softmax cross-entropy, SGD) with a
batch of 512 per rank: the ideal is 2x the samples per second at 2 ranks. Each job times,
interleaved step by step (every timed step starts at a barrier, so it includes waiting for
the slowest rank; medians are reported):

* ``local``: the same step without any communication (inside ``no_sync()``), the floor;
* ``after``: DDP with its buckets' all-reduces started only once the last gradient is
  final (no overlap; the same buckets, copies and reductions otherwise);
* ``ddp``: DDP as users run it, the buckets' all-reduces started during backward (overlap);

and a bare all-reduce of a buffer as large as the gradients. The all-reduce overhead of a
mode is its step time minus ``local``'s, as a fraction of its step time.

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
MODES = ("local", "after", "ddp")


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

    def step(mode: str) -> None:
        opt.zero_grad()
        object.__setattr__(model, "_overlap", mode == "ddp")  # DDP's switch for this baseline
        if mode == "local":
            with model.no_sync():
                loss().backward()
        else:
            loss().backward()
        opt.step()

    for mode in MODES:
        step(mode)
    times: dict[str, list[float]] = {m: [] for m in MODES}
    for _ in range(ns.steps):
        for mode in MODES:
            dist.barrier()
            t0 = time.perf_counter()
            step(mode)
            times[mode].append(time.perf_counter() - t0)

    n_params = sum(p.numel() for p in params)
    buf = np.ones(n_params, np.float32)
    pg.allreduce(buf, dist.ReduceOp.AVG)
    reduce_times = []
    for _ in range(ns.steps):
        dist.barrier()
        t0 = time.perf_counter()
        pg.allreduce(buf, dist.ReduceOp.AVG)
        reduce_times.append(time.perf_counter() - t0)
    if rank == 0:
        row = {f"{m}_s": statistics.median(t) for m, t in times.items()}
        row.update(ranks=world, allreduce_s=statistics.median(reduce_times),
                   samples_per_s=world * ns.batch / row["ddp_s"], params=n_params,
                   buckets=len(model.bucket_order))
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
    print(f"{'ranks':>5} {'buckets':>7} {'local ms':>9} {'after ms':>9} {'ddp ms':>9} "
          f"{'samples/s':>10} {'speedup':>8} {'overhead after':>15} {'overhead ddp':>13} "
          f"{'all-reduce ms':>14}")
    for r in rows:
        speedup = r["samples_per_s"] / base
        print(f"{r['ranks']:>5} {r['buckets']:>7} {1e3 * r['local_s']:>9.1f} "
              f"{1e3 * r['after_s']:>9.1f} {1e3 * r['ddp_s']:>9.1f} {r['samples_per_s']:>10.0f} "
              f"{speedup:>7.2f}x {1 - r['local_s'] / r['after_s']:>15.1%} "
              f"{1 - r['local_s'] / r['ddp_s']:>13.1%} {1e3 * r['allreduce_s']:>14.2f}")
    print("command: python -m benchmarks.distributed " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
