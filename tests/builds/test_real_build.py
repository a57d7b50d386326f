"""A real source build: python.org's Python-3.11.2.tgz (byte for byte; ../shared beside
the project holds it), served from 127.0.0.1 in python.org's layout, built with the
shipped source list and catalog (python-build-standalone never built 3.11.2), and
checked as a user would: its modules, its prefix, pip, a shim. About 3 minutes on
2 cores; it skips, saying why, where the tarball or a build dependency is missing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pyv.builds import preflight
from pyv.paths import Layout
from tests.conftest import World
from tests.install.conftest import Server

TARBALL = (
    Path(__file__).resolve().parents[2].parent / "shared/data/cpython-source/Python-3.11.2.tgz"
)


def test_python_3_11_2_builds_from_source_and_runs(
    world: World, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not TARBALL.is_file():
        pytest.skip(f"no {TARBALL} on this machine (shared/ beside the project holds it)")
    report = preflight.check(preflight.System.here(os.environ))
    if not report.ok:
        pytest.skip(f"this machine cannot build CPython: it lacks {', '.join(report.packages)}")
    server.files["/ftp/3.11.2/Python-3.11.2.tgz"] = TARBALL.read_bytes()
    root = world.tmp / "root"  # CPython's make install cannot install into a path with spaces
    monkeypatch.setenv("PYV_ROOT", str(root))
    monkeypatch.setenv("PYV_SOURCE_MIRROR", server.base + "/ftp")
    done = world.run("install", "3.11.2", PYV_ROOT=str(root))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith("no prebuilt 3.11.2 for ")
    assert done.stderr.splitlines()[-1] == "installed 3.11.2"
    prefix = root / "versions" / "3.11.2"
    python = prefix / "bin" / "python"
    check = (
        "import ssl, ctypes, sqlite3, bz2, lzma, zlib, readline, sys, sysconfig, json\n"
        "print(json.dumps([sys.prefix, sysconfig.get_config_var('prefix'), sys.version]))"
    )
    out = subprocess.run([str(python), "-c", check], capture_output=True, text=True, check=True)
    sys_prefix, config_prefix, version = json.loads(out.stdout)
    assert sys_prefix == config_prefix == str(prefix)
    assert version.startswith("3.11.2 ")
    pip = subprocess.run(
        [str(python), "-m", "pip", "--version"], capture_output=True, text=True, check=True
    )
    assert pip.stdout.startswith("pip ") and str(prefix) in pip.stdout
    # libpython is the build's own, found through $ORIGIN: nothing outside but the system's
    ldd = subprocess.run(
        ["ldd", str(prefix / "bin" / "python3.11")], capture_output=True, text=True, check=True
    )
    libpython = [line for line in ldd.stdout.splitlines() if "libpython" in line]
    assert len(libpython) == 1 and str(prefix / "bin" / ".." / "lib") in libpython[0], ldd.stdout
    for binary in [prefix / "bin" / "python3.11", *prefix.glob("lib/python3.11/lib-dynload/*.so")]:
        for line in linked(binary):
            assert line.startswith((f"{prefix}/", *SYSTEM_LIBS)), f"{binary}: {line}"
    # selected in a project and run through the shim
    local = world.run("local", "3.11.2", PYV_ROOT=str(root))
    assert local.returncode == 0, local.stderr
    shim = subprocess.run(
        [str(root / "shims" / "python3"), "-c", "import sys; print(sys.version.split()[0])"],
        cwd=world.work,
        env=world.env(PWD=str(world.work), PYV_ROOT=str(root)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert shim.stdout == "3.11.2\n"
    layout = Layout(str(root), cache=str(world.tmp / "cache"))
    assert os.readlink(os.path.join(layout.versions, "3.11")) == "3.11.2"
    # relocatable: moved elsewhere, it still finds its libpython and its modules
    moved = world.tmp / "moved"
    prefix.rename(moved)
    again = subprocess.run(
        [str(moved / "bin" / "python3"), "-c", "import ssl, sqlite3, sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.stdout == f"{moved}\n", again.stderr


SYSTEM_LIBS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/")


def linked(binary: Path) -> list[str]:
    """The files ``binary`` is linked with, as ldd finds them ("not found" included)."""
    done = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
    found = []
    for line in done.stdout.splitlines():
        name, arrow, where = line.strip().partition(" => ")
        if "linux-vdso" in name or (not arrow and not name.startswith("/")):
            continue  # the kernel's, not a file
        found.append(os.path.normpath(where.split(" (")[0]) if arrow else name.split(" (")[0])
    return found
