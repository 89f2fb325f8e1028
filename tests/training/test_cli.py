"""The arraygrad command end to end: a short real training run, resume, and backends."""

import os

import arraygrad as ag
from arraygrad.cli import main


def test_train_reaches_high_accuracy_and_writes_outputs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "3", "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    acc = float(text.split("final test accuracy: ")[1].split("%")[0]) / 100
    assert acc >= 0.9, text  # a broken gradient stays near 10%
    assert sorted(os.listdir(out)) == ["checkpoint.safetensors", "curves.png"]
    ck = ag.load(out / "checkpoint.safetensors")
    assert ck["epoch"] == 3 and len(ck["history"]["test_acc"]) == 3
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["train", "--epochs", "4", "--out", str(out), "--no-progress", "--resume",
                 str(out / "checkpoint.safetensors")]) == 0
    text = capsys.readouterr().out
    assert "epoch 4/4" in text and "epoch 1/4" not in text


def test_train_on_another_backend_and_bad_input(tmp_path, capsys):
    assert main(["train", "--backend", "array_api_strict", "--model", "mlp", "--epochs", "2",
                 "--out", str(tmp_path), "--no-progress"]) == 0
    assert "backend array_api_strict" in capsys.readouterr().out
    assert main(["train", "--optimizer", "nope", "--out", str(tmp_path), "--epochs", "1",
                 "--no-progress"]) == 2
    assert "unknown optimizer 'nope'" in capsys.readouterr().err


def test_backends_command_lists_status(capsys):
    assert main(["backends"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("numpy") and "ok" in line and "cpu" in line for line in lines)


def test_class_count_comes_from_every_split(tmp_path, capsys):
    import numpy as np

    rng = np.random.default_rng(0)
    y = np.zeros(10, dtype=np.int64)
    y[0] = 6  # one sample of the highest class: whichever split it lands in counts
    np.savez(tmp_path / "tiny.npz", x=rng.standard_normal((10, 4)).astype(np.float32), y=y)
    assert main(["train", "--dataset", "npz", "--data-path", str(tmp_path / "tiny.npz"),
                 "--model", "mlp", "--epochs", "1", "--out", str(tmp_path / "run"),
                 "--no-progress"]) == 0
    state = ag.load(tmp_path / "run" / "checkpoint.safetensors")["model"]
    last_bias = [v for k, v in state.items() if k.endswith("bias")][-1]
    assert last_bias.shape == (7,)
