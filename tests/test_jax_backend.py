"""The JAX backend: immutability, scatter_add, RNG, dtypes with and without x64, devices.

The project-wide parametrized tests also run on JAX (``--arraygrad-backend jax``); this file
covers what is specific to it. One subprocess checks what needs a fresh JAX: x64 off, two
simulated CPU devices, and that ``import arraygrad`` does not import JAX.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad.backend_registry import BackendError

jax = pytest.importorskip("jax")


@pytest.fixture
def jx():
    with ag.use_backend("jax") as be:
        yield be


def test_declared_and_loaded(jx):
    assert jx.name == "jax" and jx.mutable is False
    assert jx.devices[0] == "cpu" and jx.default_device in jx.devices
    assert ag.backends.available()["jax"].ok
    t = ag.ones(2)
    assert isinstance(t.array, jax.Array) and t.device == jx.default_device


def test_float64_with_x64(jx):
    assert jax.config.read("jax_enable_x64"), "tests/conftest.py enables JAX x64"
    x = ag.tensor([0.25, 1.5], dtype=ag.float64, requires_grad=True)
    assert x.dtype == ag.float64 and ag.tensor([1, 2]).dtype == ag.int64
    assert ag.autograd.gradcheck(lambda t: (ag.tanh(t) * t.exp()).sum(), (x,))
    assert ag.autograd.gradgradcheck(lambda t: (t.sin() * t).sum(), (x,))


def test_inplace_ops_rebind_immutable_arrays(jx):
    x = ag.arange(6.0).reshape(2, 3)
    before = x.array
    x += 1
    x[0, 1] = 10.0
    x[1] *= 2
    assert x.array is not before and before.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert x.tolist() == [[1.0, 10.0, 3.0], [8.0, 10.0, 12.0]]
    assert x._version_number == 4  # x[1] *= 2 is a write to the view plus a setitem
    x.zero_()
    assert x.tolist() == [[0.0] * 3] * 2
    x.fill_(2.0).copy_(ag.ones(3))
    assert x.tolist() == [[1.0] * 3] * 2


def test_optimizer_style_update_and_recorded_inplace(jx):
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.5 * w.grad
    assert w.is_leaf and w.requires_grad and w.tolist() == [0.0, 0.0, 0.0]
    y = ag.ones(3, requires_grad=True)
    z = y * 2
    z[1] = 5.0  # recorded: the overwritten element gets no gradient
    (z * z).sum().backward()
    assert y.grad.tolist() == [8.0, 0.0, 8.0]
    a = ag.ones(2, requires_grad=True)
    b = a * 3
    c = b * b  # saves b
    b += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        c.sum().backward()


def test_scatter_add_accumulates_repeated_indices(jx):
    x = ag.ones(4, requires_grad=True)
    idx = ag.tensor([0, 0, 2, 0])
    x[idx].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0, 0.0]
    mask = ag.tensor([True, False, True, False])
    x.grad = None
    (x[mask] * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 3.0, 0.0]
    out = jx.scatter_add(jx.xp.zeros(3), jx.xp.asarray([2, 2]), jx.xp.asarray([1.0, 4.0]))
    assert np.asarray(out).tolist() == [0.0, 0.0, 5.0]


def test_gradients_match_the_numpy_backend():
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s) for s in ((5, 4), (4, 3), (3,))]

    def grads(backend):
        x, w, b = (ag.tensor(d, backend=backend, requires_grad=True) for d in data)
        loss = ag.log_softmax(ag.tanh(x @ w + b), axis=-1).mean()
        loss.backward()
        return [t.grad.numpy() for t in (x, w, b)]

    for got, want in zip(grads("jax"), grads("numpy")):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_manual_seed_reproduces_draws(jx):
    def draw():
        # One shape throughout: JAX compiles each random function once per shape.
        return [ag.rand(4).tolist(), ag.randn(4).tolist(), ag.randint(0, 5, (4,)).tolist(),
                ag.randperm(4).tolist(), ag.bernoulli(0.5, (4,)).tolist()]

    ag.manual_seed(7)
    first = draw()
    ag.manual_seed(7)
    assert draw() == first
    assert draw() != first  # the key moves on
    ag.manual_seed(8)
    assert draw() != first


def test_random_values_respect_their_ranges(jx):
    ag.manual_seed(0)
    u = ag.uniform(-2.0, -1.0, (4,)).numpy()
    assert u.min() >= -2.0 and u.max() < -1.0
    r = ag.randint(3, 6, (400,))
    assert r.dtype == ag.int64 and set(r.tolist()) == {3, 4, 5}
    assert sorted(ag.randperm(4).tolist()) == list(range(4))
    b = ag.bernoulli(0.25, (400,), dtype=ag.float64)
    assert b.dtype == ag.float64 and set(b.tolist()) <= {0.0, 1.0}
    assert 0.1 < b.numpy().mean() < 0.4
    n = ag.normal(5.0, 0.5, (400,), dtype=ag.float64).numpy()
    assert abs(n.mean() - 5.0) < 0.15 and abs(n.std() - 0.5) < 0.1
    assert ag.rand(4, dtype=ag.float16).dtype == ag.float16


def test_from_numpy_copies_and_to_numpy(jx):
    a = np.arange(3.0)
    t = ag.asarray(a, backend="jax")
    a[0] = 100.0
    assert t.tolist() == [0.0, 1.0, 2.0]
    assert isinstance(t.numpy(), np.ndarray)
    assert ag.tensor(np.float32(2.5), backend="jax").dtype == ag.float32


def test_unknown_device_is_a_clear_error(jx):
    with pytest.raises(BackendError, match=r"backend 'jax' has no device 'cuda:7'"):
        ag.zeros(2, device="cuda:7")


# ----------------------------------------------------------------------------- fresh JAX
_FRESH = textwrap.dedent("""
    import json, sys
    import arraygrad as ag
    out = {"jax_imported_by_arraygrad": "jax" in sys.modules}
    ag.backends.names()
    out["jax_imported_by_declaring"] = "jax" in sys.modules
    be = ag.get_backend("jax")
    out["devices"] = list(be.devices)
    out["int_dtype"] = ag.tensor([1, 2], backend="jax").dtype.name
    out["arange_dtype"] = ag.arange(3, backend="jax").dtype.name
    try:
        ag.zeros(2, dtype=ag.float64, backend="jax")
    except TypeError as exc:
        out["float64_error"] = str(exc)
    x = ag.tensor([1.0, 2.0], backend="jax", requires_grad=True)
    y = x.to("cpu:1")
    out["moved"] = y.device
    (y * y).sum().backward()
    out["grad"] = [x.grad.device, x.grad.tolist()]
    try:
        x + y
    except ag.BackendError as exc:
        out["mixed_error"] = str(exc)
    out["rand_device"] = ag.rand(2, backend="jax", device="cpu:1").device
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def fresh():
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    env["JAX_PLATFORMS"] = "cpu"
    env["XLA_FLAGS"] = env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
    proc = subprocess.run([sys.executable, "-c", _FRESH], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_arraygrad_does_not_import_jax(fresh):
    assert not fresh["jax_imported_by_arraygrad"]
    assert not fresh["jax_imported_by_declaring"]


def test_without_x64_ints_narrow_and_float64_says_how_to_enable(fresh):
    assert fresh["int_dtype"] == "int32" and fresh["arange_dtype"] == "int32"
    assert "no dtype float64" in fresh["float64_error"]
    assert "JAX_ENABLE_X64=1" in fresh["float64_error"]


def test_two_cpu_devices_transfer_and_mixing(fresh):
    assert fresh["devices"] == ["cpu", "cpu:1"]
    assert fresh["moved"] == "cpu:1" and fresh["rand_device"] == "cpu:1"
    assert fresh["grad"] == ["cpu", [2.0, 4.0]]
    assert "same device" in fresh["mixed_error"] and "'cpu:1'" in fresh["mixed_error"]


# ----------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("geometry", [dict(), dict(stride=2, padding=1),
                                      dict(dilation=(2, 1), padding=(2, 0), groups=2)])
