"""A kill at every step of install, uninstall, link, global, local and rehash leaves the
old state or the new one; the next writer's reconcile step repairs the rest.

Each command runs once to count its changes to the file system (tests/install/killer.py),
then once per change, killed just before it. After each kill:
- the installed set (what `pyv versions` lists) is the old one or the new one, and the
  version files hold the old content or the new;
- the user's project folder holds nothing but what it held;
- after the next writer takes the lock, nothing is left to repair: aliases match the
  installed set, shims match their commands, and no temporary file or scratch folder
  is left (reconcile.problems finds nothing).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pyv import atomic, reconcile, registry
from tests.conftest import World
from tests.install.conftest import Builds, build_archive, fake_python

KILLER = Path(__file__).with_name("killer.py")


def run_killed(world: World, kill_at: int, args: list[str]) -> int:
    """Run pyv killed before change ``kill_at`` (0: not killed); return the changes made."""
    count = world.tmp / "count"
    done = subprocess.run(
        [sys.executable, str(KILLER), str(kill_at), str(count), *args],
        cwd=world.work,
        env=world.env(PWD=str(world.work)),
        capture_output=True,
        text=True,
        check=False,
    )
    if kill_at == 0:
        assert done.returncode == 0, done.stderr
        return int(count.read_text())
    assert done.returncode in (-9, 0), done.stderr
    return 0


def state(world: World) -> tuple[frozenset[str], str, str]:
    """What a user sees: the installed set and both version files."""

    def text(path: Path) -> str:
        return path.read_text() if path.exists() else "<none>"

    return (
        frozenset(registry.names(world.layout)),
        text(world.root / "version"),
        text(world.work / ".python-version"),
    )


def check_every_kill(world: World, args: list[str], setup: Callable[[], None]) -> int:
    """Run ``args`` killed at each step, from the state ``setup`` makes; return the steps."""
    reset(world)
    setup()
    work_before = sorted(p.name for p in world.work.iterdir())
    old = state(world)
    steps = run_killed(world, 0, args)
    new = state(world)
    assert steps > 0 and old != new
    for kill_at in range(1, steps + 1):
        reset(world)
        setup()
        run_killed(world, kill_at, args)
        seen = state(world)
        assert seen in (old, new), f"killed before change {kill_at} of {steps}: {seen}"
        assert sorted(p.name for p in world.work.iterdir()) == work_before
        assert not atomic.stale(str(world.work)), f"killed before change {kill_at}"
        with reconcile.lock(world.layout, quiet=True):
            pass  # the next writer
        assert reconcile.problems(world.layout) == [], f"killed before change {kill_at}"
        assert state(world) == seen
        scratch = world.root / ".scratch"
        assert not scratch.exists() or not any(scratch.iterdir())
    return steps


def reset(world: World) -> None:
    """Back to an empty root and project, as before ``setup``."""
    import shutil

    shutil.rmtree(world.root, ignore_errors=True)
    for path in world.work.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def test_a_kill_at_any_step_of_install(world: World) -> None:
    archive = world.tmp / "cpython-3.12.1.tar.gz"
    archive.write_bytes(build_archive("3.12.1"))

    def setup() -> None:
        world.install("3.12.0")
        world.install("3.11.7")

    steps = check_every_kill(world, ["install", "-q", "--from", str(archive)], setup)
    assert steps >= 10  # extract, receipt, rename, aliases, shims


def test_a_kill_at_any_step_of_an_install_from_the_catalog(builds: Builds, world: World) -> None:
    """Downloaded and unpacked at once, by two threads: a kill at any change of either."""
    import shutil

    builds.add("3.12.1")

    def setup() -> None:
        shutil.rmtree(world.tmp / "cache", ignore_errors=True)  # downloaded every time
        world.install("3.11.7")

    steps = check_every_kill(world, ["install", "-q", "3.12.1"], setup)
    assert steps >= 10, steps  # 63 here: the download's and the unpacking's changes


def test_a_kill_at_any_step_of_a_forced_reinstall(world: World) -> None:
    archive = world.tmp / "cpython-3.12.1.tar.gz"
    archive.write_bytes(build_archive("3.12.1"))

    def setup() -> None:
        world.install("3.12.1", commands=("python3", "old-only"))
        (world.root / "version").write_text("3.12.1\n")

    setup()
    run_killed(world, 0, ["install", "-q", "--force", "--from", str(archive)])
    steps = 0
    for kill_at in range(1, 200):
        reset(world)
        setup()
        run_killed(world, kill_at, ["install", "-q", "--force", "--from", str(archive)])
        with reconcile.lock(world.layout, quiet=True):
            pass
        assert registry.names(world.layout) == ["3.12.1"], f"killed before change {kill_at}"
        assert reconcile.problems(world.layout) == [], f"killed before change {kill_at}"
        bin_dir = world.root / "versions" / "3.12.1" / "bin"
        if not (bin_dir / "old-only").exists():  # the new one arrived: the kill came late
            steps = kill_at
            break
    assert steps > 5


def test_a_kill_at_any_step_of_uninstall(world: World) -> None:
    def setup() -> None:
        world.install("3.11.7", commands=("python3", "only-in-3.11"))
        world.install("3.12.1", commands=("python3", "only-in-3.12"))

    check_every_kill(world, ["uninstall", "-y", "3.12.1"], setup)


def test_a_kill_at_any_step_of_global_and_local(world: World) -> None:
    def setup() -> None:
        world.install("3.11.7")
        world.install("3.12.1")
        (world.root / "version").write_text("3.12.1\n")
        (world.work / ".python-version").write_text("3.12.1\n")

    check_every_kill(world, ["global", "3.11.7"], setup)
    check_every_kill(world, ["local", "3.11.7"], setup)


def test_a_kill_at_any_step_of_rehash(world: World) -> None:
    def setup() -> None:
        world.install("3.12.1", commands=("python3", "tool"))
        # pip installed a console script; the shims and an alias are not there yet
        script = world.root / "versions" / "3.12.1" / "bin" / "new-tool"
        script.write_text("#!/bin/sh\n")
        script.chmod(0o755)
        os.unlink(world.root / "versions" / "3.12")
        os.unlink(world.root / "shims" / "tool")

    setup()
    steps = run_killed(world, 0, ["rehash", "-q"])
    assert reconcile.problems(world.layout) == []
    for kill_at in range(1, steps + 1):
        reset(world)
        setup()
        run_killed(world, kill_at, ["rehash", "-q"])
        with reconcile.lock(world.layout, quiet=True):
            pass
        assert reconcile.problems(world.layout) == [], f"killed before change {kill_at}"
        assert (world.root / "shims" / "new-tool").is_symlink()


def test_a_kill_at_any_step_of_link(world: World) -> None:
    prefix = world.tmp / "elsewhere" / "python-3.10.4"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python3").write_bytes(fake_python("3.10.4"))
    (prefix / "bin" / "python3").chmod(0o755)

    def setup() -> None:
        world.install("3.12.1")

    check_every_kill(world, ["link", str(prefix)], setup)
