"""In-place activations, pdist, channel shuffle, feature alpha dropout, the deprecated
upsample_* names and the margin losses, against PyTorch (values, gradients, errors)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(fa, ft, *arrays, ints=(), rtol=1e-10):
    """Values and gradients of ``fa`` (arraygrad) and ``ft`` (torch) on float64 copies."""
    ta = [torch.tensor(a, requires_grad=True) for a in arrays]
    aa = [ag.tensor(a, requires_grad=True) for a in arrays]
    ti = [torch.tensor(i) for i in ints]
    ai = [ag.tensor(i) for i in ints]
    rt, ra = ft(*ta, *ti), fa(*aa, *ai)
    np.testing.assert_allclose(ra.detach().numpy(), rt.detach().numpy(), rtol=rtol, atol=1e-12)
    w = _rand(*rt.shape, seed=9) if rt.ndim else np.array(1.3)
    (rt * torch.tensor(w)).sum().backward()
    (ra * ag.tensor(w)).sum().backward()
    for x, y in zip(aa, ta):
        np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-9, atol=1e-12)


INPLACE = [("elu_", ()), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.7)), ("selu_", ()),
           ("celu_", (0.5,)), ("threshold_", (0.1, -2.0)), ("rrelu_", (0.1, 0.3))]


@pytest.mark.parametrize("name,args", INPLACE)
def test_inplace_activations(name, args):
    x = _rand(3, 4)
    a, t = ag.tensor(x), torch.tensor(x)
    ra, rt = getattr(F, name)(a, *args), getattr(TF, name)(t, *args)
    assert ra is a and rt is t
    np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-12)
    # through a non-leaf, the gradient flows as for the out-of-place function
    base_a, base_t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    getattr(F, name)(base_a * 1.0, *args).sum().backward()
    getattr(TF, name)(base_t * 1.0, *args).sum().backward()
    np.testing.assert_allclose(base_a.grad.numpy(), base_t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, 0.5, float("inf")])
def test_pdist_values_and_gradients(p):
    x = _rand(5, 3)
    x[3] = x[1]  # a zero distance: gradient 0, as PyTorch
    x[4, 0] = x[0, 0] + 1.0
    x[4, 1] = x[0, 1] - 1.0  # tied largest coordinates (p = inf)
    x[4, 2] = x[0, 2]
    _both(lambda a: F.pdist(a, p), lambda t: TF.pdist(t, p), x)


def test_pdist_errors_and_small():
    with pytest.raises(RuntimeError, match="pdist only supports 2D"):
        F.pdist(ag.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="non-negative p"):
        F.pdist(ag.ones(2, 3), -1)
    with pytest.raises(RuntimeError, match="floating-point"):
        F.pdist(ag.ones(2, 3, dtype="int64"))
    assert F.pdist(ag.ones(1, 3)).shape == (0,)


def test_channel_shuffle():
    x = _rand(2, 6, 3, 2)
    _both(lambda a: F.channel_shuffle(a, 3), lambda t: TF.channel_shuffle(t, 3), x)
    np.testing.assert_array_equal(ag.nn.ChannelShuffle(2)(ag.tensor(x)).numpy(),
                                  torch.nn.ChannelShuffle(2)(torch.tensor(x)).numpy())
    assert repr(ag.nn.ChannelShuffle(2)) == repr(torch.nn.ChannelShuffle(2))
    for args, msg in [((ag.ones(2, 6, 3), 0), "must be positive"),
                      ((ag.ones(2, 6, 3), 4), "divisible by groups"),
                      ((ag.ones(2, 6), 2), "> 2 dims")]:
        with pytest.raises(RuntimeError, match=msg):
            F.channel_shuffle(*args)


def test_feature_alpha_dropout_masks_whole_channels():
    ag.manual_seed(0)
    x = ag.ones(4, 8, 5)
    y = F.feature_alpha_dropout(x, 0.5, training=True)
    per_channel = y.numpy()
    assert np.all(per_channel == per_channel[:, :, :1])  # one draw per (sample, channel)
    assert len(np.unique(np.round(per_channel, 6))) == 2
    # the kept value and the dropped value are PyTorch's affine pair for p = 0.5
    t = TF.feature_alpha_dropout(torch.ones(64, 64, 1), 0.5, training=True)
    assert set(np.round(np.unique(per_channel), 5)) <= set(np.round(np.unique(t.numpy()), 5))
    assert F.feature_alpha_dropout(x, 0.5).numpy().tolist() == x.numpy().tolist()
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(ag.ones(3), 0.5, True)
    assert repr(ag.nn.FeatureAlphaDropout(0.2)) == repr(torch.nn.FeatureAlphaDropout(0.2))


def test_upsample_deprecated_names():
    x = _rand(1, 2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(lambda a: F.upsample_bilinear(a, scale_factor=2),
              lambda t: TF.upsample_bilinear(t, scale_factor=2), x)
        _both(lambda a: F.upsample_nearest(a, size=(5, 7)),
              lambda t: TF.upsample_nearest(t, size=(5, 7)), x)
    with pytest.warns(UserWarning, match="deprecated"):
        F.upsample_nearest(ag.tensor(x), scale_factor=2)


@pytest.mark.parametrize("kw", [{}, {"p": 2, "margin": 0.5}, {"reduction": "none"},
                                {"reduction": "sum", "weight": np.array([1.0, 2.0, 0.5, 3.0])}])
def test_multi_margin_loss(kw):
    kw = dict(kw)
    weight = kw.pop("weight", None)
    x, t = _rand(5, 4), np.array([0, 3, 1, 1, 2])
    wa = None if weight is None else ag.tensor(weight)
    wt = None if weight is None else torch.tensor(weight)
    _both(lambda a, i: F.multi_margin_loss(a, i, weight=wa, **kw),
          lambda a, i: TF.multi_margin_loss(a, i, weight=wt, **kw), x, ints=[t])
    module_a = ag.nn.MultiMarginLoss(weight=wa, **kw)
    module_t = torch.nn.MultiMarginLoss(weight=wt, **kw)
    np.testing.assert_allclose(module_a(ag.tensor(x), ag.tensor(t)).numpy(),
                               module_t(torch.tensor(x), torch.tensor(t)).numpy(), rtol=1e-12)
    _both(lambda a, i: F.multi_margin_loss(a, i, **kw),
          lambda a, i: TF.multi_margin_loss(a, i, **kw), x[0], ints=[t[0]])


def test_multi_margin_loss_errors():
    x = ag.ones(3, 4)
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(x, ag.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(x, ag.tensor([0, 1, 1]), p=3)
    with pytest.raises(RuntimeError, match=r"Expected target size \[3\]"):
        F.multi_margin_loss(x, ag.tensor([0, 1]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss(reduction):
    x = _rand(4, 5)
    y = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 0, 4], [-1, 1, 2, 3, 0], [2, 2, 0, -1, -1]])
    _both(lambda a, i: F.multilabel_margin_loss(a, i, reduction=reduction),
          lambda a, i: TF.multilabel_margin_loss(a, i, reduction=reduction), x, ints=[y])
    _both(lambda a, i: ag.nn.MultiLabelMarginLoss(reduction=reduction)(a, i),
          lambda a, i: torch.nn.MultiLabelMarginLoss(reduction=reduction)(a, i), x[0],
          ints=[y[0]])
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        F.multilabel_margin_loss(ag.tensor(x), ag.tensor(y[:, :3]))
    with pytest.raises(RuntimeError, match="out of range"):
        F.multilabel_margin_loss(ag.tensor(x), ag.tensor(y + 5))


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss(swap):
    a, p, n = _rand(4, 3, seed=1), _rand(4, 3, seed=2), _rand(4, 3, seed=3)
    _both(lambda *t: F.triplet_margin_with_distance_loss(*t, swap=swap, margin=2.0),
          lambda *t: TF.triplet_margin_with_distance_loss(*t, swap=swap, margin=2.0), a, p, n)

    def cosine_a(u, v):
        return 1.0 - F.cosine_similarity(u, v)

    def cosine_t(u, v):
        return 1.0 - TF.cosine_similarity(u, v)

    _both(lambda *t: ag.nn.TripletMarginWithDistanceLoss(distance_function=cosine_a,
                                                         swap=swap)(*t),
          lambda *t: torch.nn.TripletMarginWithDistanceLoss(distance_function=cosine_t,
                                                            swap=swap)(*t), a, p, n)
    assert repr(ag.nn.TripletMarginWithDistanceLoss()) == repr(
        torch.nn.TripletMarginWithDistanceLoss())
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        F.triplet_margin_with_distance_loss(ag.ones(2), ag.ones(2), ag.ones(2), margin=0.0)


def test_adaptive_log_softmax_with_loss_matches_torch():
    ag.manual_seed(0)
    ours = ag.nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs=[5, 12], div_value=2.0,
                                            head_bias=True).double()
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs=[5, 12], div_value=2.0,
                                                 head_bias=True).double()
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy())
                            for k, v in ours.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = _rand(6, 16)
    target = np.array([0, 4, 5, 11, 12, 19])
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oa, ot = ours(xa, ag.tensor(target)), theirs(xt, torch.tensor(target))
    np.testing.assert_allclose(oa.output.detach().numpy(), ot.output.detach().numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(oa.loss.item(), ot.loss.item(), rtol=1e-10)
    oa.loss.backward()
    ot.loss.backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    grads_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads_t[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    np.testing.assert_allclose(ours.log_prob(ag.tensor(x)).detach().numpy(),
                               theirs.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    assert ours.predict(ag.tensor(x)).tolist() == theirs.predict(torch.tensor(x)).tolist()
    one = ours(ag.tensor(x[0]), ag.tensor(target[0]))
    assert one.output.shape == () and one.output.item() == pytest.approx(
        oa.output[0].item())
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 19\]"):
        ours(ag.tensor(x), ag.tensor([0, 1, 2, 3, 4, 20]))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        ag.nn.AdaptiveLogSoftmaxWithLoss(16, 20, cutoffs=[5, 25])
    with pytest.warns(UserWarning, match="NLLLoss2d has been deprecated"):
        assert isinstance(ag.nn.NLLLoss2d(), ag.nn.NLLLoss)
