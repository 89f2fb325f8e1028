"""The layers, functionals, losses and initializers of arraygrad.nn against PyTorch.

Each case builds the arraygrad and the PyTorch layer, copies PyTorch's parameters in
(float64), and compares the forward values and the gradients of the input and of every
parameter for the same upstream gradient.
"""

import math
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F

torch = pytest.importorskip("torch")  # the oracle (CI installs torch==2.13.0)
TF = torch.nn.functional

RNG = np.random.default_rng(1)


def t64(a, requires_grad=True):
    return ag.tensor(np.asarray(a), dtype=ag.float64, requires_grad=requires_grad)


def _state_into(ag_module, torch_module):
    ag_module.double()
    torch_module.double()
    state = {k: ag.tensor(v.detach().numpy().copy()) for k, v in
             torch_module.state_dict().items()}
    ag_module.load_state_dict(state)


def _close(a, b, atol, what):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol, rtol=1e-9,
                               err_msg=what)


def compare(ag_module, torch_module, *inputs, train=True, atol=1e-10, grad_inputs=True):
    """Forward and backward of both modules on the same float64 inputs."""
    _state_into(ag_module, torch_module)
    ag_module.train(train)
    torch_module.train(train)
    xa = [t64(x, grad_inputs) if np.asarray(x).dtype.kind == "f" else ag.tensor(x)
          for x in inputs]
    xt = [torch.tensor(np.asarray(x), requires_grad=grad_inputs) if np.asarray(x).dtype.kind
          == "f" else torch.tensor(x) for x in inputs]
    ya, yt = ag_module(*xa), torch_module(*xt)
    if isinstance(yt, tuple):
        for a, b in zip(ya[1:], yt[1:]):
            _close(a.numpy(), b.numpy(), 0, "indices")
        ya, yt = ya[0], yt[0]
    _close(ya.detach().numpy(), yt.detach().numpy(), atol, "forward")
    g = RNG.standard_normal(tuple(yt.shape))
    ya.backward(ag.tensor(g, dtype=ag.float64))
    yt.backward(torch.tensor(g))
    for a, b in zip(xa, xt):
        if b.requires_grad:
            _close(a.grad.numpy(), b.grad.numpy(), atol, "input grad")
    tp = dict(torch_module.named_parameters())
    for name, p in ag_module.named_parameters():
        _close(p.grad.numpy(), tp[name].grad.numpy(), atol, name)
    tb = dict(torch_module.named_buffers())
    for name, b in ag_module.named_buffers():
        _close(b.numpy(), tb[name].numpy(), atol, name)


def randn(*shape):
    return RNG.standard_normal(shape)


