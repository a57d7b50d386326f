"""A download's ``.part`` file, read while it grows: what lets pyv unpack as it downloads.

The download (download.py) writes the file in order and says how far it has got
(:meth:`Growing.grew`); an unpacking thread reads it through :class:`Growing`, a raw
binary stream whose reads wait for bytes that have not arrived yet. The download ends
the stream in one of three ways:

- :meth:`~Growing.complete`: every byte is there and the sha256 of the whole matched;
  the reader gets the end of the file after the last byte;
- :meth:`~Growing.fail`: the download failed for good, or its sha256 did not match;
  the reader's next read raises :class:`Abandoned`;
- :meth:`~Growing.restart`: what was read is not the start of the file after all (a
  resumed ``.part`` whose bytes were damaged, a server that ignored a Range request);
  the reader's next read raises :class:`Abandoned`, and whatever it made of the bytes
  must be thrown away (:attr:`~Growing.restarted`).

So a reader sees the end of the file only once the whole download is verified.
Unverified bytes can reach only what the reader writes them into (install.py unpacks
them into a private scratch folder, with the safe tar reader), never versions/.
"""

from __future__ import annotations

import io
import os
import threading

GROWING, COMPLETE, FAILED, RESTARTED = "growing", "complete", "failed", "restarted"
READ_AT_LEAST = 1 << 20  # bytes a read waits for while the download goes on
FIRST_READ = 1 << 16  # but the first read goes on with less: inflating starts at once
_PREADV = hasattr(os, "preadv")  # reads straight into the caller's buffer (not on macOS 10)


class Abandoned(Exception):
    """The download being read will not complete as it was read."""


class Growing(io.RawIOBase):
    """The bytes of a download as they reach its file, for a reader in another thread."""

    def __init__(self) -> None:
        super().__init__()
        self._changed = threading.Condition()
        self._fd: int | None = None
        self._size = 0  # bytes of the file written, in order, so far
        self._pos = 0  # where the reader is
        self._awaited = 0  # the size the reader waits for
        self.state = GROWING

    # -- the download's side ------------------------------------------------------------

    def grew(self, path: str, size: int) -> None:
        """The file at ``path`` now holds its first ``size`` bytes."""
        with self._changed:
            if self.state != GROWING:
                return
            if self._fd is None:
                # Opened here, by the writer: the reader's file stays the same one when
                # the download renames it into place.
                self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            self._size = size
            if size >= self._awaited:
                self._changed.notify_all()

    def complete(self) -> None:
        """Every byte is there and verified: the reader may reach the end."""
        self._end(COMPLETE)

    def fail(self) -> None:
        """The download failed: the reader stops."""
        self._end(FAILED)

    def restart(self) -> None:
        """The download starts again from the first byte: what was read is void."""
        self._end(RESTARTED)

    def stop(self) -> None:
        """The reader is not wanted any more (the install failed): its next read fails,
        even if the download completed."""
        with self._changed:
            if self.state != RESTARTED:
                self.state = FAILED
                self._changed.notify_all()

    @property
    def restarted(self) -> bool:
        """Whether what the reader read was not the start of the file after all."""
        return self.state == RESTARTED

    def _end(self, state: str) -> None:
        with self._changed:
            if self.state == GROWING:
                self.state = state
                self._changed.notify_all()

    # -- the reader's side --------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Back to a byte read already (the reader peeks at the first bytes)."""
        if whence != os.SEEK_SET or not 0 <= offset <= self._pos:
            raise io.UnsupportedOperation("a growing file seeks back only, from its start")
        self._pos = offset
        return offset

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Read into ``buffer`` what has arrived, once that is READ_AT_LEAST bytes
        (FIRST_READ for the first read), or fills ``buffer``, or is all there will be."""
        view = memoryview(buffer).cast("B")
        # A good piece at a time: each wake-up of the reader's thread takes the GIL from
        # the threads that write files.
        least = min(len(view), READ_AT_LEAST if self._pos else FIRST_READ)
        with self._changed:
            while self.state == GROWING and self._size - self._pos < least:
                self._awaited = self._pos + least
                self._changed.wait()
            if self.state in (FAILED, RESTARTED):
                raise Abandoned(f"the download {self.state}")
            wanted = min(len(view), self._size - self._pos)
            fd, pos = self._fd, self._pos
        if wanted == 0 or fd is None:
            return 0  # complete, and all read
        # Outside the lock: the bytes below _size never change while the file grows.
        if _PREADV:
            done = os.preadv(fd, [view[:wanted]], pos)
        else:
            data = os.pread(fd, wanted, pos)
            done = len(data)
            view[:done] = data
        self._pos += done
        return done

    def close(self) -> None:
        with self._changed:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        super().close()
