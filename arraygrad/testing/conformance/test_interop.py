"""Moving data in and out: host copies, DLPack, and differentiable ``to(backend=...)``."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import (
    downcast_message,
    effective_dtype,
    host,
    other_backend,
)
from arraygrad.testing.op_table import has_dtype

VALUES: dict[str, np.ndarray] = {
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


def _protocols(native) -> str:
    kind = type(native)
    dlpack = hasattr(native, "__dlpack__") and hasattr(native, "__dlpack_device__")
    array = hasattr(kind, "__array__")
    return (f"its arrays ({kind.__module__}.{kind.__qualname__}) have "
            f"{'a' if dlpack else 'no'} DLPack export (__dlpack__ + __dlpack_device__) and "
            f"{'an' if array else 'no'} __array__")


def test_interop_arrays_can_leave_the_backend(backend):
    """The transfer check: a native array becomes a numeric NumPy array (to_numpy) and a
    NumPy-backend tensor with the same dtype, or the failure says what to implement."""
    native = backend.from_object(VALUES["float32"])
    fix = ("implement __dlpack__ and __dlpack_device__ on the array type (zero-copy moves "
           "between libraries), or __array__, or make Backend.to_numpy build a "
           "numpy.ndarray from the array's values")
    try:
        out = backend.to_numpy(native)
    except Exception as exc:
        pytest.fail(f"arrays of backend {backend.name!r} cannot leave it: to_numpy raised "
                    f"{type(exc).__name__}: {exc}; {_protocols(native)}: {fix}")
    if not isinstance(out, np.ndarray) or out.dtype.kind not in "biuf":
        got = (f"a {type(out).__name__}" if not isinstance(out, np.ndarray)
               else f"an ndarray of dtype {out.dtype}")
        pytest.fail(f"arrays of backend {backend.name!r} cannot leave it: to_numpy returned "
                    f"{got}, not numbers; {_protocols(native)}: {fix}")
    np.testing.assert_array_equal(out, VALUES["float32"])
    try:
        moved = ag.asarray(native, backend=backend).to(backend="numpy")
    except Exception as exc:
        pytest.fail(f"backend {backend.name!r}: .to(backend='numpy') raised "
                    f"{type(exc).__name__}: {exc}; {_protocols(native)}: {fix}")
    assert moved.dtype == ag.float32 and moved.array.dtype == np.float32, (
        f"backend {backend.name!r}: .to(backend='numpy') made dtype {moved.array.dtype}; "
        f"{_protocols(native)}: {fix}")
    np.testing.assert_array_equal(moved.numpy(), VALUES["float32"])


def test_interop_float64_is_kept(backend):
    """float64 data stays float64 (where the backend has it): no silent downcast."""
    if not has_dtype(backend, "float64"):
        pytest.skip(f"missing feature: float64 (backend {backend.name!r})")
    data = np.array([1.0 + 2.0 ** -40, -3.5], dtype=np.float64)
    t = ag.asarray(data, backend=backend)
    assert t.dtype == ag.float64, downcast_message(backend, "asarray(float64 data)",
                                                   t.dtype.name)
    native = backend.from_object(data)
    assert backend.dtype_of.get(native.dtype) == ag.float64, downcast_message(
        backend, "Backend.from_object(float64 data)", native.dtype)
    y = t * t + t
    assert y.dtype == ag.float64, downcast_message(backend, "float64 arithmetic", y.dtype.name)
    back = t.numpy()
    if not isinstance(back, np.ndarray) or back.dtype.kind != "f":
        pytest.fail(f"backend {backend.name!r}: to_numpy of float64 data gave "
                    f"{getattr(back, 'dtype', type(back).__name__)}, not numbers: its arrays "
                    f"cannot leave it (see test_interop_arrays_can_leave_the_backend)")
    assert back.dtype == np.float64, downcast_message(backend, "to_numpy of float64",
                                                      back.dtype)
    np.testing.assert_array_equal(back, data)  # 1 + 2**-40 does not survive float32


def test_interop_to_numpy_backend_and_back_keeps_gradients(backend):
    x = ag.tensor([0.5, -1.0, 2.0], backend=backend, requires_grad=True)
    on_numpy = x.to(backend="numpy")
    assert on_numpy.backend.name == "numpy"
    np.testing.assert_array_equal(host(on_numpy), [0.5, -1.0, 2.0])
    back = (on_numpy * on_numpy).to(backend=backend)
    assert back.backend is backend
    (back * 3.0).sum().backward()
    assert x.grad is not None
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
