"""``ag.amp`` / ``ag.cuda`` against PyTorch: GradScaler's numbers step for step (scaling,
skipped steps on inf, backoff and growth of the scale, state_dict), autocast's disabled
no-op and its clear error when enabled, and the CUDA queries on a machine without a GPU."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import amp, cuda

torch = pytest.importorskip("torch")


def _pair():
    w0 = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    w = ag.nn.Parameter(ag.tensor(w0))
    tw = torch.nn.Parameter(torch.tensor(w0))
    return (w, ag.optim.SGD([w], lr=0.1, momentum=0.9)), \
        (tw, torch.optim.SGD([tw], lr=0.1, momentum=0.9))


def test_grad_scaler_matches_pytorch_step_for_step():
    (w, opt), (tw, topt) = _pair()
    kw = dict(init_scale=2.0 ** 10, growth_interval=2)
    scaler, tscaler = amp.GradScaler("cpu", **kw), torch.amp.GradScaler("cpu", **kw)
    xs = [1.0, 2.0, float("inf"), 0.5, 1.5, float("nan"), 1.0, 3.0]
    for x in xs:
        opt.zero_grad()
        topt.zero_grad()
        loss = (w * x).pow(2).sum()
        tloss = (tw * x).pow(2).sum()
        scaled, tscaled = scaler.scale(loss), tscaler.scale(tloss)
        assert scaled.item() == tscaled.item() or (np.isnan(scaled.item())
                                                    and np.isnan(tscaled.item()))
        scaled.backward()
        tscaled.backward()
        scaler.unscale_(opt)
        tscaler.unscale_(topt)
        scaler.step(opt)
        tscaler.step(topt)
        scaler.update()
        tscaler.update()
        assert scaler.get_scale() == tscaler.get_scale()
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    state, tstate = scaler.state_dict(), tscaler.state_dict()
    assert state == {k: (v.item() if hasattr(v, "item") else v) for k, v in tstate.items()}
    again = amp.GradScaler("cpu")
    again.load_state_dict(state)
    assert again.state_dict() == state


def test_grad_scaler_errors_and_disabled():
    (w, opt), _ = _pair()
    scaler = amp.GradScaler("cpu")
    with pytest.raises(RuntimeError, match="did not use scaler.scale"):
        scaler.step(opt)
    scaler.scale((w * 2).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    with pytest.raises(ValueError, match="growth factor"):
        amp.GradScaler("cpu", growth_factor=1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        default = amp.GradScaler()  # "cuda", and no GPU here: disabled, as PyTorch does
    if not cuda.is_available():
        assert not default.is_enabled() and "CUDA is not available" in str(caught[0].message)
        loss = (w * 2).sum()
        assert default.scale(loss) is loss and default.get_scale() == 1.0
        assert default.state_dict() == {}
    off = cuda.amp.GradScaler(enabled=False)
    assert not off.is_enabled()


def test_autocast_disabled_is_a_no_op_and_enabled_raises():
    with amp.autocast("cpu", enabled=False):
        y = ag.ones(2) @ ag.ones(2)
    assert y.dtype == ag.float32

    @amp.autocast("cuda", enabled=False)
    def f(x):
        return x * 2
    assert f(ag.ones(1)).tolist() == [2.0]
    with pytest.raises(NotImplementedError, match="no automatic mixed precision"):
        with amp.autocast("cpu", dtype=ag.float16):
            pass
    with cuda.amp.autocast(enabled=False):
        pass


def test_cuda_queries_without_a_gpu():
    if cuda.is_available():
        pytest.skip("a CUDA device is available")
    assert cuda.device_count() == 0 and not torch.cuda.is_available()
    with pytest.raises(RuntimeError, match="no backend with a CUDA device"):
        cuda.current_device()
    cuda.manual_seed_all(0)
    cuda.synchronize()
    cuda.empty_cache()
    assert cuda.is_bf16_supported() is False
