"""Lazy modules, UninitializedParameter/Buffer and nn.Buffer, against PyTorch's behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")

CASES = [("LazyLinear", (3,), (2, 5), "Linear"),
         ("LazyConv1d", (4, 3), (2, 2, 7), "Conv1d"),
         ("LazyConv2d", (4, 3, 2, 1), (1, 2, 5, 5), "Conv2d"),
         ("LazyConv3d", (4, 2), (1, 3, 3, 4, 4), "Conv3d"),
         ("LazyConvTranspose1d", (4, 3, 2), (2, 2, 5), "ConvTranspose1d"),
         ("LazyConvTranspose2d", (4, 3, 2), (1, 2, 3, 3), "ConvTranspose2d"),
         ("LazyConvTranspose3d", (2, 2), (1, 3, 2, 2, 2), "ConvTranspose3d"),
         ("LazyBatchNorm1d", (), (3, 4), "BatchNorm1d"),
         ("LazyBatchNorm2d", (), (3, 4, 2, 2), "BatchNorm2d"),
         ("LazyBatchNorm3d", (), (2, 4, 2, 2, 2), "BatchNorm3d"),
         ("LazyInstanceNorm1d", (), (2, 3, 5), "InstanceNorm1d"),
         ("LazyInstanceNorm2d", (), (2, 3, 4, 4), "InstanceNorm2d"),
         ("LazyInstanceNorm3d", (), (2, 3, 2, 3, 3), "InstanceNorm3d")]


@pytest.mark.parametrize("name,args,shape,becomes", CASES)
def test_lazy_module_becomes_eager_like_torch(name, args, shape, becomes):
    ours, theirs = getattr(ag.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours).split("(")[0] == repr(theirs).split("(")[0] == name
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    y_ours, y_theirs = ours(ag.tensor(x)), theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ == becomes
    assert tuple(y_ours.shape) == tuple(y_theirs.shape)
    for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n1 == n2 and tuple(p1.shape) == tuple(p2.shape)
        assert type(p1) is ag.nn.Parameter
    for (n1, b1), (n2, b2) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert n1 == n2 and tuple(b1.shape) == tuple(b2.shape)
    if name.startswith(("LazyBatch", "LazyInstance")):  # deterministic: same outputs
        np.testing.assert_allclose(y_ours.detach().numpy(), y_theirs.detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
    if "Lazy" + becomes == name and hasattr(ours, "in_features"):
        assert ours.in_features == shape[-1]


def test_optimizer_built_before_the_first_call_trains_the_real_parameters():
    ag.manual_seed(0)
    layer = ag.nn.LazyLinear(2)
    opt = ag.optim.SGD(layer.parameters(), lr=0.5)  # as in PyTorch, allowed
    layer(ag.ones(4, 3)).sum().backward()
    before = layer.weight.detach().numpy().copy()
    opt.step()
    np.testing.assert_allclose(layer.weight.detach().numpy(), before - 0.5 * 4.0, rtol=1e-6)


def test_placeholders_raise_torchs_errors():
    p = ag.nn.LazyLinear(3).weight
    assert repr(p) == "<UninitializedParameter>" == repr(torch.nn.LazyLinear(3).weight)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        p.shape  # noqa: B018
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        p + 1.0
    assert p.dtype == ag.float32 and p.requires_grad
    u = ag.nn.UninitializedBuffer()
    u.materialize((2, 3), dtype=ag.float64)
    assert type(u) is ag.Tensor and u.shape == (2, 3) and u.dtype == ag.float64
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        ag.nn.LazyConv2d(2, 3)(ag.ones(2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        ag.nn.LazyConv2d(4, 3, groups=2)(ag.ones(1, 3, 5, 5))


def test_buffer_registers_a_buffer():
    class M(ag.nn.Module):
        def __init__(self):
            super().__init__()
            self.kept = ag.nn.Buffer(ag.ones(2))
            self.scratch = ag.nn.Buffer(ag.zeros(1), persistent=False)

    m = M()
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    assert list(m.state_dict()) == ["kept"]
    assert type(m.kept) is ag.Tensor
    assert ag.nn.Buffer(ag.ones(1), persistent=False).persistent is False
