"""pyv's own tar reader: every header format and compression it meets, and every way out.

Archives are written with tarfile (the reference writer) and read back with pyv.archive.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pyv.builds.archive import ArchiveError
from pyv.builds.standalone import extract
from tests.install.conftest import member

Add = Callable[[tarfile.TarFile], None]
MTIME = 1_700_000_000


def entry(
    tar: tarfile.TarFile, name: str, data: bytes = b"", mode: int = 0o644, **kw: object
) -> None:
    member(tar, name, data, mode, **{"mtime": MTIME, **kw})


def python_bin(tar: tarfile.TarFile, top: str = "python") -> None:
    entry(tar, f"{top}/bin/python3", b"#!/bin/sh\n", 0o755)


def tar_bytes(*adds: Add, format: int = tarfile.PAX_FORMAT) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=format) as tar:
        for add in adds:
            add(tar)
    return buf.getvalue()


def unpacked(tmp_path: Path, data: bytes, name: str = "archive.bin") -> Path:
    archive = tmp_path / name
    archive.write_bytes(data)
    dest = tmp_path / "dest"
    dest.mkdir()
    extract(str(archive), str(dest))
    return dest


def refused(tmp_path: Path, *adds: Add) -> str:
    with pytest.raises(ArchiveError) as caught:
        unpacked(tmp_path, tar_bytes(python_bin, *adds))
    return str(caught.value)


LONG = "python/lib/" + "/".join(["a-rather-long-folder-name"] * 8) + "/módulo.py"
USTAR_LONG = "python/lib/" + "/".join(["folder"] * 20) + "/module.py"  # in ustar's prefix field
BIG = bytes(range(256)) * (3 * 4096 + 7)  # over 3 MB: written in chunks


def everything(tar: tarfile.TarFile, long: str = LONG) -> None:
    python_bin(tar)
    entry(tar, "python/lib/python3.12/os.py", b"import sys\n")
    entry(tar, "python/lib/empty.txt", b"")
    entry(tar, "python/lib/big.bin", BIG)
    entry(tar, long, b"# deep\n")
    entry(tar, "python/share", type=tarfile.DIRTYPE, mode=0o755)
    entry(tar, "python/bin/python", type=tarfile.SYMTYPE, linkname="python3")
    entry(
        tar, "python/lib/os-again.py", type=tarfile.LNKTYPE, linkname="python/lib/python3.12/os.py"
    )
    entry(tar, "python/lib/setuid", b"x", 0o4777)
    entry(tar, "python/lib/read-only", b"x", 0o444)
    entry(tar, "python/build/huge.o", b"not needed to run")
    entry(tar, "python/PYTHON.json", b"{}")


@pytest.mark.parametrize(
    ("format", "long"),
    [(tarfile.PAX_FORMAT, LONG), (tarfile.GNU_FORMAT, LONG), (tarfile.USTAR_FORMAT, USTAR_LONG)],
    ids=["pax", "gnu", "ustar"],
)
def test_every_header_format_unpacks_the_same(tmp_path: Path, format: int, long: str) -> None:
    dest = unpacked(tmp_path, tar_bytes(lambda tar: everything(tar, long), format=format))
    assert (dest / long.removeprefix("python/")).read_bytes() == b"# deep\n"
    assert os.readlink(dest / "bin" / "python") == "python3"
    assert (dest / "bin" / "python3").stat().st_mtime == MTIME
    assert (dest / "lib" / "big.bin").read_bytes() == BIG
    assert (dest / "lib" / "empty.txt").read_bytes() == b""
    assert (dest / "share").is_dir()
    assert os.path.samefile(dest / "lib" / "os-again.py", dest / "lib/python3.12/os.py")
    assert not (dest / "build").exists() and (dest / "PYTHON.json").is_file()
    assert sorted(os.listdir(dest)) == ["PYTHON.json", "bin", "lib", "share"]


def test_modes_lose_special_and_group_write_bits_and_the_owner_can_write(
    tmp_path: Path,
) -> None:
    old = os.umask(0o022)
    try:
        dest = unpacked(tmp_path, tar_bytes(everything))
    finally:
        os.umask(old)
    assert stat.S_IMODE((dest / "bin" / "python3").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "lib" / "setuid").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / "lib" / "read-only").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    "compress",
    [
        gzip.compress,
        bz2.compress,
        lzma.compress,
        lambda data: pytest.importorskip("zstandard").ZstdCompressor().compress(data),
        lambda data: data,
    ],
    ids=["gzip", "bzip2", "xz", "zstd", "plain"],
)
def test_compression_is_told_by_the_first_bytes_not_the_name(
    tmp_path: Path, compress: Callable[[bytes], bytes]
) -> None:
    dest = unpacked(tmp_path, compress(tar_bytes(everything)), name="no-extension")
    assert (dest / "lib" / "big.bin").read_bytes() == BIG


def test_a_later_file_replaces_an_earlier_one(tmp_path: Path) -> None:
    def twice(tar: tarfile.TarFile) -> None:
        entry(tar, "python/lib/twice.txt", b"first")
        entry(tar, "python/lib/twice.txt", b"second")

    dest = unpacked(tmp_path, tar_bytes(python_bin, twice))
    assert (dest / "lib" / "twice.txt").read_bytes() == b"second"


def test_dot_parts_and_a_leading_dot_slash_are_harmless(tmp_path: Path) -> None:
    def dotted(tar: tarfile.TarFile) -> None:
        entry(tar, "./python/./lib//x.py", b"x")

    dest = unpacked(tmp_path, tar_bytes(python_bin, dotted))
    assert (dest / "lib" / "x.py").read_bytes() == b"x"


def test_an_old_style_folder_is_a_folder(tmp_path: Path) -> None:
    def old(tar: tarfile.TarFile) -> None:
        entry(tar, "python/old/", type=tarfile.AREGTYPE)  # pre-POSIX tar: a name ending in /
        entry(tar, "python/old/x.py", b"x")

    dest = unpacked(tmp_path, tar_bytes(python_bin, old))
    assert (dest / "old" / "x.py").read_bytes() == b"x"


def test_nothing_is_written_through_a_link_even_one_that_stays_inside(tmp_path: Path) -> None:
    def through(tar: tarfile.TarFile) -> None:
        entry(tar, "python/lib/real", type=tarfile.DIRTYPE, mode=0o755)
        entry(tar, "python/lib/alias", type=tarfile.SYMTYPE, linkname="real")
        entry(tar, "python/lib/alias/x.py", b"x")

    assert "through a link" in refused(tmp_path, through)


def test_no_folder_is_made_under_a_link_however_deep_or_dangling(tmp_path: Path) -> None:
    def under(target: str) -> Callable[[tarfile.TarFile], None]:
        def members(tar: tarfile.TarFile) -> None:
            entry(tar, "python/lib/alias", type=tarfile.SYMTYPE, linkname=target)
            entry(tar, "python/lib/alias/deeper/still/x.py", b"x")

        return members

    for target in ("../../..", "nowhere"):
        dest = tmp_path / target.replace(".", "d").replace("/", "_")
        dest.mkdir()
        assert "through a link" in refused(dest, under(target))
        assert not (dest / "deeper").exists() and not (tmp_path / "deeper").exists()


def test_a_file_in_the_way_of_a_folder_is_an_error_not_a_link(tmp_path: Path) -> None:
    def in_the_way(tar: tarfile.TarFile) -> None:
        entry(tar, "python/lib/x", b"a file")
        entry(tar, "python/lib/x/y.py", b"y")

    said = refused(tmp_path, in_the_way)
    assert said == "archive.bin: cannot unpack python/lib/x/y.py: File exists"


def test_a_link_that_leads_out_only_once_later_members_exist_is_caught(tmp_path: Path) -> None:
    # python/a/l -> m/../.. is python/ when it is made; once python/a/m -> . exists it
    # leads to python/.., out of the kept folder.
    def later(tar: tarfile.TarFile) -> None:
        entry(tar, "python/a", type=tarfile.DIRTYPE, mode=0o755)
        entry(tar, "python/a/l", type=tarfile.SYMTYPE, linkname="m/../..")
        entry(tar, "python/a/m", type=tarfile.SYMTYPE, linkname=".")

    assert refused(tmp_path, later) == "archive.bin: link out of python/: python/a/l -> m/../.."


def test_a_full_archive_may_not_link_out_of_its_install_folder(tmp_path: Path) -> None:
    def outside(tar: tarfile.TarFile) -> None:
        python_bin(tar, "python/install")
        entry(tar, "python/licenses/LICENSE", b"text")
        entry(tar, "python/install/LICENSE", type=tarfile.SYMTYPE, linkname="../licenses/LICENSE")

    with pytest.raises(ArchiveError) as caught:
        unpacked(tmp_path, tar_bytes(outside))
    assert str(caught.value) == (
        "archive.bin: link out of python/install/: python/install/LICENSE -> ../licenses/LICENSE"
    )


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (
            lambda tar: entry(tar, "python/lib/h", type=tarfile.LNKTYPE, linkname="python/nope"),
            "link out of the archive",
        ),
        (
            lambda tar: (
                entry(tar, "python/bin/p", type=tarfile.SYMTYPE, linkname="python3"),
                entry(tar, "python/bin/h", type=tarfile.LNKTYPE, linkname="python/bin/p"),
            ),
            "link out of the archive",
        ),
        (
            lambda tar: (
                entry(tar, "python/lib/d", type=tarfile.DIRTYPE, mode=0o755),
                entry(tar, "python/lib/d", b"x"),
            ),
            "replaces a folder or link",
        ),
        (
            lambda tar: (
                entry(tar, "python/lib/f", b"x"),
                entry(tar, "python/lib/f", type=tarfile.DIRTYPE, mode=0o755),
            ),
            "a folder replaces a file or link",
        ),
        (
            lambda tar: entry(tar, "elsewhere/dev", type=tarfile.BLKTYPE, devmajor=8),
            "device, fifo or sparse",
        ),
        (
            lambda tar: entry(tar, "python/sparse", b"x", pax_headers={"GNU.sparse.size": "9"}),
            "device, fifo or sparse",
        ),
        (lambda tar: entry(tar, "elsewhere/../../x", b"x"), "unsafe path"),
        (lambda tar: entry(tar, "python/bin/x", type=tarfile.SYMTYPE, linkname=""), "link out"),
    ],
    ids=[
        "hardlink-to-nothing",
        "hardlink-to-a-symlink",
        "file-over-folder",
        "folder-over-file",
        "device-in-a-skipped-folder",
        "sparse",
        "dotdot-in-a-skipped-folder",
        "empty-link",
    ],
)
def test_unsafe_members_are_refused(tmp_path: Path, add: Add, message: str) -> None:
    assert message in refused(tmp_path, add)


def offsets(data: bytes) -> list[int]:
    """Where each member's header starts."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [info.offset for info in tar]


