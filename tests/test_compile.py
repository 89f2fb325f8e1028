"""ag.compile: compiled steps give exactly what eager gives (numpy float64, bit for bit)."""

from __future__ import annotations

import random
import re
import tracemalloc
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.compile import CompileError, CompileWarning

F = ag.nn.functional


def _model(seed: int = 0, bn: bool = False, dropout: float = 0.0) -> ag.nn.Module:
    ag.manual_seed(seed)
    layers = [ag.nn.Linear(6, 12)]
    if bn:
        layers.append(ag.nn.BatchNorm1d(12))
    layers.append(ag.nn.ReLU())
    if dropout:
        layers.append(ag.nn.Dropout(dropout))
    layers.append(ag.nn.Linear(12, 3))
    return ag.nn.Sequential(*layers).to(dtype=ag.float64)


def _data(n: int, batch: int = 8, seed: int = 1) -> list:
    rng = np.random.default_rng(seed)
    return [(ag.tensor(rng.standard_normal((batch, 6))), ag.tensor(rng.integers(0, 3, batch)))
            for _ in range(n)]


def _train(compiled: bool, opt_fn, steps: int, *, bn=False, dropout=0.0, clip=None,
           sched=False, batches=None):
    model = _model(bn=bn, dropout=dropout)
    opt = opt_fn(model.parameters())
    scheduler = ag.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5) if sched else None

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if clip == "value":
            ag.nn.utils.clip_grad_value_(model.parameters(), 0.05)
        elif clip == "norm":
            ag.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        opt.zero_grad()
        return loss

    fn = ag.compile(step) if compiled else step
    ag.manual_seed(123)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for i, (x, y) in enumerate(batches or _data(steps)):
            losses.append(fn(x, y).item())
            if scheduler is not None and i % 5 == 4:
                scheduler.step()
    state = [p.array.copy() for p in model.parameters()]
    state += [b.array.copy() for _n, b in model.named_buffers()]
    return losses, state, fn, opt


def _same(a, b):
    assert a[0] == b[0]
    assert len(a[1]) == len(b[1])
    for u, v in zip(a[1], b[1]):
        assert u.dtype == v.dtype and np.array_equal(u, v)


def test_sgd_momentum_bit_identical_and_replayed():
    opt = lambda ps: ag.optim.SGD(ps, lr=0.1, momentum=0.9)  # noqa: E731
    eager, comp = _train(False, opt, 100), _train(True, opt, 100)
    _same(eager, comp)
    fn = comp[2]
    assert fn.replays >= 98, fn.explain()  # 2 recordings (state appears after call 1)
    for p in comp[3].param_groups[0]["params"]:  # momentum buffers written back
        assert "momentum_buffer" in comp[3].state[p]


def test_adam_bit_identical_and_replayed():
    # Adam's step counter is a call-time input (not a baked constant): the steps replay.
    opt = lambda ps: ag.optim.Adam(ps, lr=0.01)  # noqa: E731
    eager, comp = _train(False, opt, 100), _train(True, opt, 100)
    _same(eager, comp)
    assert comp[2].replays >= 80, comp[2].explain()
    for p in comp[3].param_groups[0]["params"]:
        assert type(comp[3].state[p]["step"]) is int and comp[3].state[p]["step"] == 100


@pytest.mark.parametrize("name,kw", [
    ("AdamW", {"lr": 0.01, "amsgrad": True}), ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}), ("Adamax", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01}), ("RAdam", {"lr": 0.01}), ("ASGD", {"lr": 0.01, "t0": 5}),
    ("Rprop", {"lr": 0.01}), ("Adadelta", {})])
def test_other_optimizers_bit_identical_and_replayed(name, kw):
    opt = lambda ps: getattr(ag.optim, name)(ps, **kw)  # noqa: E731
    batches = _data(1) * 20  # one batch: every label present, no value-check misses
    eager, comp = _train(False, opt, 20, batches=batches), _train(True, opt, 20,
                                                                  batches=batches)
    _same(eager, comp)
    # RAdam switches its rectification on at step 6 and ASGD starts averaging after t0:
    # a Python branch on the step counter, checked at replay (one eager call each time
    # the branch flips).
    assert comp[2].replays >= 14, comp[2].explain()


def test_scheduler_changes_lr_each_epoch():
    opt = lambda ps: ag.optim.SGD(ps, lr=0.2, momentum=0.5)  # noqa: E731
    eager, comp = _train(False, opt, 30, sched=True), _train(True, opt, 30, sched=True)
    _same(eager, comp)
    # the learning rate is read at call time: no re-recording when the scheduler moves it
    assert comp[2].replays >= 24 and "hyperparameters" not in comp[2].explain()


def test_per_step_scheduler_replays():
    batches = _data(1) * 30

    def run(compiled):
        model = _model()
        opt = ag.optim.Adam(model.parameters(), lr=0.05)
        sched = ag.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        step = _loss_step(model, opt, F.cross_entropy)
        fn = ag.compile(step) if compiled else step
        losses = []
        for x, y in batches:
            losses.append(fn(x, y).item())
            sched.step()
        return losses, [p.array.copy() for p in model.parameters()], fn

    eager, comp = run(False), run(True)
    _same(eager, comp)
    assert comp[2].replays == 28 and len(comp[2]._variants) == 2, comp[2].explain()


def test_scheduler_stepped_inside_the_step_falls_back():
    model = _model()
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    sched = ag.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    x, y = _data(1)[0]

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        sched.step()
        return loss

    fn = ag.compile(step)
    with pytest.warns(CompileWarning, match="scheduler.step.. outside"):
        for _ in range(4):
            fn(x, y)
    assert fn.replays == 0
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5 ** 2  # eager: the scheduler ran 4 times


@pytest.mark.parametrize("clip", ["value", "norm"])
def test_gradient_clipping(clip):
    opt = lambda ps: ag.optim.SGD(ps, lr=0.1)  # noqa: E731
    eager, comp = _train(False, opt, 20, clip=clip), _train(True, opt, 20, clip=clip)
    _same(eager, comp)
    # clip_grad_norm_ reads no value in Python (no host sync): it replays
    assert comp[2].replays >= 12, comp[2].explain()


def test_dropout_same_numbers_as_eager():
    opt = lambda ps: ag.optim.SGD(ps, lr=0.1)  # noqa: E731
    eager = _train(False, opt, 20, dropout=0.5)
    comp = _train(True, opt, 20, dropout=0.5)
    _same(eager, comp)
    assert comp[2].replays >= 12, comp[2].explain()


def test_batchnorm_train_mode_running_stats():
    opt = lambda ps: ag.optim.SGD(ps, lr=0.1, momentum=0.9)  # noqa: E731
    eager, comp = _train(False, opt, 20, bn=True), _train(True, opt, 20, bn=True)
    _same(eager, comp)  # includes running_mean, running_var, num_batches_tracked
    assert comp[2].replays >= 12, comp[2].explain()


# ----------------------------------------------------------------------------- guards
def _loss_step(model, opt, loss_fn):
    def step(x, y):
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def _square_step(model, opt):
    def step(x):
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def _simple():
    ag.manual_seed(0)
    model = ag.nn.Linear(4, 2).to(dtype=ag.float64)
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    return model, opt, _square_step(model, opt)


def _twins():
    """The same step twice: eager and compiled, on equal models."""
    return _simple(), _simple()


