"""ag.compile on JAX: how a call passes the state to the jitted computation and binds it
back (flat arguments, kept arrays, the random key), checked against eager to 1e-6."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.compile import CompileError, CompileWarning

F = ag.nn.functional

pytest.importorskip("jax")


def _batches(n: int, seed: int = 3) -> list:
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((8, 6)).astype(np.float32),
             rng.standard_normal((8, 3)).astype(np.float32)) for _ in range(n)]


def _traced_counts(compiled: bool) -> tuple:
    """Three steps of a model whose step advances a counter (Python a replay skips)."""
    with ag.use_backend("jax"):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(6, 12), ag.nn.ReLU(), ag.nn.Linear(12, 3))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        ran = itertools.count()

        def step(x, y):
            next(ran)
            loss = F.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        fn = ag.compile(step) if compiled else step
        losses = [fn(ag.asarray(x, backend="jax"), ag.asarray(y, backend="jax")).item()
                  for x, y in _batches(3)]
        after = ag.rand(4).numpy(force=True)  # the random stream the steps left
        return losses, [p.numpy(force=True) for p in model.parameters()], next(ran), after, fn


def test_jax_first_call_runs_the_step_python_once_and_draws_nothing():
    eager = _traced_counts(False)
    comp = _traced_counts(True)
    fn = comp[4]
    assert fn.replays == 3 and fn.eager_calls == 0, fn.explain()
    # eager runs the Python three times; the compiled step once, while it is traced (not a
    # second time for jax.jit), and never on a replay
    assert eager[2] == 3 and comp[2] == 1
    np.testing.assert_allclose(comp[0], eager[0], rtol=1e-6, atol=1e-6)
    for p, q in zip(comp[1], eager[1]):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-6)
    # a step that draws no random numbers leaves the random stream where eager leaves it
    np.testing.assert_array_equal(comp[3], eager[3])


def _frozen_run(compiled: bool) -> tuple:
    """A frozen first layer, SGD with momentum and a scheduler, a keyword argument, the
    learning rate returned, and gradients left by an eager backward before the first call
    (the step clears them)."""
    with ag.use_backend("jax"):
        ag.manual_seed(1)
        model = ag.nn.Sequential(ag.nn.Linear(6, 12), ag.nn.Tanh(), ag.nn.Linear(12, 3))
        model[0].weight.requires_grad_(False)
        frozen = model[0].weight.array
        opt = ag.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.05,
                           momentum=0.9)
        x0, y0 = _batches(1, seed=9)[0]
        F.mse_loss(model(ag.asarray(x0, backend="jax")),
                   ag.asarray(y0, backend="jax")).backward()

        def step(x, *, target):
            loss = F.mse_loss(model(x), target)
            loss.backward()
            opt.step()
            opt.zero_grad()
            return {"loss": loss, "lr": opt.param_groups[0]["lr"]}
        fn = ag.compile(step) if compiled else step
        sched = ag.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        outs: list = []
        lrs: list = []
        for x, y in _batches(4):
            out = fn(ag.asarray(x, backend="jax"), target=ag.asarray(y, backend="jax"))
            outs.append(out["loss"].item())
            lrs.append(out["lr"])
            sched.step()
        kept = model[0].weight.array is frozen and float(np.asarray(frozen).sum()) == float(
            np.asarray(model[0].weight.array).sum())
        grads = [p.grad for p in model.parameters()]
        moms = [(type(st["momentum_buffer"]), np.asarray(st["momentum_buffer"]))
                for st in opt.state.values()]
        return (outs, [p.numpy(force=True) for p in model.parameters()], kept, grads, moms, fn,
                lrs)


def test_jax_frozen_parameter_keyword_argument_returned_lr_and_cleared_gradients():
    eager = _frozen_run(False)
    comp = _frozen_run(True)
    fn = comp[5]
    assert fn.replays == 4 and fn.eager_calls == 0, fn.explain()
    np.testing.assert_allclose(comp[0], eager[0], rtol=1e-6, atol=1e-6)
    # the learning rate the step returns is read at call time and comes back as a float
    assert eager[6] == comp[6] == [0.05, 0.025, 0.0125, 0.00625]
    assert all(type(lr) is float for lr in comp[6])
    for p, q in zip(comp[1], eager[1]):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-6)
    assert len(comp[4]) == len(eager[4]) == 3
    for (tm, m), (tn, n) in zip(comp[4], eager[4]):  # the same kind of object as eager's
        assert tm is tn
        np.testing.assert_allclose(m, n, rtol=1e-6, atol=1e-6)
    # the frozen weight is passed in, not donated and not returned: the caller's array
    # stays that very array and stays valid
    assert eager[2] and comp[2]
    assert all(g is None for g in eager[3]) and all(g is None for g in comp[3])


def test_jax_changed_closure_tensor_between_replays_is_read():
    with ag.use_backend("jax"), warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        w = ag.tensor([1.0, -2.0, 0.5], requires_grad=True)
        scale = ag.tensor([2.0, 2.0, 2.0])
        opt = ag.optim.SGD([w], lr=0.1)

        def step():
            loss = ((w * scale) ** 2).sum()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        fn = ag.compile(step)
        first = [fn().item() for _ in range(2)]
        with ag.no_grad():
            scale.mul_(0.5)  # the data changes in place: the next replay must see it
        wv = w.numpy(force=True)
        got = fn().item()
    assert fn.replays == 3, fn.explain()
    assert first[1] < first[0]
    np.testing.assert_allclose(got, float(((wv * 1.0) ** 2).sum()), rtol=1e-6)


def _step_taking_next(model: Any, opt: Any, it: Any) -> Any:
    """A step that takes its batch with ``next(it)``: a trace bakes the batch in."""
    def step():
        x, y = next(it)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    return step


def _next_batch_run(compiled: bool) -> tuple:
    with ag.use_backend("jax"):
        ag.manual_seed(2)
        model = ag.nn.Linear(6, 3)
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        taken = itertools.count()

        def batches():
            for x, y in _batches(6):
                next(taken)
                yield ag.asarray(x, backend="jax"), ag.asarray(y, backend="jax")
        step = _step_taking_next(model, opt, batches())
        fn = ag.compile(step) if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            losses = [fn().item() for _ in range(3)]
        return losses, [p.numpy(force=True) for p in model.parameters()], next(taken), caught


def test_jax_step_that_bakes_in_a_batch_takes_one_batch_per_call():
    eager = _next_batch_run(False)
    comp = _next_batch_run(True)
    # the call that traced the step runs that trace instead of the step's Python again
    assert eager[2] == comp[2] == 3
    assert any("bake it into every call" in str(w.message) for w in comp[3])
    np.testing.assert_allclose(comp[0], eager[0], rtol=1e-6, atol=1e-6)
    for p, q in zip(comp[1], eager[1]):
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-6)


def test_jax_fullgraph_step_that_bakes_in_a_batch_raises_and_changes_nothing():
    with ag.use_backend("jax"):
        ag.manual_seed(2)
        model = ag.nn.Linear(6, 3)
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        before = [p.numpy(force=True).copy() for p in model.parameters()]
        x, y = _batches(1)[0]
        it = iter([(ag.asarray(x, backend="jax"), ag.asarray(y, backend="jax"))])
        step = _step_taking_next(model, opt, it)
        with pytest.raises(CompileError, match="bake it into every call"):
            ag.compile(step, fullgraph=True)()
        after = [p.numpy(force=True) for p in model.parameters()]
        assert all(np.array_equal(a, b) for a, b in zip(before, after))
        assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("name", ["numpy", "jax"])
def test_keyword_arguments_in_another_order_are_not_replayed_by_position(name):
    with ag.use_backend(name), warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        opt = ag.optim.SGD([w], lr=0.0)

        def step(x, *, a, b):
            loss = (w * x * a - b).sum()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss
        fn = ag.compile(step)
        x, a, b = ag.ones(2), ag.tensor([3.0, 3.0]), ag.tensor([10.0, 10.0])
        assert [fn(x, a=a, b=b).item() for _ in range(3)] == [-11.0] * 3
        assert fn(x, b=b, a=a).item() == -11.0  # was 24.0: a and b read swapped
        assert fn.replays >= 1 and "guard miss (keyword argument names)" in fn.explain()


def _effect_step(model, opt, effect, history, gen):
    def step(x, y):
        scale = 1.0 + (float(gen.uniform()) if effect == "generator draw" else 0.0)
        loss = F.mse_loss(model(x), y) * scale
        loss.backward()
        opt.step()
        opt.zero_grad()
        if effect == "history list":
            history.append(loss.detach())
        return loss
    return step


@pytest.mark.parametrize("effect", ["history list", "generator draw"])
def test_jax_step_with_python_effects_runs_eagerly(effect):
    # a history list grown by the step, a number drawn from a generator of its closure:
    # the traced program would skip the append and bake in the number; and the trace that
    # found it must not leave its own append or draw behind
    results = []
    for compiled in (False, True):
        with ag.use_backend("jax"):
            ag.manual_seed(0)
            model = ag.nn.Linear(6, 3)
            history: list = []
            step = _effect_step(model, ag.optim.SGD(model.parameters(), lr=0.1), effect,
                                history, np.random.default_rng(0))
            fn = ag.compile(step) if compiled else step
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", CompileWarning)
                losses = [fn(ag.tensor(x), ag.tensor(y)).item() for x, y in _batches(3)]
        results.append((losses, len(history)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    assert results[1][1] == results[0][1]
    assert fn.replays == 0
    assert any(("changes Python state" if effect == "history list" else "draws numbers")
               in str(w.message) for w in caught), [str(w.message) for w in caught]


def test_jax_main_job_cnn_step_compiles_and_matches_eager():
    # the max-pool gradient read ``g.device``, which a JAX tracer does not have: the main
    # job's step could not be traced, and ``arraygrad train --backend jax`` ran eagerly
    from arraygrad.cli import _train_step, build_model
    ag.manual_seed(0)
    init = [p.detach().numpy().copy() for p in build_model("cnn", (1, 8, 8), 10).parameters()]
    runs = []
    for backend in ("numpy", "jax"):  # eager numpy as the reference (eager JAX compiles
        with ag.use_backend(backend):  # every op on its own: half a minute)
            model = build_model("cnn", (1, 8, 8), 10)
            with ag.no_grad():
                for p, w in zip(model.parameters(), init, strict=True):
                    p.copy_(ag.asarray(w, backend=backend))
            step = _train_step(model, ag.optim.create("adam", model.parameters(), lr=3e-3))
            fn = ag.compile(step, fullgraph=True) if backend == "jax" else step
            rng = np.random.default_rng(0)
            for _ in range(3):
                fn(ag.tensor(rng.standard_normal((8, 1, 8, 8)).astype(np.float32)),
                   ag.tensor(rng.integers(0, 10, 8)))
            runs.append([p.detach().numpy() for p in model.parameters()])
    assert fn.replays >= 2
    for a, b in zip(*runs):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