def test_conv2d_kernels_match_the_portable_code(geometry, monkeypatch):
    kernels = ag.get_backend("jax").kernels
    calls = []
    for name in ("conv2d", "conv2d_vjp_input", "conv2d_vjp_weight"):
        def counted(*args, _name=name, _kernel=kernels[name], **kwargs):
            calls.append(_name)
            return _kernel(*args, **kwargs)
        monkeypatch.setitem(kernels, name, counted)
    rng = np.random.default_rng(1)
    data = (rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((6, 4 // geometry.get(
        "groups", 1), 3, 2)))

    def run(backend):
        x, w = (ag.tensor(d, backend=backend, requires_grad=True) for d in data)
        y = F.conv2d(x, w, **geometry)
        (y * y).sum().backward()
        return [y.detach().numpy(), x.grad.numpy(), w.grad.numpy()]

    for got, want in zip(run("jax"), run("numpy")):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    assert sorted(calls) == ["conv2d", "conv2d_vjp_input", "conv2d_vjp_weight"]


def test_erf_kernel(jx):
    x = ag.tensor([-1.0, 0.0, 0.5], dtype=ag.float64, requires_grad=True)
    y = F.erf(x)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [-0.8427007929497149, 0.0,
                                                    0.5204998778130465], rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), 2 / np.sqrt(np.pi) * np.exp(-x.detach().numpy()
                                                                           ** 2), rtol=1e-12)
