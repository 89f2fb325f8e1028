"""The benchmark suite still runs (one repeat, tiny sizes), and its implementations of
each case compute the same thing, so its ratios compare like with like.

No timing is asserted here: timings belong to ``python -m benchmarks.run``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import arraygrad as ag

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import chain, cnn, mlp  # noqa: E402

torch = pytest.importorskip("torch")


def _value(loss) -> float:
    return float(loss.detach()) if hasattr(loss, "detach") else float(loss)


def test_smoke_run_executes_every_group():
    # The timeout only guards against a hang: the smoke run took 70 s beside a second
    # pytest-xdist worker at load 5-10 and passed its former 120 s limit at load 10-13.
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for case in ("tiny-op chain", "MLP SGD step", "CNN", "DataLoader", "deep graph",
                 "memory over", "JAX"):
        assert case in out, f"no {case!r} rows in:\n{out}"
    assert "nan" not in out.split("command:")[1], out


def test_chain_implementations_agree():
    (case,) = chain.cases(ag, torch, smoke=True)
    grads = {name: np.asarray(fn()) for name, fn in case.impls.items()}
    reference = grads.pop("numpy hand-written backward")
    for name, g in grads.items():
        np.testing.assert_allclose(g, reference, rtol=1e-4, atol=1e-6, err_msg=name)


def test_mlp_implementations_make_the_same_update():
    sizes, batch = (12, 6, 5, 3), 4
    builders = {"numpy": mlp.numpy_step(sizes, batch),
                "arraygrad": mlp.arraygrad_step(ag, sizes, batch),
                "arraygrad nn": mlp.arraygrad_nn_step(ag, sizes, batch),
                "torch": mlp.torch_step(torch, sizes, batch)}
    before = builders["numpy"][1]()
    losses = {name: _value(step()) for name, (step, _) in builders.items()}
    after = {name: params() for name, (_, params) in builders.items()}
    assert not np.allclose(after["numpy"][0], before[0])  # the step changed something
    for name in builders:
        assert losses[name] == pytest.approx(losses["numpy"], rel=1e-5), name
        for got, want in zip(after[name], after["numpy"]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)


def test_cnn_implementations_make_the_same_update():
    ours, ours_params = cnn.arraygrad_step(ag, 3, 2, 10)
    theirs, theirs_params = cnn.torch_step(torch, 3, 2, 10)
    assert _value(ours()) == pytest.approx(_value(theirs()), rel=1e-5)
    for got, want in zip(ours_params(), theirs_params()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
