"""Optimizers and schedulers against PyTorch's trajectories, plus the plugin registry."""

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.hookspecs import hookimpl
from arraygrad.plugin_manager import register_plugin, unregister_plugin

torch = pytest.importorskip("torch")  # the oracle (CI installs torch==2.13.0)

RNG = np.random.default_rng(1)
A, B = RNG.standard_normal((6, 4)), RNG.standard_normal(6)
W0, V0 = RNG.standard_normal(4), RNG.standard_normal(2)

CASES = [
    ("sgd", torch.optim.SGD, dict(lr=0.01)),
    ("sgd", torch.optim.SGD, dict(lr=0.01, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("sgd", torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True, maximize=False)),
    ("adam", torch.optim.Adam, dict(lr=0.02)),
    ("adam", torch.optim.Adam, dict(lr=0.02, amsgrad=True, weight_decay=0.1,
                                    betas=(0.8, 0.99))),
    ("adamw", torch.optim.AdamW, dict(lr=0.02, weight_decay=0.05, amsgrad=True)),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01)),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True,
                                          weight_decay=0.1)),
    ("adagrad", torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.05,
                                          initial_accumulator_value=0.1)),
    ("adadelta", torch.optim.Adadelta, dict(lr=1.0)),
    ("adadelta", torch.optim.Adadelta, dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1,
                                            maximize=False)),
    ("adamax", torch.optim.Adamax, dict(lr=0.02)),
    ("adamax", torch.optim.Adamax, dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.1)),
    ("nadam", torch.optim.NAdam, dict(lr=0.02)),
    ("nadam", torch.optim.NAdam, dict(lr=0.02, weight_decay=0.1, momentum_decay=0.01)),
    ("nadam", torch.optim.NAdam, dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("radam", torch.optim.RAdam, dict(lr=0.02)),
    ("radam", torch.optim.RAdam, dict(lr=0.02, weight_decay=0.1, betas=(0.8, 0.9))),
    ("radam", torch.optim.RAdam, dict(lr=0.02, weight_decay=0.1, decoupled_weight_decay=True)),
    ("asgd", torch.optim.ASGD, dict(lr=0.01)),
    ("asgd", torch.optim.ASGD, dict(lr=0.01, lambd=1e-3, alpha=0.6, t0=20, weight_decay=0.1)),
    ("rprop", torch.optim.Rprop, dict(lr=0.01)),
    ("rprop", torch.optim.Rprop, dict(lr=0.01, etas=(0.4, 1.5), step_sizes=(1e-4, 0.2))),
]
# maximize flips every update: one case each (maximizing -loss retraces minimizing loss)
CASES += [(name, cls, {**kw, "maximize": True}) for name, cls, kw in CASES
          if name in ("adadelta", "adamax", "nadam", "radam", "asgd", "rprop")
          and len(kw) == 1]


def loss_of(lib, w, v, sign=1.0):
    a, b = lib.tensor(A), lib.tensor(B)
    r = a @ w - b
    return sign * ((r * r).sum() + (v * v * v * v).sum() + (w[:2] * v).sum())


def run_steps(lib, opt, sched, w, v, steps, sign=1.0):
    """The training loop shared by both libraries (same order of calls as PyTorch's docs)."""
    for _ in range(steps):
        opt.zero_grad()
        loss_of(lib, w, v, sign).backward()
        opt.step()
        if sched:
            sched.step()


def groups(w, v, lr):
    return [{"params": [w]}, {"params": [v], "lr": lr / 2}]


def trajectory_ag(name, kw, steps=100, scheduler=None):
    w = ag.nn.Parameter(ag.tensor(W0, dtype=ag.float64))
    v = ag.nn.Parameter(ag.tensor(V0, dtype=ag.float64))
    opt = ag.optim.create(name, groups(w, v, kw["lr"]), **kw)
    sched = scheduler(ag.optim.lr_scheduler, opt) if scheduler else None
    run_steps(ag, opt, sched, w, v, steps, -1.0 if kw.get("maximize") else 1.0)
    return np.concatenate([w.numpy(force=True), v.numpy(force=True)])