LAYERS = [
    # convolutions
    ("Conv1d", dict(args=(3, 4, 3)), (2, 3, 9)),
    ("Conv1d", dict(args=(4, 6, 3), stride=2, padding=2, dilation=2, groups=2), (2, 4, 11)),
    ("Conv1d", dict(args=(3, 2, 4), padding="same", dilation=2), (2, 3, 9)),
    ("Conv1d", dict(args=(3, 2, 3), padding="valid", bias=False), (3, 8)),
    ("Conv1d", dict(args=(3, 2, 3), padding=2, padding_mode="reflect"), (2, 3, 7)),
    ("Conv1d", dict(args=(3, 2, 3), padding=1, padding_mode="circular"), (2, 3, 7)),
    ("Conv2d", dict(args=(2, 4, (3, 2)), padding="same", padding_mode="replicate"),
     (2, 2, 5, 6)),
    ("Conv2d", dict(args=(2, 4, 2), padding="same"), (1, 2, 5, 5)),
    ("Conv3d", dict(args=(2, 4, (2, 3, 2)), stride=(2, 1, 2), padding=(1, 1, 0)),
     (2, 2, 5, 4, 5)),
    ("Conv3d", dict(args=(4, 2, 3), dilation=(2, 1, 1), groups=2, bias=False),
     (1, 4, 6, 4, 4)),
    ("ConvTranspose1d", dict(args=(3, 4, 3), stride=2, padding=1, output_padding=1),
     (2, 3, 5)),
    ("ConvTranspose1d", dict(args=(4, 2, 3), groups=2, dilation=2), (4, 6)),
    ("ConvTranspose2d", dict(args=(3, 4, (3, 2)), stride=(2, 3), padding=(1, 0),
                             output_padding=(1, 2)), (2, 3, 4, 3)),
    ("ConvTranspose2d", dict(args=(4, 6, 2), stride=2, groups=2, bias=False), (1, 4, 3, 3)),
    # pooling
    ("MaxPool1d", dict(args=(3,), stride=2, padding=1), (2, 3, 9)),
    ("MaxPool1d", dict(args=(2,), ceil_mode=True, return_indices=True), (2, 3, 7)),
    ("MaxPool2d", dict(args=(3,), stride=2, ceil_mode=True), (2, 2, 8, 7)),
    ("MaxPool2d", dict(args=(2,), stride=1, dilation=2, padding=1, return_indices=True),
     (1, 2, 6, 5)),
    ("AvgPool1d", dict(args=(3,), stride=2, padding=1, count_include_pad=False), (2, 3, 8)),
    ("AvgPool2d", dict(args=(3,), stride=2, padding=1, ceil_mode=True), (2, 2, 8, 7)),
    ("AvgPool2d", dict(args=(3,), stride=2, padding=1, ceil_mode=True,
                       count_include_pad=False), (2, 2, 8, 7)),
    ("AvgPool2d", dict(args=(2,), divisor_override=3), (1, 2, 4, 4)),
    ("AdaptiveAvgPool1d", dict(args=(3,)), (2, 3, 7)),
    ("AdaptiveAvgPool2d", dict(args=((3, 2),)), (2, 3, 7, 6)),
    ("AdaptiveAvgPool2d", dict(args=((None, 1),)), (2, 3, 4, 5)),
    ("AdaptiveMaxPool1d", dict(args=(4,), return_indices=True), (2, 3, 10)),
    ("AdaptiveMaxPool2d", dict(args=((3, 2),), return_indices=True), (2, 2, 7, 5)),
    # resampling and shape
    ("Upsample", dict(scale_factor=2, mode="nearest"), (1, 2, 3, 4)),
    ("Upsample", dict(size=(5, 7), mode="nearest"), (1, 2, 3, 4)),
    ("Upsample", dict(size=(5, 7), mode="nearest-exact"), (1, 2, 3, 4)),
    ("Upsample", dict(scale_factor=1.7, mode="bilinear"), (1, 2, 3, 4)),
    ("Upsample", dict(size=(5, 3), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    ("Upsample", dict(scale_factor=2, mode="bicubic"), (1, 1, 3, 4)),
    ("Upsample", dict(size=7, mode="linear"), (2, 2, 4)),
    ("Upsample", dict(scale_factor=(2, 1, 1.5), mode="trilinear"), (1, 1, 2, 3, 2)),
    ("PixelShuffle", dict(args=(2,)), (2, 8, 3, 2)),
    ("PixelUnshuffle", dict(args=(2,)), (2, 2, 4, 6)),
    ("Unflatten", dict(args=(1, (2, 3))), (4, 6, 2)),
    ("Flatten", dict(args=(0, 1)), (4, 6, 2)),
    ("ReflectionPad2d", dict(args=((1, 2, 2, 0),)), (1, 2, 3, 4)),
    ("ReplicationPad1d", dict(args=(2,)), (2, 3, 4)),
    ("ConstantPad2d", dict(args=(1, 0.5)), (2, 3, 4)),
    # normalization
    ("GroupNorm", dict(args=(2, 4)), (3, 4, 5)),
    ("GroupNorm", dict(args=(3, 6), affine=False), (2, 6, 2, 2)),
    ("InstanceNorm1d", dict(args=(3,)), (2, 3, 5)),
    ("InstanceNorm2d", dict(args=(3,), affine=True, track_running_stats=True), (2, 3, 4, 4)),
    ("InstanceNorm2d", dict(args=(3,)), (3, 4, 4)),
    ("BatchNorm3d", dict(args=(2,)), (3, 2, 2, 3, 2)),
    ("RMSNorm", dict(args=((3, 4),)), (2, 3, 4)),
    ("RMSNorm", dict(args=(4,), eps=1e-3, elementwise_affine=False), (2, 4)),
    ("LocalResponseNorm", dict(args=(3,)), (2, 5, 3, 3)),
    # activations
    ("LeakyReLU", dict(args=(0.2,)), (3, 5)),
    ("ELU", dict(alpha=0.7), (3, 5)),
    ("SELU", dict(), (3, 5)),
    ("CELU", dict(alpha=1.5), (3, 5)),
    ("SiLU", dict(), (3, 5)),
    ("Mish", dict(), (3, 5)),
    ("Softplus", dict(beta=2.0, threshold=3.0), (3, 5)),
    ("Hardtanh", dict(args=(-0.5, 0.7)), (3, 5)),
    ("ReLU6", dict(), (3, 5)),
    ("PReLU", dict(), (3, 5)),
    ("PReLU", dict(num_parameters=4, init=0.1), (2, 4, 3)),
    ("LogSigmoid", dict(), (3, 5)),
    # PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 even in float64
    ("Hardsigmoid", dict(atol=1e-7), (3, 5)),
    ("Hardswish", dict(), (3, 5)),
    ("Softsign", dict(), (3, 5)),
    ("Tanhshrink", dict(), (3, 5)),
    ("Softshrink", dict(args=(0.3,)), (3, 5)),
    ("Hardshrink", dict(args=(0.3,)), (3, 5)),
    ("Threshold", dict(args=(0.1, -2.0)), (3, 5)),
    ("GLU", dict(dim=1), (3, 6)),
    ("Softmin", dict(dim=0), (3, 5)),
    ("LogSoftmax", dict(dim=1), (3, 5)),
    ("Softmax2d", dict(), (2, 3, 2, 2)),
    ("GELU", dict(approximate="tanh"), (3, 5)),
    ("Identity", dict(args=(3,), unused=1), (3, 5)),
    ("Bilinear", dict(args=(3, 2, 4)), None),
    ("CosineSimilarity", dict(dim=1), None),
    ("PairwiseDistance", dict(p=1.5), None),
]


@pytest.mark.parametrize("name,kw,shape", LAYERS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_layer_matches_torch(name, kw, shape):
    kw = dict(kw)
    args = kw.pop("args", ())
    atol = kw.pop("atol", 1e-10)
    ag_layer = getattr(nn, name)(*args, **kw)
    torch_layer = getattr(torch.nn, name)(*args, **kw)
    if shape is None:
        shapes = {"Bilinear": [(5, 3), (5, 2)]}.get(name, [(4, 6), (4, 6)])
        compare(ag_layer, torch_layer, *[randn(*s) for s in shapes], atol=atol)
    else:
        compare(ag_layer, torch_layer, randn(*shape) * 2, atol=atol)


@pytest.mark.parametrize("name", ["ReLU", "LeakyReLU", "ELU", "SELU", "Hardtanh", "SiLU",
                                  "Mish", "ReLU6", "Hardswish", "Hardsigmoid"])
def test_inplace_activation_writes_the_input_and_keeps_the_gradient(name):
    x0 = randn(3, 4)
    xa, xt = t64(x0), torch.tensor(x0, requires_grad=True)
    ha, ht = xa * 1.5, xt * 1.5
    out_a = getattr(nn, name)(inplace=True)(ha)
    out_t = getattr(torch.nn, name)(inplace=True)(ht)
    assert out_a is ha
    _close(ha.detach().numpy(), ht.detach().numpy(), 1e-12, "written input")
    (out_a * out_a).sum().backward()
    (out_t * out_t).sum().backward()
    _close(xa.grad.numpy(), xt.grad.numpy(), 1e-7 if name == "Hardsigmoid" else 1e-10, "grad")


def test_relu_positional_inplace_and_gradients_at_kinks():
    assert nn.ReLU(True).inplace
    x0 = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0, 20.0, 21.0])
    for fa, ft in [(F.relu, TF.relu), (F.relu6, TF.relu6), (F.hardtanh, TF.hardtanh),
                   (F.hardswish, TF.hardswish), (F.hardsigmoid, TF.hardsigmoid),
                   (F.leaky_relu, TF.leaky_relu), (F.elu, TF.elu), (F.logsigmoid, TF.logsigmoid),
                   (F.softplus, TF.softplus), (F.selu, TF.selu), (F.celu, TF.celu),
                   (lambda x: F.prelu(x, ag.tensor([0.3], dtype=ag.float64)),
                    lambda x: TF.prelu(x, torch.tensor([0.3], dtype=torch.float64)))]:
        xa, xt = t64(x0), torch.tensor(x0, requires_grad=True)
        fa(xa).sum().backward()
        ft(xt).sum().backward()
        _close(xa.grad.numpy(), xt.grad.numpy(), 1e-7, repr(fa))


def test_large_inputs_give_finite_gradients():
    x = t64([-800.0, 800.0])
    for fn in (F.elu, F.selu, F.softplus, F.mish, F.logsigmoid, F.silu):
        x.grad = None
        fn(x).sum().backward()
        assert np.isfinite(x.grad.numpy()).all(), fn


def test_conv_functionals_match_torch():
    x1, w1 = randn(2, 4, 9), randn(6, 2, 3)
    x2, w2 = randn(2, 4, 5, 6), randn(4, 3, 3, 2)
    cases = [
        (lambda m, x, w: m.conv1d(x, w, None, 2, 1, 1, 2), x1, w1),
        (lambda m, x, w: m.conv_transpose2d(x, w, None, 2, 1, 1, 1, 2), x2, w2),
        (lambda m, x, w: m.conv_transpose1d(x, w, None, 3, 0, 2), randn(1, 4, 5),
         randn(4, 2, 4)),
    ]
    for fn, x, w in cases:
        xa, wa = t64(x), t64(w)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        ya, yt = fn(F, xa, wa), fn(TF, xt, wt)
        _close(ya.detach().numpy(), yt.detach().numpy(), 1e-10, "forward")
        g = randn(*yt.shape)
        ya.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        _close(xa.grad.numpy(), xt.grad.numpy(), 1e-10, "x grad")
        _close(wa.grad.numpy(), wt.grad.numpy(), 1e-10, "w grad")


def test_conv_transpose_second_order_matches_torch():
    x, w = randn(1, 2, 3, 3), randn(2, 3, 2, 2)
    xa, wa = t64(x), t64(w)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ya = (F.conv_transpose2d(xa, wa, stride=2) ** 2).sum()
    yt = (TF.conv_transpose2d(xt, wt, stride=2) ** 2).sum()
    (ga,) = ag.autograd.grad(ya, [xa], create_graph=True)
    (gt,) = torch.autograd.grad(yt, [xt], create_graph=True)
    (ga ** 2).sum().backward()
    (gt ** 2).sum().backward()
    _close(wa.grad.numpy(), wt.grad.numpy(), 1e-9, "second order")


def test_conv_transpose_output_size():
    a, t = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), \
        torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    _state_into(a, t)
    x = randn(1, 2, 4, 4)
    ya, yt = a(t64(x), output_size=(8, 8)), t(torch.tensor(x), output_size=(8, 8))
    assert ya.shape == tuple(yt.shape) == (1, 3, 8, 8)
    _close(ya.detach().numpy(), yt.detach().numpy(), 1e-10, "forward")
    with pytest.raises(ValueError, match="valid sizes range from 7 to 8"):
        a(t64(x), output_size=(10, 10))


