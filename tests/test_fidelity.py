"""PyTorch-fidelity gaps: transfers under vmap, in-place chains, poisson, unique(dim), max/min.

PyTorch is the oracle: where it raises, arraygrad raises the same exception class; where it
computes, arraygrad computes the same values and gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.func as tf
from torch_pairs import F64, _close, _np, _pair

import arraygrad as ag


def _other_backend(name):
    return "array_api_strict" if name != "array_api_strict" else "numpy"


# ----------------------------------------------------------------------- transfers in vmap
def test_transfer_under_vmap_is_batched_in_and_out_and_differentiable(backend):
    x, tx = _pair((4, 3), 1)
    backend = backend.name
    x = x.to(backend=backend)
    other = _other_backend(backend)
    seen = []

    def f(xp, move):
        def fn(r):
            u = move(r)
            seen.append((tuple(u.shape), u.backend.name if xp is ag else None))
            return (xp.sin(u) * u).sum()
        return fn

    there = ag.func.vmap(f(ag, lambda r: r.to(backend=other)))(x)
    assert there.backend.name == other and tuple(there.shape) == (4,)
    assert seen == [((3,), other)]
    _close(there, tf.vmap(f(torch, lambda r: r))(tx))
    # Batched in, batched out, back again; per-example gradients flow to the source backend.
    back = lambda r: r.to(backend=other).to(backend=backend)  # noqa: E731
    g = ag.func.vmap(ag.func.grad(f(ag, back)))(x)
    assert g.backend.name == backend
    _close(g, tf.vmap(tf.grad(f(torch, lambda r: r)))(tx))
    # Reverse mode through the vmapped transfer, into a leaf on the source backend.
    leaf = x.detach().requires_grad_()
    ag.func.vmap(f(ag, lambda r: r.to(backend=other)))(leaf).sum().backward()
    tleaf = tx.detach().requires_grad_()
    tf.vmap(f(torch, lambda r: r))(tleaf).sum().backward()
    assert leaf.grad.backend.name == backend
    _close(leaf.grad, tleaf.grad)


def test_transfer_under_nested_vmap_with_dtype_and_device():
    x = ag.arange(24.0, dtype=F64).reshape((2, 3, 4))
    moved = ag.func.vmap(ag.func.vmap(
        lambda t: t.to(backend="array_api_strict", dtype=ag.float32) + 1))(x)
    assert moved.backend.name == "array_api_strict" and moved.dtype == ag.float32
    np.testing.assert_array_equal(moved.numpy(), np.arange(24.0).reshape((2, 3, 4)) + 1)
    same = ag.func.vmap(lambda t: t.cpu().to_device("cpu") * 2, in_dims=1)(x)
    np.testing.assert_array_equal(same.numpy(), np.moveaxis(np.arange(24.0).reshape(
        (2, 3, 4)), 1, 0) * 2)
    # An unknown device is refused with the usual message, inside vmap too.
    with pytest.raises(ag.backends.BackendError, match="no available backend has device"):
        ag.func.vmap(lambda t: t.to("tpu:7"))(x)


# ----------------------------------------------------------------------- in-place chains
# PyTorch saves the *result* of an in-place op whose derivative reads it (exp_, sigmoid_,
# tanh_, sqrt_, reciprocal_, relu_, pow_ with a tensor exponent): the tensor itself, so any
# later in-place write to it, or to a view sharing its version counter, makes backward
# raise. Ops whose derivative reads the input save a copy of it, and later writes are fine.
INPLACE = {
    "sigmoid_": lambda t, o: t.sigmoid_(),
    "tanh_": lambda t, o: t.tanh_(),
    "exp_": lambda t, o: t.exp_(),
    "sqrt_": lambda t, o: t.sqrt_(),
    "reciprocal_": lambda t, o: t.reciprocal_(),
    "relu_": lambda t, o: t.relu_(),
    "sin_": lambda t, o: t.sin_(),
    "log_": lambda t, o: t.log_(),
    "abs_": lambda t, o: t.abs_(),
    "square_": lambda t, o: t.square_(),
    "clamp_": lambda t, o: t.clamp_(0.3, 0.7),
    "mul_(2)": lambda t, o: t.mul_(2.0),
    "mul_(o)": lambda t, o: t.mul_(o),
    "add_(1)": lambda t, o: t.add_(1.0),
    "add_(o)": lambda t, o: t.add_(o, alpha=2),
    "div_(o)": lambda t, o: t.div_(o),
    "pow_(2)": lambda t, o: t.pow_(2),
    "pow_(o)": lambda t, o: t.pow_(o),
    "lerp_": lambda t, o: t.lerp_(o, 0.3),
    "addcmul_": lambda t, o: t.addcmul_(o, o, value=0.5),
    "masked_fill_": lambda t, o: t.masked_fill_(o > 1.0, 0.25),
    "zero_": lambda t, o: t.zero_(),
    "fill_": lambda t, o: t.fill_(0.3),
    "copy_": lambda t, o: t.copy_(o),
    "*=": lambda t, o: t.__imul__(o),
}
SAVES = ("sigmoid_", "tanh_", "exp_", "sqrt_", "reciprocal_", "relu_", "pow_(o)")
OTHERS = tuple(k for k in INPLACE if k not in SAVES)


def _inplace_cases():
    cases = [("nonleaf", (op,)) for op in INPLACE]              # values and gradients
    cases += [("nonleaf", (op, "mul_(2)")) for op in SAVES]      # torch raises
    cases += [("nonleaf", (op, "tanh_")) for op in OTHERS]       # torch computes
    cases += [("view", (op, "add_(1)")) for op in ("sigmoid_", "sin_", "relu_", "mul_(o)")]
    cases += [("base_after_view", (op,)) for op in ("exp_", "sin_", "tanh_", "clamp_")]
    cases += [("saved_output", (op,)) for op in ("add_(1)", "copy_", "zero_", "sin_")]
    cases += [("saved_input", (op,)) for op in ("sigmoid_", "add_(1)")]
    cases += [("detached_alias", (op,)) for op in ("sigmoid_", "sin_")]
    cases += [("leaf", ("sigmoid_",)), ("leaf", ("add_(1)",)), ("nonleaf", ("sigmoid_",
                                                                            "tanh_", "exp_"))]
    return cases


def _run_inplace(lib, backend, kind, seq):
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.2, 0.9, (3, 4)), rng.uniform(0.5, 1.5, (3, 4))
    if lib == "torch":
        x, o = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    else:
        x = ag.asarray(a, dtype=F64).to(backend=backend).requires_grad_()
        o = ag.asarray(b, dtype=F64).to(backend=backend).requires_grad_()
    extra = 0.0
    try:
        if kind == "leaf":
            y = t = x
        elif kind == "saved_output":      # exp saves its output, which is then written
            y = t = x.exp()
        elif kind == "saved_input":       # y * o saves y, which is then written
            y = t = x * 1
            extra = (y * o).sum()
        else:
            y = t = x * 1
        if kind == "view":                # write twice through a view, backward the base
            t = y[1:]
        for name in seq:
            INPLACE[name](t, o[1:] if t is not y else o)
        if kind == "base_after_view":     # a write to the base after one through a view
            v = y[:2]
            INPLACE[seq[0]](v, o[:2])
            y.mul_(2.0)
        if kind == "detached_alias":      # a detached alias shares the version counter
            y.detach().zero_()
        (y.sum() + extra).backward()
    except Exception as exc:  # noqa: BLE001 - the exception class is what is compared
        return type(exc)
    return [None if g is None else np.asarray(g.detach().numpy()) for g in (x.grad, o.grad)]


def _compare_inplace(kind, seq, backend_name):
    expected = _run_inplace("torch", None, kind, seq)
    got = _run_inplace("ag", backend_name, kind, seq)
    if isinstance(expected, type):
        assert got is expected, f"torch raises {expected.__name__}, arraygrad gives {got}"
        return
    assert not isinstance(got, type), f"torch computes, arraygrad raises {got.__name__}"
    for g, tg in zip(got, expected):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind,seq", _inplace_cases(),
                         ids=[f"{k}:{'.'.join(s)}" for k, s in _inplace_cases()])
def test_inplace_sequences_raise_or_compute_as_torch(kind, seq):
    _compare_inplace(kind, seq, "numpy")


def test_inplace_sequences_on_every_backend(backend):
    # Immutable backends rebind instead of writing: the same outcomes (a sample).
    for kind, seq in (("nonleaf", ("sigmoid_", "tanh_")), ("nonleaf", ("sin_", "tanh_")),
                      ("view", ("relu_", "add_(1)")), ("nonleaf", ("pow_(o)", "mul_(2)")),
                      ("saved_output", ("copy_",))):
        _compare_inplace(kind, seq, backend.name)


def test_inplace_result_has_the_ops_grad_fn_and_second_order_matches_torch():
    a = np.array([0.3, -0.2, 0.5])
    x, tx = ag.asarray(a).requires_grad_(), torch.tensor(a, requires_grad=True)
    y, ty = x * 1.0, tx * 1.0
    assert y.sigmoid_() is y and y.grad_fn.name() == "SigmoidBackward"
    ty.sigmoid_()
    (g,) = ag.autograd.grad((y * y).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty * ty).sum(), tx, create_graph=True)
    _close(g, tg)
    _close(ag.autograd.grad(g.sum(), x)[0], torch.autograd.grad(tg.sum(), tx)[0])
    # The error names the op whose saved result was overwritten.
    z = x * 1.0
    z.tanh_().mul_(2.0)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*'tanh'"):
        z.sum().backward()


# ----------------------------------------------------------------------- max / min along dim
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim_function_and_method_match_torch(name, backend):
    # Ties (the gradient goes to the first index only, as torch) and a NaN (propagates).
    a = np.array([[1.0, 5.0, 5.0, 0.0], [7.0, 0.0, 7.0, 0.0], [2.0, np.nan, 2.0, 1.0]])
    w = np.array([[1.0], [2.0], [3.0]])
    for call in (lambda m, t, **k: getattr(m, name)(t, 1, **k),
                 lambda m, t, **k: getattr(t, name)(1, **k),
                 lambda m, t, **k: getattr(t, name)(dim=-1, **k)):
        for keep in (False, True):
            x = ag.asarray(a).to(backend=backend.name).requires_grad_()
            tx = torch.tensor(a, requires_grad=True)
            r, tr = call(ag, x, keepdim=keep), call(torch, tx, keepdim=keep)
            assert type(r).__name__ == "MaxMin"
            assert r.values is r[0] and r.indices is r[1]
            np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
            np.testing.assert_array_equal(_np(r.values), tr.values.detach().numpy())
            wt = w if keep else w[:, 0]
            weight = ag.asarray(wt).to(backend=backend.name)
            ag.sum(ag.where(ag.isnan(r.values), 0.0, r.values * weight)).backward()
            torch.where(tr.values.isnan(), 0.0, tr.values * torch.tensor(wt)).sum().backward()
            np.testing.assert_array_equal(_np(x.grad), tx.grad.numpy())
    # The same class from the function and the method; a full reduction is a tensor.
    x = ag.asarray(a)
    assert type(getattr(ag, name)(x, 0)) is type(getattr(x, name)(0))
    assert isinstance(getattr(ag, name)(x), ag.Tensor) and isinstance(getattr(x, name)(), ag.Tensor)
    r0 = getattr(ag.asarray(3.0), name)(0)
    assert r0.values.item() == 3.0 and r0.indices.item() == 0 and r0.indices.shape == ()


# ----------------------------------------------------------------------- unique(dim=)
_UNIQUE = [np.array([[1, 2], [3, 4], [1, 2], [0, 9]]), np.array([3, 1, 3]),
           np.array([[[1, 2], [1, 2]], [[0, 0], [1, 2]]]),
           np.array([[1.0, np.nan], [1.0, np.nan], [0.0, 1.0]]), np.zeros((0, 3)),
           np.random.default_rng(0).integers(0, 2, (6, 3, 2)),
           np.array([[True, False], [True, False]]), np.array([[-0.0, 1.0], [0.0, 1.0]])]


def test_unique_dim_matches_torch(backend):
    if backend.name == "jax":
        pytest.skip("unique(dim=) is the same xp code on every backend (array_api_strict and "
                    "torch run a sample here); JAX compiles each of its eager ops on first "
                    "use (up to 7 s in the suite)")
    full = backend.name == "numpy"  # every case on numpy, a sample elsewhere
    sample = _UNIQUE if full else (_UNIQUE[0], _UNIQUE[3], _UNIQUE[6])
    for a in sample:
        for d in range(-a.ndim, a.ndim) if full else (0,):
            for inverse, counts in ((False, False), (True, True), (False, True)) if full \
                    else ((True, True),):
                kw = {"dim": d, "return_inverse": inverse, "return_counts": counts}
                try:
                    want = torch.unique(torch.tensor(a), **kw)
                except RuntimeError:  # 0-sized dimensions besides dim
                    with pytest.raises(RuntimeError, match="0-sized dimensions"):
                        ag.unique(ag.asarray(a).to(backend=backend.name), **kw)
                    continue
                got = ag.unique(ag.asarray(a).to(backend=backend.name), **kw)
                want = want if isinstance(want, tuple) else (want,)
                got = got if isinstance(got, tuple) else (got,)
                assert len(got) == len(want)
                for g, w in zip(got, want):
                    assert tuple(g.shape) == tuple(w.shape) and g.dtype.name == str(
                        w.dtype).removeprefix("torch.")
                    np.testing.assert_array_equal(g.numpy(), w.numpy())
    with pytest.raises(IndexError, match="unique: axis 2 is out of range"):
        ag.unique(ag.zeros((2, 3)), dim=2)
    with pytest.raises(IndexError, match="0-d"):
        ag.unique(ag.asarray(5), dim=0)


# ----------------------------------------------------------------------- poisson
def _chi2_per_dof(samples, lam):
    import math

    ks = np.arange(int(lam + 10 * math.sqrt(lam)) + 10)
    pmf = np.exp(-lam + ks * math.log(lam) - np.array([math.lgamma(k + 1) for k in ks]))
    counts = np.bincount(samples.astype(int), minlength=len(ks))[:len(ks)]
    expected = pmf * samples.size
    keep = expected >= 5
    return float(((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()) / (keep.sum() - 1)


def test_poisson_distribution_seeding_and_autograd_as_torch(backend):
    if backend.name == "jax":
        pytest.skip("the sampler is the same xp code on every backend (array_api_strict and "
                    "torch run it here); JAX compiles each of its ~60 eager ops on first use "
                    "(about 7 s)")
    n = 20000 if backend.name == "numpy" else 2000
    rates = np.repeat([0.0, 0.7, 4.0, 9.5, 10.0, 35.0, 1e5], n)
    r = ag.asarray(rates, dtype=F64).to(backend=backend.name)
    ag.manual_seed(3)
    s = ag.poisson(r)
    ag.manual_seed(3)
    np.testing.assert_array_equal(ag.poisson(r).numpy(), s.numpy())  # seeded
    assert s.dtype == F64 and tuple(s.shape) == rates.shape and s.backend.name == backend.name
    a = s.numpy().reshape(7, n)
    assert (a == np.round(a)).all() and (a >= 0).all() and (a[0] == 0).all()
    for row, lam in zip(a[1:], (0.7, 4.0, 9.5, 10.0, 35.0, 1e5)):  # moments within 5 sigma
        assert abs(row.mean() - lam) < 5 * np.sqrt(lam / n), (lam, row.mean())
        assert abs(row.var() / lam - 1) < 5 * np.sqrt(2 / n) + 5 / np.sqrt(n * lam), lam
        if lam < 100 and backend.name == "numpy":  # both samplers, against the exact pmf
            assert _chi2_per_dof(row, lam) < 2.0, lam
    # torch: a rates tensor that requires grad gives a result that requires grad, with a
    # zero gradient; float32 stays float32; a 0-d rate gives a 0-d sample.
    x = ag.asarray([1.0, 5.0, 0.0]).to(backend=backend.name).requires_grad_()
    tx = torch.tensor([1.0, 5.0, 0.0], requires_grad=True)
    y, ty = ag.poisson(x), torch.poisson(tx)
    assert y.requires_grad == ty.requires_grad and y.dtype == ag.float32
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert ag.poisson(ag.asarray(3.0)).shape == torch.poisson(torch.tensor(3.0)).shape


@pytest.mark.parametrize("rates", [[-1.0], [float("nan")]])
def test_poisson_invalid_rates_raise_as_torch(rates):
    with pytest.raises(RuntimeError):
        torch.poisson(torch.tensor(rates))
    with pytest.raises(RuntimeError, match="poisson: invalid Poisson rate"):
        ag.poisson(ag.asarray(rates))


def test_poisson_refusals_and_vmap():
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):  # torch: garbage
        ag.poisson(ag.asarray([float("inf")]))
    with pytest.raises(TypeError, match="floating dtype, got int64"):
        ag.poisson(ag.asarray([1, 2]))
    with pytest.raises(TypeError, match="generator"):
        ag.poisson(ag.ones(2), generator=object())
    x = ag.full((4, 3), 2.0)
    with pytest.raises(RuntimeError, match="randomness='error'"):
        ag.func.vmap(ag.poisson)(x)
    out = ag.func.vmap(ag.poisson, randomness="different")(x)
    assert tuple(out.shape) == (4, 3) and bool(ag.all(out >= 0))


# ----------------------------------------------------------------------- Embedding(sparse=True)
def test_embedding_sparse_is_refused_with_the_alternative_named():
    for make in (lambda: ag.nn.Embedding(5, 2, sparse=True),
                 lambda: ag.nn.EmbeddingBag(5, 2, sparse=True),
                 lambda: ag.nn.Embedding.from_pretrained(ag.ones((3, 2)), freeze=False,
                                                         sparse=True),
                 lambda: ag.nn.EmbeddingBag.from_pretrained(ag.ones((3, 2)), freeze=False,
                                                            sparse=True)):
        with pytest.raises(NotImplementedError, match=r"sparse=True .* Pass sparse=False"):
            make()
    w = ag.ones((3, 2), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"embedding: sparse=True .*\(3, 2\)"):
        ag.nn.functional.embedding(ag.tensor([0]), w, sparse=True)
    # Frozen or without gradients there is nothing sparse to compute: as in torch.
    frozen = ag.nn.Embedding.from_pretrained(ag.ones((3, 2)), sparse=True)
    assert frozen(ag.tensor([1])).tolist() == [[1.0, 1.0]]
    bag = ag.nn.EmbeddingBag.from_pretrained(ag.ones((3, 2)), sparse=True)
    assert bag(ag.tensor([[1, 2]])).tolist() == [[1.0, 1.0]] and bag.sparse
    with ag.no_grad():
        assert ag.nn.functional.embedding(ag.tensor([0]), w, sparse=True).shape == (1, 2)
    frozen.weight.requires_grad_(True)  # unfrozen later: refused at the forward
    with pytest.raises(NotImplementedError, match="sparse=True"):
        frozen(ag.tensor([1]))
    # The named alternative: sparse=False gives torch's sparse gradient, densified.
    idx = [[0, 2, 2], [4, 0, 1]]
    table = np.random.default_rng(5).normal(size=(5, 3))
    tw = torch.tensor(table, requires_grad=True)
    torch.nn.functional.embedding(torch.tensor(idx), tw, sparse=True).pow(2).sum().backward()
    assert tw.grad.is_sparse
    aw = ag.asarray(table).requires_grad_()
    ag.nn.functional.embedding(ag.tensor(idx), aw).pow(2).sum().backward()
    np.testing.assert_allclose(aw.grad.numpy(), tw.grad.to_dense().numpy(), rtol=1e-12)
