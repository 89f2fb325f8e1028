"""The example third-party backend (examples/arraygrad-torch-backend) as a user installs it.

Runs only when that package is installed (``pip install -e examples/arraygrad-torch-backend``);
the conformance kit itself runs on it through tests/test_conformance.py.
"""

from __future__ import annotations

from importlib import metadata

import numpy as np
import pytest

import arraygrad as ag

pytest.importorskip(
    "arraygrad_torch_backend",
    reason="the example plugin is not installed: pip install -e examples/arraygrad-torch-backend")
torch = pytest.importorskip("torch")


def test_registered_through_the_entry_point():
    (ep,) = [ep for ep in metadata.entry_points(group="arraygrad") if ep.name == "torch"]
    assert ep.value == "arraygrad_torch_backend"
    status = ag.backends.available()["torch"]
    assert status.ok and status.devices == ("cpu",)
    assert isinstance(ag.ones(2, backend="torch").array, torch.Tensor)


def test_gradients_match_the_numpy_backend():
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(s) for s in ((5, 4), (4, 3), (3,))]
    target = np.array([0, 2, 1, 1, 0])

    def grads(backend):
        x, w, b = (ag.tensor(d, backend=backend, requires_grad=True) for d in data)
        loss = ag.cross_entropy(ag.tanh(x @ w + b), ag.tensor(target, backend=backend))
        loss.backward()
        return [loss.item()] + [t.grad.numpy() for t in (x, w, b)]

    got, want = grads("torch"), grads("numpy")
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("key", [(np.array([0, 0, 2]),), (slice(None), np.array([1, 1])),
                                 (np.array([True, False, True]),), (1, slice(0, 2))])
def test_scatter_add_any_key(key):
    be = ag.get_backend("torch")
    base = np.zeros((3, 2))
    values = np.ones(base[key].shape)
    expected = base.copy()
    np.add.at(expected, key, values)
    torch_key = tuple(torch.as_tensor(k) if isinstance(k, np.ndarray) else k for k in key)
    out = be.scatter_add(torch.zeros(3, 2, dtype=torch.float64), torch_key,
                         torch.as_tensor(values))
    np.testing.assert_array_equal(out.numpy(), expected)


def test_moves_to_and_from_torch_are_differentiable_copies():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    y = x.to(backend="torch")
    (y ** 2).sum().backward()
    assert x.grad.backend.name == "numpy" and x.grad.tolist() == [2.0, -4.0]
    with ag.no_grad():
        x[0] = 5.0
    assert y.tolist() == [1.0, -2.0]
    t = ag.from_dlpack(torch.arange(3.0))
    assert t.backend.name == "torch"  # a torch tensor keeps its library


def test_seeded_draws_repeat():
    with ag.use_backend("torch"):
        ag.manual_seed(3)
        first = [ag.rand(3).tolist(), ag.randint(0, 9, (3,)).tolist(), ag.randperm(4).tolist()]
        ag.manual_seed(3)
        assert [ag.rand(3).tolist(), ag.randint(0, 9, (3,)).tolist(),
                ag.randperm(4).tolist()] == first
