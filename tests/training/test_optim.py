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


def lr_sequence(lib, opt_name, make, steps, metric=None):
    """The learning rates (and momentum or beta1) of both groups over ``steps`` scheduler
    steps; the optimizer steps with no gradients (a no-op), so only the schedule runs."""
    if lib is ag:
        w, v = ag.nn.Parameter(ag.zeros(2)), ag.nn.Parameter(ag.zeros(2))
        opt = ag.optim.create(opt_name, groups(w, v, 0.1), lr=0.1)
    else:
        w, v = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
        cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[opt_name]
        opt = cls(groups(w, v, 0.1), lr=0.1, **({"momentum": 0.9} if opt_name == "sgd" else {}))
    if lib is ag and opt_name == "sgd":
        for g in opt.param_groups:
            g["momentum"] = 0.9
    sched = make(lib.optim.lr_scheduler, opt)
    out = []
    for i in range(steps):
        opt.step()
        sched.step(metric(i)) if metric else sched.step()
        out.append([g["lr"] for g in opt.param_groups] + sched.get_last_lr()
                   + [g["momentum"] if "momentum" in g else g["betas"][0]
                      for g in opt.param_groups])
    return np.array(out, dtype=float)


def _plateau_metric(i):
    return 1.0 / (1 + i) if i < 12 else 0.3 + 0.01 * np.sin(i)


SCHEDULES = {
    "MultiStepLR": (lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5), 20),
    "LambdaLR": (lambda m, o: m.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 / (1 + e)]), 15),
    "MultiplicativeLR": (lambda m, o: m.MultiplicativeLR(o, lambda e: 0.95), 15),
    "ConstantLR": (lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4), 10),
    "PolynomialLR": (lambda m, o: m.PolynomialLR(o, total_iters=8, power=2.0), 12),
    "CosineAnnealingLR": (lambda m, o: m.CosineAnnealingLR(o, T_max=5, eta_min=0.01), 22),
    "CosineAnnealingWarmRestarts": (
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001), 25),
    "CyclicLR": (lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.05],
                                          step_size_up=3, step_size_down=5), 20),
    "CyclicLR-triangular2": (lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                      mode="triangular2"), 15),
    "CyclicLR-exp_range": (lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                                    mode="exp_range", gamma=0.9,
                                                    base_momentum=0.7), 15),
    "SequentialLR": (lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=4), m.ExponentialLR(o, gamma=0.9),
            m.StepLR(o, step_size=2, gamma=0.5)], milestones=[5, 9]), 16),
    "ChainedScheduler": (lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9),
         m.StepLR(o, step_size=4, gamma=0.3)]), 12),
    "ReduceLROnPlateau": (lambda m, o: m.ReduceLROnPlateau(o, patience=2, factor=0.5,
                                                            cooldown=1, min_lr=[0.02, 0.0]), 30),
    "ReduceLROnPlateau-max-abs": (lambda m, o: m.ReduceLROnPlateau(
        o, mode="max", patience=1, threshold=0.05, threshold_mode="abs"), 30),
}


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("kind", sorted(SCHEDULES))
def test_scheduler_lr_sequence_matches_torch(kind, opt_name):
    make, steps = SCHEDULES[kind]
    metric = None
    if kind.startswith("ReduceLROnPlateau"):
        metric = _plateau_metric if "max" not in kind else (lambda i: -_plateau_metric(i))
    ours = lr_sequence(ag, opt_name, make, steps, metric)
    theirs = lr_sequence(torch, opt_name, make, steps, metric)
    assert len(np.unique(ours[:, 0])) > 1  # the schedule moved
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_scheduler_step_with_epoch_uses_the_closed_form():
    ours = lr_sequence(ag, "sgd", lambda m, o: m.StepLR(o, step_size=3, gamma=0.5), 1)
    w = ag.nn.Parameter(ag.zeros(1))
    opt = ag.optim.SGD([w], lr=1.0)
    sched = ag.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5], gamma=0.1)
    sched.step(6)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01) and ours.shape == (1, 6)


