"""The PyTorch-quickstart example trains (docs/training.md runs in tests/test_docs.py)."""

import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_pytorch_quickstart_example(capsys, monkeypatch):
    path = os.path.join(ROOT, "examples", "pytorch_quickstart.py")
    with open(path) as f:
        assert len(f.read().splitlines()) < 40
    monkeypatch.setattr(sys, "argv", [path])
    result = runpy.run_path(path, run_name="__main__")
    assert result["accuracy"] > 0.9
    assert "Accuracy:" in capsys.readouterr().out
