"""A real HTTP server on 127.0.0.1 serving python-build-standalone style archives,
with faults to inject, and the catalog (uv's format) that points pyv at it."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import ssl
import tarfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pyv.builds import download
from tests.conftest import World

PLATFORM = "linux-x86_64-gnu"
ENDLESS = 64 << 20  # what "endless" sends at most, so that a pyv without a limit still ends
PORTAL = b"<html><body>Please sign in to the hotel's network.</body></html>\n"


def fake_python(version: str, variant: str = "", delay: float = 0) -> bytes:
    """bin/python3 of a fake build: answers pyv's probe as that version would (after
    ``delay`` seconds)."""
    release, pre = version, ""
    for level, word in (("rc", "candidate"), ("b", "beta"), ("a", "alpha")):
        if level in version:
            release, serial = version.split(level)
            pre = f"{word}\n{serial}"
            break
    if not pre:
        pre = "final\n0"
    lines = ["CPython", release, *pre.split("\n"), "1" if "t" in variant else "0", "0"]
    body = "".join(f"{line}\\n" for line in lines)
    wait = f"sleep {delay}\n" if delay else ""
    return f'#!/bin/sh\n{wait}printf \'{body}\'\ncd "$(dirname "$0")/.." && pwd\n'.encode()


def member(
    tar: tarfile.TarFile, name: str, data: bytes = b"", mode: int = 0o644, **kw: object
) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    for key, value in kw.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if data else None)


def tar_gz(add: Callable[[tarfile.TarFile], None]) -> bytes:
    """A .tar.gz holding what ``add`` puts in it."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        add(tar)
    return buf.getvalue()


