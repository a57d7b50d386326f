"""pyv's own HTTP/1.1 client against a real local server: redirects, framing, proxies."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import ssl
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pyv.builds import download, transport

BODY = bytes(range(256)) * 1000


def no_tls() -> ssl.SSLContext:
    raise AssertionError("no https here")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, dict[str, str]]]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.path, dict(self.headers.items())))
        if self.path.startswith("/hop/"):  # /hop/N redirects N more times, then to /body
            left = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", f"/hop/{left - 1}" if left > 1 else "/body")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/absolute":
            self.send_response(301)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/body")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(BODY), 70_000):
                piece = BODY[start : start + 70_000]
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\nTrailer: x\r\n\r\n")
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY) * 12))
            self.end_headers()
            self.wfile.write(BODY * 12)
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY + b"never read: past the Content-Length")


@pytest.fixture
def base() -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    seen: list[tuple[str, dict[str, str]]] = []
    handler = type("Recording", (Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()
    httpd.server_close()


def body(session: transport.Session, url: str) -> tuple[int, bytes, str]:
    with session.get(url, {"Accept-Encoding": "identity"}) as response:
        return response.status_code, b"".join(response.iter_raw()), response.url


def test_redirects_are_followed_relative_and_absolute(
    base: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    url, seen = base
    session = transport.Session({}, timeout=5, tls=no_tls)
    assert body(session, f"{url}/hop/3") == (200, BODY, f"{url}/body")
    assert [path for path, _ in seen] == ["/hop/3", "/hop/2", "/hop/1", "/body"]
    assert all(headers["Accept-Encoding"] == "identity" for _, headers in seen)
    assert body(session, f"{url}/absolute") == (200, BODY, f"{url}/body")


def test_too_many_redirects_is_an_error(
    base: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    session = transport.Session({}, timeout=5, tls=no_tls)
    with pytest.raises(transport.TooManyRedirects):
        session.get(f"{base[0]}/hop/{transport.MAX_REDIRECTS + 1}")


def test_a_chunked_body_is_put_together_and_the_content_length_is_the_end(
    base: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    session = transport.Session({}, timeout=5, tls=no_tls)
    assert body(session, f"{base[0]}/chunked")[1] == BODY
    assert body(session, f"{base[0]}/body")[1] == BODY  # the bytes after it are not the body


def test_the_request_line_escapes_what_a_url_may_not_hold_and_keeps_escapes(
    base: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    url, seen = base
    session = transport.Session({}, timeout=5, tls=no_tls)
    assert body(session, f"{url}/body")[0] == 200
    session.get(f"{url}/a b/caf\u00e9/3.12.1%2B2026.tar.gz?x=1 2").close()
    assert seen[-1][0] == "/a%20b/caf%C3%A9/3.12.1%2B2026.tar.gz?x=1%202"


PLAIN = [
    "http://127.0.0.1:8080/trimmed/cpython-3.12.1%2B20260814-x86_64-unknown-linux-gnu.tar.gz",
    "https://github.com/astral-sh/python-build-standalone/releases/download/20260814/x.tar.gz",
    "https://release-assets.githubusercontent.com/a/b?sp=r&sv=2018-11-09&rscd=attachment%3B+f"
    "ilename%3Dx.tar.gz&sig=abc%3D&jwt=e.y.z",
    "http://Example.ORG",
    "http://example.org:65535/",
    "https://h/a?b?c",
    "http://h/~user/(1)!$'*,:@=.tar.gz",
]
NOT_PLAIN = [
    "http://h/a b",  # escaped on the request line
    "http://h/caf\u00e9",
    "http://h/a?",  # urllib.parse drops an empty query
    "http://h/a#frag",
    "http://h/a;params",
    "http://[::1]:80/x",
    "http://user:pw@h/x",
    "http://h:0/x",
    "http://h:080/x",
    "http://h:65536/x",
    "http://h:/x",
    "HTTP://h/x",
    "ftp://h/x",
    "http:///x",
    "http://h\t/x",
]


@pytest.mark.parametrize("url", PLAIN)
def test_a_plain_url_is_read_as_urllib_parse_reads_it(url: str) -> None:
    found = transport.plain(url)
    assert found is not None and found == transport._split(url)
    # As a redirect's absolute location, it is where urljoin leads too.
    assert urllib.parse.urljoin("http://elsewhere/a/b", url) == url


@pytest.mark.parametrize("url", NOT_PLAIN)
def test_any_other_url_goes_to_urllib_parse(url: str) -> None:
    assert transport.plain(url) is None


@pytest.mark.parametrize(
    "text",
    [
        "cpython-3.12.1%2B20260814.tar.gz",
        "plain.tar.gz",
        "%41%62%2b%2F",
        "100%",
        "a%2",
        "a%zz%4",
        "%e2%82%ac and %e2%82",  # a whole UTF-8 character, then a cut one
        "%ff%fe",
        "caf\u00e9%20x",  # not ASCII: urllib.parse itself
        "%%41",
    ],
)
def test_unquote_decodes_as_urllib_parse_does(text: str) -> None:
    assert download.unquote(text) == urllib.parse.unquote(text)


def test_a_url_that_is_not_http_is_refused() -> None:
    session = transport.Session({}, timeout=5, tls=no_tls)
    for url in ("ftp://example.org/x.tar.gz", "http:///x", "http://host:99999/x"):
        with pytest.raises(transport.InvalidURL):
            session.get(url)


@pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:1"},
        {"HTTPS_PROXY": "http://p:1", "https_proxy": ""},
        {"ALL_PROXY": "p:3128", "NO_PROXY": "example.org, .internal"},
        {"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"},
        {"http_proxy": "http://p:1", "REQUEST_METHOD": "GET"},
    ],
)
def test_proxies_are_read_from_the_environment_as_urllib_reads_them(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert transport._proxies(environ) == urllib.request.getproxies_environment()


def test_no_proxy_and_all_proxy() -> None:
    environ = {"ALL_PROXY": "proxy.corp:3128", "NO_PROXY": "example.org,.internal"}
    session = transport.Session(environ, timeout=5, tls=no_tls)
    assert session.proxy_for("https://github.com/x") == "http://proxy.corp:3128"
    assert session.proxy_for("http://example.org/x") is None
    assert session.proxy_for("http://mirror.internal/x") is None
    assert transport.Session({}, timeout=5, tls=no_tls).proxy_for("http://a/") is None


def test_a_proxy_that_is_not_http_is_refused_without_its_password() -> None:
    environ = {"HTTPS_PROXY": "socks5://me:secret@p:1080"}
    session = transport.Session(environ, timeout=5, tls=no_tls)
    with pytest.raises(transport.ProxyError) as refused:
        session.get("https://example.org/x")
    assert str(refused.value) == "pyv goes through http:// proxies only, not socks5://p"


@pytest.fixture
def tunnel_proxy() -> Iterator[tuple[int, list[bytes]]]:
    """A proxy that answers CONNECT by joining the client to the port it names."""
    requests: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def pipe(client: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            head = b""
            while b"\r\n\r\n" not in head:
                head += client.recv(4096)
            requests.append(head)
            target = head.split(b" ")[1].decode()
            host, _, port = target.rpartition(":")
            upstream = stack.enter_context(socket.create_connection((host, int(port))))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            while True:
                ready, _, _ = select.select([client, upstream], [], [], 5)
                if not ready:
                    return
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    (upstream if side is client else client).sendall(data)

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                threading.Thread(target=pipe, args=(client,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1], requests
    listener.close()


def test_https_goes_through_a_connect_tunnel_with_the_proxy_password(
    tunnel_proxy: tuple[int, list[bytes]],
    base: tuple[str, list[tuple[str, dict[str, str]]]],
    certificate: tuple[str, str],
) -> None:
    """The tunnel carries TLS end to end: the proxy sees only CONNECT."""
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Handler,), {"seen": []}))
    httpd.daemon_threads = True
    httpd.socket = server.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cafile=cert)
    port, requests = tunnel_proxy
    environ = {"HTTPS_PROXY": f"http://me:s%40cret@127.0.0.1:{port}"}
    session = transport.Session(environ, timeout=5, tls=lambda: client)
    try:
        url = f"https://127.0.0.1:{httpd.server_port}/body"
        assert body(session, url) == (200, BODY, url)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert requests[0].startswith(f"CONNECT 127.0.0.1:{httpd.server_port} HTTP/1.1\r\n".encode())
    assert b"Proxy-Authorization: Basic bWU6c0BjcmV0\r\n" in requests[0]  # me:s@cret


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made by the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl command to make a test certificate with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def test_reused_pieces_are_views_into_one_buffer_and_make_the_body(
    base: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    session = transport.Session({}, timeout=5, tls=no_tls)
    for path, body in (("/body", BODY), ("/chunked", BODY), ("/big", BODY * 12)):
        got = bytearray()
        buffers = set()
        with session.get(f"{base[0]}{path}") as response:
            for piece in response.iter_raw(reuse=True):
                got += piece  # used before the next piece overwrites it
                if isinstance(piece, memoryview):
                    buffers.add(id(piece.obj))
        assert bytes(got) == body, path
        # What came with the headers is a copy; 3 MB cannot all have come with them.
        assert len(buffers) == 1 if path == "/big" else len(buffers) <= 1, path


def test_connecting_to_an_ascii_host_does_not_load_the_idna_codec(
    base: tuple[str, list[tuple[str, dict[str, str]]]],
) -> None:
    """getaddrinfo encodes a str host with the idna codec, whose import takes 4 ms before
    a download's first byte: pyv hands it ASCII names as bytes."""
    import sys

    code = (
        "import sys; from pyv.builds import transport\n"
        "s = transport.Session({}, timeout=5, tls=None)\n"
        f"r = s.get({base[0] + '/body'!r}); assert r.status_code == 200\n"
        "print('encodings.idna' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_sent_is_called_once_the_request_is_out_before_the_answer_comes() -> None:
    # The server answers only once it has been told the request was sent (or after 5 s):
    # a download's reader starts in that moment, while the server is still answering.
    told = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    waited: list[bool] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            waited.append(told.wait(timeout=5))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    session = transport.Session({}, timeout=10, tls=no_tls)
    with session.get(f"http://127.0.0.1:{port}/x", sent=told.set) as response:
        assert b"".join(bytes(c) for c in response.iter_raw()) == b"ok"
    server.join()
    listener.close()
    assert waited == [True]
