"""scripts/gen-catalog: asset names read as uv reads them, and the GitHub releases mode
against a fake GitHub API on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

from tests import scripts

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen-catalog"
UV_LIST = SCRIPT.parents[2] / "shared/data/python-build-standalone/download-metadata.json"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return scripts.load("gen-catalog")


@pytest.mark.parametrize(
    ("filename", "key", "fields"),
    [
        (
            "cpython-3.12.1+20240107-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz",
            "cpython-3.12.1-linux-x86_64-gnu",
            {"arch": {"family": "x86_64", "variant": None}, "variant": None, "patch": 1},
        ),
        (
            "cpython-3.14.0rc1+20250808-x86_64_v3-unknown-linux-musl-freethreaded-install_only.tar.gz",
            "cpython-3.14.0rc1+freethreaded-linux-x86_64_v3-musl",
            {"arch": {"family": "x86_64", "variant": "v3"}, "prerelease": "rc1", "libc": "musl"},
        ),
        (
            "cpython-3.13.5+20250708-aarch64-apple-darwin-freethreaded+debug-full.tar.zst",
            "cpython-3.13.5+freethreaded+debug-darwin-aarch64-none",
            {"os": "darwin", "libc": "none", "variant": "freethreaded+debug"},
        ),
        (
            "cpython-3.11.9+20240814-ppc64le-unknown-linux-gnu-debug-full.tar.zst",
            "cpython-3.11.9+debug-linux-powerpc64le-gnu",
            {"arch": {"family": "powerpc64le", "variant": None}, "variant": "debug"},
        ),
        (
            "cpython-3.12.4+20240713-armv7-unknown-linux-gnueabihf-install_only.tar.gz",
            "cpython-3.12.4-linux-armv7-gnueabihf",
            {"libc": "gnueabihf"},
        ),
        (
            "cpython-3.9.7-x86_64-pc-windows-msvc-shared-pgo-20211017T1616.tar.zst",
            "cpython-3.9.7-windows-x86_64-none",
            {"os": "windows", "build": "TAG"},
        ),
    ],
)
def test_asset_names_give_uvs_keys_and_fields(
    gen: ModuleType, filename: str, key: str, fields: dict[str, object]
) -> None:
    parsed = gen.parse_asset(filename, "TAG")
    assert parsed is not None and parsed[0] == key
    assert {name: parsed[1][name] for name in fields} == fields


def test_other_assets_are_not_builds(gen: ModuleType) -> None:
    for name in ("SHA256SUMS", "xbuildenv-0.27.7.tar.gz", "cpython-3.12.1+1-x-y.tar.gz"):
        assert gen.parse_asset(name, "1") is None


def test_every_build_in_uvs_list_parses_to_its_own_entry(gen: ModuleType) -> None:
    if not UV_LIST.is_file():
        pytest.skip(f"no {UV_LIST} beside the project (the shared material)")
    checked = 0
    for key, entry in json.loads(UV_LIST.read_text()).items():
        if entry["name"] != "cpython" or "python-build-standalone" not in entry["url"]:
            continue
        tag, filename = entry["url"].split("/")[-2:]
        parsed = gen.parse_asset(urllib.parse.unquote(filename), tag)
        assert parsed is not None, filename
        assert (parsed[0], parsed[1]) == (key, {k: entry[k] for k in parsed[1]}), filename
        checked += 1
    assert checked > 5000


# -- the releases mode -------------------------------------------------------------------

BASE = "cpython-3.13.9+20261001-x86_64-unknown-linux-gnu"


class FakeGitHub:
    """The releases API and the release assets, by path and query."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.base = ""

    def asset(self, tag: str, name: str, data: bytes, *, digest: bool = False) -> dict[str, str]:
        self.pages[f"/download/{tag}/{name}"] = data
        found = {"name": name, "browser_download_url": f"{self.base}/download/{tag}/{name}"}
        if digest:
            found["digest"] = "sha256:" + hashlib.sha256(data).hexdigest()
        return found


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = fake.pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{httpd.server_port}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield fake
    httpd.shutdown()
    httpd.server_close()


