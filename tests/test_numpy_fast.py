"""The NumPy backend's faster spellings give NumPy's results bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from arraygrad.backends import _numpy_fast as fast

DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint32, np.int8, np.float16,
          np.complex64]


def _arrays(dtype, shape, rng):
    a = (rng.standard_normal(shape) * 10).astype(dtype)
    b = (rng.standard_normal(shape) * 10).astype(dtype)
    if np.dtype(dtype).kind == "f":
        a.flat[:5] = [np.nan, np.inf, -np.inf, -0.0, 0.0]
    return a, b


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3,), (64, 64), (4096,), (128, 256), (2, 40, 50)])
def test_where_matches_numpy_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(0)
    c = rng.random(shape) > 0.5
    a, b = _arrays(dtype, shape, rng)
    cases = [(c, a, 0), (c, a, 0.0), (c, 0, b), (c, 0.0, b), (c, a, b), (c, a, -0.0),
             (c, -0.0, b), (c, a, 1), (c, a.T.copy().T, b), (c, a, b.astype(np.float64)),
             (c[..., :1], a, b), (c, a[::-1], 0), (np.ones_like(c), a, 0),
             (c, a.astype(a.dtype.newbyteorder()), 0)]
    for args in cases:
        want = np.where(*args)
        got = fast.where(*args)
        assert type(got) is type(want) and got.dtype == want.dtype
        assert got.shape == want.shape
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))


def test_where_takes_the_bit_mask_path_for_large_masks():
    c = np.zeros(fast._MIN_WHERE_SIZE, bool)
    a = np.ones(fast._MIN_WHERE_SIZE, np.float32)
    assert fast._maskable(a, c.shape) and fast._positive_zero(0.0, a)
    assert not fast._positive_zero(-0.0, a) and not fast._positive_zero(0.0, a.astype(int))


KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric", ("real floating", "complex floating"), np.float32,
         np.dtype(np.int64), ("bool", np.dtype(np.float64))]


@pytest.mark.parametrize("dtype", DTYPES + [np.bool_, np.dtype(np.complex128)])
def test_isdtype_gives_numpy_answers_twice(dtype):
    for kind in KINDS:
        want = np.isdtype(dtype, kind)
        assert fast.isdtype(dtype, kind) is want
        assert fast.isdtype(dtype, kind) is want  # now from the remembered answers


@pytest.mark.parametrize("args", [("float32", "real floating"), (np.dtype("f4"), "floats"),
                                  (np.dtype("f4"), ["real floating"]), (3, "bool"),
                                  (bool, "bool")])
def test_isdtype_refuses_what_numpy_refuses_every_time(args):
    for _ in range(2):
        with pytest.raises((TypeError, ValueError)) as want:
            np.isdtype(*args)
        with pytest.raises(want.type, match=str(want.value)[:20]):
            fast.isdtype(*args)