def test_pad_modes_match_torch():
    x = randn(2, 3, 4, 5)
    for pad, mode in [((1, 2, 0, 3), "reflect"), ((2, 1, 1, 3), "replicate"),
                      ((1, 1, 2, 0), "circular"), ((1, -1, 0, 2), "constant"),
                      ((1, 2, 0, 1, 1, 1), "reflect")]:
        xa, xt = t64(x), torch.tensor(x, requires_grad=True)
        ya, yt = F.pad(xa, pad, mode), TF.pad(xt, pad, mode)
        _close(ya.detach().numpy(), yt.detach().numpy(), 0, mode)
        g = randn(*yt.shape)
        ya.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        _close(xa.grad.numpy(), xt.grad.numpy(), 1e-12, mode)
    with pytest.raises(ValueError, match="reflect padding"):
        F.pad(t64(x), (5, 0, 0, 0), "reflect")
    with pytest.raises(NotImplementedError, match="padding size 2"):
        F.pad(t64(x), (1, 1), "reflect")
    with pytest.raises(NotImplementedError):
        TF.pad(torch.tensor(x), (1, 1), "reflect")


def test_interpolate_variants_match_torch():
    x = randn(1, 2, 5, 4)
    for kw in [dict(scale_factor=0.6, mode="nearest"), dict(size=(3, 9), mode="bilinear"),
               dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
               dict(size=(2, 3), mode="area"), dict(size=(7, 3), mode="bicubic",
                                                    align_corners=True)]:
        xa, xt = t64(x), torch.tensor(x, requires_grad=True)
        ya, yt = F.interpolate(xa, **kw), TF.interpolate(xt, **kw)
        _close(ya.detach().numpy(), yt.detach().numpy(), 1e-10, repr(kw))
        g = randn(*yt.shape)
        ya.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        _close(xa.grad.numpy(), xt.grad.numpy(), 1e-10, repr(kw))
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(t64(x), scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D"):
        F.interpolate(t64(randn(1, 2, 3)), scale_factor=2, mode="bilinear")


@pytest.mark.parametrize("layer,layout", [
    (lambda: nn.Conv1d(3, 4, 3), r"\(N, 3, L\) or \(3, L\), got \(2, 4, 5\)"),
    (lambda: nn.Conv3d(3, 4, 3), r"\(N, 3, D, H, W\) or \(3, D, H, W\), got \(2, 4, 5\)"),
    (lambda: nn.ConvTranspose2d(3, 4, 3), r"\(N, 3, H, W\) or \(3, H, W\), got \(2, 4, 5\)"),
    (lambda: nn.MaxPool1d(2), r"\(N, C, L\) or \(C, L\), got \(2,\)"),
    (lambda: nn.GroupNorm(2, 4), r"\(N, 4, \.\.\.\), got \(2, 3, 5\)"),
    (lambda: nn.RMSNorm(3), r"\(\.\.\., 3\), got \(2, 4, 5\)"),
])
def test_bad_input_names_the_layer_and_both_shapes(layer, layout):
    module = layer()
    bad = ag.ones(2) if isinstance(module, nn.MaxPool1d) else \
        ag.ones(2, 3, 5) if isinstance(module, nn.GroupNorm) else ag.ones(2, 4, 5)
    with pytest.raises(ValueError, match=type(module).__name__ + r".*" + layout):
        module(bad)


def test_pool_kernel_larger_than_input_raises_like_torch():
    x = ag.ones(1, 1, 2, 2)
    with pytest.raises(ValueError, match="too small"):
        nn.MaxPool2d(3)(x)
    with pytest.raises(RuntimeError):
        torch.nn.MaxPool2d(3)(torch.ones(1, 1, 2, 2))
    with pytest.raises(ValueError, match="half the"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv1d(ag.ones(1, 1, 2), ag.ones(1, 1, 3))


# ------------------------------------------------------------------------- dropout
@pytest.mark.filterwarnings("ignore:dropout2d. Received a 3D input")
def test_dropout_variants_statistics_and_eval():
    ag.manual_seed(0)
    x = ag.ones(200, 8, 10)
    y = F.dropout1d(x, 0.25)
    per_channel = y.numpy().reshape(200 * 8, 10)
    assert (np.ptp(per_channel, axis=1) == 0).all()  # whole channels
    assert abs((per_channel[:, 0] == 0).mean() - 0.25) < 0.05
    assert np.allclose(per_channel[per_channel[:, 0] != 0], 1 / 0.75)
    y2 = F.dropout2d(ag.ones(50, 8, 3, 3), 0.5).numpy()
    assert (np.ptp(y2.reshape(400, 9), axis=1) == 0).all()
    ya = F.alpha_dropout(ag.randn(20000, dtype=ag.float64), 0.2, training=True).numpy()
    assert abs(ya.mean()) < 0.05 and abs(ya.std() - 1) < 0.05
    for layer in (nn.Dropout(0.3), nn.Dropout1d(), nn.Dropout2d(), nn.AlphaDropout()):
        layer.eval()
        assert layer(ag.ones(2, 3, 4)).tolist() == ag.ones(2, 3, 4).tolist()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="3D input to dropout2d"):
            F.dropout2d(ag.ones(2, 3, 4))


def test_dropout_inplace_writes_input():
    ag.manual_seed(1)
    h = t64(np.ones((4, 5))) * 1.0
    out = F.dropout(h, 0.5, True, inplace=True)
    assert out is h and set(np.unique(h.detach().numpy())) <= {0.0, 2.0}


# --------------------------------------------------------------------------- sparse
def test_embedding_options_match_torch():
    w = randn(7, 3) * 2
    idx = np.array([[1, 3, 3, 0], [6, 1, 3, 2]])
    for kw in [dict(padding_idx=3), dict(max_norm=1.0), dict(max_norm=1.5, norm_type=1.0),
               dict(scale_grad_by_freq=True, padding_idx=-1)]:
        wa, wt = t64(w), torch.tensor(w, requires_grad=True)
        ya = F.embedding(ag.tensor(idx), wa, **kw)
        yt = TF.embedding(torch.tensor(idx), wt, **kw)
        _close(ya.detach().numpy(), yt.detach().numpy(), 1e-12, repr(kw))
        _close(wa.detach().numpy(), wt.detach().numpy(), 1e-12, "renormalized weight")
        g = randn(*yt.shape)
        ya.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        _close(wa.grad.numpy(), wt.grad.numpy(), 1e-12, repr(kw))
    a = nn.Embedding(5, 2, padding_idx=1)
    assert a.weight[1].tolist() == [0.0, 0.0]
    frozen = nn.Embedding.from_pretrained(ag.tensor(w))
    assert not frozen.weight.requires_grad and frozen(ag.tensor([2])).shape == (1, 3)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_torch(mode):
    w = randn(8, 3)
    flat, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 0]), np.array([0, 3, 3, 5])
    cases = [dict(input=flat, offsets=offsets), dict(input=flat.reshape(2, 4)),
             dict(input=flat, offsets=np.array([0, 2, 8]), include_last_offset=True),
             dict(input=flat, offsets=offsets, padding_idx=4)]
    if mode == "sum":
        cases.append(dict(input=flat, offsets=offsets, per_sample_weights=randn(8)))
    for case in cases:
        wa, wt = t64(w), torch.tensor(w, requires_grad=True)
        conv = {k: (ag.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in case.items()}
        convt = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v)
                 for k, v in case.items()}
        ya = F.embedding_bag(weight=wa, mode=mode, **conv)
        yt = TF.embedding_bag(weight=wt, mode=mode, **convt)
        _close(ya.detach().numpy(), yt.detach().numpy(), 1e-12, repr(case))
        g = randn(*yt.shape)
        ya.backward(ag.tensor(g))
        yt.backward(torch.tensor(g))
        _close(wa.grad.numpy(), wt.grad.numpy(), 1e-12, repr(case))