def test_newer_releases_are_merged_into_the_catalog(github: FakeGitHub, tmp_path: Path) -> None:
    old_entry = {
        "name": "cpython",
        "build": "20260814",
        "url": "https://x/python-build-standalone/a",
    }
    out = tmp_path / "catalog.json"
    out.write_text(json.dumps({"builds": {"cpython-3.13.8-linux-x86_64-gnu": old_entry}}))
    sums_for = {
        f"{BASE}-install_only.tar.gz": b"install only",
        f"{BASE}-debug-full.tar.zst": b"debug",
    }
    new = [  # the preferred archive last: the order of assets does not matter
        *(github.asset("20261001", name, data) for name, data in sums_for.items()),
        github.asset("20261001", f"{BASE}-install_only_stripped.tar.gz", b"stripped", digest=True),
        github.asset("20261001", f"{BASE}-freethreaded-install_only.tar.gz", b"ft"),
        github.asset("20261001", f"{BASE}-freethreaded-install_only.tar.gz.sha256", b""),
        github.asset("20261001", f"{BASE}-pgo+lto-full.tar.zst", b"no sha256 anywhere"),
        github.asset("20261001", "xbuildenv-1.0.tar.gz", b"not a build"),
    ]
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sums_for.items())
    new.append(github.asset("20261001", "SHA256SUMS", sums.encode()))
    github.pages[f"/download/20261001/{BASE}-freethreaded-install_only.tar.gz.sha256"] = (
        hashlib.sha256(b"ft").hexdigest().encode() + b"\n"
    )
    old = [
        github.asset(
            "20260814",
            "cpython-3.13.8+20260814-x86_64-unknown-linux-gnu-install_only.tar.gz",
            b"o",
            digest=True,
        )
    ]
    rebuilt = "cpython-3.13.9+20261101-x86_64-unknown-linux-gnu-debug-full.tar.zst"
    newer = [github.asset("20261101", rebuilt, b"debug again", digest=True)]
    releases = [  # nor the order of releases: the newest wins
        {"tag_name": "20261001", "assets": new},
        {"tag_name": "20261101", "assets": newer},
        {"tag_name": "20260814", "assets": old},
    ]
    api = "/repos/astral-sh/python-build-standalone/releases?per_page=100&page="
    github.pages[api + "1"] = json.dumps(releases).encode()
    github.pages[api + "2"] = b"[]"

    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--releases", "--api", github.base, "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[0] == (
        "gen-catalog: 3 builds from releases after 20260814; 1 assets without a sha256 left out"
    )
    catalog = json.loads(out.read_text())
    builds = catalog["builds"]
    assert catalog["newest_release"] == "20261101"
    assert builds["cpython-3.13.8-linux-x86_64-gnu"] == old_entry  # kept, not re-fetched
    plain = builds["cpython-3.13.9-linux-x86_64-gnu"]
    assert plain["url"].endswith("install_only_stripped.tar.gz")  # preferred to the others
    assert plain["sha256"] == hashlib.sha256(b"stripped").hexdigest()
    assert builds["cpython-3.13.9+debug-linux-x86_64-gnu"]["sha256"] == (
        hashlib.sha256(b"debug again").hexdigest()
    )
    assert builds["cpython-3.13.9+freethreaded-linux-x86_64-gnu"]["sha256"] == (
        hashlib.sha256(b"ft").hexdigest()
    )
    assert len(builds) == 4


# -- uv's list: CPython, PyPy and GraalPy --------------------------------------------------