def _check(eager, comp, x):
    a = eager[2](x).item()
    b = comp[2](x).item()
    assert a == b
    for p, q in zip(eager[0].parameters(), comp[0].parameters()):
        assert np.array_equal(p.array, q.array)


@pytest.mark.parametrize("change", ["shape", "dtype", "requires_grad", "eval", "lr",
                                    "momentum", "new_parameter"])
def test_each_guard_re_records(change):
    eager, comp = _twins()
    comp = (comp[0], comp[1], ag.compile(comp[2]))
    x = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    for _ in range(4):  # call 1 records, call 2 records (optimizer state now exists)
        _check(eager, comp, x)
    assert comp[2].replays == 2
    assert comp[2]._probe is not None  # the cheap guard is what the changes must trip
    before = len(comp[2]._variants)
    for e in (eager, comp):
        model, opt = e[0], e[1]
        if change == "shape":
            pass
        elif change == "dtype":
            model.to(dtype=ag.float32)
        elif change == "requires_grad":
            model.bias.requires_grad_(False)
        elif change == "eval":
            model.eval()
        elif change == "lr":
            opt.param_groups[0]["lr"] = 0.05
        elif change == "momentum":
            opt.param_groups[0]["momentum"] = 0.5
        elif change == "new_parameter":
            model.weight = ag.nn.Parameter(ag.ones((2, 4), dtype=ag.float64))
            opt.param_groups[0]["params"][0] = model.weight
    if change == "shape":
        x = ag.tensor(np.linspace(-1, 1, 20).reshape(5, 4))
    elif change == "dtype":
        x = x.to(dtype=ag.float32)
    for _ in range(3):
        _check(eager, comp, x)
    if change == "lr":  # read at call time: the same program replays with the new value
        assert len(comp[2]._variants) == before and comp[2].replays == 5, comp[2].explain()
        return
    assert len(comp[2]._variants) >= before + 1, comp[2].explain()
    assert "guard miss" in comp[2].explain()


def test_data_dependent_branch_falls_back_and_fullgraph_raises():
    model, opt, _ = _simple()

    def step(x):
        loss = (model(x) ** 2).mean()
        if loss.item() > 1:
            loss = loss * 0.5
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    x = ag.tensor(np.ones((3, 4)))
    fn = ag.compile(step)
    with pytest.warns(CompileWarning, match="reads tensor values in Python"):
        fn(x)
    fn(x)
    assert fn.replays == 0 and "item" in fn.explain() and "test_compile.py" in fn.explain()
    strict = ag.compile(step, fullgraph=True)
    w = model.weight.array.copy()
    with pytest.raises(CompileError, match="fullgraph=True.*item"):
        strict(x)
    assert np.array_equal(model.weight.array, w)  # rolled back


def test_memory_flat_over_1000_steps():
    model, opt, step = _simple()
    fn = ag.compile(step)
    x = ag.tensor(np.ones((3, 4)))
    for _ in range(20):
        fn(x)
    # Array data buffers only (NumPy's tracemalloc domain): Python's free lists keep
    # small objects around and would blur the count.
    arrays = [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)]
    tracemalloc.start()
    for _ in range(100):
        fn(x)
    first = sum(s.size for s in tracemalloc.take_snapshot().filter_traces(arrays).traces)
    for _ in range(900):
        fn(x)
    last = sum(s.size for s in tracemalloc.take_snapshot().filter_traces(arrays).traces)
    tracemalloc.stop()
    assert fn.replays >= 1000
    assert last - first <= 1024, (first, last)


def test_memory_plan_writes_into_reused_buffers_and_hands_out_fresh_arrays():
    model, opt, step = _simple()
    eager_model, _, eager_step = _simple()
    fn = ag.compile(step)
    x = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    outs = [fn(x) for _ in range(6)]
    for o in outs:
        assert o.item() == eager_step(x).item()
    variant = list(fn._variants.values())[-1]
    plan = variant.program.buffers
    assert plan.out and len(plan.shapes) < plan.slots  # some results share a buffer (liveness)
    assert re.search(r"\bB0\)", variant.program.source)  # a kernel writes into buffer 0
    buffers = [variant.program.ns[f"B{k}"] for k in range(len(plan.shapes))]
    handed_out = [o.array for o in outs] + [p.array for p in model.parameters()]
    assert not any(np.shares_memory(a, b) for a in handed_out for b in buffers)
    assert len({id(o.array) for o in outs}) == len(outs)  # fresh outputs, all kept valid
    assert np.array_equal(model.weight.array, eager_model.weight.array)


def _inject_failure(variant, which):
    """Make kernel call ``which`` (an index into the program's calls) raise."""
    names = [k for k in variant.program.ns if k.startswith("F")]

    def boom(*a, **k):
        raise FloatingPointError("injected")
    variant.program.ns[names[which]] = boom


def _state_of(model, opt):
    params = [p.array.copy() for p in model.parameters()]
    state = [{k: v.array.copy() if isinstance(v, ag.Tensor) else v for k, v in st.items()}
             for st in opt.state.values()]
    return params, state


def _unchanged(model, opt, before):
    params, state = before
    assert all(np.array_equal(p.array, q) for p, q in zip(model.parameters(), params))
    for st, was in zip(opt.state.values(), state):
        for k, v in st.items():
            assert np.array_equal(v.array if isinstance(v, ag.Tensor) else v, was[k])


def test_failure_inside_replay_leaves_parameters():
    model, opt, step = _simple()
    fn = ag.compile(step)
    x = ag.tensor(np.ones((3, 4)))
    fn(x)
    fn(x)
    fn(x)
    assert fn.replays == 1
    variant = list(fn._variants.values())[-1]
    _inject_failure(variant, 0)  # the forward's first kernel
    before = _state_of(model, opt)
    with pytest.raises(FloatingPointError):
        fn(x)
    _unchanged(model, opt, before)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_updates_are_written_in_place_after_a_check_of_what_they_write(opt_name):
    """The replay writes parameters and optimizer state in place, as eager does (no copy
    of the state), once a check has compared everything the updates read and write with
    the recording: past that point an elementwise update cannot fail."""
    model, _, _ = _simple()
    opt = getattr(ag.optim, opt_name)(model.parameters(), lr=0.1)
    fn = ag.compile(_square_step(model, opt))
    x = ag.tensor(np.ones((3, 4)))
    for _ in range(4):
        fn(x)
    variant = max(fn._variants.values(), key=lambda v: getattr(v, "calls", -1))
    program = variant.program
    assert program.writes_in_place and not program.writes_state
    assert all(c is None for c in variant.copies)
    assert "raise _Mismatch(-1)" in program.source  # the check before the first write
    arrays = [id(p.array) for p in model.parameters()]
    fn(x)
    assert [id(p.array) for p in model.parameters()] == arrays  # updated in place
    # a guard does not look at writability: the check does, and the call records again
    # (eager replaces a read-only parameter array; so does the re-recorded call)
    twin, _, _ = _simple()
    twin_opt = getattr(ag.optim, opt_name)(twin.parameters(), lr=0.1)
    twin.load_state_dict(model.state_dict())
    twin_opt.load_state_dict(opt.state_dict())
    eager = _square_step(twin, twin_opt)
    model.weight.array.flags.writeable = False
    twin.weight.array.flags.writeable = False
    replays = fn.replays
    assert fn(x).item() == eager(x).item()
    assert fn.replays == replays and "writability" in fn.explain()
    assert all(np.array_equal(p.array, q.array)
               for p, q in zip(model.parameters(), twin.parameters()))


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_failure_in_the_last_update_leaves_parameters_and_state(opt_name):
    """Under an error state that makes NumPy raise (``np.errstate(over="raise")``) an
    update can fail half-way: the replay then works on copies of the state."""
    model, _, _ = _simple()
    opt = getattr(ag.optim, opt_name)(model.parameters(), lr=0.1)
    fn = ag.compile(_square_step(model, opt))
    x = ag.tensor(np.ones((3, 4)))
    for _ in range(4):
        fn(x)
    variant = max(fn._variants.values(), key=lambda v: getattr(v, "calls", -1))
    _inject_failure(variant, -1)
    before = _state_of(model, opt)
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        fn(x)
    _unchanged(model, opt, before)


