"""A slow download whose server takes Range requests is fetched in pieces at once."""

from __future__ import annotations

import os
import tarfile

import pytest

from pyv.builds import pieces
from tests.conftest import World
from tests.install.conftest import Builds, Server, build_archive, leftovers, member

Capture = pytest.CaptureFixture[str]
PAYLOAD = os.urandom(3_000_000)  # 3 s at the 1 MB/s of "ranges-slow"


def with_payload(tar: tarfile.TarFile) -> None:
    member(tar, "python/lib/payload.bin", PAYLOAD)


def ranges(server: Server, path: str) -> list[str | None]:
    return [r for p, r in server.requests if p == path]


def test_a_slow_download_is_fetched_in_pieces_that_tile_the_rest(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    data = build_archive("3.12.3", extra=with_payload)
    path = builds.add("3.12.3", data)
    server.faults[path] = ["ranges-slow"]  # the first response only: the pieces come fast
    assert world.pyv("install", "3.12", capsys=capsys) == (0, "", "installed 3.12.3\n")
    asked = ranges(server, path)
    assert asked[0] is None and len(asked) == pieces.CONNECTIONS
    bounds = sorted(tuple(int(n) for n in r[len("bytes=") :].split("-")) for r in asked[1:] if r)
    assert bounds[-1][1] == len(data) - 1  # to the last byte
    assert all(a[1] + 1 == b[0] for a, b in zip(bounds, bounds[1:]))  # no gap, no overlap
    payload = world.root / "versions" / "3.12.3" / "lib" / "payload.bin"
    assert payload.read_bytes() == PAYLOAD
    assert leftovers(world) == [] and not list((world.tmp / "cache").rglob("*.part"))


def test_pieces_that_fail_leave_the_rest_to_one_connection(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    data = build_archive("3.12.3", extra=with_payload)
    path = builds.add("3.12.3", data)
    server.faults[path] = ["ranges-slow", "404", "404", "404"]  # every piece: HTTP 404
    code, _, err = world.pyv("install", "3.12", capsys=capsys)
    assert code == 0, err
    assert "a piece of the download failed" in err and err.endswith("installed 3.12.3\n")
    asked = ranges(server, path)
    assert asked.count(None) == 1  # not started over: resumed where the file was whole
    assert len(asked) == pieces.CONNECTIONS + 1 and asked[-1] is not None
    assert asked[-1].endswith("-")  # the rest, in one connection
    payload = world.root / "versions" / "3.12.3" / "lib" / "payload.bin"
    assert payload.read_bytes() == PAYLOAD
    assert leftovers(world) == []
