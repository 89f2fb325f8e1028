"""The backward engine: long chains, shared subgraphs, accumulation, retain_graph,
higher order, ``autograd.grad``, hooks, grad modes, custom Functions and gradchecks."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import host


class _CountCalls:
    """Count calls of one op's VJP rules (restored on exit)."""

    def __init__(self, name: str) -> None:
        self.op = ag.OPS[name]
        self.calls = 0

    def __enter__(self) -> _CountCalls:
        self.saved = self.op.vjps

        def counted(rule):
            if rule is None:
                return None

            def wrapper(*args, **kwargs):
                self.calls += 1
                return rule(*args, **kwargs)

            return wrapper

        self.op.vjps = tuple(counted(r) for r in self.saved)
        return self

    def __exit__(self, *exc) -> None:
        self.op.vjps = self.saved


def test_100k_op_chain_backpropagates_without_recursion():
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    with _CountCalls("multiply") as counter:
        y.backward()
    assert counter.calls == 100_000  # each node visited exactly once: linear work
    np.testing.assert_allclose(x.grad.item(), 1.0001 ** 100_000, rtol=1e-8)


def test_shared_subgraphs_are_visited_once():
    # y doubles 60 times through two paths each step: 2**60 paths, 120 rule calls.
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(60):
        y = y * 1.0 + y * 1.0
    with _CountCalls("multiply") as counter:
        y.backward()
    assert counter.calls == 120
    assert x.grad.item() == 2.0 ** 60


def test_gradients_accumulate(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3.0 * x).sum().backward()
    np.testing.assert_allclose(host(x.grad), [5.0, 7.0])
    y = (x * 2.0).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(host(x.grad), [9.0, 11.0])


