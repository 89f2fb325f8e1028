"""``Tensor.register_post_accumulate_grad_hook`` against PyTorch: when the hooks fire (order,
and before the rest of backward), what ``.grad`` holds then, accumulation, retain_graph,
leaves used several times, removal, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")


def _net(lib, values):
    """Leaves w0..w3 of a small net; w1 is used twice (in two layers), x needs no grad."""
    if lib is torch:
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
        x = torch.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    else:
        leaves = [ag.tensor(v, requires_grad=True) for v in values]
        x = ag.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    w0, w1, w2, b = leaves

    def loss():
        h = lib.tanh(x @ w0 + b)
        h = lib.tanh(h @ w1) * b
        return ((h @ w1) @ w2).sum() + (w2 * w2).sum()
    return leaves, loss


def _record(lib, calls, retain=False):
    rng = np.random.default_rng(0)
    values = [rng.standard_normal(s) for s in ((4, 5), (5, 5), (5, 2), (5,))]
    leaves, loss = _net(lib, values)
    names = ["w0", "w1", "w2", "b"]
    log = []

    def hook_for(name):
        def hook(p):
            others = tuple(q.grad is None for q in leaves)  # what is final so far
            log.append((name, p.grad.detach().numpy().copy(), others))
        return hook
    handles = [p.register_post_accumulate_grad_hook(hook_for(n)) for p, n in zip(leaves, names)]
    out = loss()
    for _ in range(calls):
        out.backward(retain_graph=retain)
        if not retain:
            out = loss()
    return log, leaves, handles, loss


def _same(ours, theirs):
    assert [e[0] for e in ours] == [e[0] for e in theirs]
    assert [e[2] for e in ours] == [e[2] for e in theirs]
    for (_, a, _), (_, b, _) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("calls", "retain"), [(1, False), (2, False), (2, True)])
def test_order_values_and_accumulation_match_torch(calls, retain):
    ours, leaves, _, _ = _record(ag, calls, retain)
    theirs, *_ = _record(torch, calls, retain)
    assert len(ours) == 4 * calls
    _same(ours, theirs)
    # the hooks fire during backward: the last layer's weight is final first, while the
    # other leaves have no gradient yet
    assert ours[0][0] == "w2" and ours[0][2] == (True, True, False, True)


def test_removed_hooks_stop_firing_and_one_hook_per_registration():
    log, leaves, handles, loss = _record(ag, 1)
    for h in handles[:3]:
        h.remove()
        h.remove()  # twice is harmless
    log.clear()
    loss().backward()
    assert [e[0] for e in log] == ["b"]
    handles[3].remove()
    seen = []
    w = leaves[0]
    w.register_post_accumulate_grad_hook(lambda p: seen.append(1))
    w.register_post_accumulate_grad_hook(lambda p: seen.append(2))
    (w * w).sum().backward()  # used twice by one node, in one pass: each hook fires once
    assert seen == [1, 2]


@pytest.mark.filterwarnings(r"ignore:Using backward\(\) with create_graph=True")
def test_leaf_as_root_create_graph_grad_and_inputs():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    for lib, t in ((ag, w), (torch, tw)):
        log = []
        t.register_post_accumulate_grad_hook(
            lambda p, log=log: log.append((p.grad.tolist(), p.grad.requires_grad)))
        t.sum().backward()                                    # the leaf is a root
        (t * t).sum().backward(create_graph=True)             # .grad has a graph
        lib.autograd.grad((t * 3).sum(), t)                   # accumulates nothing
        t.grad = None
        (t * 5).sum().backward(inputs=[t])
        if lib is ag:
            ours = log
        else:
            assert ours == log, (ours, log)
    assert ours == [([1.0, 1.0], False), ([3.0, 5.0], True), ([5.0, 5.0], False)]


def test_a_hook_may_replace_grad_and_an_unreached_leaf_fires_nothing():
    a = ag.ones(2, requires_grad=True)
    b = ag.ones(2, requires_grad=True)
    fired = []
    a.register_post_accumulate_grad_hook(lambda p: setattr(p, "grad", p.grad * 10))
    b.register_post_accumulate_grad_hook(lambda p: fired.append(p))
    (a * 2).sum().backward()
    assert a.grad.tolist() == [20.0, 20.0] and fired == []


def test_errors_match_torch():
    x = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="doesn't require grad"):
        ag.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    x.register_post_accumulate_grad_hook(lambda p: p * 0)
    with pytest.raises(RuntimeError, match="must return None"):
        x.sum().backward()
    y = ag.ones(2, requires_grad=True)
    y.register_post_accumulate_grad_hook(lambda p: 5)
    with pytest.raises(TypeError, match="returned int"):
        y.sum().backward()
