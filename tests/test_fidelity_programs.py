"""Fidelity gaps found by the PyTorch programs in tests/programs, each checked against
PyTorch (values, gradients, and the exception class where PyTorch raises)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_pairs import _close, _np

import arraygrad as ag
import arraygrad.nn.functional as F


def _both(a):
    return (ag.tensor(a, requires_grad=True, dtype=ag.float64),
            torch.tensor(a, requires_grad=True, dtype=torch.float64))


# -------------------------------------- cross-entropy with masked (-inf) logits (SimCLR)
MASK = np.eye(4, dtype=bool)
LABELS = np.array([1, 0, 3, 2])
WEIGHT = np.array([1.0, 2.0, 0.5, 1.5])


KWARGS = [{}, {"reduction": "sum"}, {"reduction": "none"}, {"weight": True},
          {"ignore_index": 3}]
# JAX's eager dispatch costs seconds a test here; the rules are the same code on every
# backend, so the two mutable/immutable reference backends stand for the rest
BACKENDS = ["numpy", "array_api_strict"]


@pytest.mark.parametrize(("loss", "kw"), [("nll_loss", kw) for kw in KWARGS] +
                         [("cross_entropy", kw) for kw in KWARGS + [{"label_smoothing": 0.1}]])
@pytest.mark.parametrize("be", BACKENDS)
def test_masked_minus_inf_logits_give_torchs_loss_not_nan(kw, loss, be):
    # 0 * -inf was nan: the target's entry is picked, not multiplied by a one-hot
    logits = np.random.default_rng(0).normal(size=(4, 4))
    a, t = _both(logits)
    ak, tk = dict(kw), dict(kw)
    if kw.get("weight"):
        ak["weight"], tk["weight"] = ag.tensor(WEIGHT, dtype=ag.float64), torch.tensor(WEIGHT)
    ours_in = a.to(backend=be).masked_fill(ag.tensor(MASK, backend=be),
                                                     float("-inf"))
    theirs_in = t.masked_fill(torch.tensor(MASK), float("-inf"))
    if loss == "nll_loss":
        ours_in, theirs_in = F.log_softmax(ours_in, 1), torch.log_softmax(theirs_in, 1)
    if "weight" in ak:
        ak["weight"] = ak["weight"].to(backend=be)
    ours = getattr(F, loss)(ours_in, ag.tensor(LABELS, backend=be), **ak)
    theirs = getattr(torch.nn.functional, loss)(theirs_in, torch.tensor(LABELS), **tk)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12)
    if "label_smoothing" not in kw:
        assert np.isfinite(_np(ours)).all()
    ours.sum().backward()
    theirs.sum().backward()
    _close(a.grad, t.grad)


# ---------------------------------------------------------------------- fill_diagonal_
@pytest.mark.parametrize(("shape", "wrap"), [((3, 3), False), ((7, 3), True), ((7, 3), False),
                                             ((2, 5), True), ((3, 3, 3), False)])
@pytest.mark.parametrize("be", BACKENDS)
def test_fill_diagonal_matches_torch(shape, wrap, be):
    data = np.random.default_rng(1).normal(size=shape)
    a, t = _both(data)
    ours = (a.to(backend=be) * 2).fill_diagonal_(-0.5, wrap=wrap)
    theirs = (t * 2).fill_diagonal_(-0.5, wrap=wrap)
    _close(ours, theirs)
    (ours * ours).sum().backward()
    (theirs * theirs).sum().backward()
    _close(a.grad, t.grad)


def test_fill_diagonal_returns_self_and_keeps_int_dtype():
    x = ag.zeros((2, 2), dtype=ag.int64)
    assert x.fill_diagonal_(3) is x
    assert x.tolist() == torch.zeros(2, 2, dtype=torch.int64).fill_diagonal_(3).tolist()
    assert x.dtype == ag.int64


@pytest.mark.parametrize("shape", [(3,), (2, 3, 3)])
def test_fill_diagonal_refuses_as_torch(shape):
    with pytest.raises(RuntimeError):
        torch.zeros(shape).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match=rf"fill_diagonal_.*{shape}".replace("(", r"\(")
                       .replace(")", r"\)")):
        ag.zeros(shape).fill_diagonal_(1)


# ------------------------------------------- Tensor.unfold, F.unfold / F.fold (the ViT)
def _weighted_grads(ours, theirs, a, t, seed=2):
    w = np.random.default_rng(seed).normal(size=tuple(theirs.shape))
    (ours * ag.tensor(w, backend=ours.backend.name)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    _close(a.grad, t.grad)


@pytest.mark.parametrize(("shape", "args"), [((8,), (0, 3, 1)), ((8,), (0, 3, 3)),
                                             ((9,), (0, 3, 3)), ((8,), (0, 2, 3)),
                                             ((2, 8, 6), (1, 4, 4)), ((2, 8, 6), (-1, 2, 1)),
                                             ((2, 8, 6), (2, 6, 1)), ((5,), (0, 0, 2)),
                                             ((), (0, 1, 1))])
@pytest.mark.parametrize("be", BACKENDS)
def test_tensor_unfold_matches_torch(shape, args, be):
    a, t = _both(np.random.default_rng(3).normal(size=shape))
    ours, theirs = a.to(backend=be).unfold(*args), t.unfold(*args)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)
    _weighted_grads(ours, theirs, a, t)


def test_tensor_unfold_non_overlapping_is_a_view_as_in_torch():
    ours, theirs = ag.zeros(6), torch.zeros(6)
    ours.unfold(0, 2, 2)[1, 0] = 5.0
    theirs.unfold(0, 2, 2)[1, 0] = 5.0
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("args", [(0, 6, 1), (0, 2, 0), (0, 2, -1)])
def test_tensor_unfold_refuses_as_torch(args):
    with pytest.raises(RuntimeError):
        torch.arange(5.0).unfold(*args)
    with pytest.raises(RuntimeError, match="unfold"):
        ag.arange(5.0).unfold(*args)


FOLD_CASES = [((2, 3, 6, 5), {"kernel_size": 2}),
              ((2, 3, 6, 5), {"kernel_size": (3, 2), "dilation": (1, 2), "padding": (1, 0),
                              "stride": (2, 1)}),
              ((3, 7, 7), {"kernel_size": 3, "padding": 1, "stride": 2}),
              ((1, 1, 4, 4), {"kernel_size": 2, "stride": 2})]


@pytest.mark.parametrize(("shape", "kw"), FOLD_CASES)
@pytest.mark.parametrize("be", BACKENDS)
def test_functional_unfold_and_fold_match_torch(shape, kw, be):
    a, t = _both(np.random.default_rng(4).normal(size=shape))
    ours = F.unfold(a.to(backend=be), **kw)
    theirs = torch.nn.functional.unfold(t, **kw)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)
    _weighted_grads(ours, theirs, a, t)
    c, tc = _both(np.random.default_rng(5).normal(size=tuple(theirs.shape)))
    ours = ag.nn.Fold(shape[-2:], **kw)(c.to(backend=be))
    theirs = torch.nn.Fold(shape[-2:], **kw)(tc)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)
    _weighted_grads(ours, theirs, c, tc)


@pytest.mark.parametrize(("fn", "shape", "args"), [("unfold", (1, 1, 2, 2), (3,)),
                                                   ("fold", (1, 5, 4), ((3, 3), 2)),
                                                   ("fold", (1, 4, 5), ((3, 3), 2))])
def test_functional_unfold_and_fold_refuse_as_torch(fn, shape, args):
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, fn)(torch.zeros(shape), *args)
    with pytest.raises(RuntimeError, match=rf"{fn}: .*\b{shape[-1]}\b"):
        getattr(F, fn)(ag.zeros(shape), *args)


# ------------------------------------------------- einsum with "..." (attention code)
@pytest.mark.parametrize(("subscripts", "shapes"), [
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
    ("...ij,...jk", [(2, 3, 4), (2, 4, 2)]),
    ("...ij,jk->...ik", [(5, 2, 3, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(5, 1, 3, 4), (2, 4, 2)]),
    ("b...d,b...d->b...", [(2, 3, 4, 5), (2, 3, 4, 5)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...->...", [(3, 2, 4)]),
    ("...,...", [(2, 3), (3,)]),
    ("ij...,jk...->ik...", [(2, 3, 4), (3, 5, 4)]),
    ("...id,...jd->...ij", [(2, 2, 3, 4), (2, 2, 5, 4)]),
])
def test_einsum_ellipsis_matches_torch(subscripts, shapes):
    rng = np.random.default_rng(6)
    pairs = [_both(rng.normal(size=s)) for s in shapes]
    ours = ag.einsum(subscripts, *[a for a, _ in pairs])
    theirs = torch.einsum(subscripts, *[t for _, t in pairs])
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)
    w = rng.normal(size=tuple(theirs.shape))
    (ours * ag.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    for a, t in pairs:
        _close(a.grad, t.grad)


# ------------------------------------------ weight_norm, spectral_norm, shared submodules
def _load_from_torch(ours, theirs):
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def _grads_match(ours, theirs):
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        _close(mine[name].grad, p.grad)


@pytest.mark.parametrize(("layer", "kw"), [("Linear", {}), ("Conv1d", {}),
                                           ("Conv1d", {"dim": None}), ("Linear", {"dim": 1})])
def test_weight_norm_matches_torch(layer, kw):
    import warnings
    args = (3, 4) if layer == "Linear" else (3, 4, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = torch.nn.utils.weight_norm(getattr(torch.nn, layer)(*args).double(), **kw)
    ours = ag.nn.utils.weight_norm(getattr(ag.nn, layer)(*args, dtype=ag.float64), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _load_from_torch(ours, theirs)
    x = np.random.default_rng(7).normal(size=(2, 3) if layer == "Linear" else (2, 3, 5))
    o, t = ours(ag.tensor(x)), theirs(torch.tensor(x))
    _close(o, t)
    (o * o).sum().backward()
    (t * t).sum().backward()
    _grads_match(ours, theirs)
    ag.nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    _close(ours.weight, theirs.weight)
    with pytest.raises(ValueError):
        torch.nn.utils.remove_weight_norm(theirs)
    with pytest.raises(ValueError, match="weight_norm"):
        ag.nn.utils.remove_weight_norm(ours)


@pytest.mark.parametrize(("layer", "args"), [("Linear", (4, 3)), ("Conv2d", (2, 3, 2)),
                                             ("ConvTranspose2d", (2, 3, 2))])
def test_spectral_norm_matches_torch_in_train_and_eval(layer, args):
    theirs = torch.nn.utils.spectral_norm(getattr(torch.nn, layer)(*args).double(),
                                          n_power_iterations=2)
    ours = ag.nn.utils.spectral_norm(getattr(ag.nn, layer)(*args, dtype=ag.float64),
                                     n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _load_from_torch(ours, theirs)
    shape = (2, 4) if layer == "Linear" else (1, 2, 4, 4)
    x = np.random.default_rng(8).normal(size=shape)
    for _ in range(2):  # each training-mode call moves u and v
        o, t = ours(ag.tensor(x)), theirs(torch.tensor(x))
        _close(o, t)
    (o * o).sum().backward()
    (t * t).sum().backward()
    _grads_match(ours, theirs)
    _close(ours.weight_u, theirs.weight_u)
    ours.eval()
    theirs.eval()
    _close(ours(ag.tensor(x)), theirs(torch.tensor(x)))
    _close(ours.weight_v, theirs.weight_v)


def test_normalisation_hooks_refuse_twice_as_torch():
    with pytest.raises(RuntimeError):
        torch.nn.utils.spectral_norm(torch.nn.utils.spectral_norm(torch.nn.Linear(2, 2)))
    with pytest.raises(RuntimeError, match="spectral_norm"):
        ag.nn.utils.spectral_norm(ag.nn.utils.spectral_norm(ag.nn.Linear(2, 2)))
    with pytest.raises(RuntimeError, match="weight_norm"):
        ag.nn.utils.weight_norm(ag.nn.utils.weight_norm(ag.nn.Linear(2, 2)))


def test_state_dict_lists_a_shared_submodule_under_every_name_as_torch():
    def build(lib):
        class Block(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = lib.nn.Conv1d(2, 2, 1)
                self.net = lib.nn.Sequential(self.conv, lib.nn.ReLU())
        return Block()

    ours, theirs = build(ag), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_modules(remove_duplicate=False)]
    _load_from_torch(ours, theirs)  # every key of PyTorch's checkpoint is expected


# --------------------------------------------------------------- rrelu, gumbel_softmax
def test_rrelu_eval_matches_torch_and_training_slopes_are_in_range():
    x = np.random.default_rng(9).normal(size=(4, 5))
    a, t = _both(x)
    _close(F.rrelu(a, 0.1, 0.4), torch.nn.functional.rrelu(t, 0.1, 0.4))
    assert repr(ag.nn.RReLU()) == repr(torch.nn.RReLU())
    out = ag.nn.RReLU(0.1, 0.4)(a)  # training mode: one slope per element
    out.sum().backward()
    ratio = _np(out) / x
    assert np.all(ratio[x > 0] == 1.0)
    assert np.all((ratio[x < 0] >= 0.1) & (ratio[x < 0] <= 0.4))
    np.testing.assert_allclose(_np(a.grad), ratio, rtol=1e-12)
    with pytest.raises(ValueError, match="rrelu"):
        F.rrelu(a, 0.5, 0.1)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_matches_torch_on_the_same_noise(hard):
    x = np.random.default_rng(10).normal(size=(3, 4))
    ag.manual_seed(3)
    noise = ag.empty_like(ag.tensor(x)).exponential_().numpy()
    ag.manual_seed(3)
    a, t = _both(x)
    ours = F.gumbel_softmax(a, tau=0.5, hard=hard)
    soft = ((t - torch.tensor(noise).log()) / 0.5).softmax(-1)
    theirs = soft
    if hard:
        index = soft.max(-1, keepdim=True)[1]
        theirs = torch.zeros_like(t).scatter_(-1, index, 1.0) - soft.detach() + soft
    _close(ours, theirs)
    w = np.random.default_rng(11).normal(size=x.shape)
    (ours * ag.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    _close(a.grad, t.grad)


# ---------------------------- round(decimals), searchsorted(right), bucketize, isin, nan*
@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
def test_round_decimals_matches_torch(decimals):
    x = [1.25, 2.5, -0.35, 1234.5, 0.125, -1.5]
    ours = ag.round(ag.tensor(x, dtype=ag.float64), decimals=decimals)
    _close(ours, torch.round(torch.tensor(x, dtype=torch.float64), decimals=decimals))
    _close(ag.tensor(x, dtype=ag.float64).round(decimals=decimals), ours)
    with pytest.raises(TypeError, match="round"):
        ag.round(ag.tensor([1, 2]), decimals=1)


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_right_and_bucketize_match_torch(right):
    seq, values = [1.0, 2.0, 2.0, 3.0], [[0.5, 2.0], [3.0, 3.5]]
    ours = ag.searchsorted(ag.tensor(seq), ag.tensor(values), right=right)
    theirs = torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right)
    assert ours.tolist() == theirs.tolist() and ours.dtype == ag.int64
    ours = ag.bucketize(ag.tensor(values), ag.tensor(seq), right=right, out_int32=True)
    theirs = torch.bucketize(torch.tensor(values), torch.tensor(seq), right=right,
                             out_int32=True)
    assert ours.tolist() == theirs.tolist() and ours.dtype == ag.int32
    assert ag.bucketize(2.0, ag.tensor(seq), right=right).tolist() == \
        torch.bucketize(2.0, torch.tensor(seq), right=right).tolist()
    with pytest.raises(RuntimeError):
        torch.searchsorted(torch.tensor(seq), torch.tensor([2.0]), right=True, side="left")
    with pytest.raises(RuntimeError, match="opposites"):
        ag.searchsorted(ag.tensor(seq), ag.tensor([2.0]), right=True, side="left")


@pytest.mark.parametrize(("elements", "test", "kw"), [([1, 2, 3], 2, {}), (2, [1, 2], {}),
                                                      ([[1, 2], [3, 4]], [4, 1],
                                                       {"invert": True})])
def test_isin_matches_torch(elements, test, kw):
    def lift(lib, v):
        return lib.tensor(v) if isinstance(v, list) else v
    ours = ag.isin(lift(ag, elements), lift(ag, test), **kw)
    theirs = torch.isin(lift(torch, elements), lift(torch, test), **kw)
    assert ours.tolist() == theirs.tolist() and tuple(ours.shape) == tuple(theirs.shape)


@pytest.mark.parametrize("fn", ["nansum", "nanmean"])
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": 0, "keepdim": True}])
def test_nansum_nanmean_match_torch(fn, kw):
    a, t = _both(np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0], [4.0, 5.0, 6.0]]))
    ours, theirs = getattr(ag, fn)(a, **kw), getattr(torch, fn)(t, **kw)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12, equal_nan=True)
    assert tuple(ours.shape) == tuple(theirs.shape)
    ours.sum().backward()
    theirs.sum().backward()
    _close(a.grad, t.grad)


def test_nanmean_refuses_integers_as_torch():
    with pytest.raises(RuntimeError):
        torch.nanmean(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="nanmean"):
        ag.nanmean(ag.tensor([1, 2]))
    assert ag.nansum(ag.tensor([1, 2])).tolist() == torch.nansum(torch.tensor([1, 2])).tolist()


# ------------------------------------------------ default_collate called by user code
def _collated_like_torch(ours, theirs):
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs)
        for k in theirs:
            _collated_like_torch(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)) and not isinstance(theirs[0], str):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _collated_like_torch(o, t)
    elif isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ag.Tensor)
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        assert ours.tolist() == theirs.tolist()
    else:
        assert ours == theirs


def test_default_collate_returns_tensors_as_torch():
    from collections import namedtuple

    from torch.utils.data import default_collate as torch_collate

    Pair = namedtuple("Pair", "x y")
    samples = [{"dense": np.arange(3.0) + i, "user": i, "click": 0.5 * i, "ok": i % 2 == 0,
                "name": f"s{i}", "pair": Pair(np.int32(i), [i, -i])} for i in range(4)]
    ours, theirs = ag.utils.data.default_collate(samples), torch_collate(samples)
    _collated_like_torch(ours, theirs)
    assert type(ours["pair"]).__name__ == "Pair"


@pytest.mark.parametrize(("samples", "exc"), [([[1, 2], [3]], RuntimeError),
                                              ([None, None], TypeError)])
def test_default_collate_refuses_as_torch(samples, exc):
    from torch.utils.data import default_collate as torch_collate

    with pytest.raises(exc):
        torch_collate(samples)
    with pytest.raises(exc, match="default_collate"):
        ag.utils.data.default_collate(samples)


# ------------------------ out-of-range slice bounds clamp, as in PyTorch (the GPT's idx[:, -8:])
@pytest.mark.parametrize("be", BACKENDS)
def test_out_of_range_slices_clamp_as_torch(be):
    import itertools

    for n in (0, 1, 3):
        data = np.arange(n * 2.0).reshape(n, 2)
        ours, theirs = ag.tensor(data, backend=be), torch.tensor(data)
        for start, stop, step in itertools.product([None, -9, -1, 0, n, n + 3],
                                                   [None, -9, 0, 2, n + 4], [None, 1, 2]):
            key = slice(start, stop, step)
            assert ours[key].tolist() == theirs[key].tolist(), key
            assert ours[:, key].tolist() == theirs[:, key].tolist(), key
            assert ours[key, 1].tolist() == theirs[key, 1].tolist(), key
    a, t = _both(np.arange(3.0))
    (a.to(backend=be)[-8:2] * 2).sum().backward()
    (t[-8:2] * 2).sum().backward()
    _close(a.grad, t.grad)


# -------------------------------------- mean of an integer tensor raises, as in PyTorch
@pytest.mark.parametrize("values", [[1, 2, 4], [True, False]])
def test_mean_of_integers_raises_as_torch(values):
    with pytest.raises(RuntimeError):
        torch.tensor(values).mean()
    with pytest.raises(RuntimeError, match=r"mean: .*float\(\)"):
        ag.tensor(values).mean()
    with pytest.raises(RuntimeError, match="mean"):
        ag.mean(ag.tensor(values), dim=0)
    assert ag.tensor(values).float().mean().item() == pytest.approx(
        torch.tensor(values).float().mean().item())


# ------------------------------------------------------------------- torch.linalg.norm
@pytest.mark.parametrize(("shape", "kw"), [
    ((3, 4, 5), {}), ((3, 4, 5), {"keepdim": True}), ((4,), {"ord": 3}),
    ((4, 5), {"ord": "fro"}), ((4, 5), {"ord": "nuc"}), ((4, 5), {"ord": 2}),
    ((4, 5), {"ord": float("inf")}), ((4, 5), {"ord": -1}), ((3, 4, 5), {"dim": 1}),
    ((3, 4, 5), {"dim": -1, "ord": 1, "keepdim": True}), ((3, 4, 5), {"dim": (0, 2)}),
    ((3, 4, 5), {"dim": (2, 0), "ord": 1, "keepdim": True}),
    ((3, 4, 5), {"dim": (0, 1), "ord": "nuc"})])
def test_linalg_norm_matches_torch(shape, kw):
    a, t = _both(np.random.default_rng(12).normal(size=shape))
    ours, theirs = ag.linalg.norm(a, **kw), torch.linalg.norm(t, **kw)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _close(ours, theirs)
    _weighted_grads(ours, theirs, a, t)


@pytest.mark.parametrize(("shape", "kw"), [((2, 2, 2), {"ord": 2}),
                                           ((2, 2), {"dim": 1, "ord": "fro"})])
def test_linalg_norm_refuses_as_torch(shape, kw):
    with pytest.raises(RuntimeError):
        torch.linalg.norm(torch.ones(shape), **kw)
    with pytest.raises(RuntimeError, match="linalg.norm"):
        ag.linalg.norm(ag.ones(shape), **kw)
