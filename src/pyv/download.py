"""Bytes on disk, verified: streaming download, sha256, cache, retries, resume, mirrors.

Every archive lands in the cache as ``<cache>/downloads/<sha256>/<file name>``, so a
reinstall needs no network. A download is written to ``<file>.part`` while its
sha256 is computed. It is renamed into place only when the hash matches, and an
interrupted download resumes from the ``.part`` file with an HTTP Range request.
Connection errors, timeouts, 429 and 5xx are retried with backoff. Anything else is
a one-line error.

``PYV_MIRROR`` replaces the python-build-standalone release prefix (http, https
or file URLs). Proxies and CA bundles come from the usual environment variables
(``HTTPS_PROXY``, ``SSL_CERT_FILE``...) through httpx. ``PYV_HTTP_TIMEOUT`` sets the
seconds to wait for the server (default 30). ``PYV_HTTP_RETRIES`` sets the retries
(default 5).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pyv.errors import PyvError, say

if TYPE_CHECKING:
    import hashlib
    import ssl

JOBS = 4  # downloads at once, by default
UPSTREAM = "https://github.com/astral-sh/python-build-standalone/releases/download"
CHUNK = 1 << 20
BACKOFF = 0.25  # seconds before the first retry; doubled each time, at most 8


class ProgressBars:
    """One tqdm bar per concurrent download (size, rate, ETA), only on a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.enabled = not quiet and sys.stderr.isatty()
        self.bars: list[Any] = []

    def maker(self, label: str, position: int) -> Any:
        if not self.enabled:
            return None
        import shutil

        from tqdm import tqdm

        # A terminal that reports no size (0x0) would get no bar at all.
        size = shutil.get_terminal_size((80, 24))
        width, height = size.columns or 80, size.lines or 24

        def start(have: int, total: int | None) -> Any:
            bar = tqdm(
                total=total,
                initial=have,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=label,
                position=position,
                file=sys.stderr,
                leave=False,
                ncols=width,
                nrows=height,
            )
            self.bars.append(bar)
            return bar.update

        return start

    def close(self) -> None:
        for bar in self.bars:
            bar.close()


class DownloadError(PyvError):
    """A download that failed for good."""


def mirrored(url: str, environ: Mapping[str, str]) -> str:
    """``url`` with the upstream release prefix replaced by PYV_MIRROR, if set."""
    mirror = environ.get("PYV_MIRROR", "").rstrip("/")
    if mirror and url.startswith(UPSTREAM + "/"):
        return mirror + url[len(UPSTREAM) :]
    return url


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
) -> str:
    """The verified archive for ``url`` in the cache, downloading it if needed."""
    sha256 = sha256.lower()
    filename = urllib.parse.unquote(url.rsplit("/", 1)[-1])
    final = cache_path(cache, sha256, filename)
    if os.path.isfile(final) and file_sha256(final) == sha256:
        return final
    if offline:
        raise DownloadError(
            f"{filename} is not in the download cache ({final}) and --offline is set"
        )
    os.makedirs(os.path.dirname(final), exist_ok=True)
    from pyv.lock import FileLock

    # Two pyv processes fetching the same file: the second waits, then finds it.
    with FileLock(final + ".lock"):
        if os.path.isfile(final) and file_sha256(final) == sha256:
            return final
        source = mirrored(url, environ)
        if source.startswith("file:"):
            _copy_file(source, final + ".part")
            actual = file_sha256(final + ".part")
        else:
            resumed = os.path.exists(final + ".part")
            actual = _download(source, final + ".part", environ, progress)
            if actual != sha256 and resumed:
                # What an earlier, interrupted run left was not the start of this file
                # (damaged, or another file): once more, from the first byte.
                os.unlink(final + ".part")
                actual = _download(source, final + ".part", environ, progress)
        if actual != sha256:
            os.unlink(final + ".part")
            raise DownloadError(
                f"sha256 mismatch for {filename}: expected {sha256}, got {actual}; "
                "nothing was installed"
            )
        os.replace(final + ".part", final)
    return final


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


def _copy_file(url: str, part: str) -> None:
    import urllib.request  # 9 ms to import: only for file: URLs

    path = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    try:
        shutil.copyfile(path, part)
    except OSError as e:
        raise DownloadError(f"cannot read {path}: {e.strerror}") from None


def get(url: str, environ: Mapping[str, str], *, what: str) -> bytes:
    """The body of ``url``, a small document such as a catalog, with the same retries,
    timeouts, proxies, certificates and one-line errors as a download; ``what`` names
    it in messages."""

    def attempt(client: Any) -> bytes:
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        _check_status(what, response.status_code, response.reason_phrase)
        return bytes(response.content)

    return _with_retries(url, environ, attempt, what=what)


def _download(
    url: str,
    part: str,
    environ: Mapping[str, str],
    progress: Callable[[int, int | None], Callable[[int], None]] | None,
) -> str:
    """Download ``url`` into ``part`` (resuming what is there); return the sha256 of it all."""
    return _with_retries(url, environ, lambda client: _attempt(client, url, part, progress))


T = TypeVar("T")


