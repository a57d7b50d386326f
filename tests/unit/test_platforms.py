"""Platform detection and the shipped catalog."""

from __future__ import annotations

import platform as stdlib_platform
import sys

import pytest

from pyv import platforms
from pyv.builds import catalog
from pyv.errors import PyvError
from pyv.paths import Layout
from pyv.request import parse


def test_this_machine_is_detected_as_the_catalog_spells_it() -> None:
    here = platforms.current({})
    if sys.platform.startswith("linux"):
        assert here.os == "linux" and here.libc in ("gnu", "musl", "gnueabihf")
    assert here.arch == {"amd64": "x86_64", "arm64": "aarch64"}.get(
        stdlib_platform.machine().lower(), stdlib_platform.machine().lower()
    )


def test_pyv_platform_overrides_detection() -> None:
    assert str(platforms.current({"PYV_PLATFORM": "linux-aarch64-musl"})) == "linux-aarch64-musl"
    with pytest.raises(PyvError, match="expected OS-ARCH-LIBC"):
        platforms.current({"PYV_PLATFORM": "linux"})


@pytest.mark.parametrize(
    "target",
    [
        "linux-x86_64-gnu",
        "linux-x86_64-musl",
        "linux-aarch64-gnu",
        "linux-aarch64-musl",
        "darwin-x86_64-none",
        "darwin-aarch64-none",
        "windows-x86_64-none",
    ],
)
def test_the_shipped_catalog_covers_the_main_platforms(tmp_path: object, target: str) -> None:
    builds = catalog.load(Layout("/nonexistent", cache="/nonexistent"), {})
    here = catalog.for_platform(builds, platforms.parse(target))
    newest = catalog.best_match(here, parse("3.12"))
    assert newest is not None and newest.version.release[:2] == (3, 12)
    assert newest.kind in ("install_only_stripped", "install_only")
    assert len(newest.sha256) == 64


def test_free_threaded_and_debug_builds_are_listed() -> None:
    builds = catalog.load(Layout("/nonexistent", cache="/nonexistent"), {})
    here = catalog.for_platform(builds, platforms.parse("linux-x86_64-gnu"))
    free = catalog.best_match(here, parse("3.13t"))
    debug = catalog.best_match(here, parse("3.13d"))
    assert free is not None and free.name.endswith("t")
    assert debug is not None and debug.name.endswith("d") and debug.kind == "full"
