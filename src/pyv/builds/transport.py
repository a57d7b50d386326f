"""One HTTP/1.1 GET over a socket: what pyv's downloads need, from the standard library.

httpx took a tenth of a small install to import (21 ms on a quiet machine, 55 ms on a
loaded one); this takes ``socket``, and ``ssl`` for https. It does what downloads need:

- one request per connection (``Connection: close``): a download is one long response;
- redirects (at most 20), as GitHub sends release assets to its CDN;
- bodies framed by Content-Length (never read past it), chunked, or by the end of the
  connection; bytes are passed on as sent (pyv asks for ``identity``);
- proxies from the environment, as urllib reads them (``HTTP_PROXY``, ``HTTPS_PROXY``,
  ``ALL_PROXY``, ``NO_PROXY``, lower case winning): http through the proxy, https
  through a CONNECT tunnel, ``user:password@`` as Basic authentication;
- TLS with the caller's context (certificates checked, host names too), made only when
  a URL needs it;
- a timeout on connecting and on every read.

Failures are named as httpx named them, since messages show the names:

    TransportError
    ├── ConnectError        no connection: refused, DNS, TLS (``__cause__`` says which)
    │   └── ConnectTimeout
    ├── ReadTimeout         a stalled response
    ├── ReadError           a reset connection
    ├── RemoteProtocolError a response cut short or not HTTP
    └── InvalidURL, TooManyRedirects, ProxyError (not worth retrying)
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator, Mapping

from pyv import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ssl
    import urllib.parse

CHUNK = 1 << 18  # bytes asked of the socket at once
# A body read into one reused buffer, more at once: over loopback a 26 MB download
# makes about 30 reads instead of 104, 6 ms less CPU (TLS hands over a record, 16 kB, a read).
BODY_CHUNK = 1 << 20
MAX_HEADERS = 64 << 10
MAX_REDIRECTS = 20
REDIRECTS = (301, 302, 303, 307, 308)
PORTS = {"http": 80, "https": 443}


class TransportError(Exception):
    """A request that did not get a whole response."""


class ConnectError(TransportError):
    """No connection to the server (or the proxy)."""


class ConnectTimeout(ConnectError):
    """The server did not answer the connection in time."""


class ReadTimeout(TransportError):
    """The server stopped sending for longer than the timeout."""


class ReadError(TransportError):
    """The connection failed while the response was arriving."""


class RemoteProtocolError(TransportError):
    """What came back is not (all of) an HTTP response."""


class InvalidURL(TransportError):
    """A URL pyv cannot request."""


class TooManyRedirects(TransportError):
    """More than MAX_REDIRECTS redirects."""


class ProxyError(TransportError):
    """A proxy that would not open a tunnel."""


RETRYABLE = (ConnectError, ReadTimeout, ReadError, RemoteProtocolError)


class Response:
    """A response whose headers have arrived; the body is read with :meth:`iter_raw`."""

    def __init__(self, wire: _Wire, url: str, status: int, reason: str) -> None:
        self.wire = wire
        self.url = url
        self.status_code = status
        self.reason_phrase = reason
        self.headers: dict[str, str] = {}  # names in lower case

    def iter_raw(self, *, reuse: bool = False) -> Iterator[bytes | memoryview]:
        """The body as it arrives, as sent (no content decoding). With ``reuse``, each
        piece is a view into one buffer that the next one overwrites: use it before
        asking for the next (a download of 26 MB in new 256 kB pieces page-faults 6,000
        times, about a tenth of its time)."""
        if self.status_code in (204, 304) or 100 <= self.status_code < 200:
            return
        spare = bytearray(BODY_CHUNK) if reuse else None
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            yield from self.wire.chunked(spare)
            return
        length = self.headers.get("content-length", "").strip()
        if length.isdigit():
            yield from self.wire.exactly(int(length), spare)
            return
        yield from self.wire.until_closed(spare)

    def close(self) -> None:
        """Let the connection go (whatever of the body is left unread)."""
        self.wire.close()

    def abort(self) -> None:
        """End the connection from another thread: a read waiting in this one fails."""
        with contextlib.suppress(OSError):
            self.wire.sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Session:
    """How to reach servers: the timeout, the TLS context (made on first use) and the
    proxies of ``environ``."""

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        timeout: float,
        tls: Callable[[], ssl.SSLContext],
    ) -> None:
        self.timeout = timeout
        self.proxies = _proxies(environ)
        self.tls = tls  # the caller caches its contexts (download._tls_context)

    def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        sent: Callable[[], None] | None = None,
    ) -> Response:
        """The response to GET ``url``, after any redirects; close it when done. ``sent``
        is called as each request has gone out, before its answer is waited for."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request(url, headers or {}, sent)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                return response
            response.close()
            if plain(location) is None:  # a relative or unusual one: resolved as browsers do
                import urllib.parse

                location = urllib.parse.urljoin(url, location)
            url = location
        raise TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")

    def proxy_for(self, url: str) -> str | None:
        """The proxy that a request for ``url`` goes through, if any."""
        if not self.proxies:
            return None
        import urllib.parse

        parts = urllib.parse.urlsplit(url)
        proxy = self.proxies.get(parts.scheme) or self.proxies.get("all")
        if not proxy:
            return None
        from urllib import request  # 9 ms, and only where a proxy is set

        # NO_PROXY as urllib reads it (undocumented, and not in typeshed, but stable).
        bypass = request.proxy_bypass_environment  # type: ignore[attr-defined]
        if bypass(parts.hostname or "", self.proxies):
            return None
        return proxy if "://" in proxy else f"http://{proxy}"

    def _request(
        self, url: str, headers: Mapping[str, str], sent: Callable[[], None] | None = None
    ) -> Response:
        scheme, host, port, target = plain(url) or _split(url)
        authority = _authority(host, port, scheme)
        extra: dict[str, str] = {}
        proxy = self.proxy_for(url)
        if proxy is None:
            wire = self._connect(host, port)
        else:
            import urllib.parse

            via = urllib.parse.urlsplit(proxy)
            if via.scheme != "http" or not via.hostname:
                shown = f"{via.scheme}://{via.hostname or ''}"  # never the password
                raise ProxyError(f"pyv goes through http:// proxies only, not {shown}")
            wire = self._connect(via.hostname, via.port or 80)
            auth = _basic(via)
            if scheme == "http":  # the proxy fetches it: the whole URL goes to the proxy
                target = url
                if auth:
                    extra["Proxy-Authorization"] = auth
            else:
                wire.tunnel(authority, auth)
        if scheme == "https":
            wire.secure(self.tls(), host)
        lines = [f"GET {target} HTTP/1.1", f"Host: {authority}"]
        lines += [f"User-Agent: pyv/{__version__}", "Accept: */*", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in {**extra, **headers}.items()]
        wire.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if sent is not None:
            sent()
        return wire.response(url)

    def _connect(self, host: str, port: int) -> _Wire:
        try:
            # An ASCII name as bytes: getaddrinfo encodes a str with the idna codec,
            # whose import (with stringprep and unicodedata) takes 4 ms.
            name: str | bytes = host.encode("ascii") if host.isascii() else host
            sock = socket.create_connection((name, port), timeout=self.timeout)  # type: ignore[arg-type]
        except socket.timeout as e:
            raise ConnectTimeout(str(e) or "timed out") from e
        except OSError as e:
            raise ConnectError(str(e)) from e
        return _Wire(sock)  # the socket keeps the timeout