def test_rewrites_drop_dead_calls_and_type_scalars():
    from benchmarks import chain
    x = ag.tensor(np.linspace(-1, 1, 16), requires_grad=True)
    eager = chain._autograd(ag, ag.tensor(np.linspace(-1, 1, 16), requires_grad=True), 3)
    fn = ag.compile(chain._autograd(ag, x, 3))
    for _ in range(3):
        assert np.array_equal(fn().array, eager().array)
    program = max(fn._variants.values(), key=lambda v: getattr(v, "calls", -1)).program
    assert fn.replays >= 1 and program.stats["dead"] >= 3  # isdtype checks
    assert program.stats["folded"] >= 3  # the gradient of sum(): ones, reshaped
    assert not any(getattr(f, "__name__", "") == "isdtype" for f in program.ns.values())
    # every number reaches its kernels as a 0-d array of the kernel's dtype (typed here, or
    # converted once per op by eager and then computed at build time)
    assert not any(type(v) in (int, float) for k, v in program.ns.items() if k[0] == "C")


def test_repeated_calls_around_an_in_place_write_are_not_merged():
    def make():
        w = ag.tensor(np.linspace(0.5, 1.5, 6), requires_grad=True)
        buf = ag.nn.Parameter(ag.tensor(np.linspace(-1, 1, 6)), requires_grad=False)
        model = ag.nn.Module()
        model.w, model.buf = ag.nn.Parameter(w), buf
        opt = ag.optim.SGD([model.w], lr=0.1)

        def step():
            first = (model.buf * 2.0).exp()     # the same pure calls...
            with ag.no_grad():
                model.buf.add_(0.25)            # ...around an in-place write
            second = (model.buf * 2.0).exp()
            again = (model.buf * 2.0).exp()     # these two may share one call
            loss = (model.w * (first + second + again)).sum()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss, first, second
        return model, step

    (m1, eager), (m2, step) = make(), make()
    comp = ag.compile(step)
    for _ in range(4):
        a, b = eager(), comp()
        for u, v in zip(a, b):
            assert np.array_equal(u.array, v.array)
    assert np.array_equal(m1.w.array, m2.w.array) and np.array_equal(m1.buf.array, m2.buf.array)
    assert comp.replays >= 2, comp.explain()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the broken constants give NaNs
def test_a_program_the_rewrites_break_is_rebuilt_without_them(monkeypatch):
    from arraygrad.compile import optimize
    real = optimize.typed_scalar_args

    def wrong(ins, dtypes):  # a broken rewrite: every typed scalar becomes 0.25
        out = real(ins, dtypes)
        if out is ins:
            return ins
        args = tuple(("c", np.asarray(0.25, v.dtype)) if t == "c" else (t, v)
                     for t, v in out[2][1])
        return (out[0], out[1], ("t", args), out[3], out[4])
    monkeypatch.setattr(optimize, "typed_scalar_args", wrong)
    eager, comp = _twins()
    comp = (comp[0], comp[1], ag.compile(comp[2]))
    x = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    for _ in range(4):
        _check(eager, comp, x)
    assert comp[2].replays >= 2 and "replaying the recording as it is" in comp[2].explain()


def test_env_var_disables(monkeypatch):
    _, _, step = _simple()
    fn = ag.compile(step)
    monkeypatch.setenv("ARRAYGRAD_COMPILE", "0")
    x = ag.tensor(np.ones((3, 4)))
    for _ in range(3):
        fn(x)
    assert fn.replays == 0 and fn.eager_calls == 3 and "disabled" in fn.explain()


def test_compiled_module_forward_under_no_grad():
    model = _model()
    fast = ag.compile(model)
    x = ag.tensor(np.ones((2, 6)))
    with ag.no_grad():
        outs = [fast(x) for _ in range(3)]
        want = model(x)
    assert fast.replays == 2
    for o in outs:
        assert np.array_equal(o.array, want.array)
    assert outs[1].array is not outs[2].array  # fresh outputs


def test_decorator_forms():
    @ag.compile
    def f(x):
        return x * 2

    @ag.compile(fullgraph=True)
    def g(x):
        return x + 1

    x = ag.tensor([1.0, 2.0])
    assert f(x).tolist() == [2.0, 4.0] and g(x).tolist() == [2.0, 3.0]
    assert f(x).tolist() == [2.0, 4.0] and f.replays == 1


def test_bad_input():
    with pytest.raises(TypeError, match="expected a callable"):
        ag.compile(3)
    with pytest.raises(TypeError, match="returned a object"):
        ag.compile(lambda x: object())(ag.tensor([1.0]))
    strict = pytest.importorskip("array_api_strict")
    assert strict
    a = ag.tensor([1.0])
    b = ag.tensor([1.0]).to(backend="array_api_strict")
    with pytest.raises(ValueError, match="several backends"):
        ag.compile(lambda x, y: x)(a, b)
    with pytest.raises(TypeError, match="returned a set"):
        ag.compile(lambda x: {x})(a)
    model, opt, step = _simple()  # a numpy model, an argument on another backend
    w = model.weight.array.copy()
    with pytest.raises(ValueError, match="array_api_strict, numpy"):
        ag.compile(step)(ag.ones((3, 4)).to(backend="array_api_strict"))
    assert np.array_equal(model.weight.array, w) and model.weight.grad is None  # untouched


def _jax_run(compiled, opt_fn, steps, dropout=0.0):
    with ag.use_backend("jax"):
        ag.manual_seed(0)
        layers = [ag.nn.Linear(6, 12), ag.nn.ReLU()]
        if dropout:
            layers.append(ag.nn.Dropout(dropout))
        model = ag.nn.Sequential(*layers, ag.nn.Linear(12, 3))
        opt = opt_fn(model.parameters())
        sched = ag.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
        step = _loss_step(model, opt, F.mse_loss)
        fn = ag.compile(step) if compiled else step
        rng = np.random.default_rng(3)
        ag.manual_seed(7)
        losses = []
        for _ in range(steps):
            x = ag.tensor(rng.standard_normal((8, 6)).astype(np.float32)).to(backend="jax")
            y = ag.tensor(rng.standard_normal((8, 3)).astype(np.float32)).to(backend="jax")
            losses.append(fn(x, y).item())
            sched.step()
        return losses, [p.numpy(force=True) for p in model.parameters()], fn, opt


@pytest.mark.parametrize("name,dropout", [("Adam", 0.3)])  # step counter, lr, RNG key
def test_jax_one_jitted_computation_matches_eager(name, dropout):
    pytest.importorskip("jax")
    opt = lambda ps: getattr(ag.optim, name)(ps, lr=0.05)  # noqa: E731
    eager = _jax_run(False, opt, 5, dropout)
    comp = _jax_run(True, opt, 5, dropout)
    assert comp[2].replays == 5 and comp[2].eager_calls == 0, comp[2].explain()
    assert "jax.jit" in comp[2].explain()
    np.testing.assert_allclose(comp[0], eager[0], rtol=1e-6, atol=1e-6)
    for p, q in zip(comp[1], eager[1]):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-6)
    if name == "Adam":
        for st in comp[3].state.values():
            assert type(st["step"]) is int and st["step"] == 5