ALL_OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                  "radam", "asgd", "rprop", "lbfgs"]
WITH_BETAS = ["adam", "adamw", "adamax", "nadam", "radam"]
BAD_HYPERPARAMETERS = (
    [(name, {"lr": float("nan")}, ValueError, "learning rate lr=nan") for name in ALL_OPTIMIZERS]
    + [(name, {"lr": -0.1}, ValueError, "learning rate lr=-0.1") for name in ALL_OPTIMIZERS]
    + [(name, {"lr": "fast"}, TypeError, "lr must be a number, got 'fast'")
       for name in ALL_OPTIMIZERS]
    + [(name, {"weight_decay": -1e-3}, ValueError, "weight_decay=-0.001")
       for name in ALL_OPTIMIZERS if name not in ("rprop", "lbfgs")]
    + [(name, {"betas": b}, ValueError, r"betas=\(") for name in WITH_BETAS
       for b in [(1.0, 0.999), (0.9, -0.1)]]
    + [("sgd", {"momentum": -0.5}, ValueError, "momentum=-0.5"),
       ("rmsprop", {"momentum": -0.5}, ValueError, "momentum=-0.5"),
       ("adadelta", {"rho": 1.5}, ValueError, "rho=1.5"),
       ("nadam", {"momentum_decay": -1.0}, ValueError, "momentum_decay=-1.0"),
       ("rprop", {"etas": (1.2, 0.5)}, ValueError, "etas"),
       ("lbfgs", {"max_iter": 0}, ValueError, "max_iter=0"),
       ("adam", {"amsgrad": "yes"}, TypeError, "amsgrad must be True or False")]
)


