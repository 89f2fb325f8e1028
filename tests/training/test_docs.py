"""The python blocks of docs/training.md run, and the PyTorch-quickstart example trains."""

import os
import re
import runpy
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_training_guide_code_blocks_run(capsys):
    with open(os.path.join(ROOT, "docs", "training.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"docs/training.md[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - reported with the block
            pytest.fail(f"docs/training.md python block {i} failed: {exc!r}\n{block}")
    out = capsys.readouterr().out
    assert "refused:" in out and "parameters" in out


def test_pytorch_quickstart_example(capsys, monkeypatch):
    path = os.path.join(ROOT, "examples", "pytorch_quickstart.py")
    with open(path) as f:
        assert len(f.read().splitlines()) < 40
    monkeypatch.setattr(sys, "argv", [path])
    result = runpy.run_path(path, run_name="__main__")
    assert result["accuracy"] > 0.9
    assert "Accuracy:" in capsys.readouterr().out