def _jax_classifier(compiled, labels, ignore_index=-100):
    with ag.use_backend("jax"):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(6, 12), ag.nn.ReLU(), ag.nn.Linear(12, 3))
        opt = ag.optim.Adam(model.parameters(), lr=0.05)

        def step(x, y):
            loss = F.cross_entropy(model(x), y, ignore_index=ignore_index)
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        fn = ag.compile(step) if compiled else step
        rng = np.random.default_rng(3)
        losses = []
        for y in labels:
            x = ag.tensor(rng.standard_normal((len(y), 6)).astype(np.float32))
            losses.append(fn(x.to(backend="jax"), ag.tensor(np.array(y)).to(backend="jax")))
        return [float(v.item()) for v in losses], model, fn


@pytest.mark.parametrize("ignore_index", [-100, None])
def test_jax_cross_entropy_step_is_one_jitted_computation(ignore_index):
    pytest.importorskip("jax")
    labels = [[0, 1, 2, 1], [2, 2, 0, 1], [1, 0, 0, 2], [0, 1, 1, 1]]
    if ignore_index is not None:  # one ignored label: the traced loss masks it as eager
        labels[1][2] = ignore_index
    eager = _jax_classifier(False, labels, ignore_index)
    comp = _jax_classifier(True, labels, ignore_index)
    assert comp[2].replays == 4 and comp[2].eager_calls == 0, comp[2].explain()
    np.testing.assert_allclose(comp[0], eager[0], rtol=1e-6, atol=1e-6)
    for p, q in zip(comp[1].parameters(), eager[1].parameters()):
        np.testing.assert_allclose(p.numpy(force=True), q.numpy(force=True), rtol=1e-5,
                                   atol=1e-6)


def test_jax_compiled_bad_labels_raise_and_change_nothing():
    pytest.importorskip("jax")
    with pytest.raises(IndexError, match="got values from 0 to 3"):
        _jax_classifier(False, [[0, 1, 2, 1], [0, 3, 1, 1]])
    good = [[0, 1, 2, 1], [2, 0, 1, 1]]
    _, model, fn = _jax_classifier(True, good)
    before = [p.numpy(force=True).copy() for p in model.parameters()]
    with ag.use_backend("jax"), pytest.raises(IndexError, match="got values from 0 to 3"):
        fn(ag.ones((4, 6)).to(backend="jax"), ag.tensor(np.array([0, 3, 1, 1])).to(
            backend="jax"))
    after = [p.numpy(force=True) for p in model.parameters()]  # still valid, unchanged
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert fn.replays == 3


def test_jax_step_that_reads_a_value_falls_back():
    pytest.importorskip("jax")
    with ag.use_backend("jax"):
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        opt = ag.optim.SGD([w], lr=0.1)

        def step(x):
            loss = (w * x).sum()
            if loss.item() > 100:
                loss = loss * 0
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        fn = ag.compile(step)
        with pytest.warns(CompileWarning, match="jax.jit cannot trace the step"):
            assert fn(ag.ones(2)).item() == 3.0
        assert abs(w.tolist()[0] - 0.9) < 1e-6  # the eager call updated w once


def test_forward_with_grad_falls_back():
    model = _model()
    fast = ag.compile(model)
    x = ag.tensor(np.ones((2, 6)))
    with pytest.warns(CompileWarning, match="rebuild the graph"):
        out = fast(x)
    out.sum().backward()  # eager result: the graph is there
    assert model[0].weight.grad is not None


def test_nested_compiled_call_is_recorded_by_the_outer_one():
    model, opt, step = _simple()
    inner = ag.compile(step)
    outer = ag.compile(lambda x: inner(x))
    eager_model, _, eager_step = _simple()
    x = ag.tensor(np.ones((3, 4)))
    for _ in range(4):
        assert outer(x).item() == eager_step(x).item()
    assert outer.replays == 2 and inner.replays == 0
    assert np.array_equal(model.weight.array, eager_model.weight.array)


def test_in_place_updates_keep_array_identity():
    model, opt, step = _simple()
    fn = ag.compile(step)
    x = ag.tensor(np.ones((3, 4)))
    for _ in range(3):
        fn(x)
    alias = model.weight.array  # eager SGD updates this very array in place
    before = alias.copy()
    fn(x)
    assert fn.replays >= 1 and model.weight.array is alias
    assert not np.array_equal(alias, before)


def test_step_whose_code_names_its_own_global_is_discovered():
    # ``opt.step`` puts "step" in the code's names; a global ``step`` that is this very
    # compiled function must not be walked forever.
    model, opt, raw = _simple()
    globals()["step"] = ag.compile(raw)
    try:
        x = ag.tensor(np.ones((3, 4)))
        for _ in range(3):
            globals()["step"](x)
        assert globals()["step"].replays == 1
    finally:
        del globals()["step"]


def test_main_job_compiles_by_default_with_the_same_results(tmp_path, capsys):
    from arraygrad.cli import main

    def train(*flags):
        out = tmp_path / ("eager" if flags else "compiled")
        assert main(["train", "--epochs", "2", "--no-plot", "--no-progress", "-v",
                     "--out", str(out), *flags]) == 0
        text = capsys.readouterr().out
        rows = (out / "metrics.csv").read_text().splitlines()
        return text, [r.rsplit(",", 1)[0] for r in rows]  # all but the seconds column

    compiled_out, compiled_rows = train()
    eager_out, eager_rows = train("--no-compile")
    assert "training step: compiled (ag.compile)" in compiled_out
    assert "training step: eager" in eager_out
    replays = re.search(r"variant\(s\), (\d+) replay\(s\)", compiled_out)
    assert replays and int(replays.group(1)) >= 85, compiled_out  # 2 epochs of 45 batches
    assert compiled_rows == eager_rows  # loss, accuracy, lr: the same numbers


MODEL: ag.nn.Module | None = None  # the globals of the next test
OPT: ag.optim.Optimizer | None = None


w = ag.tensor(np.ones(6), requires_grad=True)  # a global named like an attribute below


def test_attribute_names_are_not_globals_of_the_step():
    from arraygrad.compile.guards import discover
    model = ag.nn.Module()
    model.w = ag.nn.Parameter(w)  # shares w's array

    def step():
        return (model.w * 2.0).sum()
    modules, _opts = discover(step, (), {})
    assert modules == [model]  # the global w is not named by the code: not part of it


def test_rebinding_a_global_model_is_seen_by_the_cheap_guard():
    x = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4))

    def step(x):
        loss = (MODEL(x) ** 2).mean()  # type: ignore[misc]
        loss.backward()
        OPT.step()  # type: ignore[union-attr]
        OPT.zero_grad()  # type: ignore[union-attr]
        return loss

    g = globals()
    a, b, twin = _simple(), _simple(), _simple()
    try:
        g["MODEL"], g["OPT"] = a[0], a[1]
        fn = ag.compile(step)
        for _ in range(4):
            fn(x)
        assert fn.replays == 2 and fn._probe is not None
        w = a[0].weight.array.copy()
        g["MODEL"], g["OPT"] = b[0], b[1]  # same shapes and dtypes, other objects
        got = fn(x).item()
        assert np.array_equal(a[0].weight.array, w)  # the first model is untouched
        want = twin[2](x).item()  # one eager step of an equal fresh model
        assert got == want
        assert np.array_equal(b[0].weight.array, twin[0].weight.array)
    finally:
        g["MODEL"] = g["OPT"] = None


