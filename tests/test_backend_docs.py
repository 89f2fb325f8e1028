"""The two backend-author docs show code that exists: no drift between page and file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks(page: str) -> list[str]:
    return _BLOCK.findall((ROOT / "docs" / page).read_text())


def test_guide_shows_the_example_plugin_verbatim():
    source = (ROOT / "examples" / "arraygrad-torch-backend" / "arraygrad_torch_backend"
              / "__init__.py").read_text()
    assert _blocks("writing-a-backend.md")[-1] == source
    toml = (ROOT / "examples" / "arraygrad-torch-backend" / "pyproject.toml").read_text()
    assert toml in (ROOT / "docs" / "writing-a-backend.md").read_text()


def test_testing_page_example_is_the_real_test_file():
    source = (ROOT / "tests" / "test_docs_testing_example.py").read_text()
    body = source.split('"""', 2)[2].lstrip("\n")
    assert body in _blocks("testing.md")
