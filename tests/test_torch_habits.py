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
