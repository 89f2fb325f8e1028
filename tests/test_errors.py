"""Bad input: each error has the right class and names the op and the shapes, dtypes,
devices or backends involved. (Mixed backends and shape mismatches on every backend are in
the conformance kit, collected in test_conformance.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag


def _strict_devices():
    try:
        backend = ag.get_backend("array_api_strict")
    except ag.BackendError as exc:
        pytest.skip(str(exc))
    return backend


def test_broadcast_mismatch_names_op_shapes_dtypes():
    with pytest.raises(ValueError) as info:
        ag.ones(2, 3) + ag.ones(4, dtype=ag.float64)
    message = str(info.value)
    for part in ("add", "(2, 3)", "(4,)", "float32", "float64", "numpy"):
        assert part in message, (part, message)


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError) as info:
        ag.ones(2, 3) @ ag.ones(4, 5)
    message = str(info.value)
    assert "matmul" in message and "(2, 3)" in message and "(4, 5)" in message
    with pytest.raises(ValueError, match=r"matmul.*\(3,\).*\(2,\)"):
        ag.ones(3) @ ag.ones(2)


def test_two_backends_in_one_op_names_both():
    a = ag.ones(2, backend="numpy")
    b = ag.ones(2, backend=_strict_devices())
    for fn, name in [(lambda: a * b, "multiply"), (lambda: ag.where(a > 0, a, b), "where"),
                     (lambda: ag.stack([a, b]), "stack")]:
        with pytest.raises(ag.BackendError) as info:
            fn()
        message = str(info.value)
        assert name in message and "'numpy'" in message and "'array_api_strict'" in message


def test_two_devices_in_one_op_names_both():
    backend = _strict_devices()
    a = ag.ones(2, backend=backend, device="device1")
    b = ag.ones(2, backend=backend, device="device2")
    assert (a + a).device == "device1"
    for fn, name in [(lambda: a + b, "add"), (lambda: ag.concat([a, b]), "concat")]:
        with pytest.raises(ag.BackendError) as info:
            fn()
        message = str(info.value)
        assert name in message and "'device1'" in message and "'device2'" in message
    np.testing.assert_array_equal((a + b.to(device="device1")).numpy(), [2.0, 2.0])


def test_backward_on_non_scalar_needs_gradient():
    y = ag.ones(2, 3, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError) as info:
        y.backward()
    assert "(2, 3)" in str(info.value) and "gradient" in str(info.value)


def test_backward_gradient_of_wrong_shape():
    y = ag.ones(2, 3, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(ag.ones(3))


def test_backward_through_tensor_that_does_not_require_grad():
    y = ag.ones(3) * 2.0
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert "does not require grad" in str(info.value)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.autograd.grad(ag.ones(2, requires_grad=True).sum(), ag.ones(2))


def test_requires_grad_on_integer_tensor():
    for make in (lambda: ag.tensor([1, 2], requires_grad=True),
                 lambda: ag.arange(3).requires_grad_(),
                 lambda: ag.zeros(2, dtype=ag.int32, requires_grad=True)):
        with pytest.raises(TypeError) as info:
            make()
        assert "int" in str(info.value) and "floating" in str(info.value)


def test_unknown_backend_lists_available():
    with pytest.raises(ag.BackendError) as info:
        ag.ones(2, backend="no_such_backend")
    message = str(info.value)
    assert "no_such_backend" in message and "numpy" in message and "array_api_strict" in message
    with pytest.raises(ag.BackendError, match="no_such_backend"):
        ag.set_backend("no_such_backend")


def test_unknown_device_lists_devices():
    with pytest.raises(ag.BackendError) as info:
        ag.ones(2, backend="numpy", device="cuda:7")
    assert "cuda:7" in str(info.value) and "'cpu'" in str(info.value)


def test_saved_tensor_modified_in_place_names_op_and_versions():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h * h
    h.mul_(2.0)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "modified by an inplace operation" in message and "multiply" in message
    assert "version 1" in message and "version 0" in message and "(2,)" in message


def test_bad_reduction_axis_names_op():
    with pytest.raises((ValueError, IndexError)) as info:
        ag.ones(2, 3).mean(axis=5)
    assert "mean" in str(info.value) and "axis 5" in str(info.value)


def test_bad_permutation_names_shape():
    with pytest.raises(ValueError, match=r"permute_dims.*\(2, 3\)"):
        ag.ones(2, 3).permute(0, 0)


def test_bad_reshape_names_op_and_shape():
    with pytest.raises(ValueError) as info:
        ag.ones(2, 3).reshape(4, 2)
    assert "reshape" in str(info.value) and "(2, 3)" in str(info.value)


def test_item_on_many_elements():
    with pytest.raises(ValueError, match=r"\(3,\)"):
        ag.ones(3).item()


def test_cross_entropy_bad_targets():
    logits = ag.zeros(2, 3)
    with pytest.raises(IndexError, match=r"\[0, 2\]"):  # an IndexError, as in torch
        ag.cross_entropy(logits, ag.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"\(2,\)"):
        ag.cross_entropy(logits, ag.tensor([0, 1, 2]))


def test_numpy_on_tensor_requiring_grad():
    with pytest.raises(RuntimeError, match="detach"):
        ag.ones(2, requires_grad=True).numpy()
