"""pyv install against a real local HTTP server: happy paths, faults, malicious archives."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.conftest import World
from tests.install.conftest import (
    Builds,
    Server,
    build_archive,
    entry,
    installed,
    leftovers,
    member,
    tar_gz,
)
from tests.terminal import Screen, run_in_terminal

Capture = pytest.CaptureFixture[str]


def test_install_a_minor_takes_the_newest_patch(
    builds: Builds, world: World, capsys: Capture
) -> None:
    for version in ("3.12.1", "3.12.3", "3.11.7"):
        builds.add(version)
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    prefix = world.root / "versions" / "3.12.3"
    assert installed(world) == ["3.12.3"]
    receipt = json.loads((prefix / "pyv-receipt.json").read_text())
    assert receipt["source"] == "download" and receipt["sha256"]
    assert (prefix / "bin" / "python").resolve() == (prefix / "bin" / "python3").resolve()
    assert os.readlink(world.root / "versions" / "3.12") == "3.12.3"
    assert (world.root / "shims" / "python3.12").is_symlink()
    assert leftovers(world) == []


@pytest.mark.parametrize("top", ["python", "python/install"])  # install_only, full
def test_the_install_placeholder_becomes_the_real_prefix(
    builds: Builds, world: World, capsys: Capture, top: str
) -> None:
    makefile = "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile"
    deeper = "lib/python3.12/test/data/Makefile"  # test data, left as it is

    def more(tar: tarfile.TarFile) -> None:
        flags = b"LDFLAGS= -L/install/lib -Wl,-rpath,/install/lib -L/tools/install/lib\n"
        member(
            tar, f"{top}/{makefile}", b"prefix=\t\t/install\nCPPFLAGS=-I/install/include\n" + flags
        )
        member(tar, f"{top}/{deeper}", b"prefix=/install\n")
        member(tar, f"{top}/bin/python3.12-config", b"prefix_real=/install\n", 0o755)

    builds.add("3.12.3", build_archive("3.12.3", top=top, extra=more))
    world.pyv("install", "3.12.3", capsys=capsys)
    prefix = world.root / "versions" / "3.12.3"
    sysconfig = (prefix / "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py").read_text()
    assert sysconfig == f"build_time_vars = {{'prefix': '{prefix}', 'LIBDIR': '{prefix}/lib'}}\n"
    assert (prefix / "lib/pkgconfig/python3.pc").read_text().startswith(f"prefix={prefix}\n")
    assert (prefix / makefile).read_text() == (
        f"prefix=\t\t{prefix}\nCPPFLAGS=-I{prefix}/include\n"
        f"LDFLAGS= -L{prefix}/lib -Wl,-rpath,{prefix}/lib -L/tools/install/lib\n"
    )
    assert (prefix / "bin/python3.12-config").read_text() == f"prefix_real={prefix}\n"
    assert (prefix / deeper).read_text() == "prefix=/install\n"
    assert (prefix / "lib/python3.12/os.py").read_text() == "# not /install/x here: /installer\n"


def test_installed_already_is_a_quiet_success_without_network(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    world.pyv("install", "3.12", capsys=capsys)
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "3.12.3 is installed already\n")
    assert world.pyv("install", "-q", "3.12", capsys=capsys) == (0, "", "")
    assert server.count(path) == 1


def test_reinstall_and_install_after_uninstall_come_from_the_cache(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    world.pyv("install", "3.12", capsys=capsys)
    assert world.pyv("install", "--force", "3.12", capsys=capsys)[0] == 0
    world.pyv("uninstall", "-y", "3.12.3", capsys=capsys)
    assert world.pyv("install", "--offline", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert server.count(path) == 1


def test_server_errors_are_retried(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    server.faults[path] = ["500", "429", "503"]
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 0, err
    assert server.count(path) == 4
    assert "HTTP 500; retrying" in err and err.endswith("installed 3.12.3\n")


def test_an_archive_labelled_gzip_encoded_is_saved_as_sent(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    server.faults[path] = ["gzip-label"]
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")


def test_a_404_is_one_line_and_installs_nothing(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    server.faults[path] = ["404"]
    code, out, err = world.pyv("install", "3.12", capsys=capsys)
    assert (code, out) == (1, "")
    assert err.startswith("pyv: cannot download ") and "HTTP 404" in err and err.count("\n") == 1
    assert installed(world) == []


def test_a_dropped_connection_resumes_with_a_range_request(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3", build_archive("3.12.3", padding=400_000))
    server.faults[path] = ["drop"]
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 0, err
    ranges = [r for p, r in server.requests if p == path]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")
    assert int(ranges[1][6:-1]) > 0
    assert installed(world) == ["3.12.3"]


def test_a_stalled_body_times_out_and_is_retried(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYV_HTTP_TIMEOUT", "1")  # the server stalls for 2 s
    path = builds.add("3.12.3", build_archive("3.12.3", padding=100_000))
    server.faults[path] = ["slow"]
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 0, err
    assert "ReadTimeout" in err
    assert installed(world) == ["3.12.3"]


def test_a_wrong_sha256_installs_nothing(builds: Builds, world: World, capsys: Capture) -> None:
    builds.add("3.12.3", sha256="0" * 64)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1
    assert err.startswith("pyv: sha256 mismatch for cpython-3.12.3+20260814")
    assert f"expected {'0' * 64}, got " in err
    assert installed(world) == []
    assert not list((world.tmp / "cache").rglob("*.tar.gz")) + list(
        (world.tmp / "cache").rglob("*.part")
    )


def test_a_truncated_archive_installs_nothing(
    builds: Builds, world: World, capsys: Capture
) -> None:
    data = build_archive("3.12.3", padding=200_000)
    builds.add("3.12.3", data[: len(data) // 2])  # its sha256 is right: the archive is broken
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1
    assert "is corrupt or truncated" in err and err.count("\n") == 1
    assert installed(world) == []
    world.pyv("versions", capsys=capsys)  # any later writer cleans the scratch area
    world.pyv("install", "--list", capsys=capsys)


def evil_absolute(tar: tarfile.TarFile) -> None:
    member(tar, "/tmp/pyv-evil-absolute", b"x")


def evil_dotdot(tar: tarfile.TarFile) -> None:
    member(tar, "python/../../evil-dotdot", b"x")


def evil_symlink(tar: tarfile.TarFile) -> None:
    member(tar, "python/bin/evil", type=tarfile.SYMTYPE, linkname="/etc/passwd")


def evil_relative_symlink(tar: tarfile.TarFile) -> None:
    member(tar, "python/lib/evil", type=tarfile.SYMTYPE, linkname="../../../../etc")


def evil_hardlink(tar: tarfile.TarFile) -> None:
    member(tar, "python/lib/evil", type=tarfile.LNKTYPE, linkname="/etc/passwd")


def evil_device(tar: tarfile.TarFile) -> None:
    member(tar, "python/dev-null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)


def evil_fifo(tar: tarfile.TarFile) -> None:
    member(tar, "python/fifo", type=tarfile.FIFOTYPE)


@pytest.mark.parametrize(
    "evil",
    [
        evil_absolute,
        evil_dotdot,
        evil_symlink,
        evil_relative_symlink,
        evil_hardlink,
        evil_device,
        evil_fifo,
    ],
    ids=lambda f: f.__name__,
)
def test_malicious_archives_are_refused(
    builds: Builds, world: World, capsys: Capture, evil: object
) -> None:
    builds.add("3.12.3", build_archive("3.12.3", extra=evil))  # type: ignore[arg-type]
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1
    assert (
        err.startswith("pyv: ") and ("unsafe" in err or "link out" in err) and err.count("\n") == 1
    )
    assert installed(world) == []
    assert not Path("/tmp/pyv-evil-absolute").exists()
    assert not (world.tmp / "evil-dotdot").exists()


@pytest.mark.parametrize("top", ["python", "python/install", "python/bin"])
@pytest.mark.parametrize("how", ["install", "--from"])
def test_a_top_folder_that_is_a_link_out_moves_and_deletes_nothing(
    builds: Builds, world: World, capsys: Capture, top: str, how: str
) -> None:
    """The archive's python/ (or python/install/) is a symlink to a folder outside it that
    looks like a Python prefix: pyv must not move that folder's files into versions/ (nor
    into scratch, which the next pyv empties)."""
    victim = world.tmp / "victim"
    (victim / "bin").mkdir(parents=True)
    (victim / "bin/python3").write_bytes(b"#!/bin/sh\nexit 1\n")
    (victim / "precious.txt").write_text("keep me")
    climb = "../" * (len(Path(world.root).parts) + 4)

    def link_out(tar: tarfile.TarFile) -> None:
        if top != "python":
            member(tar, "python", type=tarfile.DIRTYPE, mode=0o755)
        target = victim / "bin" if top == "python/bin" else victim
        member(tar, top, type=tarfile.SYMTYPE, linkname=climb + str(target).lstrip("/"))

    data = tar_gz(link_out)
    if how == "install":
        builds.add("3.12.3", data)
        code, _, err = world.pyv("install", "3.12", capsys=capsys)
    else:
        archive = world.tmp / "evil.tar.gz"
        archive.write_bytes(data)
        code, _, err = world.pyv("install", "--from", str(archive), capsys=capsys)
    assert code == 1 and err.startswith("pyv: ") and err.count("\n") == 1, err
    assert "link out" in err or "unsafe" in err or "not a python-build-standalone" in err
    world.pyv("install", "--list", capsys=capsys)  # a later writer empties the scratch area
    assert installed(world) == []
    assert sorted(p.name for p in victim.iterdir()) == ["bin", "precious.txt"]
    assert (victim / "precious.txt").read_text() == "keep me"


def test_an_archive_that_is_not_python_is_refused(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.3", tar_gz(lambda tar: member(tar, "something/else", b"x")))
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and "not a python-build-standalone archive" in err
    assert installed(world) == []


def test_an_archive_with_the_wrong_version_is_refused(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.3", build_archive("3.12.2"))
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert (code, err) == (1, "pyv: the archive holds Python 3.12.2, not 3.12.3\n")
    assert installed(world) == []


def test_a_full_zstd_archive_installs_its_install_folder(
    builds: Builds, world: World, capsys: Capture
) -> None:
    import zstandard

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        gz_data = io.BytesIO(build_archive("3.13.1", variant="t", top="python/install"))
        with tarfile.open(fileobj=gz_data) as gz:
            for info in gz:
                tar.addfile(info, gz.extractfile(info) if info.isfile() else None)
        member(tar, "python/build/huge.o", b"x" * 1000)
        member(tar, "python/PYTHON.json", b"{}")
    data = zstandard.ZstdCompressor().compress(raw.getvalue())
    filename = "cpython-3.13.1+20260814-x86_64-unknown-linux-gnu-freethreaded+pgo+lto-full.tar.zst"
    builds.add("3.13.1", data, variant="freethreaded", filename=filename)
    assert world.pyv("install", "3.13t", capsys=capsys) == (0, "", "installed 3.13.1t\n")
    prefix = world.root / "versions" / "3.13.1t"
    assert (prefix / "bin" / "python3").is_file() and not (prefix / "build").exists()
    assert os.readlink(world.root / "versions" / "3.13t") == "3.13.1t"


def test_several_versions_install_at_once(builds: Builds, world: World, capsys: Capture) -> None:
    for version in ("3.11.7", "3.12.3", "3.13.1", "3.14.0rc1"):
        builds.add(version)
    code, _, err = world.pyv("install", "3.11", "3.12", "3.13", "3.14.0rc1", capsys=capsys)
    assert code == 0, err
    assert installed(world) == ["3.11.7", "3.12.3", "3.13.1", "3.14.0rc1"]
    assert os.readlink(world.root / "versions" / "3") == "3.13.1"


def test_install_without_arguments_installs_what_the_project_selects(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.11.7")
    builds.add("3.12.3")
    (world.work / ".python-version").write_text("3.12\n3.11.7\n")
    assert world.pyv("install", capsys=capsys)[0] == 0
    assert installed(world) == ["3.11.7", "3.12.3"]
    assert world.pyv("install", capsys=capsys)[2].startswith("the selected versions are installed")


def test_unknown_version_is_a_clear_error(builds: Builds, world: World, capsys: Capture) -> None:
    builds.add("3.12.3")
    assert world.pyv("install", "3.9", capsys=capsys) == (
        1,
        "",
        "pyv: no build of Python `3.9' for linux-x86_64-gnu; see `pyv install --list'\n",
    )
    assert world.pyv("install", "banana", capsys=capsys) == (
        1,
        "",
        "pyv: invalid version `banana': not a version request\n",
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PYV_HTTP_TIMEOUT", "abc", "a number of seconds above 0, at most 86400"),
        ("PYV_HTTP_TIMEOUT", "0", "a number of seconds above 0, at most 86400"),
        # more than a socket can wait: was an internal error
        ("PYV_HTTP_TIMEOUT", "1e10", "a number of seconds above 0, at most 86400"),
        ("PYV_HTTP_RETRIES", "-1", "a whole number, 0 or more"),
        ("PYV_HTTP_RETRIES", "2.5", "a whole number, 0 or more"),
    ],
)
def test_a_bad_download_setting_is_one_line(
    builds: Builds,
    world: World,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    builds.add("3.12.3")
    monkeypatch.setenv(variable, value)
    assert world.pyv("install", "3.12", capsys=capsys) == (
        1,
        "",
        f"pyv: {variable} must be {message}, not `{value}'\n",
    )
    assert installed(world) == []


@pytest.mark.parametrize(
    ("field", "value"), [("url", None), ("url", 12), ("sha256", "abc"), ("sha256", None)]
)
def test_a_catalog_entry_without_a_usable_url_or_sha256_is_not_offered(
    builds: Builds, world: World, capsys: Capture, field: str, value: object
) -> None:
    builds.add("3.12.3")
    builds.add("3.12.4")
    entry = builds.catalog["cpython-3.12.4-linux-x86_64-gnu"]
    assert isinstance(entry, dict)
    entry[field] = value
    builds.path.write_text(json.dumps(builds.catalog))
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert world.pyv("install", "--list", capsys=capsys)[1] == "3.12.3 (installed)\n"


def test_offline_names_the_missing_file(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    code, _, err = world.pyv("install", "--offline", "3.12", capsys=capsys)
    assert code == 1
    name = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    assert f"{name} is not in the download cache" in err
    assert server.count(path) == 0


def test_a_mirror_replaces_the_upstream_prefix(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = builds.add("3.12.3")
    for value in builds.catalog.values():
        assert isinstance(value, dict)
        value["url"] = (
            "https://github.com/astral-sh/python-build-standalone/releases/download"
            + path[len("/releases") :]
        )
    builds.path.write_text(json.dumps(builds.catalog))
    monkeypatch.setenv("PYV_MIRROR", server.base + "/releases")
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert server.count(path) == 1


def test_a_file_mirror(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = builds.add("3.12.3")
    folder = world.tmp / "mirror dir"
    folder.mkdir()
    (folder / path.rsplit("/", 1)[-1].replace("%2B", "+")).write_bytes(builds.server.files[path])
    for value in builds.catalog.values():
        assert isinstance(value, dict)
        value["url"] = (
            "https://github.com/astral-sh/python-build-standalone/releases/download/"
            + path.rsplit("/", 1)[-1]
        )
    builds.path.write_text(json.dumps(builds.catalog))
    monkeypatch.setenv("PYV_MIRROR", folder.as_uri())
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")


def test_install_from_a_file_and_from_a_url(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    archive = world.tmp / "my build.tar.gz"
    archive.write_bytes(build_archive("3.10.13"))
    assert world.pyv("install", "--from", str(archive), capsys=capsys) == (
        0,
        "",
        "installed 3.10.13\n",
    )
    server.files["/mine.tar.gz"] = build_archive("3.9.18")
    url = server.base + "/mine.tar.gz"
    assert world.pyv("install", "--from", url, capsys=capsys) == (
        2,
        "",
        "pyv: --from with a URL needs --sha256: pyv installs nothing unverified\n",
    )
    import hashlib

    sha = hashlib.sha256(server.files["/mine.tar.gz"]).hexdigest()
    assert world.pyv("install", "--from", url, "--sha256", sha, capsys=capsys)[0] == 0
    assert installed(world) == ["3.10.13", "3.9.18"]


def test_list_latest_known_and_upgrade(builds: Builds, world: World, capsys: Capture) -> None:
    for version in ("3.12.1", "3.13.1"):
        builds.add(version)
    # One archive for both platforms: they share a URL, and a second archive made a
    # second later differs (gzip records the time), so the first's sha256 would not match.
    same = build_archive("3.12.3")
    builds.add("3.12.3", same)
    builds.add("3.13.1", variant="freethreaded")
    builds.add("3.12.3", same, platform="darwin-aarch64-none")
    world.pyv("install", "3.12.1", capsys=capsys)
    assert (
        world.pyv("install", "--list", capsys=capsys)[1]
        == "3.13.1\n3.12.3\n3.12.1 (installed)\n3.13.1t\n"  # releases first
    )
    assert (
        world.pyv("install", "--list", "3.12", capsys=capsys)[1] == "3.12.3\n3.12.1 (installed)\n"
    )
    listed = json.loads(
        world.pyv("install", "--list", "--json", "--all-platforms", capsys=capsys)[1]
    )
    assert {row["platform"] for row in listed} == {"darwin-aarch64-none", "linux-x86_64-gnu"}
    assert world.pyv("latest", "--known", "3.12", capsys=capsys) == (0, "3.12.3\n", "")
    (world.work / ".python-version").write_text("3.12\n")
    assert world.pyv("version-name", capsys=capsys)[1] == "3.12.1\n"
    code, _, err = world.pyv("upgrade", capsys=capsys)
    assert (code, err) == (0, "installed 3.12.3\n")
    assert world.pyv("version-name", capsys=capsys)[1] == "3.12.3\n"  # the project follows
    assert installed(world) == ["3.12.1", "3.12.3"]
    assert world.pyv("upgrade", capsys=capsys)[2] == "3.12: 3.12.3 is the newest\n"


def unused_port() -> int:
    """A port on 127.0.0.1 that nobody listens on."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_pyv(world: World, *args: str) -> subprocess.Popen[str]:
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


