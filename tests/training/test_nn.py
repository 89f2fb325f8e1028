"""arraygrad.nn against PyTorch (same weights copied in), plus Module behaviour and errors."""

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F

torch = pytest.importorskip("torch")  # the oracle (CI installs torch==2.13.0)

RNG = np.random.default_rng(0)


def t64(a):
    return ag.tensor(np.asarray(a), dtype=ag.float64, requires_grad=True)


def copy_into(ag_module, torch_module):
    """Copy torch's parameters and buffers into the arraygrad module (float64)."""
    ag_module.double()
    state = {k: ag.tensor(v.detach().double().numpy() if v.is_floating_point() else v.numpy())
             for k, v in torch_module.state_dict().items()}
    ag_module.load_state_dict(state)
    torch_module.double()


def compare(ag_module, torch_module, x, *, train=True, atol=1e-10):
    copy_into(ag_module, torch_module)
    ag_module.train(train)
    torch_module.train(train)
    xa, xt = t64(x), torch.tensor(x, requires_grad=True)
    ya, yt = ag_module(xa), torch_module(xt)
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), atol=atol)
    g = RNG.standard_normal(yt.shape)
    ya.backward(ag.tensor(g, dtype=ag.float64))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), atol=atol)
    tp = dict(torch_module.named_parameters())
    for name, p in ag_module.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol,
                                   err_msg=name)
    tb = dict(torch_module.named_buffers())
    for name, b in ag_module.named_buffers():
        np.testing.assert_allclose(b.numpy(), tb[name].numpy(), atol=atol, err_msg=name)


@pytest.mark.parametrize("kw", [
    dict(stride=1, padding=0), dict(stride=2, padding=1), dict(stride=(2, 1), padding=(0, 2),
                                                               dilation=(2, 1)),
    dict(stride=1, padding=1, groups=2), dict(stride=1, padding=0, bias=False)])
def test_conv2d_matches_torch(kw):
    compare(nn.Conv2d(4, 6, (3, 2), **kw), torch.nn.Conv2d(4, 6, (3, 2), **kw),
            RNG.standard_normal((2, 4, 7, 6)))


@pytest.mark.parametrize("layer,torch_layer,shape", [
    (lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (4, 5)),
    (lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2), (2, 3, 6, 5)),
    (lambda: nn.MaxPool2d(3, 2, 1), lambda: torch.nn.MaxPool2d(3, 2, 1), (2, 3, 7, 6)),
    (lambda: nn.AvgPool2d(2), lambda: torch.nn.AvgPool2d(2), (2, 3, 6, 4)),
    (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
     lambda: torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 2, 6, 7)),
    (lambda: nn.BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3), (5, 3)),
    (lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), (4, 3, 2, 3)),
    (lambda: nn.LayerNorm((3, 4)), lambda: torch.nn.LayerNorm((3, 4)), (2, 3, 4)),
    (lambda: nn.GELU(), lambda: torch.nn.GELU(), (3, 7)),
    (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), (3, 7)),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh(), (3, 4)),
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), (3, 4)),
    (lambda: nn.Softmax(1), lambda: torch.nn.Softmax(1), (3, 4)),
    (lambda: nn.Flatten(), lambda: torch.nn.Flatten(), (2, 3, 4)),
])
@pytest.mark.parametrize("train", [True, False])
def test_layers_match_torch(layer, torch_layer, shape, train):
    compare(layer(), torch_layer(), RNG.standard_normal(shape) * 2, train=train)


def test_batchnorm_running_stats_after_several_steps():
    a, t = nn.BatchNorm2d(2, momentum=None), torch.nn.BatchNorm2d(2, momentum=None)
    copy_into(a, t)
    for _ in range(3):
        x = RNG.standard_normal((4, 2, 3, 3))
        a(ag.tensor(x, dtype=ag.float64))
        t(torch.tensor(x))
    np.testing.assert_allclose(a.running_var.numpy(), t.running_var.numpy(), rtol=1e-12)
    assert int(a.num_batches_tracked.item()) == 3


