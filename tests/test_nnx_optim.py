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
