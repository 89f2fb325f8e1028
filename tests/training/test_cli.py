"""The arraygrad command end to end: the real command in a subprocess for the main job,
resume and Ctrl-C; in-process calls of ``main`` for the quick argument checks."""

import csv
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.cli import main


def run(args, cwd, timeout=240, **kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run([sys.executable, "-m", "arraygrad", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, **kw)


def metrics(run_dir):
    with open(os.path.join(run_dir, "metrics.csv"), newline="") as f:
        return list(csv.DictReader(f))


def test_main_job_prints_header_trains_and_leaves_a_run_directory(tmp_path):
    result = run(["train", "--epochs", "2", "--model", "mlp"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    header = out.splitlines()[:2]
    assert header[0].startswith(f"arraygrad {ag.__version__} | python ") and "numpy" in header[0]
    assert "backend numpy on cpu | threads 1 (" in header[1]
    assert "Traceback" not in result.stderr and "\r" not in result.stderr  # no bar when piped
    acc = float(out.split("final test accuracy: ")[1].split("%")[0]) / 100
    assert acc >= 0.85, out  # a broken gradient stays near 10%
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert sorted(os.listdir(run_dir)) == ["checkpoint.safetensors", "config.json",
                                           "curves.png", "metrics.csv"]
    rows = metrics(run_dir)
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert set(rows[0]) == {"epoch", "train_loss", "train_acc", "test_loss", "test_acc",
                            "lr", "seconds"}
    assert float(rows[1]["test_acc"]) == pytest.approx(acc, abs=1e-4)
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model"] == "mlp" and config["epochs"] == 2 and config["threads_used"]
    assert config["versions"]["arraygrad"] == ag.__version__ and "numpy" in config["versions"]
    assert config["flags"]["no_plot"] is False
    assert (run_dir / "curves.png").read_bytes()[:4] == b"\x89PNG"
    # A second run gets its own directory; resuming a finished run says so.
    again = run(["train", "--resume", str(run_dir)], tmp_path)
    assert again.returncode == 0 and "already finished 2/2 epochs" in again.stdout
    more = run(["train", "--resume", str(run_dir), "--epochs", "3", "-q"], tmp_path)
    assert more.returncode == 0, more.stderr
    assert more.stdout.startswith("final test accuracy") and len(metrics(run_dir)) == 3


def test_ctrl_c_saves_and_resume_repeats_the_uninterrupted_run(tmp_path):
    epochs = ["train", "--model", "mlp", "--epochs", "25", "--no-plot", "--batch-size", "64"]
    whole = run([*epochs, "--name", "whole"], tmp_path)
    assert whole.returncode == 0, whole.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.Popen([sys.executable, "-m", "arraygrad", *epochs, "--name", "cut"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("epoch 2/"):
                proc.send_signal(signal.SIGINT)
                break
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert "interrupted:" in stderr and "--resume runs/cut" in stderr
    done = len(metrics(tmp_path / "runs" / "cut"))
    assert 2 <= done < 25
    resumed = run(["train", "--resume", "runs/cut"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"epoch {done + 1}/25" in resumed.stdout and "epoch 1/25" not in resumed.stdout
    a, b = metrics(tmp_path / "runs" / "whole"), metrics(tmp_path / "runs" / "cut")
    for key in ("train_loss", "train_acc", "test_loss", "test_acc", "lr"):
        assert [r[key] for r in a] == [r[key] for r in b], key  # model, optimizer, order


def test_version_help_and_backends_commands(tmp_path, capsys):
    helped = run(["train", "--help"], tmp_path)  # python -m arraygrad, as a user runs it
    text = helped.stdout
    assert helped.returncode == 0 and "<function" not in text
    for word in ("--threads", "--no-progress", "--quiet", "--resume", "cnn", "mlp", "digits",
                 "mnist", "adam", "sgd", "numpy", "array_api_strict"):
        assert word in text, word
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == (
        f"arraygrad {ag.__version__}")
    ag.get_backend("numpy")
    assert main(["backends", "--no-load"]) == 0  # loading every library is slow; see below
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split() == ["backend", "declared", "by", "loads", "here"]
    assert any(line.startswith("numpy") and "yes, devices: cpu" in line for line in listed)


def test_missing_optional_libraries_say_what_to_install(tmp_path):
    code = (
        "import sys\n"
        "from arraygrad.cli import main\n"
        "sys.modules['matplotlib'] = None\n"
        "print('rc', main(['train', '--epochs', '1', '--out', 'a']))\n"
        "sys.modules['safetensors'] = None\n"
        "print('rc', main(['train', '--epochs', '1', '--out', 'b', '--no-plot']))\n"
        "sys.modules['jax'] = sys.modules['array_api_strict'] = None\n"
        "import arraygrad as ag\n"
        "for name in ('jax', 'array_api_strict'):\n"
        "    try:\n"
        "        ag.get_backend(name)\n"
        "    except ag.BackendError as exc:\n"
        "        print(exc, file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["rc", "2", "rc", "2"], result.stderr
    errors = result.stderr.strip().splitlines()
    assert 'needs matplotlib' in errors[0] and 'pip install "arraygrad[train]"' in errors[0]
    assert "--no-plot" in errors[0]
    assert 'needs safetensors' in errors[1] and 'pip install "arraygrad[train]"' in errors[1]
    assert 'pip install "arraygrad[jax]"' in errors[2]  # a backend whose library is absent
    assert 'pip install "arraygrad[strict]"' in errors[3]
    assert not os.listdir(tmp_path) or "epoch" not in result.stdout


def test_bad_arguments_name_the_flag_before_training(tmp_path, capsys):
    def error(*argv):
        assert main(["train", "--epochs", "1", "--no-plot", *argv]) == 2
        captured = capsys.readouterr()
        assert "epoch 1/1" not in captured.out  # nothing trained
        return captured.err.strip()

    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "--out " + str(blocker) + ": exists and is not a directory" in error(
        "--out", str(blocker))
    assert "--out " in error("--out", str(blocker / "sub")) and "choose a writable" in error(
        "--out", str(blocker / "sub"))
    assert "--resume nowhere: no such file or directory" in error("--resume", "nowhere")
    ag.save({"x": ag.ones(2)}, tmp_path / "other.safetensors")
    assert "not a checkpoint written by arraygrad train (it lacks 'model'" in error(
        "--resume", str(tmp_path / "other.safetensors"))
    assert "--dataset nope: not a registered data source; choose one of" in error(
        "--dataset", "nope")
    assert "--dataset csv reads a file: pass --data-path PATH" in error("--dataset", "csv")
    assert "unknown optimizer 'nope'" in error("--optimizer", "nope", "--out",
                                              str(tmp_path / "o"))
    assert "--backend nope:" in error("--backend", "nope", "--out", str(tmp_path / "o"))
    x = np.zeros((10, 4), np.float32)
    np.savez(tmp_path / "neg.npz", x=x, y=np.array([0, 1, -1, 0, 1, 0, 1, 0, 1, 0]))
    np.savez(tmp_path / "float.npz", x=x, y=np.linspace(0, 1, 10))
    message = error("--dataset", "npz", "--data-path", str(tmp_path / "neg.npz"), "--model",
                    "mlp", "--out", str(tmp_path / "n"))
    assert "neg.npz" in message and "labels must lie in [0" in message and "-1" in message
    message = error("--dataset", "npz", "--data-path", str(tmp_path / "float.npz"),
                    "--model", "mlp", "--out", str(tmp_path / "f"))
    assert "float.npz" in message and "labels must be integers" in message
    message = error("--dataset", "npz", "--data-path", str(tmp_path / "neg.npz"),
                    "--out", str(tmp_path / "c"))
    assert "--model cnn needs (C, H, W) images" in message or "labels" in message


def test_train_on_another_backend(tmp_path, capsys):
    assert main(["train", "--backend", "array_api_strict", "--model", "mlp", "--epochs", "1",
                 "--out", str(tmp_path), "--no-plot", "--threads", "0", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "backend array_api_strict" in out and "threads library default" in out
    assert ", lr 0.003, " in out and f"checkpoint: {tmp_path}" in out  # --verbose details


def test_class_count_comes_from_every_split(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = np.zeros(10, dtype=np.int64)
    y[0] = 6  # one sample of the highest class: whichever split it lands in counts
    np.savez(tmp_path / "tiny.npz", x=rng.standard_normal((10, 4)).astype(np.float32), y=y)
    assert main(["train", "--dataset", "npz", "--data-path", str(tmp_path / "tiny.npz"),
                 "--model", "mlp", "--epochs", "1", "--out", str(tmp_path / "run"),
                 "--no-plot", "-q"]) == 0
    state = ag.load(tmp_path / "run" / "checkpoint.safetensors")["model"]
    last_bias = [v for k, v in state.items() if k.endswith("bias")][-1]
    assert last_bias.shape == (7,)


def test_plot_is_one_a_person_would_keep():
    import matplotlib.pyplot as plt

    from arraygrad.cli import _figure

    one = {"train_loss": [0.9], "test_loss": [1.1], "train_acc": [0.7], "test_acc": [0.6]}
    fig = _figure(one, "mlp on digits")
    try:
        assert fig._suptitle.get_text() == "mlp on digits"
        for ax, ylabel in zip(fig.axes, ("cross-entropy loss", "accuracy")):
            assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == ylabel and ax.get_title()
            train, test = ax.get_lines()
            assert train.get_marker() != "None" and test.get_marker() != "None"
            assert (train.get_marker(), train.get_linestyle()) != (test.get_marker(),
                                                                   test.get_linestyle())
            assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
            low, high = ax.get_xlim()
            assert low < 1 < high  # the single epoch's point is inside the axes
            ticks = [t for t in ax.get_xticks() if low <= t <= high]
            assert ticks and all(float(t).is_integer() for t in ticks)
    finally:
        plt.close(fig)
