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
    x, w, bias = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    a, b, c = (ag.asarray(v, dtype=ag.float64, requires_grad=True, backend=backend)
               for v in (x, w, bias))
    y = F.conv2d(a, b, c, **kw)
    g = rng.standard_normal(tuple(y.shape))
    y.backward(ag.asarray(g, dtype=ag.float64, backend=backend))
    ta, tb, tc = (torch.tensor(v, requires_grad=True) for v in (x, w, bias))
    ty = torch.nn.functional.conv2d(ta, tb, tc, **kw)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(_host(y), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in ((a, ta), (b, tb), (c, tc)):
        np.testing.assert_allclose(_host(ours.grad), theirs.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)


def _spy(monkeypatch, names):
    calls = []
    for name in names:
        real = getattr(conv_ops, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)
        monkeypatch.setattr(conv_ops, name, spy)
    return calls


def test_numpy_stride1_conv_builds_its_columns_once(monkeypatch):
    # Recorded, a stride-1 convolution is split (im2col, product, crop): the columns and
    # the flat output gradient are built once for the forward and both gradients. Under
    # no_grad it is the single op's flat kernel; strided, the portable im2col.
    calls = _spy(monkeypatch, ["_flat_cols", "_flat_grad", "_flat_col2im", "_flat_conv"])
    with ag.use_backend("numpy"):
        x = ag.randn(2, 2, 4, 4, requires_grad=True)
        w = ag.randn(3, 2, 3, 3, requires_grad=True)
        y = F.conv2d(x, w, padding=1)
        assert y.grad_fn.op.name == "conv2d_crop"
        y.sum().backward()
        assert sorted(calls) == ["_flat_col2im", "_flat_cols", "_flat_grad"]
        layer = ag.nn.Conv2d(2, 3, 3, padding=1, bias=False)  # a Parameter weight
        assert layer(x.detach()).grad_fn.op.name == "conv2d_crop"
        calls.clear()
        with ag.no_grad():
            F.conv2d(x, w, padding=1)
        assert calls == ["_flat_conv", "_flat_cols"]
        calls.clear()
        F.conv2d(x, w, stride=2).sum().backward()
        assert calls == []


@pytest.mark.parametrize(("xs", "ws", "kw"), CONVS[:2])
def test_split_conv_is_bit_identical_to_the_single_op(xs, ws, kw):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)

    def pair(v):
        return v if isinstance(v, tuple) else (v, v)
    params = {"stride": (1, 1), "padding": pair(kw.get("padding", 0)),
              "dilation": pair(kw.get("dilation", 1)), "groups": kw.get("groups", 1)}
    results = []
    for split in (True, False):
        a = ag.tensor(x, requires_grad=True, backend="numpy")
        b = ag.tensor(w, requires_grad=True, backend="numpy")
        y = conv_ops.conv2d(a, b, **params) if split else \
            conv_ops.apply(conv_ops.CONV2D, (a, b), params)
        assert (y.grad_fn.op.name == "conv2d_crop") is split
        (y * y).sum().backward()
        results.append([np.asarray(t.detach().array) for t in (y, a.grad, b.grad)])
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("xs", "ws", "kw"), [CONVS[0], CONVS[1]])
def test_split_conv_second_order(xs, ws, kw):
    # create_graph: each split op's rule is its adjoint op, differentiable again
    rng = np.random.default_rng(11)
    x = ag.tensor(rng.standard_normal((1,) + xs[1:]), dtype=ag.float64, requires_grad=True,
                  backend="numpy")
    w = ag.tensor(rng.standard_normal(ws) * 0.5, dtype=ag.float64, requires_grad=True,
                  backend="numpy")
    c = ag.tensor(rng.standard_normal(ws[0]), dtype=ag.float64, requires_grad=True,
                  backend="numpy")
    assert F.conv2d(x, w, c, **kw).grad_fn.op.name == "conv2d_crop"
    assert ag.autograd.gradgradcheck(lambda a, b, d: F.conv2d(a, b, d, **kw) ** 2, (x, w, c))


def test_split_conv_input_written_in_place_before_backward_raises():
    # the columns hold the input's values, but PyTorch raises here, so we do
    x = ag.randn(1, 2, 4, 4, backend="numpy")
    w = ag.randn(3, 2, 3, 3, requires_grad=True, backend="numpy")
    y = F.conv2d(x, w, padding=1)
    with ag.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    tx = torch.randn(1, 2, 4, 4)
    ty = torch.nn.functional.conv2d(tx, torch.randn(3, 2, 3, 3, requires_grad=True), padding=1)
    with torch.no_grad():
        tx.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


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