def _zero_grad_first_step(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _held_objects(model, opt) -> list:
    """Every gradient, buffer and optimizer-state tensor a user could keep after a step."""
    out = [p.grad for p in model.parameters()] + [b for _n, b in model.named_buffers()]
    for st in opt.state.values():
        out += [v for v in st.values() if isinstance(v, ag.Tensor)]
    return out


@pytest.mark.parametrize("which", ["numpy", "jax"])
def test_tensors_kept_from_earlier_steps_are_what_eager_left(which):
    # zero_grad() then backward() makes new gradient tensors each step: one kept from an
    # earlier step keeps its values (a replay that wrote into the old gradient tensor made
    # every kept gradient show the last step's values, silently)
    if which == "jax":
        pytest.importorskip("jax")
    runs = []
    for compiled in (False, True):
        with ag.use_backend(which):
            model = _model(bn=which == "numpy")
            if which == "jax":
                model = model.to(dtype=ag.float32)
            opt = ag.optim.Adam(model.parameters(), lr=0.01)
            step = _zero_grad_first_step(model, opt)
            fn = ag.compile(step) if compiled else step
            rng = np.random.default_rng(5)
            kept = []
            for _ in range(4):
                x = ag.tensor(rng.standard_normal((8, 6))).to(backend=which,
                                                             dtype=model[0].weight.dtype)
                y = ag.tensor(rng.standard_normal((8, 3))).to(backend=which,
                                                             dtype=model[0].weight.dtype)
                fn(x, y)
                kept.append(_held_objects(model, opt))
        runs.append(kept)
    if which == "numpy":
        assert fn.replays >= 2, fn.explain()
    for step_e, step_c in zip(*runs):  # the values of what was kept, read at the end
        assert len(step_e) == len(step_c)
        for e, c in zip(step_e, step_c):
            np.testing.assert_allclose(c.numpy(), e.numpy(), rtol=1e-6, atol=1e-7)
    for i in range(3):  # the same objects are shared between steps, or not, as in eager
        assert [a is b for a, b in zip(runs[0][i], runs[0][i + 1])] == \
            [a is b for a, b in zip(runs[1][i], runs[1][i + 1])]


BATCH = None  # a global the steps below read (rebound by the tests)


def _global_batch_step(model, opt, raw=False):
    def step():
        opt.zero_grad()
        loss = (model(ag.tensor(BATCH) if raw else BATCH) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    return step


@pytest.mark.parametrize("raw", [False, True])
def test_a_rebound_global_tensor_is_never_replayed_stale(raw):
    # a data tensor (or raw NumPy array) of the globals was baked in as a constant:
    # rebinding it replayed the first batch forever, silently
    global BATCH
    runs = []
    for compiled in (False, True):
        model, opt, _step = _simple()
        step = _global_batch_step(model, opt, raw)
        fn = ag.compile(step) if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            losses = []
            for i in range(6):
                BATCH = np.full((3, 4), 0.5 * i) if raw else ag.tensor(np.full((3, 4), 0.5 * i))
                losses.append(fn().item())
        runs.append(losses)
    assert runs[0] == runs[1]
    assert any("closure or globals" in str(w.message) and "pass it as an argument"
               in str(w.message) for w in caught)


def _labels_step(model, opt, x, y):
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def test_closure_tensors_written_in_place_are_read_at_call_time():
    # the labels' range check was computed on the closure's array outside any recorded
    # kernel and baked in: an out-of-range label written in place then gave a number
    outcomes = []
    for compiled in (False, True):
        model = _model()
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        x, y = _data(1)[0]
        step = _labels_step(model, opt, x, y)
        fn = ag.compile(step) if compiled else step
        got = [fn().item() for _ in range(3)]
        with ag.no_grad():
            x.mul_(2.0)
            y.copy_(ag.tensor((np.arange(8) + 1) % 3))
        got += [fn().item() for _ in range(2)]
        with ag.no_grad():
            y.copy_(ag.tensor(np.arange(8)))  # labels 3..7 for 3 classes
        with pytest.raises(IndexError, match="target class indices"):
            fn()
        outcomes.append(got)
    assert fn.replays >= 3, fn.explain()
    assert outcomes[0] == outcomes[1]


class _Scaled(ag.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ag.nn.Linear(4, 3).to(dtype=ag.float64)
        self.scale = ag.ones(3, dtype=ag.float64)  # a plain tensor attribute, no buffer

    def forward(self, x):
        return self.lin(x) * self.scale


def test_a_module_tensor_attribute_is_read_where_it_is_at_call_time():
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = _Scaled()
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        step = _square_step(model, opt)
        fn = ag.compile(step) if compiled else step
        x = ag.tensor(np.ones((5, 4)))
        losses = []
        for i in range(4):
            model.scale = ag.full((3,), float(i), dtype=ag.float64)  # rebound
            losses.append(fn(x).item())
        for i in range(3):
            with ag.no_grad():
                model.scale.fill_(float(i + 7))  # written in place
            losses.append(fn(x).item())
        runs.append(losses)
    assert runs[0] == runs[1]
    assert fn.replays >= 4, fn.explain()


def test_tensors_with_a_graph_or_an_unreplayable_gradient_fall_back():
    model, opt, step = _simple()
    features = model(ag.tensor(np.ones((3, 4))))  # has a graph into the model
    model.extra = ag.ones(2, requires_grad=True)  # requires grad, not a Parameter

    def uses_graph():
        return (features * 2).sum()

    for fn, why in [(uses_graph, "has a graph"), (step, "is not a Parameter")]:
        compiled = ag.compile(fn, fullgraph=True)
        with pytest.raises(CompileError, match=why):
            compiled(ag.tensor(np.ones((3, 4)))) if fn is step else compiled()


def _closure_square_step(model, opt, x):
    def step():
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def test_jax_closure_data_is_read_at_call_time_and_not_donated():
    pytest.importorskip("jax")
    import jax.numpy as jnp

    runs = []
    with ag.use_backend("jax"), warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for compiled in (False, True):
            ag.manual_seed(0)
            model = ag.nn.Linear(4, 3)
            opt = ag.optim.SGD(model.parameters(), lr=0.1)
            raw = jnp.ones((5, 4), dtype=jnp.float32)
            x = ag.asarray(raw)
            step = _closure_square_step(model, opt, x)
            fn = ag.compile(step) if compiled else step
            losses = [fn().item() for _ in range(3)]
            assert x.array is raw and float(raw.sum()) == 20.0  # not donated, not rebound
            with ag.no_grad():
                x.mul_(2.0)
            losses += [fn().item() for _ in range(2)]
            runs.append(losses)
    assert fn.replays >= 3, fn.explain()
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-5)


def _hooked_run(kind: str, compiled: bool) -> tuple:
    """Four calls of a step with a counting hook of ``kind``: (count, step, warnings)."""
    with ag.use_backend("jax" if kind == "jax" else "numpy"):
        model, opt, _step = _simple()
        seen: list = []
        if kind in ("tensor", "jax"):
            model.weight.register_hook(lambda g: seen.append(g))
        elif kind == "post_accumulate":
            model.weight.register_post_accumulate_grad_hook(lambda p: seen.append(p))
        elif kind == "forward":
            model.register_forward_hook(lambda m, i, o: seen.append(o))

        def step(x):
            out = model(x)
            if kind == "inside":
                out.register_hook(lambda g: seen.append(g))
            loss = (out ** 2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        fn = ag.compile(step) if compiled else step
        x = ag.ones((3, 4), dtype=model.weight.dtype)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(4):
                fn(x)
    return len(seen), fn, [str(w.message) for w in caught]


@pytest.mark.parametrize("kind", ["tensor", "post_accumulate", "forward", "inside", "jax"])
def test_a_step_whose_hooks_run_is_not_replayed(kind):
    # a replay would redo a hook's kernels but skip the rest of its Python (here: counting)
    if kind == "jax":
        pytest.importorskip("jax")
    eager_count = _hooked_run(kind, False)[0]
    count, fn, caught = _hooked_run(kind, True)
    assert eager_count == count == 4
    assert fn.replays == 0, fn.explain()
    assert any("hook" in m for m in caught), caught


CALLS = 0  # counted by the step below


def _count_and_step(model, opt, x):
    global CALLS
    CALLS += 1
    return _square_step(model, opt)(x)


def _counting_steps(model, opt):
    calls = 0

    def helper_counter(x):  # the global is written by a helper the step calls
        return _count_and_step(model, opt, x)

    def global_counter(x):
        global CALLS
        CALLS += 1
        return _square_step(model, opt)(x)

    def nonlocal_counter(x):
        nonlocal calls
        calls += 1
        return _square_step(model, opt)(x)
    return {"global": global_counter, "nonlocal": nonlocal_counter,
            "helper": helper_counter}, lambda: calls


@pytest.mark.parametrize("which", ["global", "nonlocal", "helper"])
def test_a_step_that_assigns_python_state_is_not_replayed(which):
    # a replay runs the recorded kernels only: the counter would advance on recordings only
    global CALLS
    CALLS = 0
    model, opt, _step = _simple()
    steps, nonlocal_calls = _counting_steps(model, opt)
    fn = ag.compile(steps[which])
    x = ag.tensor(np.ones((3, 4)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            fn(x)
    assert (nonlocal_calls() if which == "nonlocal" else CALLS) == 4
    assert fn.replays == 0
    assert any(f"assigns the {'variable' if which == 'nonlocal' else 'global'}" in str(w.message)
               for w in caught), [str(w.message) for w in caught]


SCALE = 1.0  # a global number the step below reads (rebound by the test)


class _Weighted(ag.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ag.nn.Linear(4, 3).to(dtype=ag.float64)
        self.alpha = 1.0  # a plain number attribute

    def forward(self, x):
        return self.lin(x) * self.alpha


def _python_value_steps(model, opt, config):
    def by_global(x):
        loss = (model(x) ** 2).mean() * SCALE
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    def by_closure(x):
        loss = (model(x) ** 2).mean() * config["scale"]
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return {"global": by_global, "closure": by_closure, "attribute": by_global}


@pytest.mark.parametrize("where", ["global", "closure", "attribute"])
def test_python_numbers_the_step_reads_are_guarded_by_value(where):
    # a number read from a global, a closure's dict or a module attribute is baked into the
    # recording: it was replayed stale after it changed
    global SCALE
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = _Weighted()
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        config = {"scale": 1.0}
        step = _python_value_steps(model, opt, config)[where]
        fn = ag.compile(step) if compiled else step
        x = ag.tensor(np.ones((5, 4)))
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            for i in range(6):
                value = 1.0 + (i // 2)  # changes every other call: replays in between
                SCALE = value if where == "global" else 1.0
                config["scale"] = value if where == "closure" else 1.0
                model.alpha = value if where == "attribute" else 1.0
                losses.append(fn(x).item())
        runs.append(losses)
    assert runs[0] == runs[1]
    assert fn.replays >= 2, fn.explain()


def _makes_a_tensor_step(model, opt):
    def step(x):
        loss = (model(x) ** 2).mean() + ag.ones(()).sum() * 0.0  # default dtype
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def test_default_dtype_and_anomaly_mode_are_respected():
    model, opt, _step = _simple()
    fn = ag.compile(_makes_a_tensor_step(model, opt))
    x = ag.tensor(np.ones((3, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        for _ in range(3):
            assert fn(x).dtype == ag.float64  # float64 model + a float32 constant
        ag.set_default_dtype(ag.float64)
        try:
            for _ in range(3):
                fn(x)
            assert "default backend and dtype" in fn.explain()
        finally:
            ag.set_default_dtype(None)
        replays = fn.replays
        with ag.autograd.detect_anomaly():
            fn(x)  # anomaly checks run in eager's backward: no replay
        assert fn.replays == replays


def _loader_step(model, opt, batches):
    def step():
        (xb,) = next(batches)  # Python a replay would not run
        loss = (model(ag.tensor(xb)) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def test_an_array_made_outside_arraygrad_inside_the_step_is_not_replayed():
    # a replay does not run next(): it reused the batch of the call that recorded, silently
    runs = []
    for compiled in (False, True):
        model, opt, _step = _simple()
        batches = iter([(np.full((3, 4), 0.5 * i),) for i in range(5)])
        step = _loader_step(model, opt, batches)
        fn = ag.compile(step) if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            runs.append([fn().item() for _ in range(5)])
    assert runs[0] == runs[1]
    assert fn.replays == 0
    assert any("outside arraygrad's operations" in str(w.message) for w in caught)


def test_jax_step_reading_an_array_made_outside_arraygrad_falls_back():
    pytest.importorskip("jax")
    with ag.use_backend("jax"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ag.nn.Linear(4, 2)
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        batches = iter([(np.full((3, 4), 0.5 * i, dtype=np.float32),) for i in range(8)])
        fn = ag.compile(_loader_step(model, opt, batches))
        for _ in range(3):
            fn()
    assert fn.replays == 0
    assert any("made outside arraygrad's operations" in str(w.message) for w in caught)


def test_scatter_add_counts_as_a_write_so_its_target_is_not_folded():
    # the main job's pooling gradient scatter-adds into zeros: those zeros must not become
    # a build-time constant (they did once the fold stopped being all-or-nothing, because
    # the recorder did not count scatter_add as a write: the replay raised "read-only")
    from arraygrad.cli import _train_step, build_model
    from arraygrad.compile import optimize

    ag.manual_seed(0)
    model = build_model("cnn", (1, 8, 8), 10)
    fn = ag.compile(_train_step(model, ag.optim.create("adam", model.parameters(), lr=3e-3)))
    x = ag.tensor(np.random.default_rng(0).standard_normal((8, 1, 8, 8)).astype(np.float32))
    y = ag.tensor(np.arange(8) % 10)
    for _ in range(3):
        fn(x, y)
    program = fn._probe.variant.program
    assert "differed" not in fn.explain() and program.stats["folded"] > 0, fn.explain()
    code = [ins for ins in program.ns.values() if getattr(ins, "__name__", "") == "scatter_add"]
    assert code  # the pooling gradient is still a scatter-add
    written = optimize.mutated_by(("call", code[0], ("t", (("s", 1), ("c", 0), ("c", 1.0))),
                                   ("d", ()), ("s", 1)))
    assert written == [1]


WEIGHT = 1.0  # read by the helper and the forward below, not by the step's own code


def _weighted_loss(out):
    return (out ** 2).mean() * WEIGHT


class _GloballyScaled(ag.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ag.nn.Linear(4, 3).to(dtype=ag.float64)

    def forward(self, x):
        return self.lin(x) * WEIGHT


def _helper_steps(model, opt):
    def via_helper(x):
        loss = _weighted_loss(model(x))
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return via_helper


@pytest.mark.parametrize("where", ["helper", "forward"])
def test_numbers_read_by_functions_the_step_calls_are_guarded(where):
    global WEIGHT
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = _GloballyScaled() if where == "forward" else _Scaled()
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        step = _helper_steps(model, opt) if where == "helper" else _square_step(model, opt)
        fn = ag.compile(step) if compiled else step
        x = ag.tensor(np.ones((5, 4)))
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            for i in range(6):
                WEIGHT = 1.0 + (i // 2)
                losses.append(fn(x).item())
        runs.append(losses)
    WEIGHT = 1.0
    assert runs[0] == runs[1]
    assert fn.replays >= 2, fn.explain()


class _Config:
    """A user's settings object (its attributes are read by the step)."""

    def __init__(self):
        self.scale = 1.0


CONFIG = _Config()


class _ClassConfig:
    scale = 1.0  # a class attribute used as a setting


class _Configured(ag.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ag.nn.Linear(4, 3).to(dtype=ag.float64)
        self.cfg = _Config()  # a plain object attribute
        self.scales = [1.0]  # a list attribute, changed in place

    def forward(self, x):
        return self.lin(x) * self.cfg.scale * self.scales[0]


def _object_steps(model, opt, config):
    def by_closure_object(x):
        loss = (model(x) ** 2).mean() * config.scale
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    def by_global_object(x):
        loss = (model(x) ** 2).mean() * CONFIG.scale
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    def by_class_attribute(x):
        loss = (model(x) ** 2).mean() * _ClassConfig.scale
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return {"closure object": by_closure_object, "global object": by_global_object,
            "module object": by_global_object, "module list": by_global_object,
            "class attribute": by_class_attribute}


@pytest.mark.parametrize("where", ["closure object", "global object", "module object",
                                   "module list", "class attribute"])
def test_numbers_held_by_objects_the_step_reads_are_guarded(where):
    # attributes of a plain settings object and elements of a list a module holds were
    # compared by identity of the object only: changing them replayed the old value
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = _Configured()
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        config = _Config()
        fn = _object_steps(model, opt, config)[where]
        fn = ag.compile(fn) if compiled else fn
        x = ag.tensor(np.ones((5, 4)))
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            for i in range(6):
                value = 1.0 + (i // 2)  # changes every other call: replays in between
                config.scale = value if where == "closure object" else 1.0
                CONFIG.scale = value if where == "global object" else 1.0
                model.cfg.scale = value if where == "module object" else 1.0
                model.scales[0] = value if where == "module list" else 1.0
                _ClassConfig.scale = value if where == "class attribute" else 1.0
                losses.append(fn(x).item())
        runs.append(losses)
    CONFIG.scale = _ClassConfig.scale = 1.0
    assert runs[0] == runs[1]
    assert fn.replays >= 2, fn.explain()


_DRAWS = {"random": lambda: random.random(),
          "np.random": lambda: float(np.random.uniform()),
          "generator": None}  # a numpy Generator held by the step's closure


def _drawing_step(model, opt, draw):
    def step(x):
        loss = (model(x) ** 2).mean() * (1.0 + float(draw()))
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


@pytest.mark.parametrize("source", list(_DRAWS))
def test_a_step_drawing_python_random_numbers_is_not_replayed(source):
    # a replay does not run the step's Python: the number drawn while recording was reused
    # on every call (a random loss scale, a coin flip for augmentation), silently
    runs = []
    for compiled in (False, True):
        model, opt, _step = _simple()
        random.seed(0)
        np.random.seed(0)
        gen = np.random.default_rng(0)
        step = _drawing_step(model, opt, _DRAWS[source] or gen.uniform)
        fn = ag.compile(step) if compiled else step
        x = ag.tensor(np.ones((3, 4)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CompileWarning)
            runs.append([fn(x).item() for _ in range(4)])
    assert runs[0] == runs[1]
    assert fn.replays == 0
    assert any("draws numbers from" in str(w.message) for w in caught), \
        [str(w.message) for w in caught]


def _recurrent_run(kind, compiled):
    ag.manual_seed(0)
    rnn = getattr(ag.nn, kind)(4, 6, num_layers=2, dropout=0.3).to(dtype=ag.float64)
    head = ag.nn.Linear(6, 2).to(dtype=ag.float64)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = ag.optim.Adam(params, lr=0.01)
    sched = ag.optim.lr_scheduler.StepLR(opt, 2, 0.5)

    def step(x, y):
        out, _ = rnn(x)
        loss = ag.cross_entropy(head(out[-1]), y)
        loss.backward()
        ag.nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()
        opt.zero_grad()
        return loss
    fn = ag.compile(step, fullgraph=True) if compiled else step
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(6):
        x = ag.tensor(rng.standard_normal((5, 3, 4)))  # (time, batch, features)
        losses.append(fn(x, ag.tensor(rng.integers(0, 2, 3))).item())
        sched.step()
    return losses, [p.detach().numpy() for p in params], fn


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_recurrent_steps_replay_bit_identical_to_eager(kind):
    # two stacked layers with dropout between them, Adam, a scheduler and clipping
    eager_losses, eager_params, _ = _recurrent_run(kind, False)
    losses, params, fn = _recurrent_run(kind, True)
    assert fn.replays >= 3, fn.explain()
    assert losses == eager_losses
    assert all(np.array_equal(a, b) for a, b in zip(params, eager_params))


def test_bias_free_linear_with_momentum_is_compiled():
    # the weight gradient of x @ w.T arrived as a transposed view; SGD's momentum buffer,
    # a clone of it, was then not C-contiguous and the step always ran eagerly. The
    # gradient now follows PyTorch's layout contract (C-contiguous like its leaf).
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(4, 5, bias=False), ag.nn.ReLU(),
                                 ag.nn.Linear(5, 3, bias=False)).to(dtype=ag.float64)
        opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        fn = ag.compile(_square_step(model, opt), fullgraph=True) if compiled else \
            _square_step(model, opt)
        x = ag.tensor(np.linspace(-1, 1, 24).reshape(6, 4))
        runs.append([fn(x).item() for _ in range(4)])
    assert runs[0] == runs[1]
    assert fn.replays >= 2, fn.explain()
    model[0].weight.grad = None
    (model(x) ** 2).mean().backward()
    assert model[0].weight.grad.array.flags.c_contiguous


def test_gelu_steps_are_replayed():
    # erf (GELU's kernel on NumPy) summed a series whose length depended on the largest
    # |x|: a value read in Python that changed every call, so such steps always ran
    # eagerly. Its cost no longer depends on the values.
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.LayerNorm(8), ag.nn.GELU(),
                                 ag.nn.Linear(8, 3)).to(dtype=ag.float64)
        opt = ag.optim.AdamW(model.parameters(), lr=0.01)
        fn = ag.compile(_square_step(model, opt), fullgraph=True) if compiled else \
            _square_step(model, opt)
        rng = np.random.default_rng(0)
        runs.append([fn(ag.tensor(rng.standard_normal((6, 4)) * 3)).item() for _ in range(5)])
    assert runs[0] == runs[1]
    assert fn.replays >= 3, fn.explain()


def test_batchnorm_counter_held_as_a_numpy_scalar_is_state():
    # eager's ``num_batches_tracked + 1`` leaves a NumPy scalar in the buffer; the recorder
    # traced only ndarrays, so once a second recording was needed (RAdam switching its
    # rectification on) the buffer was "not produced by a recorded kernel" and the step
    # ran eagerly from then on
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(4, 5), ag.nn.BatchNorm1d(5), ag.nn.ReLU(),
                                 ag.nn.Linear(5, 3)).to(dtype=ag.float64)
        opt = ag.optim.RAdam(model.parameters(), lr=0.01)
        fn = ag.compile(_square_step(model, opt)) if compiled else _square_step(model, opt)
        x = ag.tensor(np.linspace(-1, 1, 24).reshape(6, 4))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            runs.append([fn(x).item() for _ in range(10)])
        runs.append(int(model[1].num_batches_tracked.item()))
    assert runs[0] == runs[2] and runs[1] == runs[3] == 10
    assert fn.replays >= 6, fn.explain()
    assert not any(isinstance(v, np.generic) for v in opt.state[model[0].weight].values())


_VALIDATED = {  # ops that check their indices or values: one yes/no read, the same each batch
    "nll_loss": (lambda: ag.nn.Sequential(ag.nn.Linear(3, 3), ag.nn.LogSoftmax(dim=1)),
                 lambda out, y: ag.nn.functional.nll_loss(out, y)),
    "label smoothing": (lambda: ag.nn.Linear(3, 3), lambda out, y: ag.nn.functional.
                        cross_entropy(out, y, label_smoothing=0.1)),
    "binary_cross_entropy": (lambda: ag.nn.Sequential(ag.nn.Linear(3, 3), ag.nn.Sigmoid()),
                             lambda out, y: ag.nn.functional.binary_cross_entropy(
                                 out, ag.ones_like(out) * 0.7)),
    "gather": (lambda: ag.nn.Linear(3, 3), lambda out, y: out.gather(1, y[:, None]).sum()),
    "topk": (lambda: ag.nn.Linear(3, 3), lambda out, y: out.topk(2, dim=1).values.sum()),
    "indexing": (lambda: ag.nn.Linear(3, 3), lambda out, y: (out[ag.arange(4), y] ** 2).sum()),
}


def _loss_step(model, opt, loss_fn):
    def step(x, y):
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


@pytest.mark.parametrize("which", list(_VALIDATED))
def test_steps_whose_ops_validate_their_inputs_are_replayed(which):
    # these ops read the range of their labels or indices (an int of the min and max) to
    # raise PyTorch's errors: a value that changed with every batch, so the step ran
    # eagerly; they now read whether the values are valid, which stays the same
    make, loss_fn = _VALIDATED[which]
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = make().to(dtype=ag.float64)
        step = _loss_step(model, ag.optim.Adam(model.parameters(), lr=0.01), loss_fn)
        fn = ag.compile(step) if compiled else step
        rng = np.random.default_rng(0)
        runs.append([fn(ag.tensor(rng.standard_normal((4, 3))),
                        ag.tensor(rng.integers(0, 3, 4))).item() for _ in range(6)])
    assert runs[0] == runs[1]
    assert fn.replays >= 4, fn.explain()


def _defaults_step(model, opt, config):
    def step(x, model=model, opt=opt, *, cfg=config):
        loss = (model(x) ** 2).mean() * cfg.scale
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def test_state_passed_as_default_arguments_is_found_and_guarded():
    # ``def step(x, model=model, cfg=config)``: the defaults were not searched, so the
    # model's parameters were unreachable constants (the step always ran eagerly), and a
    # setting read from a default was not guarded
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = _Weighted()
        config = _Config()
        step = _defaults_step(model, ag.optim.SGD(model.parameters(), lr=0.1), config)
        fn = ag.compile(step) if compiled else step
        x = ag.tensor(np.ones((5, 4)))
        losses = []
        for i in range(6):
            config.scale = 1.0 + (i // 2)
            losses.append(fn(x).item())
        runs.append(losses)
    assert runs[0] == runs[1]
    assert fn.replays >= 2, fn.explain()


class _Trainer:
    """The trainer pattern: the model and optimizer are attributes of a plain object."""

    def __init__(self, model, opt):
        self.model = model
        self.opt = opt
        self.scale = 1.0

    def step(self, x):
        loss = (self.model(x) ** 2).mean() * self.scale
        loss.backward()
        self.opt.step()
        self.opt.zero_grad()
        return loss


def test_a_trainer_objects_model_and_optimizer_are_state():
    # a bound method of a plain object: its model's parameters were not found, so the
    # step always ran eagerly. Now they are state, a rebound ``trainer.model`` records
    # again, and a number attribute is guarded by value.
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        models = [_Weighted(), _Weighted()]
        trainer = _Trainer(models[0], ag.optim.SGD(
            list(models[0].parameters()) + list(models[1].parameters()), lr=0.1))
        fn = ag.compile(trainer.step) if compiled else trainer.step
        x = ag.tensor(np.ones((5, 4)))
        losses = []
        for i in range(12):
            trainer.model = models[i // 6]  # another model of the same shapes at call 6
            trainer.scale = 1.0 + (i // 4)
            losses.append(fn(x).item())
        runs.append(losses)
    assert runs[0] == runs[1]
    assert fn.replays >= 5, fn.explain()


class _Caching(ag.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ag.nn.Linear(4, 3).to(dtype=ag.float64)

    def forward(self, x):
        out = self.lin(x)
        self.last_output = out.detach()  # kept for inspection: Python a replay would skip
        return out


class _CountingTrainer(_Trainer):
    def step(self, x):
        self.steps = getattr(self, "steps", 0) + 1
        return super().step(x)


def _python_state_run(which, compiled):
    ag.manual_seed(0)
    model = _Caching() if which == "module attribute" else _Weighted()
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    history, metrics = [], {}
    trainer = _CountingTrainer(model, opt)

    def step(x):
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        if which == "list":
            history.append(loss.detach())
        elif which == "dict":
            metrics["loss"] = loss.detach()
        return loss
    fn = trainer.step if which == "trainer counter" else step
    fn = ag.compile(fn) if compiled else fn
    rng = np.random.default_rng(0)
    seen = []
    for _ in range(4):
        fn(ag.tensor(rng.standard_normal((5, 4))))
        seen.append({"module attribute": lambda: getattr(model, "last_output", None),
                     "trainer counter": lambda: getattr(trainer, "steps", None),
                     "list": lambda: len(history),
                     "dict": lambda: metrics.get("loss")}[which]())
    return [s.tolist() if isinstance(s, ag.Tensor) else s for s in seen], fn


@pytest.mark.parametrize("which", ["module attribute", "trainer counter", "list", "dict"])
def test_a_step_that_changes_python_state_is_not_replayed(which):
    # a forward caching its output in an attribute, a trainer counting its steps, a step
    # appending to a history list: a replay skipped that Python, and the attribute, the
    # counter or the list silently kept what the recording left
    eager, _ = _python_state_run(which, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CompileWarning)
        compiled, fn = _python_state_run(which, True)
    assert compiled == eager
    assert any("changes Python state" in str(w.message) for w in caught), \
        [str(w.message) for w in caught]
    if which == "module attribute":
        # once the attribute exists it is a tensor attribute of the module: state the
        # replay writes (the first call, which created it, ran eagerly)
        assert fn.replays >= 1, fn.explain()
    else:
        assert fn.replays == 0