def _with_retries(
    url: str, environ: Mapping[str, str], attempt: Callable[[Any], T], *, what: str = ""
) -> T:
    """``attempt(client)``, tried again after connection errors, timeouts, 429 and 5xx;
    messages name ``what`` (default: the file's name)."""
    import httpx

    timeout = _setting(environ, "PYV_HTTP_TIMEOUT", 30, whole=False)
    retries = int(_setting(environ, "PYV_HTTP_RETRIES", 5, whole=True))
    name = what or urllib.parse.unquote(url.rsplit("/", 1)[-1])
    with httpx.Client(
        follow_redirects=True, timeout=timeout, trust_env=True, verify=_tls_context(environ)
    ) as client:
        for tries in range(retries + 1):
            try:
                return attempt(client)
            except _Retry as e:
                reason = str(e)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
                if isinstance(e, httpx.ConnectError) and _permanent(e):
                    raise DownloadError(f"cannot download {name}: {e}{_via(url)}") from None
                reason = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            except httpx.HTTPError as e:
                raise DownloadError(f"cannot download {name}: {e}{_via(url)}") from None
            if tries == retries:
                raise DownloadError(
                    f"cannot download {name} after {retries + 1} tries: {reason}{_via(url)}"
                )
            delay = min(BACKOFF * 2**tries, 8.0)
            say(f"pyv: {name}: {reason}; retrying in {delay:.1f} s")
            time.sleep(delay)
    raise AssertionError("unreachable")


def _check_status(what: str, status: int, reason: str) -> None:
    """Nothing for a success; _Retry for 429 and 5xx; a one-line error for the rest."""
    if status == 429 or status >= 500:
        raise _Retry(f"HTTP {status}")
    if status >= 400:
        raise DownloadError(f"cannot download {what}: HTTP {status} {reason}")


def _setting(environ: Mapping[str, str], name: str, default: float, *, whole: bool) -> float:
    """The number in the environment variable ``name`` (``default`` if it is unset):
    a count of 0 or more (``whole``), else a number of seconds above 0."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(int(text) if whole else float(text))
    except ValueError:
        value = float("nan")
    if not (value >= 0 if whole else 0 < value < float("inf")):  # NaN fails either test
        what = "a whole number, 0 or more" if whole else "a number of seconds above 0"
        raise PyvError(f"{name} must be {what}, not `{text}'")
    return value


def _tls_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    """httpx's TLS settings (``SSL_CERT_FILE``, ``SSL_CERT_DIR``, else certifi's bundle),
    with the certificates loaded on first use: loading costs about 25 ms, which a
    download over http:// (a local mirror) never needs."""
    import ssl

    class LazyCertificates(ssl.SSLContext):
        loaded = False

        def load(self) -> None:
            if not self.loaded:
                self.loaded = True
                if environ.get("SSL_CERT_FILE"):
                    self.load_verify_locations(cafile=environ["SSL_CERT_FILE"])
                elif environ.get("SSL_CERT_DIR"):
                    self.load_verify_locations(capath=environ["SSL_CERT_DIR"])
                else:
                    import certifi

                    self.load_verify_locations(cafile=certifi.where())

        def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
            self.load()
            return super().wrap_socket(*args, **kwargs)

        def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
            self.load()
            return super().wrap_bio(*args, **kwargs)

    # PROTOCOL_TLS_CLIENT: certificates required, host names checked, no old protocols.
    return LazyCertificates(ssl.PROTOCOL_TLS_CLIENT)


def _via(url: str) -> str:
    """`` (through the proxy P)`` if the environment sends ``url`` through one, as httpx
    does; without the proxy's password."""
    import urllib.request  # httpx has imported it already

    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return ""
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


def _attempt(
    client: object,
    url: str,
    part: str,
    progress: Callable[[int, int | None], Callable[[int], None]] | None,
) -> str:
    """One request; the sha256 is computed as the bytes arrive (and over what a resume keeps)."""
    import httpx

    assert isinstance(client, httpx.Client)
    have = os.path.getsize(part) if os.path.exists(part) else 0
    # The file's own bytes, never re-encoded in transit (and never decoded: a server
    # that labels a .tar.gz "Content-Encoding: gzip" still sends the file), as pip does.
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    with client.stream("GET", url, headers=headers) as response:
        status = response.status_code
        if status == 416 and have:
            return file_sha256(part)  # the .part file is complete already
        _check_status(url, status, response.reason_phrase)
        if status != 206:
            have = 0  # the server sent the whole file: start over
        digest = _hash_prefix(part, have)
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        advance = progress(have, total) if progress else None
        with open(part, "ab" if have else "wb") as f:
            for chunk in response.iter_raw():  # as it arrives: a drop keeps what came
                f.write(chunk)
                digest.update(chunk)
                if advance:
                    advance(len(chunk))
        if total is not None and os.path.getsize(part) < total:
            raise httpx.RemoteProtocolError("the connection closed before the end of the file")
    return digest.hexdigest()


def _hash_prefix(path: str, size: int) -> hashlib._Hash:
    """A sha256 that has seen the first ``size`` bytes of ``path`` (the part a resume keeps)."""
    import hashlib

    digest = hashlib.sha256()
    if size:
        with open(path, "rb") as f:
            remaining = size
            while remaining and (chunk := f.read(min(CHUNK, remaining))):
                digest.update(chunk)
                remaining -= len(chunk)
    return digest
