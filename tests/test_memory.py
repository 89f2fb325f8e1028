"""Memory stays flat over long training: graphs are freed after backward.

Measured by counting live graph nodes (weak references), never by timing.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np

import arraygrad as ag
from arraygrad.node import Node

ITERATIONS = 2000


def _live_nodes() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Node)


def test_training_loop_frees_every_graph():
    ag.manual_seed(0)
    w = ag.randn(4, 3, requires_grad=True)
    b = ag.zeros(3, requires_grad=True)
    x = ag.randn(8, 4)
    target = ag.randint(0, 3, (8,))
    refs = []
    baseline = _live_nodes()
    for step in range(ITERATIONS):
        loss = ag.cross_entropy(ag.relu(x @ w + b), target)
        refs.append(weakref.ref(loss.grad_fn))
        loss.backward()
        with ag.no_grad():
            w -= 0.01 * w.grad
            b -= 0.01 * b.grad
        w.grad = None
        b.grad = None
        if step == 100:
            after_warmup = _live_nodes()
    del loss
    alive = sum(1 for r in refs if r() is not None)
    assert alive == 0, f"{alive} of {ITERATIONS} graphs are still alive"
    assert _live_nodes() <= max(baseline, after_warmup)
    assert np.isfinite(w.detach().numpy()).all()


def test_backward_releases_saved_arrays():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = (y * x).sum()
    node = y.grad_fn
    assert node.arrays is not None
    z.backward()
    assert node.arrays is None and node.out is None and node.inputs is None
    z2 = (x.exp() * x).sum()
    z2.backward(retain_graph=True)
    assert z2.grad_fn.arrays is not None  # retain_graph keeps them


def test_no_grad_records_nothing():
    w = ag.ones(3, requires_grad=True)
    before = _live_nodes()
    with ag.no_grad():
        for _ in range(200):
            w2 = (w * 2.0).exp().sum()
    assert w2.grad_fn is None
    assert _live_nodes() == before