def test_one_hot_and_normalize():
    assert F.one_hot(ag.tensor([0, 3])).shape == (2, 4)
    assert F.one_hot(ag.tensor([[1], [2]]), 5).tolist() == TF.one_hot(
        torch.tensor([[1], [2]]), 5).tolist()
    with pytest.raises(ValueError, match="smaller than num_classes"):
        F.one_hot(ag.tensor([3]), 3)
    x = randn(3, 4)
    for kw in [dict(), dict(p=1.0, dim=0), dict(p=math.inf, dim=1)]:
        _close(F.normalize(t64(x), **kw).detach().numpy(),
               TF.normalize(torch.tensor(x), **kw).numpy(), 1e-12, repr(kw))


# ---------------------------------------------------------------------------- losses
def _loss_case(fa, ft, inputs, needs_grad=(0,), atol=1e-10):
    arr_a = [t64(v, i in needs_grad) if np.asarray(v).dtype.kind == "f" else ag.tensor(v)
             for i, v in enumerate(inputs)]
    arr_t = [torch.tensor(np.asarray(v), requires_grad=i in needs_grad) for i, v in
             enumerate(inputs)]
    ya, yt = fa(*arr_a), ft(*arr_t)
    _close(ya.detach().numpy(), yt.detach().numpy(), atol, "loss")
    g = randn(*yt.shape)
    ya.backward(ag.tensor(g))
    yt.backward(torch.tensor(g))
    for i in needs_grad:
        _close(arr_a[i].grad.numpy(), arr_t[i].grad.numpy(), atol, f"grad {i}")


