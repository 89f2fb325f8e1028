"""rand_like / randn_like / randint_like: shape, dtype, device and backend of the input;
seeded draws repeat; bad input raises like PyTorch."""

import pytest

import arraygrad as ag


@pytest.mark.parametrize("fn", [ag.rand_like, ag.randn_like])
def test_float_like_follows_input(backend, fn):
    with ag.use_backend(backend):
        x = ag.zeros(3, 2, dtype=ag.float32)
    ag.manual_seed(3)
    a = fn(x)
    ag.manual_seed(3)
    b = fn(x, requires_grad=True)
    assert a.shape == (3, 2) and a.dtype == ag.float32
    assert a.backend is x.backend and a.device == x.device
    assert b.requires_grad and bool((a == b.detach()).all())
    if fn is ag.rand_like:
        assert bool(((a >= 0) & (a < 1)).all())


def test_randint_like_range_and_dtype(backend):
    with ag.use_backend(backend):
        x = ag.zeros(50, dtype=ag.int64)
    r = ag.randint_like(x, 2, 5)
    assert r.dtype == ag.int64 and r.shape == (50,) and r.backend is x.backend
    assert set(r.tolist()) <= {2, 3, 4}
    assert set(ag.randint_like(x, 3).tolist()) <= {0, 1, 2}


def test_like_errors():
    with pytest.raises(TypeError, match="expect a Tensor"):
        ag.randn_like([1.0, 2.0])
    with pytest.raises(TypeError, match="dtype must be floating"):
        ag.rand_like(ag.zeros(2, dtype=ag.int64))
    with pytest.raises(ValueError, match="randint"):
        ag.randint_like(ag.zeros(2), 5, 5)
