"""``ag.optim.swa_utils`` against ``torch.optim.swa_utils``: SWA and EMA averages,
use_buffers, SWALR's learning rates, update_bn's statistics."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.optim import swa_utils as S

torch = pytest.importorskip("torch")
TS = torch.optim.swa_utils


def _models():
    ag.manual_seed(0)
    m = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.BatchNorm1d(4), ag.nn.Linear(4, 2)
                         ).to(dtype=ag.float64)
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                            torch.nn.Linear(4, 2)).double()
    t.load_state_dict({k: torch.tensor(np.asarray(v.detach().numpy()))
                       for k, v in m.state_dict().items()})
    return m, t


def _train(m, t, steps, avg, tavg):
    rng = np.random.default_rng(1)
    opt = ag.optim.SGD(m.parameters(), lr=0.1)
    topt = torch.optim.SGD(t.parameters(), lr=0.1)
    for _ in range(steps):
        x0 = rng.standard_normal((8, 3))
        for model, o, x in ((m, opt, ag.tensor(x0)), (t, topt, torch.tensor(x0))):
            o.zero_grad()
            (model(x) ** 2).mean().backward()
            o.step()
        avg.update_parameters(m)
        tavg.update_parameters(t)


def _same_state(avg, tavg):
    mine = {k: np.asarray(v.detach().numpy()) for k, v in avg.state_dict().items()}
    theirs = {k: v.detach().numpy() for k, v in tavg.state_dict().items()}
    assert mine.keys() == theirs.keys()
    for k in mine:
        np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-12, atol=1e-14, err_msg=k)


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_single", "swa_buffers"])
def test_averages_match_pytorch(kind):
    m, t = _models()
    kw, tkw = {}, {}
    if kind == "ema":
        kw = {"multi_avg_fn": S.get_ema_multi_avg_fn(0.9)}
        tkw = {"multi_avg_fn": TS.get_ema_multi_avg_fn(0.9)}
    elif kind == "ema_single":
        kw, tkw = {"avg_fn": S.get_ema_avg_fn(0.8)}, {"avg_fn": TS.get_ema_avg_fn(0.8)}
    elif kind == "swa_buffers":
        kw = tkw = {"use_buffers": True}
    avg, tavg = S.AveragedModel(m, **kw), TS.AveragedModel(t, **tkw)
    _train(m, t, 5, avg, tavg)
    _same_state(avg, tavg)
    x0 = np.ones((2, 3))
    avg.eval()
    tavg.eval()
    np.testing.assert_allclose(avg(ag.tensor(x0)).detach().numpy(),
                               tavg(torch.tensor(x0)).detach().numpy(), rtol=1e-12)


def test_update_bn_and_swalr_match_pytorch():
    m, t = _models()
    avg, tavg = S.AveragedModel(m), TS.AveragedModel(t)
    _train(m, t, 3, avg, tavg)
    data = np.random.default_rng(2).standard_normal((12, 3))
    loader = ag.utils.data.DataLoader(ag.utils.data.TensorDataset(ag.tensor(data)),
                                      batch_size=4)
    tloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(data)),
                                          batch_size=4)
    S.update_bn(loader, avg)
    TS.update_bn(tloader, tavg)
    _same_state(avg, tavg)
    assert avg.module[1].momentum == tavg.module[1].momentum
    for strategy in ("cos", "linear"):
        opt = ag.optim.SGD([ag.nn.Parameter(ag.zeros(1))], lr=1.0)
        topt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        s = S.SWALR(opt, swa_lr=0.05, anneal_epochs=3, anneal_strategy=strategy)
        ts = TS.SWALR(topt, swa_lr=0.05, anneal_epochs=3, anneal_strategy=strategy)
        for _ in range(5):
            assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"],
                                                              rel=1e-15)
            opt.step()
            topt.step()
            s.step()
            ts.step()
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="Invalid decay"):
        S.get_ema_multi_avg_fn(1.5)