class _Wire:
    """A connection and the bytes read from it but not used yet."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.closed = False  # the server's side: no more bytes will come

    def close(self) -> None:
        self.sock.close()

    def secure(self, context: ssl.SSLContext, host: str) -> None:
        """TLS from here on, checking that the certificate is ``host``'s."""
        try:
            self.sock = context.wrap_socket(self.sock, server_hostname=host)
        except socket.timeout as e:
            self.close()
            raise ConnectTimeout(str(e) or "timed out") from e
        except OSError as e:  # ssl.SSLError is one
            self.close()
            raise ConnectError(str(e)) from e

    def tunnel(self, authority: str, auth: str | None) -> None:
        """Ask the proxy at the other end for a tunnel to ``authority``."""
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
        if auth:
            lines.append(f"Proxy-Authorization: {auth}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        answer = self.response(authority)
        if not 200 <= answer.status_code < 300:
            self.close()
            raise ProxyError(
                f"the proxy would not connect to {authority}: "
                f"HTTP {answer.status_code} {answer.reason_phrase}"
            )

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except socket.timeout as e:
            self.close()
            raise ReadTimeout(str(e) or "timed out") from e
        except OSError as e:
            self.close()
            raise ReadError(str(e) or type(e).__name__) from e

    def response(self, url: str) -> Response:
        """The next response's status line and headers (1xx answers skipped)."""
        while True:
            status_line = self.line()
            parts = status_line.split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
                self.close()
                shown = status_line[:40] or "nothing"
                raise RemoteProtocolError(f"not an HTTP response: {shown!r}")
            response = Response(self, url, int(parts[1]), parts[2] if len(parts) > 2 else "")
            while line := self.line():
                name, colon, value = line.partition(":")
                if not colon:
                    self.close()
                    raise RemoteProtocolError(f"a malformed header line: {line[:40]!r}")
                response.headers[name.strip().lower()] = value.strip()
            if response.status_code >= 200 or response.status_code == 101:
                return response

    def line(self) -> str:
        """The next line, without its end."""
        while (end := self.buffer.find(b"\n")) < 0:
            if len(self.buffer) > MAX_HEADERS:
                self.close()
                raise RemoteProtocolError("a header line longer than 64 kB")
            if not self.fill():
                self.close()
                raise RemoteProtocolError("the server closed the connection without a response")
        text = bytes(self.buffer[:end]).rstrip(b"\r").decode("latin-1")
        del self.buffer[: end + 1]
        return text

    def fill(self) -> bool:
        """Read more into the buffer; False at the end of the connection."""
        if self.closed:
            return False
        data = self.recv()
        if not data:
            self.closed = True
            return False
        self.buffer += data
        return True

    def recv(self, spare: bytearray | None = None) -> bytes | memoryview:
        """What has arrived (up to CHUNK bytes): into ``spare`` if given, as a view."""
        try:
            if spare is None:
                return self.sock.recv(CHUNK)
            return memoryview(spare)[: self.sock.recv_into(spare)]
        except socket.timeout as e:
            raise ReadTimeout(str(e) or "timed out") from e
        except OSError as e:
            raise ReadError(str(e) or type(e).__name__) from e

    def some(self, spare: bytearray | None = None) -> bytes | memoryview:
        """What has arrived (waiting for something), into ``spare`` if given; b"" at the
        end of the connection."""
        if self.buffer:
            held = bytes(self.buffer)
            self.buffer.clear()
            return held
        if self.closed:
            return b""
        data = self.recv(spare)
        if not data:
            self.closed = True
        return data

    def exactly(self, length: int, spare: bytearray | None = None) -> Iterator[bytes | memoryview]:
        remaining = length
        while remaining:
            data = self.some(spare)
            if not data:
                raise RemoteProtocolError(
                    f"the connection closed {remaining:,} bytes before the end of the body"
                )
            if len(data) > remaining:  # never past the body: what follows is not the file
                self.buffer += data[remaining:]  # (a chunked body's next chunk)
                data = data[:remaining]
            remaining -= len(data)
            yield data

    def until_closed(self, spare: bytearray | None = None) -> Iterator[bytes | memoryview]:
        while data := self.some(spare):
            yield data

    def chunked(self, spare: bytearray | None = None) -> Iterator[bytes | memoryview]:
        while True:
            size_text = self.line().partition(";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                self.close()
                raise RemoteProtocolError(f"a bad chunk size: {size_text[:20]!r}") from None
            if size == 0:
                while self.line():  # trailers
                    pass
                return
            yield from self.exactly(size, spare)
            if self.line():
                raise RemoteProtocolError("a chunk longer than it said")


# What a request line takes as it is: unreserved characters, and the reserved ones that
# _split leaves unescaped, but for "#", ";", "[" and "]", which urllib.parse reads
# in ways of its own (a fragment, parameters, an IPv6 address).
_TARGET = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$%&'()*+,/:=?@"
)
_HOST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")


def plain(url: str) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, request target) of a plain URL, read without urllib.parse
    (2.4 ms to import, with ipaddress, before a download could start): ``http`` or
    ``https`` in lower case, a host name or IPv4 address, maybe a port (1 to 65535,
    no leading zero), and a path and query that go on the request line as they are.
    None for any other URL, which :func:`_split` reads as it is read for any URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in PORTS:
        return None
    authority, slash, path = rest.partition("/")
    host, colon, port_text = authority.partition(":")
    if not host or not _HOST.issuperset(host):
        return None
    port = PORTS[scheme]
    if colon:
        if not (port_text.isascii() and port_text.isdigit() and port_text[:1] != "0"):
            return None
        port = int(port_text)
        if port > 65535:
            return None
    target = slash + path if slash else "/"
    if not _TARGET.issuperset(target) or target.endswith("?"):
        return None
    return scheme, host.lower(), port, target


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, request target) of any http or https URL, by urllib.parse:
    the target as sent on the request line, with spaces, non-ASCII and control
    characters escaped (an escape already there stays as it is)."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or PORTS.get(scheme)
    except ValueError:
        raise InvalidURL(f"bad port in {url}") from None
    host = parts.hostname
    if scheme not in PORTS or not host or port is None:
        raise InvalidURL(f"cannot request {url}: not an http or https URL")
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    target = urllib.parse.quote(target, safe="!#$%&'()*+,/:;=?@[]~")
    return scheme, host, port, target


def _authority(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if PORTS[scheme] == port else f"{shown}:{port}"


def _basic(proxy: urllib.parse.SplitResult) -> str | None:
    """The Proxy-Authorization value for a proxy URL with ``user:password@``."""
    if proxy.username is None:
        return None
    import base64
    import urllib.parse

    user = urllib.parse.unquote(proxy.username)
    password = urllib.parse.unquote(proxy.password or "")
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """``{scheme: proxy URL, "no": hosts}`` from ``environ``, exactly as urllib's
    ``getproxies_environment`` reads it: a lower-case name wins over its upper-case one,
    and a CGI script (``REQUEST_METHOD`` set) ignores ``HTTP_PROXY``."""
    found = {
        name.lower()[:-6]: value
        for name, value in environ.items()
        if value and name.lower().endswith("_proxy")
    }
    if "REQUEST_METHOD" in environ:
        found.pop("http", None)
    for name, value in environ.items():
        if name.endswith("_proxy"):
            if value:
                found[name.lower()[:-6]] = value
            else:
                found.pop(name.lower()[:-6], None)
    return found