LOGITS = randn(5, 4)
TARGET = np.array([0, 3, 1, 3, 2])
PROBS = np.abs(randn(5, 4))
PROBS /= PROBS.sum(axis=1, keepdims=True)
W4 = np.array([0.5, 1.0, 2.0, 0.25])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kind", [
    "ce_weight_ignore", "ce_smoothing", "ce_smoothing_weight", "ce_probs", "ce_probs_weight",
    "ce_spatial", "nll", "nll_spatial", "bce", "bce_weight", "bce_logits_pos_weight", "l1",
    "mse", "smooth_l1", "smooth_l1_beta0", "huber", "kl", "kl_log_target", "cosine_embedding",
    "margin_ranking", "triplet", "triplet_swap", "hinge", "soft_margin",
    "multilabel_soft_margin", "poisson", "gaussian"])
def test_losses_match_torch(kind, reduction):
    r = reduction
    t_ignored = TARGET.copy()
    t_ignored[1] = -1
    p01 = 1 / (1 + np.exp(-LOGITS))
    y01 = (RNG.random((5, 4)) > 0.5).astype(float)
    pm1 = np.where(RNG.random(5) > 0.5, 1.0, -1.0)
    wa, wt = ag.tensor(W4, dtype=ag.float64), torch.tensor(W4)
    cases = {
        "ce_weight_ignore": (lambda x, t: F.cross_entropy(x, t, wa, ignore_index=-1,
                                                          reduction=r),
                             lambda x, t: TF.cross_entropy(x, t, wt, ignore_index=-1,
                                                           reduction=r),
                             [LOGITS, t_ignored]),
        "ce_smoothing": (lambda x, t: F.cross_entropy(x, t, reduction=r, label_smoothing=0.2),
                         lambda x, t: TF.cross_entropy(x, t, reduction=r, label_smoothing=0.2),
                         [LOGITS, TARGET]),
        "ce_smoothing_weight": (
            lambda x, t: nn.CrossEntropyLoss(wa, None, -1, None, r, 0.1)(x, t),
            lambda x, t: torch.nn.CrossEntropyLoss(wt, None, -1, None, r, 0.1)(x, t),
            [LOGITS, t_ignored]),
        "ce_probs": (lambda x, t: F.cross_entropy(x, t, reduction=r, label_smoothing=0.1),
                     lambda x, t: TF.cross_entropy(x, t, reduction=r, label_smoothing=0.1),
                     [LOGITS, PROBS]),
        "ce_probs_weight": (lambda x, t: F.cross_entropy(x, t, wa, reduction=r),
                            lambda x, t: TF.cross_entropy(x, t, wt, reduction=r),
                            [LOGITS, PROBS]),
        "ce_spatial": (lambda x, t: F.cross_entropy(x, t, reduction=r),
                       lambda x, t: TF.cross_entropy(x, t, reduction=r),
                       [randn(2, 4, 3, 2), RNG.integers(0, 4, (2, 3, 2))]),
        "nll": (lambda x, t: F.nll_loss(x, t, wa, None, 3, None, r),
                lambda x, t: TF.nll_loss(x, t, wt, None, 3, None, r), [LOGITS, TARGET]),
        "nll_spatial": (lambda x, t: nn.NLLLoss(reduction=r)(x, t),
                        lambda x, t: torch.nn.NLLLoss(reduction=r)(x, t),
                        [randn(2, 4, 3), RNG.integers(0, 4, (2, 3))]),
        "bce": (lambda x, t: nn.BCELoss(reduction=r)(x, t),
                lambda x, t: torch.nn.BCELoss(reduction=r)(x, t), [p01, y01]),
        "bce_weight": (lambda x, t: F.binary_cross_entropy(x, t, wa, reduction=r),
                       lambda x, t: TF.binary_cross_entropy(x, t, wt, reduction=r), [p01, y01]),
        "bce_logits_pos_weight": (
            lambda x, t: nn.BCEWithLogitsLoss(pos_weight=wa, reduction=r)(x, t),
            lambda x, t: torch.nn.BCEWithLogitsLoss(pos_weight=wt, reduction=r)(x, t),
            [LOGITS * 3, y01]),
        "l1": (lambda x, t: nn.L1Loss(reduction=r)(x, t),
               lambda x, t: torch.nn.L1Loss(reduction=r)(x, t), [LOGITS, PROBS]),
        "mse": (lambda x, t: F.mse_loss(x, t, reduction=r),
                lambda x, t: TF.mse_loss(x, t, reduction=r), [LOGITS, PROBS]),
        "smooth_l1": (lambda x, t: nn.SmoothL1Loss(reduction=r, beta=0.5)(x, t),
                      lambda x, t: torch.nn.SmoothL1Loss(reduction=r, beta=0.5)(x, t),
                      [LOGITS, PROBS]),
        "smooth_l1_beta0": (lambda x, t: F.smooth_l1_loss(x, t, reduction=r, beta=0.0),
                            lambda x, t: TF.smooth_l1_loss(x, t, reduction=r, beta=0.0),
                            [LOGITS, PROBS]),
        "huber": (lambda x, t: nn.HuberLoss(r, 0.7)(x, t),
                  lambda x, t: torch.nn.HuberLoss(r, 0.7)(x, t), [LOGITS * 2, PROBS]),
        "kl": (lambda x, t: F.kl_div(x, t, reduction="batchmean" if r == "mean" else r),
               lambda x, t: TF.kl_div(x, t, reduction="batchmean" if r == "mean" else r),
               [np.log(PROBS[::-1].copy()), np.where(PROBS > 0.2, PROBS, 0.0)]),
        "kl_log_target": (lambda x, t: nn.KLDivLoss(reduction=r, log_target=True)(x, t),
                          lambda x, t: torch.nn.KLDivLoss(reduction=r, log_target=True)(x, t),
                          [np.log(PROBS[::-1].copy()), np.log(PROBS)]),
        "cosine_embedding": (lambda a, b, t: F.cosine_embedding_loss(a, b, t, 0.2,
                                                                     reduction=r),
                             lambda a, b, t: TF.cosine_embedding_loss(a, b, t, 0.2,
                                                                      reduction=r),
                             [LOGITS, PROBS, pm1]),
        "margin_ranking": (lambda a, b, t: nn.MarginRankingLoss(0.3, reduction=r)(a, b, t),
                           lambda a, b, t: torch.nn.MarginRankingLoss(0.3, reduction=r)(a, b, t),
                           [LOGITS[:, 0].copy(), LOGITS[:, 1].copy(), pm1]),
        "triplet": (lambda a, p, n: F.triplet_margin_loss(a, p, n, 1.0, 1.5, reduction=r),
                    lambda a, p, n: TF.triplet_margin_loss(a, p, n, 1.0, 1.5, reduction=r),
                    [LOGITS, PROBS, randn(5, 4)]),
        "triplet_swap": (lambda a, p, n: nn.TripletMarginLoss(swap=True, reduction=r)(a, p, n),
                         lambda a, p, n: torch.nn.TripletMarginLoss(swap=True,
                                                                    reduction=r)(a, p, n),
                         [LOGITS, PROBS, randn(5, 4)]),
        "hinge": (lambda x, t: F.hinge_embedding_loss(x, t, 0.5, reduction=r),
                  lambda x, t: TF.hinge_embedding_loss(x, t, 0.5, reduction=r),
                  [LOGITS[:, 0].copy(), pm1]),
        "soft_margin": (lambda x, t: F.soft_margin_loss(x, t, reduction=r),
                        lambda x, t: TF.soft_margin_loss(x, t, reduction=r),
                        [LOGITS[:, 0].copy(), pm1]),
        "multilabel_soft_margin": (
            lambda x, t: F.multilabel_soft_margin_loss(x, t, wa, reduction=r),
            lambda x, t: TF.multilabel_soft_margin_loss(x, t, wt, reduction=r), [LOGITS, y01]),
        "poisson": (lambda x, t: F.poisson_nll_loss(x, t, full=True, reduction=r),
                    lambda x, t: TF.poisson_nll_loss(x, t, full=True, reduction=r),
                    [LOGITS, np.floor(PROBS * 5)]),
        "gaussian": (lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True, reduction=r),
                     lambda x, t, v: TF.gaussian_nll_loss(x, t, v, full=True, reduction=r),
                     [LOGITS, PROBS, PROBS + 0.1]),
    }
    fa, ft, inputs = cases[kind]
    grads = tuple(i for i, v in enumerate(inputs) if np.asarray(v).dtype.kind == "f"
                  and not (kind.startswith(("cosine", "margin", "hinge", "soft_margin")) and
                           i == len(inputs) - 1))
    # PyTorch's target gradients of these are nan where the target is 0 (or <= 1): input only
    if kind in ("bce", "bce_weight", "bce_logits_pos_weight", "multilabel_soft_margin", "kl",
                "poisson"):
        grads = (0,)
    _loss_case(fa, ft, inputs, grads)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ctc_loss_matches_torch(reduction):
    logits = randn(7, 3, 5)
    padded, flat = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]]), np.array([1, 2, 2, 3, 1, 4])
    lengths_in, lengths_out = [7, 5, 6], [3, 2, 1]
    for targets in (padded, flat):
        xa, xt = t64(logits), torch.tensor(logits, requires_grad=True)
        la = nn.CTCLoss(reduction=reduction)(F.log_softmax(xa, 2), ag.tensor(targets),
                                             lengths_in, ag.tensor(lengths_out))
        lt = torch.nn.CTCLoss(reduction=reduction)(TF.log_softmax(xt, 2),
                                                   torch.tensor(targets), lengths_in,
                                                   lengths_out)
        _close(la.detach().numpy(), lt.detach().numpy(), 1e-10, "ctc")
        g = randn(*lt.shape)
        la.backward(ag.tensor(g))
        lt.backward(torch.tensor(g))
        _close(xa.grad.numpy(), xt.grad.numpy(), 1e-10, "ctc grad")
    # an impossible alignment (target longer than the input) is inf, or 0 with zero_infinity
    lp = F.log_softmax(t64(randn(2, 1, 4)), 2)
    assert F.ctc_loss(lp, ag.tensor([[1, 2, 3]]), [2], [3], reduction="sum").item() == math.inf
    zero = F.ctc_loss(lp, ag.tensor([[1, 2, 3]]), [2], [3], zero_infinity=True)
    assert zero.item() == 0.0
    unbatched = F.ctc_loss(lp[:, 0], ag.tensor([1]), 2, 1, reduction="none")
    assert unbatched.ndim == 0


