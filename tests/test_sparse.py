"""Sparse COO tensors against torch's sparse: values and gradients of sparse @ dense,
a GCN layer, coalesce / to_dense / t / sum / to_sparse, and errors, on every backend."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.testing.conformance._util import host

torch = pytest.importorskip("torch")

IDX = [[0, 1, 1, 2, 0, 3], [2, 0, 2, 1, 2, 3]]  # (0, 2) appears twice: duplicates sum
VAL = [3.0, 4.0, 5.0, 6.0, 1.0, -2.0]


def _not_on_jax(backend):
    if backend.name == "jax":
        pytest.skip("jax compiles every new op shape (seconds each on a shared CPU): the "
                    "mm and GCN tests cover it")


def _close(a, t, tol=1e-10):
    t = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    a = host(a)
    assert a.shape == t.shape, (a.shape, t.shape)
    np.testing.assert_allclose(a, t, rtol=tol, atol=tol)


def _torch_sparse(idx, val, size):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.sparse_coo_tensor(torch.tensor(idx), val, size)




def test_mm_values_and_gradients_match_torch(backend):
    dense = np.random.default_rng(0).normal(size=(4, 3))
    v = ag.tensor(VAL, dtype=ag.float64, requires_grad=True)
    x = ag.tensor(dense.tolist(), dtype=ag.float64, requires_grad=True)
    a = ag.sparse_coo_tensor(IDX, v, (4, 4))
    tv = torch.tensor(VAL, dtype=torch.float64, requires_grad=True)
    tx = torch.tensor(dense, requires_grad=True)
    ta = _torch_sparse(IDX, tv, (4, 4))
    products = [(lambda a, x: a @ x, torch.sparse.mm),
                (ag.sparse.mm, lambda a, x: a @ x),
                (lambda a, x: ag.spmm(a, x[:, 0]), lambda a, x: a @ x[:, 0])]
    for f, tf in products:
        y = f(ag.sparse_coo_tensor(IDX, v, (4, 4)), x)
        ty = tf(_torch_sparse(IDX, tv, (4, 4)), tx)
        _close(y, ty)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        _close(v.grad, tv.grad)
        _close(x.grad, tx.grad)
    _close(a.to_dense(), ta.to_dense())
    if backend.name == "jax":
        return  # the rest is backend-independent composition; jax compiles each new shape
    c, tc = a.coalesce(), ta.coalesce()
    _close(c.indices(), tc.indices())
    _close(c.values(), tc.values())
    assert c.is_coalesced() and not a.is_coalesced()
    _close(a.t().to_dense(), ta.t().to_dense())
    _close(ag.sparse.sum(a), torch.sparse.sum(ta))
    _close(ag.sparse.sum(a, 1).to_dense(), torch.sparse.sum(ta, 1).to_dense())
    _close((a * 2.0).to_dense(), (ta * 2.0).to_dense())
    assert a.shape == a.size() == (4, 4) and a.size(0) == 4 and a.is_sparse
    assert a.requires_grad and a.nnz == 6 and a.indices().dtype == ag.int64


def test_sparse_grad_is_coalesced_like_torch(backend):
    _not_on_jax(backend)
    a = ag.sparse_coo_tensor(IDX, ag.tensor(VAL, dtype=ag.float64), (4, 4), requires_grad=True)
    ta = _torch_sparse(IDX, torch.tensor(VAL, dtype=torch.float64), (4, 4)).requires_grad_()
    x = np.random.default_rng(1).normal(size=(4, 2))
    (a @ ag.tensor(x.tolist(), dtype=ag.float64)).sum().backward()
    torch.sparse.mm(ta, torch.tensor(x)).sum().backward()
    assert a.is_leaf
    _close(a.grad.to_dense(), ta.grad.to_dense())


def test_gcn_layer_forward_backward_matches_torch(backend):
    rng = np.random.default_rng(2)
    n, f, h = 6, 4, 3
    edges = np.array([[0, 1, 1, 2, 3, 4, 5, 0, 2, 4], [1, 0, 2, 1, 4, 3, 0, 5, 4, 2]])
    edges = np.concatenate([edges, np.stack([np.arange(n)] * 2)], axis=1)  # self loops
    deg = np.bincount(edges[0], minlength=n).astype(float)
    norm = 1.0 / np.sqrt(deg[edges[0]] * deg[edges[1]])
    feats, weight = rng.normal(size=(n, f)), rng.normal(size=(f, h))
    x = ag.tensor(feats.tolist(), dtype=ag.float64)
    w = ag.tensor(weight.tolist(), dtype=ag.float64, requires_grad=True)
    a_hat = ag.sparse_coo_tensor(edges.tolist(), norm.tolist(), (n, n), dtype=ag.float64)
    out = ag.relu(a_hat @ (x @ w))
    loss = (out ** 2).mean()
    loss.backward()
    tw = torch.tensor(weight, requires_grad=True)
    ta = _torch_sparse(edges.tolist(), torch.tensor(norm), (n, n))
    tout = torch.relu(torch.sparse.mm(ta, torch.tensor(feats) @ tw))
    (tout ** 2).mean().backward()
    _close(out, tout)
    _close(w.grad, tw.grad)


def test_values_computed_from_parameters_get_gradients(backend):
    """GAT-style: edge weights are a function of parameters; gradients reach them."""
    _not_on_jax(backend)
    score = ag.tensor([0.1, -0.2, 0.3, 0.4, 0.0, 0.5], dtype=ag.float64, requires_grad=True)
    tscore = torch.tensor([0.1, -0.2, 0.3, 0.4, 0.0, 0.5], dtype=torch.float64,
                          requires_grad=True)
    a = ag.sparse_coo_tensor(IDX, ag.exp(score), (4, 4))
    ta = _torch_sparse(IDX, torch.exp(tscore), (4, 4))
    x = ag.ones((4, 2), dtype=ag.float64)
    (a @ x).sum().backward()
    torch.sparse.mm(ta, torch.ones(4, 2, dtype=torch.float64)).sum().backward()
    _close(score.grad, tscore.grad)


def test_to_sparse_round_trip_and_gradient(backend):
    _not_on_jax(backend)
    d = ag.tensor([[0.0, 2.0, 0.0], [3.0, 0.0, -1.0]], dtype=ag.float64, requires_grad=True)
    s = ag.sparse.to_sparse(d)
    ts = torch.tensor([[0.0, 2.0, 0.0], [3.0, 0.0, -1.0]], dtype=torch.float64).to_sparse()
    _close(s.indices(), ts.indices())
    _close(s.values(), ts.values())
    _close(s.to_dense(), d.detach())
    (s.to_dense() * ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=ag.float64)).sum() \
        .backward()
    assert host(d.grad).tolist() == [[0.0, 2.0, 0.0], [4.0, 0.0, 6.0]]


def test_errors_name_the_problem(backend):
    _not_on_jax(backend)
    with pytest.raises(IndexError, match=r"index 4 in dim 1 is out of range for size 4"):
        ag.sparse_coo_tensor([[0, 1], [1, 4]], [1.0, 2.0], (2, 4))
    with pytest.raises(IndexError, match=r"index -1 in dim 0 is negative"):
        ag.sparse_coo_tensor([[-1, 1], [1, 0]], [1.0, 2.0], (2, 4))
    with pytest.raises(ValueError, match="nnz=2 .* values have shape \\(3,\\)"):
        ag.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0, 3.0], (2, 2))
    with pytest.raises(ValueError, match="indices must be 2-D"):
        ag.sparse_coo_tensor([0, 1], [1.0, 2.0], (2,))
    a = ag.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
    with pytest.raises(ValueError, match=r"shapes \(2, 2\) \(sparse\) and \(3, 1\)"):
        a @ ag.ones((3, 1))
    for bad in (lambda: a + ag.ones((2, 2)), lambda: a @ a, lambda: a - 1.0,
                lambda: a * ag.ones((2, 2))):
        with pytest.raises(TypeError, match=r"not supported for sparse COO .*\.to_dense\(\)"):
            bad()
    with pytest.raises(TypeError, match="expected a SparseTensor"):
        ag.sparse.mm(ag.ones((2, 2)), ag.ones((2, 2)))
    with pytest.raises(ValueError, match="2-D sparse tensor"):
        ag.sparse_coo_tensor([[0, 1]], [1.0, 2.0], (2,)).t()


@pytest.mark.parametrize("check", [None, True, False])
def test_check_invariants_accepted_and_indices_always_checked(check):
    s = ag.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2), check_invariants=check)
    assert s.to_dense().tolist() == [[0.0, 1.0], [2.0, 0.0]]
    with pytest.raises(IndexError):
        ag.sparse_coo_tensor([[0, 2], [1, 0]], [1.0, 2.0], (2, 2), check_invariants=check)
