"""Shared fixtures. Every test runs in its own world: PYV_ROOT, HOME, XDG folders and
the working directory all live under the test's temporary folder (with a space in
the root path, which everything must survive)."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyv import reconcile, registry
from pyv.main import main
from pyv.paths import Layout

# Read before any test replaces HOME: where this machine's pyenv keeps real interpreters.
REAL_HOME = Path(pwd.getpwuid(os.getuid()).pw_dir)
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or REAL_HOME / ".pyenv") / "versions"
SRC = Path(__file__).resolve().parents[1] / "src"


class World:
    """One test's pyv root, home and working directory."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.root = tmp / "pyv root"
        self.home = tmp / "home"
        self.work = tmp / "work"
        self.layout = Layout(str(self.root), cache=str(tmp / "cache"))

    def install(self, name: str, commands: tuple[str, ...] = ("python", "python3")) -> Path:
        """A fake installation made through the registry, with shell-script commands."""
        with reconcile.lock(self.layout, quiet=True):
            staged = Path(registry.scratch_dir(self.layout, "test"))
            (staged / "bin").mkdir()
            for command in commands:
                script = staged / "bin" / command
                script.write_text(f'#!/bin/sh\necho "{name} {command} $*"\n')
                script.chmod(0o755)
            registry.write_receipt(str(staged), {"name": name, "source": "test"})
            return Path(registry.commit(self.layout, str(staged), name))

    def pyv(self, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
        """Run pyv in this process; return (exit code, stdout, stderr)."""
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a pyv subprocess in this world."""
        env = dict(os.environ)
        env.update(extra)
        return env

    def run(
        self, *args: str, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``python -m pyv`` as a real process."""
        return subprocess.run(
            [sys.executable, "-m", "pyv", *args],
            cwd=cwd or self.work,
            env=self.env(PWD=str(cwd or self.work), **env),
            capture_output=True,
            text=True,
            check=False,
        )


@pytest.fixture(scope="session", autouse=True)
def no_version_file_above(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A .python-version above the temporary folders would be found by every test."""
    base = tmp_path_factory.getbasetemp()
    for folder in [base, *base.parents]:
        stray = folder / ".python-version"
        if stray.is_file():
            pytest.exit(f"remove {stray}: every test would find it above its own folders", 2)


@pytest.fixture(autouse=True)
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """Isolate every test from the machine: its own root, home, caches and cwd."""
    w = World(tmp_path)
    for folder in (w.home, w.work):
        folder.mkdir()
    for name in list(os.environ):
        if name.startswith(("PYV_", "PYENV_", "XDG_")) or name == "VIRTUAL_ENV":
            monkeypatch.delenv(name)
    monkeypatch.setenv("PYV_ROOT", str(w.root))
    monkeypatch.setenv("PYV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(w.home))
    monkeypatch.setenv("XDG_DATA_HOME", str(w.home / ".local/share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(w.home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(w.home / ".config"))
    monkeypatch.setenv("PYTHONPATH", str(SRC))
    monkeypatch.chdir(w.work)
    monkeypatch.setenv("PWD", str(w.work))
    yield w


def real_pythons() -> dict[str, Path]:
    """Real CPython prefixes under this machine's pyenv, by minor version (``3.12``)."""
    found = {}
    if PYENV_VERSIONS.is_dir():
        for prefix in sorted(PYENV_VERSIONS.iterdir()):
            parts = prefix.name.split(".")
            if len(parts) == 3 and all(p.isdigit() for p in parts) and (prefix / "bin").is_dir():
                found[f"{parts[0]}.{parts[1]}"] = prefix
    return found


@pytest.fixture
def real_python() -> Path:
    """One real CPython prefix (the newest 3.x pyenv has), or a skip saying why."""
    pythons = {k: v for k, v in real_pythons().items() if k.startswith("3.")}
    if not pythons:
        pytest.skip(f"no real CPython under {PYENV_VERSIONS} on this machine")
    return pythons[max(pythons, key=lambda k: tuple(map(int, k.split("."))))]
