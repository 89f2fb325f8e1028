"""ag.compile against eager arraygrad and hand-written NumPy (one process, numpy backend).

Run: ``python -m benchmarks.compile`` (``--quick`` for fewer repeats). Reports the median
time per step of each implementation and the ratios that docs/compile.md quotes.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

import arraygrad as ag
from arraygrad.compile import CompileWarning
from benchmarks import chain, mlp


def _time(fn: Callable[[], object], repeat: int, number: int) -> float:
    for _ in range(3):
        fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return statistics.median(runs)


def _best(fn: Callable[[], object], repeat: int, number: int) -> float:
    """The fastest of ``repeat`` runs (for sub-microsecond work on a shared machine)."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return min(runs)


def _nn_compiled(sizes, batch):
    step, params = mlp.arraygrad_nn_step(ag, sizes, batch)
    return ag.compile(step), params


def _chain_compiled(cycles: int, n: int):
    x = ag.tensor(np.linspace(-1, 1, n), requires_grad=True)
    return ag.compile(chain._autograd(ag, x, cycles))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeat = 5 if args.quick else 15
    warnings.simplefilter("ignore", CompileWarning)
    rows = []
    for sizes, batch in [((784, 256, 256, 10), 128), ((784, 64, 64, 10), 32)]:
        label = "MLP " + "-".join(map(str, sizes)) + f" / {batch}"
        floor = _time(mlp.numpy_step(sizes, batch)[0], repeat, 5)
        eager = _time(mlp.arraygrad_nn_step(ag, sizes, batch)[0], repeat, 5)
        comp_fn, comp_params = _nn_compiled(sizes, batch)
        comp = _time(comp_fn, repeat, 5)
        assert comp_fn.replays > 0, comp_fn.explain()
        rows.append((label, floor, eager, comp))
    x0 = np.linspace(-1, 1, 16)
    floor = _time(chain._numpy(x0, 10), repeat, 50)
    xe = ag.tensor(x0, requires_grad=True)
    eager = _time(chain._autograd(ag, xe, 10), repeat, 50)
    cfn = _chain_compiled(10, 16)
    comp = _time(cfn, repeat, 50)
    assert cfn.replays > 0, cfn.explain()
    rows.append(("tiny-op chain (80 ops, 16 floats)", floor, eager, comp))
    print(f"{'case':40s} {'numpy floor':>12s} {'eager':>10s} {'compiled':>10s} "
          f"{'compiled/floor':>15s} {'compiled/eager':>15s}")
    for label, f, e, c in rows:
        print(f"{label:40s} {f * 1e3:10.3f}ms {e * 1e3:8.3f}ms {c * 1e3:8.3f}ms "
              f"{c / f:15.2f} {c / e:15.2f}")
    # The guard check alone for a 6-parameter model: the cheap probe every replay runs
    # (one generated tuple compare), and the full path (discovery and the guard key) that
    # runs after the state changed.
    from arraygrad.compile.guards import discover, guard_key
    step, _ = mlp.arraygrad_nn_step(ag, (10, 8, 8, 4), 4)
    fn = ag.compile(step)
    for _ in range(3):
        fn()
    probe = fn._probe
    assert probe is not None and probe.check((), {}), fn.explain()
    t = _best(lambda: probe.check((), {}), repeat, 2000)

    def full() -> None:
        guard_key((), {}, *discover(step, (), {}))
    t_full = _best(full, repeat, 200)
    print(f"guard check per call (6 parameters): {t * 1e6:.1f} us (full path "
          f"{t_full * 1e6:.1f} us; best of {repeat} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
