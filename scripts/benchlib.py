"""Shared by the benchmark scripts: time commands side by side, find pyv and pyenv.

Uses hyperfine when it is installed (no shell in between, warm-up runs), else a
plain loop of subprocess runs. Stdlib only; never imported by src/.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOME = Path(os.path.expanduser("~"))


def find_pyenv() -> str | None:
    """The machine's pyenv, used read-only, or None."""
    return shutil.which("pyenv") or (
        str(HOME / ".pyenv/bin/pyenv") if (HOME / ".pyenv/bin/pyenv").is_file() else None
    )


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or HOME / ".pyenv")


def real_python(prefer: str = "3.12") -> Path | None:
    """A real CPython prefix under pyenv's versions folder (read only)."""
    versions = pyenv_root() / "versions"
    if not versions.is_dir():
        return None
    found = sorted(
        p for p in versions.iterdir() if p.name.startswith("3.") and (p / "bin/python3").exists()
    )
    preferred = [p for p in found if p.name.startswith(prefer + ".")]
    return (preferred or found or [None])[-1]


def default_pyv() -> list[str]:
    """The pyv to time: the repository's .venv, else pyv on PATH."""
    venv = REPO / ".venv/bin/pyv"
    if venv.exists():
        return [str(venv)]
    on_path = shutil.which("pyv")
    if on_path:
        return [on_path]
    sys.exit("bench: no pyv found; run scripts/test (makes .venv) or scripts/install.sh")


def measure(
    commands: dict[str, list[str]], *, runs: int, cwd: Path, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation in ms of each command, each run ``runs`` times."""
    for label, argv in commands.items():
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
        if done.returncode != 0:
            sys.exit(f"bench: {label} failed: {done.stderr.decode(errors='replace').strip()}")
    if shutil.which("hyperfine"):
        return _hyperfine(commands, runs=runs, cwd=cwd, env=env)
    return {label: _loop(argv, runs=runs, cwd=cwd, env=env) for label, argv in commands.items()}


def _hyperfine(
    commands: dict[str, list[str]], *, runs: int, cwd: Path, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    import shlex

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        argv = ["hyperfine", "-N", "--style", "none", "--warmup", "5", "--runs", str(runs)]
        argv += ["--export-json", out.name]
        for label, command in commands.items():
            argv += ["-n", label, shlex.join(command)]
        subprocess.run(
            argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        results = json.loads(Path(out.name).read_text())["results"]
    return {r["command"]: (r["mean"] * 1000, (r["stddev"] or 0) * 1000) for r in results}


def _loop(argv: list[str], *, runs: int, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    times = []
    for i in range(runs + 5):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
        if i >= 5:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.mean(times), statistics.stdev(times)


def fmt(result: tuple[float, float]) -> str:
    return f"{result[0]:.2f}±{result[1]:.2f}"
