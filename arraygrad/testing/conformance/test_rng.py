"""Random numbers: reproducible under ``manual_seed``, and loosely right in distribution.

The statistical bounds are many standard errors wide and the draws are seeded, so a
conforming backend never fails them by chance.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import effective_dtype, host

N = 4000


def _draws():
    return [ag.rand(3, 2), ag.randn(5), ag.randint(0, 10, (6,)), ag.randperm(7),
            ag.bernoulli(0.5, (8,)), ag.normal(1.0, 2.0, (4,)), ag.uniform(-1.0, 1.0, (4,))]


def test_rng_manual_seed_reproduces(backend):
    ag.manual_seed(1234)
    first = [host(t) for t in _draws()]
    ag.manual_seed(1234)
    second = [host(t) for t in _draws()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    ag.manual_seed(4321)
    assert not np.array_equal(host(ag.randn(5)), first[1]), "another seed, the same draws"


def test_rng_draws_live_on_the_backend(backend):
    ag.manual_seed(0)
    for t in _draws():
        assert t.backend is backend
        assert t.device == backend.default_device


def test_rng_uniform_statistics(backend):
    ag.manual_seed(0)
    x = host(ag.rand(N))
    assert x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.03
    y = host(ag.uniform(-2.0, 3.0, (N,)))
    assert y.min() >= -2.0 and y.max() < 3.0 and abs(y.mean() - 0.5) < 0.15


def test_rng_normal_statistics(backend):
    ag.manual_seed(0)
    x = host(ag.randn(N))
    assert abs(x.mean()) < 0.1 and abs(x.std() - 1.0) < 0.1
    y = host(ag.normal(3.0, 2.0, (N,)))
    assert abs(y.mean() - 3.0) < 0.2 and abs(y.std() - 2.0) < 0.2


def test_rng_integers(backend):
    ag.manual_seed(0)
    t = ag.randint(2, 7, (N,))
    assert t.dtype == effective_dtype(backend, "int64")
    x = host(t)
    assert set(np.unique(x).tolist()) == {2, 3, 4, 5, 6}
    counts = np.bincount(x - 2)
    assert counts.min() > N / 5 * 0.8


def test_rng_permutation(backend):
    ag.manual_seed(0)
    p = host(ag.randperm(50))
    np.testing.assert_array_equal(np.sort(p), np.arange(50))
    assert not np.array_equal(p, np.arange(50))


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_rng_bernoulli(backend, p):
    ag.manual_seed(0)
    x = host(ag.bernoulli(p, (N,)))
    assert set(np.unique(x).tolist()) <= {0.0, 1.0}
    assert abs(x.mean() - p) < 0.04
