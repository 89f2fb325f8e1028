"""erf on backends without an erf kernel (NumPy, array_api_strict): accuracy against the
C library's erf (through PyTorch), special values, and a cost independent of the values."""

from __future__ import annotations

import numpy as np
import pytest

from arraygrad.ops.conv import erf_generic

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_erf_within_two_ulps_of_the_c_library(dtype):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-7, 7, 20000), rng.standard_normal(2000) * 1e-6,
                        np.arange(-6.5, 6.5, 0.25),  # the pieces' edges and centres
                        [1e-300, -1e-300, 5e-324]]).astype(dtype)
    got = erf_generic(np, x)
    want = torch.erf(torch.from_numpy(x)).numpy()
    assert got.dtype == dtype
    ulps = np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want)).astype(np.float64)
    assert ulps.max() <= 2, (x[np.argmax(ulps)], ulps.max())


def test_erf_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 40.0, -40.0])
    got = erf_generic(np, x)
    assert np.array_equal(got[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(got[1]) and not np.signbit(got[0])
    assert np.isnan(got[4]) and np.array_equal(got[5:], [1.0, -1.0])


def test_erf_array_api_strict():
    xp = pytest.importorskip("array_api_strict")
    x = np.linspace(-3, 3, 13)
    got = np.asarray(erf_generic(xp, xp.asarray(x)))
    assert np.array_equal(got, erf_generic(np, x))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_erfc_keeps_the_tails(dtype):
    # erfc was 1 - erf(x): every digit of the tail cancelled (erfc(4) was 0 in float32)
    import arraygrad as ag
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-8, 30, 20000), np.arange(-1, 27, 0.05)]).astype(dtype)
    got = ag.erfc(ag.tensor(x)).numpy()
    want = torch.erfc(torch.from_numpy(x.astype(np.float64))).numpy().astype(dtype)
    tail = want != 0
    ulps = np.abs(got[tail].astype(np.float64) - want[tail]) / \
        np.spacing(np.abs(want[tail])).astype(np.float64)
    assert ulps.max() <= 6, (x[tail][np.argmax(ulps)], ulps.max())
    special = ag.erfc(ag.tensor(np.array([np.inf, -np.inf, np.nan, 0.0], dtype))).numpy()
    assert special[0] == 0 and special[1] == 2 and np.isnan(special[2]) and special[3] == 1


def test_erfc_gradient_matches_torch():
    import arraygrad as ag
    x = ag.tensor(np.array([-1.0, 0.3, 2.0, 5.0]), requires_grad=True)
    ag.erfc(x).sum().backward()
    xt = torch.tensor([-1.0, 0.3, 2.0, 5.0], dtype=torch.float64, requires_grad=True)
    torch.erfc(xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-14)
