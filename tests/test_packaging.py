"""The package metadata and the wheel: what the ecosystem expects to find."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    meta = project["project"]
    assert meta["license"] == "MIT" and (ROOT / "LICENSE").is_file()  # SPDX expression
    assert not any(c.startswith("License ::") for c in meta["classifiers"])  # not with SPDX
    assert "Typing :: Typed" in meta["classifiers"]
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(meta["urls"])
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])
    assert any(d.startswith("threadpoolctl") for d in meta["optional-dependencies"]["train"])
    # every package directory of the source tree is listed, so the wheel misses none
    listed = set(project["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "arraygrad").rglob("__init__.py")}
    assert on_disk <= listed, sorted(on_disk - listed)


def test_wheel_ships_py_typed_and_the_core_data_package(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--no-index", "-q", str(ROOT), "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=300)
    if result.returncode != 0 and "No module named pip" in result.stderr:
        pytest.skip("pip is not installed in this environment")
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = tmp_path.glob("arraygrad-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"arraygrad/py.typed", "arraygrad/utils/__init__.py",
            "arraygrad/utils/data/dataloader.py", "arraygrad/backends/numpy.py",
            "arraygrad/plugins/data.py", "arraygrad/__main__.py"} <= names
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text and "Project-URL: Documentation" in text
