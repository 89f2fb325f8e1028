"""The documentation's Python examples run, and the op list covers every registered op."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import arraygrad as ag

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks():
    for page in PAGES:
        for i, code in enumerate(_BLOCK.findall(page.read_text())):
            yield pytest.param(code, id=f"{page.relative_to(ROOT)}#{i}")


@pytest.mark.parametrize("code", list(_blocks()))
def test_doc_example_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    # Examples may call ag.set_backend: restore the process default afterwards.
    monkeypatch.setattr(ag.backend._registry, "default_name", "numpy")
    with ag.use_backend("numpy"):
        exec(compile(code, "<doc example>", "exec"), {"__name__": "__doc_example__"})


def test_ops_page_lists_every_registered_op():
    page = (ROOT / "docs" / "ops.md").read_text()
    missing = [name for name in ag.OPS if f"`{name}`" not in page]
    assert not missing, f"docs/ops.md does not list: {missing}"
