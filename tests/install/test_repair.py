"""Installing a version that is installed already repairs what a crash left undone."""

from __future__ import annotations

import os

import pytest

from pyv import reconcile
from tests.conftest import World
from tests.install.conftest import Builds, Server

Capture = pytest.CaptureFixture[str]


def test_installing_an_installed_version_restores_its_aliases_and_shims(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    # F4: killed right after the commit rename: listed, but no aliases and no shims.
    path = builds.add("3.12.3")
    assert world.pyv("install", "3.12.3", capsys=capsys)[0] == 0
    versions, shims = world.root / "versions", world.root / "shims"
    for alias in ("3", "3.12"):
        (versions / alias).unlink()
    for shim in shims.iterdir():
        if shim.name != ".pyv-shim":
            shim.unlink()
    assert reconcile.problems(world.layout) != []
    assert world.pyv("install", "3.12.3", capsys=capsys) == (
        0,
        "",
        "3.12.3 is installed already\n",
    )
    assert {p.name: os.readlink(p) for p in versions.iterdir() if p.is_symlink()} == {
        "3": "3.12.3",
        "3.12": "3.12.3",
    }
    assert (shims / "python3").is_symlink() and (shims / "pip3").is_symlink()
    assert reconcile.problems(world.layout) == []
    assert server.count(path) == 1


def test_installing_what_the_selection_asks_for_when_it_is_installed_repairs_too(
    world: World, capsys: Capture
) -> None:
    world.install("3.12.3", commands=("python3", "pip3"))
    (world.work / ".python-version").write_text("3.12\n")
    versions, shims = world.root / "versions", world.root / "shims"
    (versions / "3").unlink()
    (shims / "pip3").unlink()
    assert reconcile.problems(world.layout) != []
    code, _, err = world.pyv("install", capsys=capsys)
    assert (code, err) == (
        0,
        f"the selected versions are installed (set by {world.work / '.python-version'})\n",
    )
    assert os.readlink(versions / "3") == "3.12.3" and (shims / "pip3").is_symlink()
    assert reconcile.problems(world.layout) == []
