"""``(pred == y).sum()`` counts on every backend, in int64 as PyTorch does (the Array-API
standard leaves sum of booleans undefined; array_api_strict refuses it)."""

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}])
def test_bool_sum_counts_like_torch(backend, kw):
    mask = np.array([[True, False, True], [True, True, False]])
    with ag.use_backend(backend) as be:
        ours = ag.tensor(mask.tolist()).sum(**kw)
    theirs = torch.tensor(mask).sum(**kw)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    expected = ag.int64
    if be.name == "jax":
        import jax
        if not jax.config.jax_enable_x64:
            expected = ag.int32  # JAX without x64 computes int64 as int32
    assert ours.dtype == expected


def test_bool_sum_explicit_dtype():
    t = ag.tensor([True, True, False])
    assert ag.sum(t, dtype=ag.float64).dtype == ag.float64
    assert ag.sum(t, dtype=ag.float64).item() == 2.0