def test_loss_legacy_arguments_and_broadcast_warning():
    x, t = t64(LOGITS), t64(PROBS, False)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        total = F.mse_loss(x, t, False)
    assert total.item() == pytest.approx(TF.mse_loss(torch.tensor(LOGITS),
                                                     torch.tensor(PROBS), False).item())
    with pytest.warns(UserWarning, match="different to the input size"):
        value = F.mse_loss(x, t64(PROBS[:1], False))
    with pytest.warns(UserWarning):
        expected = TF.mse_loss(torch.tensor(LOGITS), torch.tensor(PROBS[:1])).item()
    assert value.item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="same size"):
        F.binary_cross_entropy(t64([0.5, 0.5]), t64([1.0], False))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(t64([1.5]), t64([1.0], False))
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)
    w = t64(np.abs(PROBS), False)
    _close(F.mse_loss(x, t, weight=w).detach().numpy(),
           TF.mse_loss(torch.tensor(LOGITS), torch.tensor(PROBS),
                       weight=torch.tensor(np.abs(PROBS))).numpy(), 1e-12, "weighted mse")
    _close(F.huber_loss(x, t, weight=w).detach().numpy(),
           TF.huber_loss(torch.tensor(LOGITS), torch.tensor(PROBS),
                         weight=torch.tensor(np.abs(PROBS))).numpy(), 1e-12, "weighted huber")


