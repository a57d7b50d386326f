"""Disk space: room is checked before unpacking, and a full disk is one line naming the
folder, with nothing half-written left behind."""

from __future__ import annotations

import errno

import pytest

from pyv import archive, diskspace
from tests.conftest import World
from tests.install.conftest import Builds, build_archive, installed, leftovers

Capture = pytest.CaptureFixture[str]
NAME = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"


def unpacked(data: bytes) -> int:
    """What unpacking a gzip archive needs, as documented: its recorded size and a tenth."""
    recorded = int.from_bytes(data[-4:], "little")
    return recorded + recorded // 10


def free_space(monkeypatch: pytest.MonkeyPatch, space: dict[str, int], default: int) -> None:
    """Pretend the folders in ``space`` have that many bytes free (others ``default``)."""
    monkeypatch.setattr(diskspace, "free", lambda folder: space.get(folder, default))


# -- room, checked before unpacking ------------------------------------------------------


def test_no_room_to_unpack_a_cached_archive_creates_nothing(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = build_archive("3.12.3", padding=100_000)
    builds.add("3.12.3", data)
    world.pyv("install", "3.12", capsys=capsys)
    world.pyv("uninstall", "-y", "3.12.3", capsys=capsys)
    real_free = diskspace.free
    free_space(monkeypatch, {str(world.root): 5_000}, 10**12)
    code, _, err = world.pyv("install", "--offline", "3.12", capsys=capsys)
    assert (code, err) == (
        1,
        f"pyv: unpacking {NAME} needs {unpacked(data):,} bytes in {world.root}, 5,000 bytes free\n",
    )
    assert leftovers(world) == [] and installed(world) == []
    monkeypatch.setattr(diskspace, "free", real_free)
    assert world.pyv("install", "--offline", "3.12", capsys=capsys)[0] == 0


def test_no_room_to_unpack_a_local_archive(
    world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = build_archive("3.12.3")
    local = world.tmp / "python.tar.gz"
    local.write_bytes(data)
    free_space(monkeypatch, {str(world.root): 1_000}, 10**12)
    code, _, err = world.pyv("install", "--from", str(local), capsys=capsys)
    assert (code, err) == (
        1,
        f"pyv: unpacking python.tar.gz needs {unpacked(data):,} bytes in {world.root}, "
        "1,000 bytes free\n",
    )
    assert leftovers(world) == []


# -- a real "no space left", from the disk itself -----------------------------------------


@pytest.mark.parametrize("how", ["install", "--from"])
def test_a_full_disk_while_unpacking_names_the_root_and_leaves_no_scratch(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    data = build_archive("3.12.3")
    builds.add("3.12.3", data)
    local = world.tmp / NAME
    local.write_bytes(data)
    real_write = archive._write_all

    def full(fd: int, data: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive, "_write_all", full)
    args = ("install", "3.12") if how == "install" else ("install", "--from", str(local))
    code, _, err = world.pyv(*args, capsys=capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(
        f"pyv: unpacking {NAME} ran out of space in {world.root}: "
        f"it needs {unpacked(data):,} bytes, "
    )
    assert err.endswith(" free\n")
    assert leftovers(world) == [] and installed(world) == []  # at once, not by the next pyv
    monkeypatch.setattr(archive, "_write_all", real_write)
    assert world.pyv(*args, capsys=capsys)[0] == 0  # a cached download is reused


def test_a_full_quota_says_so(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    error = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert str(diskspace.ran_out(error, "unpacking x.tar.gz", "/r", 3_500_000)) == (
        "unpacking x.tar.gz went over the disk quota in /r: it needs 4 MB"
    )