@pytest.fixture(autouse=True)
def torch_float64():
    """torch keeps scalar optimizer state (steps, NAdam's mu_product, ASGD's eta) in the
    default dtype: float64 makes it the float64 oracle we compare with."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(saved)


def trajectory_torch(cls, kw, steps=100, scheduler=None):
    w = torch.tensor(W0, requires_grad=True)
    v = torch.tensor(V0, requires_grad=True)
    opt = cls(groups(w, v, kw["lr"]), **kw)
    sched = scheduler(torch.optim.lr_scheduler, opt) if scheduler else None
    run_steps(torch, opt, sched, w, v, steps, -1.0 if kw.get("maximize") else 1.0)
    return np.concatenate([w.detach().numpy(), v.detach().numpy()])


@pytest.mark.parametrize("name,cls,kw", CASES)
def test_trajectory_matches_torch(name, cls, kw):
    ours, theirs = trajectory_ag(name, kw), trajectory_torch(cls, kw)
    assert not np.allclose(ours, np.concatenate([W0, V0]))  # it moved
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("make", [
    lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    lambda m, o: m.ExponentialLR(o, gamma=0.97),
    lambda m, o: m.CosineAnnealingLR(o, T_max=30, eta_min=1e-3),
    lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=10),
    lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=100),
    lambda m, o: m.OneCycleLR(o, max_lr=[0.05, 0.02], total_steps=100, three_phase=True,
                              anneal_strategy="linear"),
])
@pytest.mark.parametrize("name,cls", [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam)])
def test_schedulers_match_torch(make, name, cls):
    kw = dict(lr=0.01, momentum=0.9) if name == "sgd" else dict(lr=0.01)
    np.testing.assert_allclose(trajectory_ag(name, kw, 100, make),
                               trajectory_torch(cls, kw, 100, make), rtol=1e-6, atol=1e-9)


def test_one_cycle_max_lr_list_must_match_the_groups():
    w, v = ag.nn.Parameter(ag.zeros(1)), ag.nn.Parameter(ag.zeros(1))
    opt = ag.optim.SGD(groups(w, v, 0.1), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="max_lr has 1 values but the optimizer has 2"):
        ag.optim.lr_scheduler.OneCycleLR(opt, max_lr=[0.1], total_steps=10)


def test_check_finite_refuses_and_changes_nothing():
    w = ag.nn.Parameter(ag.tensor([1.0, 2.0]))
    u = ag.nn.Parameter(ag.tensor([3.0]))
    opt = ag.optim.Adam([w, u], lr=0.1, check_finite=True)
    (w.sum() + u.sum()).backward()
    opt.step()
    saved_w, saved_u = w.tolist(), u.tolist()
    state = {k: v.numpy().copy() for k, v in opt.state_dict()["state"][0].items()
             if hasattr(v, "shape")}
    w.grad = ag.tensor([0.5, 0.5])
    u.grad = ag.tensor([float("nan")])
    with pytest.raises(ag.optim.NonFiniteGradientError,
                       match=r"parameter 1 of group 0 \(shape \(1,\)\)"):
        opt.step()
    assert w.tolist() == saved_w and u.tolist() == saved_u
    after = opt.state_dict()["state"][0]
    assert after["step"] == 1
    for k, v in state.items():
        np.testing.assert_array_equal(after[k].numpy(), v)
    opt.step(check_finite=False)  # explicitly allowed
    assert np.isnan(u.tolist()[0])


def test_bad_parameters_raise_clear_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        ag.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="floating-point.*int64"):
        ag.optim.Adam([ag.tensor([1, 2])])
    with pytest.raises(ValueError, match="learning rate"):
        ag.optim.SGD([ag.nn.Parameter(ag.zeros(1))], lr=-1.0)
    with pytest.raises(KeyError, match="unknown optimizer 'nope'.*adam"):
        ag.optim.create("nope", [ag.nn.Parameter(ag.zeros(1))])


def test_step_records_no_graph_and_bumps_version(backend):
    w = ag.nn.Parameter(ag.tensor([1.0, -1.0]))
    opt = ag.optim.SGD([w], lr=0.5, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        before = w._version_number
        opt.step()
        assert w._version_number == before + 1
    assert w.is_leaf and w.grad_fn is None and w.backend is backend
    np.testing.assert_allclose(w.tolist(), [-0.9, 0.9], rtol=1e-5)  # 1 - .5*2, 0 - .5*1.8


def test_state_dict_round_trip_continues_identically():
    def make():
        w = ag.nn.Parameter(ag.tensor(W0, dtype=ag.float64))
        return w, ag.optim.Adam([w], lr=0.05, amsgrad=True)

    def run(w, opt, n):
        for _ in range(n):
            opt.zero_grad()
            ((w - 1.0) ** 2).sum().backward()
            opt.step()

    w1, o1 = make()
    run(w1, o1, 10)
    w2, o2 = make()
    w2.data = w1.detach().clone()
    o2.load_state_dict(o1.state_dict())
    run(w1, o1, 5)
    run(w2, o2, 5)
    np.testing.assert_array_equal(w1.numpy(force=True), w2.numpy(force=True))
    with pytest.raises(ag.nn.StateDictError, match="parameter groups"):
        o2.load_state_dict({"state": {}, "param_groups": []})


def test_third_party_optimizer_registers_by_plugin():
    class SignSGD(ag.optim.Optimizer):
        name = "signsgd"

        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def update(self, xp, param, grad, state, group):
            param -= group["lr"] * xp.sign(grad)
            return param, state

    class Plugin:
        @hookimpl
        def arraygrad_optimizers(self):
            return {"signsgd": SignSGD}

    plugin = Plugin()
    register_plugin(plugin, name="test-signsgd")
    try:
        assert ag.optim.available()["signsgd"] == "test-signsgd"
        w = ag.nn.Parameter(ag.tensor([1.0, -1.0]))
        opt = ag.optim.create("SignSGD", [w], lr=0.25)
        (w * 3.0).sum().backward()
        opt.step()
        assert w.tolist() == [0.75, -1.25]
    finally:
        unregister_plugin(plugin)
    assert "signsgd" not in ag.optim.available()


def lbfgs_trajectory(lib, make, w, v, outer):
    opt = make([w, v])
    path = []

    def closure():
        opt.zero_grad()
        loss = loss_of(lib, w, v)
        loss.backward()
        return loss

    for _ in range(outer):
        path.append(opt.step(closure).item())
    return opt, path


@pytest.mark.parametrize("kw", [
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=3, max_iter=5),
    dict(lr=0.05, max_iter=10),
    dict(lr=0.2, max_iter=4, history_size=2, tolerance_change=1e-12),
])
def test_lbfgs_matches_torch(kw):
    w = ag.nn.Parameter(ag.tensor(W0, dtype=ag.float64))
    v = ag.nn.Parameter(ag.tensor(V0, dtype=ag.float64))
    tw, tv = torch.tensor(W0, requires_grad=True), torch.tensor(V0, requires_grad=True)
    ours, losses = lbfgs_trajectory(ag, lambda p: ag.optim.LBFGS(p, **kw), w, v, 10)
    theirs, t_losses = lbfgs_trajectory(torch, lambda p: torch.optim.LBFGS(p, **kw), tw, tv, 10)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-6)
    np.testing.assert_allclose(np.concatenate([w.numpy(force=True), v.numpy(force=True)]),
                               np.concatenate([tw.detach().numpy(), tv.detach().numpy()]),
                               rtol=1e-6, atol=1e-9)
    key = next(iter(theirs.state))
    assert ours.state[w]["func_evals"] == theirs.state[key]["func_evals"]
    assert ours.state[w]["n_iter"] == theirs.state[key]["n_iter"]
    assert losses[-1] < losses[0]


def test_lbfgs_needs_a_closure_and_one_group():
    w = ag.nn.Parameter(ag.zeros(2))
    with pytest.raises(TypeError, match="LBFGS.step requires a closure"):
        ag.optim.LBFGS([w]).step()
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        ag.optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(ValueError, match="parameter groups"):
        ag.optim.LBFGS([{"params": [w]}, {"params": [ag.nn.Parameter(ag.zeros(1))]}])
