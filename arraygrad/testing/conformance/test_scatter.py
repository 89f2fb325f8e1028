"""``scatter_add``: the kernel behind every indexing gradient; repeated indices accumulate."""

from __future__ import annotations

import numpy as np

import arraygrad as ag
from arraygrad.testing.conformance._util import host


def test_scatter_add_kernel_accumulates_repeats(backend):
    xp = backend.xp
    target = xp.zeros((4,), dtype=backend.native_dtype("float32"))
    index = xp.asarray([0, 2, 0, 0])
    values = xp.asarray([1.0, 2.0, 3.0, 4.0], dtype=backend.native_dtype("float32"))
    out = backend.scatter_add(target, (index,), values)
    np.testing.assert_array_equal(backend.to_numpy(out), [8.0, 0.0, 2.0, 0.0])


def test_scatter_add_kernel_rows(backend):
    xp = backend.xp
    target = xp.ones((3, 2), dtype=backend.native_dtype("float32"))
    values = xp.reshape(xp.arange(6, dtype=backend.native_dtype("float32")), (3, 2))
    out = backend.scatter_add(target, (xp.asarray([2, 2, 0]), Ellipsis), values)
    np.testing.assert_array_equal(backend.to_numpy(out), [[5, 6], [1, 1], [3, 5]])


def test_scatter_add_kernel_slice_key(backend):
    xp = backend.xp
    target = xp.zeros((2, 3), dtype=backend.native_dtype("float32"))
    values = xp.ones((2, 2), dtype=backend.native_dtype("float32"))
    out = backend.scatter_add(target, (slice(None), slice(1, None)), values)
    np.testing.assert_array_equal(backend.to_numpy(out), [[0, 1, 1], [0, 1, 1]])


def test_scatter_add_op_and_its_gradient(backend):
    target = ag.zeros(3, requires_grad=True)
    values = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = ag.scatter_add(target, ag.tensor([1, 1, 2]), values)
    np.testing.assert_array_equal(host(out), [0.0, 3.0, 3.0])
    (out * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(host(target.grad), [1.0, 10.0, 100.0])
    np.testing.assert_array_equal(host(values.grad), [10.0, 10.0, 100.0])


def test_indexing_gradient_accumulates_repeats(backend):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(host(x.grad), [3.0, 0.0, 1.0])
    m = ag.ones(2, 3, requires_grad=True)
    (m[:, [1, 1]] * 2.0).sum().backward()
    np.testing.assert_array_equal(host(m.grad), [[0, 4, 0], [0, 4, 0]])


def test_scatter_add_kernel_boolean_mask(backend):
    """A boolean mask is passed as the standard specifies: the sole index, not in a tuple."""
    xp = backend.xp
    f32 = backend.native_dtype("float32")
    target = xp.zeros((4,), dtype=f32)
    mask = xp.asarray([True, False, True, True])
    out = backend.scatter_add(target, mask, xp.asarray([1.0, 2.0, 3.0], dtype=f32))
    np.testing.assert_array_equal(backend.to_numpy(out), [1.0, 0.0, 2.0, 3.0])
    grid = xp.zeros((2, 3), dtype=f32)
    mask2 = xp.asarray([[True, False, False], [False, True, True]])
    out = backend.scatter_add(grid, mask2, xp.ones((3,), dtype=f32))
    np.testing.assert_array_equal(backend.to_numpy(out), [[1, 0, 0], [0, 1, 1]])
