"""The eager hot path (registry dispatch, node recording, the backward loop's fast paths):
what it records must be complete and its shortcuts must give PyTorch's gradients."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.anomaly_mode import FORWARD_STACKS
from arraygrad.grad_mode import SLOW
from arraygrad.node import Node
from arraygrad.tensor import Tensor

torch = pytest.importorskip("torch")

# Tensor slots that stay unset until first used (read with getattr and a default).
_LAZY_TENSOR_SLOTS = {"_hooks", "_retains_grad", "_post_hooks", "__weakref__"}


def _recorded(x: Tensor, w: Tensor) -> dict[str, Tensor]:
    """One output per way of recording a node: unary, binary (tensor/tensor, tensor/scalar,
    scalar/tensor), an op that saves its output, the generic apply, a custom Function."""

    class Double(ag.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return {"unary": ag.sin(x), "unary()": -x, "binary": x * w, "tensor-scalar": x - 0.5,
            "scalar-tensor": 2.0 / w, "binary() tensor-scalar": ag.subtract(x, 0.5),
            "binary() scalar-tensor": ag.multiply(3, w), "saves its output": ag.exp(x),
            "apply": ag.sum(x, axis=0), "custom Function": Double.apply(x)}


def test_every_node_and_tensor_slot_is_set_on_each_recording_path():
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    w = ag.tensor([2.0, 3.0], requires_grad=True)
    for how, out in _recorded(x, w).items():
        node = out.grad_fn
        assert isinstance(node, Node), how
        for slot in Node.__slots__:
            if slot != "__weakref__":
                getattr(node, slot)  # AttributeError if the hot path forgot one
        for slot in Tensor.__slots__:
            if slot not in _LAZY_TENSOR_SLOTS:
                getattr(out, slot)
        assert out.requires_grad and not out.is_leaf, how


def test_node_arrays_are_the_inputs_arrays_and_are_released_by_backward():
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    y = x * 3.0
    node = y.grad_fn
    a, c = node.arrays
    assert a is x.array and c == 3.0
    assert node.inputs[0] is x
    y.sum().backward()
    assert node.arrays is None and node.inputs is None
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("where", ["left", "right", "unary"])
def test_inputs_already_modified_in_place_keep_their_saved_version(where):
    # An input at version > 0 is saved with its own version (not the shared all-zero
    # tuple), so a later write is still caught and an unmodified one still passes.
    def make():
        x = ag.tensor([0.5, 1.5], requires_grad=True)
        h = x * 1.0
        h.add_(1.0)  # h at version 1
        if where == "left":
            return h, h * 2.0
        if where == "right":
            return h, 2.0 * h
        return h, ag.sin(h)

    h, y = make()
    y.sum().backward()  # unmodified since: fine
    h, y = make()
    h.mul_(3.0)
    if where == "unary":  # sin reads its input
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    else:  # h * 2 reads only the constant: PyTorch allows the write, so do we
        y.sum().backward()


@pytest.mark.parametrize("which", ["output", "input"])
def test_a_write_made_during_backward_is_caught_as_torch(which):
    # Backward compares saved versions only for nodes older than the latest in-place write:
    # a hook writing in place while backward runs makes every older node check again.
    def run(lib):
        x = lib.ones(3, requires_grad=True)
        h = x * 1.0
        y = lib.exp(h) if which == "output" else lib.sin(h)  # exp saves y, sin reads h
        z = y * 2.0

        def hook(g):
            with lib.no_grad():
                (y if which == "output" else h).add_(1.0)

        z.register_hook(hook)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()

    run(torch)
    run(ag)


def _graph(lib, x, w):
    """Chains, a diamond, a reused node, a node feeding itself twice and a leaf used at
    several depths: exercises the chain fast path and its hand-over to the heap."""
    a = lib.sin(x) * 1.5
    b = a + 0.25
    for _ in range(3):  # a chain
        b = lib.tanh(b) * 0.9
    c = b * b  # one node feeding both inputs of the next
    d = lib.exp(a) - c  # a diamond: a reaches d along two paths
    e = d * w + x  # the leaves again, late
    f = lib.cos(e) + a * 2.0
    return (f * f).sum()


def test_branching_graph_matches_torch():
    rng = np.random.default_rng(0)
    xv = rng.uniform(-1, 1, size=5)
    wv = rng.uniform(-1, 1, size=5)
    x = ag.tensor(xv, dtype=ag.float64, requires_grad=True)
    w = ag.tensor(wv, dtype=ag.float64, requires_grad=True)
    _graph(ag, x, w).backward()
    tx = torch.tensor(xv, requires_grad=True)
    tw = torch.tensor(wv, requires_grad=True)
    _graph(torch, tx, tw).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_second_order_through_a_chain_matches_torch():
    xv = np.array([0.3, -0.7, 1.1])
    x = ag.tensor(xv, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(xv, requires_grad=True)
    for lib, t in ((ag, x), (torch, tx)):
        y = t
        for _ in range(4):
            y = lib.sin(y) * 1.2 + 0.1
        (g,) = (ag.autograd.grad if lib is ag else torch.autograd.grad)(
            y.sum(), t, create_graph=True)
        (g * g).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nonleaf", [False, True])
def test_backward_reads_an_input_rebound_through_data_as_torch(nonleaf):
    # Tensor.data = ... swaps the array without a version bump (it hides the change from
    # autograd): PyTorch's saved inputs then see the new values, and so do ours.
    results = []
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        h = x * 1.0 if nonleaf else x
        y = (h * w).sum()
        h.data = lib.tensor([10.0, 20.0])
        y.backward()
        results.append(np.asarray(w.grad.tolist()))
    np.testing.assert_array_equal(results[0], results[1])


def _scalar_chain(x, lib=ag, big=2 ** 60):
    y = ((x + 0.5) * 0.9 - 0.25) / 1.1
    y = lib.tanh(2.0 - y) * 3 + 1e-3
    return 0.5 / (1.0 + y * y) + (7 - y) * big


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64"])
def test_python_number_operands_converted_once_give_the_same_bits(dtype):
    # On a backend with scalar_operands (NumPy), a Python number meeting a float32/64
    # tensor in + - * / becomes one 0-d array of the tensor's dtype, shared by the forward
    # and the rule; the results must be bit-identical to leaving it a Python number.
    from arraygrad.ops import registry

    backend = ag.get_backend("numpy")
    assert backend.scalar_operands

    def run():
        x = ag.asarray(np.linspace(-1, 1, 6), dtype=getattr(ag, dtype),
                       requires_grad=dtype != "int64")
        y = _scalar_chain(x, big=3 if dtype == "float16" else 2 ** 60)
        if dtype == "int64":
            return y.numpy(), None, y.dtype, None
        y.sum().backward()
        return y.numpy(force=True), x.grad.numpy(), y.dtype, (x * 0.9).grad_fn.arrays[1]

    converted = run()
    backend.scalar_operands = False
    registry._SCALAR_DTYPES.clear()
    registry._SCALAR_PAIRS.clear()
    try:
        plain = run()
    finally:
        backend.scalar_operands = True
        registry._SCALAR_DTYPES.clear()
        registry._SCALAR_PAIRS.clear()
    assert converted[2] == plain[2]
    np.testing.assert_array_equal(converted[0], plain[0], strict=True)
    if dtype != "int64":
        np.testing.assert_array_equal(converted[1], plain[1], strict=True)
        assert isinstance(plain[3], float)
        if dtype in ("float32", "float64"):  # converted once, to the tensor's dtype
            saved = converted[3]
            assert saved.shape == () and saved.dtype == np.dtype(dtype)
        else:  # float16 keeps the number (its rounding is the backend's business)
            assert isinstance(converted[3], float)


def test_python_number_operands_match_torch():
    xv = np.linspace(-1, 1, 6)
    x = ag.tensor(xv, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(xv, requires_grad=True)
    y, ty = _scalar_chain(x), _scalar_chain(tx, torch)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(y.numpy(force=True), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("create_graph", [False, True])
def test_accumulating_into_a_gradient_keeps_its_tensor_as_torch(create_graph):
    # PyTorch adds a second backward's gradient into the .grad tensor it has (a reference
    # kept to it sees the sum, its version is bumped); under create_graph it makes a new one
    seen = []
    for lib in (torch, ag):
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        (w * 2).sum().backward(create_graph=create_graph)
        kept = w.grad
        v = lib.ones(3, dtype=lib.float64, requires_grad=True)
        uses_kept = (kept * v).sum()  # saves the kept gradient for v's gradient
        (w * 3).sum().backward(create_graph=create_graph)
        try:
            uses_kept.backward()
            error = None
        except RuntimeError as exc:
            error = "modified by an inplace operation" in str(exc)
        seen.append((kept.detach().numpy().tolist(), kept is w.grad, error))
    assert seen[1] == seen[0]


def _ops_on(x: Tensor) -> dict[str, Tensor]:
    # each way an op is dispatched: operator methods with a number on either side or a
    # Tensor, an op function (one input), unary() and binary() called directly
    return {"x * 2.0": x * 2.0, "2 - x": 2 - x, "x + x": x + x, "sin": ag.sin(x),
            "neg": -x, "add()": ag.add(x, 1.0), "sum": ag.sum(x)}


def test_each_dispatch_path_follows_its_threads_grad_mode():
    x = ag.ones(3, requires_grad=True)
    start = SLOW[0]
    seen: dict[str, dict[str, bool]] = {}
    off, checked = threading.Event(), threading.Event()

    def worker():
        with ag.no_grad():
            off.set()
            checked.wait(5)
            seen["off thread"] = {k: v.requires_grad for k, v in _ops_on(x).items()}

    thread = threading.Thread(target=worker)
    thread.start()
    off.wait(5)
    assert SLOW[0] > start  # a thread has recording off: the hot path reads the mode
    seen["on thread"] = {k: v.requires_grad for k, v in _ops_on(x).items()}
    checked.set()
    thread.join(5)
    assert all(seen["on thread"].values()), seen
    assert not any(seen["off thread"].values()), seen
    assert SLOW[0] == start
    # and in this thread, through every switch
    with ag.no_grad():
        assert not any(v.requires_grad for v in _ops_on(x).values())
        with ag.enable_grad():
            assert all(v.requires_grad for v in _ops_on(x).values())
    with ag.inference_mode():
        assert not any(v.requires_grad for v in _ops_on(x).values())
    ag.set_grad_enabled(False)
    try:
        assert not any(v.requires_grad for v in _ops_on(x).values())
    finally:
        ag.set_grad_enabled(True)
    assert all(v.requires_grad for v in _ops_on(x).values())
    assert SLOW[0] == start


def test_the_fast_flag_counts_every_switch_exactly():
    start = SLOW[0]
    x = ag.ones(2, requires_grad=True)

    @ag.no_grad()
    def quiet():
        assert SLOW[0] == start + 1
        return x * 2.0

    assert not quiet().requires_grad
    with ag.no_grad(), ag.no_grad():  # nested: one thread, counted once
        assert SLOW[0] == start + 1
    with ag.set_grad_enabled(False):
        with ag.set_grad_enabled(True):
            assert SLOW[0] == start
    (x * x).sum().backward()  # backward switches recording off while it runs
    with pytest.raises(ValueError):
        with ag.no_grad():
            raise ValueError
    assert SLOW[0] == start
    ag.autograd.set_detect_anomaly(True)
    try:
        assert SLOW[0] == start + 1
        ag.autograd.set_detect_anomaly(True)  # already on: counted once
        assert SLOW[0] == start + 1
    finally:
        ag.autograd.set_detect_anomaly(False)
    assert SLOW[0] == start

    # a thread that ends with its mode off is uncounted when its thread-local state goes
    def leave_off():
        ag.set_grad_enabled(False)
        assert SLOW[0] == start + 1

    thread = threading.Thread(target=leave_off)
    thread.start()
    thread.join(5)
    gc.collect()
    assert SLOW[0] == start


def test_anomaly_mode_remembers_the_stack_on_each_dispatch_path():
    x = ag.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection"):
        with ag.autograd.detect_anomaly():
            made = _ops_on(x)
    for how, out in made.items():
        assert "test_eager_path.py" in FORWARD_STACKS[out.grad_fn], how
    assert FORWARD_STACKS.get((x * 3.0).grad_fn) is None  # off again: nothing remembered


def _dtype_chain(lib, x, hook=None):
    # real -> complex -> real and float64 -> float32 -> float64 inside one chain: the backward
    # chain's shortcut for a gradient whose dtype the previous node checked must not skip
    # a conversion or the complex convention
    y = lib.sin(x * 0.5)
    z = y.to(lib.complex128) * (1.0 + 2.0j)
    w = lib.real(lib.exp(z) * (0.3 - 1.0j)) * 0.25
    if hook is not None:
        w.register_hook(hook)
    v = lib.tanh(w.to(lib.float32) * 2.0).to(lib.float64)
    return (lib.cos(v) * 3.0).sum()


@pytest.mark.parametrize("hooked", [False, True])
def test_a_chain_through_dtype_changes_and_complex_values_matches_torch(hooked):
    values = [0.25, -1.0, 2.0]
    x = ag.tensor(values, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    _dtype_chain(ag, x, (lambda g: g * 2.0) if hooked else None).backward()
    _dtype_chain(torch, tx, (lambda g: g * 2.0) if hooked else None).backward()
    assert x.grad.dtype == ag.float64
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_a_chain_on_a_complex_leaf_follows_torchs_convention():
    values = [0.5 + 0.25j, -1.0 + 1.0j]
    grads = []
    for lib, dtype in ((ag, ag.complex128), (torch, torch.complex128)):
        z = lib.tensor(values, dtype=dtype, requires_grad=True)
        w = lib.real(lib.exp(z * 0.5) * (0.3 - 1.0j)) * 2.0
        lib.tanh(w).sum().backward()
        grads.append(np.asarray(z.grad.detach().numpy() if lib is torch else z.grad.numpy()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