def test_a_damaged_header_is_a_corrupt_archive(tmp_path: Path) -> None:
    data = bytearray(tar_bytes(everything))
    data[offsets(bytes(data))[2] + 10] ^= 0xFF  # its checksum no longer matches
    with pytest.raises(ArchiveError, match=r"is corrupt or truncated: .*checksum"):
        unpacked(tmp_path, bytes(data))


@pytest.mark.parametrize("where", ["in-a-big-file", "after-the-last-header"])
def test_a_truncated_tar_is_a_corrupt_archive(tmp_path: Path, where: str) -> None:
    data = tar_bytes(everything)
    cut = offsets(data)[3] + 512 * 100 if where == "in-a-big-file" else offsets(data)[-1] + 512
    with pytest.raises(ArchiveError, match="is corrupt or truncated: unexpected end of data"):
        unpacked(tmp_path, data[:cut])


@pytest.mark.parametrize(
    ("compress", "where"),
    [
        (gzip.compress, "middle"),
        (gzip.compress, "end"),
        (lzma.compress, "end"),
        (bz2.compress, "end"),
        (lambda d: pytest.importorskip("zstandard").ZstdCompressor().compress(d), "end"),
    ],
    ids=["gzip-middle", "gzip-trailer", "xz-footer", "bzip2-end", "zstd-checksum"],
)
def test_damaged_compressed_data_is_a_corrupt_archive(
    tmp_path: Path, compress: Callable[[bytes], bytes], where: str
) -> None:
    data = bytearray(compress(tar_bytes(everything)))
    # The end is read only after the last member: the reader must still get there.
    data[len(data) // 2 if where == "middle" else -5] ^= 0xFF
    with pytest.raises(ArchiveError, match="is corrupt or truncated"):
        unpacked(tmp_path, bytes(data))


# -- links judged where they will live, and messages that name the archive ----------------


def layout_with(top: str, *links: tuple[str, str]) -> Add:
    """An archive whose interpreter folder is ``top``, with ``links`` (name, target) under it."""

    def add(tar: tarfile.TarFile) -> None:
        python_bin(tar, top)
        entry(tar, f"{top}/bin/python3.12", b"#!/bin/sh\n", 0o755)
        entry(tar, f"{top}/lib/libpython3.12.so.1.0", b"ELF")
        entry(tar, f"{top}/lib/libpython3.12.a", b"archive")
        entry(tar, f"{top}/lib/python3.12/config-3.12-x86_64-linux-gnu/Makefile", b"all:\n")
        if top != "python":
            entry(tar, "python/licenses/LICENSE", b"text")
        for name, target in links:
            entry(tar, f"{top}/{name}", type=tarfile.SYMTYPE, linkname=target)

    return add


@pytest.mark.parametrize("top", ["python", "python/install"])
@pytest.mark.parametrize(
    "climb",
    [
        "../../python/lib",  # inside python/ before the move, beside the installation after
        "../../install/lib",
        "../../../python/install/lib",
        "../lib/../../python/lib",
        "via/../../python/lib",  # through a link that climbs to the top: bin/via -> ..
    ],
)
def test_a_link_that_leaves_the_installation_folder_and_comes_back_is_refused(
    tmp_path: Path, top: str, climb: str
) -> None:
    """The check runs where the links will finally live: the archive's top folder becomes
    the installation folder, so a link may not climb above it, even to come back in."""
    links = [("bin/sneaky", climb)]
    if climb.startswith("via/"):
        links.insert(0, ("bin/via", ".."))
    with pytest.raises(ArchiveError) as caught:
        unpacked(tmp_path, tar_bytes(layout_with(top, *links)), name="evil.tar.gz")
    assert str(caught.value) == f"evil.tar.gz: link out of {top}/: {top}/bin/sneaky -> {climb}"
    assert str(tmp_path) not in str(caught.value)


@pytest.mark.parametrize("top", ["python", "python/install"])
def test_links_that_stay_inside_the_installation_folder_pass(tmp_path: Path, top: str) -> None:
    config = "lib/python3.12/config-3.12-x86_64-linux-gnu"
    links = [
        ("bin/python", "python3.12"),
        ("bin/python3-alias", "./python3.12"),
        ("lib/libpython3.12.so", "libpython3.12.so.1.0"),
        (f"{config}/libpython3.12.a", "../../libpython3.12.a"),
        ("lib/top", ".."),
        ("share/dangling", "../nothing/here"),
        ("share/chain", "../lib/top/bin/python"),
    ]
    dest = unpacked(tmp_path, tar_bytes(layout_with(top, *links)))
    assert os.readlink(dest / "bin" / "python") == "python3.12"
    assert (dest / config / "libpython3.12.a").read_bytes() == b"archive"
    assert (dest / "share" / "chain").resolve() == (dest / "bin" / "python3.12").resolve()
    assert sorted(os.listdir(dest)) == ["bin", "lib", "share"]


def test_a_member_named_like_the_unpacking_folder_unpacks(tmp_path: Path) -> None:
    def raw(tar: tarfile.TarFile) -> None:
        entry(tar, "python/.raw/inside.txt", b"x")
        entry(tar, "python/.top", b"y")
        entry(tar, "python/.raw-file", b"z")

    dest = unpacked(tmp_path, tar_bytes(python_bin, raw))
    assert (dest / ".raw" / "inside.txt").read_bytes() == b"x"
    assert (dest / ".top").read_bytes() == b"y"
    assert sorted(os.listdir(dest)) == [".raw", ".raw-file", ".top", "bin"]


def test_a_member_that_cannot_be_unpacked_is_named_as_in_the_archive(tmp_path: Path) -> None:
    def under_a_file(tar: tarfile.TarFile) -> None:
        entry(tar, "python/lib/f", b"x")
        entry(tar, "./python/lib/f/x.py", b"y")

    with pytest.raises(ArchiveError) as caught:
        unpacked(tmp_path, tar_bytes(python_bin, under_a_file), name="odd.tar")
    assert str(caught.value) == "odd.tar: cannot unpack ./python/lib/f/x.py: File exists"


def test_every_refusal_names_the_archive_and_the_member(tmp_path: Path) -> None:
    def fifo(tar: tarfile.TarFile) -> None:
        entry(tar, "python/lib/sparse", b"x", pax_headers={"GNU.sparse.size": "9"})

    with pytest.raises(ArchiveError) as caught:
        unpacked(tmp_path, tar_bytes(python_bin, fifo), name="odd.tar")
    assert str(caught.value) == (
        "odd.tar: unsafe member in archive (device, fifo or sparse): python/lib/sparse"
    )


# -- a .tar.gz inflated into a few buffers used over and over ------------------------------


def many_blocks() -> list[tuple[str, bytes]]:
    """Files that fill several times the inflater's buffers, each different from the
    others, so that a buffer handed out again while still in use would show."""
    import random

    from pyv.builds.archive import _Inflating

    rng = random.Random(15)
    sizes = [5_000, 3 * _Inflating.BLOCK + 11, 700, _Inflating.BLOCK - 3, 90_000]
    sizes += [rng.randrange(1, 40_000) for _ in range(150)] + [5 * _Inflating.BLOCK + 5]
    return [(f"python/lib/f{i}.bin", rng.randbytes(size)) for i, size in enumerate(sizes)]


def test_a_gzip_archive_larger_than_the_buffers_unpacks_byte_for_byte(tmp_path: Path) -> None:
    from pyv.builds.archive import _Inflating

    files = many_blocks()
    total = sum(len(data) for _, data in files)
    assert total > 2 * (_Inflating.AHEAD + 1) * _Inflating.BLOCK  # every buffer used twice

    def add(tar: tarfile.TarFile) -> None:
        python_bin(tar)
        for name, data in files:
            entry(tar, name, data)

    dest = unpacked(tmp_path, gzip.compress(tar_bytes(add), compresslevel=1), "a.tar.gz")
    for name, data in files:
        assert (dest / name.removeprefix("python/")).read_bytes() == data, name


def test_a_refusal_after_the_buffers_went_round_stops_the_inflater(tmp_path: Path) -> None:
    import threading

    files = many_blocks()

    def add(tar: tarfile.TarFile) -> None:
        python_bin(tar)
        for name, data in files:
            entry(tar, name, data)
        entry(tar, "python/../../evil", b"x")
        for name, data in files:  # more to inflate: the reader stops before it
            entry(tar, name + ".again", data)

    with pytest.raises(ArchiveError, match="unsafe path"):
        unpacked(tmp_path, gzip.compress(tar_bytes(add), compresslevel=1), "a.tar.gz")
    assert not [t for t in threading.enumerate() if t.name == "pyv-inflate"]


def test_header_checksums_unsigned_signed_and_wrong() -> None:
    """The unsigned sum is checked through adler32 (modulo 65521); old tars' signed sum
    is accepted too; anything else is a damaged header."""
    from pyv.builds.archive import _check

    block = bytearray(tar_bytes(lambda tar: entry(tar, "python/lib/é" * 8, b"x"))[:512])
    block[0:8] = "ééé".encode() + b"\0\0"  # bytes over 127: the signed sum differs
    block[148:156] = b"        "
    unsigned = sum(block)
    signed = sum(b - 256 if b > 127 else b for b in block)
    assert unsigned != signed
    for total in (unsigned, signed):
        block[148:156] = b"%06o\0 " % total
        _check(bytes(block))
    for wrong in (unsigned + 1, unsigned - 1, unsigned + 255):
        block[148:156] = b"%06o\0 " % wrong
        with pytest.raises(ValueError, match="bad header checksum"):
            _check(bytes(block))
