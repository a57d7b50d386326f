"""Replace a file or a link in one step, and find what a killed writer left behind.

A reader sees the old file or the new one, never half of either: the new content is
written to ``.<name>.<pid>.tmp`` (beside the target, or in a folder of pyv's own on
the same file system) and renamed over the target. Every way out of a write removes
that file, except a kill, which can leave it behind. :func:`stale` finds the ones
whose writer is gone, for the reconcile step (``pyv.reconcile``) and for the next
write into the same folder.

Stdlib only.
"""

from __future__ import annotations

import errno
import os

_SUFFIXES = (".tmp", ".link")  # .<name>.<pid>.tmp, and pyv 0.1's .<alias>.<pid>.link


def temp_path(path: str, folder: str | None = None) -> str:
    """The temporary name this process uses while it replaces ``path`` (in ``folder``)."""
    here, name = os.path.split(path)
    return os.path.join(folder or here, f".{name}.{os.getpid()}.tmp")


def write(
    path: str,
    data: str | bytes,
    *,
    mode: int | None = None,
    durable: bool = False,
    temp_dir: str | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically (``mode``: its permissions).

    ``temp_dir``: write the temporary file there instead of beside ``path`` when it is
    on the same file system, so a kill leaves nothing in the target's folder.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if temp_dir is not None and not _same_device(temp_dir, os.path.dirname(path) or "."):
        temp_dir = None
    tmp = temp_path(path, temp_dir)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(fd, view) :]
            if mode is not None:
                os.fchmod(fd, mode)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, path)
        except OSError as e:
            if temp_dir is None or e.errno != errno.EXDEV:
                raise
            write(path, raw, mode=mode, durable=durable)  # two mounts of one file system
    finally:
        _remove(tmp)


def _same_device(a: str, b: str) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def symlink(target: str, path: str) -> None:
    """Make ``path`` a link to ``target``, replacing whatever it was, atomically: a new
    name in one call, atomic by itself; else a link made aside, renamed over it."""
    try:
        os.symlink(target, path)
        return
    except FileExistsError:
        pass
    tmp = temp_path(path)
    _remove(tmp)
    try:
        os.symlink(target, tmp)
        os.replace(tmp, path)
    finally:
        _remove(tmp)


def stale(folder: str) -> list[str]:
    """Temporary files in ``folder`` whose writer process is gone (or is this one)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        pid = temp_owner(name)
        # this process is not writing while it asks: its own pid's are a dead one's
        if pid and (pid == os.getpid() or not alive(pid)):
            found.append(os.path.join(folder, name))
    return sorted(found)


def temp_owner(name: str) -> int:
    """The pid in a temporary file's name (``.<name>.<pid>.tmp``), else 0.

    Plain string work, not a regex: the hot commands import this module, and ``re``
    costs them 2 to 4 ms."""
    if not name.startswith(".") or not name.endswith(_SUFFIXES):
        return 0
    head, _, pid = name.rpartition(".")[0].rpartition(".")
    if len(head) < 2 or "\n" in head or not (pid.isascii() and pid.isdigit()):
        return 0
    return int(pid)


def remove_stale(folder: str) -> list[str]:
    """Remove :func:`stale` files from ``folder``; return what was removed."""
    removed = []
    for path in stale(folder):
        if _remove(path):
            removed.append(path)
    return removed


def alive(pid: int | None) -> bool:
    """True if ``pid`` is a running process (this one included)."""
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process: leave its files alone
    return True


def _remove(path: str) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True