@pytest.mark.parametrize("name,kw,exc,match", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_raise_naming_optimizer_and_argument(name, kw, exc, match):
    cls = ag.optim.get(name)
    with pytest.raises(exc, match=rf"^{cls.__name__}: .*{match}"):
        cls([ag.nn.Parameter(ag.zeros(2))], **kw)
    with pytest.raises(exc, match=match):  # a group's own value is checked the same way
        if name != "lbfgs":
            cls([{"params": [ag.nn.Parameter(ag.zeros(2))], **kw}])
        else:
            raise exc(match.replace("\\", ""))


def _trained_adam():
    w = ag.nn.Parameter(ag.tensor(W0, dtype=ag.float64))
    v = ag.nn.Parameter(ag.tensor(V0, dtype=ag.float64))
    opt = ag.optim.Adam(groups(w, v, 0.1), lr=0.1, amsgrad=True)
    run_steps(ag, opt, None, w, v, 2)
    return opt


def _snapshot(opt):
    sd = opt.state_dict()
    return repr(sd["param_groups"]), {k: {n: (x.numpy().tolist() if hasattr(x, "shape") else x)
                                          for n, x in s.items()} for k, s in sd["state"].items()}


@pytest.mark.parametrize("corrupt,match", [
    (lambda sd: sd["param_groups"][1].update(lr="fast"), "lr must be a number"),
    (lambda sd: sd["param_groups"][0].update(lr=float("nan")), "learning rate lr=nan"),
    (lambda sd: sd["param_groups"][0].update(betas=[0.9]), "betas must be a tuple of 2"),
    (lambda sd: sd["param_groups"].pop(), "1 parameter groups, the optimizer 2"),
    (lambda sd: sd["param_groups"][0]["params"].append(7), "group 0 has 2 parameters"),
    (lambda sd: sd["state"][1].update(exp_avg=ag.zeros(3, dtype=ag.float64)),
     r"parameter 1 exp_avg: shape \(3,\)"),
    (lambda sd: sd["state"][0].update(step="many"), "parameter 0 step: a str"),
    (lambda sd: sd["state"].update({5: {}}), "unknown parameter index 5"),
])
def test_optimizer_load_state_dict_rejects_garbage_and_changes_nothing(corrupt, match):
    opt = _trained_adam()
    before = _snapshot(opt)
    bad = opt.state_dict()
    corrupt(bad)
    with pytest.raises(ag.nn.StateDictError, match=match):
        opt.load_state_dict(bad)
    assert _snapshot(opt) == before
    opt.load_state_dict(opt.state_dict())  # the intact one loads


@pytest.mark.parametrize("make,bad,match", [
    (lambda m, o: m.StepLR(o, step_size=2), {"last_epoch": "x"}, "last_epoch='x' does not fit"),
    (lambda m, o: m.StepLR(o, step_size=2), {"base_lrs": [0.1]}, "base_lrs"),
    (lambda m, o: m.CosineAnnealingLR(o, T_max=3), {"eta_mn": 0.0}, "unknown entry 'eta_mn'"),
    (lambda m, o: m.ReduceLROnPlateau(o), {"patience": None}, "patience=None"),
    (lambda m, o: m.SequentialLR(o, [m.ConstantLR(o), m.ExponentialLR(o, 0.9)], [2]),
     {"_schedulers": [{}, {"gamma": "fast"}], "last_epoch": 3}, "gamma='fast'"),
])
def test_scheduler_load_state_dict_rejects_garbage_and_changes_nothing(make, bad, match):
    w, v = ag.nn.Parameter(ag.zeros(1)), ag.nn.Parameter(ag.zeros(1))
    opt = ag.optim.SGD(groups(w, v, 0.1), lr=0.1)
    sched = make(ag.optim.lr_scheduler, opt)
    sched.step(*([1.0] if isinstance(sched, ag.optim.lr_scheduler.ReduceLROnPlateau) else []))
    before = repr(sched.state_dict())
    with pytest.raises(ValueError, match=match):
        sched.load_state_dict(bad)
    assert repr(sched.state_dict()) == before
    sched.load_state_dict(sched.state_dict())


CROSS_BACKEND = [("adadelta", {}), ("adamax", {"weight_decay": 0.1}), ("nadam", {}),
                 ("radam", {"decoupled_weight_decay": True, "weight_decay": 0.1}),
                 ("asgd", {"t0": 2}), ("rprop", {}), ("lbfgs", {"history_size": 2})]


@pytest.mark.parametrize("name,kw", CROSS_BACKEND)
def test_new_optimizers_run_the_same_on_every_backend(backend, name, kw):
    """The update functions speak only the Array API: the same numbers on every backend
    (and on JAX, whose arrays are immutable)."""
    def run(be):
        w = ag.nn.Parameter(ag.tensor(W0, dtype=ag.float64, backend=be))
        v = ag.nn.Parameter(ag.tensor(V0, dtype=ag.float64, backend=be))
        a, b = ag.tensor(A, backend=be), ag.tensor(B, backend=be)
        opt = ag.optim.create(name, [w, v], lr=0.01, **kw)

        def closure():
            opt.zero_grad()
            r = a @ w - b
            loss = (r * r).sum() + (v * v * v * v).sum() + (w[:2] * v).sum()
            loss.backward()
            return loss

        for _ in range(8):
            opt.step(closure)
        assert w.backend is ag.get_backend(be) and w.grad_fn is None
        return np.concatenate([w.numpy(force=True), v.numpy(force=True)])

    if backend.name == "jax":
        pytest.importorskip("jax")
    np.testing.assert_allclose(run(backend), run("numpy"), rtol=1e-9, atol=1e-12)


def test_asgd_average_matches_torch():
    kw = dict(lr=0.01, lambd=1e-3, t0=5)
    w = ag.nn.Parameter(ag.tensor(W0, dtype=ag.float64))
    v = ag.nn.Parameter(ag.tensor(V0, dtype=ag.float64))
    opt = ag.optim.ASGD([w, v], **kw)
    run_steps(ag, opt, None, w, v, 30)
    tw, tv = torch.tensor(W0, requires_grad=True), torch.tensor(V0, requires_grad=True)
    topt = torch.optim.ASGD([tw, tv], **kw)
    run_steps(torch, topt, None, tw, tv, 30)
    for p, tp in ((w, tw), (v, tv)):
        ax = opt.state[p]["ax"]
        np.testing.assert_allclose(ax, topt.state[tp]["ax"].numpy(), rtol=1e-9)
        assert not np.allclose(ax, p.numpy(force=True))  # it averages, not copies
        assert opt.state[p]["eta"] == pytest.approx(topt.state[tp]["eta"].item(), rel=1e-12)
