"""A slow download in pieces at once: more connections where one is the bottleneck.

A server often sends each response at a rate of its own (a CDN's limit per connection,
TCP's window over a long round trip), so that one connection takes seconds over an
archive that several fetch in a fraction of that. download.py watches the first
response; when the rest would take longer than :data:`WORTH` at its rate, and the
server takes Range requests, :class:`Pieces` splits the rest: the first connection
keeps reading the first piece, and each other piece gets a connection and a thread of
its own, and is written straight into its place in the ``.part`` file.

The sha256 needs the bytes in order, and so does the reader of a growing download
(growing.py): :meth:`Pieces.follow` moves a frontier through the pieces as they
arrive, hashing and publishing what lies below it. Below the frontier the file is
whole. If a piece fails, download.py stops the others and cuts the file back to the
frontier, so that a ``.part`` file is always the start of the archive, to resume
from. (A kill can leave pieces beyond the frontier: a resume then finds a damaged
``.part`` file and starts over, as it does for any damaged one.)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping

from pyv.builds import transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    import hashlib

    from pyv.builds.transport import Response, Session

    Retrying = Callable[[str, Mapping[str, str], Callable[[Session], None]], None]

CONNECTIONS = 4  # at most, for one download
WATCH = 0.1  # seconds of the first response to measure its rate over
WORTH = 0.5  # seconds the rest would take at that rate, for more connections to pay
LEAST = 2 << 20  # bytes still to come, at the least, to split
CHUNK = 1 << 20


def worth_splitting(left: int, got: int, seconds: float) -> bool:
    """Whether ``left`` more bytes deserve more connections, the first ``got`` bytes of
    the response having taken ``seconds``."""
    if left < LEAST or seconds < WATCH:
        return False
    return got <= 0 or left * seconds / got > WORTH


class Pieces:
    """Bytes ``start`` to ``total`` of ``url`` into ``part``: the first piece (up to
    :attr:`first_end`) left to the connection that is reading already, the others
    fetched at once."""

    def __init__(
        self,
        url: str,
        part: str,
        environ: Mapping[str, str],
        start: int,
        total: int,
        *,
        with_retries: Retrying,
        check_status: Callable[[Response], None],
        advance: Callable[[int], None] | None,
    ) -> None:
        self.part = part
        self.check_status = check_status
        self.advance = advance
        self.changed = threading.Condition()  # a piece wrote, or ended
        self.counting = threading.Lock()  # for advance, called from every piece's thread
        self.cancelled = False
        self.frontier = start  # the file is whole below it
        size = -(-(total - start) // CONNECTIONS)
        bounds = [*range(start, total, size), total]
        self.first_end = bounds[1]
        self.pieces = [
            _Piece(self, url, environ, begin, end, with_retries)
            for begin, end in zip(bounds[1:-1], bounds[2:])
        ]
        for piece in self.pieces:
            piece.start()

    def follow(self, digest: hashlib._Hash, grew: Callable[[int], None]) -> int:
        """From the end of the first piece, hash and publish (``grew``) the other pieces'
        bytes in order as they arrive; return the end. A failed piece is a ReadError."""
        fd = os.open(self.part, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            for piece in self.pieces:
                while self.frontier < piece.end:
                    with self.changed:
                        while piece.begin + piece.written <= self.frontier and not piece.ended:
                            self.changed.wait()
                        arrived = piece.begin + piece.written
                    if arrived <= self.frontier:
                        raise transport.ReadError(f"a piece of the download failed: {piece.why()}")
                    while self.frontier < arrived:
                        data = os.pread(fd, min(CHUNK, arrived - self.frontier), self.frontier)
                        if not data:
                            raise transport.ReadError("a piece of the download went missing")
                        digest.update(data)
                        self.frontier += len(data)
                    grew(self.frontier)
        finally:
            os.close(fd)
        return self.frontier

    def stop(self) -> bool:
        """Stop every piece; True once none of them can write any more (False if one is
        still busy after a while: the file must then be given up)."""
        with self.changed:
            self.cancelled = True
        for piece in self.pieces:
            piece.abort()
        deadline = time.monotonic() + 2
        for piece in self.pieces:
            piece.join(max(0.0, deadline - time.monotonic()))
        return not any(piece.is_alive() for piece in self.pieces)

    def moved(self, size: int) -> None:
        """``size`` more bytes arrived, on any connection: for the progress display."""
        if self.advance:
            with self.counting:
                self.advance(size)


class _Stopped(Exception):
    """The download this piece belongs to stopped."""


class _NotRanged(Exception):
    """A server that did not answer a Range request with that range."""


class _Piece(threading.Thread):
    """Bytes ``begin`` to ``end`` of the file, written into their place in it."""

    def __init__(
        self,
        owner: Pieces,
        url: str,
        environ: Mapping[str, str],
        begin: int,
        end: int,
        with_retries: Retrying,
    ) -> None:
        super().__init__(name=f"pyv-piece-{begin}", daemon=True)
        self.owner = owner
        self.url = url
        self.environ = environ
        self.begin = begin
        self.end = end
        self.with_retries = with_retries
        self.written = 0  # bytes from begin, in order
        self.ended = False
        self.error: BaseException | None = None
        self.response: Response | None = None

    def run(self) -> None:
        try:
            self.with_retries(self.url, self.environ, self._attempt)
        except BaseException as e:  # follow raises it in the download's thread
            self.error = e
        finally:
            with self.owner.changed:
                self.ended = True
                self.owner.changed.notify_all()

    def why(self) -> str:
        return str(self.error) or type(self.error).__name__

    def abort(self) -> None:
        """Wake the thread from a read (it may be waiting for the server)."""
        response = self.response
        if response is not None:
            response.abort()

    def _attempt(self, session: Session) -> None:
        offset = self.begin + self.written
        headers = {"Accept-Encoding": "identity", "Range": f"bytes={offset}-{self.end - 1}"}
        if self.owner.cancelled:
            raise _Stopped
        with session.get(self.url, headers) as response:
            self.response = response
            self.owner.check_status(response)
            said = response.headers.get("content-range", "")
            if response.status_code != 206 or not said.startswith(f"bytes {offset}-"):
                raise _NotRanged(f"HTTP {response.status_code} for a Range request")
            fd = os.open(self.owner.part, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                for chunk in response.iter_raw(reuse=True):
                    if self.owner.cancelled:
                        raise _Stopped
                    data = memoryview(chunk)[: self.end - offset]
                    while data:
                        done = os.pwrite(fd, data, offset)
                        data = data[done:]
                        offset += done
                        with self.owner.changed:
                            self.written = offset - self.begin
                            self.owner.changed.notify_all()
                        self.owner.moved(done)
                    if offset >= self.end:
                        break
            finally:
                os.close(fd)
                self.response = None
        if offset < self.end:
            raise transport.RemoteProtocolError("the connection closed before the end of a piece")
