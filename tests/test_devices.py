"""Devices and transfers: ``.to``, ``.cpu``, ``ag.devices``, ``device=`` on creation, errors.

array-api-strict's simulated devices ``device1``/``device2`` stand in for GPUs; the JAX
backend (CPU) is the second library for cross-backend moves.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.backend_registry import BackendError

STRICT = "array_api_strict"


def _needs(name: str) -> None:
    status = ag.backends.available().get(name)
    if status is None or not status.ok:
        pytest.skip(f"backend {name!r} unavailable: {status.error if status else 'undeclared'}")


# ----------------------------------------------------------------------------- transfers
@pytest.mark.parametrize("src,dst", [("numpy", "jax"), ("jax", "numpy"), ("numpy", STRICT),
                                     (STRICT, "jax")])
def test_backend_move_is_differentiable(src, dst):
    _needs(src)
    _needs(dst)
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, backend=src, requires_grad=True)
    y = x.to(backend=dst)
    assert y.backend.name == dst and y.device == ag.get_backend(dst).default_device
    assert y.grad_fn is not None and y.grad_fn.name() == "ToBackward"
    (y * y * y).sum().backward()
    assert x.grad.backend.name == src and x.grad.device == x.device
    assert ag.get_backend(src).owns(x.grad.array)
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([0.5, -1.0, 2.0]) ** 2)


def test_second_order_through_a_move():
    _needs("jax")
    x = ag.tensor([0.5, 2.0], dtype=ag.float64, requires_grad=True)
    z = (x.to(backend="jax") ** 3).sum()
    (g,) = ag.autograd.grad(z, x, create_graph=True)
    assert g.backend.name == "numpy"
    (gg,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([0.5, 2.0]))


def test_device_move_within_a_backend_sends_the_gradient_back():
    x = ag.tensor([1.0, 2.0], backend=STRICT, requires_grad=True)
    y = x.to("device1")
    assert (y.device, y.backend.name) == ("device1", STRICT)
    assert y.cpu().device == "cpu" and y.cpu().backend.name == STRICT
    (y * 3).sum().backward()
    assert x.grad.device == "cpu"
    assert x.grad.tolist() == [3.0, 3.0]


def test_to_with_device_and_backend_and_dtype():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(device="device2", backend=STRICT, dtype=ag.float64)
    assert (y.backend.name, y.device, y.dtype) == (STRICT, "device2", ag.float64)
    y.sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.backend.name == "numpy"
    assert x.grad.tolist() == [1.0, 1.0]


def test_to_same_place_returns_self_unless_copy():
    x = ag.tensor([1.0, 2.0])
    assert x.to("cpu") is x and x.to(backend="numpy") is x
    c = x.to("cpu", copy=True)
    assert c is not x and c.tolist() == x.tolist()
    c[0] = 7.0
    assert x.tolist() == [1.0, 2.0]


def test_moved_copy_does_not_alias_a_mutable_source():
    _needs("jax")
    x = ag.tensor([1.0, 2.0])
    y = x.to(backend="jax")
    x[0] = 9.0  # numpy changes in place; the immutable JAX copy must not see it
    assert y.tolist() == [1.0, 2.0]


def test_unknown_device_error_lists_every_backend():
    if any("cuda:0" in s.devices for s in ag.backends.available().values() if s.ok):
        pytest.skip("a CUDA device is present")
    with pytest.raises(BackendError, match=r"no available backend has device 'cuda:0'") as e:
        ag.ones(2).to("cuda:0")
    assert "numpy: ok" in str(e.value) and "cupy" in str(e.value)
    with pytest.raises(BackendError, match=r"has no device 'device9'.*device1"):
        ag.ones(2, backend=STRICT).to("device9", backend=STRICT)


def test_device_alias_finds_the_backend_that_accepts_it():
    from arraygrad.backend_registry import Backend, BackendSpec, make_namespace
    from arraygrad.extend import HostRNG, numpy_scatter_add
    from arraygrad.hookspecs import hookimpl
    from arraygrad.plugin_manager import register_plugin, unregister_plugin

    def load():  # NumPy pretending to live on "gpu:0", which check_device accepts as "gpu"
        return Backend(
            name="fakegpu", xp=make_namespace(np, scatter_add=numpy_scatter_add),
            devices=("gpu:0",), default_device="gpu:0", mutable=True,
            from_object=lambda obj, dtype=None, device=None, copy=None: np.array(
                obj, dtype=dtype, copy=copy),
            to_numpy=np.asarray, device_of=lambda a: "gpu:0", to_device=lambda a, d: a,
            native_device=lambda d: "cpu", owns=lambda obj: False,
            rng=HostRNG(lambda values, device: values), scatter_add=numpy_scatter_add)

    class Plugin:
        @hookimpl
        def arraygrad_backends(self):
            return [BackendSpec("fakegpu", load)]

    plugin = Plugin()
    register_plugin(plugin, name="fakegpu-plugin")
    try:
        y = ag.ones(2).to("gpu")
        assert (y.backend.name, y.device) == ("fakegpu", "gpu:0")
    finally:
        unregister_plugin(plugin)


def test_from_dlpack_of_a_foreign_array():
    torch = pytest.importorskip("torch")
    t = ag.from_dlpack(torch.arange(3.0), backend="numpy")
    assert t.backend.name == "numpy" and t.tolist() == [0.0, 1.0, 2.0]
    _needs("jax")
    j = ag.from_dlpack(torch.arange(3.0), backend="jax")
    assert j.backend.name == "jax" and j.tolist() == [0.0, 1.0, 2.0]


# ----------------------------------------------------------------------------- device listing
def test_devices_and_default_device():
    ag.backends.get_backend(STRICT)  # ag.devices() lists loaded backends only
    devices = ag.devices()
    assert "numpy:cpu" in devices
    assert {f"{STRICT}:device1", f"{STRICT}:device2"} <= set(devices)
    for name, status in ag.backends.available().items():
        if status.ok:
            assert {f"{name}:{d}" for d in status.devices} <= set(devices)
        else:
            assert not any(d.startswith(name + ":") for d in devices)
    assert ag.default_device() == "cpu"
    with ag.use_backend(STRICT):
        assert ag.default_device() == "cpu"


# ----------------------------------------------------------------------------- device= on creation
CREATORS = {
    "tensor": lambda **kw: ag.tensor([1.0, 2.0], **kw),
    "asarray": lambda **kw: ag.asarray([1.0, 1.0], **kw),
    "zeros": lambda **kw: ag.zeros(2, 3, **kw),
    "ones": lambda **kw: ag.ones((2,), **kw),
    "empty": lambda **kw: ag.empty(2, **kw),
    "full": lambda **kw: ag.full((2,), 1.5, **kw),
    "arange": lambda **kw: ag.arange(3, **kw),
    "linspace": lambda **kw: ag.linspace(0.0, 1.0, 3, **kw),
    "eye": lambda **kw: ag.eye(2, **kw),
    "rand": lambda **kw: ag.rand(2, **kw),
    "randn": lambda **kw: ag.randn(2, **kw),
    "uniform": lambda **kw: ag.uniform(0.0, 1.0, (2,), **kw),
    "normal": lambda **kw: ag.normal(0.0, 1.0, (2,), **kw),
    "randint": lambda **kw: ag.randint(0, 5, (2,), **kw),
    "randperm": lambda **kw: ag.randperm(4, **kw),
    "bernoulli": lambda **kw: ag.bernoulli(0.5, (2,), **kw),
}


@pytest.mark.parametrize("name", sorted(CREATORS))
def test_creation_device_argument(name):
    make = CREATORS[name]
    t = make(device="device1", backend=STRICT)
    assert (t.backend.name, t.device) == (STRICT, "device1")
    with ag.use_backend(STRICT):
        assert make(device="device2").device == "device2"
        assert make().device == "cpu"
    with pytest.raises(BackendError, match=r"has no device 'device7'.*device1"):
        make(device="device7", backend=STRICT)


@pytest.mark.parametrize("like", ["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_functions_keep_the_device(like):
    x = ag.ones(2, backend=STRICT, device="device2")
    args = (x, 3.0) if like == "full_like" else (x,)
    out = getattr(ag, like)(*args)
    assert (out.backend.name, out.device) == (STRICT, "device2")
    assert getattr(ag, like)(*args, device="device1").device == "device1"


# ----------------------------------------------------------------------------- mixing errors
def test_mixed_devices_raise_naming_both():
    a = ag.ones(2, backend=STRICT, device="device1")
    b = ag.ones(2, backend=STRICT)
    with pytest.raises(BackendError, match=r"add: .*'device1'.*'cpu'"):
        a + b
    with pytest.raises(BackendError, match=r"same device.*'device1'.*'cpu'"):
        ag.stack([a, b])


def test_mixed_backends_raise_naming_both():
    _needs("jax")
    a = ag.ones(2)
    b = ag.ones(2, backend="jax")
    with pytest.raises(BackendError, match=r"multiply: .*'numpy'.*'jax'.*x\.to\(backend="):
        a * b
    with pytest.raises(BackendError, match=r"concat: .*'numpy'.*'jax'"):
        ag.concat([a, b])
    with pytest.raises(BackendError, match=r"'jax'.*'numpy'"):
        b.matmul(a)


# ----------------------------------------------------------------------------- CuPy reporting
@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_cupy_without_cupy_is_reported_unavailable():
    status = ag.backends.available()["cupy"]
    assert not status.ok and status.devices == ()
    assert "CuPy is not installed" in status.error and "cupy-cuda12x" in status.error
    with pytest.raises(BackendError, match=r"backend 'cupy' is unavailable: .*CuPy"):
        ag.get_backend("cupy")
    from arraygrad.testing.pytest_plugin import _param

    (mark,) = _param("cupy").marks
    assert mark.name == "skip" and "CuPy is not installed" in mark.kwargs["reason"]


def test_moves_between_mutable_backends_copy():
    x = ag.tensor([1.0, 2.0])
    y = x.to(backend=STRICT)
    x[0] = 9.0
    y[1] = 7.0
    assert x.tolist() == [9.0, 2.0] and y.tolist() == [1.0, 7.0]
    z = y.to(backend="numpy")
    z[0] = 5.0
    assert y.tolist() == [1.0, 7.0]
