"""conv_transpose3d / ConvTranspose3d and the spatial transformer pair affine_grid +
grid_sample against PyTorch (values, gradients to input, weight and grid, errors)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _grads_match(ra, rt, pairs, seed=5):
    np.testing.assert_allclose(ra.detach().numpy(), rt.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    w = np.random.default_rng(seed).standard_normal(tuple(rt.shape))
    (rt * torch.tensor(w)).sum().backward()
    (ra * ag.tensor(w)).sum().backward()
    for a, t in pairs:
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


CONVT3 = [((2, 4, 3, 5, 4), (4, 3, 3, 2, 3), dict(stride=2, padding=1, output_padding=1)),
          ((1, 4, 4, 3, 3), (4, 2, 2, 3, 3), dict(stride=(3, 1, 2), padding=(2, 1, 0),
                                                  output_padding=(2, 0, 1), groups=2,
                                                  dilation=(2, 1, 1))),
          ((4, 3, 3, 3), (4, 2, 3, 3, 3), dict(padding=1))]


@pytest.mark.parametrize("xs,ws,kw", CONVT3)
def test_conv_transpose3d(xs, ws, kw):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[1] * kw.get("groups", 1))
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    as_ = [ag.tensor(a, requires_grad=True) for a in (x, w, b)]
    _grads_match(F.conv_transpose3d(*as_, **kw), TF.conv_transpose3d(*ts, **kw),
                 zip(as_, ts))


def test_conv_transpose3d_module():
    ag.manual_seed(0)
    ours = ag.nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, bias=False)
    theirs = torch.nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, bias=False)
    assert repr(ours) == repr(theirs)
    theirs.weight.data = torch.tensor(ours.weight.detach().numpy())
    x = np.random.default_rng(1).standard_normal((1, 4, 2, 3, 3))
    got = ours(ag.tensor(x), output_size=(4, 6, 6))
    want = theirs(torch.tensor(x, dtype=torch.float32), output_size=(4, 6, 6))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(ValueError, match="weight must be 5-D"):
        F.conv_transpose3d(ag.ones(1, 2, 3, 3, 3), ag.ones(2, 3, 3, 3))


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("mode,padding_mode,align_corners", list(itertools.product(
    ["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True])))
def test_grid_sample_with_affine_grid(n, mode, padding_mode, align_corners):
    rng = np.random.default_rng(n)
    shape, size = ((2, 3, 4, 5), (2, 3, 3, 6)) if n == 2 else ((2, 2, 3, 4, 5), (2, 2, 2, 3, 4))
    x, theta = rng.standard_normal(shape), rng.standard_normal((2, n, n + 1)) * 0.8
    tx, tt = torch.tensor(x, requires_grad=True), torch.tensor(theta, requires_grad=True)
    ax, at = ag.tensor(x, requires_grad=True), ag.tensor(theta, requires_grad=True)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    # scaled by 1.6: many points fall outside [-1, 1], exercising the padding modes
    rt = TF.grid_sample(tx, TF.affine_grid(tt, size, align_corners=align_corners) * 1.6, **kw)
    ra = F.grid_sample(ax, F.affine_grid(at, size, align_corners=align_corners) * 1.6, **kw)
    _grads_match(ra, rt, [(ax, tx), (at, tt)])


def test_affine_grid_and_grid_sample_errors():
    theta = ag.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(theta[0], (1, 1, 2, 3), align_corners=False)
    with pytest.raises(NotImplementedError, match="4D and 5D sizes"):
        F.affine_grid(theta, (1, 1, 2), align_corners=False)
    with pytest.raises(ValueError, match="Nx3x4"):
        F.affine_grid(theta, (1, 1, 2, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="floating point"):
        F.affine_grid(ag.zeros(1, 2, 3, dtype="int64"), (1, 1, 2, 3), align_corners=False)
    x = ag.ones(1, 1, 3, 3)
    for grid, kw, err, msg in [
            (ag.zeros(1, 2, 2), {}, RuntimeError, "same number of dimensions"),
            (ag.zeros(1, 2, 2, 3), {}, RuntimeError, "size 2 in last dimension"),
            (ag.zeros(1, 2, 2, 2), {"mode": "foo"}, ValueError, "expected mode"),
            (ag.zeros(1, 2, 2, 2), {"padding_mode": "foo"}, ValueError, "padding_mode"),
            (ag.zeros(2, 2, 2, 2), {}, RuntimeError, "same batch size"),
            (ag.zeros(1, 2, 2, 2, dtype="float64"), {}, RuntimeError, "same floating"),
            (ag.zeros(1, 2, 2, 2), {"mode": "bicubic"}, NotImplementedError, "bicubic")]:
        with pytest.raises(err, match=msg):
            F.grid_sample(x, grid, align_corners=False, **kw)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, ag.zeros(1, 2, 2, 2))


def test_grid_sample_array_api_strict_matches_numpy():
    if "array_api_strict" not in ag.backends.available():
        pytest.skip("array_api_strict is not installed")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 4, 5)).astype(np.float32)
    grid = (rng.uniform(-1.3, 1.3, (1, 3, 3, 2))).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = F.grid_sample(ag.tensor(x), ag.tensor(grid), padding_mode="reflection")
        got = F.grid_sample(ag.tensor(x, backend="array_api_strict"),
                            ag.tensor(grid, backend="array_api_strict"),
                            padding_mode="reflection")
    np.testing.assert_allclose(ag.asarray(got, backend="numpy").numpy(), want.numpy(),
                               rtol=1e-6)


def test_conv_tbc():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((7, 2, 3)), rng.standard_normal((3, 3, 4)), \
        rng.standard_normal(4)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    as_ = [ag.tensor(a, requires_grad=True) for a in (x, w, b)]
    _grads_match(F.conv_tbc(*as_, 1), TF.conv_tbc(*ts, 1), zip(as_, ts))
    with pytest.raises(RuntimeError, match="Input must have 3 dims"):
        F.conv_tbc(ag.ones(2, 3), ag.ones(3, 3, 4), ag.ones(4))
    with pytest.raises(RuntimeError, match="input channels"):
        F.conv_tbc(ag.ones(5, 2, 2), ag.ones(3, 3, 4), ag.ones(4))
