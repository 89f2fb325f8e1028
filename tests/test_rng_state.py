"""PyTorch's random-state API: ``Generator`` objects for ``generator=`` (random functions,
``DataLoader``, samplers, ``random_split``), ``get_rng_state``/``set_rng_state``,
``fork_rng``, ``seed``/``initial_seed``, on every backend of the test matrix."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import random as agr
from arraygrad.utils.data import DataLoader, RandomSampler, TensorDataset, random_split


def test_a_generator_is_its_own_reproducible_stream(backend):
    g = agr.Generator().manual_seed(7)
    draws = [agr.rand(4, generator=g), agr.randn(2, 3, generator=g),
             agr.randint(0, 100, (5,), generator=g), agr.randperm(6, generator=g),
             agr.normal(1.0, 2.0, (3,), generator=g), agr.uniform(-1, 1, (2,), generator=g)]
    ag.manual_seed(0)
    ag.rand(10)  # the global stream does not affect a generator's numbers
    h = agr.Generator().manual_seed(7)
    again = [agr.rand(4, generator=h), agr.randn(2, 3, generator=h),
             agr.randint(0, 100, (5,), generator=h), agr.randperm(6, generator=h),
             agr.normal(1.0, 2.0, (3,), generator=h), agr.uniform(-1, 1, (2,), generator=h)]
    for a, b in zip(draws, again):
        assert a.backend.name == backend.name and a.dtype == b.dtype
        np.testing.assert_array_equal(np.asarray(a.tolist()), np.asarray(b.tolist()))
    assert g.initial_seed() == 7
    state = g.get_state()
    x = agr.rand(3, generator=g)
    g.set_state(state)
    assert agr.rand(3, generator=g).tolist() == x.tolist()
    with pytest.raises(TypeError, match="arraygrad.Generator"):
        agr.rand(2, generator=np.random.default_rng(0))


def test_global_state_round_trip_and_fork_rng(backend):
    ag.manual_seed(3)
    assert agr.initial_seed() == 3
    state = agr.get_rng_state()
    a = ag.rand(5).tolist()
    agr.set_rng_state(state)
    assert ag.rand(5).tolist() == a
    agr.set_rng_state(state)
    with agr.fork_rng():
        ag.rand(100)
    assert ag.rand(5).tolist() == a  # the draws inside the block changed nothing after it
    s = agr.seed()
    assert isinstance(s, int) and agr.initial_seed() == s
    with pytest.raises(TypeError, match="dict get_rng_state returned"):
        agr.set_rng_state([1, 2])


def test_data_utilities_take_a_generator():
    ds = TensorDataset(ag.arange(20))

    def order(seed):
        g = agr.Generator().manual_seed(seed)
        return [b[0].tolist() for b in DataLoader(ds, batch_size=6, shuffle=True, generator=g)]

    assert order(0) == order(0) and order(0) != order(1)
    assert list(RandomSampler(ds, generator=agr.Generator().manual_seed(5))) == \
        list(RandomSampler(ds, generator=agr.Generator().manual_seed(5)))
    a = [s.indices for s in random_split(ds, [0.75, 0.25],
                                         generator=agr.Generator().manual_seed(42))]
    b = [s.indices for s in random_split(ds, [15, 5], generator=agr.Generator().manual_seed(42))]
    assert a == b and sorted(a[0] + a[1]) == list(range(20))
    assert all(type(i) is int for i in a[0])  # PyTorch: Subset.indices is a list of ints
    with pytest.raises(TypeError, match="generator must be"):
        list(RandomSampler(ds, generator=3))


def test_the_start_up_seed_repeats_the_first_draws():
    import subprocess
    import sys

    code = ("import arraygrad as ag\n"
            "s = ag.initial_seed()\n"
            "a = ag.rand(4).tolist()\n"
            "ag.manual_seed(s)\n"
            "print(a == ag.rand(4).tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "True", out.stderr
