"""Bytes on disk, verified: streaming download, sha256, cache, retries, resume, mirrors.

Every archive lands in the cache as ``<cache>/downloads/<sha256>/<file name>``, so a
reinstall needs no network. A download is written to ``<file>.part`` while its
sha256 is computed. It is renamed into place only when the hash matches, and an
interrupted download resumes from the ``.part`` file with an HTTP Range request.
Connection errors, timeouts, 429 and 5xx are retried with backoff. Anything else is
a one-line error.

A download is never larger than the server said (Content-Length), nor, when it said
nothing, than ``PYV_MAX_DOWNLOAD_MB`` (default 1000). Before the first byte is written,
the cache must have room for the file, and the folder it will be unpacked in for that
too (see diskspace.py). A ``.part`` file that went over the limit, or that filled the
disk, is deleted: only one cut short by the network is kept to resume.

``PYV_MIRROR`` replaces the python-build-standalone release prefix (http, https
or file URLs). Proxies and CA bundles come from the usual environment variables
(``HTTPS_PROXY``, ``SSL_CERT_FILE``...; see transport.py). ``PYV_HTTP_TIMEOUT`` sets the
seconds to wait for the server (default 30). ``PYV_HTTP_RETRIES`` sets the retries
(default 5).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping

from pyv.builds import diskspace
from pyv.errors import PyvError, printable, say

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing takes 3.5 ms to import, before the download could start
    import hashlib
    import ssl
    from typing import TypeVar

    from pyv.builds.growing import Growing
    from pyv.builds.pieces import Pieces
    from pyv.builds.transport import Response, Session


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Installs at once, by default: one per core, 2 to 4. Each unpacks as it downloads and
# keeps about a core busy inflating; more than the cores only take turns on them (on 2
# cores, four versions in one command took 0.60 s with 4 at once, 0.56 s with 2), and a
# slow download gets connections of its own anyway (pieces.py).
JOBS = min(4, max(2, _cores()))
UPSTREAM = "https://github.com/astral-sh/python-build-standalone/releases/download"
CHUNK = 1 << 20
BACKOFF = 0.25  # seconds before the first retry; doubled each time, at most 8
MAX_DOWNLOAD_MB = 1000  # the most pyv takes from a server that does not say the size
MAX_SECONDS = 86400  # a longer timeout is no timeout, and sockets refuse some (1e10 s)


class DownloadError(PyvError):
    """A download that failed for good."""


class NotFound(DownloadError):
    """A URL the server says holds nothing (404, 410): another URL may."""


class NotCached(DownloadError):
    """--offline, and the file is not in the cache."""


class TooLarge(DownloadError):
    """A server that sent more than it said it would, or more than the limit."""


def mirrored(url: str, environ: Mapping[str, str]) -> str:
    """``url`` with the upstream release prefix replaced by PYV_MIRROR, if set."""
    mirror = environ.get("PYV_MIRROR", "").rstrip("/")
    if mirror and url.startswith(UPSTREAM + "/"):
        return mirror + url[len(UPSTREAM) :]
    return url


def file_name(url: str) -> str:
    """The name of the file that ``url`` downloads."""
    return unquote(url.rsplit("/", 1)[-1])


_HEX = frozenset("0123456789abcdefABCDEF")


def unquote(text: str) -> str:
    """``text`` with its %XX escapes decoded, as urllib.parse.unquote does (UTF-8, bad
    bytes replaced), without importing it (2.4 ms, with ipaddress) for the %2B of every
    python-build-standalone file name. Text that is not ASCII goes to urllib.parse."""
    if "%" not in text:
        return text
    if not text.isascii():
        import urllib.parse

        return urllib.parse.unquote(text)
    first, *rest = text.split("%")
    data = bytearray(first, "ascii")
    for piece in rest:
        if len(piece) >= 2 and _HEX.issuperset(piece[:2]):
            data.append(int(piece[:2], 16))
            data += piece[2:].encode("ascii")
        else:
            data += b"%" + piece.encode("ascii")
    return data.decode("utf-8", "replace")


def cache_path(cache: str, sha256: str, filename: str) -> str:
    """Where the archive with ``sha256`` is kept."""
    return os.path.join(cache, "downloads", sha256, os.path.basename(filename))


def fetch(
    url: str,
    sha256: str,
    *,
    cache: str,
    environ: Mapping[str, str],
    offline: bool = False,
    progress: Callable[[int, int | None], Callable[[int], None]] | None = None,
    unpack_in: str | None = None,
    tap: Callable[[Growing], None] | None = None,
) -> str:
    """The verified archive for ``url`` in the cache, downloading it if needed; with
    ``unpack_in``, that folder must also have room to unpack it before the download starts.

    With ``tap``, a download is handed to ``tap`` as it starts, as a
    :class:`~pyv.builds.growing.Growing` to read while the bytes arrive, and so is a
    file found in the cache while its sha256 is checked; either way its reader reaches
    the end only once the sha256 of the whole file has matched."""
    sha256 = sha256.lower()
    filename = file_name(url)
    final = cache_path(cache, sha256, filename)
    if os.path.isfile(final):
        if tap is None:
            if file_sha256(final) == sha256:
                return final
        elif _cached(final, sha256, unpack_in, tap):
            return final
        else:
            tap = None  # a damaged copy: unpacked from the file once it is downloaded again
    if offline:
        raise NotCached(f"{filename} is not in the download cache ({final}) and --offline is set")
    from pyv.lock import FileLock

    def room(total: int, rest: int) -> None:
        needs = [("downloading", cache, rest)]
        if unpack_in:
            needs.append(("unpacking", unpack_in, diskspace.estimate(total)))
        diskspace.check(filename, needs)

    part = final + ".part"
    transfer = _Transfer(mirrored(url, environ), part, filename, environ, progress, room)
    try:
        os.makedirs(os.path.dirname(final), exist_ok=True)
        # Two pyv processes fetching the same file: the second waits, then finds it.
        with FileLock(final + ".lock"):
            if os.path.isfile(final) and file_sha256(final) == sha256:
                return final
            if tap:
                from pyv.builds.growing import Growing

                transfer.growing = Growing()
                transfer.tap = tap  # once the request is out (see _Transfer.sent)
            try:
                _fill(transfer, sha256)
                os.replace(part, final)
            except BaseException:
                if transfer.growing:
                    transfer.growing.fail()
                raise
            if transfer.growing:
                transfer.growing.complete()
    except OSError as e:
        if not diskspace.is_full(e):
            raise
        raise diskspace.ran_out(e, f"downloading {filename}", cache, transfer.total) from None
    return final


def _cached(final: str, sha256: str, unpack_in: str | None, tap: Callable[[Growing], None]) -> bool:
    """Hand the cached archive ``final`` to ``tap`` whole, and check its sha256 meanwhile
    (20 ms for 26 MB, which the unpacking no longer waits for); as for a download, its
    reader reaches the end only once the sha256 matched. False if it did not: the reader
    is told to start over."""
    from pyv.builds.growing import Growing

    if unpack_in:  # as a download checks before its first byte
        needs = diskspace.unpacked_size(final)
        diskspace.check(os.path.basename(final), [("unpacking", unpack_in, needs)])
    growing = Growing()
    tap(growing)
    growing.grew(final, os.path.getsize(final))
    if file_sha256(final) == sha256:
        growing.complete()
        return True
    growing.restart()
    return False


def _fill(transfer: _Transfer, sha256: str) -> None:
    """Download into ``transfer.part`` the file with ``sha256`` (under the file's lock)."""
    part = transfer.part
    try:
        resumed = os.path.exists(part)
        actual = transfer.run()
        if actual != sha256 and resumed and not transfer.copied:
            # What an earlier, interrupted run left was not the start of this file
            # (damaged, or another file): once more, from the first byte.
            transfer.restart()
            actual = transfer.run()
    except TooLarge:
        _discard(part)  # never complete: nothing to resume
        raise
    except OSError as e:
        if diskspace.is_full(e):
            _discard(part)  # it filled the disk: give the space back before saying so
        raise
    if actual != sha256:
        got = os.path.getsize(part)
        _discard(part)
        kind = f" of {transfer.content_type}" if transfer.content_type else ""
        raise DownloadError(
            f"sha256 mismatch for {transfer.name}: expected {sha256}, got {actual} "
            f"({got:,} bytes{kind}); nothing was installed",
            hint="a web page came instead of the archive: a captive portal or a proxy's error page?"
            if transfer.content_type.startswith("text/")
            else None,
        )


def _discard(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def is_sha256(text: str) -> bool:
    """Whether ``text`` is a sha256 written out: 64 hexadecimal digits."""
    return len(text) == 64 and not text.lower().strip("0123456789abcdef")


def file_sha256(path: str) -> str:
    """The sha256 of a file, read in chunks."""
    import hashlib  # 2 ms: not for every command that reads JOBS

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def get(url: str, environ: Mapping[str, str], *, what: str) -> bytes:
    """The body of ``url``, a small document such as a catalog, with the same retries,
    timeouts, proxies, certificates and one-line errors as a download; ``what`` names
    it in messages."""

    limit = _max_download(environ)

    def attempt(session: Session) -> bytes:
        with session.get(url, {"Accept-Encoding": "identity"}) as response:
            _check_status(what, response.status_code, response.reason_phrase)
            body = bytearray()
            for chunk in response.iter_raw(reuse=True):
                body += chunk
                if len(body) > limit:
                    raise TooLarge(_too_large(what, limit, announced=False))
            return bytes(body)

    return _with_retries(url, environ, attempt, what=what)


if TYPE_CHECKING:
    T = TypeVar("T")


def _with_retries(
    url: str, environ: Mapping[str, str], attempt: Callable[[Session], T], *, what: str = ""
) -> T:
    """``attempt(session)``, tried again after connection errors, timeouts, 429 and 5xx;
    messages name ``what`` (default: the file's name)."""
    from pyv.builds import transport

    timeout = _setting(environ, "PYV_HTTP_TIMEOUT", 30, whole=False)
    retries = int(_setting(environ, "PYV_HTTP_RETRIES", 5, whole=True))
    name = what or file_name(url)
    session = transport.Session(environ, timeout=timeout, tls=lambda: _tls_context(environ))
    for tries in range(retries + 1):
        try:
            return attempt(session)
        except _Retry as e:
            reason = str(e)
        except transport.RETRYABLE as e:
            if isinstance(e, transport.ConnectError) and _permanent(e):
                raise DownloadError(f"cannot download {name}: {e}{_via(session, url)}") from None
            reason = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        except transport.TransportError as e:
            raise DownloadError(f"cannot download {name}: {e}{_via(session, url)}") from None
        if tries == retries:
            times = f"{retries + 1} tries" if retries else "1 try"
            raise DownloadError(
                f"cannot download {name} after {times}: {reason}{_via(session, url)}"
            )
        delay = min(BACKOFF * 2**tries, 8.0)
        say(f"pyv: {name}: {reason}; retrying in {delay:.1f} s")
        time.sleep(delay)
    raise AssertionError("unreachable")


def _check_status(what: str, status: int, reason: str) -> None:
    """Nothing for a success; _Retry for 429 and 5xx; a one-line error for the rest."""
    if status == 429 or status >= 500:
        raise _Retry(f"HTTP {status}")
    if status in (404, 410):
        raise NotFound(f"cannot download {what}: HTTP {status} {reason}")
    if status >= 400:
        raise DownloadError(f"cannot download {what}: HTTP {status} {reason}")


def _setting(
    environ: Mapping[str, str], name: str, default: float, *, whole: bool, least: int = 0
) -> float:
    """The number in the environment variable ``name`` (``default`` if it is unset):
    a count of ``least`` or more (``whole``), else a number of seconds above 0 and at most
    ``MAX_SECONDS``."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(int(text) if whole else float(text))
    except ValueError:
        value = float("nan")
    if not (value >= least if whole else 0 < value <= MAX_SECONDS):  # NaN fails either test
        what = (
            f"a whole number, {least} or more"
            if whole
            else f"a number of seconds above 0, at most {MAX_SECONDS}"
        )
        raise PyvError(f"{name} must be {what}, not `{text}'")
    return value


def _max_download(environ: Mapping[str, str]) -> int:
    """The most bytes pyv takes from a server that does not say how many it sends."""
    mb = _setting(environ, "PYV_MAX_DOWNLOAD_MB", MAX_DOWNLOAD_MB, whole=True, least=1)
    return int(mb) * diskspace.MB


def _too_large(what: str, limit: int, *, announced: bool) -> str:
    if announced:
        said = f"the {diskspace.size_text(limit)} it announced"
    else:
        said = f"{diskspace.size_text(limit)} without saying how much, the most pyv takes"
        said += " (PYV_MAX_DOWNLOAD_MB)"
    return f"cannot download {what}: the server sent more than {said}"


_TLS: dict[tuple[str, str], ssl.SSLContext] = {}  # by (SSL_CERT_FILE, SSL_CERT_DIR)
_TLS_GUARD = threading.Lock()


def _tls_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    """The TLS settings: certificates from ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else
    certifi's bundle. Made only when a URL is https, and once (the pieces of a download
    share it): loading the certificates costs about 25 ms, which a download over http://
    (a local mirror) never needs."""
    import ssl

    key = (environ.get("SSL_CERT_FILE", ""), environ.get("SSL_CERT_DIR", ""))
    with _TLS_GUARD:
        if key not in _TLS:
            # PROTOCOL_TLS_CLIENT: certificates required, host names checked, no old
            # protocols.
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if key[0]:
                context.load_verify_locations(cafile=key[0])
            elif key[1]:
                context.load_verify_locations(capath=key[1])
            else:
                import certifi

                context.load_verify_locations(cafile=certifi.where())
            _TLS[key] = context
        return _TLS[key]


def _via(session: Session, url: str) -> str:
    """`` (through the proxy P)`` if ``url`` goes through one; without the proxy's password."""
    proxy = session.proxy_for(url)
    if not proxy:
        return ""
    import urllib.parse

    shown = urllib.parse.urlsplit(proxy)
    host = shown.hostname or proxy
    return f" (through the proxy {shown.scheme}://{host}{f':{shown.port}' if shown.port else ''})"


class _Retry(Exception):
    """A response worth another try (429, 5xx)."""


def _permanent(error: BaseException) -> bool:
    """DNS failures and TLS that fails for good (a certificate that is not trusted, a
    server that does not speak TLS) do not get better by retrying."""
    import socket
    import ssl

    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return True
        if isinstance(cause, ssl.SSLError) and not isinstance(
            cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    text = str(error).lower()  # in case a layer kept only the message
    return "name or service not known" in text or "certificate" in text


class _Transfer:
    """One file into its ``.part`` file, over as many requests as it takes, keeping what
    the server said about it for the messages."""

    def __init__(
        self,
        url: str,
        part: str,
        name: str,
        environ: Mapping[str, str],
        progress: Callable[[int, int | None], Callable[[int], None]] | None,
        room: Callable[[int, int], None],
    ) -> None:
        self.url = url
        self.part = part
        self.name = name
        self.environ = environ
        self.progress = progress
        self.room = room  # (the whole size, the bytes still to write): NoSpace if no room
        self.limit = _max_download(environ)
        self.copied = url.startswith("file:")
        self.total: int | None = None  # the whole file's size, once it is known
        self.content_type = ""  # as the last response gave it
        self.growing: Growing | None = None  # told of every byte written, in order
        self.tap: Callable[[Growing], None] | None = None  # handed growing, once
        self.may_split = True  # until pieces of this file failed once

    def sent(self) -> None:
        """A request has gone out: hand the growing file to its reader now, not before.
        Its thread imports what the first bytes need (hashlib loads OpenSSL: 3.5 ms)
        while the server answers, instead of taking the GIL from the request."""
        tap, self.tap = self.tap, None
        if tap is not None and self.growing is not None:
            tap(self.growing)

    def grew(self, size: int) -> None:
        """The ``.part`` file holds ``size`` bytes, in order: a reader may have them."""
        if self.growing:
            self.growing.grew(self.part, size)

    def restart(self) -> None:
        """Start the file over: a new ``.part``, never the old one rewritten, so that a
        reader of the old one is stopped before it could see a byte change."""
        if self.growing:
            self.growing.restart()
        _discard(self.part)

    def run(self) -> str:
        """Fill the ``.part`` file (resuming what is there); return the sha256 of it all."""
        if self.copied:
            return self._copy()
        return _with_retries(self.url, self.environ, self._attempt)

    def _copy(self) -> str:
        import shutil
        import urllib.parse
        import urllib.request  # 9 ms to import: only for file: URLs

        self.sent()  # no request: the reader starts at once

        path = urllib.request.url2pathname(urllib.parse.urlparse(self.url).path)
        try:
            self.total = os.path.getsize(path)
            self.room(self.total, self.total)
            shutil.copyfile(path, self.part)
        except OSError as e:
            if diskspace.is_full(e):
                raise
            raise DownloadError(f"cannot read {path}: {e.strerror}") from None
        self.grew(self.total)
        return file_sha256(self.part)

    def _attempt(self, session: Session) -> str:
        """One request; the sha256 is computed as the bytes arrive (and over what a resume
        keeps). A slow response gets more connections for the rest (pieces.py)."""
        from pyv.builds.transport import RemoteProtocolError

        part = self.part
        have = os.path.getsize(part) if os.path.exists(part) else 0
        # The file's own bytes, never re-encoded in transit (and never decoded: a server
        # that labels a .tar.gz "Content-Encoding: gzip" still sends the file), as pip does.
        headers = {"Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        with session.get(self.url, headers, sent=self.sent) as response:
            status = response.status_code
            if status == 416 and have:
                self.grew(have)
                return file_sha256(part)  # the .part file is complete already
            _check_status(self.url, status, response.reason_phrase)
            if status != 206 and have:
                have = 0  # the server sent the whole file: start over
                self.restart()
            kind = response.headers.get("content-type", "").partition(";")[0].strip()
            self.content_type = printable(kind)
            length = response.headers.get("content-length")
            total = have + int(length) if length and length.isdigit() else None
            if total is not None:
                self.total = total
                self.room(total, total - have)
            digest = _hash_prefix(part, have)
            advance = self.progress(have, total) if self.progress else None
            ranges = status == 206 or response.headers.get("accept-ranges", "") == "bytes"
            size, split = self._receive(response, have, total, digest, advance, ranges=ranges)
        if split is not None:
            try:
                split.frontier = size
                if size < split.first_end:
                    raise RemoteProtocolError("the connection closed before the end of the file")
                size = split.follow(digest, self.grew)
            except BaseException:
                self._give_up(split)
                raise
        if total is not None and size < total:
            raise RemoteProtocolError("the connection closed before the end of the file")
        return digest.hexdigest()

    def _receive(
        self,
        response: Response,
        have: int,
        total: int | None,
        digest: hashlib._Hash,
        advance: Callable[[int], None] | None,
        *,
        ranges: bool,
    ) -> tuple[int, Pieces | None]:
        """Write the body after the first ``have`` bytes, as it arrives (a drop keeps what
        came); with ``ranges`` (the server takes Range requests), split the rest into
        pieces if it is slow. The size reached, and the pieces."""
        from pyv.builds import pieces

        limit = self.limit if total is None else total
        size = have
        split: pieces.Pieces | None = None
        began = time.monotonic()
        with open(self.part, "r+b" if have else "wb") as f:  # never O_APPEND: pieces
            f.seek(have)
            self.grew(have)
            try:
                for chunk in response.iter_raw(reuse=True):
                    if split is not None:
                        chunk = chunk[: split.first_end - size]
                    size += len(chunk)
                    if size > limit:
                        said = _too_large(self.name, limit, announced=total is not None)
                        raise TooLarge(f"{said}; nothing was installed")
                    f.write(chunk)
                    if self.growing:  # before the sha256: the bytes go on at once
                        f.flush()
                        self.grew(size)
                    digest.update(chunk)
                    if split is not None:
                        split.moved(len(chunk))
                        if size >= split.first_end:
                            break
                        continue
                    if advance:
                        advance(len(chunk))
                    took = time.monotonic() - began
                    if (
                        ranges
                        and total is not None
                        and self.may_split
                        and pieces.worth_splitting(total - size, size - have, took)
                    ):
                        split = pieces.Pieces(
                            self.url,
                            self.part,
                            self.environ,
                            size,
                            total,
                            with_retries=_with_retries,
                            check_status=self._check_piece,
                            advance=advance,
                        )
            except BaseException:
                if split is not None:
                    f.flush()
                    split.frontier = size
                    self._give_up(split)
                raise
        return size, split

    def _check_piece(self, response: Response) -> None:
        _check_status(self.url, response.status_code, response.reason_phrase)

    def _give_up(self, split: Pieces) -> None:
        """Stop the pieces of a download that failed, and keep the ``.part`` file the
        start of the archive: cut back to the frontier, or (a piece that would not stop)
        started over. The retry goes on in one connection."""
        self.may_split = False
        if split.stop():
            os.truncate(self.part, split.frontier)
        else:
            self.restart()


def _hash_prefix(path: str, size: int) -> hashlib._Hash:
    """A sha256 that has seen the first ``size`` bytes of ``path`` (the part a resume keeps)."""
    if not size:
        return _Sha256()  # type: ignore[return-value]
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        remaining = size
        while remaining and (chunk := f.read(min(CHUNK, remaining))):
            digest.update(chunk)
            remaining -= len(chunk)
    return digest


class _Sha256:
    """A sha256 made when the first bytes come: importing hashlib loads OpenSSL (3.5 ms),
    and a download's first bytes go to the unpacking thread before they are hashed."""

    def __init__(self) -> None:
        self.made: hashlib._Hash | None = None

    def _real(self) -> hashlib._Hash:
        if self.made is None:
            import hashlib

            self.made = hashlib.sha256()
        return self.made

    def update(self, data: bytes | memoryview) -> None:
        self._real().update(data)

    def hexdigest(self) -> str:
        return self._real().hexdigest()
