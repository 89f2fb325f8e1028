"""The documentation's Python examples run, and the op list covers every registered op."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import arraygrad as ag

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _pages():
    for page in PAGES:
        blocks = _BLOCK.findall(page.read_text())
        if blocks:
            yield pytest.param(page, blocks, id=str(page.relative_to(ROOT)))


@pytest.mark.parametrize(("page", "blocks"), list(_pages()))
def test_doc_examples_run(page, blocks, tmp_path, monkeypatch):
    """A page's blocks run in order in one namespace, as a reader would run them."""
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    # Examples may call ag.set_backend: restore the process default afterwards.
    monkeypatch.setattr(ag.backend_registry._registry, "default_name", "numpy")
    namespace = {"__name__": "__doc_example__"}
    with ag.use_backend("numpy"):
        for i, code in enumerate(blocks):
            try:
                exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)
            except Exception as exc:
                pytest.fail(f"{page.relative_to(ROOT)} python block {i} failed: {exc!r}\n{code}")


def test_ops_page_lists_every_registered_op():
    page = (ROOT / "docs" / "ops.md").read_text()
    missing = [name for name in ag.OPS if f"`{name}`" not in page]
    assert not missing, f"docs/ops.md does not list: {missing}"
