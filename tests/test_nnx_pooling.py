"""3-D pooling, the *_with_indices names, max unpooling and LP pooling against PyTorch
(values, indices, gradients, errors), and on every installed backend."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _check(fa, ft, *arrays, rtol=1e-10):
    ta = [torch.tensor(a, requires_grad=True) for a in arrays]
    aa = [ag.tensor(a, requires_grad=True) for a in arrays]
    rt, ra = ft(*ta), fa(*aa)
    if isinstance(rt, tuple):
        for x, y in zip(ra, rt):
            np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy(), rtol=rtol,
                                       atol=1e-12)
            assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
        rt, ra = rt[0], ra[0]
    np.testing.assert_allclose(ra.detach().numpy(), rt.detach().numpy(), rtol=rtol,
                               atol=1e-12)
    w = np.random.default_rng(1).standard_normal(tuple(rt.shape))
    (rt * torch.tensor(w)).sum().backward()
    (ra * ag.tensor(w)).sum().backward()
    for x, y in zip(aa, ta):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-9, atol=1e-12)


def _x(shape, relu=False, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return np.maximum(a, 0.0) if relu else a  # relu: many tied zeros in the windows


POOL3 = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), dilation=(2, 1, 1), ceil_mode=True),
         dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)]


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("kw", POOL3)
def test_max_pool3d_values_indices_gradients(kw, relu):
    _check(lambda x: F.max_pool3d(x, return_indices=True, **kw),
           lambda x: TF.max_pool3d(x, return_indices=True, **kw), _x((2, 3, 6, 7, 5), relu))


@pytest.mark.parametrize("include", [True, False])
@pytest.mark.parametrize("kw", [{k: v for k, v in kw.items() if k != "dilation"}
                                for kw in POOL3])
def test_avg_pool3d(kw, include):
    _check(lambda x: F.avg_pool3d(x, count_include_pad=include, **kw),
           lambda x: TF.avg_pool3d(x, count_include_pad=include, **kw), _x((2, 3, 6, 7, 5)))


def test_avg_pool3d_divisor_override_and_unbatched():
    _check(lambda x: F.avg_pool3d(x, 2, divisor_override=3),
           lambda x: TF.avg_pool3d(x, 2, divisor_override=3), _x((3, 4, 4, 4)))


@pytest.mark.parametrize("size", [2, (3, 2, None), (1, 1, 1), (4, 5, 3)])
def test_adaptive_pool3d(size):
    _check(lambda x: F.adaptive_avg_pool3d(x, size), lambda x: TF.adaptive_avg_pool3d(x, size),
           _x((2, 3, 5, 7, 4)))
    _check(lambda x: F.adaptive_max_pool3d(x, size, True),
           lambda x: TF.adaptive_max_pool3d(x, size, True), _x((2, 3, 5, 7, 4), True))


def test_with_indices_names_return_pairs():
    x1, x2 = _x((2, 3, 7)), _x((2, 3, 7, 8))
    _check(lambda x: F.max_pool1d_with_indices(x, 3, 2, 1),
           lambda x: TF.max_pool1d_with_indices(x, 3, 2, 1), x1)
    _check(lambda x: F.max_pool2d_with_indices(x, 3, 2, 1),
           lambda x: TF.max_pool2d_with_indices(x, 3, 2, 1), x2)
    _check(lambda x: F.max_pool3d_with_indices(x, 2), lambda x: TF.max_pool3d_with_indices(x, 2),
           _x((1, 2, 4, 4, 4)))
    _check(lambda x: F.adaptive_max_pool1d_with_indices(x, 3),
           lambda x: TF.adaptive_max_pool1d_with_indices(x, 3), x1)
    _check(lambda x: F.adaptive_max_pool2d_with_indices(x, 3),
           lambda x: TF.adaptive_max_pool2d_with_indices(x, 3), x2)
    _check(lambda x: F.adaptive_max_pool3d_with_indices(x, 2),
           lambda x: TF.adaptive_max_pool3d_with_indices(x, 2), _x((1, 2, 4, 5, 3)))


def test_lp_pool():
    _check(lambda x: F.lp_pool1d(x, 3, 2), lambda x: TF.lp_pool1d(x, 3, 2), _x((2, 3, 7), True))
    _check(lambda x: F.lp_pool2d(x, 1.5, (2, 3), 1, True),
           lambda x: TF.lp_pool2d(x, 1.5, (2, 3), 1, True), _x((2, 3, 7, 6), True))
    _check(lambda x: F.lp_pool3d(x, 2, 2, 1), lambda x: TF.lp_pool3d(x, 2, 2, 1),
           _x((1, 2, 3, 4, 3), True))


UNPOOL = {1: ((2, 3, 9), 3, 2, 1), 2: ((2, 3, 7, 8), 2, 2, 0), 3: ((1, 2, 5, 6, 4), 2, 2, 0)}


@pytest.mark.parametrize("n", [1, 2, 3])
def test_max_unpool(n):
    shape, k, s, p = UNPOOL[n]
    x = _x(shape)
    tv, ti = getattr(TF, f"max_pool{n}d")(torch.tensor(x), k, s, p, return_indices=True)
    av, ai = getattr(F, f"max_pool{n}d")(ag.tensor(x), k, s, p, return_indices=True)
    unpool_a, unpool_t = getattr(F, f"max_unpool{n}d"), getattr(TF, f"max_unpool{n}d")
    values = tv.detach().numpy()
    _check(lambda v: unpool_a(v, ai, k, s, p), lambda v: unpool_t(v, ti, k, s, p), values)
    size = shape[2:]
    _check(lambda v: unpool_a(v, ai, k, s, p, output_size=size),
           lambda v: unpool_t(v, ti, k, s, p, output_size=size), values)
    layer = getattr(ag.nn, f"MaxUnpool{n}d")(k, s, p)
    np.testing.assert_allclose(layer(av, ai).numpy(), unpool_t(tv, ti, k, s, p).numpy())


def test_max_unpool_repeated_index_one_value_lands_gradient_to_all():
    x = ag.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    y = F.max_unpool1d(x, ag.tensor([[[1, 1, 4]]]), 2)
    assert y.tolist() == [[[0.0, 2.0, 0.0, 0.0, 3.0, 0.0]]]  # not the sum 3.0 at index 1
    y.sum().backward()
    assert x.grad.tolist() == [[[1.0, 1.0, 1.0]]]  # PyTorch's gather


def test_errors():
    v, i = F.max_pool3d(ag.randn(1, 2, 5, 6, 4), 2, 2, 1, return_indices=True)
    with pytest.raises(RuntimeError, match=r"max_unpool3d: Found an invalid max index"):
        F.max_unpool3d(v, i, 2, 2, 1)
    with pytest.raises(ValueError, match="max_unpool2d: invalid output_size"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.zeros(1, 1, 2, 2, dtype="int64"), 2,
                       output_size=(9, 9))
    with pytest.raises(ValueError, match=r"max_pool3d: expected a 5-D input"):
        F.max_pool3d(ag.ones(2, 2), 2)
    with pytest.raises(ValueError, match="avg_pool3d.*padding"):
        F.avg_pool3d(ag.ones(1, 1, 4, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="too small"):
        F.max_pool3d(ag.ones(1, 1, 1, 4, 4), 2)
    with pytest.raises(NotImplementedError, match="avg_pool3d.*Long"):
        F.avg_pool3d(ag.ones(1, 1, 2, 2, 2, dtype="int64"), 2)


def test_modules_match_torch():
    x = _x((2, 3, 4, 6, 6))
    pairs = [(ag.nn.MaxPool3d(2, 2, 1), torch.nn.MaxPool3d(2, 2, 1)),
             (ag.nn.AvgPool3d(3, 2, 1, ceil_mode=True), torch.nn.AvgPool3d(3, 2, 1,
                                                                           ceil_mode=True)),
             (ag.nn.AdaptiveAvgPool3d((2, 3, 1)), torch.nn.AdaptiveAvgPool3d((2, 3, 1))),
             (ag.nn.AdaptiveMaxPool3d(2), torch.nn.AdaptiveMaxPool3d(2)),
             (ag.nn.LPPool3d(2, 2), torch.nn.LPPool3d(2, 2))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(ag.tensor(np.abs(x))).numpy(),
                                   theirs(torch.tensor(np.abs(x))).numpy(), rtol=1e-10)
    assert repr(ag.nn.LPPool1d(2, 3)) == repr(torch.nn.LPPool1d(2, 3))
    assert repr(ag.nn.MaxUnpool2d(2)) == repr(torch.nn.MaxUnpool2d(2))


@pytest.mark.parametrize("name", ["array_api_strict", "jax"])
def test_other_backends_match_numpy(name):
    if name not in ag.backends.available():
        pytest.skip(f"backend {name!r} is not installed")
    x = _x((1, 2, 4, 5, 4), True).astype(np.float32)
    calls = [lambda t: F.max_pool3d(t, 2, 1, 1, return_indices=True),
             lambda t: F.avg_pool3d(t, 3, 2, 1, ceil_mode=True),
             lambda t: F.adaptive_max_pool3d(t, (2, 3, 2)),
             lambda t: F.lp_pool3d(t, 2, 2)]
    # JAX compiles each eager op on first use (seconds per call): one 3-D pool there
    for call in calls if name != "jax" else calls[:1]:
        want = call(ag.tensor(x))
        got = call(ag.tensor(x, backend=name))
        for a, b in zip(got if isinstance(got, tuple) else (got,),
                        want if isinstance(want, tuple) else (want,)):
            np.testing.assert_allclose(ag.asarray(a, backend="numpy").numpy(), b.numpy(),
                                       rtol=1e-6)
    if name == "jax":
        return
    v, i = F.max_pool2d(ag.tensor(x[0], backend=name), 2, return_indices=True)
    t = torch.nn.functional.max_pool2d(torch.tensor(x[0]), 2, return_indices=True)
    got = F.max_unpool2d(v, i, 2)
    np.testing.assert_allclose(ag.asarray(got, backend="numpy").numpy(),
                               TF.max_unpool2d(*t, 2).numpy())