def build_archive(
    version: str,
    *,
    variant: str = "",
    top: str = "python",
    extra: Callable[[tarfile.TarFile], None] | None = None,
    padding: int = 0,
    probe_delay: float = 0,
) -> bytes:
    """A .tar.gz in the install_only layout (``top`` = python/install for a full one),
    whose bin/python3 takes ``probe_delay`` seconds to answer pyv's probe."""
    buf = io.BytesIO()
    minor = ".".join(version.split(".")[:2])
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        member(tar, f"{top}/bin/python3", fake_python(version, variant, probe_delay), 0o755)
        member(tar, f"{top}/bin/python{minor}", b"#!/bin/sh\necho real\n", 0o755)
        member(tar, f"{top}/bin/pip3", b"#!/bin/sh\necho pip\n", 0o755)
        sysconfig = b"build_time_vars = {'prefix': '/install', 'LIBDIR': '/install/lib'}\n"
        member(tar, f"{top}/lib/python{minor}/_sysconfigdata__linux_x86_64-linux-gnu.py", sysconfig)
        member(tar, f"{top}/lib/pkgconfig/python3.pc", b"prefix=/install\nlibdir=${prefix}/lib\n")
        member(tar, f"{top}/lib/python{minor}/os.py", b"# not /install/x here: /installer\n")
        if padding:
            member(tar, f"{top}/lib/padding.bin", bytes(range(256)) * (padding // 256))
        if extra:
            extra(tar)
    return buf.getvalue()


@dataclass
class Server:
    """Files by URL path, and faults to play per path: "500", "429", "drop", "slow", "404",
    "gzip-label", "throttle" (the file in twenty pieces over a second); "endless" (no
    Content-Length, and the file again and again), "long" (more than its Content-Length),
    "short" (no Content-Length, half the file), "portal" (a 200 with an HTML page, as a
    captive portal answers), "hold" (all but the last kilobyte, then the rest once the
    test sets ``release``), "no-range" (the whole file with a 200, whatever the Range),
    "ranges-slow" (says it takes Range requests, and sends at 1 MB/s).

    It is also a forward proxy: a request for ``http://any.host/path`` is served as
    ``/path`` (and recorded whole). ``https(cert, key)`` adds a TLS listener.
    """

    base: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range)
    listeners: list[ThreadingHTTPServer] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # for "hold"

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def listen(self, context: ssl.SSLContext | None = None) -> str:
        """Serve on a new port of 127.0.0.1; return its base URL."""
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        httpd.daemon_threads = True
        if context:
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.listeners.append(httpd)
        return f"{'https' if context else 'http'}://127.0.0.1:{httpd.server_port}"

    def https(self, certfile: Path, keyfile: Path) -> str:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        return self.listen(context)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    state.base = state.listen()
    yield state
    for httpd in state.listeners:
        httpd.shutdown()
        httpd.server_close()


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("Range")))
            path = urllib.parse.urlsplit(self.path).path  # as a proxy: the path alone
            fault = state.faults.get(path, []).pop(0) if state.faults.get(path) else "ok"
            data = state.files.get(path)
            if data is None or fault == "404":
                self.send_error(404)
                return
            if fault in ("500", "429", "503"):
                self.send_error(int(fault))
                return
            if fault in ("endless", "short", "portal"):
                self.unannounced(data, fault)
                return
            start, end = 0, len(data)
            rng = self.headers.get("Range") if fault != "no-range" else None
            if rng and rng.startswith("bytes="):
                first, _, last = rng[6:].partition("-")
                start, end = int(first), min(int(last) + 1 if last else end, end)
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
            else:
                self.send_response(200)
            if fault == "ranges-slow":
                self.send_header("Accept-Ranges", "bytes")
            body = data[start:end]
            self.send_header("Content-Length", str(len(body)))
            if fault == "long":  # more bytes than it says
                body += b"\0" * 100_000
            if fault == "gzip-label":  # a .tar.gz labelled as gzip-encoded, as some servers do
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            if fault == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if fault == "throttle":
                self.throttled(body)
                return
            if fault == "ranges-slow":  # 1 MB/s: slow enough for pyv to ask for pieces
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for piece in range(0, len(body), 16384):
                        self.wfile.write(body[piece : piece + 16384])
                        time.sleep(0.016)
                return
            if fault == "hold":
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body[:-1024])
                    self.wfile.flush()
                    state.release.wait(60)
                    self.wfile.write(body[-1024:])
                return
            if fault == "slow":
                self.wfile.write(body[:1024])
                self.wfile.flush()
                time.sleep(2.0)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body[1024:] if fault == "slow" else body)

        def throttled(self, body: bytes) -> None:
            """``body`` at about a twentieth a tick: a second for the whole, as a slow
            network sends it, so that a display has time to show the download."""
            step = max(1, -(-len(body) // 20))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
                    time.sleep(0.05)

        def unannounced(self, data: bytes, fault: str) -> None:
            """A 200 that is not the file; but for the portal's page, without Content-Length
            (the end of the body is the end of the connection, as in HTTP/1.0)."""
            self.send_response(200)
            if fault == "portal":
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PORTAL)))
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if fault == "portal":
                    self.wfile.write(PORTAL)
                elif fault == "short":
                    self.wfile.write(data[: len(data) // 2])
                else:
                    block = data * (65536 // len(data) + 1)
                    for _ in range(ENDLESS // len(block) + 1):
                        self.wfile.write(block)

    return Handler


def entry(
    version: str, url: str, sha256: str, *, variant: str | None = None, platform: str = PLATFORM
) -> tuple[str, dict[str, object]]:
    """One catalog entry in uv's download-metadata.json format."""
    os_, arch, libc = platform.split("-")
    release = version
    pre = ""
    for level in ("rc", "b", "a"):
        if level in version:
            release, serial = version.split(level)
            pre = f"{level}{serial}"
            break
    major, minor, patch = (int(x) for x in release.split("."))
    key = f"cpython-{version}{'+' + variant if variant else ''}-{os_}-{arch}-{libc}"
    return key, {
        "name": "cpython",
        "arch": {"family": arch, "variant": None},
        "os": os_,
        "libc": libc,
        "major": major,
        "minor": minor,
        "patch": patch,
        "prerelease": pre,
        "url": url,
        "sha256": sha256,
        "variant": variant,
        "build": "20260814",
    }


class Builds:
    """Archives served by the server and listed in a catalog file PYV_CATALOG names."""

    def __init__(self, world: World, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
        self.world = world
        self.server = server
        self.catalog: dict[str, object] = {}
        self.path = world.tmp / "catalog.json"
        monkeypatch.setenv("PYV_CATALOG", str(self.path))
        # What can be installed is what the test lists: no source releases to fall back on
        # (tests/builds lists its own).
        no_sources = world.tmp / "no-sources.json"
        no_sources.write_text('{"releases": {}}')
        monkeypatch.setenv("PYV_SOURCES", str(no_sources))
        monkeypatch.setenv("PYV_PLATFORM", PLATFORM)
        # Short, for the faults that time out; not so short that a loaded machine (a real
        # source build runs beside these tests) times out where nothing is wrong.
        monkeypatch.setenv("PYV_HTTP_TIMEOUT", "8")
        monkeypatch.setattr(download, "BACKOFF", 0.01)

    def add(
        self,
        version: str,
        data: bytes | None = None,
        *,
        variant: str | None = None,
        sha256: str | None = None,
        filename: str | None = None,
        platform: str = PLATFORM,
        base: str | None = None,
    ) -> str:
        """Serve ``data`` (default: a good archive of ``version``), list it at ``base``
        (default: the server's own address); return its URL path."""
        data = data if data is not None else build_archive(version, variant="t" if variant else "")
        suffix = f"-{variant}" if variant else ""
        filename = (
            filename
            or f"cpython-{version}+20260814-x86_64-unknown-linux-gnu{suffix}"
            "-install_only_stripped.tar.gz"
        )
        path = "/releases/" + filename.replace("+", "%2B")
        self.server.files[path] = data
        digest = sha256 or hashlib.sha256(data).hexdigest()
        key, value = entry(
            version, (base or self.server.base) + path, digest, variant=variant, platform=platform
        )
        self.catalog[key] = value
        self.path.write_text(json.dumps(self.catalog))
        return path


@pytest.fixture
def builds(world: World, server: Server, monkeypatch: pytest.MonkeyPatch) -> Builds:
    return Builds(world, server, monkeypatch)


def installed(world: World) -> list[str]:
    versions = world.root / "versions"
    if not versions.is_dir():
        return []
    return sorted(p.name for p in versions.iterdir() if not p.is_symlink())


def leftovers(world: World) -> list[Path]:
    scratch = world.root / ".scratch"
    return list(scratch.iterdir()) if scratch.is_dir() else []