# ------------------------------------------------------------------------------ init
def test_init_functions():
    ag.manual_seed(0)
    w = ag.empty(64, 32, 3, 3, dtype=ag.float64)
    assert nn.init._calculate_fan_in_and_fan_out(w) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(64, 32, 3, 3)) == (288, 576)
    for name, args in [("relu", ()), ("leaky_relu", (0.2,)), ("tanh", ()), ("selu", ()),
                       ("conv_transpose2d", ())]:
        assert nn.init.calculate_gain(name, *args) == torch.nn.init.calculate_gain(name, *args)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 576)) < 0.003
    nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / (288 + 576))
    assert np.abs(w.numpy()).max() <= bound and np.abs(w.numpy()).max() > 0.95 * bound
    t = nn.init.trunc_normal_(ag.empty(20000, dtype=ag.float64), 1.0, 2.0, -1.0, 2.0)
    ref = torch.nn.init.trunc_normal_(torch.empty(200000, dtype=torch.float64), 1.0, 2.0,
                                      -1.0, 2.0)
    assert t.numpy().min() >= -1.0 and t.numpy().max() <= 2.0
    assert abs(t.numpy().mean() - ref.mean().item()) < 0.02
    assert abs(t.numpy().std() - ref.std().item()) < 0.02
    q = nn.init.orthogonal_(ag.empty(4, 6, dtype=ag.float64), gain=2.0).numpy()
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(4), atol=1e-10)
    tall = nn.init.orthogonal_(ag.empty(6, 2, 2, dtype=ag.float64)).numpy().reshape(6, 4)
    np.testing.assert_allclose(tall.T @ tall, np.eye(4), atol=1e-10)
    s = nn.init.sparse_(ag.empty(10, 4), 0.25, std=0.1).numpy()
    assert ((s == 0).sum(axis=0) == 3).all()
    e = nn.init.eye_(ag.empty(3, 4)).numpy()
    np.testing.assert_array_equal(e, torch.nn.init.eye_(torch.empty(3, 4)).numpy())
    for shape, groups in [((4, 2, 3), 2), ((6, 3, 3, 3), 1), ((2, 2, 3, 3, 3), 1)]:
        d = nn.init.dirac_(ag.empty(*shape), groups).numpy()
        np.testing.assert_array_equal(d, torch.nn.init.dirac_(torch.empty(*shape),
                                                              groups).numpy())
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(ag.empty(3))
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(ag.empty(0, 3))
    with pytest.warns(FutureWarning):
        nn.init.normal(ag.empty(2))


# ----------------------------------------------------------------------------- utils
def test_clip_grad_norm_nan_and_nonfinite():
    p1, p2 = nn.Parameter(ag.zeros(2)), nn.Parameter(ag.zeros(2))
    p1.grad, p2.grad = ag.tensor([3.0, 4.0]), ag.tensor([0.0, math.nan])
    total = nn.utils.clip_grad_norm_([p1, p2], 1.0)
    assert math.isnan(total.item()) and np.isnan(p1.grad.numpy()).all()
    p1.grad = ag.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p1, 1.0, error_if_nonfinite=True)
    p1.grad = ag.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(p1, 10.0, norm_type=math.inf).item() == 4.0
    assert p1.grad.tolist() == [3.0, 4.0]
    p1.grad = ag.tensor([-3.0, 4.0])
    nn.utils.clip_grad_value_(p1, 2.0)
    assert p1.grad.tolist() == [-2.0, 2.0]
    layer = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(layer.parameters())
    nn.utils.vector_to_parameters(vec * 2, layer.parameters())
    np.testing.assert_allclose(nn.utils.parameters_to_vector(layer.parameters()).detach()
                               .numpy(), vec.detach().numpy() * 2)


