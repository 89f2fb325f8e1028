"""Moving data in and out: host copies, DLPack, and differentiable ``to(backend=...)``."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import effective_dtype, host, other_backend

VALUES = {
    "float32": np.array([[1.5, -2.0, 0.25], [3.0, 0.0, -0.5]], dtype=np.float32),
    "int64": np.array([[1, -2, 3], [0, 7, -9]], dtype=np.int64),
    "bool": np.array([[True, False, True], [False, False, True]]),
}


@pytest.mark.parametrize("dtype", sorted(VALUES))
def test_interop_host_round_trip(backend, dtype):
    original = VALUES[dtype]
    t = ag.asarray(original, backend=backend)
    stored = effective_dtype(backend, dtype)
    assert t.backend is backend and t.dtype == stored and t.shape == original.shape
    back = t.numpy()
    assert isinstance(back, np.ndarray) and back.dtype == np.dtype(stored.name)
    np.testing.assert_array_equal(back, original)
    again = ag.asarray(back, backend=backend)
    np.testing.assert_array_equal(host(again), original)
    assert t.tolist() == original.tolist()
    assert t[0, 0].item() == original[0, 0].item()


def test_interop_dlpack(backend):
    t = ag.asarray(VALUES["float32"], backend=backend)
    if t.device != "cpu":
        pytest.skip(f"DLPack export to NumPy needs a host device; the default device of "
                    f"{backend.name!r} is {t.device!r}")
    np.testing.assert_array_equal(np.from_dlpack(t), VALUES["float32"])
    u = ag.from_dlpack(np.arange(4.0), backend=backend)
    assert u.backend is backend
    np.testing.assert_array_equal(host(u), np.arange(4.0))


def test_interop_native_array_in_and_out(backend):
    native = backend.from_object(VALUES["float32"])
    assert backend.owns(native)
    t = ag.asarray(native)
    assert t.backend is backend
    np.testing.assert_array_equal(backend.to_numpy(t.array), VALUES["float32"])


def test_interop_to_numpy_backend_and_back_keeps_gradients(backend):
    x = ag.tensor([0.5, -1.0, 2.0], backend=backend, requires_grad=True)
    on_numpy = x.to(backend="numpy")
    assert on_numpy.backend.name == "numpy"
    np.testing.assert_array_equal(host(on_numpy), [0.5, -1.0, 2.0])
    back = (on_numpy * on_numpy).to(backend=backend)
    assert back.backend is backend
    (back * 3.0).sum().backward()
    assert x.grad.backend is backend
    np.testing.assert_allclose(host(x.grad), [3.0, -6.0, 12.0])


def test_interop_to_other_backend_and_back(backend):
    other = other_backend(backend)
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend, requires_grad=True)
    y = x.to(backend=other)
    assert y.backend is other
    z = y.exp().to(backend=backend).sum()
    z.backward()
    np.testing.assert_allclose(host(x.grad), np.exp([[1.0, 2.0], [3.0, 4.0]]), rtol=1e-6)
