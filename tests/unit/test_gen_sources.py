"""scripts/gen-sources: the shipped list of source releases is what it makes, and it keeps
only tarballs pyv can use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gen-sources"
LOCAL = REPO.parent / "shared/data/cpython-source/releases.json"
SHIPPED = REPO / "src/pyv/data/sources.json"
SHA = "ab" * 32


def generate(tmp_path: Path, *args: str) -> dict[str, object]:
    out = tmp_path / "sources.json"
    subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--out", str(out)], capture_output=True, check=True
    )
    data = json.loads(out.read_text())
    assert isinstance(data, dict)
    return data


def test_the_shipped_list_is_what_the_script_makes(tmp_path: Path) -> None:
    if not LOCAL.is_file():
        pytest.skip(f"no {LOCAL} on this machine (shared/ beside the project holds it)")
    generate(tmp_path)
    assert (tmp_path / "sources.json").read_bytes() == SHIPPED.read_bytes()


def test_only_usable_tarballs_are_kept_in_version_order(tmp_path: Path) -> None:
    def tgz(version: str, url: str = "", sha256: str = SHA) -> dict[str, dict[str, str]]:
        url = url or f"https://www.python.org/ftp/python/{version}/Python-{version}.tgz"
        return {"tgz": {"url": url, "sha256": sha256}}

    releases = {
        "3.10.0": tgz("3.10.0"),
        "3.9.0": tgz("3.9.0"),
        "3.9.0rc1": tgz("3.9.0rc1"),
        "2.7.18": tgz("2.7.18", url="http://elsewhere.example/Python-2.7.18.tgz"),
        "3.1.0": tgz("3.1.0", sha256="abc"),
        "3.x": tgz("3.x"),
    }
    source = tmp_path / "releases.json"
    source.write_text(json.dumps({"releases": releases}))
    data = generate(tmp_path, "--from", str(source))
    kept = data["releases"]
    assert isinstance(kept, dict)
    assert list(kept) == ["3.9.0rc1", "3.9.0", "3.10.0"]
    assert kept["3.9.0"] == tgz("3.9.0")