# ------------------------------------------------------------------------ containers
def test_containers():
    d = nn.ModuleDict({"a": nn.Linear(2, 2)})
    d["b"] = nn.ReLU()
    d.update([("c", nn.Tanh())])
    assert list(d.keys()) == ["a", "b", "c"] and "b" in d and len(d) == 3
    assert sorted(dict(d.named_parameters())) == ["a.bias", "a.weight"]
    d.pop("a")
    assert len(list(d.parameters())) == 0
    pl = nn.ParameterList([ag.zeros(2), nn.Parameter(ag.ones(3))])
    pl.append(ag.ones(1))
    assert [tuple(p.shape) for p in pl] == [(2,), (3,), (1,)]
    assert sorted(dict(pl.named_parameters())) == ["0", "1", "2"]
    pd = nn.ParameterDict({"s": ag.ones(2)})
    pd["t"] = nn.Parameter(ag.zeros(1))
    assert sorted(dict(pd.named_parameters())) == ["s", "t"] and isinstance(pd["s"],
                                                                          nn.Parameter)
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    seq.insert(1, nn.Tanh())
    del seq[2]
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear"]
    assert list(dict(seq.named_children())) == ["0", "1", "2"]
    ml = nn.ModuleList([nn.ReLU()])
    ml += [nn.Tanh()]
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh"]
    # state_dict keys agree with PyTorch's for the same structure
    ta = torch.nn.ModuleDict({"x": torch.nn.Linear(2, 2)})
    aa = nn.ModuleDict({"x": nn.Linear(2, 2)})
    assert list(ta.state_dict()) == list(aa.state_dict())


def test_module_paths_mirror_pytorch():
    from arraygrad.nn.modules.activation import ReLU
    from arraygrad.nn.modules.batchnorm import BatchNorm2d
    from arraygrad.nn.modules.container import Sequential
    from arraygrad.nn.modules.conv import Conv2d
    from arraygrad.nn.modules.dropout import Dropout
    from arraygrad.nn.modules.linear import Linear
    from arraygrad.nn.modules.loss import CrossEntropyLoss
    from arraygrad.nn.modules.module import Module
    from arraygrad.nn.modules.normalization import LayerNorm
    from arraygrad.nn.modules.pooling import MaxPool2d
    from arraygrad.nn.modules.sparse import Embedding

    assert (Linear, Conv2d, ReLU, CrossEntropyLoss, Sequential, BatchNorm2d, Dropout,
            MaxPool2d, Embedding, LayerNorm, Module) == (
        nn.Linear, nn.Conv2d, nn.ReLU, nn.CrossEntropyLoss, nn.Sequential, nn.BatchNorm2d,
        nn.Dropout, nn.MaxPool2d, nn.Embedding, nn.LayerNorm, nn.Module)
    # every class PyTorch's torch.nn.modules.X exports that arraygrad has lives at the same path
    import importlib

    for sub in ("linear", "conv", "pooling", "activation", "loss", "container", "dropout",
                "sparse", "normalization", "batchnorm", "instancenorm", "flatten",
                "padding", "pixelshuffle", "upsampling", "distance", "rnn", "transformer"):
        mod = importlib.import_module(f"arraygrad.nn.modules.{sub}")
        for name in mod.__all__:
            assert getattr(nn, name) is getattr(mod, name)


def test_linear_positional_device_dtype():
    layer = nn.Linear(3, 2, False, "cpu", ag.float64)
    assert layer.bias is None and layer.weight.dtype == ag.float64
    conv = nn.Conv1d(2, 3, 3, 1, 0, 1, 1, True, "zeros", None, ag.float64)
    assert conv.weight.dtype == ag.float64


def _zoo():
    return nn.Sequential(
        nn.Conv1d(2, 4, 3, padding="same", padding_mode="reflect"), nn.GroupNorm(2, 4),
        nn.LeakyReLU(0.1), nn.MaxPool1d(2, ceil_mode=True),
        nn.Unflatten(2, (1, 5)), nn.ConvTranspose2d(4, 3, 2, stride=2), nn.ELU(),
        nn.Upsample(scale_factor=1.5, mode="bilinear"), nn.AvgPool2d(2, ceil_mode=True),
        nn.AdaptiveMaxPool2d((1, 3)), nn.InstanceNorm2d(3, affine=True), nn.Mish(),
        nn.Flatten(), nn.Linear(9, 4), nn.Dropout(0.0))


def test_new_layers_run_on_every_backend(backend):
    if backend.name == "jax":
        pytest.skip("JAX compiles every eager op per shape: this model takes ~90 s there; the "
                    "JAX paths of the conv kernels are covered by the op table rows")
    ag.manual_seed(0)
    x0 = RNG.standard_normal((3, 2, 9))
    reference = _zoo()
    reference.to(backend="numpy")
    state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
    expected = reference(ag.tensor(x0, dtype=ag.float32, backend="numpy")).detach().numpy()
    model = _zoo()
    model.load_state_dict({k: ag.tensor(v, backend=backend) for k, v in state.items()})
    x = ag.tensor(x0, dtype=ag.float32, backend=backend)
    out = model(x)
    assert out.backend is backend
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    bag = nn.EmbeddingBag(6, 4, mode="max")
    emb = F.pad(bag(ag.tensor([1, 2, 4, 5], backend=backend),
                    ag.tensor([0, 2], backend=backend)), (1, 1), "replicate")
    target = ag.tensor([0, 1, 3], backend=backend)
    loss = F.cross_entropy(out, target, label_smoothing=0.1) + \
        F.smooth_l1_loss(emb[:, :4], out[:2])
    loss.backward()
    assert all(p.grad is not None and p.grad.backend is backend for p in model.parameters())
    assert bag.weight.grad is not None
