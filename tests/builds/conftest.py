"""Source releases served from 127.0.0.1 in python.org's layout, and the list (in
sources.json's format) that PYV_SOURCES names; the prebuilt catalog and the HTTP
server are tests/install's."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from pyv.builds import preflight
from pyv.paths import Layout
from tests.builds.fake_source import source_tarball
from tests.builds.pypy_fixture import pypy_archive  # noqa: F401
from tests.conftest import World
from tests.install import conftest as install_conftest
from tests.install.conftest import Builds, Server

# tests/install's HTTP server and catalog, for these tests too
server = install_conftest.server
builds = install_conftest.builds

UPSTREAM = "https://www.python.org/ftp/python"


class Sources:
    """Source tarballs on the server under /ftp/VERSION/, listed in PYV_SOURCES."""

    def __init__(self, world: World, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.releases: dict[str, dict[str, dict[str, str]]] = {}
        self.path = world.tmp / "sources.json"
        self.path.write_text(json.dumps({"releases": {}}))
        monkeypatch.setenv("PYV_SOURCES", str(self.path))
        monkeypatch.setenv("PYV_SOURCE_MIRROR", server.base + "/ftp/")

    def add(
        self,
        version: str,
        data: bytes | None = None,
        *,
        listed: tuple[str, ...] = ("tgz",),
        served: tuple[str, ...] | None = None,
        files: dict[str, str] | None = None,
    ) -> bytes:
        """List ``version``'s tarballs of the ``listed`` kinds; serve the ``served`` ones
        (default: all listed). Every kind holds the same bytes: pyv tells compression
        by the first bytes, not by the name."""
        data = data if data is not None else source_tarball(version, files=files)
        digest = hashlib.sha256(data).hexdigest()
        entry = {}
        for kind in listed:
            name = f"{version}/Python-{version}.{kind}"
            entry[kind] = {"url": f"{UPSTREAM}/{name}", "sha256": digest}
            if served is None or kind in served:
                self.server.files[f"/ftp/{name}"] = data
        self.releases[version] = entry
        self.path.write_text(json.dumps({"releases": self.releases}))
        return data


@pytest.fixture
def sources(
    world: World, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Sources:
    """Sources on the server, one prebuilt build (3.11.3) in the catalog, a system the
    preflight passes (its own tests fake the system), and a root without a space:
    CPython's make install cannot install into one."""
    world.root = world.tmp / "root"
    world.layout = Layout(str(world.root), cache=str(world.tmp / "cache"))
    monkeypatch.setenv("PYV_ROOT", str(world.root))
    catalog: Builds = request.getfixturevalue("builds")
    catalog.add("3.11.3")
    monkeypatch.setattr(preflight, "check", lambda system, patching=False: preflight.Report())
    # The notice's estimate ("about 3 minutes") scales with the cores: the tests read 2's.
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    return Sources(world, request.getfixturevalue("server"), monkeypatch)
