"""User scripts type-check clean with mypy against the installed arraygrad.

``tests/typing/*.py`` are written the way the README and docs/porting.md teach (tensors,
``backward()``, ``.grad`` narrowed with ``assert ... is not None``, an ``nn.Module``
subclass, an optimizer, a DataLoader, ``no_grad``, ``ag.device``). mypy checks them with
``--strict`` as a user would (``arraygrad.__all__`` declares what the namespace exports, so
no ``--implicit-reexport`` is needed). ``--follow-imports=silent`` reads arraygrad
(through the generated ``tensor.pyi``) without reporting the package's own errors; CI
checks the package itself (``python -m mypy`` in .ci/run).

A deliberately wrong script rides along in the same run, so the test fails if mypy stops
seeing arraygrad's types (everything ``Any`` would pass the clean scripts too).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (pip install 'arraygrad[test]')")

import arraygrad  # noqa: E402

SCRIPTS = sorted((Path(__file__).parent / "typing").glob("*.py"))
USER_FLAGS = ["--strict", "--follow-imports=silent"]

# Each line must be reported: the wrong use of arraygrad's types that a user could make.
WRONG = '''\
import arraygrad as ag

w = ag.zeros(3, requires_grad=True)
(w * w).sum().backward()
step = w.grad * 0.1  # ERROR: .grad is Optional until narrowed
n: str = w.shape[0]  # ERROR: shape entries are ints
w.backward(retain_graph="yes")  # ERROR: retain_graph is a bool
'''


def test_user_scripts_type_check_clean(tmp_path: Path) -> None:
    assert SCRIPTS, "tests/typing/ holds the user-style scripts"
    wrong = tmp_path / "wrong_usage.py"
    wrong.write_text(WRONG)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")  # the user's own (empty) configuration, not the project's
    # The directory holding the arraygrad package that pytest imports: found through
    # MYPYPATH, since setuptools' default editable install is an import hook mypy can't read.
    root = Path(arraygrad.__file__).resolve().parent.parent
    env = dict(os.environ, MYPYPATH=str(root))
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir",
           str(tmp_path / "cache"), "--no-error-summary", "--show-error-codes", *USER_FLAGS,
           *map(str, SCRIPTS), str(wrong)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=300)
    errors = [(Path(m.group(1)).name, int(m.group(2)), line)
              for line in result.stdout.splitlines()
              if (m := re.match(r"(.+?):(\d+): error:", line))]
    clean = [line for name, _, line in errors if name != wrong.name]
    assert not clean, "user scripts do not type-check:\n" + "\n".join(clean) + result.stderr
    reported = {number for name, number, _ in errors if name == wrong.name}
    expected = {i for i, line in enumerate(WRONG.splitlines(), 1) if "# ERROR" in line}
    assert reported == expected, (f"mypy reported lines {sorted(reported)} of the wrong "
                                  f"script, expected {sorted(expected)}:\n{result.stdout}"
                                  f"{result.stderr}")
