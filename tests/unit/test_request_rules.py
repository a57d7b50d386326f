"""Version requests: every spelling, its canonical form, and what it matches."""

from __future__ import annotations

import pytest
from packaging.version import Version

from pyv.errors import InvalidRequest
from pyv.request import parse, parse_name, sort_key

CANONICAL = [
    ("3", "3", "prefix"),
    ("3.12", "3.12", "prefix"),
    ("3.12.1", "3.12.1", "exact"),
    ("3.12.01", "3.12.1", "exact"),
    ("3.14.0rc1", "3.14.0rc1", "exact"),
    ("3.14.0-rc.1", "3.14.0rc1", "exact"),
    ("3.13t", "3.13t", "prefix"),
    ("3.13.1t", "3.13.1t", "exact"),
    ("3.13+freethreaded", "3.13t", "prefix"),
    ("3.13d", "3.13d", "prefix"),
    ("3.13+debug", "3.13d", "prefix"),
    ("3.13td", "3.13td", "prefix"),
    ("python-3.12.1", "3.12.1", "exact"),
    ("cpython-3.12.1", "3.12.1", "exact"),
    ("cpython@3.12", "3.12", "prefix"),
    ("CPython@3.12", "3.12", "prefix"),
    ("python3.12", "3.12", "prefix"),
    (">=3.10,<3.12", "<3.12,>=3.10", "range"),
    ("cpython@>=3.11", ">=3.11", "range"),
    ("==3.12.*", "==3.12.*", "range"),
    ("system", "system", "system"),
    ("SYSTEM", "system", "system"),
    ("  3.12  ", "3.12", "prefix"),
    ("3.12.1+pyenv", "3.12.1+pyenv", "exact"),
    ("3.13.1t+uv", "3.13.1t+uv", "exact"),
]


@pytest.mark.parametrize(("text", "canonical", "kind"), CANONICAL)
def test_every_spelling_has_one_canonical_form(text: str, canonical: str, kind: str) -> None:
    request = parse(text)
    assert (str(request), request.kind) == (canonical, kind)


@pytest.mark.parametrize("text", [c[0] for c in CANONICAL])
def test_the_canonical_form_parses_back_to_the_same_request(text: str) -> None:
    request = parse(text)
    assert parse(str(request)) == request


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("banana", "not a version request"),
        ("../3.12", "not a version request"),
        ("/usr/bin/python3", "not a version request"),
        ("-3.12", "not a version request"),
        ("3.12.1.4", "too many version parts"),
        ("3.12.post1", "not a Python release"),
        ("3.12.dev0", "not a Python release"),
        ("1!3.12", "not a Python release"),
        ("3.14rc1", "a prerelease needs a full version"),
        ("3.12+mine", "a label needs a full version"),
        ("3" * 5000, "too long"),
        ("3.1\uff12", "not a version request"),
        ("3.12t+freethreaded", "two variants"),
        (">=banana", "not a version range"),
        ("3.12/../../etc", "not a version request"),
        ("3.12.1+../x", "not a version request"),
    ],
)
def test_anything_else_is_an_error_naming_the_text(text: str, reason: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse(text)
    assert reason in caught.value.message
    assert caught.value.message.startswith("invalid version `")


@pytest.mark.parametrize(
    ("request_text", "version", "variant", "matches"),
    [
        ("3.12", "3.12.7", "", True),
        ("3.12", "3.12.0", "", True),
        ("3.12", "3.13.0", "", False),
        ("3.1", "3.12.1", "", False),
        ("3.1", "3.1.4", "", True),
        ("3", "3.13.2", "", True),
        ("3", "2.7.18", "", False),
        ("3.14", "3.14.0rc1", "", False),
        ("3.14.0rc1", "3.14.0rc1", "", True),
        ("3.14.0", "3.14.0rc1", "", False),
        ("3.13", "3.13.1", "t", False),
        ("3.13t", "3.13.1", "t", True),
        ("3.13t", "3.13.1", "", False),
        ("3.12.1", "3.12.1", "", True),
        ("3.12.1", "3.12.10", "", False),
        (">=3.11,<3.13", "3.12.4", "", True),
        (">=3.11,<3.13", "3.13.0", "", False),
        (">=3.12", "3.14.0rc1", "", False),
        (">=3.14.0rc1", "3.14.0rc2", "", True),
        ("system", "3.12.1", "", False),
    ],
)
def test_what_a_request_matches(
    request_text: str, version: str, variant: str, matches: bool
) -> None:
    assert parse(request_text).matches(Version(version), variant) is matches


def test_a_label_matches_only_when_asked_for_or_absent() -> None:
    assert parse("3.12.1").matches(Version("3.12.1"), "", "pyenv")
    assert parse("3.12.1+pyenv").matches(Version("3.12.1"), "", "pyenv")
    assert not parse("3.12.1+uv").matches(Version("3.12.1"), "", "pyenv")


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("3.12.1", True),
        ("3.13.1t", True),
        ("3.12.1+pyenv", True),
        ("3.12", False),
        ("3.12.01", False),
        ("system", False),
        ("cpython-3.12.1", False),
        ("foo", False),
    ],
)
def test_only_canonical_exact_names_name_installations(name: str, ok: bool) -> None:
    assert (parse_name(name) is not None) is ok


def test_order_is_by_version_and_an_unlabelled_build_is_newest() -> None:
    names = ["3.12.1+pyenv", "3.9.18", "3.12.10", "3.12.1", "3.14.0rc1", "3.14.0"]
    ordered = sorted(names, key=lambda n: sort_key(parse(n)))
    assert ordered == ["3.9.18", "3.12.1+pyenv", "3.12.1", "3.12.10", "3.14.0rc1", "3.14.0"]
