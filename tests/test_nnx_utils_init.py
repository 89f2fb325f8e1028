"""nn.utils fusion helpers, clip_grads_with_norm_, clip_grad_norm, skip_init and the
deprecated nn.init.eye/dirac, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")


def _bn_pair(n, rng, dims=2):
    ours = getattr(ag.nn, f"BatchNorm{dims}d")(n)
    theirs = getattr(torch.nn, f"BatchNorm{dims}d")(n)
    stats = [rng.uniform(0.5, 2.0, n) for _ in range(4)]
    for module, wrap in ((ours, ag.tensor), (theirs, torch.tensor)):
        with (ag.no_grad() if module is ours else torch.no_grad()):
            module.weight.copy_(wrap(stats[0].astype(np.float32)))
            module.bias.copy_(wrap(stats[1].astype(np.float32)))
            module.running_mean.copy_(wrap(stats[2].astype(np.float32)))
            module.running_var.copy_(wrap(stats[3].astype(np.float32)))
    return ours.eval(), theirs.eval()


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval_matches_torch(transpose):
    rng = np.random.default_rng(0)
    cls = "ConvTranspose2d" if transpose else "Conv2d"
    conv_a, conv_t = getattr(ag.nn, cls)(2, 3, 3).eval(), getattr(torch.nn, cls)(2, 3, 3).eval()
    with torch.no_grad():
        conv_t.weight.copy_(torch.tensor(conv_a.weight.detach().numpy()))
        conv_t.bias.copy_(torch.tensor(conv_a.bias.detach().numpy()))
    bn_a, bn_t = _bn_pair(3, rng)
    fused_a = ag.nn.utils.fuse_conv_bn_eval(conv_a, bn_a, transpose)
    fused_t = torch.nn.utils.fuse_conv_bn_eval(conv_t, bn_t, transpose)
    np.testing.assert_allclose(fused_a.weight.detach().numpy(), fused_t.weight.detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(fused_a.bias.detach().numpy(), fused_t.bias.detach().numpy(),
                               rtol=1e-6, atol=1e-7)
    assert fused_a is not conv_a and isinstance(fused_a.weight, ag.nn.Parameter)
    x = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(fused_a(ag.tensor(x)).detach().numpy(),
                               bn_a(conv_a(ag.tensor(x))).detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        ag.nn.utils.fuse_conv_bn_eval(conv_a.train(), bn_a)


def test_fuse_linear_bn_eval_matches_torch():
    rng = np.random.default_rng(1)
    lin_a, lin_t = ag.nn.Linear(4, 3).eval(), torch.nn.Linear(4, 3).eval()
    with torch.no_grad():
        lin_t.weight.copy_(torch.tensor(lin_a.weight.detach().numpy()))
        lin_t.bias.copy_(torch.tensor(lin_a.bias.detach().numpy()))
    bn_a, bn_t = _bn_pair(3, rng, dims=1)
    fused_a = ag.nn.utils.fuse_linear_bn_eval(lin_a, bn_a)
    fused_t = torch.nn.utils.fuse_linear_bn_eval(lin_t, bn_t)
    np.testing.assert_allclose(fused_a.weight.detach().numpy(), fused_t.weight.detach().numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(fused_a.bias.detach().numpy(), fused_t.bias.detach().numpy(),
                               rtol=1e-6, atol=1e-7)
    with pytest.raises(AssertionError, match="out_features"):
        ag.nn.utils.fuse_linear_bn_eval(lin_a, ag.nn.BatchNorm1d(5).eval())
    w, b = ag.nn.utils.fuse_conv_bn_weights(ag.ones(2, 1, 1, 1, requires_grad=True), None,
                                            ag.zeros(2),
                                            ag.ones(2), 1e-5, None, None)
    assert w.requires_grad and not b.requires_grad  # PyTorch: the zero bias needs no grad


def test_clip_grads_with_norm_and_deprecated_clip_grad_norm():
    g = np.array([3.0, 4.0, 12.0], dtype=np.float32)
    pa, pt = ag.nn.Parameter(ag.zeros(3)), torch.nn.Parameter(torch.zeros(3))
    pa.grad, pt.grad = ag.tensor(g), torch.tensor(g)
    na = ag.nn.utils.get_total_norm([pa.grad])
    nt = torch.nn.utils.get_total_norm([pt.grad])
    ag.nn.utils.clip_grads_with_norm_([pa], 2.0, na)
    torch.nn.utils.clip_grads_with_norm_([pt], 2.0, nt)
    np.testing.assert_allclose(pa.grad.numpy(), pt.grad.numpy(), rtol=1e-6)
    pa.grad, pt.grad = ag.tensor(g), torch.tensor(g)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        total = ag.nn.utils.clip_grad_norm([pa], 1.0)
    with pytest.warns(FutureWarning):
        torch.nn.utils.clip_grad_norm([pt], 1.0)
    assert total.item() == pytest.approx(13.0)
    np.testing.assert_allclose(pa.grad.numpy(), pt.grad.numpy(), rtol=1e-6)


def test_skip_init_and_deprecated_init_names():
    layer = ag.nn.utils.skip_init(ag.nn.Linear, 5, 2, bias=False)
    assert layer.weight.shape == (2, 5) and layer.bias is None

    class NoDevice(ag.nn.Module):
        def __init__(self, n):
            super().__init__()

    with pytest.raises(RuntimeError, match="'device' arg"):
        ag.nn.utils.skip_init(NoDevice, 3)
    w = ag.empty(3, 4)
    with pytest.warns(FutureWarning, match="eye_"):
        ag.nn.init.eye(w)
    np.testing.assert_array_equal(w.numpy(), np.eye(3, 4))
    k = ag.empty(2, 2, 3)
    with pytest.warns(FutureWarning, match="dirac_"):
        ag.nn.init.dirac(k)
    with pytest.warns(FutureWarning):
        expected = torch.nn.init.dirac(torch.empty(2, 2, 3))
    np.testing.assert_array_equal(k.numpy(), expected.numpy())
    m = ag.nn.Conv2d(1, 1, 1)
    assert ag.nn.utils.convert_conv2d_weight_memory_format(m, None) is m
