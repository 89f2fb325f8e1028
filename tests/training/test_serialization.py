"""ag.save / ag.load: objects, file kinds, backends and map_location, whole modules."""

import io
import os
from collections import OrderedDict

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.serialization import CheckpointError


def state():
    model = ag.nn.Sequential(ag.nn.Linear(3, 2), ag.nn.BatchNorm1d(2))
    opt = ag.optim.Adam(model.parameters(), lr=0.1)
    ag.nn.functional.mse_loss(model(ag.randn(4, 3)), ag.zeros(4, 2)).backward()
    opt.step()
    return model, opt, {"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "epoch": 3, "history": [0.5, float("inf")], "pair": (1, "a"),
                        "none": None}


def other_backend():
    for name in ("array_api_strict", "jax"):
        try:
            return ag.get_backend(name)
        except ag.BackendError:
            continue
    pytest.skip("neither array_api_strict nor jax is installed")


def test_round_trip_keeps_values_types_and_structure(tmp_path):
    model, opt, saved = state()
    path = tmp_path / "ck.safetensors"
    ag.save(saved, path)
    loaded = ag.load(path)
    assert loaded["epoch"] == 3 and loaded["pair"] == (1, "a") and loaded["none"] is None
    assert loaded["history"] == [0.5, float("inf")]
    assert set(loaded["optimizer"]["state"]) == {0, 1, 2, 3}  # int keys survive
    for index, entry in saved["optimizer"]["state"].items():
        for key, value in entry.items():
            got = loaded["optimizer"]["state"][index][key]
            if isinstance(value, ag.Tensor):
                np.testing.assert_array_equal(got.numpy(), value.numpy())
            else:
                assert got == value
    for k, v in saved["model"].items():
        np.testing.assert_array_equal(loaded["model"][k].numpy(), v.numpy())
        assert loaded["model"][k].dtype == v.dtype and loaded["model"][k].shape == v.shape
    assert isinstance(loaded["model"], OrderedDict)
    model.load_state_dict(loaded["model"])
    opt.load_state_dict(loaded["optimizer"])
    assert os.listdir(tmp_path) == ["ck.safetensors"]  # no temporary file left


def _kinds():
    p = ag.nn.Parameter(ag.arange(3.0))
    return {
        "tensor": ag.tensor([[1.5, -2.0]], dtype=ag.float64),
        "scalar tensor": ag.tensor(7),
        "parameter": p,
        "complex": ag.tensor([1 + 2j, -3j]),
        "ndarray": np.arange(6, dtype=np.int16).reshape(2, 3),
        "nested": {"a": [ag.ones(2), (1, 2.5, "s", None, True)], 3: {"__x": -0.0},
                   (1, 2): "tuple key", "big": 2**70, "nan": float("nan"), "c": 1 + 2j,
                   "dtype": ag.float16, "od": OrderedDict(b=1, a=2), "empty": ag.zeros(0, 4)},
    }


