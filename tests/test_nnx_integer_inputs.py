"""Activations and losses of integer and bool tensors: PyTorch's error where PyTorch raises,
PyTorch's integer result where it computes (checked against torch as the oracle)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

INTS = [1, -2, 3, 4]

ACTIVATIONS = {
    "softmax": lambda f, x: f.softmax(x, 0), "log_softmax": lambda f, x: f.log_softmax(x, 0),
    "softmin": lambda f, x: f.softmin(x, 0), "relu": lambda f, x: f.relu(x),
    "relu6": lambda f, x: f.relu6(x), "leaky_relu": lambda f, x: f.leaky_relu(x),
    "elu": lambda f, x: f.elu(x), "selu": lambda f, x: f.selu(x),
    "celu": lambda f, x: f.celu(x), "silu": lambda f, x: f.silu(x),
    "mish": lambda f, x: f.mish(x), "gelu": lambda f, x: f.gelu(x),
    "softplus": lambda f, x: f.softplus(x), "hardtanh": lambda f, x: f.hardtanh(x, -1.5, 2.5),
    "logsigmoid": lambda f, x: f.logsigmoid(x), "hardsigmoid": lambda f, x: f.hardsigmoid(x),
    "hardswish": lambda f, x: f.hardswish(x), "softshrink": lambda f, x: f.softshrink(x),
    "hardshrink": lambda f, x: f.hardshrink(x), "glu": lambda f, x: f.glu(x),
    "rrelu": lambda f, x: f.rrelu(x), "threshold": lambda f, x: f.threshold(x, -1.5, 7.9),
    "softsign": lambda f, x: f.softsign(x), "tanhshrink": lambda f, x: f.tanhshrink(x),
}


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - the class is the result compared
            return type(exc)


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_of_integers_matches_torch(name, dtype):
    values = [v > 0 for v in INTS] if dtype == "bool" else INTS
    call = ACTIVATIONS[name]
    expected = _outcome(lambda: call(TF, torch.tensor(values)))
    got = _outcome(lambda: call(F, ag.tensor(values)))
    if isinstance(expected, type):
        assert got is expected, f"{name}({dtype}): torch raises {expected.__name__}, got {got}"
        return
    assert not isinstance(got, type), f"{name}({dtype}): torch computes, arraygrad raised {got}"
    if expected.dtype.is_floating_point:  # the float dtype of int -> float ops is tns's
        assert got.dtype.kind == "f"
    else:
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_softmax_error_names_op_and_dtype_and_dtype_argument_works():
    x = ag.tensor(INTS)
    with pytest.raises(NotImplementedError, match=r"log_softmax.*'Long'.*int64"):
        F.log_softmax(x, 0)
    with pytest.raises(NotImplementedError, match="softmax"):
        ag.nn.Softmax(dim=0)(x)
    for name in ("softmax", "log_softmax", "softmin"):
        got = getattr(F, name)(x, 0, dtype=ag.float32)
        want = getattr(TF, name)(torch.tensor(INTS), 0, dtype=torch.float32)
        assert got.dtype == ag.float32
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_uint8_hardtanh_with_negative_limits_raises():
    with pytest.raises(RuntimeError, match="unsigned"):
        F.hardtanh(ag.tensor([1, 2], dtype="uint8"))


LOSSES = {
    "mse_loss": lambda f, a, b: f.mse_loss(a, b),
    "l1_loss": lambda f, a, b: f.l1_loss(a, b),
    "smooth_l1_loss": lambda f, a, b: f.smooth_l1_loss(a, b),
    "huber_loss": lambda f, a, b: f.huber_loss(a, b),
    "binary_cross_entropy": lambda f, a, b: f.binary_cross_entropy(a, b),
    "binary_cross_entropy_with_logits":
        lambda f, a, b: f.binary_cross_entropy_with_logits(a, b),
    "kl_div": lambda f, a, b: f.kl_div(a, b, reduction="sum"),
    "soft_margin_loss": lambda f, a, b: f.soft_margin_loss(a, b),
    "hinge_embedding_loss": lambda f, a, b: f.hinge_embedding_loss(a, b),
    "multilabel_soft_margin_loss": lambda f, a, b: f.multilabel_soft_margin_loss(a, b),
    "gaussian_nll_loss": lambda f, a, b: f.gaussian_nll_loss(a, b, b),
    "cross_entropy": lambda f, a, b: f.cross_entropy(a, b[:, 0] * 0),
    "nll_loss": lambda f, a, b: f.nll_loss(a, b[:, 0] * 0),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_of_integers_raises_like_torch(name):
    values = [[1, 0], [0, 1]]
    call = LOSSES[name]
    expected = _outcome(lambda: call(TF, torch.tensor(values), torch.tensor(values)))
    got = _outcome(lambda: call(F, ag.tensor(values), ag.tensor(values)))
    assert isinstance(expected, type), f"torch now computes {name} of integers"
    assert got is expected, f"{name}: torch raises {expected.__name__}, arraygrad gave {got}"
