"""The conformance kit's own behaviour: its diagnoses on deliberately broken backends, its
quick tier, and the summaries of partial and interrupted runs (the kit in a subprocess)."""

import json
import os
import signal
import subprocess
import sys
import textwrap

PLUGIN = textwrap.dedent('''
    """Three broken variants of the NumPy backend, registered for the kit to diagnose."""
    import dataclasses
    import types

    import numpy as np

    from arraygrad.extend import BackendSpec, get_backend
    from arraygrad.hookspecs import hookimpl
    from arraygrad.plugin_manager import register_plugin


    def variant(name, drop=(), **changes):
        base = get_backend("numpy")
        names = {k: v for k, v in vars(base.xp).items()
                 if k not in drop and k != "arraygrad_backend"}
        return dataclasses.replace(base, name=name, xp=types.SimpleNamespace(**names),
                                   **changes)


    class Opaque:  # what a library's array without DLPack and without __array__ looks like
        def __init__(self, a):
            self.a = a


    def downcasting(obj, dtype=None, device=None, copy=None):
        out = get_backend("numpy").from_object(obj, dtype=dtype, device=device, copy=copy)
        return out.astype(np.float32) if out.dtype == np.float64 else out


    @hookimpl
    def arraygrad_backends():
        return [BackendSpec("gapped", lambda: variant("gapped", drop=("atan2",))),
                BackendSpec("sealed", lambda: variant(
                    "sealed", to_numpy=lambda a: np.asarray([Opaque(v) for v in a.ravel()]))),
                BackendSpec("downcast", lambda: variant("downcast", from_object=downcasting))]


    def pytest_configure(config):
        import sys

        register_plugin(sys.modules[__name__], name="broken-backends")
''')


def kit(tmp_path, *args, popen=False):
    (tmp_path / "broken_backends.py").write_text(PLUGIN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(tmp_path)
    env["PYTHONUNBUFFERED"] = "1"  # progress lines arrive as they are written
    command = [sys.executable, "-m", "pytest", "--pyargs", "arraygrad.testing.conformance",
               "-p", "no:cacheprovider", "--no-header", "-p", "broken_backends", *args]
    if popen:
        return subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)


def test_diagnoses_name_the_real_cause(tmp_path):
    result = kit(tmp_path, "--arraygrad-backend", "gapped,sealed,downcast", "-q", "-rs",
                 "-k", "atan2 or can_leave or float64_is_kept", "--arraygrad-summary",
                 str(tmp_path / "summary.json"))
    out = result.stdout
    assert result.returncode == 1, out[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())["backends"]
    # a function the namespace lacks is a missing feature (a skip), not a wrong value
    assert "atan2" in summary["gapped"]["missing"] and not summary["gapped"]["failed"]
    assert "missing feature: atan2" in out
    # arrays that cannot leave: reported at the transfer check, with what to implement
    transfer = "host / DLPack / backend round trips"
    assert "test_interop_arrays_can_leave_the_backend" in summary["sealed"]["failed"][transfer]
    assert "cannot leave it: to_numpy returned an ndarray of dtype object" in out
    assert "implement __dlpack__ and __dlpack_device__" in out and "KeyError" not in out
    # a silent float64 -> float32 downcast is detected and named
    assert summary["downcast"]["failed"][transfer] == ["test_interop_float64_is_kept"]
    assert "silent float64->float32 downcast: asarray(float64 data) gave float32" in out
    assert "conforms" not in out and " of " in out.split("conformance summary")[1]


def test_quick_tier_covers_every_capability_and_gives_no_verdict(tmp_path):
    quick = kit(tmp_path, "--arraygrad-backend", "numpy", "-v", "--arraygrad-quick")
    assert quick.returncode == 0, quick.stdout[-3000:]
    listing, text = quick.stdout.split("conformance summary")
    assert "checks run: quick tier (--arraygrad-quick); no conformance verdict" in text
    assert "conforms" not in text
    for capability in ("test_op_forward", "test_op_gradcheck", "test_rng", "test_scatter",
                       "test_interop", "test_inplace", "test_error"):
        assert capability in listing, capability


def test_an_interrupted_run_keeps_its_progress_and_partial_summary(tmp_path):
    summary = tmp_path / "partial.json"
    proc = kit(tmp_path, "--arraygrad-backend", "numpy", "--arraygrad-summary", str(summary),
               "-v", popen=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "test_ops.py::" in line and "PASSED" in line:  # progress, check by check
                proc.send_signal(signal.SIGINT)
                break
        rest, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    out = "".join(lines) + rest
    assert "arraygrad conformance summary" in out, out[-3000:]
    tail = out.split("arraygrad conformance summary")[1]
    assert "checks run: stopped early" in tail and "conforms" not in tail
    saved = json.loads(summary.read_text())
    assert saved["interrupted"] and 0 < saved["ran"] < saved["collected"]
    assert saved["backends"]["numpy"]["conforms"] is False
