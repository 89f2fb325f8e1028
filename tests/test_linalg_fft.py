"""The linalg and fft extensions beyond the op table: result types, errors, second order,
complex values, missing extensions, and the ill-defined gradients PyTorch also gives."""

from __future__ import annotations

import dataclasses
import types

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.extend import make_tensor
from arraygrad.testing.conformance._util import host, require_float64
from arraygrad.testing.op_table import backend_features, by_name, missing_features

L = ag.linalg


def _t(values, backend=None, grad=False, dtype="float64"):
    arr = np.asarray(values)
    t = ag.asarray(arr.astype(dtype) if arr.dtype.kind == "f" else arr, backend=backend)
    return t.requires_grad_(True) if grad else t


def _spd(n: int, seed: int = 0) -> np.ndarray:
    a = np.random.default_rng(seed).uniform(-1, 1, (n, n + 2))
    return a @ a.T


# ----------------------------------------------------------------------- result types
@pytest.mark.parametrize("grad", [False, True])
def test_named_tuples(backend, grad):
    require_float64(backend, "linalg named tuples")
    a = _t(_spd(3), backend, grad)
    w, v = res = L.eigh(a)
    assert isinstance(res, L.EighResult) and res.eigenvalues is w and res.eigenvectors is v
    q, r = L.qr(a)
    assert isinstance(L.qr(a), L.QRResult) and q.shape == r.shape == (3, 3)
    svd = L.svd(a, full_matrices=False)
    assert isinstance(svd, L.SVDResult) and svd.S.shape == (3,)
    sd = L.slogdet(a)
    assert isinstance(sd, L.SlogdetResult)
    np.testing.assert_allclose(host(sd.logabsdet), np.linalg.slogdet(_spd(3))[1])
    assert w.requires_grad is grad and sd.sign.dtype == ag.float64


