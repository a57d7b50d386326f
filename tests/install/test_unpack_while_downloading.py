"""pyv unpacks an archive while it downloads, into a scratch folder of its own; nothing
becomes visible (no rename into versions/, no receipt, no shims, no aliases) until the
sha256 of the whole download has matched, and a mismatch deletes the scratch folder."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import World
from tests.install.conftest import (
    Builds,
    Server,
    build_archive,
    fake_python,
    installed,
    leftovers,
    member,
    tar_gz,
)

Capture = pytest.CaptureFixture[str]
NAME = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
PAYLOAD = os.urandom(3_000_000)  # does not compress: the archive is as large as this


def with_payload(tar: tarfile.TarFile) -> None:
    member(tar, "python/lib/payload.bin", PAYLOAD)


def archive() -> bytes:
    return build_archive("3.12.3", extra=with_payload)


def start_pyv(world: World, *args: str) -> subprocess.Popen[str]:
    env = world.env(PWD=str(world.work))
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    return subprocess.Popen(
        [sys.executable, "-m", "pyv", *args],
        cwd=world.work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(check: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert proc.poll() is None, f"pyv ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


def nothing_visible(world: World) -> None:
    """No installation, alias link, receipt or shim: what a user or a shim could see."""
    versions = world.root / "versions"
    assert not versions.exists() or list(versions.iterdir()) == []
    shims = world.root / "shims"
    assert not shims.exists() or not [p for p in shims.iterdir() if p.is_symlink()]
    assert not list(world.root.rglob("pyv-receipt.json"))


@pytest.mark.parametrize("matches", [True, False], ids=["sha256-matches", "sha256-mismatch"])
def test_unpacking_starts_as_the_bytes_arrive_and_shows_nothing_before_the_sha256_matches(
    builds: Builds, world: World, server: Server, matches: bool
) -> None:
    data = archive()
    path = builds.add("3.12.3", data, sha256=None if matches else "0" * 64)
    server.faults[path] = ["hold"]  # all but the last kilobyte, until released
    proc = start_pyv(world, "install", "3.12")
    try:
        scratch = world.root / ".scratch"
        wait_for(
            lambda: any(scratch.glob("install-*/.raw/python/lib/payload.bin")),
            proc,
            "unpacking while the download was still arriving",
        )
        nothing_visible(world)
    finally:
        server.release.set()
    _, err = proc.communicate(timeout=60)
    if matches:
        assert (proc.returncode, err) == (0, "installed 3.12.3\n")
        payload = world.root / "versions" / "3.12.3" / "lib" / "payload.bin"
        assert payload.read_bytes() == PAYLOAD
    else:
        assert proc.returncode == 1 and err.count("\n") == 1
        assert err.startswith(f"pyv: sha256 mismatch for {NAME}: expected {'0' * 64}, got ")
        nothing_visible(world)
        assert installed(world) == [] and leftovers(world) == []
        assert not list((world.tmp / "cache").rglob("*.part"))
    assert leftovers(world) == []


@pytest.mark.parametrize(
    "faults",
    [["drop"], ["drop", "no-range"]],
    ids=["resumed-with-a-range", "resumed-by-a-server-that-sends-it-all-again"],
)
def test_a_connection_dropped_mid_stream_still_installs_the_right_files(
    builds: Builds, world: World, server: Server, capsys: Capture, faults: list[str]
) -> None:
    path = builds.add("3.12.3", archive())
    server.faults[path] = list(faults)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 0, err
    ranges = [r for p, r in server.requests if p == path]
    assert len(ranges) == 2 and ranges[1] is not None  # the retry asked for the rest
    payload = world.root / "versions" / "3.12.3" / "lib" / "payload.bin"
    assert payload.read_bytes() == PAYLOAD
    assert leftovers(world) == []


def test_a_part_left_by_a_killed_pyv_is_unpacked_then_resumed(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    data = archive()
    path = builds.add("3.12.3", data)
    part = world.tmp / "cache" / "downloads" / hashlib.sha256(data).hexdigest() / (NAME + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data[: len(data) // 2])
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert [r for p, r in server.requests if p == path] == [f"bytes={len(data) // 2}-"]
    payload = world.root / "versions" / "3.12.3" / "lib" / "payload.bin"
    assert payload.read_bytes() == PAYLOAD
    assert leftovers(world) == []


def evil(tar: tarfile.TarFile) -> None:
    """An unsafe member first, then more than the reader needs to have read it."""
    member(tar, "python/lib/evil", type=tarfile.SYMTYPE, linkname="/etc/passwd")
    with_payload(tar)


@pytest.mark.parametrize("matches", [True, False], ids=["sha256-matches", "sha256-mismatch"])
def test_an_unsafe_member_is_refused_while_streaming_and_the_sha256_speaks_first(
    builds: Builds, world: World, capsys: Capture, matches: bool
) -> None:
    """The reader refuses the member as soon as it arrives; the download goes on to its
    end, so that a download that is not the archive says so rather than its contents."""
    builds.add("3.12.3", build_archive("3.12.3", extra=evil), sha256=None if matches else "0" * 64)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1
    if matches:
        assert err == f"pyv: {NAME}: link out of the archive: python/lib/evil -> /etc/passwd\n"
    else:
        assert err.startswith(f"pyv: sha256 mismatch for {NAME}: ")
    nothing_visible(world)
    assert leftovers(world) == []


def probed_archive(log: Path, *, early_fails: bool = False, os_py: str = "first") -> bytes:
    """An archive whose bin/python3 notes where it ran from, and the home it was given, in
    ``log`` (failing when it runs from the unpacking folder, with ``early_fails``): the
    files it starts from (python3, the encodings) come first, then PAYLOAD, then
    thousands of small files, whose unpacking goes on long after the download is
    verified. ``os_py``: where os.py comes ("first", "last", or "never")."""
    fail = 'case "$0" in */.raw/*) exit 3;; esac\n' if early_fails else ""
    many = '$(ls "$(dirname "$0")/../lib/python3.12/many" 2>/dev/null | wc -l)'
    note = f'#!/bin/sh\necho "$0|${{PYTHONHOME-(found)}}|{many}" >> "{log}"\n{fail}'.encode()
    script = fake_python("3.12.3").replace(b"#!/bin/sh\n", note)
    lib = "python/lib/python3.12"

    def add(tar: tarfile.TarFile) -> None:
        member(tar, "python/bin/python3", script, 0o755)
        if os_py == "first":
            member(tar, f"{lib}/os.py", b"# os\n")
        for module in ("abc", "codecs", "io"):  # what 3.8 to 3.10 need to start
            member(tar, f"{lib}/{module}.py", b"# start\n")
        for module in ("__init__", "aliases", "latin_1", "utf_8"):
            member(tar, f"{lib}/encodings/{module}.py", b"# encodings\n")
        member(tar, f"{lib}/_sysconfigdata__linux.py", b"prefix = '/install'\n")
        with_payload(tar)
        for n in range(3000):
            member(tar, f"{lib}/many/{n}.py", os.urandom(64))
        if os_py == "last":
            member(tar, f"{lib}/os.py", b"# os\n")

    return tar_gz(add)


def probe_runs(builds: Builds, world: World, capsys: Capture, **archive: str | bool) -> list[str]:
    """Install probed_archive(**archive) as 3.12; the runs of its interpreter, in order."""
    log = world.tmp / "ran-from"
    builds.add("3.12.3", probed_archive(log, **archive))  # type: ignore[arg-type]
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    return log.read_text().splitlines()


def test_the_interpreter_does_not_run_before_the_download_is_verified(
    builds: Builds, world: World, server: Server
) -> None:
    log = world.tmp / "ran-from"
    path = builds.add("3.12.3", probed_archive(log))
    server.faults[path] = ["hold"]
    proc = start_pyv(world, "install", "3.12")
    try:
        scratch = world.root / ".scratch"
        # Past the interpreter's files, which come first. (Not much further: during the
        # hold, the last piece the reader waits for may not have come.)
        wait_for(
            lambda: any(scratch.glob("install-*/.raw/python/lib/payload.bin")),
            proc,
            "unpacking past the interpreter's files",
        )
        time.sleep(0.5)  # time enough for an interpreter started too soon to say so
        assert not log.exists()  # they are there, but the download is not verified
    finally:
        server.release.set()
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, "installed 3.12.3\n")
    assert len(log.read_text().splitlines()) == 1


def test_the_interpreter_runs_while_the_rest_unpacks(
    builds: Builds, world: World, capsys: Capture
) -> None:
    ran = probe_runs(builds, world, capsys)
    assert len(ran) == 1, ran
    executable, home, _ = ran[0].split("|")
    assert executable.endswith("/.raw/python/bin/python3"), ran
    assert home == executable[: -len("/bin/python3")]  # given: it need not find os.py


def test_the_interpreter_starts_before_the_file_it_finds_its_home_by(
    builds: Builds, world: World, capsys: Capture
) -> None:
    ran = probe_runs(builds, world, capsys, os_py="last")
    assert len(ran) == 1 and "/.raw/" in ran[0], ran
    assert int(ran[0].split("|")[2]) < 3000  # it ran before the small files were all in


def test_without_os_py_the_interpreter_is_asked_again_finding_its_own_home(
    builds: Builds, world: World, capsys: Capture
) -> None:
    # Given its home, the early run cannot tell that the interpreter would not find it.
    ran = probe_runs(builds, world, capsys, os_py="never")
    assert len(ran) == 2 and "/.raw/" in ran[0], ran
    assert ran[1].split("|")[1] == "(found)" and "/.raw/" not in ran[1], ran


def test_an_interpreter_that_cannot_answer_while_unpacking_is_asked_again(
    builds: Builds, world: World, capsys: Capture
) -> None:
    ran = probe_runs(builds, world, capsys, early_fails=True)
    assert len(ran) == 2 and "/.raw/" in ran[0], ran
    assert "/.raw/" not in ran[1], ran  # the second time, from where it was moved up


# -- a cached archive: unpacked while its sha256 is checked --------------------------------


def test_a_cached_copy_replaced_by_another_archive_is_downloaded_again_not_installed(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    """A cached archive is unpacked as its sha256 is checked, so a copy that is a whole,
    valid archive of something else unpacks completely first: it must still not be what
    is installed."""
    data = archive()
    path = builds.add("3.12.3", data)
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    world.pyv("uninstall", "-y", "3.12.3", capsys=capsys)
    cached = world.tmp / "cache" / "downloads" / hashlib.sha256(data).hexdigest() / NAME
    other = build_archive("3.12.3", extra=lambda tar: member(tar, "python/lib/evil.txt", b"x"))
    cached.write_bytes(other)
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert server.count(path) == 2  # downloaded again
    prefix = world.root / "versions" / "3.12.3"
    assert not (prefix / "lib" / "evil.txt").exists()
    assert (prefix / "lib" / "payload.bin").read_bytes() == PAYLOAD
    assert cached.read_bytes() == data
    assert leftovers(world) == []


def test_a_damaged_cached_copy_offline_installs_nothing(
    builds: Builds, world: World, capsys: Capture
) -> None:
    data = archive()
    builds.add("3.12.3", data)
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    world.pyv("uninstall", "-y", "3.12.3", capsys=capsys)
    cached = world.tmp / "cache" / "downloads" / hashlib.sha256(data).hexdigest() / NAME
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0xFF
    cached.write_bytes(bytes(damaged))
    code, _, err = world.pyv("install", "--offline", "3.12", capsys=capsys)
    assert code == 1 and "is not in the download cache" in err and err.count("\n") == 1, err
    assert installed(world) == [] and leftovers(world) == []
