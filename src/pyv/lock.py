"""An exclusive lock on a file, held by one process (or thread) at a time: ``flock``.

pyv takes it around every change to ``versions/`` (the registry lock) and around each
download into the cache. The kernel drops a lock when its holder dies, however it dies,
so a killed pyv never leaves a lock behind. The holder writes its pid into the file, so
that a process waiting for it can say whom it waits for.

Not the filelock package: pyv runs on POSIX only (its shims are sh), where a lock is
one ``flock`` call, and filelock 4 imports logging, decimal, inspect and secrets, 8 ms
of every ``pyv install``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time

POLL = 0.05  # seconds between tries while another process holds the lock


class Timeout(Exception):
    """The lock was not free in time."""


class FileLock:
    """``with FileLock(path):`` holds the lock on ``path`` (made if missing).

    Every FileLock opens the file anew, so two threads of one process exclude each
    other too (flock locks belong to an open file, not to a process).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, timeout: float | None = None) -> None:
        """Take the lock, waiting at most ``timeout`` seconds (None: as long as it takes)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise Timeout(self.path) from None
                    time.sleep(POLL)
            with contextlib.suppress(OSError):  # a full disk: the lock is held all the same
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def holder(self) -> int | None:
        """The pid of the process that holds the lock, as it wrote it (None if unknown)."""
        try:
            with open(self.path, "rb") as f:
                text = f.read(20).strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def release(self) -> None:
        """Let the lock go (closing the file releases it)."""
        if self.fd is not None:
            fd, self.fd = self.fd, None
            with contextlib.suppress(OSError):  # while held: the next holder's pid is not ours
                os.ftruncate(fd, 0)
            os.close(fd)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
