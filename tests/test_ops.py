"""Op tests beyond the conformance kit: coverage of ``ag.OPS``, the PyTorch oracle,
second derivatives, dtypes and numerical stability. Every row comes from the op table."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.node import Node
from arraygrad.testing.conformance._util import host, require_case, require_float64
from arraygrad.testing.op_table import (
    CASES,
    by_name,
    grad_args,
    missing_features,
    numpy_reference,
    sample_inputs,
    to_tensors,
    torch_reference,
)


def _ids(case):
    return case.name


def _ops_called(backend_name: str) -> set[str]:
    """Names of the ops whose forward ran while every row ran once on ``backend_name``."""
    called: set[str] = set()
    originals = {}
    for name, op in ag.OPS.items():
        originals[name] = op.forward

        def spy(xp, *args, _name=name, _forward=op.forward, **kwargs):
            called.add(_name)
            return _forward(xp, *args, **kwargs)

        op.forward = spy
    try:
        with ag.use_backend(backend_name) as backend:
            for case in CASES:
                if missing_features(case, backend):
                    continue
                arrays = sample_inputs(case)
                inputs = to_tensors(case, arrays, "float64", backend)
                out = case.fn(ag, *inputs)
                called.update(_graph_ops(out))  # ops recorded without calling forward ("to")
                if out.requires_grad:
                    ag.autograd.grad(out.sum(), [inputs[i] for i in grad_args(case, arrays)],
                                     allow_unused=True, create_graph=True)
    finally:
        for name, forward in originals.items():
            ag.OPS[name].forward = forward
    return called


def _graph_ops(out) -> set[str]:
    names, stack, seen = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or not isinstance(node, Node) or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(node.op.name)
        stack.extend(edge for edge, _ in node.next_functions)
    return names


def test_every_registered_op_is_exercised_by_the_table():
    """A new op cannot land without a row: each ``ag.OPS`` entry must run under some row."""
    called = _ops_called("numpy") | _ops_called("array_api_strict")
    missing = sorted(set(ag.OPS) - called)
    assert not missing, f"ops with no row in arraygrad/testing/op_table.py: {missing}"


def test_table_rows_name_registered_ops():
    unknown = sorted(c.op for c in CASES if c.op not in ag.OPS and not hasattr(ag, c.op))
    assert not unknown, f"rows name neither registered ops nor arraygrad functions: {unknown}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_op_matches_torch(backend, case):
    """Values and vector-Jacobian products equal PyTorch's autograd (float64)."""
    torch = pytest.importorskip("torch")
    require_case(case, backend, "float64")
    arrays = sample_inputs(case)
    inputs = to_tensors(case, arrays, "float64", backend)
    wanted = grad_args(case, arrays)
    t_inputs = [torch.tensor(a, requires_grad=i in wanted) for i, a in enumerate(arrays)]
    out = case.fn(ag, *inputs)
    t_out = torch_reference(case, t_inputs)
    rtol, atol = case.tol64
    np.testing.assert_allclose(host(out), t_out.detach().numpy(), rtol=rtol, atol=atol,
                               equal_nan=True, err_msg=f"{case.name}: value")
    if not wanted:
        return
    seed = np.random.default_rng(7).standard_normal(out.shape)
    grads = ag.autograd.grad(out, [inputs[i] for i in wanted],
                             grad_outputs=ag.asarray(seed, dtype=ag.float64, backend=backend),
                             allow_unused=True)
    t_grads = torch.autograd.grad(t_out, [t_inputs[i] for i in wanted],
                                  grad_outputs=torch.tensor(seed), allow_unused=True)
    for i, g, tg in zip(wanted, grads, t_grads):
        expected = np.zeros(arrays[i].shape) if tg is None else tg.numpy()
        actual = np.zeros(arrays[i].shape) if g is None else host(g)
        if g is not None:
            assert g.shape == inputs[i].shape and g.dtype == ag.float64
        np.testing.assert_allclose(actual, expected, rtol=1e-8, atol=1e-10,
                                   err_msg=f"{case.name}: gradient of input {i}")


