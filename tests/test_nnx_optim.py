"""Adafactor and SparseAdam against torch.optim (trajectories over several steps, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("kw", [{}, {"lr": 0.05, "weight_decay": 0.1, "d": 1.5},
                                {"eps": (1e-20, 1e-2), "beta2_decay": -0.5, "maximize": True},
                                {"lr": 0.3}])
def test_adafactor_matches_torch(kw):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (5,), (2, 3, 2)]
    init = [rng.standard_normal(s) for s in shapes]
    ours = [ag.nn.Parameter(ag.tensor(a)) for a in init]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in init]
    opt_a, opt_t = ag.optim.Adafactor(ours, **kw), torch.optim.Adafactor(theirs, **kw)
    targets = [rng.standard_normal(s) for s in shapes]
    for _ in range(5):
        loss_a = sum(((p - ag.tensor(t)) ** 2 * ag.tensor(t)).sum()
                     for p, t in zip(ours, targets))
        loss_t = sum(((p - torch.tensor(t)) ** 2 * torch.tensor(t)).sum()
                     for p, t in zip(theirs, targets))
        opt_a.zero_grad()
        opt_t.zero_grad()
        loss_a.backward()
        loss_t.backward()
        opt_a.step()
        opt_t.step()
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_adafactor_errors():
    w = [ag.nn.Parameter(ag.ones(2))]
    for kw, msg in [({"lr": -1.0}, "Learning rate"), ({"beta2_decay": 0.5}, "beta2_decay"),
                    ({"eps": (None, -1.0)}, "epsilon2"), ({"d": 0.5}, "Clipping threshold"),
                    ({"weight_decay": -1.0}, "weight_decay"), ({"eps": (-1.0, 1e-3)},
                                                              "epsilon1")]:
        with pytest.raises(ValueError, match=msg):
            ag.optim.Adafactor(w, **kw)


def test_sparse_adam_refuses_dense_gradients_like_torch():
    w = ag.nn.Parameter(ag.ones(3))
    opt = ag.optim.SparseAdam([w])
    assert opt.defaults == torch.optim.SparseAdam([torch.nn.Parameter(torch.ones(1))]).defaults
    opt.step()  # no gradient yet: nothing to do
    w.sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        opt.step()
    assert w.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("name", ["Adam", "SGD", "RMSprop", "Adagrad"])
def test_optimizer_state_holds_tensors_like_torch(name):
    kw = {"lr": 0.1, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.1}
    w = ag.nn.Parameter(ag.tensor([1.0, -2.0, 3.0], dtype="float64"))
    tw = torch.nn.Parameter(torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64))
    opt, topt = getattr(ag.optim, name)([w], **kw), getattr(torch.optim, name)([tw], **kw)
    held = None
    for _ in range(3):
        for o, p in ((opt, w), (topt, tw)):
            o.zero_grad()
            (p * p * p).sum().backward()
            o.step()
        if held is None:
            held = {k: v for k, v in opt.state[w].items() if isinstance(v, ag.Tensor)}
    theirs = topt.state[tw]
    for key, value in opt.state[w].items():
        if key == "step":
            assert value == int(theirs["step"].item())
            continue
        assert isinstance(value, ag.Tensor), key
        assert value is held[key]  # the same Tensor, updated in place, as PyTorch's
        np.testing.assert_allclose(value.norm().item(), theirs[key].norm().item(), rtol=1e-12)
    saved = opt.state_dict()
    opt.load_state_dict(saved)
    assert all(isinstance(v, ag.Tensor) for k, v in opt.state[w].items() if k != "step")
