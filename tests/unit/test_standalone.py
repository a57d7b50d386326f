"""python-build-standalone's /install placeholder, rewritten on bytes (the install of a
whole archive is tests/install's)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyv.builds import standalone
from pyv.builds.standalone import with_prefix

PREFIX = "/home/me/.pyv/versions/3.12.3"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"prefix=/install\n", b"prefix=@\n"),
        (b"prefix=\t\t/install", b"prefix=\t\t@"),  # at the very end
        (b"'prefix': '/install',", b"'prefix': '@',"),
        (b'"LIBDIR": "/install/lib"', b'"LIBDIR": "@/lib"'),
        (b"-I/install/include -L/install/lib", b"-I@/include -L@/lib"),
        (b"-Wl,-rpath,/install/lib", b"-Wl,-rpath,@/lib"),
        (b"PATH=/install/bin:/install/sbin;", b"PATH=@/bin:@/sbin;"),
        (b"a\n/install\nb /install c", b"a\n@\nb @ c"),
    ],
)
def test_the_placeholder_becomes_the_prefix(before: bytes, after: bytes) -> None:
    assert with_prefix(before, PREFIX) == after.replace(b"@", PREFIX.encode())


@pytest.mark.parametrize(
    "text",
    [
        b"-L/tools/install/lib",  # inside another path
        b"/usr/install/x",
        b"./install/x",
        b"my-install/x",
        b"/installer",  # inside a name
        b"/install_dir",
        b"/install.py",
        b"-Dinstall/x",
        b"",
    ],
)
def test_other_paths_and_names_stay(text: bytes) -> None:
    assert with_prefix(text, PREFIX) == text


def test_the_prefix_is_taken_literally() -> None:
    odd = "/srv/a\\1b\\n/\\g<0>/versions/3.12.3"  # what a regex would read as escapes
    assert with_prefix(b"prefix=/install/lib\n", odd) == f"prefix={odd}/lib\n".encode()


def test_the_files_unpacked_name_the_same_placeholder_files_as_the_folders(
    tmp_path: Path,
) -> None:
    """An install knows what it unpacked: looking among those names finds what looking
    through the folders finds, links to files included, links in bin/ left out."""
    files = [
        "lib/pkgconfig/python-3.12.pc",
        "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py",
        "lib/python3.12/_sysconfig_vars__linux.json",
        "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile",
        "lib/python3.12/test/data/Makefile",  # deeper: test data
        "lib/python3.12/os.py",
        "lib/Makefile",
        "bin/python3.12-config",
        "bin/python3.12",
        "share/man/Makefile",
    ]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("prefix=/install\n")
    links = {
        "lib/pkgconfig/python3.pc": "python-3.12.pc",  # a link to a file: read through it
        "lib/pkgconfig/gone.pc": "nothing-here.pc",  # a link to nothing: not a file
        "bin/python3-config": "python3.12-config",  # a link in bin: its target is fixed
    }
    for name, target in links.items():
        os.symlink(target, tmp_path / name)
    walked = sorted(standalone._placeholder_files(str(tmp_path)))
    named = sorted(standalone._placeholders_in(str(tmp_path), [*files, *links]))
    assert named == walked
    assert [os.path.relpath(p, tmp_path) for p in walked] == [
        "bin/python3.12-config",
        "lib/Makefile",
        "lib/pkgconfig/python-3.12.pc",
        "lib/pkgconfig/python3.pc",
        "lib/python3.12/_sysconfig_vars__linux.json",
        "lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py",
        "lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile",
    ]
