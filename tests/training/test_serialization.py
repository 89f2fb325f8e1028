"""ag.save / ag.load: round trips, cross-backend loading, atomic writes, corrupted files."""

import os

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
        assert loaded["model"][k].dtype == v.dtype
    model.load_state_dict(loaded["model"])
    opt.load_state_dict(loaded["optimizer"])
    assert os.listdir(tmp_path) == ["ck.safetensors"]  # no temporary file left


@pytest.mark.parametrize("target", ["array_api_strict", "jax"])
def test_checkpoint_moves_across_backends(tmp_path, target):
    try:
        ag.get_backend(target)
    except ag.BackendError as exc:
        pytest.skip(str(exc))
    model, _, saved = state()
    ag.save(saved, tmp_path / "ck.safetensors")
    loaded = ag.load(tmp_path / "ck.safetensors", backend=target)
    other = ag.nn.Sequential(ag.nn.Linear(3, 2, backend=target),
                             ag.nn.BatchNorm1d(2, backend=target))
    other.load_state_dict(loaded["model"])
    assert other[0].weight.backend.name == target
    np.testing.assert_allclose(other[0].weight.numpy(force=True),
                               model[0].weight.numpy(force=True))


def test_truncated_and_corrupted_files_name_the_path(tmp_path):
    _, _, saved = state()
    path = tmp_path / "ck.safetensors"
    ag.save(saved, path)
    raw = path.read_bytes()
    for name, content in [("cut.safetensors", raw[:-7]), ("tiny.safetensors", raw[:5]),
                          ("header.safetensors", raw[:8] + b"{garbage" + raw[16:])]:
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(CheckpointError, match=name):
            ag.load(bad)
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        ag.load(tmp_path / "nothing.safetensors")


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "ck.safetensors"
    ag.save({"a": ag.ones(2)}, path)
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        ag.save({"a": object()}, path)
    assert ag.load(path)["a"].tolist() == [1.0, 1.0]
    assert os.listdir(tmp_path) == ["ck.safetensors"]
