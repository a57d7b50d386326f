"""Across versions: pyv run, pyv venv, tox and nox through the shims, adopting pyenv and uv."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import World, real_pythons

Capture = pytest.CaptureFixture[str]
FIVE = ("3.9", "3.10", "3.11", "3.12", "3.13")


@pytest.fixture
def fakes(world: World) -> World:
    for name in ("3.9.18", "3.10.13", "3.11.7", "3.12.3", "3.13.1"):
        world.install(name, ("python", "python3"))
        tool = world.root / "versions" / name / "bin" / "tool"
        status = 3 if name == "3.11.7" else 0
        tool.write_text(f'#!/bin/sh\necho "{name} $PYV_VERSION $*"\nexit {status}\n')
        tool.chmod(0o755)
    return world


@pytest.fixture
def five(world: World) -> dict[str, str]:
    """Five real CPythons (3.9 to 3.13) linked from the machine's pyenv, by minor."""
    from pyv import link

    pythons = real_pythons()
    missing = [m for m in FIVE if m not in pythons]
    if missing:
        pytest.skip(f"no real CPython {', '.join(missing)} under ~/.pyenv/versions on this machine")
    return {m: link.link(world.layout, str(pythons[m]))[0] for m in FIVE}


def test_run_goes_through_every_version_and_names_the_failures(fakes: World) -> None:
    done = fakes.run("run", "3.9", "3.10", "3.11", "3.12", "3.13", "--", "tool", "--flag", "a b")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[:2] == ["==> 3.9.18: tool --flag 'a b'", "3.9.18 3.9.18 --flag a b"]
    assert lines[-7] == "version  status  time"
    assert [line.split()[:2] for line in lines[-6:-1]] == [
        ["3.9.18", "ok"],
        ["3.10.13", "ok"],
        ["3.11.7", "3"],
        ["3.12.3", "ok"],
        ["3.13.1", "ok"],
    ]
    assert lines[-1] == "pyv: failed on 3.11.7"


def test_run_in_parallel_prefixes_every_line(fakes: World) -> None:
    done = fakes.run("run", "-j", "3", "3.9", "3.12", "3.13", "--", "tool")
    assert done.returncode == 0
    prefixed = sorted(line for line in done.stderr.splitlines() if line.startswith("["))
    assert prefixed == [
        "[3.12.3] 3.12.3 3.12.3 ",
        "[3.13.1] 3.13.1 3.13.1 ",
        "[3.9.18] 3.9.18 3.9.18 ",
    ]


def test_run_json_and_defaults(fakes: World) -> None:
    (fakes.work / ".python-version").write_text("3.12\n3.9\n")
    done = fakes.run("run", "--json", "--", "tool")
    data = json.loads(done.stdout)
    assert [(r["version"], r["status"]) for r in data["runs"]] == [("3.12.3", 0), ("3.9.18", 0)]
    assert data["failed"] == [] and done.returncode == 0
    everything = json.loads(fakes.run("run", "--all", "--json", "--", "tool").stdout)
    assert [r["version"] for r in everything["runs"]] == [
        "3.13.1",
        "3.12.3",
        "3.11.7",
        "3.10.13",
        "3.9.18",
    ]
    assert everything["failed"] == ["3.11.7"]


def test_run_needs_a_command_and_installed_versions(fakes: World) -> None:
    assert fakes.run("run", "3.12").stderr.startswith("pyv: name the command after --")
    done = fakes.run("run", "3.8", "--", "tool")
    assert (done.returncode, done.stderr) == (
        1,
        "pyv: version `3.8' is not installed; run `pyv install' or add --install\n",
    )


def test_run_real_pythons(world: World, five: dict[str, str]) -> None:
    code = (
        "import sys; print('%d.%d' % sys.version_info[:2]); "
        "sys.exit(sys.version_info[:2] == (3, 11))"
    )
    done = world.run("run", *FIVE, "--", "python", "-c", code)
    printed = [
        line
        for line in done.stderr.splitlines()
        if line[:1].isdigit() and "." in line and " " not in line
    ]
    assert printed == list(FIVE)
    assert done.returncode == 1 and done.stderr.endswith(f"pyv: failed on {five['3.11']}\n")


