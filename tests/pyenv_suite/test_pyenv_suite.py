"""pyenv's own bats suite against pyv, through scripts/pyenv-suite (issue 11).

Needs bats and pyenv's test folder (~/.pyenv/test, or PYENV_SUITE_TESTS); skips with
the reason where either is missing. Fails if fewer than MINIMUM of its tests pass, so
a change that breaks pyenv compatibility fails the suite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PYENV_VERSIONS

REPO = Path(__file__).resolve().parents[2]
MINIMUM = 160


def test_pyenvs_own_suite_passes_at_least_the_minimum(tmp_path: Path) -> None:
    tests = os.environ.get("PYENV_SUITE_TESTS") or str(PYENV_VERSIONS.parent / "test")
    if not os.path.isfile(os.path.join(tests, "test_helper.bash")):
        pytest.skip(f"no pyenv test suite at {tests} (set PYENV_SUITE_TESTS to one)")
    if shutil.which("bats") is None:
        pytest.skip("bats is not installed (.ci/run installs it with apt-get)")
    pyv = Path(sys.executable).parent / "pyv"
    if not pyv.exists():
        pytest.skip(f"no pyv entry point beside {sys.executable} (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYV_", "PYENV_"))}
    env["HOME"] = str(tmp_path)  # the suite sets its own; nothing reaches the real one
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts/pyenv-suite"), "--tests", tests, "--pyv", str(pyv)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    match = re.search(r"(\d+) of (\d+) tests passed", done.stdout)
    assert match, done.stdout + done.stderr
    passed, total = int(match.group(1)), int(match.group(2))
    print(f"pyenv's suite against pyv: {passed} of {total} passed")
    assert passed >= MINIMUM, done.stdout
