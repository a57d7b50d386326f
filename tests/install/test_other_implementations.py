"""PyPy and GraalPy through pyv install, with fake releases in upstream's layouts (the
real PyPy is tests/builds')."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
import time

import pytest

from tests.conftest import World
from tests.install.conftest import PLATFORM, Builds, Server, entry, installed

Capture = pytest.CaptureFixture[str]


def fake_interpreter(implementation: str, python: str, own: str) -> bytes:
    """Answers pyv's probe as that implementation would (and runs anything else as ok)."""
    lines = [implementation, python, "final", "0", "0", "0"]
    body = "".join(f"{line}\\n" for line in lines)
    return (f'#!/bin/sh\nprintf \'{body}\'\ncd "$(dirname "$0")/.." && pwd\necho {own}\n').encode()


def release(top: str, binaries: dict[str, bytes], links: dict[str, str], *, mode: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{mode}") as tar:
        for name, data in binaries.items():
            info = tarfile.TarInfo(f"{top}/bin/{name}")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(f"{top}/bin/{name}")
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
        info = tarfile.TarInfo(f"{top}/lib/README")
        tar.addfile(info, io.BytesIO(b""))
    return buf.getvalue()


def other_entry(name: str, python: str, own: str, url: str, sha256: str) -> dict[str, object]:
    """A PyPy or GraalPy entry in uv's download-metadata.json format."""
    major, minor, patch = (int(x) for x in python.split("."))
    return {
        "name": name,
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": major,
        "minor": minor,
        "patch": patch,
        "prerelease": "",
        "url": url,
        "sha256": sha256,
        "variant": None,
        "build": own,
    }


def list_release(
    builds: Builds, server: Server, name: str, python: str, own: str, data: bytes, filename: str
) -> None:
    path = f"/other/{filename}"
    server.files[path] = data
    sha256 = hashlib.sha256(data).hexdigest()
    listed = other_entry(name, python, own, server.base + path, sha256)
    builds.catalog[f"{name}-{python}-{PLATFORM}-{own}"] = listed
    builds.path.write_text(json.dumps(builds.catalog))


def add_pypy(builds: Builds, server: Server, python: str, own: str) -> None:
    minor = ".".join(python.split(".")[:2])
    top = f"pypy{minor}-v{own}-linux64"
    data = release(
        top,
        {f"pypy{minor}": fake_interpreter("PyPy", python, own)},
        {"pypy3": f"pypy{minor}", "python3": f"pypy{minor}"},
        mode="bz2",
    )
    list_release(builds, server, "pypy", python, own, data, f"{top}.tar.bz2")


def test_pypy_installs_under_pyenvs_name_with_the_usual_commands(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    builds.add("3.12.3")
    add_pypy(builds, server, "3.10.14", "7.3.17")
    assert world.pyv("install", "pypy3.10", capsys=capsys) == (
        0,
        "",
        "installed pypy3.10-7.3.17\n",
    )
    prefix = world.root / "versions" / "pypy3.10-7.3.17"
    names = sorted(p.name for p in (prefix / "bin").iterdir())
    for command in ("python", "python3", "python3.10", "pypy", "pypy3", "pypy3.10"):
        assert command in names
    versions = world.root / "versions"
    assert os.readlink(versions / "pypy3.10") == "pypy3.10-7.3.17"
    assert os.readlink(versions / "pypy3") == "pypy3.10-7.3.17"
    assert not (versions / "3.10").exists()  # a bare version is CPython's
    receipt = json.loads((prefix / "pyv-receipt.json").read_text())
    assert (receipt["implementation"], receipt["python_version"]) == ("pypy", "3.10.14")
    # selected by its alias, run through the shims without starting pyv
    env = world.env(PYV_VERSION="pypy3.10", PWD=str(world.work))
    for shim in ("python", "pypy3"):
        done = subprocess.run(
            [str(world.root / "shims" / shim)], env=env, capture_output=True, text=True, check=False
        )
        assert done.stdout.startswith("PyPy\n3.10.14\n"), done
    rows = json.loads(world.pyv("versions", "--json", capsys=capsys)[1])
    assert [
        (r["name"], r["kind"], r["implementation"], r["implementation_version"]) for r in rows
    ] == [
        ("pypy3", "alias", "pypy", "7.3.17"),
        ("pypy3.10", "alias", "pypy", "7.3.17"),
        ("pypy3.10-7.3.17", "version", "pypy", "7.3.17"),
    ]
    assert world.pyv("install", "3.12", capsys=capsys)[0] == 0
    assert os.readlink(versions / "3") == "3.12.3"  # CPython's aliases are CPython's


def test_upgrade_moves_a_pypy_minor_to_its_newest_release(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    add_pypy(builds, server, "3.10.14", "7.3.17")
    assert world.pyv("install", "-q", "pypy3.10", capsys=capsys)[0] == 0
    assert world.pyv("upgrade", capsys=capsys)[2] == "pypy3.10: pypy3.10-7.3.17 is the newest\n"
    add_pypy(builds, server, "3.10.16", "7.3.19")
    code, _, err = world.pyv("upgrade", "pypy3.10", capsys=capsys)
    assert (code, err) == (0, "installed pypy3.10-7.3.19\n")
    assert os.readlink(world.root / "versions" / "pypy3.10") == "pypy3.10-7.3.19"
    assert installed(world) == ["pypy3.10-7.3.17", "pypy3.10-7.3.19"]
    code, out, _ = world.pyv("install", "--list", "pypy", capsys=capsys)
    assert out == "pypy3.10-7.3.19 (installed)\npypy3.10-7.3.17 (installed)\n"


def test_graalpy_installs_under_its_own_version(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    top = "graalpy-25.0.1-linux-amd64"
    data = release(
        top,
        {"graalpy": fake_interpreter("GraalPy", "3.12.8", "25.0.1")},
        {"python": "graalpy"},
        mode="gz",
    )
    list_release(builds, server, "graalpy", "3.12.8", "25.0.1", data, f"{top}.tar.gz")
    assert world.pyv("install", "graalpy@3.12", capsys=capsys) == (
        0,
        "",
        "installed graalpy-25.0.1\n",
    )
    versions = world.root / "versions"
    assert os.readlink(versions / "graalpy3.12") == "graalpy-25.0.1"
    bin_dir = versions / "graalpy-25.0.1" / "bin"
    assert {"graalpy", "python", "python3", "python3.12"} <= {p.name for p in bin_dir.iterdir()}
    env = world.env(PYV_VERSION="graalpy-25.0", PWD=str(world.work))
    done = subprocess.run(
        [str(world.root / "shims" / "python3")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.startswith("GraalPy\n3.12.8\n"), done


def test_a_saved_catalog_is_dated_by_its_cpython_builds_not_pypys_version(
    builds: Builds, world: World, server: Server, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyPy's "build" is its own version: as text, 7.3.19 outranks any release date, so
    two catalogs with the same PyPy looked equally old whatever their CPython builds."""
    from pyv.builds import catalog

    def listing(version: str, tag: str) -> bytes:
        key, value = entry(version, server.base + f"/{version}.tar.gz", "0" * 64)
        pypy = other_entry("pypy", "3.10.16", "7.3.19", server.base + "/pypy.tar.bz2", "1" * 64)
        return json.dumps({key: {**value, "build": tag}, "pypy-3.10.16": pypy}).encode()

    shipped = world.tmp / "shipped.json"
    shipped.write_bytes(listing("3.12.3", "20260814"))
    monkeypatch.setattr(catalog, "SHIPPED", str(shipped))
    monkeypatch.delenv("PYV_CATALOG")  # the builds fixture's
    server.files["/newer.json"] = listing("3.15.0", "20260901")
    assert world.pyv("update-catalog", server.base + "/newer.json", capsys=capsys)[0] == 0
    # pyv installed again later, shipping no newer CPython builds: the saved list stays
    os.utime(shipped, (time.time() + 10, time.time() + 10))
    assert world.pyv("install", "--list", "3", capsys=capsys)[1] == "3.15.0\n"
    assert (world.tmp / "cache" / "catalog.json").exists()


def test_update_catalog_counts_each_implementation_and_needs_cpython(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    add_pypy(builds, server, "3.10.14", "7.3.17")
    add_pypy(builds, server, "3.10.16", "7.3.19")
    only_pypy = server.base + "/pypy-only.json"
    server.files["/pypy-only.json"] = builds.path.read_bytes()
    assert world.pyv("update-catalog", only_pypy, capsys=capsys) == (
        1,
        "",
        f"pyv: {only_pypy} lists no CPython builds; only 2 PyPy and GraalPy builds\n",
    )
    assert not (world.tmp / "cache" / "catalog.json").exists()
    builds.add("3.12.3")
    server.files["/both.json"] = builds.path.read_bytes()
    assert world.pyv("update-catalog", server.base + "/both.json", capsys=capsys) == (
        0,
        "",
        "catalog updated: 1 CPython and 2 PyPy builds\n",
    )


def test_the_newest_pypy_release_wins_at_an_equal_python_version(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    # PyPy 7.3.16 and 7.3.17 both implement Python 3.10.14; the older one listed first
    add_pypy(builds, server, "3.10.14", "7.3.16")
    add_pypy(builds, server, "3.10.14", "7.3.17")
    code, out, _ = world.pyv("install", "--list", "pypy", capsys=capsys)
    assert out == "pypy3.10-7.3.17\npypy3.10-7.3.16\n"
    assert world.pyv("install", "pypy3.10-7.3.16", capsys=capsys)[0] == 0
    code, _, err = world.pyv("upgrade", "pypy3.10", capsys=capsys)
    assert (code, err) == (0, "installed pypy3.10-7.3.17\n")
    assert os.readlink(world.root / "versions" / "pypy3.10") == "pypy3.10-7.3.17"
    assert world.pyv("uninstall", "-y", "pypy3.10-7.3.17", capsys=capsys)[0] == 0
    assert world.pyv("install", "pypy3.10", capsys=capsys)[2] == "installed pypy3.10-7.3.17\n"


@pytest.mark.parametrize(
    ("name", "listed", "own", "says", "refusal"),
    [
        # GraalPy's name says no Python version: the interpreter's answer must match the list
        ("graalpy", "3.12.8", "25.0.1", ("GraalPy", "3.11.7"), "graalpy for Python 3.11, not 3.12"),
        ("pypy", "3.10.14", "7.3.17", ("GraalPy", "3.10.14"), "graalpy, not pypy"),
        ("pypy", "3.10.14", "7.3.17", ("PyPy", "3.9.18"), "pypy for Python 3.9, not 3.10"),
    ],
)
def test_an_archive_must_hold_the_implementation_and_python_listed(
    builds: Builds,
    world: World,
    server: Server,
    capsys: Capture,
    name: str,
    listed: str,
    own: str,
    says: tuple[str, str],
    refusal: str,
) -> None:
    launcher = fake_interpreter(*says, own)
    data = release(f"{name}-{own}", {name: launcher}, {"python": name}, mode="gz")
    list_release(builds, server, name, listed, own, data, "release.tar.gz")
    code, out, err = world.pyv("install", f"{name}@{listed[:4]}", capsys=capsys)
    assert (code, out, err) == (1, "", f"pyv: release.tar.gz holds {refusal}\n")
    assert installed(world) == []


def test_install_list_takes_an_implementation(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    builds.add("3.12.3")
    add_pypy(builds, server, "3.10.14", "7.3.17")
    data = release("graalpy-25.0.1", {"graalpy": b""}, {}, mode="gz")
    list_release(builds, server, "graalpy", "3.12.8", "25.0.1", data, "graalpy.tar.gz")
    listing = world.pyv("install", "--list", capsys=capsys)[1].splitlines()
    assert sorted(listing) == ["3.12.3", "graalpy-25.0.1", "pypy3.10-7.3.17"]
    for implementation, names in [
        ("pypy", ["pypy3.10-7.3.17"]),
        ("graalpy", ["graalpy-25.0.1"]),
        ("cpython", ["3.12.3"]),
    ]:
        code, out, _ = world.pyv(
            "install", "--list", "--json", "--implementation", implementation, capsys=capsys
        )
        rows = json.loads(out)
        assert [(r["name"], r["implementation"]) for r in rows] == [
            (name, implementation) for name in names
        ]
    code, out, err = world.pyv("install", "--list", "--implementation", "jython", capsys=capsys)
    assert (code, out, err) == (
        2,
        "",
        "pyv: --implementation takes cpython, pypy or graalpy, not `jython'\n",
    )
    code, _, err = world.pyv("install", "--list", "3.12", "--implementation", "pypy", capsys=capsys)
    assert (code, err) == (1, f"pyv: no build of Python `3.12' for {PLATFORM}\n")


def test_a_release_whose_ensurepip_fails_is_not_installed(
    builds: Builds, world: World, server: Server, capsys: Capture
) -> None:
    answer = fake_interpreter("PyPy", "3.10.14", "7.3.17").decode()
    launcher = (  # no pip, and an ensurepip that fails as Debian's does
        '#!/bin/sh\ncase "$*" in\n'
        "  *'import pip'*) exit 1 ;;\n"
        "  *ensurepip*) echo 'ensurepip is disabled in Debian' >&2; exit 1 ;;\n"
        "esac\n" + answer.split("\n", 1)[1]
    ).encode()
    top = "pypy3.10-v7.3.17-linux64"
    data = release(top, {"pypy3.10": launcher}, {"python3": "pypy3.10"}, mode="bz2")
    list_release(builds, server, "pypy", "3.10.14", "7.3.17", data, f"{top}.tar.bz2")
    code, out, err = world.pyv("install", "pypy3.10", capsys=capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"pyv: {top}.tar.bz2 has no pip, and ensurepip failed: ensurepip is disabled in Debian\n"
    )
    assert installed(world) == []