# Second derivatives: the rows whose ``order`` column is 2, through create_graph.
SECOND_ORDER = [case.name for case in CASES if case.order >= 2]
ERROR_CASES = [(case.name, i) for case in CASES for i in range(len(case.errors))]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_op_gradgradcheck(backend, name):
    case = by_name(name)
    require_case(case, backend, "float64")
    arrays = sample_inputs(case)
    inputs = to_tensors(case, arrays, "float64", backend)
    assert ag.autograd.gradgradcheck(lambda *xs: case.fn(ag, *xs), inputs)


@pytest.mark.parametrize(("name", "index"), ERROR_CASES,
                         ids=[f"{n}-{by_name(n).errors[i][0]}" for n, i in ERROR_CASES])
def test_op_bad_input_raises(backend, name, index):
    """The op table's error column: each bad input raises the named class and message."""
    case = by_name(name)
    require_case(case, backend, "float64")
    _, call, exc_type, pattern = case.errors[index]
    inputs = to_tensors(case, sample_inputs(case), "float64", backend)
    with ag.use_backend(backend):
        with pytest.raises(exc_type, match=pattern):
            call(ag, *inputs)


def test_op_table_has_order_and_error_columns():
    assert len(SECOND_ORDER) >= 30 and len(ERROR_CASES) >= 5


def test_gradient_dtype_follows_the_input(backend):
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    (x.astype(ag.float16 if ag.float16 in backend.native_dtypes else ag.float32) * 3.0
     ).sum().backward()
    assert x.grad.dtype == ag.float32
    require_float64(backend, "float64 cast")
    y = ag.tensor([0.5, 1.5], requires_grad=True)
    (y.to(ag.float64) ** 2).sum().backward()
    assert y.grad.dtype == ag.float32
    np.testing.assert_allclose(host(y.grad), [1.0, 3.0])


def test_float32_stays_float32(backend):
    x = ag.tensor([[0.5, -1.0]], requires_grad=True)
    out = (ag.softmax(x * 2.0, axis=-1) @ ag.ones(2, 1)).sum() + ag.logsumexp(x, axis=1).sum()
    assert out.dtype == ag.float32
    out.backward()
    assert x.grad.dtype == ag.float32


def test_integer_results_do_not_require_grad(backend):
    x = ag.tensor([1.5, -2.5], requires_grad=True)
    for out in (x.astype(ag.int64), x.argmax(), x > 0, x // 1.0):
        assert not out.requires_grad, out


@pytest.mark.parametrize("scale", [1000.0, -1000.0])
def test_stable_for_large_inputs(backend, scale):
    x = ag.tensor([[1.0, 0.0, -1.0], [0.5, 0.25, 1.0]], requires_grad=True)
    z = x * scale
    parts = [ag.sigmoid(z), ag.softmax(z, axis=1), ag.log_softmax(z, axis=1),
             ag.logsumexp(z, axis=1), ag.cross_entropy(z, ag.tensor([0, 2])),
             ag.logaddexp(z, -z)]
    for part in parts:
        assert np.isfinite(host(part)).all(), part
    sum(p.sum() for p in parts).backward()
    assert np.isfinite(host(x.grad)).all()


def test_cross_entropy_large_logits_value(backend):
    logits = ag.tensor([[1000.0, 0.0], [0.0, 1000.0]])
    loss = ag.cross_entropy(logits, ag.tensor([1, 1]))
    np.testing.assert_allclose(loss.item(), 500.0, rtol=1e-6)


def test_prod_gradient_with_zeros(backend):
    x = ag.tensor([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(axis=1).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [[6, 0, 0], [0, 0, 0], [6, 3, 2]])


def test_reference_uses_copies():
    """The NumPy reference never sees (or mutates) the arrays the test keeps."""
    case = by_name("index_put[slice]")
    arrays = sample_inputs(case)
    before = [a.copy() for a in arrays]
    numpy_reference(case, arrays)
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)
