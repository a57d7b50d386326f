"""pyv link: adopting interpreters already on disk, fake ones and the machine's real ones."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pyv import link, reconcile, registry
from pyv.errors import InterpreterError, RegistryError
from pyv.request import parse
from tests.conftest import World, real_pythons


def fake_prefix(
    tmp: Path,
    release: str = "3.12.1",
    *,
    level: str = "final",
    serial: int = 0,
    free_threaded: int = 0,
    implementation: str = "CPython",
    own: str = "",
) -> Path:
    """A prefix whose bin/python3 answers pyv's probe like a real interpreter would
    (``own``: PyPy's or GraalPy's own version)."""
    prefix = tmp / f"fake {release}{level}{free_threaded}"
    (prefix / "bin").mkdir(parents=True)
    exe = prefix / "bin" / "python3"
    lines = [implementation, release, level, str(serial), str(free_threaded), "0", str(prefix)]
    lines += [own] if own else []
    exe.write_text("#!/bin/sh\nprintf '%s\\n' " + " ".join(f"'{x}'" for x in lines) + "\n")
    exe.chmod(0o755)
    return prefix


def test_link_names_the_installation_by_its_version(world: World) -> None:
    prefix = fake_prefix(world.tmp)
    assert link.link(world.layout, str(prefix)) == ("3.12.1", True)
    bin_dir = world.root / "versions" / "3.12.1" / "bin"
    assert bin_dir.is_symlink() and bin_dir.resolve() == (prefix / "bin").resolve()
    assert registry.prefix(world.layout, "3.12.1") == str(prefix)
    assert registry.read_receipt(world.layout, "3.12.1")["source"] == "link"


@pytest.mark.parametrize(
    ("level", "serial", "free_threaded", "name"),
    [("candidate", 1, 0, "3.14.0rc1"), ("beta", 2, 0, "3.14.0b2"), ("final", 0, 1, "3.14.0t")],
)
def test_prereleases_and_free_threaded_builds_get_their_names(
    world: World, level: str, serial: int, free_threaded: int, name: str
) -> None:
    prefix = fake_prefix(
        world.tmp, "3.14.0", level=level, serial=serial, free_threaded=free_threaded
    )
    assert link.link(world.layout, str(prefix / "bin" / "python3"))[0] == name


def test_linking_the_same_interpreter_twice_is_a_quiet_success(world: World) -> None:
    prefix = fake_prefix(world.tmp)
    link.link(world.layout, str(prefix))
    assert link.link(world.layout, str(prefix)) == ("3.12.1", False)


def test_a_second_copy_of_a_version_needs_a_label(world: World) -> None:
    link.link(world.layout, str(fake_prefix(world.tmp)))
    other = fake_prefix(world.tmp / "other")
    with pytest.raises(RegistryError, match=r"3\.12\.1 is installed already; link it as --name"):
        link.link(world.layout, str(other))
    assert link.link(world.layout, str(other), name="3.12.1+other") == ("3.12.1+other", True)


@pytest.mark.parametrize("name", ["3.11.0", "3.12", "../3.12.1", "3.12.1t", "pypy", "my/env"])
def test_a_name_that_reads_as_a_version_must_be_the_interpreters(world: World, name: str) -> None:
    with pytest.raises(InterpreterError, match=r"it is Python 3\.12\.1"):
        link.link(world.layout, str(fake_prefix(world.tmp)), name=name)
    assert registry.names(world.layout) == []


def test_a_name_that_is_no_version_is_accepted_and_selects_it(world: World) -> None:
    # pyenv takes any folder name in versions/ (pyenv-virtualenv's myenv, tools, ...)
    prefix = fake_prefix(world.tmp)
    assert link.link(world.layout, str(prefix), name="myenv") == ("myenv", True)
    assert registry.prefix(world.layout, "myenv") == str(prefix)
    assert registry.resolve(world.layout, "myenv") == "myenv"
    assert (world.root / "shims" / "python3").is_symlink()


def test_not_an_interpreter(world: World) -> None:
    (world.tmp / "empty").mkdir()
    with pytest.raises(InterpreterError, match="no Python interpreter in"):
        link.link(world.layout, str(world.tmp / "empty"))
    with pytest.raises(InterpreterError, match="neither an interpreter"):
        link.link(world.layout, str(world.tmp / "missing"))
    broken = world.tmp / "broken"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(InterpreterError, match="did not answer as a Python interpreter"):
        link.link(world.layout, str(broken))


def test_only_cpython_pypy_and_graalpy_are_linked(world: World) -> None:
    with pytest.raises(InterpreterError, match="is IronPython; pyv manages CPython, PyPy and"):
        link.link(world.layout, str(fake_prefix(world.tmp, implementation="IronPython")))


def test_a_linked_graalpy_says_its_implementation_and_python_version(world: World) -> None:
    # GraalPy's name says no Python version: without the receipt's, graalpy3.12 misses it
    prefix = fake_prefix(world.tmp, "3.12.8", implementation="GraalPy", own="25.0.1")
    assert link.link(world.layout, str(prefix)) == ("graalpy-25.0.1", True)
    receipt = registry.read_receipt(world.layout, "graalpy-25.0.1")
    assert (receipt["implementation"], receipt["python_version"]) == ("graalpy", "3.12.8")
    assert os.readlink(world.root / "versions" / "graalpy3.12") == "graalpy-25.0.1"
    found = registry.find(world.layout, parse("graalpy@3.12"))
    assert found is not None and found.name == "graalpy-25.0.1"


def test_uninstalling_a_link_deletes_nothing_of_the_original(world: World) -> None:
    prefix = fake_prefix(world.tmp)
    link.link(world.layout, str(prefix))
    with reconcile.lock(world.layout):
        registry.remove(world.layout, "3.12.1")
    assert (prefix / "bin" / "python3").is_file()
    assert registry.names(world.layout) == []


def test_a_shared_prefix_links_only_the_interpreters_commands(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = fake_prefix(world.tmp)
    (prefix / "bin" / "gcc").write_text("")
    monkeypatch.setattr(link, "SHARED_PREFIXES", frozenset({str(prefix)}))
    link.link(world.layout, str(prefix))
    bin_dir = world.root / "versions" / "3.12.1" / "bin"
    assert not bin_dir.is_symlink()
    assert sorted(p.name for p in bin_dir.iterdir()) == ["python", "python3", "python3.12"]


def test_a_shared_prefix_links_a_pypys_or_graalpys_own_names_too(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = fake_prefix(world.tmp, "3.12.8", implementation="GraalPy", own="25.0.1")
    monkeypatch.setattr(link, "SHARED_PREFIXES", frozenset({str(prefix)}))
    link.link(world.layout, str(prefix))
    bin_dir = world.root / "versions" / "graalpy-25.0.1" / "bin"
    names = ["graalpy", "graalpy3", "graalpy3.12", "python", "python3", "python3.12"]
    assert sorted(p.name for p in bin_dir.iterdir()) == names


def test_nothing_inside_the_pyv_root_is_linked(world: World) -> None:
    link.link(world.layout, str(fake_prefix(world.tmp)))
    with pytest.raises(InterpreterError, match="inside the pyv root"):
        link.link(world.layout, str(world.root / "versions" / "3.12.1" / "bin" / "python3"))


@pytest.mark.parametrize("minor", ["2.7", "3.9", "3.12", "3.13"])
def test_real_interpreters_link_and_run(world: World, minor: str) -> None:
    prefix = real_pythons().get(minor)
    if prefix is None:
        pytest.skip(f"no real CPython {minor} under ~/.pyenv/versions on this machine")
    name, _ = link.link(world.layout, str(prefix))
    assert name == prefix.name
    python = world.root / "versions" / name / "bin" / f"python{minor}"
    out = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix); print(sys.executable)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert os.path.realpath(out[0]) == os.path.realpath(prefix)
