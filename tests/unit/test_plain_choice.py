"""The catalog without packaging: a plain request (``pyv install 3.12.1``) is answered by
whole-number comparisons, so its download starts before packaging and typing are
imported. Every answer must be the general way's, on the whole shipped catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from pyv import platforms
from pyv.builds import catalog
from pyv.request import parse

SHIPPED = catalog._builds_of(json.loads(Path(catalog.SHIPPED).read_text()), catalog.SHIPPED)


def general(here: list[catalog.Build], text: str) -> str | None:
    """The name the general way (packaging, request.parse) chooses for ``text`` among
    ``here`` (catalog.for_platform's)."""
    found = catalog.best_match(here, parse(text))
    return found.name if found else None


def test_every_plain_request_gets_the_build_the_general_way_chooses() -> None:
    builds = catalog.from_uv_format(SHIPPED)
    targets = sorted({b.platform for b in builds}, key=str)
    assert len(targets) > 10
    answered = 0
    for platform in targets:
        releases = {
            b.version.release for b in builds if b.platform == platform and not b.version.pre
        }
        texts = {".".join(map(str, r[:n])) for r in releases for n in (1, 2, 3)}
        texts |= {"2", "3.99", "3.12.99", "4"}  # nothing of them on any platform
        here = catalog.for_platform(builds, platform)
        for text in sorted(texts):
            plain = catalog.plain_choice(builds, platform, [text])
            expected = general(here, text)
            if expected is None:
                assert plain is None, (platform, text)
                continue
            assert plain is not None and [b.name for b in plain] == [expected], (platform, text)
            answered += 1
    assert answered > 1000  # it does answer: every release of every platform, and more


def test_several_requests_are_answered_together_and_only_if_all_are_plain() -> None:
    here = platforms.parse("linux-x86_64-gnu")
    builds = catalog.from_uv_format(SHIPPED, here)
    both = catalog.plain_choice(builds, here, ["3.12", "3.11", "3.12"])
    assert both is not None
    chosen = catalog.for_platform(builds, here)
    assert [b.name for b in both] == [general(chosen, "3.12"), general(chosen, "3.11")]
    for other in ("3.13t", "cpython@3.12", ">=3.11", "pypy3.10", "3.14.0rc1", " 3.12", "3.12.1.1"):
        assert catalog.plain_choice(builds, here, ["3.12", other]) is None, other


def entry(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": "cpython",
        "arch": {"family": "x86_64", "variant": None},
        "os": "linux",
        "libc": "gnu",
        "major": 3,
        "minor": 14,
        "patch": 0,
        "prerelease": "",
        "url": "https://example.org/a.tar.gz",
        "sha256": "a" * 64,
        "variant": None,
        "build": "20260814",
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({}, "3.14.0"),
        ({"prerelease": "rc1"}, "3.14.0rc1"),
        ({"prerelease": "a01"}, "3.14.0a1"),
        ({"prerelease": "RC2"}, "3.14.0rc2"),  # as packaging reads the rest
        ({"prerelease": "c3"}, "3.14.0rc3"),
        ({"prerelease": "alpha1"}, "3.14.0a1"),
        ({"prerelease": "rc"}, "3.14.0rc0"),
        ({"minor": "14"}, "3.14.0"),
        ({"minor": True}, None),  # unusable, as before
        ({"prerelease": "x1"}, None),
        ({"major": -3}, None),
        ({"name": "pypy", "build": "7.3.17", "minor": 10}, "pypy3.10-7.3.17"),
        ({"name": "pypy", "build": "7.03.017", "minor": 10}, "pypy3.10-7.3.17"),
        ({"name": "graalpy", "build": "25.0.1"}, "graalpy-25.0.1"),
        ({"name": "pypy", "build": "7.3"}, None),
        ({"name": "pypy", "build": "7.3.17+local"}, None),
    ],
)
def test_versions_read_without_packaging_are_those_packaging_reads(
    fields: dict[str, object], name: str | None
) -> None:
    builds, unusable = catalog.parse_builds({"key": entry(**fields)})
    assert [b.name for b in builds] == ([name] if name else [])
    assert unusable == (0 if name else 1)
    for build in builds:
        assert build.version == Version(build.text) and str(build.version) == build.text


def test_every_shipped_entry_reads_as_packaging_reads_it() -> None:
    for build in catalog.from_uv_format(SHIPPED):
        assert str(Version(build.text)) == build.text
        assert build.name.startswith((build.text, "pypy", "graalpy"))


def test_planning_a_plain_install_imports_neither_packaging_nor_typing(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from pyv.builds import plan\n"
        "from pyv.paths import from_environ\n"
        "chosen = plan.requested(from_environ(os.environ), ['3.12'], os.environ)\n"
        "print(chosen[0].name, 'packaging' in sys.modules, 'typing' in sys.modules)\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(Path(catalog.__file__).resolve().parents[2]),
        "PYV_ROOT": str(tmp_path / "root"),
        "PYV_CACHE_DIR": str(tmp_path / "cache"),
        "PYV_PLATFORM": "linux-x86_64-gnu",
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    name, packaging, typing = done.stdout.split()
    assert name.startswith("3.12.") and (packaging, typing) == ("False", "False")
