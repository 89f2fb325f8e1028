"""Tiny-op chain: many elementwise ops on a 16-element float32 array, forward + backward.

This case measures pure per-op overhead (dispatch, graph recording, the backward loop):
the arithmetic on 16 numbers costs almost nothing. The NumPy comparison is the same chain
with its backward derived by hand (the floor any Python autograd could reach).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Case

# One cycle of 8 ops; values stay bounded (tanh and sin/cos squash them each cycle).
OPS_PER_CYCLE = 8


def _forward(lib: Any, x: Any, cycles: int) -> Any:
    """The chain's forward pass through ``lib`` (arraygrad or torch)."""
    y = x
    for _ in range(cycles):
        y = y + 0.5
        y = y * 0.9
        y = lib.tanh(y)
        y = lib.exp(y)
        y = lib.sin(y)
        y = y - 0.25
        y = lib.cos(y)
        y = y * 1.1
    return y


def _autograd(lib: Any, x: Any, cycles: int):
    """The chain through ``lib``'s autograd: arraygrad and torch run this same code."""

    def step():
        y = _forward(lib, x, cycles)
        y.sum().backward()
        g, x.grad = x.grad, None
        return g

    return step


def _numpy(x0: np.ndarray, cycles: int):
    def step():
        y = x0
        saved = []
        for _ in range(cycles):
            y = y + 0.5
            y = y * 0.9
            t = np.tanh(y)
            e = np.exp(t)
            y = np.sin(e) - 0.25
            c_in = y
            y = np.cos(y) * 1.1
            saved.append((t, e, c_in))
        y.sum()
        g = np.ones_like(y)
        for t, e, c_in in reversed(saved):
            g = g * 1.1
            g = -g * np.sin(c_in)
            g = g * np.cos(e)
            g = g * e
            g = g * (1 - t * t)
            g = g * 0.9
        return g

    return step


def cases(ag: Any, torch: Any, *, smoke: bool) -> list[Case]:
    """The tiny-op chain case (200 ops; 16 in smoke mode)."""
    n_ops = 16 if smoke else 200
    cycles = n_ops // OPS_PER_CYCLE
    x0 = np.linspace(-1.0, 1.0, 16, dtype=np.float32)
    impls = {"arraygrad[numpy]": _autograd(ag, ag.asarray(x0, requires_grad=True), cycles),
             "numpy hand-written backward": _numpy(x0, cycles)}
    if torch is not None:
        impls["pytorch eager"] = _autograd(torch, torch.tensor(x0, requires_grad=True), cycles)
    return [Case(f"tiny-op chain ({cycles * OPS_PER_CYCLE} ops, 16 x f32, fwd+bwd)", impls,
                 per=cycles * OPS_PER_CYCLE, unit="us",
                 targets={"pytorch eager": 0.8}, note="per op")]


def counts(ag: Any, n_ops: int = 200) -> dict[str, float]:
    """Per-op bookkeeping of the chain, deterministic (no timing): Python function calls
    (cProfile, forward + backward) and garbage-collector-tracked objects.

    ``gc objects alive`` counts the GC-tracked objects the recorded graph keeps alive per
    op (these are what the cyclic collector rescans as a deep graph grows); ``gc objects
    alive after a collection`` the same once a collection has untracked the tuples that
    hold no tracked object (CPython does this lazily).
    """
    import cProfile
    import gc
    import pstats

    cycles = n_ops // OPS_PER_CYCLE
    n = cycles * OPS_PER_CYCLE
    x = ag.asarray(np.linspace(-1.0, 1.0, 16, dtype=np.float32), requires_grad=True)
    step = _autograd(ag, x, cycles)
    step()  # warm-up: caches, lazy imports

    prof = cProfile.Profile()
    prof.enable()
    step()
    prof.disable()
    calls = pstats.Stats(prof).total_calls  # type: ignore[attr-defined]

    def forward():
        return _forward(ag, x, cycles)

    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        y = forward()
        alive = len(gc.get_objects()) - before
        gc.collect()
        alive_collected = len(gc.get_objects()) - before
        del y
    finally:
        gc.enable()
    return {"ops": n, "python calls per op (fwd+bwd)": calls / n,
            "gc objects alive per op": alive / n,
            "gc objects alive per op after a collection": alive_collected / n}


def split(ag: Any, n_ops: int = 200, rounds: int = 40) -> dict[str, float]:
    """CPU time per op (``time.thread_time``: a loaded machine's waiting is left out) of the
    chain's forward, its backward and the whole step, and of the NumPy floor; medians of
    ``rounds`` interleaved samples of 5 calls each."""
    import statistics
    import time

    cycles = n_ops // OPS_PER_CYCLE
    n = cycles * OPS_PER_CYCLE
    x0 = np.linspace(-1.0, 1.0, 16, dtype=np.float32)
    x = ag.asarray(x0, requires_grad=True)
    step, floor = _autograd(ag, x, cycles), _numpy(x0, cycles)
    for _ in range(5):
        step(), floor()
    samples: dict[str, list[float]] = {"forward": [], "backward": [], "step": [], "floor": []}
    clock = time.thread_time
    for _ in range(rounds):
        fwd = bwd = 0.0
        for _ in range(5):
            t0 = clock()
            y = _forward(ag, x, cycles).sum()
            t1 = clock()
            y.backward()
            bwd += clock() - t1
            fwd += t1 - t0
            x.grad = None
        samples["forward"].append(fwd / 5)
        samples["backward"].append(bwd / 5)
        for name, fn in (("step", step), ("floor", floor)):
            t0 = clock()
            for _ in range(5):
                fn()
            samples[name].append((clock() - t0) / 5)
    out = {f"{k} us per op": statistics.median(v) * 1e6 / n for k, v in samples.items()}
    out["step / floor"] = out["step us per op"] / out["floor us per op"]
    return out


if __name__ == "__main__":
    import argparse

    import arraygrad

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="store_true",
                        help="CPU time of forward, backward, step and floor (see split())")
    parser.add_argument("--steps", type=int, default=0,
                        help="only run this many steps (of --impl), for an instruction "
                             "count: valgrind --tool=callgrind python -m benchmarks.chain "
                             "--steps 60 (minus --steps 10) / 50 / 200 ops")
    parser.add_argument("--impl", choices=("arraygrad", "numpy"), default="arraygrad")
    args = parser.parse_args()
    if args.steps:
        x0 = np.linspace(-1.0, 1.0, 16, dtype=np.float32)
        cycles = 200 // OPS_PER_CYCLE
        fn = _autograd(arraygrad, arraygrad.asarray(x0, requires_grad=True), cycles) \
            if args.impl == "arraygrad" else _numpy(x0, cycles)
        for _ in range(args.steps):
            fn()
    else:
        for key, value in (split(arraygrad) if args.split else counts(arraygrad)).items():
            print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
