"""Catalogs that are not what they should be: one line naming the file or URL, never a
traceback; entries pyv cannot use are counted where it matters."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import World
from tests.install.conftest import PLATFORM, Builds, Server

Capture = pytest.CaptureFixture[str]

DEEP = b"[" * 200_000
TOO_DEEP = "is not usable: its JSON is nested too deeply"


def one_line(done_stderr: str) -> str:
    assert "Traceback" not in done_stderr and done_stderr.count("\n") == 1, done_stderr
    return done_stderr


@pytest.mark.parametrize(
    "args",
    [
        ["install", "3.12"],  # pyv.hot's plain install
        ["install", "--force", "-j", "2", "3.12"],  # the typer app's
        ["install", "--list"],
        ["install", "--list", "--all-platforms"],
        ["upgrade"],
        ["latest", "--known", "3"],
    ],
)
def test_a_deeply_nested_catalog_file_is_one_line(
    world: World, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    catalog = world.tmp / "deep.json"
    catalog.write_bytes(DEEP)
    monkeypatch.setenv("PYV_CATALOG", str(catalog))
    done = world.run(*args)
    assert (done.returncode, done.stdout) == (1, "")
    assert one_line(done.stderr) == f"pyv: the catalog {catalog} {TOO_DEEP}\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": [1, 2', "is not valid JSON: Expecting ',' delimiter: line 1 column 12 (char 11)"),
        (b"\xff\xfe\xfd", "is not valid JSON: "),
        (b"[1, 2]", "is not a JSON object in uv's download-metadata format"),
    ],
)
def test_a_malformed_catalog_file_is_one_line_naming_it(
    world: World, monkeypatch: pytest.MonkeyPatch, body: bytes, message: str
) -> None:
    catalog = world.tmp / "bad.json"
    catalog.write_bytes(body)
    monkeypatch.setenv("PYV_CATALOG", str(catalog))
    done = world.run("install", "--list")
    assert done.returncode == 1
    assert one_line(done.stderr).startswith(f"pyv: the catalog {catalog} {message}")


def test_a_deeply_nested_catalog_url_and_update_catalog_are_one_line(
    world: World, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.files["/deep.json"] = DEEP
    url = server.base + "/deep.json"
    done = world.run("update-catalog", url)
    assert (done.returncode, one_line(done.stderr)) == (1, f"pyv: the catalog {url} {TOO_DEEP}\n")
    assert not (world.tmp / "cache" / "catalog.json").exists()
    monkeypatch.setenv("PYV_CATALOG", url)
    done = world.run("install", "--list")
    assert (done.returncode, one_line(done.stderr)) == (1, f"pyv: the catalog {url} {TOO_DEEP}\n")


def test_a_deeply_nested_catalog_url_falls_back_to_the_copy_fetched_before(
    builds: Builds, world: World, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds.add("3.12.3")
    server.files["/catalog.json"] = builds.path.read_bytes()
    url = server.base + "/catalog.json"
    monkeypatch.setenv("PYV_CATALOG", url)
    assert world.run("install", "--list").stdout == "3.12.3\n"
    server.files["/catalog.json"] = DEEP
    done = world.run("install", "--list")
    assert (done.returncode, done.stdout) == (0, "3.12.3\n")
    assert one_line(done.stderr) == (
        f"pyv: warning: the catalog {url} {TOO_DEEP}; using the copy fetched before\n"
    )


def test_a_deeply_nested_saved_catalog_is_one_line_naming_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyv.builds import catalog

    saved = world.tmp / "cache" / "catalog.json"
    saved.parent.mkdir()
    saved.write_bytes(DEEP)
    done = world.run("install", "--list")  # newer than the shipped catalog: in force
    assert (done.returncode, one_line(done.stderr)) == (1, f"pyv: the catalog {saved} {TOO_DEEP}\n")
    # Older than the shipped catalog: compared with it, and it gives way.
    shipped = os.path.getmtime(catalog.SHIPPED)
    os.utime(saved, (shipped - 10, shipped - 10))
    done = world.run("install", "--list", "3.12")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("3.12.")
    assert not saved.exists()


def test_a_deeply_nested_shipped_catalog_is_one_line_naming_it(
    world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyv.builds import catalog

    shipped = world.tmp / "shipped.json"
    shipped.write_bytes(DEEP)
    monkeypatch.setattr(catalog, "SHIPPED", str(shipped))
    assert world.pyv("install", "--list", capsys=capsys) == (
        1,
        "",
        f"pyv: the catalog {shipped} {TOO_DEEP}\n",
    )
    # and when a saved catalog older than it has to be compared with it
    saved = world.tmp / "cache" / "catalog.json"
    saved.parent.mkdir()
    saved.write_bytes(DEEP)
    os.utime(saved, (time.time() - 100, time.time() - 100))
    assert world.pyv("install", "--list", capsys=capsys) == (
        1,
        "",
        f"pyv: the catalog {shipped} {TOO_DEEP}\n",
    )


# -- entries pyv cannot use ------------------------------------------------------------------


def spoil(builds: Builds, **changes: object) -> None:
    """Give every entry of the catalog ``changes`` and add two that are not objects."""
    for value in builds.catalog.values():
        assert isinstance(value, dict)
        value.update(changes)
    builds.path.write_text(json.dumps({**builds.catalog, "junk": 5, "more-junk": ["x"]}))


@pytest.mark.parametrize(
    "changes",
    [{"major": "three"}, {"url": 12}, {"sha256": ["a"]}, {"arch": "x86_64"}, {"variant": 1}],
    ids=["version", "url", "sha256", "arch", "variant"],
)
def test_no_build_says_how_many_entries_were_skipped_as_unusable(
    builds: Builds, world: World, capsys: Capture, changes: dict[str, object]
) -> None:
    builds.add("3.12.1")
    builds.add("3.13.0")
    spoil(builds, **changes)
    message = (
        f"pyv: no build of Python `3.12.1' for {PLATFORM} (4 catalog entries were skipped"
        " as unusable); see `pyv install --list'\n"
    )
    assert world.pyv("install", "3.12.1", capsys=capsys) == (1, "", message)
    assert world.pyv("install", "-j", "1", "3.12.1", capsys=capsys) == (1, "", message)


def test_no_build_says_nothing_of_skipped_entries_when_none_were(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.13.0")
    assert world.pyv("install", "3.12.1", capsys=capsys) == (
        1,
        "",
        f"pyv: no build of Python `3.12.1' for {PLATFORM}; see `pyv install --list'\n",
    )


def test_upgrade_of_a_named_minor_says_how_many_entries_were_skipped(
    builds: Builds, world: World, capsys: Capture
) -> None:
    builds.add("3.12.1")
    spoil(builds, patch=None)
    assert world.pyv("upgrade", "3.12", capsys=capsys) == (
        1,
        "",
        "pyv: no build of Python `3.12' for this platform (3 catalog entries were skipped"
        " as unusable); see `pyv install --list'\n",
    )


def test_update_catalog_says_how_many_entries_were_skipped(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    builds.add("3.12.1")
    spoil(builds, sha256=None)
    server.files["/spoilt.json"] = Path(builds.path).read_bytes()
    url = server.base + "/spoilt.json"
    assert world.pyv("update-catalog", url, capsys=capsys) == (
        1,
        "",
        f"pyv: {url} lists no CPython builds (3 catalog entries were skipped as unusable)\n",
    )


def test_the_shipped_catalog_is_read_for_this_platform_alone(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pyv/data/platforms/<platform>.json, where there is one beside the shipped catalog
    (2 ms of JSON instead of 30); the whole catalog where there is none."""
    from pyv.builds import catalog

    def listing(*names: str) -> str:
        entries = {
            f"cpython-{n}-linux-x86_64-gnu": {
                "name": "cpython",
                "os": "linux",
                "arch": {"family": "x86_64", "variant": None},
                "libc": "gnu",
                "major": 3,
                "minor": int(n.split(".")[1]),
                "patch": int(n.split(".")[2]),
                "prerelease": "",
                "variant": None,
                "build": "20260814",
                "sha256": "a" * 64,
                "url": f"https://x/cpython-{n}%2B20260814-x86_64-unknown-linux-gnu-install_only.tar.gz",
            }
            for n in names
        }
        return json.dumps({"builds": entries})

    shipped = world.tmp / "data" / "catalog.json"
    shipped.parent.mkdir()
    shipped.write_text(listing("3.12.1", "3.13.0"))
    monkeypatch.setattr(catalog, "SHIPPED", str(shipped))
    monkeypatch.delenv("PYV_CATALOG", raising=False)
    monkeypatch.setenv("PYV_PLATFORM", "linux-x86_64-gnu")

    def prebuilt() -> list[str]:
        out = world.pyv("install", "--list", capsys=capsys)[1]
        return [line for line in out.splitlines() if "(source build)" not in line]

    assert prebuilt() == ["3.13.0", "3.12.1"]
    (shipped.parent / "platforms").mkdir()
    (shipped.parent / "platforms" / "linux-x86_64-gnu.json").write_text(listing("3.11.7"))
    assert prebuilt() == ["3.11.7"]
