"""``arraygrad.utils.checkpoint`` against PyTorch: the same values and gradients as an
uncheckpointed run, the random numbers of the first run in the second, PyTorch's
``use_reentrant`` behaviours, and no intermediate arrays kept."""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.compile import CompileWarning
from arraygrad.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")
from torch.utils import checkpoint as tcp  # noqa: E402


def _pair(seed=0):
    ag.manual_seed(seed)
    net = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.Linear(8, 8), ag.nn.ReLU(),
                           ag.nn.Linear(8, 3)).to(dtype=ag.float64)
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                               torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    with torch.no_grad():
        for p, q in zip(tnet.parameters(), net.parameters()):
            p.copy_(torch.from_numpy(q.detach().numpy().copy()))
    return net, tnet


def _grads(model):
    return [p.grad.numpy() for p in model.parameters()]


@pytest.mark.parametrize("reentrant", [True, False])
def test_values_and_gradients_match_pytorch(reentrant):
    net, tnet = _pair()
    x0 = np.random.default_rng(1).standard_normal((5, 4))
    x = ag.tensor(x0, requires_grad=True)
    tx = torch.tensor(x0, requires_grad=True)
    h = checkpoint(net[:2], x * 2, use_reentrant=reentrant)
    out = checkpoint(net[2:], h, use_reentrant=reentrant)
    th = tcp.checkpoint(tnet[:2], tx * 2, use_reentrant=reentrant)
    tout = tcp.checkpoint(tnet[2:], th, use_reentrant=reentrant)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    for a, b in zip(_grads(net), [p.grad.numpy() for p in tnet.parameters()]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def test_parameters_get_gradients_when_no_input_requires_grad():
    net, tnet = _pair()
    x0 = np.ones((2, 4))
    out = checkpoint(net, ag.tensor(x0), use_reentrant=False)
    tout = tcp.checkpoint(tnet, torch.tensor(x0), use_reentrant=False)
    assert out.requires_grad and tout.requires_grad
    out.sum().backward()
    tout.sum().backward()
    for a, b in zip(_grads(net), [p.grad.numpy() for p in tnet.parameters()]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_reentrant_rules_are_pytorchs():
    net, _ = _pair()
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
        checkpoint(net, ag.ones(2, 4, dtype=ag.float64, requires_grad=True))
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad"):
        out = checkpoint(net, ag.ones(2, 4, dtype=ag.float64), use_reentrant=True)
    assert not out.requires_grad
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda x, scale: x * scale, ag.ones(2), scale=2.0, use_reentrant=True)
    got = checkpoint(lambda x, scale: x * scale, ag.ones(2, requires_grad=True), scale=2.0,
                     use_reentrant=False)
    assert got.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="must be callable"):
        checkpoint(3, ag.ones(2), use_reentrant=False)


def test_tuple_outputs_closure_tensors_and_autograd_grad():
    w = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    tw = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    scale = w * 3  # a non-leaf tensor of the caller's graph, used from the closure

    def f(x):
        return x * scale, (x * w).sum(), "label"

    tscale = tw * 3

    def tf(x):
        return x * tscale, (x * tw).sum(), "label"

    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, requires_grad=True)
    tx = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    a, b, label = checkpoint(f, x, use_reentrant=False)
    ta, tb, _ = tcp.checkpoint(tf, tx, use_reentrant=False)
    assert label == "label"
    gx, gw = ag.autograd.grad((a ** 2).sum() + b, [x, w])
    tgx, tgw = torch.autograd.grad((ta ** 2).sum() + tb, [tx, tw])
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), tgw.numpy(), rtol=1e-12)
    assert w.grad is None  # autograd.grad touches no .grad


def test_dropout_masks_of_the_first_run_are_used_again():
    ag.manual_seed(0)
    drop = ag.nn.Sequential(ag.nn.Linear(6, 6), ag.nn.Dropout(0.5)).to(dtype=ag.float64)
    x0 = np.random.default_rng(2).standard_normal((4, 6))
    ag.manual_seed(5)
    ref = drop(ag.tensor(x0))
    ref.sum().backward()
    want = drop[0].weight.grad.numpy().copy()
    drop.zero_grad()
    ag.manual_seed(5)
    out = checkpoint(drop, ag.tensor(x0), use_reentrant=False)
    after = ag.rand(3).numpy()  # the generator continues as after a plain call
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    out.sum().backward()
    np.testing.assert_array_equal(drop[0].weight.grad.numpy(), want)
    ag.manual_seed(5)
    drop(ag.tensor(x0))
    np.testing.assert_array_equal(ag.rand(3).numpy(), after)


def test_intermediates_are_not_kept():
    kept = []

    class Spy(ag.nn.Module):
        def forward(self, x):
            h = x.tanh()
            kept.append(weakref.ref(h))
            return h * 2

    x = ag.ones(3, requires_grad=True)
    out = checkpoint(Spy(), x, use_reentrant=False)
    gc.collect()
    assert kept[0]() is None  # the first run's activations are gone
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (1 - np.tanh(1.0) ** 2))


def test_checkpoint_sequential_matches_pytorch():
    net, tnet = _pair()
    x0 = np.random.default_rng(3).standard_normal((3, 4))
    x, tx = ag.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    out = checkpoint_sequential(net, 2, x, use_reentrant=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = tcp.checkpoint_sequential(tnet, 2, tx, use_reentrant=False)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    for a, b in zip(_grads(net), [p.grad.numpy() for p in tnet.parameters()]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="segments"):
        checkpoint_sequential(net, 0, x, use_reentrant=False)


def test_no_grad_runs_the_function_plainly():
    with ag.no_grad():
        out = checkpoint(lambda t: t * 2, ag.ones(2, requires_grad=True), use_reentrant=False)
    assert not out.requires_grad and out.tolist() == [2.0, 2.0]


def test_a_compiled_step_with_a_checkpoint_runs_eagerly_and_says_why():
    # a replay would draw new numbers for the second run's dropout masks instead of
    # repeating the first run's: the recording refuses the generator's save and restore
    def make():
        ag.manual_seed(0)
        net = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Dropout(0.2), ag.nn.Tanh(),
                               ag.nn.Linear(8, 1)).to(dtype=ag.float64)
        opt = ag.optim.Adam(net.parameters(), lr=1e-2)

        def step(x):
            opt.zero_grad()
            loss = (net[3](checkpoint(net[:3], x, use_reentrant=False)) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return net, step

    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 4)))
    (eager_net, eager), (net, step) = make(), make()
    compiled = ag.compile(step)
    ag.manual_seed(1)
    want = [eager(x).item() for _ in range(4)]
    ag.manual_seed(1)
    with pytest.warns(CompileWarning, match="restores the random-number generator's state"):
        got = [compiled(x).item() for _ in range(4)]
    assert got == want and compiled.replays == 0
    for p, q in zip(eager_net.parameters(), net.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