def test_two_installs_of_one_version_at_once(builds: Builds, world: World, server: Server) -> None:
    path = builds.add("3.12.3", build_archive("3.12.3", padding=2_000_000))
    first, second = run_pyv(world, "install", "3.12"), run_pyv(world, "install", "3.12")
    results = [(*p.communicate(timeout=60), p.returncode) for p in (first, second)]
    assert [r[2] for r in results] == [0, 0], results
    messages = sorted(r[1].splitlines()[-1] for r in results)
    assert messages == ["3.12.3 is installed already", "installed 3.12.3"]
    assert server.count(path) == 1
    assert installed(world) == ["3.12.3"]


def test_a_kill_during_extraction_leaves_the_old_state(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.3", build_archive("3.12.3", padding=30_000_000))
    # Download first, so the killed run spends its time unpacking.
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    world.pyv("uninstall", "-y", "3.12.3", capsys=capsys)
    proc = run_pyv(world, "install", "--offline", "3.12")
    scratch = world.root / ".scratch"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(scratch.glob("install-*/.raw")):
        time.sleep(0.005)
    proc.kill()
    proc.communicate()
    assert any(scratch.glob("install-*")), "the kill came too late to test anything"
    assert installed(world) == []
    assert world.pyv("versions", "--bare", capsys=capsys) == (0, "", "")
    assert world.pyv("install", "--offline", "3.12", capsys=capsys)[0] == 0
    assert installed(world) == ["3.12.3"]
    assert leftovers(world) == []


@pytest.mark.parametrize("how", ["killed", "interrupted"])
def test_a_forced_reinstall_cut_short_between_its_renames_loses_nothing(
    builds: Builds, world: World, capsys: Capture, how: str
) -> None:
    builds.add("3.12.3")
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    old = world.root / "versions" / "3.12.3"
    (old / "the-old-one").write_text("")
    # registry.commit runs between the two renames: the old folder is aside by then.
    die = "os.kill(os.getpid(), signal.SIGKILL)" if how == "killed" else "raise KeyboardInterrupt"
    script = (
        "import os, signal\nfrom pyv import registry\nfrom pyv.main import main\n"
        f"def commit(*args):\n    {die}\n"
        "registry.commit = commit\nraise SystemExit(main(['install', '--force', '3.12']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=world.env(),
        cwd=world.work,
        capture_output=True,
        check=False,
    )
    if how == "killed":
        assert done.returncode == -9
        assert installed(world) == []  # both whole in the scratch area, until the next writer
        code, _, err = world.pyv("install", "--offline", "3.12", capsys=capsys)
        assert (code, err) == (0, "3.12.3 is installed already\n")
    else:
        assert done.returncode == 130  # put back at once
    assert installed(world) == ["3.12.3"] and (old / "the-old-one").exists()
    assert world.pyv("install", "--force", "--offline", "3.12", capsys=capsys)[0] == 0
    assert not (old / "the-old-one").exists()
    assert leftovers(world) == []


def test_a_terminal_sees_the_download_then_each_phase_then_the_result(
    builds: Builds, world: World
) -> None:
    path = builds.add("3.12.3", build_archive("3.12.3", padding=3_000_000, probe_delay=0.3))
    builds.server.faults[path] = ["throttle"]
    env = world.env(PWD=str(world.work))
    command = [sys.executable, "-m", "pyv", "install", "3.12"]
    code, output = run_in_terminal(command, env=env, cwd=world.work)
    assert code == 0, output
    text = output.decode()
    transfer = r" +\d+%  [\d.]+/[\d.]+ [kM]B  [\d.]+ [kM]B/s"  # done, of the size, speed
    assert re.search(r"3\.12\.3: downloading" + transfer, text), text
    # Past the download, the line says what it is doing instead of freezing at 99%.
    after = text[text.rindex("3.12.3: downloading") :]
    assert after.index("3.12.3: unpacking") < after.index("3.12.3: checking"), text
    screen = Screen(output)
    assert len(screen.lines()) == 1, screen.lines()
    assert re.fullmatch(r"installed 3\.12\.3 in \d+(\.\d)? s", screen.lines()[0])
    assert screen.at_a_clean_line()
    builds.server.faults[path] = ["throttle"]
    quiet = [*command[:-1], "-q", "--force", "3.12"]
    assert run_in_terminal(quiet, env=env, cwd=world.work) == (0, b"")


def test_a_refused_connection_is_retried_then_one_line(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = unused_port()
    builds.add("3.12.3")
    for value in builds.catalog.values():
        assert isinstance(value, dict)
        value["url"] = f"http://127.0.0.1:{port}/x.tar.gz"
    builds.path.write_text(json.dumps(builds.catalog))
    monkeypatch.setenv("PYV_HTTP_RETRIES", "2")
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    lines = err.splitlines()
    assert code == 1 and len(lines) == 3  # two "retrying" lines, then the error
    assert lines[-1] == (
        "pyv: cannot download x.tar.gz after 3 tries: ConnectError: [Errno 111] Connection refused"
    )


def test_an_unknown_host_is_one_line_at_once(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    builds.add("3.12.3", base="http://pyv-mirror.invalid")  # never resolves (RFC 2606)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1 and "retrying" not in err
    assert err.startswith("pyv: cannot download cpython-3.12.3+20260814-") and "known" in err


def test_a_proxy_that_refuses_is_retried_then_one_line(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = unused_port()
    for name in ("http_proxy", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://user:secret@127.0.0.1:{port}")
    monkeypatch.setenv("PYV_HTTP_RETRIES", "1")
    builds.add("3.12.3")
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    lines = err.splitlines()
    assert code == 1 and len(lines) == 2 and "retrying" in lines[0]
    assert lines[1].startswith("pyv: cannot download ") and "after 2 tries: " in lines[1]
    assert lines[1].endswith(f" (through the proxy http://127.0.0.1:{port})")  # no password
    assert installed(world) == []


def test_update_catalog_keeps_a_newer_list_in_the_cache(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds.add("3.15.0")
    server.files["/metadata.json"] = builds.path.read_bytes()
    monkeypatch.delenv("PYV_CATALOG")
    assert "3.15.0" not in world.pyv("install", "--list", "3.15", capsys=capsys)[1]
    assert world.pyv("update-catalog", server.base + "/metadata.json", capsys=capsys) == (
        0,
        "",
        "catalog updated: 1 CPython builds\n",
    )
    assert world.pyv("install", "--list", capsys=capsys)[1] == "3.15.0\n"
    assert world.pyv("install", "3.15", capsys=capsys) == (0, "", "installed 3.15.0\n")


def test_update_catalog_refuses_a_list_without_builds(
    world: World, server: Server, capsys: Capture
) -> None:
    server.files["/empty.json"] = b"{}"
    code, _, err = world.pyv("update-catalog", server.base + "/empty.json", capsys=capsys)
    assert (code, err) == (1, f"pyv: {server.base}/empty.json lists no CPython builds\n")


def test_installed_files_belong_to_the_installer_not_the_archive(
    builds: Builds, world: World, capsys: Capture
) -> None:
    def owned(tar: tarfile.TarFile) -> None:
        member(tar, "python/lib/owned.txt", b"x", uid=12345, gid=12345, uname="nobody-here")

    builds.add("3.12.3", build_archive("3.12.3", extra=owned))
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    stat = (world.root / "versions" / "3.12.3" / "lib" / "owned.txt").stat()
    assert (stat.st_uid, stat.st_gid) == (os.getuid(), os.getgid())


def test_downloads_go_through_the_proxy_the_environment_names(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.base)
    # .invalid never resolves (RFC 2606): only the proxy can fetch it.
    path = builds.add("3.12.3", base="http://pyv-mirror.invalid")
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    assert [p for p, _ in server.requests] == ["http://pyv-mirror.invalid" + path]


@pytest.fixture
def certificate(world: World) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate with")
    cert, key = world.tmp / "cert.pem", world.tmp / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_trusts_the_bundle_ssl_cert_file_names_and_nothing_else(
    builds: Builds,
    world: World,
    server: Server,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    certificate: tuple[Path, Path],
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    builds.add("3.12.3", base=server.https(*certificate))
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1
    assert "CERTIFICATE_VERIFY_FAILED" in err and "retrying" not in err  # certifi's bundle only
    assert installed(world) == []
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")


def test_plain_install_skips_typer_and_says_what_the_typer_path_says(
    builds: Builds, world: World, capsys: Capture
) -> None:
    from pyv.cli import run

    builds.add("3.12.3")
    code = (
        "import sys\nfrom pyv.main import main\n"
        "print(main(['install', '-q', '3.12']), 'typer' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=world.env(), check=True
    )
    assert (done.stdout, done.stderr) == ("0 False\n", "")
    assert installed(world) == ["3.12.3"]
    for args in (["install", "3.12"], ["install", "-f", "--offline", "3.12"], ["install", "9.9"]):
        hot = world.pyv(*args, capsys=capsys)
        assert hot == (run(args), *capsys.readouterr()), args
    assert installed(world) == ["3.12.3"]


def serve_catalog(builds: Builds, server: Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """Serve the catalog itself from the server, and point PYV_CATALOG at its URL."""
    server.files["/catalog.json"] = builds.path.read_bytes()
    url = server.base + "/catalog.json"
    monkeypatch.setenv("PYV_CATALOG", url)
    return url


def test_a_catalog_url_that_fails_is_one_line_and_5xx_is_retried(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds.add("3.12.3")
    url = serve_catalog(builds, server, monkeypatch)
    server.faults["/catalog.json"] = ["500", "404"]
    code, out, err = world.pyv("install", "--list", capsys=capsys)
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == f"pyv: cannot download the catalog {url}: HTTP 404 Not Found"
    assert len(err.splitlines()) == 2 and "retrying" in err.splitlines()[0]  # the 500
    assert server.count("/catalog.json") == 2


def test_a_catalog_url_is_kept_for_offline_use_and_for_a_server_that_is_down(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds.add("3.12.3")
    url = serve_catalog(builds, server, monkeypatch)
    code, _, err = world.pyv("install", "--offline", "3.12", capsys=capsys)
    assert (code, err) == (1, f"pyv: the catalog {url} was never fetched, and --offline is set\n")
    assert world.pyv("install", "-q", "3.12", capsys=capsys)[0] == 0  # catalog and archive fetched
    assert world.pyv("uninstall", "-y", "3.12.3", capsys=capsys)[0] == 0
    asked = len(server.requests)
    assert world.pyv("install", "--offline", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert len(server.requests) == asked  # neither the catalog nor the archive was asked for
    monkeypatch.setenv("PYV_HTTP_RETRIES", "0")
    server.faults["/catalog.json"] = ["503"]
    code, out, err = world.pyv("install", "--list", capsys=capsys)
    assert (code, out) == (0, "3.12.3 (installed)\n")
    assert err == (
        f"pyv: warning: cannot download the catalog {url} after 1 try: HTTP 503;"
        " using the copy fetched before\n"
    )


def test_a_saved_catalog_gives_way_to_a_newer_shipped_one(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyv.builds import catalog

    def listing(version: str, tag: str) -> bytes:
        key, value = entry(version, server.base + f"/{version}.tar.gz", "0" * 64)
        return json.dumps({key: {**value, "build": tag}}).encode()

    shipped = world.tmp / "shipped.json"
    shipped.write_bytes(listing("3.12.3", "20260814"))
    monkeypatch.setattr(catalog, "SHIPPED", str(shipped))
    monkeypatch.delenv("PYV_CATALOG")
    server.files["/newer.json"] = listing("3.15.0", "20260901")
    assert world.pyv("update-catalog", server.base + "/newer.json", capsys=capsys)[0] == 0
    saved = world.tmp / "cache" / "catalog.json"
    assert world.pyv("install", "--list", capsys=capsys)[1] == "3.15.0\n"

    # pyv installed again later, its shipped catalog no newer: the saved one stays in force
    os.utime(shipped, (time.time() + 10, time.time() + 10))
    assert world.pyv("install", "--list", capsys=capsys)[1] == "3.15.0\n"
    assert saved.stat().st_mtime >= shipped.stat().st_mtime  # compared once, not every time

    # a pyv upgrade ships newer builds than the saved list: the saved list goes
    shipped.write_bytes(listing("3.16.0", "20261001"))
    os.utime(shipped, (time.time() + 20, time.time() + 20))
    assert world.pyv("install", "--list", capsys=capsys)[1] == "3.16.0\n"
    assert not saved.exists()


def test_tls_that_cannot_work_is_one_line_at_once(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    """An https URL on a server that speaks plain HTTP: no retries, one line."""
    builds.add("3.12.3", base=server.base.replace("http://", "https://"))
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1 and "retrying" not in err, err
    assert err.startswith("pyv: cannot download cpython-3.12.3+") and "SSL" in err
    assert installed(world) == []


def test_install_options_that_do_not_go_together_are_usage_errors(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.3")
    archive = world.tmp / "a.tar.gz"
    archive.write_bytes(build_archive("3.12.3"))
    for args, message in [
        (["3.13", "--from", str(archive)], "--from installs the one archive it names"),
        (["3.12", "--sha256", "a" * 64], "--sha256 goes with --from"),
        (["--from", str(archive), "--sha256", "deadbeef"], "--sha256 takes 64 hexadecimal"),
        (["--list", "--from", str(archive)], "--list takes no --from"),
        (["3.12", "--json"], "--json, --all-platforms and --implementation go with --list"),
        (["--all-platforms"], "--json, --all-platforms and --implementation go with --list"),
    ]:
        code, out, err = world.pyv("install", *args, capsys=capsys)
        assert (code, out) == (2, ""), args
        assert err.startswith(f"pyv: {message}") and err.count("\n") == 1, err
    assert installed(world) == []
    assert not (world.tmp / "cache").exists()  # nothing was fetched, no lock file left


def test_all_platforms_marks_this_platforms_installed_builds(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.3")
    builds.add("3.12.3", platform="darwin-aarch64-none")
    world.pyv("install", "3.12.3", capsys=capsys)
    assert world.pyv("install", "--list", "--all-platforms", capsys=capsys)[1] == (
        "3.12.3  darwin-aarch64-none\n3.12.3  linux-x86_64-gnu (installed)\n"
    )
    rows = json.loads(world.pyv("install", "--list", "--all-platforms", "--json", capsys=capsys)[1])
    assert [(r["platform"], r["installed"]) for r in rows] == [
        ("darwin-aarch64-none", False),
        ("linux-x86_64-gnu", True),
    ]


def test_upgrade_says_what_it_cannot_do(builds: Builds, world: World, capsys: Capture) -> None:
    builds.add("3.15.0a1")
    builds.add("3.12.3")
    assert world.pyv("upgrade", capsys=capsys) == (
        0,
        "",
        "nothing to upgrade: no version is installed\n",
    )
    assert world.pyv("install", "-q", "3.15.0a1", capsys=capsys)[0] == 0
    assert world.pyv("upgrade", capsys=capsys) == (
        0,
        "",
        "3.15: no release yet (3.15.0a1 installed)\n",
    )
    assert world.pyv("upgrade", "3.11", capsys=capsys) == (
        1,
        "",
        "pyv: no build of Python `3.11' for this platform; see `pyv install --list'\n",
    )
    builds.add("3.15.0")  # the release comes out: the preview's minor moves to it
    assert world.pyv("upgrade", capsys=capsys) == (0, "", "installed 3.15.0\n")
    assert os.readlink(world.root / "versions" / "3.15") == "3.15.0"


@pytest.mark.parametrize("size", [100_000, 5_000_000])
def test_a_damaged_partial_download_is_started_over_once(
    builds: Builds, world: World, server: Server, capsys: Capture, size: int
) -> None:
    """A .part file that is not the start of the archive (smaller, or larger than it)."""
    data = build_archive("3.12.3", padding=400_000)
    path = builds.add("3.12.3", data)
    sha256 = hashlib.sha256(data).hexdigest()
    name = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    part = world.tmp / "cache" / "downloads" / sha256 / (name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(os.urandom(size))
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert [r for p, r in server.requests if p == path][-1] is None  # the whole file, again
    assert not part.exists()


def test_an_interpreter_that_does_not_answer_is_named_by_its_archive(
    builds: Builds, world: World, capsys: Capture
) -> None:
    def broken(tar: tarfile.TarFile) -> None:
        member(tar, "python/bin/python3", b"#!/bin/sh\nexit 3\n", 0o755)

    builds.add("3.12.3", build_archive("3.12.3", extra=broken))
    name = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    assert world.pyv("install", "3.12", capsys=capsys) == (
        1,
        "",
        f"pyv: the bin/python3 of {name} did not answer as a Python interpreter\n",
    )
    assert installed(world) == []


def test_an_archive_without_bin_python3_is_refused(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add(
        "3.12.3", tar_gz(lambda tar: member(tar, "python/bin/python3.12", b"#!/bin/sh\n", 0o755))
    )
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.endswith(" has no python/bin/python3: not a CPython build\n"), err


def test_a_build_for_another_platform_that_cannot_run_here_is_refused(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyv import platforms

    here = str(platforms.detect())
    other = "linux-riscv64-gnu" if "riscv64" not in here else "linux-s390x-gnu"

    def foreign(tar: tarfile.TarFile) -> None:  # an executable this kernel cannot start
        member(tar, "python/bin/python3", b"\x7fELF\x02\x01\x01" + bytes(57), 0o755)

    builds.add("3.12.3", build_archive("3.12.3", extra=foreign), platform=other)
    monkeypatch.setenv("PYV_PLATFORM", other)
    assert world.pyv("install", "--list", capsys=capsys)[1] == "3.12.3\n"
    assert world.pyv("install", "3.12", capsys=capsys) == (
        1,
        "",
        f"pyv: the {other} build of 3.12.3 does not run on this machine ({here}),"
        " so pyv cannot check it: nothing was installed\n",
    )
    assert installed(world) == []
    monkeypatch.setenv("PYV_PLATFORM", "bogus")
    assert world.pyv("install", "3.12", capsys=capsys) == (
        1,
        "",
        "pyv: PYV_PLATFORM: invalid platform `bogus': expected OS-ARCH-LIBC,"
        " e.g. linux-x86_64-gnu\n",
    )


def test_a_file_that_is_not_an_archive_is_one_plain_line(world: World, capsys: Capture) -> None:
    text = world.tmp / "passwd"
    text.write_text("root:x:0:0:root:/root:/bin/bash\n" * 40)
    code, _, err = world.pyv("install", "--from", str(text), capsys=capsys)
    assert (code, err) == (
        1,
        "pyv: passwd is corrupt or truncated: not a tar archive, or a damaged one"
        " (a header number is not octal)\n",
    )


@pytest.mark.parametrize(
    ("top", "climb"), [("python", "../../python/lib"), ("python/install", "../../install/lib")]
)
def test_a_link_that_climbs_out_of_the_installation_folder_and_back_is_refused(
    builds: Builds, world: World, capsys: Capture, top: str, climb: str
) -> None:
    """Inside the archive's python/ before it moves up, beside versions/3.12.3 after."""

    def sneaky(tar: tarfile.TarFile) -> None:
        member(tar, f"{top}/bin/sneaky", type=tarfile.SYMTYPE, linkname=climb)

    builds.add("3.12.3", build_archive("3.12.3", top=top, extra=sneaky))
    name = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    assert world.pyv("install", "3.12", capsys=capsys) == (
        1,
        "",
        f"pyv: {name}: link out of {top}/: {top}/bin/sneaky -> {climb}\n",
    )
    assert installed(world) == []


def test_archive_messages_name_the_archive_and_the_member_never_a_scratch_folder(
    builds: Builds, world: World, capsys: Capture
) -> None:
    def raw(tar: tarfile.TarFile) -> None:  # the name of pyv's own unpacking folder
        member(tar, "python/.raw", b"not the unpacking folder")

    builds.add("3.12.3", build_archive("3.12.3", extra=raw))
    assert world.pyv("install", "3.12.3", capsys=capsys) == (0, "", "installed 3.12.3\n")
    assert (world.root / "versions" / "3.12.3" / ".raw").read_bytes() == b"not the unpacking folder"

    def under_a_file(tar: tarfile.TarFile) -> None:
        member(tar, "python/lib/data", b"a file")
        member(tar, "python/lib/data/inside.py", b"cannot be: data is a file")

    builds.add("3.12.4", build_archive("3.12.4", extra=under_a_file))
    name = "cpython-3.12.4+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    assert world.pyv("install", "3.12.4", capsys=capsys) == (
        1,
        "",
        f"pyv: {name}: cannot unpack python/lib/data/inside.py: File exists\n",
    )
    assert installed(world) == ["3.12.3"]


def test_list_says_when_nothing_matches_and_shows_releases_first(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.3")
    builds.add("3.13.1", variant="freethreaded")
    builds.add("3.15.0a1")
    builds.add("3.14.0")
    assert world.pyv("install", "--list", capsys=capsys)[1] == (
        "3.14.0\n3.12.3\n3.15.0a1\n3.13.1t\n"
    )
    code, out, err = world.pyv("install", "--list", "3.10", capsys=capsys)
    assert (code, out, err) == (1, "", "pyv: no build of Python `3.10' for linux-x86_64-gnu\n")


def test_a_prebuilt_install_imports_nothing_it_does_not_need(world: World, builds: Builds) -> None:
    """What an install imports is time before its first byte, or CPU beside its
    inflater: each of these took 2 to 10 ms to import here."""
    builds.add("3.12.1")
    builds.add("3.11.7")
    done = world.run("install", "3.12.1", "3.11.7", PYTHONPROFILEIMPORTTIME="1")
    assert done.returncode == 0, done.stderr
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {"pyv.builds.install", "hashlib"} <= imported  # the list is the real one
    heavy = {"shutil", "tempfile", "concurrent.futures", "logging", "encodings.idna"}
    heavy |= {"gzip", "isal.igzip", "typer", "dataclasses", "inspect"}
    heavy |= {"urllib.parse", "ipaddress"}  # plain URLs and %2B are read without them
    assert not imported & heavy
