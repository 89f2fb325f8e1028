"""Property tests (Hypothesis): broadcasting binary ops give NumPy's values and gradients
of the inputs' own shapes, summed over the broadcast axes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import arraygrad as ag

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b, g: (g, g)),
    "subtract": (lambda a, b: a - b, lambda a, b, g: (g, -g)),
    "multiply": (lambda a, b: a * b, lambda a, b, g: (g * b, g * a)),
    "divide": (lambda a, b: a / b, lambda a, b, g: (g / b, -g * a / (b * b))),
    "maximum": (lambda a, b: ag.maximum(a, b) if isinstance(a, ag.Tensor) else np.maximum(a, b),
                lambda a, b, g: (g * (a > b), g * (b > a))),
}


def _reduce_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


@settings(max_examples=40, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary_ops(shapes, name, seed):
    fn, grads = BINARY[name]
    rng = np.random.default_rng(seed)
    a_np = np.asarray(rng.uniform(0.5, 2.0, shapes.input_shapes[0]) * rng.choice([-1, 1]))
    # At least 1.5 from every element of a, above or below it at random (maximum picks
    # from both inputs, never ties), and nonzero (division).
    b_shape = shapes.input_shapes[1]
    b_np = np.asarray(a_np.mean() + rng.choice([-1.0, 1.0], b_shape)
                      * rng.uniform(3.0, 4.0, b_shape))
    a = ag.tensor(a_np, dtype=ag.float64, requires_grad=True)
    b = ag.tensor(b_np, dtype=ag.float64, requires_grad=True)
    out = fn(a, b)
    expected = fn(a_np, b_np)
    assert out.shape == np.shape(expected) == shapes.result_shape
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    g = rng.standard_normal(shapes.result_shape)
    out.backward(ag.tensor(g, dtype=ag.float64))
    ga, gb = grads(np.broadcast_to(a_np, g.shape), np.broadcast_to(b_np, g.shape), g)
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(a.grad.numpy(), _reduce_to(ga, a.shape).reshape(a.shape),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), _reduce_to(gb, b.shape).reshape(b.shape),
                               rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3))
def test_broadcast_mismatch_or_match_agrees_with_numpy(shapes):
    a_shape, b_shape = shapes.input_shapes
    b_shape = b_shape[:-1] + (b_shape[-1] + 1,) if b_shape else b_shape  # maybe break it
    try:
        expected = np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        expected = None
    a, b = ag.ones(a_shape), ag.ones(b_shape)
    if expected is None:
        with pytest.raises(ValueError) as info:
            a + b
        assert "add" in str(info.value) and str(a_shape) in str(info.value)
        with pytest.raises(ValueError):
            ag.broadcast_shapes(a_shape, b_shape)
    else:
        assert (a + b).shape == expected == ag.broadcast_shapes(a_shape, b_shape)


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       data=st.data())
def test_reductions_over_any_axes(shape, data):
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True, max_size=len(shape))
                     .map(tuple))
    keepdims = data.draw(st.booleans())
    x_np = np.random.default_rng(len(shape)).standard_normal(shape)
    x = ag.tensor(x_np, dtype=ag.float64, requires_grad=True)
    axis = axes if axes else None
    for fn, np_fn in ((ag.sum, np.sum), (ag.mean, np.mean)):
        out = fn(x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.detach().numpy(),
                                   np_fn(x_np, axis=axis, keepdims=keepdims), rtol=1e-12)
    ag.mean(x, axis=axis, keepdims=keepdims).sum().backward()
    count = np.prod([shape[a] for a in (axes or range(len(shape)))])
    np.testing.assert_allclose(x.grad.numpy(), np.full(shape, 1.0 / count), rtol=1e-12)
