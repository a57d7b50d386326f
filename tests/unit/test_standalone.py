"""python-build-standalone's /install placeholder, rewritten on bytes (the install of a
whole archive is tests/install's)."""

from __future__ import annotations

import pytest

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
