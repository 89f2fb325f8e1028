"""The backend conformance kit, run on every backend of the matrix.

The kit's tests live in :mod:`arraygrad.testing.conformance` (what a backend author runs
with ``pytest --pyargs arraygrad.testing.conformance --arraygrad-backend NAME``); importing
them here makes the project suite collect them for every backend, without a second copy.
"""

from arraygrad.testing.conformance.test_errors import *  # noqa: F403
from arraygrad.testing.conformance.test_inplace import *  # noqa: F403
from arraygrad.testing.conformance.test_interop import *  # noqa: F403
from arraygrad.testing.conformance.test_ops import *  # noqa: F403
from arraygrad.testing.conformance.test_rng import *  # noqa: F403
from arraygrad.testing.conformance.test_scatter import *  # noqa: F403


def test_kit_runs_from_any_directory_and_summarizes(tmp_path):
    """The one command a backend author runs, from an unrelated directory."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "arraygrad.testing.conformance",
         "--arraygrad-backend", "array_api_strict", "-k", "getitem or scatter", "-q",
         "-p", "no:cacheprovider"],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "arraygrad conformance summary" in out
    assert "backend 'array_api_strict':" in out and " 0 failed" in out
    assert "missing: integer-array indexing mixed with slices" in out
