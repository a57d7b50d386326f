"""Disk space: downloads have a size limit, room is checked before writing, a full disk is
one line naming the folder, and nothing that cannot be resumed stays behind."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyv.builds import archive, diskspace
from tests.conftest import World
from tests.install.conftest import PORTAL, Builds, Server, build_archive, installed, leftovers

Capture = pytest.CaptureFixture[str]
NAME = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"


def cache(world: World) -> Path:
    return world.tmp / "cache"


def parts(world: World) -> list[Path]:
    """Partial downloads in the cache (a link counts, even to a device)."""
    return [p for p in cache(world).rglob("*.part") if p.exists() or p.is_symlink()]


def unpacked(data: bytes) -> int:
    """What unpacking a gzip archive needs, as documented: its recorded size and a tenth."""
    recorded = int.from_bytes(data[-4:], "little")
    return recorded + recorded // 10


def free_space(monkeypatch: pytest.MonkeyPatch, space: dict[str, int], default: int) -> None:
    """Pretend the folders in ``space`` have that many bytes free (others ``default``)."""
    monkeypatch.setattr(diskspace, "free", lambda folder: space.get(folder, default))


# -- a size limit on every download ------------------------------------------------------


def test_an_endless_body_stops_at_the_limit_and_leaves_no_part(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = builds.add("3.12.3")
    server.faults[path] = ["endless"]
    monkeypatch.setenv("PYV_MAX_DOWNLOAD_MB", "1")
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert (code, err) == (
        1,
        f"pyv: cannot download {NAME}: the server sent more than 1 MB without saying how "
        "much, the most pyv takes (PYV_MAX_DOWNLOAD_MB); nothing was installed\n",
    )
    assert parts(world) == [] and installed(world) == []
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")


def test_an_endless_catalog_stops_at_the_limit(
    world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.files["/catalog.json"] = b"{}"
    server.faults["/catalog.json"] = ["endless"]
    url = server.base + "/catalog.json"
    monkeypatch.setenv("PYV_CATALOG", url)
    monkeypatch.setenv("PYV_MAX_DOWNLOAD_MB", "1")
    code, _, err = world.pyv("install", "--list", capsys=capsys)
    assert (code, err) == (
        1,
        f"pyv: cannot download the catalog {url}: the server sent more than 1 MB without "
        "saying how much, the most pyv takes (PYV_MAX_DOWNLOAD_MB)\n",
    )


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "lots"])
def test_a_limit_that_is_not_a_whole_number_of_mb_is_one_line(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    builds.add("3.12.3")
    monkeypatch.setenv("PYV_MAX_DOWNLOAD_MB", value)
    assert world.pyv("install", "3.12", capsys=capsys) == (
        1,
        "",
        f"pyv: PYV_MAX_DOWNLOAD_MB must be a whole number, 1 or more, not `{value}'\n",
    )


def test_a_body_longer_than_its_content_length_is_cut_there(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    data = build_archive("3.12.3")
    path = builds.add("3.12.3", data)
    server.faults[path] = ["long"]
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    [kept] = cache(world).rglob("*.tar.gz")
    assert kept.read_bytes() == data


# -- what came back, when it is not the archive ------------------------------------------


def test_a_captive_portal_page_says_what_came_back(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    path = builds.add("3.12.3")
    server.faults[path] = ["portal"]
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"pyv: sha256 mismatch for {NAME}: expected ")
    assert err.endswith(
        f" ({len(PORTAL):,} bytes of text/html); nothing was installed; a web page came "
        "instead of the archive: a captive portal or a proxy's error page?\n"
    )
    assert parts(world) == [] and installed(world) == []


def test_a_body_cut_short_without_a_length_says_how_much_came(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    data = build_archive("3.12.3")
    path = builds.add("3.12.3", data)
    server.faults[path] = ["short"]
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1
    assert err.startswith(f"pyv: sha256 mismatch for {NAME}: expected ")
    assert err.endswith(f" ({len(data) // 2:,} bytes); nothing was installed\n")
    assert parts(world) == []


# -- room, checked before writing --------------------------------------------------------


def test_no_room_for_the_download_and_its_unpacking_is_said_before_writing(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = build_archive("3.12.3")
    builds.add("3.12.3", data)
    free_space(monkeypatch, {}, 1000)  # the cache and the root share the test's disk
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    needed = len(data) + diskspace.UNPACK_FACTOR * len(data)
    assert (code, err) == (
        1,
        f"pyv: downloading and unpacking {NAME} needs {needed:,} bytes in {cache(world)} "
        f"and {world.root}, 1,000 bytes free\n",
    )
    assert parts(world) == [] and leftovers(world) == [] and installed(world) == []


@pytest.mark.parametrize("short", ["cache", "root"])
def test_on_two_file_systems_each_folder_is_checked_for_its_own_part(
    builds: Builds,
    world: World,
    capsys: Capture,
    monkeypatch: pytest.MonkeyPatch,
    short: str,
) -> None:
    data = build_archive("3.12.3")
    builds.add("3.12.3", data)
    folders = {"cache": str(cache(world)), "root": str(world.root)}
    monkeypatch.setattr(diskspace, "file_system", lambda folder: folder == folders["root"])
    free_space(monkeypatch, {folders[short]: 100}, 10**12)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    doing, needed = ("downloading", len(data))
    if short == "root":
        doing, needed = ("unpacking", diskspace.UNPACK_FACTOR * len(data))
    assert (code, err) == (
        1,
        f"pyv: {doing} {NAME} needs {needed:,} bytes in {folders[short]}, 100 bytes free\n",
    )
    assert installed(world) == []


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


def test_a_full_disk_while_downloading_names_the_cache_and_keeps_no_part(
    builds: Builds, world: World, capsys: Capture
) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here, the device every write to fails with ENOSPC")
    data = build_archive("3.12.3")
    builds.add("3.12.3", data)
    folder = cache(world) / "downloads" / hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True)
    part = folder / (NAME + ".part")
    part.symlink_to("/dev/full")  # what pyv writes there meets a real full disk
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(
        f"pyv: downloading {NAME} ran out of space in {cache(world)}: "
        f"it needs {len(data):,} bytes, "
    )
    assert err.endswith(" free\n")
    assert parts(world) == [] and os.path.exists("/dev/full")
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")


def test_a_full_disk_before_the_download_names_the_cache(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds.add("3.12.3")
    real_makedirs = os.makedirs

    def makedirs(name: str, *args: object, **kwargs: object) -> None:
        if "downloads" in str(name):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_makedirs(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "makedirs", makedirs)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"pyv: downloading {NAME} ran out of space in {cache(world)}, ")
    assert err.endswith(" free\n")


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


def test_the_space_said_to_be_free_is_measured_once_the_half_written_files_are_gone(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a full disk says is free is what the user has once pyv has cleaned up, not the
    nothing that was left while its half-written files still took the space."""
    data = build_archive("3.12.3")
    builds.add("3.12.3", data)
    scratch = world.root / ".scratch"

    def free(folder: str) -> int:  # a disk the unpacked files fill up, until they go
        written = scratch.exists() and any(p.is_file() for p in scratch.rglob("*"))
        return 0 if written else 50_000_000

    monkeypatch.setattr(diskspace, "free", free)

    def full(fd: int, data: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive, "_write_all", full)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert (code, err) == (
        1,
        f"pyv: unpacking {NAME} ran out of space in {world.root}: "
        f"it needs {unpacked(data):,} bytes, 50 MB free\n",
    )
    assert leftovers(world) == []


def test_a_full_quota_says_so(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    error = OSError(errno.EDQUOT, "Disk quota exceeded")
    assert str(diskspace.ran_out(error, "unpacking x.tar.gz", "/r", 3_500_000)) == (
        "unpacking x.tar.gz went over the disk quota in /r: it needs 4 MB"
    )


def test_a_transport_that_passes_on_more_than_the_content_length_is_stopped(
    builds: Builds, world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transport stops reading at the Content-Length (the test above); pyv does not
    rely on it."""
    from pyv.builds import transport

    data = build_archive("3.12.3")
    builds.add("3.12.3", data)
    real_iter_raw = transport.Response.iter_raw

    def more(self: transport.Response, **options: bool) -> Iterator[bytes | memoryview]:
        yield from real_iter_raw(self, **options)
        yield b"\0" * 10_000

    monkeypatch.setattr(transport.Response, "iter_raw", more)
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert (code, err) == (
        1,
        f"pyv: cannot download {NAME}: the server sent more than the {len(data):,} bytes "
        "it announced; nothing was installed\n",
    )
    assert parts(world) == [] and installed(world) == []