def test_second_backward_without_retain_graph_raises(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time") as info:
        y.backward()
    assert "retain_graph=True" in str(info.value)


def test_hessian_vector_product(backend):
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    v = ag.tensor([1.0, 2.0, -1.0])
    f = (x ** 3).sum() + (x[0] * x[1])
    (g,) = ag.autograd.grad(f, x, create_graph=True)
    assert g.requires_grad
    (hv,) = ag.autograd.grad((g * v).sum(), x)
    # H = diag(6x) + [[0,1,0],[1,0,0],[0,0,0]]
    np.testing.assert_allclose(host(hv), [6 * 0.5 * 1 + 2.0, 6 * -1.0 * 2 + 1.0, 6 * 2.0 * -1],
                               rtol=1e-6)


def test_backward_create_graph_then_differentiate_grad(backend):
    x = ag.tensor(2.0, requires_grad=True)
    (x ** 4).backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.item() == pytest.approx(32.0)
    (g2,) = ag.autograd.grad(g, x)
    assert g2.item() == pytest.approx(48.0)


def test_autograd_grad_grad_outputs_and_allow_unused(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    unused = ag.tensor([3.0], requires_grad=True)
    y = x * x
    (gx,) = ag.autograd.grad(y, x, grad_outputs=ag.tensor([1.0, 10.0]), retain_graph=True)
    np.testing.assert_allclose(host(gx), [2.0, 40.0])
    assert x.grad is None  # grad() never touches .grad
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.autograd.grad(y.sum(), [x, unused], retain_graph=True)
    gx, gu = ag.autograd.grad(y.sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(host(gx), [2.0, 4.0])


def test_autograd_grad_several_outputs(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.autograd.grad([x.sum(), (x * x).sum()], x)
    np.testing.assert_allclose(host(g), [3.0, 5.0])


def test_backward_inputs_limits_accumulation(backend):
    a = ag.tensor(1.0, requires_grad=True)
    b = ag.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_hook_replaces_gradient_and_can_be_removed(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: g * 10.0)
    x.register_hook(lambda g: seen.append(host(g)))
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(host(x.grad), [30.0, 30.0])
    np.testing.assert_allclose(seen[0], [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(host(x.grad), [3.0, 3.0])


def test_hook_on_intermediate_changes_upstream_gradient(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    h.register_hook(lambda g: g * 0.0 + 1.0)
    (h * h).sum().backward()
    np.testing.assert_allclose(host(x.grad), [2.0, 2.0])


def test_retain_grad(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    k = h * 1.0
    h.retain_grad()
    assert h.retains_grad and not k.retains_grad
    (h * h).sum().backward()
    np.testing.assert_allclose(host(h.grad), [6.0, 12.0])
    assert k.grad is None


@pytest.mark.parametrize("switch", [ag.no_grad, lambda: ag.set_grad_enabled(False),
                                    ag.inference_mode])
def test_grad_modes_as_context_managers(backend, switch):
    x = ag.ones(2, requires_grad=True)
    with switch():
        y = x * 2.0
        assert not ag.is_grad_enabled()
        with ag.enable_grad():
            z = x * 2.0
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad


def test_grad_modes_as_decorators(backend):
    x = ag.ones(2, requires_grad=True)

    @ag.no_grad()
    def frozen(t):
        return t * 2.0

    @ag.enable_grad()
    def recorded(t):
        return t * 2.0

    @ag.inference_mode()
    def infer(t):
        return t * 2.0

    @ag.set_grad_enabled(False)
    def off(t):
        return t * 2.0

    assert ag.is_grad_enabled()  # the set_grad_enabled(False) decorator did not leak
    assert not frozen(x).requires_grad and not infer(x).requires_grad
    assert not off(x).requires_grad
    with ag.no_grad():
        assert recorded(x).requires_grad
    assert frozen.__name__ == "frozen"


def test_set_grad_enabled_as_a_function(backend):
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_inference_mode_false_keeps_recording(backend):
    x = ag.ones(2, requires_grad=True)
    with ag.inference_mode(False):
        assert (x * 2.0).requires_grad


def test_grad_mode_is_thread_local():
    x = ag.ones(2, requires_grad=True)
    results = {}
    entered, checked = threading.Event(), threading.Event()

    def worker():
        with ag.no_grad():
            entered.set()
            checked.wait(5)
            results["worker"] = (x * 2.0).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    entered.wait(5)
    results["main"] = (x * 2.0).requires_grad  # main thread is not under no_grad
    checked.set()
    thread.join(5)
    assert results == {"main": True, "worker": False}

    with ag.no_grad():  # and the other way round
        other = {}
        t = threading.Thread(target=lambda: other.update(on=ag.is_grad_enabled()))
        t.start()
        t.join(5)
    assert other == {"on": True}


class _Cube(ag.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3.0 * x ** 2 * g


class _ScaledProduct(ag.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b * ctx.scale, g * a * ctx.scale, None


def test_custom_function(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = _Cube.apply(x)
    assert y.grad_fn.name() == "_CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), [3.0, 12.0])
    a = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([3.0, -1.0], dtype=ag.float64, requires_grad=True)
    assert ag.autograd.gradcheck(lambda p, q: _ScaledProduct.apply(p, q, 2.5), (a, b))


def test_custom_function_second_order(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.autograd.grad(_Cube.apply(x).sum(), x, create_graph=True)
    (h,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(host(h), [6.0, 12.0])


def test_custom_function_saved_tensor_modified(backend):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = _Cube.apply(h)
    h += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()


class _WrongAtOne(ag.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        wrong = ag.tensor([1.0, 1.5, 1.0], dtype=ag.float64)
        return g * b, g * a * wrong  # wrong for element 1 of input 1


def test_gradcheck_names_the_input_and_element():
    a = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([0.5, 0.25, 2.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(ag.autograd.GradcheckError) as info:
        ag.autograd.gradcheck(lambda p, q: _WrongAtOne.apply(p, q).sum(), (a, b))
    message = str(info.value)
    assert "input 1" in message and "element (1,)" in message
    assert not ag.autograd.gradcheck(lambda p, q: _WrongAtOne.apply(p, q).sum(), (a, b),
                                     raise_exception=False)


class _DetachedBackward(ag.autograd.Function):
    """Right first derivative, written so that it has no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.detach().cos()


def test_gradgradcheck(backend):
    x = ag.tensor([0.3, -1.2], dtype=ag.float64, requires_grad=True)
    assert ag.autograd.gradgradcheck(lambda t: (t.sin() * t.exp()).sum(), (x,))
    assert ag.autograd.gradcheck(lambda t: _DetachedBackward.apply(t), (x,))
    with pytest.raises(ag.autograd.GradcheckError):
        ag.autograd.gradgradcheck(lambda t: _DetachedBackward.apply(t), (x,))
