"""A user's own test, parametrized over every installed arraygrad backend.

This file is the example of docs/testing.md, verbatim (tests/test_backend_docs.py checks it).
"""

import numpy as np

import arraygrad as ag


def softplus(x):
    return ag.log1p(ag.exp(x))


def test_softplus_gradient_is_sigmoid(backend):
    # `backend` is the Backend under test, and the current backend inside this test.
    x = ag.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    softplus(x).sum().backward()
    assert x.backend is backend
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.exp(-x.detach().numpy())),
                               rtol=1e-6)


def test_softplus_gradcheck(backend):
    x = ag.tensor([-1.5, 0.25, 2.0], dtype=ag.float64, requires_grad=True)
    assert ag.autograd.gradcheck(lambda t: softplus(t).sum(), (x,))