def test_aliases_are_the_core_functions():
    assert L.matmul is ag.matmul and L.tensordot is ag.tensordot
    assert L.vecdot is ag.vecdot and L.matrix_transpose is ag.matrix_transpose
    assert ag.fft.fft is not None and ag.linalg is not None


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("call, exc, words", [
    (lambda: L.inv(_t(np.ones((2, 3)))), ValueError, "square"),
    (lambda: L.det(_t(np.ones(3))), ValueError, "at least 2-D"),
    (lambda: L.inv(_t(np.eye(2, dtype=np.int64))), TypeError, "floating-point"),
    (lambda: L.solve(_t(np.eye(3)), _t(np.ones(2))), ValueError, "M = 3"),
    (lambda: L.cross(_t(np.ones(2)), _t(np.ones(2))), ValueError, "size 3"),
    (lambda: L.matrix_norm(_t(np.eye(2)), ord=3), ValueError, "ord"),
    (lambda: L.qr(_t(np.ones((3, 2)), grad=True), mode="complete"), RuntimeError,
     "not differentiable"),
    (lambda: L.qr(_t(np.ones((3, 2))), mode="r"), ValueError, "mode"),
    (lambda: L.eigh(_t(np.eye(2), dtype="complex128").requires_grad_(True)),
     NotImplementedError, "complex"),
    (lambda: ag.fft.fft(_t(np.ones(4)), norm="none"), ValueError, "norm"),
    (lambda: ag.fft.rfft(_t(np.ones(4), dtype="complex128")), TypeError, "real input"),
    (lambda: ag.fft.fft(_t(np.ones(4)), axis=1), ValueError, "out of range"),
    (lambda: ag.fft.fft(_t(np.ones(4)), n=0), ValueError, "positive"),
    (lambda: ag.fft.fftn(_t(np.ones((2, 2))), s=(2,), axes=(0, 1)), ValueError, "length"),
    (lambda: ag.fft.fftfreq(4, dtype=ag.int64), ValueError, "floating"),
])
def test_errors_name_the_function(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_backend_without_the_extensions():
    """A backend whose namespace lacks linalg/fft: a clear error, and the kit says so."""
    numpy_be = ag.get_backend("numpy")
    raw = {k: v for k, v in vars(numpy_be.xp).items() if k not in ("linalg", "fft")}
    bare = dataclasses.replace(numpy_be, name="bare", xp=types.SimpleNamespace(**raw))
    x = make_tensor(np.eye(2), bare)
    with pytest.raises(NotImplementedError, match=r"linalg\.inv: backend 'bare'.*linalg"):
        L.inv(x)
    with pytest.raises(NotImplementedError, match=r"fft\.rfft: backend 'bare'.*fft"):
        ag.fft.rfft(x)
    have = backend_features(bare)
    assert not have["linalg"] and not have["fft"] and backend_features(numpy_be)["fft"]
    assert missing_features(by_name("inv"), bare) == ["the linalg extension"]
    assert missing_features(by_name("fft"), bare) == ["the fft extension"]


# -------------------------------------------------------------------------- 2nd order
SECOND_ORDER = ["inv", "det", "solve[vector]", "cholesky", "eigh", "svd", "qr", "pinv",
                "vector_norm", "fft", "rfft[n=5,ortho]", "irfft[forward]"]


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_gradgradcheck(name):
    from arraygrad.testing.op_table import sample_inputs, to_tensors

    case = by_name(name)
    with ag.use_backend("numpy") as backend:
        inputs = to_tensors(case, sample_inputs(case), "float64", backend)
        assert ag.autograd.gradgradcheck(lambda *xs: case.fn(ag, *xs), inputs)


# ----------------------------------------------------------------- complex and values
def test_complex_values_match_numpy(backend):
    require_float64(backend, "complex128 linalg")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    h = a @ a.conj().T + np.eye(3)
    x = ag.asarray(a, backend=backend)
    np.testing.assert_allclose(host(L.inv(x)), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(host(L.det(x)), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(host(L.eigvalsh(ag.asarray(h, backend=backend))),
                               np.linalg.eigvalsh(h), rtol=1e-10)
    np.testing.assert_allclose(host(L.svdvals(x)), np.linalg.svd(a, compute_uv=False),
                               rtol=1e-10)
    np.testing.assert_allclose(host(L.vecdot(x, x)), np.sum(a.conj() * a, axis=-1),
                               rtol=1e-12)
    np.testing.assert_allclose(host(ag.fft.fftn(x, axes=(0,))), np.fft.fftn(a, axes=(0,)),
                               rtol=1e-12)
    np.testing.assert_allclose(host(ag.fft.hfft(x[0], n=5)), np.fft.hfft(a[0], n=5),
                               rtol=1e-12)


def test_complex_inv_gradient_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)) + 3 * np.eye(3)
    x = ag.asarray(a).requires_grad_(True)
    tx = torch.tensor(a, requires_grad=True)
    for f, tf in [(lambda m: L.inv(m), torch.linalg.inv),
                  (lambda m: L.det(m)[None], lambda m: torch.linalg.det(m)[None]),
                  (lambda m: L.solve(m, m[0]), lambda m: torch.linalg.solve(m, m[0]))]:
        out, t_out = f(x), tf(tx)
        seed = rng.standard_normal(out.shape) + 1j * rng.standard_normal(out.shape)
        (g,) = ag.autograd.grad(out, [x], grad_outputs=ag.asarray(seed))
        (tg,) = torch.autograd.grad(t_out, [tx], grad_outputs=torch.tensor(seed))
        np.testing.assert_allclose(host(g), tg.resolve_conj().numpy(), rtol=1e-9, atol=1e-12)


def test_fftfreq_matches_numpy(backend):
    for n in (1, 4, 5):
        np.testing.assert_allclose(host(ag.fft.fftfreq(n, d=0.5)), np.fft.fftfreq(n, d=0.5),
                                   rtol=1e-6)
        np.testing.assert_allclose(host(ag.fft.rfftfreq(n)), np.fft.rfftfreq(n), rtol=1e-6)
    out = ag.fft.fftfreq(3, dtype=ag.float32)
    assert out.dtype == ag.float32 and out.backend is backend


def test_shifts_match_numpy():
    a = np.arange(15.0).reshape(3, 5)
    np.testing.assert_array_equal(host(ag.fft.fftshift(_t(a))), np.fft.fftshift(a))
    np.testing.assert_array_equal(host(ag.fft.ifftshift(_t(a), axes=(1,))),
                                  np.fft.ifftshift(a, axes=(1,)))


# ---------------------------------------------------------- ill-defined or edge gradients
def test_edge_gradients_as_pytorch():
    x = _t([[1.0, -2.0], [0.5, 3.0]], grad=True)
    out = L.vector_norm(x, ord=0)  # a count: zero gradient
    assert out.item() == 4.0
    out.backward()
    np.testing.assert_array_equal(host(x.grad), np.zeros((2, 2)))
    z = _t(np.zeros((2, 2)), grad=True)
    L.det(z).backward()
    np.testing.assert_array_equal(host(z.grad), np.zeros((2, 2)))  # adj(0) = 0
    v = _t(np.zeros(3), grad=True)
    L.vector_norm(v).backward()
    np.testing.assert_array_equal(host(v.grad), np.zeros(3))
    e = _t(np.eye(2), grad=True)  # a repeated eigenvalue: nan, as PyTorch
    with np.errstate(invalid="ignore", divide="ignore"):
        (L.eigh(e).eigenvectors ** 2).sum().backward()
    assert np.isnan(host(e.grad)).all()
