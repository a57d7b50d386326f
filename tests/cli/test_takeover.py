"""Take-over: pyv on a copy of a real pyenv root (issue 11).

The copy holds a real CPython that pyenv built and a pyenv-virtualenv environment made
from it (``versions/X/envs/myenv`` with ``versions/myenv`` linking to it). With
PYV_ROOT pointed at it, pyv lists, selects and runs both through its shims; the machine's
own pyenv, pointed at the same copy, keeps working before and after. The copy's files
are hard links where the file system allows (nothing writes to them: no bytecode is
written), so it costs about a second; ~/.pyenv itself is only read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PYENV_VERSIONS, World

PYENV = PYENV_VERSIONS.parent / "libexec" / "pyenv"


def smallest_real_python() -> Path | None:
    if not PYENV_VERSIONS.is_dir():
        return None
    found = [
        p
        for p in PYENV_VERSIONS.iterdir()
        if p.name.startswith("3.") and not p.is_symlink() and (p / "bin/python3").exists()
    ]
    return min(found, key=lambda p: p.name, default=None)


def link_or_copy(source: str, dest: str) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


@pytest.fixture
def copied_root(world: World) -> tuple[World, str]:
    real = smallest_real_python()
    if real is None:
        pytest.skip(f"no real CPython under {PYENV_VERSIONS} to copy a pyenv root from")
    name = real.name
    versions = world.root / "versions"
    versions.mkdir(parents=True)
    shutil.copytree(real, versions / name, symlinks=True, copy_function=link_or_copy)
    python = versions / name / "bin/python3"
    env = versions / name / "envs/myenv"
    subprocess.run(
        [str(python), "-m", "venv", "--without-pip", str(env)],
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    (versions / "myenv").symlink_to(env)  # as pyenv-virtualenv links it
    (world.root / "version").write_text(name + "\n")
    return world, name


def run(argv: list[str], world: World, **extra: str) -> subprocess.CompletedProcess[str]:
    env = world.env(
        PATH=f"{world.root / 'shims'}:/usr/bin:/bin",
        PWD=str(world.work),
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return subprocess.run(
        argv, env=env, cwd=world.work, capture_output=True, text=True, check=False, timeout=60
    )


PROBE = "import sys; print(sys.prefix); print(sys.executable)"


def test_pyv_takes_over_a_pyenv_root_and_pyenv_keeps_working(
    copied_root: tuple[World, str],
) -> None:
    world, name = copied_root
    versions = world.root / "versions"
    bare = run([sys.executable, "-m", "pyv", "versions", "--bare"], world)  # before any alias
    assert bare.stdout.split() == [name, f"{name}/envs/myenv", "myenv"], bare.stderr
    assert run([sys.executable, "-m", "pyv", "rehash"], world).returncode == 0
    assert not list(versions.rglob("pyv-receipt.json"))  # nothing of pyv's in pyenv's builds

    # the global version, through pyv's shim
    done = run([str(world.root / "shims/python3"), "-c", PROBE], world)
    assert done.stdout.splitlines() == [str(versions / name), str(versions / name / "bin/python3")]
    # the env, from a .python-version naming it
    (world.work / ".python-version").write_text("myenv\n")
    done = run([str(world.root / "shims/python"), "-c", PROBE], world)
    assert done.stdout.splitlines()[0] == str(versions / "myenv"), done.stderr
    # a prefix such as 3.6 goes through pyv's alias link, to the real prefix
    minor = name.rsplit(".", 1)[0]
    (world.work / ".python-version").write_text(minor + "\n")
    done = run([str(world.root / "shims/python3"), "-c", PROBE], world)
    assert done.stdout.splitlines()[0] == str(versions / name), done.stderr

    if not PYENV.exists():
        pytest.skip(f"no pyenv at {PYENV} to switch back to")
    pyenv = {"PYENV_ROOT": str(world.root)}
    listed = run([str(PYENV), "versions", "--bare"], world, **pyenv)
    assert name in listed.stdout.split() and "myenv" in listed.stdout.split(), listed.stderr
    assert run([str(PYENV), "rehash"], world, **pyenv).returncode == 0
    which = run([str(PYENV), "which", "python3"], world, PYENV_VERSION=name, **pyenv)
    assert which.stdout.strip() == str(versions / name / "bin/python3"), which.stderr
    # and back: pyv's shims again, and the env still runs
    assert run([sys.executable, "-m", "pyv", "rehash"], world).returncode == 0
    (world.work / ".python-version").write_text("myenv\n")
    done = run([str(world.root / "shims/python"), "-c", PROBE], world)
    assert done.stdout.splitlines()[0] == str(versions / "myenv"), done.stderr
