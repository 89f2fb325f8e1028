"""Differential test against PyTorch: random op programs, forward, first and second order.

Hypothesis draws a small program over a pool of (3, 4) float64 tensors: elementwise math,
broadcasting reductions, matmul, copies and views, and in-place writes (through views
too). The same program runs on arraygrad (every backend with float64) and on PyTorch; the
values, the gradients of the output with respect to the leaves, and the gradients of the
squared norm of those gradients (second order) must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Each op: (name, arity, function(lib, *tensors) -> tensor, in_place). ``lib`` is the
# arraygrad or torch module; both spell every step the same way.
UNARY = {
    "sin": lambda lib, a: a.sin(),
    "tanh": lambda lib, a: a.tanh(),
    "sigmoid": lambda lib, a: a.sigmoid(),
    "exp_tanh": lambda lib, a: a.tanh().exp(),
    "softplus_like": lambda lib, a: (a * a + 1.0).log(),
    "sqrt_pos": lambda lib, a: (a * a + 0.5).sqrt(),
    "square": lambda lib, a: a * a,
    "center": lambda lib, a: a - a.mean(0, keepdim=True),
    "scale_rows": lambda lib, a: a * a.sum(1, keepdim=True),
    "softmax": lambda lib, a: a.softmax(dim=1),
    "log_softmax": lambda lib, a: a.log_softmax(dim=1),
    "transpose_twice": lambda lib, a: a.T.T * 1.0,
    "reshape_twice": lambda lib, a: a.reshape(-1).reshape(3, 4) + 0.0,
    "flip": lambda lib, a: a.flip(0),
    "permute_cols": lambda lib, a: a[:, [2, 0, 3, 1]],
    "cumsum": lambda lib, a: a.cumsum(1),
}
BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / (b * b + 0.5),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "matmul": lambda lib, a, b: a @ b.T @ a * 0.1,
    "where": lambda lib, a, b: lib.where(a > b, a, b * 2.0),
}


def _write_slice(lib, y, z):
    y[1:].mul_(2.0)
    return y


def _write_column(lib, y, z):
    y[:, 0] = z[:, 1]
    return y


def _write_through_transpose(lib, y, z):
    y.T[0].add_(z[0, :3])
    return y


def _write_whole(lib, y, z):
    y.mul_(z.sigmoid())
    return y


def _write_base_seen_by_view(lib, y, z):
    v = y[0:2]
    y.add_(z)
    return v.sum(0, keepdim=True) * y


IN_PLACE = {
    "write_slice": _write_slice,
    "write_column": _write_column,
    "write_through_transpose": _write_through_transpose,
    "write_whole": _write_whole,
    "write_base_seen_by_view": _write_base_seen_by_view,
}

STEP = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 20)),
    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 20),
              st.integers(0, 20)),
    st.tuples(st.just("i"), st.sampled_from(sorted(IN_PLACE)), st.integers(0, 20),
              st.integers(0, 20)),
)
PROGRAM = st.lists(STEP, min_size=1, max_size=7)


def _run(lib, program, leaves):
    """Interpret ``program`` on ``leaves``; returns the scalar output."""
    pool = list(leaves)
    for step in program:
        kind, name = step[0], step[1]
        a = pool[step[2] % len(pool)]
        if kind == "u":
            pool.append(UNARY[name](lib, a))
        elif kind == "b":
            pool.append(BINARY[name](lib, a, pool[step[3] % len(pool)]))
        else:
            # In-place writes go to a fresh non-leaf copy, as a program would.
            target = a * 1.0
            pool.append(IN_PLACE[name](lib, target, pool[step[3] % len(pool)]))
    weights = [0.5 + 0.25 * i for i in range(len(pool))]
    return sum(w * t.sum() for w, t in zip(weights, pool))


def _leaves_data(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, (3, 4)) for _ in range(3)]


def _torch_result(program, data):
    leaves = [torch.tensor(d, dtype=torch.float64, requires_grad=True) for d in data]
    out = _run(torch, program, leaves)
    grads = torch.autograd.grad(out, leaves, create_graph=True)
    norm = sum((g * g).sum() for g in grads)
    second = torch.autograd.grad(norm, leaves, allow_unused=True) if norm.requires_grad \
        else [None] * len(leaves)
    return (out.item(), [g.detach().numpy() for g in grads],
            [np.zeros((3, 4)) if g is None else g.numpy() for g in second])


def _ag_result(program, data, backend):
    leaves = [ag.tensor(d, dtype=ag.float64, requires_grad=True, backend=backend)
              for d in data]
    out = _run(ag, program, leaves)
    grads = ag.autograd.grad(out, leaves, create_graph=True)
    norm = sum((g * g).sum() for g in grads)
    second = ag.autograd.grad(norm, leaves, allow_unused=True) if norm.requires_grad \
        else [None] * len(leaves)
    return (out.item(), [g.detach().numpy() for g in grads],
            [np.zeros((3, 4)) if g is None else g.detach().numpy() for g in second])


@pytest.fixture(params=["numpy", "array_api_strict", "jax"])
def float64_backend(request):
    name = request.param
    try:
        backend = ag.get_backend(name)
    except ag.BackendError as exc:
        pytest.skip(f"backend {name!r} is unavailable: {exc}")
    if ag.float64 not in backend.native_dtypes:
        pytest.skip(f"backend {name!r} has no float64 (enable it to run this test)")
    return name


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(program=PROGRAM, seed=st.integers(0, 2**16))
def test_random_programs_match_pytorch(float64_backend, program, seed):
    data = _leaves_data(seed)
    expected = _torch_result(program, data)
    got = _ag_result(program, data, float64_backend)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-9, atol=1e-9,
                               err_msg=f"value of {program}")
    for i, (g, e) in enumerate(zip(got[1], expected[1])):
        np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-9,
                                   err_msg=f"gradient {i} of {program}")
    for i, (g, e) in enumerate(zip(got[2], expected[2])):
        np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-8,
                                   err_msg=f"second-order gradient {i} of {program}")