def test_embedding_and_padding_idx_match_torch():
    a, t = nn.Embedding(6, 3, padding_idx=1), torch.nn.Embedding(6, 3, padding_idx=1)
    copy_into(a, t)
    idx = np.array([[1, 2, 5], [1, 0, 2]])
    ya, yt = a(ag.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy())
    g = RNG.standard_normal(yt.shape)
    ya.backward(ag.tensor(g, dtype=ag.float64))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(a.weight.grad.numpy(), t.weight.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("name,kw", [
    ("mse_loss", {}), ("l1_loss", {"reduction": "sum"}),
    ("binary_cross_entropy_with_logits", {}),
    ("binary_cross_entropy_with_logits", {"pos_weight": 3.0, "reduction": "none"})])
def test_regression_losses_match_torch(name, kw):
    x, y = RNG.standard_normal((4, 3)) * 3, RNG.uniform(size=(4, 3))
    xa, xt = t64(x), torch.tensor(x, requires_grad=True)
    kwa = {k: (ag.tensor(v, dtype=ag.float64) if k == "pos_weight" else v) for k, v in kw.items()}
    kwt = {k: (torch.tensor(v, dtype=torch.float64) if k == "pos_weight" else v)
           for k, v in kw.items()}
    la = getattr(F, name)(xa, ag.tensor(y, dtype=ag.float64), **kwa)
    lt = getattr(torch.nn.functional, name)(xt, torch.tensor(y), **kwt)
    np.testing.assert_allclose(la.detach().numpy(), lt.detach().numpy(), rtol=1e-12)
    la.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1}, {"reduction": "sum"},
                                {"weight": [1.0, 2.0, 0.5]}, {"ignore_index": 2}])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_classification_losses_match_torch(loss, kw):
    if loss == "nll_loss" and "label_smoothing" in kw:
        pytest.skip("nll_loss has no label_smoothing (as in PyTorch)")
    x, y = RNG.standard_normal((5, 3, 2)), RNG.integers(0, 3, (5, 2))
    if loss == "nll_loss":
        x = np.log(np.exp(x) / np.exp(x).sum(1, keepdims=True))
    kwa = {k: (ag.tensor(v, dtype=ag.float64) if k == "weight" else v) for k, v in kw.items()}
    kwt = {k: (torch.tensor(v, dtype=torch.float64) if k == "weight" else v)
           for k, v in kw.items()}
    xa, xt = t64(x), torch.tensor(x, requires_grad=True)
    la = getattr(F, loss)(xa, ag.tensor(y), **kwa)
    lt = getattr(torch.nn.functional, loss)(xt, torch.tensor(y), **kwt)
    np.testing.assert_allclose(la.item(), lt.item(), rtol=1e-12)
    la.backward()
    lt.backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), atol=1e-12)


def test_conv_and_erf_gradgrad():
    x = t64(RNG.standard_normal((1, 2, 4, 4)))
    w = t64(RNG.standard_normal((3, 2, 2, 2)))
    assert ag.autograd.gradgradcheck(lambda a, b: F.conv2d(a, b, stride=2, padding=1), (x, w))
    assert ag.autograd.gradgradcheck(lambda a: F.gelu(a), (t64(RNG.standard_normal(5)),))


def test_backend_conv_kernels_are_used(monkeypatch):
    from arraygrad.ops import conv as layers

    be = ag.get_backend("numpy")
    calls = []

    def wrap(name, fn):
        def kernel(*args, **kw):
            calls.append(name)
            return fn(be.xp, *args, **kw)
        return kernel

    kernels = {
        "conv2d": wrap("fwd", lambda xp, x, w, **kw: layers.conv2d_generic(xp, x, w, **kw)),
        "conv2d_vjp_input": wrap("dx", lambda xp, g, w, s, **kw:
                                 layers.conv2d_input_grad_generic(xp, g, w, s, **kw)),
        "conv2d_vjp_weight": wrap("dw", lambda xp, g, x, s, **kw:
                                  layers.conv2d_weight_grad_generic(xp, g, x, s, **kw))}
    monkeypatch.setattr(be, "kernels", {**be.kernels, **kernels})
    with ag.use_backend("numpy"):
        x = ag.randn(1, 2, 5, 5, requires_grad=True)
        F.conv2d(x, ag.randn(3, 2, 3, 3, requires_grad=True), padding=1).sum().backward()
    assert sorted(calls) == ["dw", "dx", "fwd"]


def test_layers_run_on_every_backend(backend):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(8, 3))
    x = ag.randn(4, 1, 4, 4)
    F.cross_entropy(model(x), ag.tensor([0, 1, 2, 0])).backward()
    assert all(p.grad is not None and p.grad.backend is backend for p in model.parameters())


def test_wrong_input_shape_names_the_layer():
    with pytest.raises(ValueError, match=r"Linear\(in_features=4.*\(\.\.\., 4\).*\(2, 5\)"):
        nn.Linear(4, 3)(ag.ones(2, 5))
    with pytest.raises(ValueError, match=r"Conv2d\(3, 4.*got \(2, 2, 8, 8\)"):
        nn.Conv2d(3, 4, 3)(ag.ones(2, 2, 8, 8))
    with pytest.raises(ValueError, match="BatchNorm2d"):
        nn.BatchNorm2d(3)(ag.ones(2, 3, 4))
    with pytest.raises(TypeError, match="integer"):
        nn.Embedding(3, 2)(ag.ones(2))


