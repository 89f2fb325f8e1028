"""Deep graph: forward and backward of one long chain of ops, time per op versus length.

The backward engine is iterative; its cost per node must not grow with the graph (no
recursion, no quadratic bookkeeping, no per-node allocation it does not need).
"""

from __future__ import annotations

import gc
import time
from typing import Any

import numpy as np

from benchmarks.harness import Row


def _chain(ag, n: int) -> tuple[float, float]:
    x = ag.asarray(np.ones(4, dtype=np.float32), requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 1.0000001
    t1 = time.perf_counter()
    ag.sum(y).backward()
    t2 = time.perf_counter()
    del y
    return t1 - t0, t2 - t1


def rows(ag: Any, *, smoke: bool, repeat: int) -> list[Row]:
    """Per-op forward and backward time for chains of 1k, 10k and 100k ops.

    The lengths are interleaved: each round runs every length (the shorter ones several
    times, ``20 * shortest / n`` chains), so a change in the machine's load reaches all of
    them alike and the ratios compare like with like. At most 3 rounds (the 100k chain
    dominates the time).
    """
    lengths = (100, 1_000) if smoke else (1_000, 10_000, 100_000)
    rounds = max(1, min(repeat, 3))
    fwd: dict[int, list[float]] = {n: [] for n in lengths}
    bwd: dict[int, list[float]] = {n: [] for n in lengths}
    _chain(ag, min(lengths[-1], 1_000))  # warm-up
    for _ in range(rounds):
        for n in lengths:
            for _ in range(max(1, 20 * lengths[0] // n)):
                gc.collect()
                f, b = _chain(ag, n)
                fwd[n].append(f / n * 1e6)
                bwd[n].append(b / n * 1e6)
    out: list[Row] = []
    base: dict[str, float] = {}
    for n in lengths:
        for phase, values in (("forward", fwd[n]), ("backward", bwd[n])):
            per_op = float(np.median(values))
            key = phase
            if key not in base:
                base[key] = per_op
                out.append(Row(f"deep graph {phase}", f"arraygrad[numpy] {n} ops", per_op,
                               "us", note="per op"))
            else:
                ratio = per_op / base[key]
                out.append(Row(f"deep graph {phase}", f"arraygrad[numpy] {n} ops", per_op,
                               "us", ratio=f"{ratio:.2f}x (vs {lengths[0]} ops)",
                               target="<= 1.5x", ok=ratio <= 1.5))
    # Evidence for the forward's growth: the same longest chain with the cyclic garbage
    # collector paused (every Node and Tensor is a GC-tracked object that survives into
    # the older generations, so full collections scan a growing graph).
    n = lengths[-1]
    gc.collect()
    gc.disable()
    try:
        f, b = _chain(ag, n)
    finally:
        gc.enable()
    ratio = f / n * 1e6 / base["forward"]
    out.append(Row("deep graph forward", f"arraygrad[numpy] {n} ops, gc disabled",
                   f / n * 1e6, "us", ratio=f"{ratio:.2f}x (vs {lengths[0]} ops, gc on)"))
    return out
