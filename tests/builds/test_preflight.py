"""The source build's preflight, against a fake system: a fake compiler, fake header
folders and a fake os-release."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyv.builds import preflight
from pyv.builds.preflight import System

ALL_HEADERS = (
    "openssl/ssl.h",
    "zlib.h",
    "bzlib.h",
    "lzma.h",
    "sqlite3.h",
    "ffi.h",
    "readline/readline.h",
    "ncurses.h",
    "uuid/uuid.h",
    "gdbm.h",
    "tk.h",
)


def fake_system(
    tmp_path: Path,
    *,
    without: tuple[str, ...] = (),
    tools: tuple[str, ...] = ("cc", "make"),
    os_id: str = "debian",
    id_like: str = "",
) -> System:
    include = tmp_path / "include"
    for header in ALL_HEADERS:
        if header not in without:
            (include / header).parent.mkdir(parents=True, exist_ok=True)
            (include / header).write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in tools:
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    release = tmp_path / "os-release"
    release.write_text(f'NAME="Some OS"\nID={os_id}\nID_LIKE="{id_like}"\n')
    return System(
        environ={"PATH": str(bin_dir)},
        include_dirs=(str(include),),
        os_release=str(release),
        platform="linux",
    )


def test_a_complete_system_passes(tmp_path: Path) -> None:
    report = preflight.check(fake_system(tmp_path))
    assert report.ok and report.missing == [] and report.optional == []


def test_missing_headers_name_the_debian_packages(tmp_path: Path) -> None:
    system = fake_system(tmp_path, without=("openssl/ssl.h", "ffi.h"))
    report = preflight.check(system)
    assert not report.ok
    assert preflight.refusal("3.11.2", report, system.manager) == (
        "building 3.11.2 needs libssl-dev libffi-dev: sudo apt-get install libssl-dev libffi-dev"
    )
    assert preflight.refusal("3.11.2", report, system.manager, root=True).endswith(
        ": apt-get install libssl-dev libffi-dev"
    )


@pytest.mark.parametrize(
    ("os_id", "id_like", "command"),
    [
        ("ubuntu", "debian", "sudo apt-get install libsqlite3-dev"),
        ("rocky", "rhel centos fedora", "sudo dnf install sqlite-devel"),
        ("fedora", "", "sudo dnf install sqlite-devel"),
        ("alpine", "", "sudo apk add sqlite-dev"),
        ("linuxmint", "ubuntu debian", "sudo apt-get install libsqlite3-dev"),
    ],
)
def test_each_system_gets_its_own_package_manager(
    tmp_path: Path, os_id: str, id_like: str, command: str
) -> None:
    system = fake_system(tmp_path, without=("sqlite3.h",), os_id=os_id, id_like=id_like)
    message = preflight.refusal("3.9.18", preflight.check(system), system.manager)
    assert message.endswith(f": {command}"), message


def test_macos_names_brew(tmp_path: Path) -> None:
    system = fake_system(tmp_path, without=("lzma.h",))
    mac = System(system.environ, system.include_dirs, system.os_release, platform="darwin")
    assert preflight.refusal("3.8.0", preflight.check(mac), mac.manager) == (
        "building 3.8.0 needs xz: brew install xz"
    )


def test_an_unknown_system_names_the_libraries(tmp_path: Path) -> None:
    system = fake_system(tmp_path, without=("bzlib.h",), os_id="gentoo")
    assert preflight.refusal("3.7.17", preflight.check(system), system.manager) == (
        "building 3.7.17 needs bzip2: install bzip2 headers"
    )


def test_no_compiler_and_no_make(tmp_path: Path) -> None:
    system = fake_system(tmp_path, tools=())
    report = preflight.check(system)
    assert report.missing == ["a C compiler", "make"]
    assert preflight.refusal("3.11.2", report, system.manager).endswith(
        "sudo apt-get install build-essential make"
    )


def test_cc_from_the_environment_is_the_compiler(tmp_path: Path) -> None:
    system = fake_system(tmp_path, tools=("make", "my-gcc"))
    assert not preflight.check(system).ok
    with_cc = System(
        {**system.environ, "CC": "my-gcc -O2"}, system.include_dirs, system.os_release, "linux"
    )
    assert preflight.check(with_cc).ok
    missing_cc = System(
        {**system.environ, "CC": "nothing-here"}, system.include_dirs, system.os_release, "linux"
    )
    assert preflight.check(missing_cc).missing == ["a C compiler"]


def test_readline_or_libedit_and_cppflags_folders(tmp_path: Path) -> None:
    system = fake_system(tmp_path, without=("readline/readline.h",))
    assert preflight.check(system).missing == ["readline"]
    extra = tmp_path / "elsewhere"
    (extra / "editline").mkdir(parents=True)
    (extra / "editline" / "readline.h").write_text("")
    flags = System(
        {**system.environ, "CPPFLAGS": f"-I{extra} -DX"},
        system.include_dirs,
        system.os_release,
        "linux",
    )
    assert preflight.check(flags).ok


def test_gdbm_and_tk_are_optional(tmp_path: Path) -> None:
    report = preflight.check(fake_system(tmp_path, without=("gdbm.h", "tk.h")))
    assert report.ok
    assert [n.what for n in report.optional] == ["gdbm", "Tcl/Tk"]


def test_patch_is_needed_only_for_patch_files(tmp_path: Path) -> None:
    system = fake_system(tmp_path)
    assert preflight.check(system).ok
    assert preflight.check(system, patching=True).missing == ["patch"]