def make_wheel(folder: Path) -> Path:
    """A pure-Python wheel with a console script, built by hand (no network, no setuptools)."""
    info = "hello_pyv-1.0.dist-info"
    files = {
        "hello_pyv.py": (
            "import sys\ndef main():\n    print('hello from %d.%d' % sys.version_info[:2])\n"
        ),
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: hello-pyv\nVersion: 1.0\n",
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": "[console_scripts]\nhello-pyv = hello_pyv:main\n",
    }
    record = []
    for name, text in files.items():
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        )
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    record.append("hello_pyv-1.0.dist-info/RECORD,,")
    files["hello_pyv-1.0.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / "hello_pyv-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return wheel


def test_venv_then_pip_install_into_it(world: World, five: dict[str, str], capsys: Capture) -> None:
    (world.work / ".python-version").write_text("3.12\n")
    code, out, err = world.pyv("venv", capsys=capsys)
    assert (code, out) == (0, "")
    assert err.endswith("activate it with: source .venv/bin/activate\n")
    venv = world.work / ".venv"
    wheel = make_wheel(world.tmp)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    ran = subprocess.run(
        [str(venv / "bin" / "hello-pyv")], capture_output=True, text=True, check=True
    )
    assert ran.stdout == "hello from 3.12\n"


def test_a_venv_on_a_minor_follows_the_alias_across_patch_upgrades(
    world: World, five: dict[str, str], capsys: Capture
) -> None:
    old = five["3.12"]
    assert world.pyv("venv", "env", "--python", "3.12", "--without-pip", capsys=capsys)[0] == 0
    cfg = (world.work / "env" / "pyvenv.cfg").read_text()
    assert f"home = {world.root / 'versions' / '3.12' / 'bin'}" in cfg
    # A newer patch arrives (made here by hand from the same interpreter) and the old one goes.
    newer = world.install("3.12.99", ())
    (newer / "bin").rmdir()
    (newer / "bin").symlink_to(real_pythons()["3.12"] / "bin")
    world.pyv("uninstall", "-y", old, capsys=capsys)
    assert os.readlink(world.root / "versions" / "3.12") == "3.12.99"
    ran = subprocess.run(
        [str(world.work / "env" / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == str(world.work / "env")


def test_venv_refuses_to_overwrite_what_is_not_a_venv(
    world: World, five: dict[str, str], capsys: Capture
) -> None:
    (world.work / "precious").mkdir()
    (world.work / "precious" / "notes.txt").write_text("keep me")
    code, _, err = world.pyv("venv", "precious", "--python", "3.12", "--clear", capsys=capsys)
    assert (code, err) == (
        1,
        "pyv: precious exists and is not a virtual environment; pyv will not touch it\n",
    )
    assert world.pyv("venv", "env", "-p", "3.13", "--without-pip", capsys=capsys)[0] == 0
    assert world.pyv("venv", "env", "-p", "3.13", capsys=capsys)[2] == (
        "pyv: env is a virtual environment already; pass --clear to recreate it\n"
    )
    assert world.pyv("venv", "env", "-p", "3.12", "--clear", "--without-pip", capsys=capsys)[0] == 0
    assert "3.12" in (world.work / "env" / "pyvenv.cfg").read_text()


def run_tool(world: World, tool: str, *args: str) -> tuple[int, list[str], str]:
    """Run tox or nox from the test environment in the project, PATH through the shims;
    return its status, the sorted "ran X.Y" lines and the tail of its output."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / tool), *args],
        cwd=world.work,
        env=shim_env(world),
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    output = done.stdout + done.stderr
    ran = sorted(line for line in output.splitlines() if line.startswith("ran "))
    return done.returncode, ran, output[-2000:]


def shim_env(world: World) -> dict[str, str]:
    path = os.pathsep.join(
        [str(world.root / "shims"), str(Path(sys.executable).parent), "/usr/bin", "/bin"]
    )
    return world.env(PATH=path, PWD=str(world.work), TOX_WORK_DIR=str(world.tmp / "tox"))


def test_tox_finds_every_python_through_the_shims(
    world: World, five: dict[str, str], capsys: Capture
) -> None:
    assert world.pyv("local", "3.13", "3.12", "3.11", "3.10", "3.9", capsys=capsys)[0] == 0
    (world.work / "tox.ini").write_text(
        "[tox]\nenvlist = py39,py310,py311,py312,py313\nskipsdist = true\n\n"
        "[testenv]\nskip_install = true\n"
        "commands = python -c \"import sys; print('ran', '%d.%d' % sys.version_info[:2])\"\n"
    )
    status, ran, tail = run_tool(world, "tox", "run", "--workdir", str(world.tmp / "tox"))
    assert status == 0, tail
    assert ran == [f"ran {m}" for m in sorted(FIVE)]


def test_nox_finds_every_python_through_the_shims(
    world: World, five: dict[str, str], capsys: Capture
) -> None:
    world.pyv("local", "3.13", "3.12", "3.11", "3.10", "3.9", capsys=capsys)
    (world.work / "noxfile.py").write_text(
        "import nox\n\n"
        f"@nox.session(python={list(FIVE)!r}, venv_backend='venv')\n"
        "def check(session):\n"
        "    code = \"import sys; print('ran', '%d.%d' % sys.version_info[:2])\"\n"
        "    session.run('python', '-c', code)\n"
    )
    status, ran, tail = run_tool(world, "nox", "--envdir", str(world.tmp / "nox"))
    assert status == 0, tail
    assert ran == [f"ran {m}" for m in sorted(FIVE)]


def answering_prefix(prefix: Path, release: str) -> None:
    """A prefix whose bin/python3 answers pyv's probe as CPython ``release`` at ``prefix``."""
    (prefix / "bin").mkdir(parents=True)
    lines = ["CPython", release, "final", "0", "0", "0", str(prefix)]
    exe = prefix / "bin" / "python3"
    exe.write_text("#!/bin/sh\nprintf '%s\\n' " + " ".join(f"'{x}'" for x in lines) + "\n")
    exe.chmod(0o755)


def fake_pyenv_and_uv(world: World) -> None:
    for release in ("3.11.7", "3.12.1"):
        answering_prefix(world.home / ".pyenv" / "versions" / release, release)
    uv_python = world.home / ".local" / "share" / "uv" / "python"
    answering_prefix(uv_python / "cpython-3.13.1-linux-x86_64-gnu", "3.13.1")


def test_versions_all_lists_pyenv_uv_and_path(
    world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_pyenv_and_uv(world)
    path_dir = world.tmp / "path bin"
    path_dir.mkdir()
    (path_dir / "python3.10").write_text("#!/bin/sh\n")
    (path_dir / "python3.10").chmod(0o755)
    monkeypatch.setenv("PATH", str(path_dir))
    out = world.pyv("versions", "--all", capsys=capsys)[1]
    rows = [line.split(None, 1) for line in out.splitlines()]
    uv_dir = world.home / ".local/share/uv/python/cpython-3.13.1-linux-x86_64-gnu"
    assert rows == [
        ["3.11.7", f"pyenv: {world.home / '.pyenv/versions/3.11.7'}"],
        ["3.12.1", f"pyenv: {world.home / '.pyenv/versions/3.12.1'}"],
        ["cpython-3.13.1-linux-x86_64-gnu", f"uv: {uv_dir}"],
        ["python3.10", f"PATH: {path_dir / 'python3.10'}"],
    ]


def test_import_pyenv_and_uv_skipping_duplicates(world: World, capsys: Capture) -> None:
    fake_pyenv_and_uv(world)
    (world.work / ".python-version").write_text("3.12.1\n")
    assert world.pyv("version-name", capsys=capsys)[0] == 1
    code, _, err = world.pyv("import", "pyenv", "uv", capsys=capsys)
    assert code == 0
    assert err.splitlines() == [
        "pyenv 3.11.7: linked 3.11.7",
        "pyenv 3.12.1: linked 3.12.1",
        "uv cpython-3.13.1-linux-x86_64-gnu: linked 3.13.1",
    ]
    assert world.pyv("version-name", capsys=capsys) == (0, "3.12.1\n", "")
    again = world.pyv("import", "pyenv", capsys=capsys)[2].splitlines()
    assert again == [
        "pyenv 3.11.7: skipped: linked already as 3.11.7",
        "pyenv 3.12.1: skipped: linked already as 3.12.1",
    ]


def test_import_from_the_machines_pyenv_read_only(world: World, capsys: Capture) -> None:
    from tests.conftest import PYENV_VERSIONS

    if not PYENV_VERSIONS.is_dir():
        pytest.skip(f"no pyenv versions folder at {PYENV_VERSIONS} on this machine")
    before = sorted(p.name for p in PYENV_VERSIONS.iterdir())
    code, _, err = world.pyv(
        "import", *[str(p) for p in sorted(PYENV_VERSIONS.iterdir())], capsys=capsys
    )
    assert code == 0 and "linked" in err
    assert sorted(p.name for p in PYENV_VERSIONS.iterdir()) == before


def test_doctor(world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    world.install("3.12.3")
    monkeypatch.setenv("SHELL", "/bin/bash")
    monkeypatch.setenv("PATH", f"{world.root / 'shims'}:/usr/bin:/bin")
    assert world.pyv("doctor", capsys=capsys) == (0, "no problems found\n", "")
    (world.work / ".python-version").write_text("3.9.18\n")
    (world.root / "shims" / "python3").unlink()
    (world.root / ".scratch" / "install-x").mkdir(parents=True)
    monkeypatch.setenv("PATH", f"/usr/bin:{world.root / 'shims'}")
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    code, out, _ = world.pyv("doctor", capsys=capsys)
    problems = out.splitlines()
    assert code == 1 and len(problems) == 5, problems
    assert problems[0].startswith("problem: /usr/bin/python3 comes before pyv's shims on PATH")
    assert problems[1].startswith("problem: version `3.9.18' is not installed")
    assert problems[2] == "problem: shims are stale (1 missing, 0 extra); run `pyv rehash`"
    assert "unfinished install" in problems[3] and "tcsh" in problems[4]
    monkeypatch.setenv("PATH", "/usr/bin")
    assert "is not on PATH" in world.pyv("doctor", capsys=capsys)[1]
