"""Define-by-run: Python control flow that depends on the data differentiates correctly."""

from __future__ import annotations

import numpy as np

import arraygrad as ag
from arraygrad.testing.conformance._util import host


def test_loop_whose_length_depends_on_data(backend):
    # Halve until below 1: the number of steps is decided by the value at run time.
    def shrink(x):
        steps = 0
        while x.item() >= 1.0:
            x = x * 0.5
            steps += 1
        return x, steps

    for start, steps_expected in ((0.5, 0), (3.0, 2), (40.0, 6)):
        x = ag.tensor(start, requires_grad=True)
        y, steps = shrink(x * 1.0)
        assert steps == steps_expected
        y.backward()
        assert x.grad.item() == 0.5 ** steps_expected


def test_branch_per_input(backend):
    def f(v):
        out = []
        for i in range(v.shape[0]):
            e = v[i]
            out.append(e * e if e.item() > 0 else e.sin())
        return ag.stack(out)

    data = [1.5, -0.5, 2.0, -1.0]
    x = ag.tensor(data, requires_grad=True)
    f(x).sum().backward()
    expected = [2 * d if d > 0 else np.cos(d) for d in data]
    np.testing.assert_allclose(host(x.grad), expected, rtol=1e-6)


def test_recursive_function(backend):
    def power(x, n):
        if n == 0:
            return ag.ones_like(x)
        half = power(x, n // 2)
        return half * half * (x if n % 2 else 1.0)

    x = ag.tensor([1.1, 0.9], requires_grad=True)
    power(x, 13).sum().backward()
    np.testing.assert_allclose(host(x.grad), 13 * np.array([1.1, 0.9]) ** 12, rtol=1e-5)


def test_variable_length_inputs(backend):
    w = ag.tensor([0.5, -0.25], requires_grad=True)
    sequences = [[1.0], [1.0, 2.0, 3.0], [0.5, 0.5]]
    total = 0.0
    for seq in sequences:  # a recurrence unrolled to each sequence's own length
        h = ag.zeros(2)
        for value in seq:
            h = ag.tanh(h * w + value)
        total = total + h.sum()
    total.backward()
    assert w.grad.shape == (2,) and np.isfinite(host(w.grad)).all()
    # Finite-difference check of one coordinate (float32-sized step).
    def loss(w0):
        t = 0.0
        for seq in sequences:
            h = np.zeros(2)
            for value in seq:
                h = np.tanh(h * np.array([w0, -0.25]) + value)
            t += h.sum()
        return t

    numeric = (loss(0.5 + 1e-4) - loss(0.5 - 1e-4)) / 2e-4
    np.testing.assert_allclose(host(w.grad)[0], numeric, rtol=1e-3)


def test_graph_is_rebuilt_every_call(backend):
    x = ag.tensor(2.0, requires_grad=True)
    for use_square in (True, False, True):
        y = x * x if use_square else x * 3.0
        (gx,) = ag.autograd.grad(y, x)
        assert gx.item() == (4.0 if use_square else 3.0)
