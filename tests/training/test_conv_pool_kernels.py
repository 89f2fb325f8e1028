"""The fast conv2d and max_pool2d kernels against PyTorch: the stride-1 flat-shift
convolution (padding shared between rows and images, dilation, groups, padding wider than
the kernel) and max pooling's gradient routing (ties, NaNs, tiling with a remainder,
overlapping windows), on every backend."""

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn import functional as F
from arraygrad.ops import conv as conv_ops

torch = pytest.importorskip("torch")  # the oracle (CI installs torch==2.13.0)

# (input shape, weight shape, conv2d keywords)
CONVS = [
    ((2, 3, 5, 6), (4, 3, 3, 3), {"padding": 1}),
    ((2, 4, 5, 6), (6, 2, 3, 2), {"padding": (2, 1), "dilation": (2, 1), "groups": 2}),
    ((1, 2, 4, 4), (3, 2, 1, 1), {}),
    ((3, 2, 3, 5), (2, 2, 2, 2), {"padding": 3}),  # padding wider than the kernel's span
    ((2, 1, 1, 1), (2, 1, 3, 3), {"padding": 1}),  # one pixel, all padding around it
]


def _fast_backend(backend):
    if backend.name == "jax":  # XLA's own convolution; the rules are array_api_strict's
        pytest.skip("JAX compiles every op of a new shape (seconds per case); the op "
                    "table's conv2d and max_pool2d rows cover it")


def _host(t):
    return np.asarray(ag.to_numpy(t.detach()) if hasattr(ag, "to_numpy")
                      else t.detach().cpu().numpy())


@pytest.mark.parametrize(("xs", "ws", "kw"), CONVS)
def test_stride1_conv2d_values_and_gradients_match_torch(backend, xs, ws, kw):
    _fast_backend(backend)
    rng = np.random.default_rng(len(xs) + sum(ws))
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    a = ag.asarray(x, dtype=ag.float64, requires_grad=True, backend=backend)
    b = ag.asarray(w, dtype=ag.float64, requires_grad=True, backend=backend)
    y = F.conv2d(a, b, **kw)
    g = rng.standard_normal(tuple(y.shape))
    y.backward(ag.asarray(g, dtype=ag.float64, backend=backend))
    ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(ta, tb, **kw)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(_host(y), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_host(a.grad), ta.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_host(b.grad), tb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_numpy_stride1_conv_takes_the_flat_kernels(monkeypatch):
    calls = []
    for name in ("_flat_conv", "_flat_conv_weight_grad", "_flat_conv_input_grad"):
        real = getattr(conv_ops, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)
        monkeypatch.setattr(conv_ops, name, spy)
    with ag.use_backend("numpy"):
        x = ag.randn(2, 2, 4, 4, requires_grad=True)
        w = ag.randn(3, 2, 3, 3, requires_grad=True)
        F.conv2d(x, w, padding=1).sum().backward()
        F.conv2d(x, w, stride=2).sum().backward()  # strided: the portable im2col
    assert sorted(calls) == ["_flat_conv", "_flat_conv_input_grad", "_flat_conv_weight_grad"]


# (input shape, max_pool2d positional arguments: kernel, stride, padding, dilation, ceil)
POOLS = [
    ((2, 2, 6, 8), (2, None, 0, 1, False)),
    ((2, 2, 7, 5), (2, None, 0, 1, True)),
    ((1, 2, 7, 8), ((3, 2), None, 0, 1, False)),  # tiles, with a remainder cut off
    ((1, 2, 7, 7), (3, 2, 1, 1, False)),           # overlapping windows, padding
    ((1, 2, 8, 8), (2, 1, 0, 2, False)),           # dilated
]


@pytest.mark.parametrize(("shape", "args"), POOLS)
def test_max_pool2d_routes_ties_and_nans_like_torch(backend, shape, args):
    _fast_backend(backend)
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(-1, 2, shape).astype(np.float64)  # many ties, e.g. zeros after a ReLU
    x[0, 0].flat[::5] = np.nan  # several NaNs per window here and there
    a = ag.asarray(x, dtype=ag.float64, requires_grad=True, backend=backend)
    y, idx = F.max_pool2d(a, *args, return_indices=True)
    g = rng.standard_normal(tuple(y.shape))
    y.backward(ag.asarray(g, dtype=ag.float64, backend=backend))
    ta = torch.tensor(x, requires_grad=True)
    ty, tidx = torch.nn.functional.max_pool2d(ta, *args, return_indices=True)
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(_host(y), ty.detach().numpy())
    np.testing.assert_array_equal(_host(idx), tidx.numpy())
    np.testing.assert_allclose(_host(a.grad), ta.grad.numpy(), rtol=0, atol=1e-15)


def test_adaptive_max_pool2d_routes_ties_and_nans_like_torch(backend):
    _fast_backend(backend)
    rng = np.random.default_rng(5)
    x = rng.integers(-1, 2, (2, 2, 7, 5)).astype(np.float64)
    x[0, 0].flat[::4] = np.nan
    a = ag.asarray(x, dtype=ag.float64, requires_grad=True, backend=backend)
    y, idx = F.adaptive_max_pool2d(a, (3, 2), return_indices=True)
    y.backward(ag.ones_like(y))
    ta = torch.tensor(x, requires_grad=True)
    ty, tidx = torch.nn.functional.adaptive_max_pool2d(ta, (3, 2), return_indices=True)
    ty.backward(torch.ones_like(ty))
    np.testing.assert_array_equal(_host(y), ty.detach().numpy())
    np.testing.assert_array_equal(_host(idx), tidx.numpy())
    np.testing.assert_array_equal(_host(a.grad), ta.grad.numpy())


@pytest.mark.parametrize("args", [(2,), (3, 2, 1)], ids=["tiling", "overlapping"])
def test_max_pool2d_second_order(args):
    # The rule runs on Tensors under create_graph=True (argmax-free scans, stack, where).
    rng = np.random.default_rng(3)
    x = ag.tensor(rng.permutation(2 * 6 * 6).reshape(1, 2, 6, 6) * 0.25, dtype=ag.float64,
                  requires_grad=True, backend="numpy")
    assert ag.autograd.gradgradcheck(lambda a: F.max_pool2d(a, *args) ** 2, (x,))
