"""Room on disk: whether a download and its unpacking fit, and one-line errors when not.

pyv checks before it writes. The cache folder must hold what is left of a download, and
the pyv root what unpacking the archive will take; when both are on one file system, it
must hold both at once. Unpacking takes the size a gzip archive records in its last four
bytes plus a tenth (files take whole blocks on disk); for another kind of archive, or
before the archive is here, ``UNPACK_FACTOR`` times the archive's size (the 88 MB
archive of a whole CPython 3.12 prefix unpacks to 300 MB).

Another writer can take the space after the check, and an estimate can fall short, so a
real "no space left" (ENOSPC, or EDQUOT for a quota) while writing becomes the same kind
of message, naming the folder; the space it says is free is measured once what was
half-written is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator

from pyv.errors import PyvError

UNPACK_FACTOR = 4
MB = 1_000_000


class NoSpace(PyvError):
    """Not enough room in a folder for what pyv is about to write.

    ``free_in``: the folder whose free space ends the message, measured when the message
    is first shown. By then the caller has removed what it half-wrote (a scratch folder,
    a ``.part`` file another thread still had open), so the figure is what the user has,
    not the nothing that was left at the moment the disk filled.
    """

    def __init__(self, message: str, *, free_in: str | None = None) -> None:
        super().__init__(message)
        self.free_in = free_in

    def __str__(self) -> str:
        if self.free_in is not None:
            folder, self.free_in = self.free_in, None
            with contextlib.suppress(OSError):
                self.message += f", {size_text(free(folder))} free"
        return super().__str__()


def free(folder: str) -> int:
    """Bytes that a user without privileges can still write where ``folder`` is (or would be)."""
    stat = os.statvfs(_existing(folder))
    return stat.f_bavail * stat.f_frsize


def file_system(folder: str) -> int:
    """The device that holds ``folder`` (or would hold it): equal means one file system."""
    return os.stat(_existing(folder)).st_dev


def _existing(folder: str) -> str:
    """``folder``, or its nearest parent that exists (a cache not made yet)."""
    path = os.path.abspath(folder)
    while not os.path.isdir(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return path


def estimate(archive_size: int) -> int:
    """What unpacking an archive of ``archive_size`` bytes takes, when nothing else is known."""
    return archive_size * UNPACK_FACTOR


def unpacked_size(archive: str) -> int:
    """About how many bytes unpacking ``archive`` writes."""
    size = os.path.getsize(archive)
    with contextlib.suppress(OSError), open(archive, "rb") as f:
        if f.read(2) == b"\x1f\x8b" and size >= 18:  # gzip: header, data, crc32, size
            f.seek(-4, os.SEEK_END)
            # The size modulo 4 GiB, and only the last member's: believed only when it is
            # at least the archive's own size. A short one is caught by a real ENOSPC.
            recorded = int.from_bytes(f.read(4), "little")
            if recorded >= size:
                return recorded + recorded // 10
    return estimate(size)


def check(subject: str, needs: list[tuple[str, str, int]]) -> None:
    """NoSpace unless each (verb, folder, bytes) of ``needs`` fits; needs on one file system
    must fit together. ``subject`` is what the verbs act on, such as the archive's name."""
    groups: dict[int, list[tuple[str, str, int]]] = {}
    for need in needs:
        groups.setdefault(file_system(need[1]), []).append(need)
    for group in groups.values():
        needed = sum(n for _, _, n in group)
        available = free(group[0][1])
        if needed > available:
            verbs = " and ".join(dict.fromkeys(verb for verb, _, _ in group))
            folders = " and ".join(dict.fromkeys(folder for _, folder, _ in group))
            raise NoSpace(
                f"{verbs} {subject} needs {size_text(needed, up=True)} in {folders}, "
                f"{size_text(available)} free"
            )


def is_full(error: OSError) -> bool:
    """Whether ``error`` is a write refused for want of space (or of quota)."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


def ran_out(error: OSError, doing: str, folder: str, needed: int | None) -> NoSpace:
    """The error for a real "no space left" in ``folder``; the free space it reports is
    measured when it is shown (see :class:`NoSpace`)."""
    needs = f": it needs {size_text(needed, up=True)}" if needed else ""
    if error.errno == errno.EDQUOT:  # the disk may have room; the user's quota has not
        return NoSpace(f"{doing} went over the disk quota in {folder}{needs}")
    return NoSpace(f"{doing} ran out of space in {folder}{needs}", free_in=folder)


@contextlib.contextmanager
def unpacking(archive: str, root: str, *, check_first: bool = True) -> Iterator[None]:
    """Room in ``root`` to unpack ``archive``, checked first (not with ``check_first``
    False: an unpacking that began as the archive downloaded, whose room the download
    checked, and which takes some of it already); for want of room during the unpacking,
    an error that names ``root``. (The caller's scratch folder is removed by
    registry.scratch as the error leaves it, so a full disk is not left full.)"""
    name = os.path.basename(archive)
    needed = unpacked_size(archive)
    if check_first:
        check(name, [("unpacking", root, needed)])
    try:
        yield
    except OSError as e:
        if not is_full(e):
            raise
        raise ran_out(e, f"unpacking {name}", root, needed) from None


def size_text(size: int, *, up: bool = False) -> str:
    """``size`` for a message: bytes below 1 MB, else whole MB (rounded ``up``, or down, so
    that a size needed never reads as less than one that is free)."""
    if size < MB:
        return f"{size:,} bytes"
    whole = -(-size // MB) if up else size // MB
    return f"{whole:,} MB"