def test_uvs_list_keeps_cpython_pypy_and_graalpy(tmp_path: Path) -> None:
    def listed(name: str, url: str) -> dict[str, str]:
        return {"name": name, "url": url, "build": "20260814" if name == "cpython" else "7.3.19"}

    uv_list = {
        "cpython-3.12.1-linux-x86_64-gnu": listed("cpython", "https://x/python-build-standalone/a"),
        "cpython-3.12.1-emscripten-wasm32-musl": listed("cpython", "https://pyodide.org/b"),
        "pypy-3.10.16-linux-x86_64-gnu": listed("pypy", "https://downloads.python.org/pypy/c"),
        "graalpy-3.12.0-linux-x86_64-gnu": listed("graalpy", "https://github.com/oracle/d"),
        "jython-2.7.3-any": listed("jython", "https://x/python-build-standalone/e"),
    }
    source, out = tmp_path / "download-metadata.json", tmp_path / "catalog.json"
    source.write_text(json.dumps(uv_list))
    subprocess.run(
        [sys.executable, str(SCRIPT), "--from", str(source), "--out", str(out)],
        capture_output=True,
        check=True,
    )
    assert sorted(json.loads(out.read_text())["builds"]) == [
        "cpython-3.12.1-linux-x86_64-gnu",
        "graalpy-3.12.0-linux-x86_64-gnu",
        "pypy-3.10.16-linux-x86_64-gnu",
    ]


def test_each_platform_is_also_written_alone_and_stale_ones_go(tmp_path: Path) -> None:
    def entry(os_: str, family: str, libc: str, level: str | None = None) -> dict[str, object]:
        return {
            "name": "cpython",
            "os": os_,
            "arch": {"family": family, "variant": level},
            "libc": libc,
            "url": "https://x/python-build-standalone/a",
            "build": "20260814",
        }

    uv_list = {
        "cpython-3.12.1-linux-x86_64-gnu": entry("linux", "x86_64", "gnu"),
        "cpython-3.12.1-linux-x86_64_v3-gnu": entry("linux", "x86_64", "gnu", "v3"),
        "cpython-3.12.1-darwin-aarch64-none": entry("darwin", "aarch64", "none"),
    }
    source, out = tmp_path / "download-metadata.json", tmp_path / "catalog.json"
    source.write_text(json.dumps(uv_list))
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / "linux-s390x-gnu.json").write_text("{}")  # from an older list
    run = [sys.executable, str(SCRIPT), "--from", str(source), "--out", str(out)]
    subprocess.run(run, capture_output=True, check=True)
    alone = {p.name: json.loads(p.read_text()) for p in (tmp_path / "platforms").iterdir()}
    assert sorted(alone) == ["darwin-aarch64-none.json", "linux-x86_64-gnu.json"]
    assert list(alone["linux-x86_64-gnu.json"]["builds"]) == ["cpython-3.12.1-linux-x86_64-gnu"]
    whole = json.loads(out.read_text())
    assert {k: v for k, v in alone["darwin-aarch64-none.json"].items() if k != "builds"} == {
        k: v for k, v in whole.items() if k != "builds"
    }


def test_the_shipped_platform_files_hold_what_the_whole_catalog_offers_each() -> None:
    """Generated together: a command reading its platform's file alone gets exactly what
    it would get from the whole (and every platform with builds has its file)."""
    sys.path.insert(0, str(SCRIPT.parents[1] / "src"))
    from pyv import platforms
    from pyv.builds import catalog

    data = SCRIPT.parents[1] / "src/pyv/data"
    whole = json.loads((data / "catalog.json").read_text())["builds"]
    everywhere, _ = catalog.parse_builds(whole)
    names = {str(b.platform) for b in everywhere}
    assert {p.stem for p in (data / "platforms").glob("*.json")} == names
    for name in names:
        platform = platforms.parse(name)
        alone = json.loads((data / "platforms" / f"{name}.json").read_text())["builds"]
        assert catalog.parse_builds(alone, platform) == catalog.parse_builds(whole, platform)


def test_the_shipped_catalog_lists_pypy_and_graalpy() -> None:
    shipped = SCRIPT.parents[1] / "src/pyv/data/catalog.json"
    builds = json.loads(shipped.read_text())["builds"].values()
    linux = [b["name"] for b in builds if (b["os"], b["arch"]["family"]) == ("linux", "x86_64")]
    assert {"cpython", "pypy", "graalpy"} == set(linux)
