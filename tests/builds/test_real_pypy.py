"""A real PyPy through pyv, as issue 13 asks: Debian's pypy3 repacked into upstream's
layout (.tar.bz2, tests/builds/pypy_fixture.py), listed in a catalog and served from
127.0.0.1; then installed, selected, run through the shims, across versions with
`pyv run`, in a venv and in tox. It skips, saying why, where Debian's pypy3 is absent."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.across.test_across import run_tool, shim_env
from tests.conftest import World, real_pythons
from tests.install.conftest import PLATFORM, Builds, Server

Capture = pytest.CaptureFixture[str]
IMPLEMENTATION = "import platform; print(platform.python_implementation())"


@pytest.fixture
def pypy(builds: Builds, server: Server, pypy_archive: Path) -> World:
    """A catalog naming the repacked PyPy 7.3.11 (Python 3.9)."""
    data = pypy_archive.read_bytes()
    path = f"/pypy/{pypy_archive.name}"
    server.files[path] = data
    builds.catalog[f"pypy-3.9.16-{PLATFORM}"] = {
        "name": "pypy",
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": 3,
        "minor": 9,
        "patch": 16,
        "prerelease": "",
        "url": server.base + path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "variant": None,
        "build": "7.3.11",
    }
    builds.path.write_text(json.dumps(builds.catalog))
    return builds.world


def shim(world: World, command: str, *args: str, **env: str) -> str:
    done = subprocess.run(
        [str(world.root / "shims" / command), *args],
        cwd=world.work,
        env=world.env(PWD=str(world.work), **env),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_a_real_pypy_installs_and_runs_through_the_shims(pypy: World, capsys: Capture) -> None:
    world = pypy
    assert world.pyv("install", "pypy3.9", capsys=capsys) == (0, "", "installed pypy3.9-7.3.11\n")
    assert shim(world, "python", "-c", IMPLEMENTATION, PYV_VERSION="pypy3.9") == "PyPy\n"
    assert shim(world, "pypy3", "-c", IMPLEMENTATION, PYV_VERSION="pypy3.9") == "PyPy\n"
    prefix = world.root / "versions" / "pypy3.9-7.3.11"
    code = "import os, sys; print(os.path.realpath(sys.prefix))"  # through the alias link
    assert shim(world, "python3", "-c", code, PYV_VERSION="pypy3.9") == f"{prefix}\n"
    assert "pip" in shim(world, "pip", "--version", PYV_VERSION="pypy3.9")


def test_run_venv_and_tox_across_pypy_and_cpython(pypy: World, capsys: Capture) -> None:
    world = pypy
    cpython = real_pythons().get("3.12")
    if cpython is None:
        pytest.skip("no real CPython 3.12 under ~/.pyenv/versions on this machine")
    assert world.pyv("install", "-q", "pypy3.9", capsys=capsys)[0] == 0
    assert world.pyv("link", str(cpython), capsys=capsys)[0] == 0
    name = next(p.name for p in (world.root / "versions").iterdir() if p.name.startswith("3.12."))
    # pyv run: both versions run, and both pass
    done = world.run("run", "pypy3.9", name, "--", "python", "-c", "pass")
    assert done.returncode == 0, done.stderr + done.stdout
    # pyv venv -p pypy3.9: a venv whose python is PyPy
    assert world.pyv("venv", "env", "-p", "pypy3.9", capsys=capsys)[0] == 0
    venv_python = world.work / "env" / "bin" / "python"
    out = subprocess.run(
        [str(venv_python), "-c", IMPLEMENTATION], capture_output=True, text=True, check=False
    )
    assert out.stdout == "PyPy\n"
    # tox's pypy3 environment, and a CPython one, through the shims
    assert world.pyv("local", "3.12", "pypy3.9", capsys=capsys)[0] == 0
    (world.work / "tox.ini").write_text(
        "[tox]\nenvlist = pypy3,py312\nskipsdist = true\n\n[testenv]\nskip_install = true\n"
        "commands = python -c \"import platform; print('ran', platform.python_implementation())\"\n"
    )
    status, ran, tail = run_tool(world, "tox", "run", "--workdir", str(world.tmp / "tox"))
    assert status == 0, tail
    assert ran == ["ran CPython", "ran PyPy"]
    assert shim_env(world)  # the same PATH as the CPython tox test
