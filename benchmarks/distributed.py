"""Data-parallel throughput: DistributedDataParallel on MPI at 1 and 2 ranks (1 thread each).

A compute-bound MLP (784-2048-2048-10, ReLU, float32, softmax cross-entropy, SGD) with a
batch of 512 per rank: the ideal is 2x the samples per second at 2 ranks. Each job also
times a bare all-reduce of a buffer as large as the model's gradients (what DDP reduces
each step), reported as a fraction of the step time.

    python -m benchmarks.distributed [--steps 10] [--ranks 1 2] [--sizes 784 2048 2048 10]

It launches ``mpiexec -n N python -m benchmarks.distributed --worker ...`` per rank count
(OMP_NUM_THREADS=1 per rank) and prints one row per rank count, with the load average
(the machine may be shared: a speedup measured under load says little).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker(ns: argparse.Namespace) -> None:
    """One rank: time DDP training steps and a bare all-reduce; rank 0 prints JSON."""
    import numpy as np

    import arraygrad as ag
    import arraygrad.distributed as dist
    from arraygrad.nn.parallel import DistributedDataParallel

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    sizes = ns.sizes
    ag.manual_seed(0)
    layers: list = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [ag.nn.Linear(n_in, n_out), ag.nn.ReLU()]
    model = DistributedDataParallel(ag.nn.Sequential(*layers[:-1]))
    opt = ag.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(rank)
    x = ag.tensor(rng.standard_normal((ns.batch, sizes[0]), dtype=np.float32))
    y = ag.tensor(rng.integers(0, sizes[-1], ns.batch))

    def step() -> None:
        opt.zero_grad()
        ag.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(2):
        step()
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(ns.steps):
        step()
    dist.barrier()
    step_s = (time.perf_counter() - t0) / ns.steps

    n_params = sum(p.numel() for p in model.parameters())
    pg = dist.group.WORLD
    buf = np.ones(n_params, np.float32)
    pg.allreduce(buf, dist.ReduceOp.AVG)
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(ns.steps):
        pg.allreduce(buf, dist.ReduceOp.AVG)
    allreduce_s = (time.perf_counter() - t0) / ns.steps
    if rank == 0:
        print(json.dumps({"ranks": world, "step_s": step_s, "allreduce_s": allreduce_s,
                          "samples_per_s": world * ns.batch / step_s,
                          "params": n_params}), flush=True)
    dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at each rank count and print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--batch", type=int, default=512, help="samples per rank per step")
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    p.add_argument("--sizes", type=int, nargs="+", default=[784, 2048, 2048, 10])
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
        cmd = mpiexec_command(n, "-m", ["benchmarks.distributed", *args])
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=600)
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            return done.returncode
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = rows[0]["samples_per_s"] / rows[0]["ranks"]
    print(f"MLP {'-'.join(map(str, ns.sizes))}, batch {ns.batch}/rank, float32, 1 thread/rank, "
          f"{ns.steps} steps; load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after, {os.cpu_count()} CPUs")
    print(f"{'ranks':>5} {'step ms':>9} {'samples/s':>10} {'speedup':>8} "
          f"{'all-reduce ms':>14} {'of step':>8}")
    for r in rows:
        speedup = r["samples_per_s"] / base
        print(f"{r['ranks']:>5} {1e3 * r['step_s']:>9.1f} {r['samples_per_s']:>10.0f} "
              f"{speedup:>7.2f}x {1e3 * r['allreduce_s']:>14.2f} "
              f"{r['allreduce_s'] / r['step_s']:>7.1%}")
    print("command: python -m benchmarks.distributed " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
