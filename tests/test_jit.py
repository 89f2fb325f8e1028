"""``arraygrad.jit``: PyTorch programs that script or trace a model compute what they
computed unscripted; TorchScript archives raise."""

from __future__ import annotations

import pytest

import arraygrad as ag
from arraygrad import jit


def test_script_and_trace_return_what_they_get():
    model = ag.nn.Sequential(ag.nn.Linear(3, 2), ag.nn.Tanh())
    x = ag.ones(4, 3)
    assert jit.script(model) is model and jit.trace(model, x) is model
    assert (jit.script(model)(x) == model(x)).all()

    class Net(ag.nn.Module):
        @jit.ignore
        def helper(self, x):
            return x * 2

        @jit.export
        def forward(self, x):
            return self.helper(x) if not jit.is_scripting() else x

    assert Net()(ag.ones(1)).tolist() == [2.0]
    assert jit.ignore(drop=True)(len) is len
    assert jit.fork(lambda a, b: a + b, 1, 2).wait() == 3
    assert jit.wait(jit.fork(max, 1, 5)) == 5
    assert jit.annotate(list, [1]) == [1] and not jit.is_tracing()


def test_torchscript_archives_raise():
    with pytest.raises(NotImplementedError, match="no TorchScript"):
        jit.save(ag.nn.Linear(1, 1), "model.pt")
    with pytest.raises(NotImplementedError, match="cannot read TorchScript"):
        jit.load("model.pt")
