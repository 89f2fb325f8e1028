"""``ag.set_default_dtype`` follows ``torch.set_default_dtype`` (torch is the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")

MAKERS = {
    "tensor(list)": lambda m: m.tensor([1.5, 2.0]),
    "tensor(float)": lambda m: m.tensor(2.0),
    "tensor(complex)": lambda m: m.tensor([1j]),
    "tensor(int)": lambda m: m.tensor([1, 2]),
    "Tensor(sizes)": lambda m: m.Tensor(2, 3),
    "zeros": lambda m: m.zeros(2),
    "ones": lambda m: m.ones(2, 2),
    "empty": lambda m: m.empty(3),
    "full(float)": lambda m: m.full((2,), 1.5),
    "full(complex)": lambda m: m.full((2,), 1j),
    "arange(float)": lambda m: m.arange(0.0, 3.0),
    "linspace": lambda m: m.linspace(0, 1, 3),
    "eye": lambda m: m.eye(2),
    "rand": lambda m: m.rand(2),
    "randn": lambda m: m.randn(2),
    "from_numpy(float32)": lambda m: m.from_numpy(np.ones(2, np.float32)),
}


@pytest.fixture
def default_dtype():
    """Set both libraries' default dtype for one test and restore it afterwards."""
    before = torch.get_default_dtype()

    def set_both(name):
        ag.set_default_dtype(getattr(ag, name))
        torch.set_default_dtype(getattr(torch, name))

    yield set_both
    ag.set_default_dtype(None)
    torch.set_default_dtype(before)


@pytest.mark.parametrize("name", ["float64", "float32"])
@pytest.mark.parametrize("make", MAKERS.values(), ids=list(MAKERS))
def test_creation_dtype_matches_torch(default_dtype, name, make):
    default_dtype(name)
    assert make(ag).dtype.name == str(make(torch).dtype).removeprefix("torch.")


def test_layers_and_training_follow_the_default(default_dtype):
    default_dtype("float64")
    assert ag.get_default_dtype() == ag.float64
    model = ag.nn.Linear(3, 2)
    assert model.weight.dtype == ag.float64
    loss = model(ag.ones(4, 3)).sum()
    loss.backward()
    assert model.weight.grad.dtype == ag.float64
    info = ag.__array_namespace_info__().default_dtypes()
    assert info["real floating"] == ag.float64 and info["complex floating"] == ag.complex128


def test_none_restores_the_backend_default(default_dtype):
    default_dtype("float64")
    ag.set_default_dtype(None)
    assert ag.get_default_dtype() == ag.current_backend().default_float
    assert ag.zeros(1).dtype == ag.current_backend().default_float


@pytest.mark.parametrize("bad", [ag.int64, ag.bool, ag.complex64, "float64", 3])
def test_non_floating_defaults_are_refused_like_torch(bad):
    with pytest.raises(TypeError, match="only floating-point types"):
        ag.set_default_dtype(bad)
    assert ag.get_default_dtype() == ag.current_backend().default_float
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
