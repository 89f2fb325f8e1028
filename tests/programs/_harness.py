"""Run one PyTorch-style program on PyTorch and on arraygrad from the same source.

Each program module under ``tests/programs`` defines ``main(torch, nn, F, optim, data, *,
init=None, ...)``: the five arguments are the modules a PyTorch script imports (PyTorch's
or arraygrad's), ``init(models)`` is called once the models are built (the harness records
PyTorch's initial weights there and loads them into arraygrad's models), and the result is
a dict with ``"losses"`` (floats, one per step) and ``"models"`` (name -> module).
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

import arraygrad as ag
import arraygrad.nn
import arraygrad.nn.functional
import arraygrad.optim
import arraygrad.utils.data


def torch_libs():
    import torch
    import torch.nn
    import torch.nn.functional
    import torch.optim
    import torch.utils.data
    torch.set_num_threads(1)      # small models: threads only contend on shared cores
    return dict(torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
                data=torch.utils.data)


def ag_libs():
    return dict(torch=ag, nn=arraygrad.nn, F=arraygrad.nn.functional, optim=arraygrad.optim,
                data=arraygrad.utils.data)


@contextlib.contextmanager
def torch_float64():
    import torch
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


@contextlib.contextmanager
def ag_backend(name: str, dtype=ag.float64):
    """Use backend ``name`` with ``dtype`` as its default float (arraygrad has no
    ``set_default_dtype``: the default float is a field of each backend)."""
    with ag.use_backend(name) as be:
        old = be.default_float
        be.default_float = dtype
        try:
            yield be
        finally:
            be.default_float = old


def run_torch(program, **kw):
    """Run ``program`` on PyTorch in float64; return (result, initial state dicts)."""
    states = {}

    def init(models):
        for name, model in models.items():
            states[name] = {k: v.detach().clone() for k, v in model.state_dict().items()}

    with torch_float64():
        out = program.main(**torch_libs(), init=init, **kw)
    return out, states


def run_ag(program, states=None, backend="numpy", dtype=ag.float64, **kw):
    """Run ``program`` on arraygrad, starting from PyTorch's initial ``states``."""

    def init(models):
        if states is None:
            return
        for name, model in models.items():
            model.load_state_dict({k: ag.tensor(v.detach().cpu().numpy())
                                   for k, v in states[name].items()})

    with ag_backend(backend, dtype):
        return program.main(**ag_libs(), init=init, **kw)


def compare(ours, theirs, rtol=1e-4, atol=1e-6, params=True):
    """Losses after every step agree to ``rtol``; so do the final parameters."""
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=rtol, atol=atol,
                               err_msg="losses differ from PyTorch's")
    if not params:
        return
    for name, model in theirs["models"].items():
        mine = dict(ours["models"][name].named_parameters())
        for key, p in model.named_parameters():
            np.testing.assert_allclose(_np(mine[key]), p.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=f"{name}.{key} differs")


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


def save_load(torch, model):
    """``torch.save(model.state_dict(), buf)`` then ``load_state_dict(torch.load(buf))``."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    return model.load_state_dict(torch.load(buf))