def _same(a, b):
    if isinstance(a, ag.Tensor):
        assert type(b) is type(a) and b.dtype == a.dtype and b.shape == a.shape
        assert b.requires_grad == a.requires_grad
        np.testing.assert_array_equal(b.detach().numpy(force=True), a.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and b.dtype == a.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert type(b) is type(a) and list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(b) is type(a) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert type(b) is type(a) and b == a
        if isinstance(a, float):
            assert np.signbit(a) == np.signbit(b)


def _tensors(obj):
    if isinstance(obj, ag.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _tensors(value)


@pytest.mark.parametrize("kind", list(_kinds()))
def test_each_object_kind_round_trips(kind):
    obj = _kinds()[kind]
    buffer = io.BytesIO()
    ag.save(obj, buffer)
    _same(obj, ag.load(io.BytesIO(buffer.getvalue())))
    target = other_backend()
    moved = ag.load(io.BytesIO(buffer.getvalue()), map_location=target.name)
    _same(obj, moved)
    tensors = list(_tensors(moved))
    assert all(t.backend is target for t in tensors)
    assert len(tensors) == len(list(_tensors(obj)))


@pytest.mark.parametrize("file_kind", ["str", "pathlib", "open file", "BytesIO"])
def test_every_file_kind_round_trips(tmp_path, file_kind):
    _, _, saved = state()
    path = tmp_path / "ck.safetensors"
    if file_kind in ("str", "pathlib"):
        target = str(path) if file_kind == "str" else path
        ag.save(saved, target)
        loaded = ag.load(target)
    elif file_kind == "open file":
        with open(path, "wb") as f:
            ag.save(saved, f)
        with open(path, "rb") as f:
            loaded = ag.load(f)
    else:
        buffer = io.BytesIO()
        ag.save(saved, buffer)
        loaded = ag.load(io.BytesIO(buffer.getvalue()))
    _same(saved, loaded)


def test_bad_targets_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory .*nowhere does not exist"):
        ag.save({"a": 1}, tmp_path / "nowhere" / "ck.safetensors")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        ag.save({"a": 1}, tmp_path)
    with open(tmp_path / "t.txt", "w") as f, pytest.raises(TypeError, match="text mode"):
        ag.save({"a": 1}, f)
    ag.save({"a": 1}, tmp_path / "ck.safetensors")
    with open(tmp_path / "ck.safetensors") as f, pytest.raises(TypeError, match="binary"):
        ag.load(f)
    with pytest.raises(TypeError, match="path or a binary file object"):
        ag.save({"a": 1}, 3)


def test_tensors_are_stored_under_their_state_dict_names(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    model = ag.nn.Sequential(OrderedDict(fc1=ag.nn.Linear(3, 4), act=ag.nn.ReLU(),
                                         fc2=ag.nn.Linear(4, 1)))
    ag.save(model.state_dict(), tmp_path / "sd.safetensors")
    read = st.load_file(str(tmp_path / "sd.safetensors"))
    assert sorted(read) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]
    np.testing.assert_array_equal(read["fc1.weight"], model.fc1.weight.detach().numpy())
    ag.save({"model": model.state_dict(), "epoch": 1}, tmp_path / "ck.safetensors")
    assert "model.fc2.bias" in st.load_file(str(tmp_path / "ck.safetensors"))
    ag.save(model, tmp_path / "whole.safetensors")  # a whole module: the same names
    assert sorted(st.load_file(str(tmp_path / "whole.safetensors"))) == sorted(read)


def test_map_location_forms_and_backend_moves():
    target = other_backend()
    model, _, saved = state()
    buffer = io.BytesIO()
    ag.save(saved, buffer)
    raw = buffer.getvalue()
    device = target.default_device
    seen = []

    def to_target(t, location):
        seen.append(location)
        return t.to(backend=target.name)

    for where in [target.name, f"{target.name}:{device}", target, (target.name, device),
                  {"numpy:cpu": target.name}, {"cpu": f"{target.name}:{device}"}, to_target]:
        loaded = ag.load(io.BytesIO(raw), map_location=where, weights_only=True)
        weight = loaded["model"]["0.weight"]
        assert weight.backend is target and weight.device == device, where
        np.testing.assert_array_equal(weight.numpy(force=True), model[0].weight.detach().numpy())
        assert loaded["optimizer"]["state"][0]["exp_avg"].backend is target
    assert seen and set(seen) == {"numpy:cpu"}
    other = ag.nn.Sequential(ag.nn.Linear(3, 2, backend=target),
                             ag.nn.BatchNorm1d(2, backend=target))
    other.load_state_dict(ag.load(io.BytesIO(raw), backend=target.name)["model"])
    assert other[0].weight.backend is target
    # a checkpoint written from the other backend reads back on numpy
    back = io.BytesIO()
    ag.save(other.state_dict(), back)
    back.seek(0)
    loaded = ag.load(back, map_location="numpy")
    assert loaded["0.weight"].backend.name == "numpy"
    np.testing.assert_array_equal(loaded["0.weight"].numpy(), model[0].weight.detach().numpy())


def test_bad_map_location_arguments():
    buffer = io.BytesIO()
    ag.save({"w": ag.ones(2)}, buffer)
    raw = buffer.getvalue()
    with pytest.raises(TypeError, match="not both"):
        ag.load(io.BytesIO(raw), map_location="numpy", backend="numpy")
    with pytest.raises(TypeError, match="must return a Tensor"):
        ag.load(io.BytesIO(raw), map_location=lambda t, loc: 3)
    with pytest.raises(ag.BackendError, match="backend 'numpy' has no device 'tpu:7'"):
        ag.load(io.BytesIO(raw), map_location="numpy:tpu:7")


# ---------------------------------------------------------------------- whole modules
class Block(ag.nn.Module):
    """A user model: children made in __init__, one replaced and one added afterwards."""

    built = 0

    def __init__(self, n_in, hidden, *, act="relu", scale=1.0):
        super().__init__()
        type(self).built += 1
        self.fc1 = ag.nn.Linear(n_in, hidden)
        self.norm = ag.nn.LayerNorm(hidden)
        self.fc2 = ag.nn.Linear(hidden, n_in)
        self.act = act
        self.scale = scale

    def forward(self, x):
        h = self.norm(self.fc1(x))
        h = h.relu() if self.act == "relu" else h.tanh()
        return self.fc2(h) * self.scale


def _model():
    ag.manual_seed(1)
    block = Block(4, 6, act="tanh", scale=0.5)
    block.fc2 = ag.nn.Linear(6, 4, bias=False)  # replaced after construction
    block.extra = ag.nn.Parameter(ag.ones(4))  # added after construction
    model = ag.nn.Sequential(block, ag.nn.Dropout(0.3),
                             ag.nn.ModuleList([ag.nn.Linear(4, 4), ag.nn.Identity()]))
    model[0].fc1.bias.requires_grad_(False)  # frozen
    model.eval()
    return model


def _run(model, x):
    h = model[1](model[0](x) + model[0].extra)
    for layer in model[2]:
        h = layer(h)
    return h


def test_saved_module_is_rebuilt_with_equal_outputs(tmp_path):
    model = _model()
    x = ag.randn(3, 4)
    path = tmp_path / "model.safetensors"
    with ag.serialization.safe_globals([Block]):
        ag.save(model, path)
        Block.built = 0
        loaded = ag.load(path)
    assert Block.built == 1  # the Sequential's children were kept, not built twice
    assert type(loaded) is ag.nn.Sequential and type(loaded[0]) is Block
    assert repr(loaded) == repr(model)
    assert not loaded.training and not loaded[0].fc2.training
    assert loaded[0].fc2.bias is None and loaded[0].act == "tanh" and loaded[0].scale == 0.5
    assert not loaded[0].fc1.bias.requires_grad and loaded[0].fc1.weight.requires_grad
    for (name, p), (name2, q) in zip(model.named_parameters(), loaded.named_parameters()):
        assert name == name2 and type(q) is ag.nn.Parameter
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    np.testing.assert_array_equal(_run(loaded, x).detach().numpy(),
                                  _run(model, x).detach().numpy())


def test_tied_parameters_stay_tied_and_moves_to_another_backend():
    target = other_backend()
    enc, dec = ag.nn.Linear(3, 3), ag.nn.Linear(3, 3)
    dec.weight = enc.weight  # tied after construction
    model = ag.nn.Sequential(enc, ag.nn.BatchNorm1d(3), dec)
    buffer = io.BytesIO()
    ag.save(model, buffer)
    buffer.seek(0)
    loaded = ag.load(buffer, map_location=target.name)
    assert loaded[2].weight is loaded[0].weight
    assert {t.backend for t in loaded.state_dict().values()} == {target}
    x = ag.randn(2, 3)
    np.testing.assert_allclose(loaded.eval()(x.to(backend=target.name)).numpy(force=True),
                               model.eval()(x).detach().numpy(), rtol=1e-6)


def test_user_class_is_refused_then_allowed():
    buffer = io.BytesIO()
    ag.save(ag.nn.Sequential(Block(2, 3)), buffer)
    raw = buffer.getvalue()
    ag.serialization.clear_safe_globals()
    Block.built = 0
    with pytest.raises(CheckpointError) as info:
        ag.load(io.BytesIO(raw))
    message = str(info.value)
    assert "test_serialization.Block" in message and "add_safe_globals([Block])" in message
    assert "safe_globals" in message and "state_dict" in message
    assert Block.built == 0  # refused before anything was constructed
    with ag.serialization.safe_globals([Block]):
        assert type(ag.load(io.BytesIO(raw))[0]) is Block
    with pytest.raises(CheckpointError, match="not been allowed"):
        ag.load(io.BytesIO(raw))  # the block ended: refused again
    try:
        ag.serialization.add_safe_globals([Block])
        assert Block in ag.serialization.get_safe_globals()
        assert type(ag.load(io.BytesIO(raw))[0]) is Block
    finally:
        ag.serialization.clear_safe_globals()
    with pytest.raises(TypeError, match="Module subclasses"):
        ag.serialization.add_safe_globals([len])


class Holder(ag.nn.Module):
    def __init__(self, fn=None, weight=None):
        super().__init__()
        self.fn, self.weight_arg = fn, weight


def test_module_with_unstorable_constructor_arguments_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    ag.save({"keep": 1}, path)
    for bad, what in [(Holder(fn=np.sum), "a callable"), (Holder(weight=ag.ones(2)),
                                                          "a tensor")]:
        with pytest.raises(TypeError, match=f"argument arg.\\w+ is {what}.*state_dict"):
            ag.save(ag.nn.Sequential(bad), path)
    assert ag.load(path) == {"keep": 1}  # the old file is untouched
    assert os.listdir(tmp_path) == ["m.safetensors"]

    def local():
        class Local(ag.nn.Module):
            pass
        return Local()

    with pytest.raises(TypeError, match="defined inside a function"):
        ag.save(local(), path)


def test_format_1_checkpoints_of_the_previous_release_still_load():
    here = os.path.join(os.path.dirname(__file__), "data")
    loaded = ag.load(os.path.join(here, "format1.safetensors"))
    expected = np.load(os.path.join(here, "format1_expected.npz"))
    assert loaded["epoch"] == 3 and loaded["pair"] == (1, "a") and loaded["none"] is None
    assert sorted(loaded["model"]) == sorted(expected.files)
    for key in expected.files:
        np.testing.assert_array_equal(loaded["model"][key].numpy(), expected[key])
    model = ag.nn.Sequential(ag.nn.Linear(3, 2), ag.nn.BatchNorm1d(2))
    model.load_state_dict(loaded["model"])
    opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.load_state_dict(loaded["optimizer"])


class Counted(ag.nn.Module):
    built = 0

    def __init__(self, n):
        super().__init__()
        type(self).built += 1
        self.fc = ag.nn.Linear(n, n)

    def forward(self, x):
        return self.fc(x)


class Wrapper(ag.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner


class Outer(ag.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.w = Wrapper(ag.nn.Sequential(Counted(n), ag.nn.ReLU()))
        self.shared = self.w.inner[0]


def test_modules_made_by_constructors_are_kept_not_built_twice():
    model = Outer(3)
    buffer = io.BytesIO()
    classes = [Counted, Wrapper, Outer]
    ag.save(model, buffer)
    buffer.seek(0)
    Counted.built = 0
    with ag.serialization.safe_globals(classes):
        loaded = ag.load(buffer)
    assert Counted.built == 1
    assert loaded.shared is loaded.w.inner[0]
    x = ag.randn(2, 3)
    np.testing.assert_array_equal(loaded.w.inner(x).detach().numpy(),
                                  model.w.inner(x).detach().numpy())
