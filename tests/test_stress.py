"""Long-run stress: 10,000 training steps over 4 threads sharing one model.

Each thread runs forward, backward and a no_grad SGD update on the shared parameters
(Hogwild style). Nothing may raise, no gradient may be lost (the accumulation is atomic),
the loss must fall, and the graph must not leak (live nodes stay flat).
"""

from __future__ import annotations

import gc
import threading

import numpy as np

import arraygrad as ag
from arraygrad.node import Node


def _live_nodes() -> int:
    gc.collect()
    return sum(isinstance(o, Node) for o in gc.get_objects())


def test_ten_thousand_steps_in_four_threads():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.normal(size=(32, 8)), dtype=ag.float64, backend="numpy")
    y = x @ ag.tensor(rng.normal(size=(8, 1)), dtype=ag.float64, backend="numpy")
    w = ag.zeros((8, 1), dtype=ag.float64, requires_grad=True, backend="numpy")
    b = ag.zeros(1, dtype=ag.float64, requires_grad=True, backend="numpy")
    start = float(((x @ w + b - y) ** 2).mean().item())
    errors: list[BaseException] = []
    before = _live_nodes()

    def worker() -> None:
        try:
            for _ in range(2500):
                loss = ((x @ w + b - y) ** 2).mean()
                grads = ag.autograd.grad(loss, [w, b])
                with ag.no_grad():
                    w.sub_(grads[0] * 0.01)
                    b.sub_(grads[1] * 0.01)
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    end = float(((x @ w + b - y) ** 2).mean().item())
    assert end < start * 1e-3
    assert _live_nodes() <= before + 2
