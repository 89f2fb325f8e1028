"""How many pytest-xdist workers ``python -m pytest`` starts (tests/conftest.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).resolve().parent
# Loaded by path: the name ``conftest`` may already be tests/training/conftest.py.
_spec = importlib.util.spec_from_file_location("_suite_conftest", HERE / "conftest.py")
conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conftest)


def _config(*args: str, given: bool = True) -> SimpleNamespace:
    source = pytest.Config.ArgsSource.ARGS if given else pytest.Config.ArgsSource.TESTPATHS
    return SimpleNamespace(args=list(args) or ["tests"], args_source=source,
                           invocation_params=SimpleNamespace(dir=HERE.parent))


@pytest.mark.parametrize(("args", "given", "in_process"), [
    ((), False, False),                                    # the README command: testpaths
    (("tests",), True, False),                             # a directory
    (("tests/training", "tests/test_ops.py"), True, False),  # a directory among files
    (("tests/test_ops.py",), True, True),                  # one file
    (("tests/test_ops.py::test_prod_gradient_with_zeros", "tests/test_func.py"), True, True),
])
def test_workers_only_for_the_suite_or_a_directory(monkeypatch, args, given, in_process):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setattr(conftest, "_usable_cpus", lambda: 16)
    workers = conftest.pytest_xdist_auto_num_workers(_config(*args, given=given))
    assert workers == (0 if in_process else conftest.MAX_WORKERS)


def test_worker_count_follows_cpus_and_the_environment(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.setattr(conftest, "_usable_cpus", lambda: 2)
    assert conftest.pytest_xdist_auto_num_workers(_config(given=False)) == 2
    monkeypatch.setattr(conftest, "_usable_cpus", lambda: 1)
    assert conftest.pytest_xdist_auto_num_workers(_config(given=False)) == 0  # no lone worker
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "3")
    assert conftest.pytest_xdist_auto_num_workers(_config("tests/test_ops.py")) == 3
