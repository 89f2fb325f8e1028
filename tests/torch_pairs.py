"""Helpers shared by the tests that compare arraygrad with PyTorch on float64 pairs."""

from __future__ import annotations

import numpy as np
import torch

import arraygrad as ag

F64 = ag.float64


def _np(x):
    """A float64 NumPy copy of an arraygrad or PyTorch tensor."""
    return np.asarray(x.detach().numpy(), dtype=float)


def _close(a, b, tol=1e-9):
    """Assert that two tensors (either library) agree to ``tol``."""
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _pair(shape, seed=0):
    """The same standard-normal float64 values as an arraygrad and a PyTorch tensor."""
    a = np.random.default_rng(seed).normal(size=shape)
    return ag.asarray(a, dtype=F64), torch.tensor(a)
