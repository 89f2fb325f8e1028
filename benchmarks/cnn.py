"""CNN training step on 8x8 images: conv 3x3 -> ReLU -> max-pool 2 -> linear, softmax
cross-entropy, SGD. arraygrad's ``nn.Conv2d`` stack against the same network in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Case, Row, run_case

LR = 0.05


def _init(channels: int, classes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    conv_w = rng.standard_normal((channels, 1, 3, 3), dtype=np.float32) / np.float32(3.0)
    conv_b = np.zeros(channels, dtype=np.float32)
    lin_w = rng.standard_normal((classes, channels * 16), dtype=np.float32) * np.float32(0.1)
    lin_b = np.zeros(classes, dtype=np.float32)
    return conv_w, conv_b, lin_w, lin_b


def _batch(batch: int, classes: int):
    rng = np.random.default_rng(1)
    return (rng.standard_normal((batch, 1, 8, 8), dtype=np.float32),
            rng.integers(0, classes, size=batch))


def _step(lib: Any, from_numpy: Any, batch: int, channels: int, classes: int):
    """``(step, params)``: the network and SGD update in ``lib`` (arraygrad or torch: the
    same code); ``from_numpy`` makes ``lib``'s tensor from a NumPy array."""
    nn = lib.nn
    model = nn.Sequential(nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(channels * 16, classes))
    with lib.no_grad():
        for p, v in zip(model.parameters(), _init(channels, classes)):
            p.copy_(from_numpy(v))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    x, y = (from_numpy(a) for a in _batch(batch, classes))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step, lambda: [p.detach().numpy().copy() for p in model.parameters()]


def arraygrad_step(ag, batch: int, channels: int, classes: int):
    """``(step, params)`` with arraygrad.nn modules and optim.SGD."""
    return _step(ag, ag.asarray, batch, channels, classes)


def torch_step(torch, batch: int, channels: int, classes: int):
    """The same network and update in PyTorch eager."""
    return _step(torch, torch.from_numpy, batch, channels, classes)


def rows(ag: Any, torch: Any, *, smoke: bool, repeat: int, warmup: int) -> list[Row]:
    """The CNN case."""
    batch, channels = (4, 2) if smoke else (64, 16)
    impls = {"arraygrad[numpy] nn.Conv2d + optim.SGD": arraygrad_step(ag, batch, channels,
                                                                      10)[0]}
    if torch is not None:
        impls["pytorch eager"] = torch_step(torch, batch, channels, 10)[0]
    case = Case(f"CNN SGD step 8x8x1 -> conv3x3({channels}) -> pool -> linear(10) / batch "
                f"{batch}", impls, unit="ms")
    return run_case(case, repeat=repeat, warmup=warmup)
