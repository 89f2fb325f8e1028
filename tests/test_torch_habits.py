"""PyTorch's creation and sampling habits: size= keywords, *_like samplers, multinomial."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag


def test_size_keywords(backend):
    assert ag.zeros(size=(2, 3), backend=backend).shape == (2, 3)
    assert ag.ones(size=(4,), backend=backend).shape == (4,)
    assert ag.empty(size=(1, 2), backend=backend).shape == (1, 2)
    assert ag.full(size=(2,), fill_value=3.0, backend=backend).tolist() == [3.0, 3.0]
    assert ag.randn(size=(3, 2), backend=backend).shape == (3, 2)
    assert ag.rand(size=(5,), backend=backend).shape == (5,)
    with pytest.raises(TypeError, match="not both"):
        ag.zeros((2,), size=(2,))


def test_like_samplers_follow_the_tensor(backend):
    x = ag.zeros((3, 4), backend=backend)
    for t in (ag.rand_like(x), ag.randn_like(x)):
        assert t.shape == x.shape and t.dtype == x.dtype and t.backend is x.backend
    r = ag.randint_like(x, 2, 5)
    values = set(np.unique(r.numpy()).tolist())
    assert r.shape == x.shape and values <= {2.0, 3.0, 4.0}


def test_multinomial_frequencies_and_rules():
    ag.manual_seed(0)
    probs = ag.tensor([0.1, 0.2, 0.7], backend="numpy")
    draws = ag.multinomial(probs, 20000, replacement=True).numpy()
    freq = np.bincount(draws, minlength=3) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
    rows = ag.multinomial(ag.tensor([[1.0, 1.0, 1.0, 1.0]] * 3), 4).numpy()
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows)  # without replacement: a permutation
    with pytest.raises(ValueError, match="without replacement"):
        ag.multinomial(probs, 4)
    with pytest.raises(ValueError, match="non-negative"):
        ag.multinomial(ag.tensor([0.5, -0.1]), 1)


# 0-d tensors: PyTorch treats them as one-element vectors in gather/scatter/index ops and
# refuses the ops that cut a dimension, with these exception classes.
ZERO_D = {
    "narrow": lambda m, t: t.narrow(0, 0, 1),
    "select": lambda m, t: t.select(0, 0),
    "split": lambda m, t: t.split(1),
    "chunk": lambda m, t: t.chunk(1),
    "unbind": lambda m, t: t.unbind(0),
    "scatter(1-d, 0-d index)": lambda m, t: m.tensor([1.0, 2.0]).scatter(0, m.tensor(1), t),
    "scatter": lambda m, t: t.scatter(0, m.tensor(0), m.tensor(2.0)),
    "scatter(value)": lambda m, t: t.scatter(0, m.tensor(0), 3.0),
    "scatter_add": lambda m, t: t.scatter_add(0, m.tensor(0), m.tensor(2.0)),
    "index_add": lambda m, t: t.index_add(0, m.tensor([0]), m.tensor(2.0)),
    "index_select": lambda m, t: t.index_select(0, m.tensor([0])),
    "index_select(0-d index)": lambda m, t: m.tensor([1.0, 2.0]).index_select(0, m.tensor(1)),
    "gather": lambda m, t: m.gather(t, 0, m.tensor(0)),
    "gather(1-d, 0-d index)": lambda m, t: m.gather(m.tensor([1.0, 2.0]), 0, m.tensor(1)),
    "gather(0-d, 1-d index)": lambda m, t: m.gather(t, 0, m.tensor([0, 0])),
    "movedim": lambda m, t: t.movedim(-1, 0),
}


@pytest.mark.parametrize("case", list(ZERO_D), ids=list(ZERO_D))
def test_zero_d_tensors_as_torch(case):
    torch = pytest.importorskip("torch")
    fn = ZERO_D[case]
    try:
        expected = fn(torch, torch.tensor(5.0))
    except Exception as exc:  # PyTorch refuses: so must we, with the same class
        with pytest.raises(type(exc), match="0-d tensor"):
            fn(ag, ag.tensor(5.0))
        return
    got = fn(ag, ag.tensor(5.0))
    assert tuple(got.shape) == tuple(expected.shape)
    assert got.tolist() == expected.tolist()


def test_gather_of_a_zero_d_tensor_has_torchs_gradient():
    x = ag.tensor(5.0, requires_grad=True)
    (ag.gather(x, 0, ag.tensor([0, 0])) * ag.tensor([2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == 5.0


def test_ieee_special_values_are_computed_silently_as_in_torch():
    # log(0), 1/0, 0/0, sqrt's gradient at 0: PyTorch answers -inf/inf/nan without a
    # warning; so does arraygrad on NumPy, while the user's own NumPy calls still warn.
    import subprocess
    import sys
    code = ("import warnings, numpy as np, arraygrad as ag\n"
            "with warnings.catch_warnings(record=True) as seen:\n"
            "    warnings.simplefilter('default')\n"
            "    x = ag.tensor([0.0, 1.0], requires_grad=True)\n"
            "    y = ag.log(x) + ag.tensor([1.0, 0.0]) / 0 + ag.sqrt(x)\n"
            "    y.sum().backward()\n"
            "    assert not [w for w in seen], [str(w.message) for w in seen]\n"
            "    np.log(np.zeros(1))\n"
            "    assert len(seen) == 1 and 'divide by zero' in str(seen[0].message)\n"
            "print(y.tolist(), x.grad.tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = torch.log(x) + torch.tensor([1.0, 0.0]) / 0 + torch.sqrt(x)
    y.sum().backward()
    assert out.stdout.strip() == f"{y.tolist()} {x.grad.tolist()}"


# In-place ops on non-leaf tensors whose backward reads the value they overwrite: PyTorch
# keeps the original (``original_self``) and computes; so must we.
IN_PLACE_CHAINS = ["(x * 1).mul_(2).log_()", "(x * 1).log_()", "(x * 1).sin_()",
                   "(x * 1).exp_()", "(x * 1).relu_()", "(x * 1).sqrt_()", "(x * 1).abs_()",
                   "(x * 1).square_()", "(x * 1).clamp_(1.5, 3)", "(x * 1).lerp_(w, 0.3)",
                   "(x * 1).addcmul_(w, w)", "x.detach().clone().mul_(w)",
                   "(x * 1).cos_().mul_(w)"]


@pytest.mark.parametrize("expr", IN_PLACE_CHAINS)
def test_in_place_chain_gradients_match_torch(expr):
    torch = pytest.importorskip("torch")
    grads = []
    for m in (ag, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 0.5], requires_grad=True)
        y = eval(expr, {"x": x, "w": w})
        y.sum().backward()
        grads.append([None if t.grad is None else t.grad.tolist() for t in (x, w)])
    ours, theirs = grads
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6)


# NumPy scalars keep their dtype in tensor()/asarray() as in torch.tensor (np.float64
# subclasses Python's float, which alone would mean the default float32).
NUMPY_SCALAR_DATA = {
    "tensor(np.float64)": lambda m: m.tensor(np.float64(1.1)),
    "asarray(np.float64)": lambda m: m.asarray(np.float64(1.1)),
    "as_tensor(np.float64)": lambda m: m.as_tensor(np.float64(1.1)),
    "[float, np.float64]": lambda m: m.tensor([1.0, np.float64(2.0)]),
    "[int, np.float64]": lambda m: m.tensor([1, np.float64(2.0)]),
    "np.complex128": lambda m: m.tensor(np.complex128(1j)),
    "[np.float64, complex]": lambda m: m.tensor([np.float64(1.0), 1j]),
    "np.float16": lambda m: m.tensor(np.float16(1)),
    "[np.int32]": lambda m: m.tensor([np.int32(3)]),
    "np.int8": lambda m: m.tensor(np.int8(3)),
    "[np.float32]": lambda m: m.tensor([np.float32(1.5)]),
    "np.bool_": lambda m: m.tensor(np.bool_(True)),
    "[bool, np.bool_]": lambda m: m.tensor([True, np.bool_(False)]),
    "[int, np.int32]": lambda m: m.tensor([1, np.int32(2)]),
    "full(np.float64)": lambda m: m.full((1,), np.float64(3)),
    "full(np.int32)": lambda m: m.full((1,), np.int32(3)),
}


@pytest.mark.parametrize("make", NUMPY_SCALAR_DATA.values(), ids=list(NUMPY_SCALAR_DATA))
def test_numpy_scalar_dtypes_as_torch(make):
    torch = pytest.importorskip("torch")
    assert make(ag).dtype.name == str(make(torch).dtype).removeprefix("torch.")


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("label", [5, -2])
def test_out_of_range_class_labels_raise_index_error_as_torch(loss, label):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    import arraygrad.nn.functional as F
    with pytest.raises(IndexError):
        getattr(TF, loss)(torch.zeros(2, 3), torch.tensor([0, label]))
    with pytest.raises(IndexError, match="target class indices must be in"):
        getattr(F, loss)(ag.zeros(2, 3), ag.tensor([0, label]))
