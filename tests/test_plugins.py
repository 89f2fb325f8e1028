"""Plugins are fault-isolated, and ``import arraygrad`` imports no optional library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import arraygrad as ag
from arraygrad.backend_registry import BackendSpec
from arraygrad.hookspecs import hookimpl
from arraygrad.plugin_manager import register_plugin, unregister_plugin


def _run(code: str, env_path: str | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    env.pop("ARRAYGRAD_BACKEND", None)
    if env_path is not None:
        env["PYTHONPATH"] = env_path + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_import_arraygrad_imports_no_optional_library():
    result = _run("""
        import sys
        import arraygrad as ag
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        ag.backends.names()
        print(sorted(m for m in ("jax", "jaxlib", "cupy", "torch") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout


def test_entry_point_that_fails_to_import_is_reported(tmp_path):
    dist = tmp_path / "broken_ag_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-ag-plugin\n"
                                   "Version: 1.0\n")
    (dist / "entry_points.txt").write_text("[arraygrad]\nbroken = broken_ag_plugin\n")
    (tmp_path / "broken_ag_plugin.py").write_text(
        "raise ImportError('libbroken.so: cannot open shared object file')\n")
    result = _run("""
        import json
        import arraygrad as ag
        y = (ag.ones(2) * 3.0).tolist()
        report = ag.backends.available(load=False)
        print(json.dumps({"y": y, "report": {k: [v.ok, v.error] for k, v in report.items()}}))
    """, env_path=str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["y"] == [3.0, 3.0]
    ok, error = out["report"]["broken"]
    assert not ok and "libbroken.so" in error and "broken_ag_plugin" in error
    assert "numpy" in out["report"]


def _failing_load():
    raise RuntimeError("the device driver is too old (need 99.0)")


class _FailingBackendPlugin:
    @hookimpl
    def arraygrad_backends(self):
        return [BackendSpec("failing_backend", _failing_load, "always fails to load")]


def test_backend_whose_load_raises_is_reported(registered):
    registered(_FailingBackendPlugin(), "failing-plugin")
    with pytest.raises(ag.BackendError) as info:
        ag.ones(2, backend="failing_backend")
    assert "failing_backend" in str(info.value) and "driver is too old" in str(info.value)
    status = ag.backends.available(load=False)["failing_backend"]
    assert not status.ok and "driver is too old" in status.error
    assert "unavailable" in str(status)
    assert ag.ones(2, backend="numpy").tolist() == [1.0, 1.0]


def test_unregistered_plugin_disappears(registered):
    registered(_FailingBackendPlugin(), "failing-plugin-2")
    assert "failing_backend" in ag.backends.names()
    unregister_plugin(name="failing-plugin-2")
    registered_names = ag.backends.names()
    register_plugin(_FailingBackendPlugin(), name="failing-plugin-2")  # the fixture removes it
    assert "failing_backend" not in registered_names
