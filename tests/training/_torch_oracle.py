"""Helpers shared by the layer tests that compare arraygrad with PyTorch (float64, same
weights): copy torch's weights into ours, make paired leaves, compare values and gradients,
run a model on two backends, and run a PyTorch program with only its imports changed."""

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn.utils import rnn as ru

torch = pytest.importorskip("torch")  # the oracle (CI installs torch==2.13.0)

RNG = np.random.default_rng(0)


def pair(ours, theirs):
    """Torch's initial weights copied into ours (float64); the names must agree."""
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.double()
    ours.load_state_dict({k: ag.tensor(v.detach().double().numpy())
                          for k, v in theirs.state_dict().items()})
    theirs.double()
    return ours, theirs


def leaf(x):
    """The same array as a leaf that requires grad in both libraries."""
    return ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def flat(out):
    """The tensors of a layer's result, in order, without the Nones (outputs, h_n, c_n,
    attention weights); a packed sequence stands for its data."""
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        return [u for o in out for u in flat(o)]
    if isinstance(out, (ru.PackedSequence, torch.nn.utils.rnn.PackedSequence)):
        return [out.data]
    return [out]


def check(ours, theirs, outs_a, outs_t, inputs, atol=1e-10):
    """Same values; then the same gradients of every input in ``inputs`` (pairs of leaves)
    and of every parameter of the modules ``ours``/``theirs`` (None: no module) for a random
    weighting of every output."""
    oa, ot = flat(outs_a), flat(outs_t)
    assert len(oa) == len(ot)
    for u, v in zip(oa, ot):
        assert tuple(u.shape) == tuple(v.shape)
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), atol=atol)
    weights = [RNG.standard_normal(tuple(v.shape)) for v in ot]
    sum((u * ag.tensor(w)).sum() for u, w in zip(oa, weights)).backward()
    sum((v * torch.tensor(w)).sum() for v, w in zip(ot, weights)).backward()
    for xa, xt in inputs:
        np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), atol=atol)
    if ours is not None:
        tp = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol,
                                       err_msg=name)


def on_backends(name, make, run):
    """``run(model, backend) -> (x, out)`` on numpy and on backend ``name`` from the same
    weights: the same ``out``, and the same gradients of ``(out * out).sum()`` for ``x`` and
    every parameter, each on the model's backend."""
    pytest.importorskip(name)  # the backend's library
    ag.manual_seed(0)
    ref = make().double()
    results = []
    for backend in ("numpy", name):
        model = make().double().to(backend=backend)
        model.load_state_dict({k: v.to(backend=backend) for k, v in ref.state_dict().items()})
        x, out = run(model, backend)
        (out * out).sum().backward()
        assert all(p.grad.backend is x.backend for p in model.parameters())
        results.append([out.numpy(force=True), x.grad.numpy(force=True)]
                       + [p.grad.numpy(force=True) for p in model.parameters()])
    for u, v in zip(*results):
        np.testing.assert_allclose(u, v, atol=1e-12)


def run_both(program, torch_imports, our_imports, **data):
    """Run ``program`` under PyTorch (after ``torch_imports``), then under arraygrad with
    only the imports changed; ``same_start(model)`` inside the program gives arraygrad's
    model PyTorch's initial weights. Returns both runs' ``losses`` (torch's first)."""
    start = {}

    def keep(model):
        start.update({k: v.detach().numpy().copy() for k, v in model.state_dict().items()})

    def load(model):
        model.load_state_dict({k: ag.tensor(v) for k, v in start.items()})

    runs = []
    for imports, same_start in ((torch_imports, keep), (our_imports, load)):
        scope = dict(data, same_start=same_start)
        exec(compile(imports + program, "<program>", "exec"), scope)
        runs.append(scope["losses"])
    return runs


def check_second_order(a, t, x, forward_a, forward_t, weight, atol=1e-10):
    """Gradients of gradients against torch: for the input ``x`` (array) and the outputs
    ``forward_a(xa)``/``forward_t(xt)``, the gradients of ``|d(|out|^2)/dx|^2`` with respect
    to ``x`` and to the parameter named ``weight``."""
    xa, xt = leaf(x)
    ga, = ag.autograd.grad(forward_a(xa).square().sum(), xa, create_graph=True)
    gt, = torch.autograd.grad(forward_t(xt).square().sum(), xt, create_graph=True)
    ga.square().sum().backward()
    gt.square().sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), atol=atol)
    np.testing.assert_allclose(getattr(a, weight).grad.numpy(),
                               getattr(t, weight).grad.numpy(), atol=atol)
