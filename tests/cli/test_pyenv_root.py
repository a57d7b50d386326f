"""A pyenv root as it is (issue 11, item 1): every folder in versions/ is a version.

Folders without pyv's receipt (pyenv's builds, ``3.13-dev``, ``miniforge3-24.1.2``), a
pyenv-virtualenv environment with its link, a link to a folder elsewhere, a name with
a space: pyv lists, selects, shims, ``which``es, ``exec``s and uninstalls each, and the
shim runs them on its fast path, without starting pyv.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pyv import shims
from pyv.paths import Layout
from tests.conftest import World


def fake_version(
    folder: Path, label: str, commands: tuple[str, ...] = ("python", "python3")
) -> None:
    (folder / "bin").mkdir(parents=True)
    for command in commands:
        script = folder / "bin" / command
        script.write_text(f'#!/bin/sh\necho "{label} {command} $*"\n')
        script.chmod(0o755)


@pytest.fixture
def pyenv_root(world: World) -> World:
    """A root as pyenv and its users leave it: no receipts anywhere."""
    versions = world.root / "versions"
    fake_version(versions / "3.12.1", "3.12.1", ("python", "python3", "python3.12", "pip"))
    fake_version(versions / "3.11.7", "3.11.7", ("python", "python3", "python3.11"))
    fake_version(versions / "3.13-dev", "3.13-dev")
    fake_version(versions / "miniforge3-24.1.2", "miniforge", ("python", "conda"))
    fake_version(versions / "3.12.1/envs/myenv", "myenv", ("python", "python3", "black"))
    (versions / "myenv").symlink_to(versions / "3.12.1/envs/myenv")  # as pyenv-virtualenv
    fake_version(world.tmp / "elsewhere", "elsewhere")
    (versions / "moo").symlink_to(world.tmp / "elsewhere")
    fake_version(versions / "with space", "spaced")
    (world.root / "version").write_text("3.11.7\n")
    return world


def shim_env(world: World, **extra: str) -> dict[str, str]:
    return world.env(PATH=f"{world.root / 'shims'}:/usr/bin:/bin", PWD=str(world.work), **extra)


def run_shim(world: World, selected: str, command: str, *args: str) -> tuple[int, str, str]:
    """Run ``shims/COMMAND`` in the work folder with a .python-version naming ``selected``."""
    (world.work / ".python-version").write_text(selected + "\n")
    done = subprocess.run(
        [str(world.root / "shims" / command), *args],
        env=shim_env(world),
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def test_versions_lists_every_folder(pyenv_root: World, capsys: pytest.CaptureFixture[str]) -> None:
    world = pyenv_root
    code, out, _ = world.pyv("versions", "--bare", capsys=capsys)
    assert code == 0
    assert out.splitlines() == [
        "3.11.7",
        "3.12.1",
        "3.12.1/envs/myenv",
        "3.13-dev",
        "miniforge3-24.1.2",
        "moo",
        "myenv",
        "with space",
    ]
    code, out, _ = world.pyv("versions", "--skip-envs", "--skip-aliases", capsys=capsys)
    lines = [line for line in out.splitlines() if "system" not in line]
    assert lines == [
        f"* 3.11.7 (set by {world.root / 'version'})",
        "  3.12.1",
        "  3.13-dev",
        "  miniforge3-24.1.2",
        f"  moo --> {world.tmp / 'elsewhere'}",
        "  with space",
    ]
    code, out, _ = world.pyv("versions", "--executables", capsys=capsys)
    assert out.split() == ["black", "conda", "pip", "python", "python3", "python3.11", "python3.12"]


@pytest.mark.parametrize(
    ("selected", "label"),
    [
        ("3.12.1", "3.12.1"),
        ("3.13-dev", "3.13-dev"),
        ("miniforge3-24.1.2", "miniforge"),
        ("myenv", "myenv"),
        ("3.12.1/envs/myenv", "myenv"),
        ("moo", "elsewhere"),
        ("3.12", "3.12.1"),  # a prefix: the newest installed 3.12.x, pyenv built or not
    ],
)
def test_each_folder_is_selected_and_run_by_the_shim_and_exec(
    pyenv_root: World, selected: str, label: str, capsys: pytest.CaptureFixture[str]
) -> None:
    world = pyenv_root
    assert world.pyv("rehash", capsys=capsys)[0] == 0
    assert run_shim(world, selected, "python", "a b") == (0, f"{label} python a b\n", "")
    core = world.run("exec", "python", "a b")
    assert (core.returncode, core.stdout) == (0, f"{label} python a b\n")
    which = world.run("which", "python")
    assert which.returncode == 0 and which.stdout.endswith("/bin/python\n")


def test_the_shim_runs_foreign_folders_without_starting_pyv(
    pyenv_root: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = pyenv_root
    stand_in = world.tmp / "stand-in" / "pyv"
    stand_in.parent.mkdir()
    stand_in.write_text('#!/bin/sh\necho "slow: $*"\n')
    stand_in.chmod(0o755)
    monkeypatch.setattr(shims, "pyv_command", lambda: [str(stand_in)])
    assert world.pyv("rehash", capsys=capsys)[0] == 0
    for selected, label in (("myenv", "myenv"), ("3.13-dev", "3.13-dev"), ("3.12.1", "3.12.1")):
        assert run_shim(world, selected, "python3")[1] == f"{label} python3 \n", selected
    # a name that is not there, or that would leave versions/, is pyv's to judge
    for selected in ("nosuchenv", "3.12.1/envs/../../x"):
        assert run_shim(world, selected, "python3")[1] == "slow: exec python3\n", selected


def test_env_paths_cannot_escape_the_versions_folder(pyenv_root: World) -> None:
    world = pyenv_root
    outside = world.tmp / "outside"
    fake_version(outside, "evil")
    for word in ("3.12.1/envs/../../../outside", "3.12.1/envs/myenv/../../..", "x/y/z", "/3.12.1"):
        (world.work / ".python-version").write_text(word + "\n")
        done = world.run("exec", "python")
        assert done.returncode == 1 and "evil" not in done.stdout, word


def test_uninstall_removes_foreign_folders_envs_and_links(
    pyenv_root: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world = pyenv_root
    versions = world.root / "versions"
    for name in ("3.13-dev", "myenv", "moo", "with space"):
        code, _, err = world.pyv("uninstall", "-y", name, capsys=capsys)
        assert (code, err) == (0, f"uninstalled {name}\n"), name
        assert not os.path.lexists(versions / name)
    assert not (versions / "3.12.1/envs/myenv").exists()  # the env went with its link
    assert (world.tmp / "elsewhere/bin/python").exists()  # a link's target is not touched
    assert world.pyv("uninstall", "-y", "3.12.1", capsys=capsys)[0] == 0
    assert sorted(p.name for p in versions.iterdir()) == [
        "3",
        "3.11",
        "3.11.7",
        "miniforge3-24.1.2",
    ]


def test_no_receipts_are_written_into_a_pyenv_root(
    pyenv_root: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world = pyenv_root
    for args in (["rehash"], ["global", "3.12"], ["local", "myenv"], ["doctor", "--fix"]):
        world.pyv(*args, capsys=capsys)
    assert not list((world.root / "versions").rglob("pyv-receipt.json"))


def test_layout_refuses_names_that_leave_the_folder() -> None:
    layout = Layout("/r")
    for name in ("..", ".", "a/b", "3.12.1/envs/..", "3.12.1/envs/a/b", "x\ny"):
        with pytest.raises(ValueError):
            layout.version_dir(name)


def test_rehash_takes_over_pyenvs_shims_folder(
    pyenv_root: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """shims/ is the version manager's: pyenv's shim scripts become pyv's, stale ones go."""
    world = pyenv_root
    shims_dir = world.root / "shims"
    shims_dir.mkdir()
    for name in ("python", "oldshim"):
        (shims_dir / name).write_text('#!/usr/bin/env bash\nexec pyenv exec "$@"\n')
        (shims_dir / name).chmod(0o755)
    assert world.pyv("rehash", capsys=capsys) == (0, "", "")
    assert not (shims_dir / "oldshim").exists()
    assert os.readlink(shims_dir / "python") == ".pyv-shim"
    assert "conda" in os.listdir(shims_dir)


def test_rehash_with_no_versions_leaves_an_empty_shims_folder(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.pyv("rehash", capsys=capsys) == (0, "", "")
    assert os.listdir(world.root / "shims") == []