def test_module_registration_traversal_and_repr():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
            self.heads = nn.ModuleList([nn.Linear(3, 1), nn.Linear(3, 1)])
            self.scale = nn.Parameter(ag.ones(1))
            self.register_buffer("count", ag.zeros(()))
            self.register_buffer("cache", ag.zeros(2), persistent=False)

        def forward(self, x):
            h = self.body(x)
            return sum(head(h) for head in self.heads) * self.scale

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "heads.0.weight",
                     "heads.0.bias", "heads.1.weight", "heads.1.bias"]
    assert list(net.state_dict()) == names[:1] + ["count"] + names[1:]
    assert len(list(net.children())) == 2 and len(list(net.modules())) == 7
    assert "(body): Sequential(\n    (0): Linear(in_features=2, out_features=3, bias=True)" \
        in repr(net)
    net.eval()
    assert not any(m.training for m in net.modules())
    seen = []
    handle = net.register_forward_hook(lambda m, inp, out: seen.append(out.shape))
    net(ag.ones(4, 2))
    handle.remove()
    net(ag.ones(4, 2))
    assert seen == [(4, 1)]
    with pytest.raises(TypeError, match="Parameter"):
        net.scale = ag.ones(1)


def test_load_state_dict_strict_lists_problems_and_changes_nothing():
    model = nn.Linear(3, 2)
    before = model.weight.numpy(force=True).copy()
    bad = {"weight": ag.zeros(2, 4), "extra": ag.zeros(1)}
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(bad)
    text = str(info.value)
    assert "missing key(s): bias" in text and "unexpected key(s): extra" in text
    assert "weight: checkpoint shape (2, 4), model shape (2, 3)" in text
    np.testing.assert_array_equal(model.weight.numpy(force=True), before)
    result = model.load_state_dict({"weight": ag.zeros(2, 3)}, strict=False)
    assert result.missing_keys == ["bias"] and float(model.weight.sum().item()) == 0.0


def test_to_moves_and_casts_in_place():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    params = list(model.parameters())
    model.to(ag.float64).to(backend="array_api_strict", device="device1")
    assert list(model.parameters()) == params
    assert all(p.dtype == ag.float64 and p.device == "device1" for p in params)
    assert model[1].num_batches_tracked.dtype == ag.int64
    assert model(ag.ones(3, 2, dtype=ag.float64, backend="array_api_strict",
                         device="device1")).shape == (3, 2)


def test_init_is_reproducible_and_follows_pytorch_bounds():
    ag.manual_seed(3)
    a = nn.Linear(50, 40)
    ag.manual_seed(3)
    b = nn.Linear(50, 40)
    np.testing.assert_array_equal(a.weight.numpy(force=True), b.weight.numpy(force=True))
    bound = 1 / np.sqrt(50)
    w = a.weight.numpy(force=True)
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.9 * bound
    t = ag.zeros(200, 100)
    nn.init.kaiming_normal_(t, nonlinearity="relu")
    assert abs(float(t.std().item()) - np.sqrt(2 / 100)) < 0.01
    nn.init.xavier_uniform_(t)
    assert float(t.abs().max().item()) <= np.sqrt(6 / 300)


def test_clip_grad_norm_and_value_rebind_read_only_grads():
    p = nn.Parameter(ag.zeros(3))
    q = nn.Parameter(ag.zeros(2))
    p.grad = ag.broadcast_to(ag.tensor([3.0]), (3,))  # a read-only view
    q.grad = ag.tensor([4.0, 0.0])
    total = nn.utils.clip_grad_norm_([p, q], 1.0)
    assert abs(total.item() - np.sqrt(27 + 16)) < 1e-5
    tp, tq = torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)
    tp.grad, tq.grad = torch.full((3,), 3.0), torch.tensor([4.0, 0.0])
    torch.nn.utils.clip_grad_norm_([tp, tq], 1.0)
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5)
    nn.utils.clip_grad_value_([q], 0.1)
    assert q.grad.tolist() == pytest.approx([0.1, 0.0])


@pytest.mark.parametrize("zero_grad", [lambda m: m.zero_grad(set_to_none=False),
                                       lambda m: ag.optim.SGD(m.parameters()).zero_grad(False)])
def test_zero_grad_to_zeros_clears_nan_and_inf(zero_grad):
    model = nn.Linear(2, 1)
    model.weight.grad = ag.tensor([[float("nan"), float("inf")]])
    model.bias.grad = ag.tensor([float("-inf")])
    zero_grad(model)
    assert model.weight.grad.tolist() == [[0.0, 0.0]] and model.bias.grad.tolist() == [0.0]
