"""`pyv install` of a version that has no prebuilt build: it is built from source, on a
tiny fake source tree served from 127.0.0.1 in python.org's layout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyv.builds import preflight
from tests.builds.conftest import Sources
from tests.conftest import World
from tests.install.conftest import Server, installed, leftovers
from tests.terminal import Screen, run_in_terminal

Capture = pytest.CaptureFixture[str]


def receipt(world: World, name: str) -> dict[str, object]:
    data = json.loads((world.root / "versions" / name / "pyv-receipt.json").read_text())
    assert isinstance(data, dict)
    return data


def test_a_version_with_no_prebuilt_is_built_from_source(
    sources: Sources, world: World, server: Server, capsys: Capture
) -> None:
    sources.add("3.11.2")
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert code == 0, err
    assert err.splitlines() == [
        "no prebuilt 3.11.2 for linux-x86_64-gnu: building from source, about 3 minutes",
        "3.11.2: downloading",
        "3.11.2: unpacking",
        "3.11.2: configuring",
        "3.11.2: compiling",
        "3.11.2: installing",
        "3.11.2: checking",
        "installed 3.11.2",
    ]
    prefix = world.root / "versions" / "3.11.2"
    assert os.readlink(prefix / "bin" / "python") == "python3.11"
    assert os.readlink(prefix / "bin" / "pip") == "pip3"
    args = (prefix / "configure.args").read_text().splitlines()
    assert args[:2] == [f"--prefix={prefix}", "--enable-shared"]
    info = receipt(world, "3.11.2")
    assert info["source"] == "build" and str(info["url"]).endswith("/3.11.2/Python-3.11.2.tgz")
    assert os.path.isfile(str(info["log"]))
    assert leftovers(world) == []
    # a prebuilt build is still preferred where there is one
    assert world.pyv("install", "3.11", capsys=capsys) == (0, "", "installed 3.11.3\n")
    assert os.readlink(world.root / "versions" / "3.11") == "3.11.3"
    # and a shim runs the built one
    (world.work / ".python-version").write_text("3.11.2\n")
    done = subprocess.run(
        [str(world.root / "shims" / "python"), "-c", "pass"],
        cwd=world.work,
        env=world.env(PWD=str(world.work)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.startswith("CPython\n3.11.2\n"), done


def test_build_builds_where_a_prebuilt_exists_and_patches_apply(
    sources: Sources, world: World, server: Server, capsys: Capture
) -> None:
    sources.add("3.11.3")
    code, _, err = world.pyv("install", "--build", "3.11.3", capsys=capsys)
    assert code == 0, err
    assert err.splitlines()[0] == "building 3.11.3 from source (--build), about 3 minutes"
    assert receipt(world, "3.11.3")["source"] == "build"
    assert [p for p, _ in server.requests] == ["/ftp/3.11.3/Python-3.11.3.tgz"]
    assert world.pyv("uninstall", "-y", "3.11.3", capsys=capsys)[0] == 0
    patch = world.tmp / "mine.patch"
    patch.write_text("--- a/Objects/a.c\n+++ b/Objects/a.c\n@@ -0,0 +1 @@\n+int mine;\n")
    code, _, err = world.pyv("install", "--patch", str(patch), "3.11.3", capsys=capsys)
    assert code == 0, err
    assert err.splitlines()[0] == "building 3.11.3 from source (--build), about 3 minutes"
    prefix = world.root / "versions" / "3.11.3"
    assert (prefix / "a.c").read_text() == "int mine;\n"
    assert receipt(world, "3.11.3")["source"] == "build"
    code, _, err = world.pyv("install", "--build", "3.11.9", capsys=capsys)
    assert (code, err.splitlines()[-1]) == (
        1,
        "pyv: no source release of Python `3.11.9' for linux-x86_64-gnu; see `pyv install --list'",
    )


def test_free_threaded_and_the_users_options(
    sources: Sources, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.13.1")
    monkeypatch.setenv("PYTHON_CONFIGURE_OPTS", "--with-lto")
    monkeypatch.setenv("PYV_CONFIGURE_OPTS", "--enable-optimizations")
    monkeypatch.setenv("MAKE_OPTS", "-j1")
    monkeypatch.setenv("PYV_MAKE_OPTS", "V=1")
    code, _, err = world.pyv("install", "-q", "3.13.1t", capsys=capsys)
    assert (code, err) == (0, "")
    prefix = world.root / "versions" / "3.13.1t"
    args = (prefix / "configure.args").read_text().splitlines()
    assert args[-3:] == ["--disable-gil", "--with-lto", "--enable-optimizations"]
    assert "V=1" in (prefix / "make.flags").read_text()
    assert os.readlink(world.root / "versions" / "3.13t") == "3.13.1t"


def test_a_mirror_with_only_one_kind_of_tarball_and_the_cache(
    sources: Sources, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.11.2", listed=("tar.xz", "tgz"), served=("tgz",))
    assert world.pyv("install", "-q", "3.11.2", capsys=capsys) == (0, "", "")
    paths = [path for path, _ in server.requests]
    assert paths == ["/ftp/3.11.2/Python-3.11.2.tar.xz", "/ftp/3.11.2/Python-3.11.2.tgz"]
    assert world.pyv("uninstall", "-y", "3.11.2", capsys=capsys)[0] == 0
    assert world.pyv("install", "-q", "--offline", "3.11.2", capsys=capsys) == (0, "", "")
    assert installed(world) == ["3.11.2"]
    # online, the cached .tgz is used before the mirror is asked for the .tar.xz
    assert world.pyv("uninstall", "-y", "3.11.2", capsys=capsys)[0] == 0
    monkeypatch.setenv("PYV_SOURCE_MIRROR", server.base + "/down-for-maintenance/")
    server.requests.clear()
    assert world.pyv("install", "-q", "3.11.2", capsys=capsys) == (0, "", "")
    assert server.requests == [] and installed(world) == ["3.11.2"]


def test_a_system_without_the_headers_is_refused_before_any_download(
    sources: Sources, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.11.2")
    missing = preflight.Report(missing=["OpenSSL", "libffi"], packages=["libssl-dev", "libffi-dev"])
    monkeypatch.setattr(preflight, "check", lambda system, patching=False: missing)
    monkeypatch.setattr(preflight.System, "manager", property(lambda self: "apt"))
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert code == 1
    line = err.splitlines()[-1]
    assert line.startswith("pyv: building 3.11.2 needs libssl-dev libffi-dev: ")
    assert line.endswith("apt-get install libssl-dev libffi-dev; --force builds anyway")
    assert server.requests == [] and installed(world) == []


def test_force_builds_on_a_system_the_preflight_finds_lacking(
    sources: Sources, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.11.2")
    missing = preflight.Report(missing=["OpenSSL"], packages=["libssl-dev"])
    monkeypatch.setattr(preflight, "check", lambda system, patching=False: missing)
    monkeypatch.setattr(preflight.System, "manager", property(lambda self: "apt"))
    code, _, err = world.pyv("install", "--force", "3.11.2", capsys=capsys)
    assert code == 0, err
    warning = err.splitlines()[0]
    assert warning.startswith("pyv: warning: building 3.11.2 needs libssl-dev: ")
    assert warning.endswith("apt-get install libssl-dev; building anyway (--force)")
    assert installed(world) == ["3.11.2"]


def test_a_tarball_that_fails_its_sha256_is_never_unpacked(
    sources: Sources, world: World, server: Server, capsys: Capture
) -> None:
    sources.add("3.11.2")
    path = "/ftp/3.11.2/Python-3.11.2.tgz"
    data = server.files[path]
    server.files[path] = data[:-1] + bytes([data[-1] ^ 1])  # one bit off
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert code == 1
    assert err.splitlines()[-1].startswith("pyv: sha256 mismatch for Python-3.11.2.tgz: ")
    assert "3.11.2: unpacking" not in err and "3.11.2: configuring" not in err
    assert not (world.tmp / "cache" / "logs").exists()  # no build began
    assert installed(world) == [] and leftovers(world) == []


def test_unreadable_options_are_refused_before_the_download(
    sources: Sources, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.11.2")
    monkeypatch.setenv("PYV_CONFIGURE_OPTS", "--with-lto 'CFLAGS=-O2")
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert (code, err.splitlines()[-1]) == (
        1,
        "pyv: PYV_CONFIGURE_OPTS cannot be read as shell words: No closing quotation",
    )
    assert server.requests == [] and installed(world) == []


@pytest.mark.parametrize(
    ("fault", "step"), [("FAIL_CONFIGURE", "./configure"), ("FAIL_MAKE", "make")]
)
def test_a_failed_build_shows_its_log_and_installs_nothing(
    sources: Sources, world: World, capsys: Capture, fault: str, step: str
) -> None:
    sources.add("3.11.2", files={fault: ""})
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert code == 1
    lines = err.splitlines()
    assert any(line.startswith("  | ") for line in lines)
    assert lines[-1].startswith(f"pyv: building 3.11.2 failed in `{step}' (exit ")
    log = lines[-1].rsplit("full log: ", 1)[1]
    with open(log) as f:
        assert "$ ./configure" in f.read()
    assert installed(world) == [] and leftovers(world) == []


def test_a_build_missing_a_module_is_refused_unless_forced(
    sources: Sources, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.11.2", files={"MISSING": "ssl readline\n"})
    monkeypatch.setattr(preflight.System, "manager", property(lambda self: "apt"))
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert code == 1
    assert err.splitlines()[-1] == (
        "pyv: 3.11.2 was built without ssl, readline (install libssl-dev libreadline-dev):"
        " nothing was installed; --force installs it anyway"
    )
    assert installed(world) == [] and leftovers(world) == []
    code, _, err = world.pyv("install", "--force", "3.11.2", capsys=capsys)
    assert code == 0
    assert (
        "pyv: warning: 3.11.2 was built without ssl, readline (install libssl-dev"
        " libreadline-dev); installing it anyway (--force)"
    ) in err.splitlines()
    assert installed(world) == ["3.11.2"]


def test_a_kill_during_the_build_leaves_nothing_listed(
    sources: Sources, world: World, capsys: Capture
) -> None:
    sources.add("3.11.2", files={"SLOW_MAKE": ""})
    env = world.env(PWD=str(world.work))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyv", "install", "--force", "3.11.2"],
        cwd=world.work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    logs = world.tmp / "cache" / "logs"

    def in_the_log(text: str) -> bool:
        return any(text in p.read_text() for p in (logs.glob("*.log") if logs.is_dir() else []))

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not in_the_log("sleeping"):
        time.sleep(0.05)
    assert in_the_log("sleeping"), "make's lines do not reach the log as they come"
    scratch = world.root / ".scratch"
    assert processes_in(scratch), "the build is not running: nothing to test"
    proc.kill()
    proc.communicate()
    assert any(scratch.glob("build-*")), "the kill came too late to test anything"
    # make dies with pyv (PR_SET_PDEATHSIG), though what it runs is silent for 3 s ...
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline and any(p.startswith("make") for p in processes_in(scratch)):
        time.sleep(0.05)
    assert not any(p.startswith("make") for p in processes_in(scratch))
    # ... and that ends at its next line of output, which has nowhere to go
    deadline = time.monotonic() + 10
    while processes_in(scratch) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in(scratch) == []
    assert installed(world) == []
    assert world.pyv("versions", "--bare", capsys=capsys) == (0, "", "")
    assert world.pyv("rehash", capsys=capsys)[0] == 0  # the next writer cleans up
    assert leftovers(world) == []


def processes_in(folder: Path) -> list[str]:
    """The command lines of the processes working in ``folder`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cwd = os.readlink(entry / "cwd") if entry.name.isdigit() else ""
            if cwd == str(folder) or cwd.startswith(f"{folder}/"):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # gone meanwhile, or another user's
            continue
    return found


def test_install_list_marks_what_would_be_built(
    sources: Sources, world: World, capsys: Capture
) -> None:
    sources.add("3.11.2")
    sources.add("3.11.3")
    code, out, _ = world.pyv("install", "--list", "3.11", capsys=capsys)
    assert (code, out) == (0, "3.11.3\n3.11.2 (source build)\n")
    rows = json.loads(world.pyv("install", "--list", "--json", "3.11", capsys=capsys)[1])
    assert [(r["name"], r["platform"]) for r in rows] == [
        ("3.11.3", "linux-x86_64-gnu"),
        ("3.11.2", "source"),
    ]


def test_a_root_with_a_space_cannot_hold_a_build(
    sources: Sources, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources.add("3.11.2")
    monkeypatch.setenv("PYV_ROOT", str(world.tmp / "my root"))
    code, _, err = world.pyv("install", "3.11.2", capsys=capsys)
    assert code == 1
    assert err == (
        f"pyv: pyv cannot build Python into {world.tmp}/my root/versions/3.11.2: CPython's"
        " make install does not quote paths, so a build needs a pyv root without spaces;"
        " set PYV_ROOT to one, or install a prebuilt version\n"
    )
    assert server.requests == []


def test_a_terminal_sees_each_phase_on_one_line_with_the_compile_percentage(
    sources: Sources, world: World
) -> None:
    sources.add("3.11.2")
    # --force: a real process, so the preflight looks at this machine; it may lack headers
    command = [sys.executable, "-m", "pyv", "install", "--force", "3.11.2"]
    code, output = run_in_terminal(
        command, env=world.env(PWD=str(world.work), PYV_ROOT=str(world.root)), cwd=world.work
    )
    text = output.decode()
    assert code == 0, text
    shown = ["downloading", "unpacking", "configuring", "compiling  50%", "compiling  99%"]
    shown += ["installing", "checking"]
    at = [text.find(f"3.11.2: {phase}") for phase in shown]
    assert -1 not in at and at == sorted(at), text  # each in its turn
    screen = Screen(output)
    lines = screen.lines()
    assert len(lines) == 2 and lines[0].startswith("no prebuilt 3.11.2 for "), lines
    assert re.fullmatch(r"installed 3\.11\.2 in \d+(\.\d)? s", lines[1]), lines
    assert screen.at_a_clean_line()
