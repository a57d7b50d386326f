"""The reconcile step: what a killed writer left is repaired by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyv import atomic, reconcile, registry
from tests.conftest import World

Capture = pytest.CaptureFixture[str]


def aliases(world: World) -> dict[str, str]:
    versions = world.root / "versions"
    return {p.name: os.readlink(p) for p in versions.iterdir() if p.is_symlink()}


def dead_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_a_version_committed_without_its_aliases_and_shims_is_repaired_by_rehash(
    world: World, capsys: Capture
) -> None:
    # F4: a kill right after the commit rename leaves the version without its derived state.
    world.install("3.12.1")
    for alias in ("3", "3.12"):
        (world.root / "versions" / alias).unlink()
    for shim in (world.root / "shims").iterdir():
        shim.unlink()
    code, out, _ = world.pyv("doctor", capsys=capsys)
    assert code == 1
    assert "alias links are out of date (3 -> 3.12.1 is missing; 3.12 -> 3.12.1 is missing)" in out
    assert "shims are stale (2 missing, 0 extra)" in out
    assert world.pyv("rehash", capsys=capsys) == (0, "", "")  # silent, as pyenv's
    for shim in (world.root / "shims").iterdir():
        if shim.name != ".pyv-shim":
            shim.unlink()
    (world.root / "versions" / "3").unlink()
    code, _, err = world.pyv("rehash", "-v", capsys=capsys)
    assert code == 0
    assert "alias links: 3 -> 3.12.1" in err and "shims: 2 added" in err
    assert aliases(world) == {"3": "3.12.1", "3.12": "3.12.1"}
    assert sorted(p.name for p in (world.root / "shims").iterdir()) == [
        ".pyv-shim",
        "python",
        "python3",
    ]
    assert reconcile.problems(world.layout) == []


def test_aliases_left_dangling_by_a_killed_uninstall_move_to_what_is_installed(
    world: World, capsys: Capture
) -> None:
    # F11: uninstall renamed 3.12.1 away and was killed before it moved the aliases.
    world.install("3.11.7")
    world.install("3.12.1")
    scratch = Path(registry.scratch_dir(world.layout, "remove"))
    os.rename(world.root / "versions" / "3.12.1", scratch / "3.12.1")
    os.rename(scratch, scratch.with_name(f"remove-{dead_pid()}-x"))
    assert aliases(world)["3"] == "3.12.1"
    problems = reconcile.problems(world.layout)
    assert any("3 -> 3.11.7 is missing" in p and "3.12 -> 3.12.1 is stale" in p for p in problems)
    assert any("1 unfinished install" in p for p in problems)
    _, out, _ = world.pyv("doctor", "--fix", capsys=capsys)
    assert "fixed: alias links: 3 -> 3.11.7, 3.12 dropped" in out
    assert "fixed: removed 1 unfinished install from scratch" in out
    assert aliases(world) == {"3": "3.11.7", "3.11": "3.11.7"}
    assert not any((world.root / ".scratch").iterdir())
    left = [line for line in out.splitlines() if line.startswith("problem:")]
    assert not any("alias links" in line or "unfinished" in line for line in left), left


def test_temporary_files_of_dead_writers_are_removed_and_live_ones_kept(
    world: World, capsys: Capture
) -> None:
    # F10: a kill leaves .NAME.PID.tmp behind in the root, shims/ and versions/.
    world.install("3.12.1")
    dead, alive = dead_pid(), os.getppid()
    left = [
        world.root / f".version.{dead}.tmp",
        world.root / "shims" / f"..pyv-shim.{dead}.tmp",
        world.root / "shims" / f".pyv-shim.{dead}.tmp",
        world.root / "versions" / f".3.12.{dead}.link",
    ]
    live = world.root / f".version.{alive}.tmp"
    for path in [*left, live]:
        path.write_text("")
    assert any("4 temporary files" in p for p in reconcile.problems(world.layout))
    code, _, err = world.pyv("rehash", "-v", capsys=capsys)
    assert code == 0 and "removed 4 temporary files of a killed pyv" in err
    assert not any(p.exists() for p in left)
    assert live.exists()  # its writer may still be at work


def test_a_stale_version_file_temp_beside_a_project_is_removed_by_the_next_local(
    world: World, capsys: Capture
) -> None:
    world.install("3.12.1")
    stale = world.work / f"..python-version.{dead_pid()}.tmp"
    stale.write_text("3.11\n")
    (world.work / ".python-version").write_text("3.12.1\n")
    _, out, _ = world.pyv("doctor", capsys=capsys)
    assert f"{stale} was left by a killed pyv" in out
    assert world.pyv("local", "3.12.1", capsys=capsys)[0] == 0
    assert sorted(p.name for p in world.work.iterdir()) == [".python-version"]


def test_local_writes_its_temporary_file_in_the_root_not_in_the_project(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    world.install("3.12.1")
    seen = []
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        seen.append(os.path.dirname(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert world.pyv("local", "3.12.1", capsys=capsys)[0] == 0
    assert seen == [str(world.root)]
    assert (world.work / ".python-version").read_text() == "3.12.1\n"


def test_a_failed_install_removes_its_scratch_folder_before_it_exits(world: World) -> None:
    # F3: a refused archive (or a full disk) must not keep its scratch until the next writer.
    archive = world.tmp / "not-python.tar.gz"
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("python/lib/big.bin")
        data = b"x" * 100_000
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    archive.write_bytes(buf.getvalue())
    done = world.run("install", "--from", str(archive))
    assert done.returncode == 1 and done.stderr.startswith("pyv: "), done.stderr
    scratch = world.root / ".scratch"
    assert not scratch.exists() or list(scratch.iterdir()) == []


def test_scratch_of_a_live_process_is_left_alone(world: World) -> None:
    (world.root / ".scratch").mkdir(parents=True)
    live = world.root / ".scratch" / f"install-{os.getppid()}-abcd"
    gone = world.root / ".scratch" / f"install-{dead_pid()}-abcd"
    legacy = world.root / ".scratch" / "install-abcd1234"  # pyv 0.1 named no owner
    for folder in (live, gone, legacy):
        folder.mkdir()
    with reconcile.lock(world.layout, quiet=True) as repairs:
        assert sorted(repairs.scratch) == sorted([str(gone), str(legacy)])
    assert live.exists() and not gone.exists() and not legacy.exists()


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    tmp_path = tmp_path / "folder"
    tmp_path.mkdir()
    target = tmp_path / "file"
    target.write_text("old")
    with pytest.raises(TypeError):
        atomic.write(str(target), 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    atomic.write(str(target), "new", mode=0o600)
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
