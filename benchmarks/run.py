"""Run the benchmark suite and print one table of times and ratios.

Usage::

    python -m benchmarks.run                 # full run (about 25 s on 2 idle cores)
    python -m benchmarks.run --smoke         # one repeat, tiny sizes (CI: proves it runs)
    python -m benchmarks.run --only mlp      # cases whose group name contains "mlp"
    python -m benchmarks.run --markdown out.md

Thread pools (NumPy's BLAS, PyTorch) are pinned to 2 threads before anything is imported.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import subprocess
import sys
import time
from typing import Any

from benchmarks import threads  # sets BLAS thread variables: import before numpy
from benchmarks.harness import Row, format_table, run_case

GROUPS = ("chain", "mlp", "cnn", "dataloader", "deep", "memory", "jax")


def _optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def machine(n_threads: int) -> dict[str, str]:
    """CPU model, core count and library versions for the report header."""
    import numpy as np

    import arraygrad

    model = platform.processor() or "unknown"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                     if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    import os

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    info = {"cpu": f"{model}, {os.cpu_count()} cores, {n_threads} threads used",
            "commit": commit,
            "python": platform.python_version(), "numpy": np.__version__,
            "arraygrad": getattr(arraygrad, "__version__", "?")}
    for mod in ("torch", "jax"):
        m = sys.modules.get(mod)
        if m is not None:
            info[mod] = m.__version__
    return info


def _load() -> str:
    """The system load average: other processes on a 2-core machine skew every timing."""
    import os

    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _blas(pools: list[dict]) -> str:
    parts = []
    for p in pools:
        if p.get("user_api") == "blas":
            parts.append(f"{p.get('internal_api')} {p.get('version')} "
                         f"({p.get('architecture', '?')}, {p.get('num_threads')} threads, "
                         f"{p.get('prefix')})")
    return "; ".join(parts) or "unknown"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (1 if a target was missed)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="one repeat, tiny sizes: only proves every case still runs")
    parser.add_argument("--only", action="append", choices=GROUPS,
                        help="run only this group (repeatable)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed repeats per implementation (default 30; smoke 1)")
    parser.add_argument("--threads", type=int, default=threads.THREADS,
                        help="BLAS/OpenMP/PyTorch threads (default 2)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch comparisons")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    groups = args.only or GROUPS
    smoke = args.smoke
    repeat = args.repeat or (1 if smoke else 30)
    warmup = 0 if smoke else 3

    if "numpy" not in sys.modules:
        threads.set_thread_variables(args.threads)
    import numpy  # noqa: F401  (load BLAS before pinning)

    torch = None if args.no_torch else _optional("torch")
    import arraygrad as ag

    pools = threads.pin_threads(args.threads)
    info = machine(args.threads)
    print(f"# arraygrad benchmarks, {datetime.date.today().isoformat()}")
    for k, v in info.items():
        print(f"#   {k}: {v}")
    print(f"#   BLAS: {_blas(pools)}")
    print(f"#   command: {' '.join(['python', '-m', 'benchmarks.run', *sys.argv[1:]])}")
    print(f"#   load average at start (1, 5, 15 min): {_load()}")
    sys.stdout.flush()

    rows: list[Row] = []
    started = time.perf_counter()

    def emit(new_rows: list[Row]) -> None:
        if smoke:  # one untimed-quality repeat on tiny sizes: targets are not judged
            for r in new_rows:
                r.ok = None
                r.target = ""
        rows.extend(new_rows)
        print(format_table(new_rows))
        print()
        sys.stdout.flush()

    if "chain" in groups:
        from benchmarks import chain

        for case in chain.cases(ag, torch, smoke=smoke):
            emit(run_case(case, repeat=repeat, warmup=warmup, number=1 if smoke else 5))
    if "mlp" in groups:
        from benchmarks import mlp

        for case in mlp.cases(ag, torch, smoke=smoke):
            emit(run_case(case, repeat=repeat, warmup=warmup, number=1 if smoke else 5))
    if "cnn" in groups:
        from benchmarks import cnn

        emit(cnn.rows(ag, torch, smoke=smoke, repeat=repeat, warmup=warmup))
    if "dataloader" in groups:
        from benchmarks import dataloader

        emit(dataloader.rows(ag, smoke=smoke, repeat=repeat, warmup=warmup))
    if "deep" in groups:
        from benchmarks import deep

        emit(deep.rows(ag, smoke=smoke, repeat=min(repeat, 5)))
    if "memory" in groups:
        from benchmarks import memory

        emit(memory.rows(ag, smoke=smoke))
    if "jax" in groups:
        from benchmarks import jax_mlp

        emit(jax_mlp.rows(ag, smoke=smoke, repeat=repeat, warmup=warmup))

    print(f"#   load average at end (1, 5, 15 min): {_load()}")
    missed = [r for r in rows if r.ok is False]
    print(f"# {len(rows)} rows in {time.perf_counter() - started:.1f} s; "
          f"{sum(r.ok is True for r in rows)} targets met, {len(missed)} missed")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(format_table(rows, markdown=True) + "\n")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
