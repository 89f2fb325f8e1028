"""MLP training step: forward, backward and SGD update of a ReLU MLP with softmax
cross-entropy, float32.

Comparisons: backprop written by hand in NumPy (the floor: no graph, in-place updates)
and PyTorch eager on the CPU. Each builder returns ``(step, params)``: ``step()`` runs
one training step, ``params()`` returns the current parameters as NumPy arrays (the
smoke test uses it to check that every implementation computes the same update).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Case

LR = 0.05
Builder = tuple[Callable[[], Any], Callable[[], list[np.ndarray]]]


def problem(sizes: tuple[int, ...], batch: int, seed: int = 0):
    """Deterministic data and initial parameters: ``x, y, [w1, b1, w2, b2, ...]``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((n_in, n_out), dtype=np.float32)
                       * np.float32(np.sqrt(2.0 / n_in)))
        params.append(np.zeros(n_out, dtype=np.float32) + np.float32(0.01))
    return x, y, params


def numpy_step(sizes, batch) -> Builder:
    """Hand-written NumPy backprop with in-place updates."""
    x, y, params = problem(sizes, batch)
    rows = np.arange(batch)
    n_layers = len(params) // 2

    def step():
        acts, pres = [x], []
        h = x
        for i in range(n_layers):
            z = h @ params[2 * i]
            z += params[2 * i + 1]
            pres.append(z)
            h = np.maximum(z, 0) if i < n_layers - 1 else z
            acts.append(h)
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, y]).mean()
        dz = p
        dz[rows, y] -= 1.0
        dz /= batch
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            grads[2 * i] = acts[i].T @ dz
            grads[2 * i + 1] = dz.sum(axis=0)
            if i:
                dz = dz @ params[2 * i].T
                dz *= pres[i - 1] > 0
        for w, g in zip(params, grads):
            w -= LR * g
        return loss

    return step, lambda: [p.copy() for p in params]


def _sgd_step(lib, x, y, params, cross_entropy):
    """One raw-tensor training step, the same code for arraygrad and PyTorch (``lib``):
    ``h @ w + b`` and ``relu`` per layer, ``cross_entropy``, then SGD in place."""
    n_layers = len(params) // 2

    def step():
        h = x
        for i in range(n_layers):
            h = h @ params[2 * i] + params[2 * i + 1]
            if i < n_layers - 1:
                h = lib.relu(h)
        loss = cross_entropy(h, y)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return step


def arraygrad_step(ag, sizes, batch, backend: str | None = None) -> Builder:
    """arraygrad with core ops: ``x @ w + b``, ``ag.relu``, ``ag.cross_entropy``.

    ``step.tensors`` holds the parameter Tensors (to wait for asynchronous backends).
    """
    x, y, init = problem(sizes, batch)
    x, y = ag.asarray(x, backend=backend), ag.asarray(y, backend=backend)
    params = [ag.asarray(p, requires_grad=True, backend=backend) for p in init]
    step = _sgd_step(ag, x, y, params, ag.cross_entropy)
    step.tensors = params
    return step, lambda: [p.detach().numpy() for p in params]


def arraygrad_nn_step(ag, sizes, batch) -> Builder:
    """arraygrad with ``nn.Linear``/``nn.ReLU`` modules and ``optim.SGD``."""
    x, y, init = problem(sizes, batch)
    x, y = ag.asarray(x), ag.asarray(y)
    layers = []
    for i in range(len(init) // 2):
        lin = ag.nn.Linear(sizes[i], sizes[i + 1])
        with ag.no_grad():
            lin.weight.copy_(ag.asarray(np.ascontiguousarray(init[2 * i].T)))
            lin.bias.copy_(ag.asarray(init[2 * i + 1]))
        layers += [lin, ag.nn.ReLU()]
    model = ag.nn.Sequential(*layers[:-1])
    opt = ag.optim.SGD(model.parameters(), lr=LR)

    def step():
        opt.zero_grad()
        loss = ag.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def params():
        out = []
        for lin in layers[::2]:
            out += [lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy()]
        return out

    return step, params


def torch_step(torch, sizes, batch) -> Builder:
    """PyTorch eager with the same raw-tensor code as the arraygrad core-op version."""
    x, y, init = problem(sizes, batch)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    params = [torch.tensor(p, requires_grad=True) for p in init]
    step = _sgd_step(torch, x, y, params, torch.nn.functional.cross_entropy)
    return step, lambda: [p.detach().numpy().copy() for p in params]


def configs(smoke: bool) -> list[tuple[tuple[int, ...], int, float]]:
    """(layer sizes, batch, target ratio vs the NumPy floor) per case."""
    if smoke:
        return [((20, 8, 8, 4), 4, 1.5)]
    return [((784, 256, 256, 10), 128, 1.05), ((784, 64, 64, 10), 32, 1.5)]


def cases(ag: Any, torch: Any, *, smoke: bool) -> list[Case]:
    """One case per MLP size: core ops, nn.Linear + optim.SGD, the NumPy floor, PyTorch."""
    out = []
    for sizes, batch, limit in configs(smoke):
        label = "-".join(map(str, sizes)) + f" / batch {batch}"
        impls = {"arraygrad[numpy] core ops": arraygrad_step(ag, sizes, batch)[0],
                 "arraygrad[numpy] nn.Linear + optim.SGD": arraygrad_nn_step(ag, sizes,
                                                                             batch)[0],
                 "numpy hand-written backprop": numpy_step(sizes, batch)[0]}
        if torch is not None:
            impls["pytorch eager"] = torch_step(torch, sizes, batch)[0]
        out.append(Case(f"MLP SGD step {label}", impls, unit="ms",
                        targets={"numpy hand-written backprop": limit}))
    return out
