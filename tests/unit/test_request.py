"""Rules for version requests (pyv.request): spellings, canonical forms, errors, matching."""

from __future__ import annotations

import pytest
from packaging.version import Version

from pyv.errors import InvalidRequest, printable
from pyv.request import SYSTEM, PythonRequest, parse, parse_name, sort_key

# text -> (canonical str, kind, variant, local)
VALID = [
    ("3", "3", "prefix", "", None),
    ("3.12", "3.12", "prefix", "", None),
    ("3.12.1", "3.12.1", "exact", "", None),
    ("3.12.01", "3.12.1", "exact", "", None),
    ("3.14.0rc1", "3.14.0rc1", "exact", "", None),
    ("3.13t", "3.13t", "prefix", "t", None),
    ("3.13+freethreaded", "3.13t", "prefix", "t", None),
    ("3.13d", "3.13d", "prefix", "d", None),
    ("python-3.12.1", "3.12.1", "exact", "", None),
    ("cpython@3.12", "3.12", "prefix", "", None),
    ("cpython-3.12.1", "3.12.1", "exact", "", None),
    (">=3.10,<3.12", "<3.12,>=3.10", "range", "", None),
    ("cpython@>=3.11", ">=3.11", "range", "", None),
    ("system", "system", "system", "", None),
    ("3.12.1+pyenv", "3.12.1+pyenv", "exact", "", "pyenv"),
    ("3.13.1t+uv", "3.13.1t+uv", "exact", "t", "uv"),
    ("  3.12\n", "3.12", "prefix", "", None),
    ("CPython@3.12", "3.12", "prefix", "", None),
    ("SYSTEM", "system", "system", "", None),
    ("3.14.0-rc.1", "3.14.0rc1", "exact", "", None),
    ("3.13+debug", "3.13d", "prefix", "d", None),
]


@pytest.mark.parametrize(("text", "canonical", "kind", "variant", "local"), VALID)
def test_each_accepted_spelling_has_one_canonical_form(
    text: str, canonical: str, kind: str, variant: str, local: str | None
) -> None:
    request = parse(text)
    assert (str(request), request.kind, request.variant, request.local) == (
        canonical,
        kind,
        variant,
        local,
    )


def test_system_parses_to_the_one_system_request() -> None:
    assert parse("system") == SYSTEM
    assert SYSTEM.kind == "system" and SYSTEM.version is None and not SYSTEM.is_exact


def test_only_a_full_version_is_exact() -> None:
    assert [parse(t).is_exact for t in ("3", "3.12", "3.12.1", ">=3.12", "system")] == [
        False,
        False,
        True,
        False,
        False,
    ]


# Property: str() is canonical, so parsing it gives the same request back (and is a fixpoint).
ROUND_TRIP_SAMPLES = [
    *(case[0] for case in VALID),
    "3.0",
    "3.9.18",
    "3.14.0a1",
    "3.14.0b2",
    "3.14.0rc1t",
    "3.13td",
    "3.13.0td",
    "3.13+freethreaded+debug",
    "python3.12",
    "SYSTEM",
    "~=3.12",
    "==3.12.*",
    "!=3.12.1",
    ">=3.14.0rc1",
    ">= 3.10 , < 3.13",
    "3.12.1+my.label",
    "3.12.1t+pyenv",
]


def test_parsing_the_canonical_form_gives_the_same_request() -> None:
    for text in ROUND_TRIP_SAMPLES:
        request = parse(text)
        again = parse(str(request))
        assert again == request, text
        assert str(again) == str(request), text


INVALID = [
    ("", "empty"),
    ("banana", "not a version request"),
    ("../3.12", "not a version request"),
    ("/usr/bin", "not a version request"),
    ("-3.12", "not a version request"),
    ("3.12.1.4", "too many version parts"),
    ("3.12.post1", "not a Python release"),
    ("3.12.dev0", "not a Python release"),
    ("1!3.12", "not a Python release"),
    ("3.14rc1", "a prerelease needs a full version"),
    ("3.12+mine", "a label needs a full version"),
    ("3" * 5000, "too long"),
    ("3.1\uff12", "not a version request"),  # fullwidth digit
    ("3.12\x00", "not a version request"),
    ("3.13t+freethreaded", "two variants"),
    (">=banana", "not a version range"),
    ("3.12\u00a0", "not a version request"),  # no-break space: no Unicode whitespace
    ("\u20033.12", "not a version request"),  # em space
    ("3.12.1+\u212a", "not a version request"),  # Kelvin sign, which lower() makes "k"
    ("3.12.1+", "an empty label after +"),
    ("3.12/../../etc", "not a version request"),
    ("3.12.1+../x", "not a version request"),
    ("3.12+", "an empty label after +"),
]


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_anything_else_is_invalid_and_the_error_names_the_text(text: str, reason: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse(text)
    message = caught.value.message
    assert caught.value.text == text
    assert message.startswith("invalid version `")
    assert reason in message
    # The text is named (long text is cut, control characters escaped).
    assert f"`{printable(text)}'" in message
    assert message.isprintable()


def test_a_huge_request_is_named_but_cut_short() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse("3." + "1" * 4998)
    assert len(caught.value.message) < 200
    assert "`3.111" in caught.value.message


# request -> (version, variant, local) -> matches?
MATCHES = [
    ("3.12", "3.12.0", "", None, True),
    ("3.12", "3.12.7", "", None, True),
    ("3.12", "3.12.1", "", "pyenv", True),
    ("3.1", "3.12.1", "", None, False),
    ("3.1", "3.1.4", "", None, True),
    ("3", "3.13.2", "", None, True),
    ("3.14", "3.14.0rc1", "", None, False),
    ("3", "3.14.0a1", "", None, False),
    ("3.14.0rc1", "3.14.0rc1", "", None, True),
    ("3.14.0", "3.14.0rc1", "", None, False),
    ("3.12.1", "3.12.1", "", None, True),
    ("3.12.1+pyenv", "3.12.1", "", "pyenv", True),
    ("3.12.1+pyenv", "3.12.1", "", None, False),
    ("3.13", "3.13.1", "t", None, False),
    ("3.13t", "3.13.1", "t", None, True),
    ("3.13t", "3.13.1", "", None, False),
    (">=3.11,<3.13", "3.12.4", "", None, True),
    (">=3.11,<3.13", "3.13.0", "", None, False),
    (">=3.11", "3.13.1", "t", None, False),
    (">=3.12", "3.14.0rc1", "", None, False),
    (">=3.14.0rc1", "3.14.0rc2", "", None, True),
    ("==3.12.*", "3.12.9", "", "pyenv", True),
    ("system", "3.12.1", "", None, False),
]


@pytest.mark.parametrize(("request_text", "version", "variant", "local", "expected"), MATCHES)
def test_what_a_request_matches(
    request_text: str, version: str, variant: str, local: str | None, expected: bool
) -> None:
    assert parse(request_text).matches(Version(version), variant, local) is expected


def test_system_matches_nothing() -> None:
    for version in ("3.12.1", "2.7.18", "3.14.0rc1"):
        for variant in ("", "t", "d"):
            assert not SYSTEM.matches(Version(version), variant), (version, variant)


PARSE_NAME = [
    ("3.12.1", True),
    ("3.13.1t", True),
    ("3.12.1+pyenv", True),
    ("3.12", False),
    ("3.12.01", False),
    ("3.14.0-rc1", False),
    ("python-3.12.1", False),
    ("system", False),
]


@pytest.mark.parametrize(("name", "is_installation_name"), PARSE_NAME)
def test_parse_name_accepts_only_canonical_exact_names(
    name: str, is_installation_name: bool
) -> None:
    request = parse_name(name)
    if is_installation_name:
        assert request == parse(name)
        assert request is not None and request.is_exact and str(request) == name
    else:
        assert request is None


def test_sort_key_orders_versions_numerically_with_prereleases_first() -> None:
    names = ["3.12.10", "3.9.18", "3.14.0", "3.12.1", "3.14.0rc1", "3.14.0a1", "3.12.2"]
    ordered = sorted(names, key=lambda n: sort_key(parse(n)))
    assert ordered == ["3.9.18", "3.12.1", "3.12.2", "3.12.10", "3.14.0a1", "3.14.0rc1", "3.14.0"]


def test_an_unlabelled_build_is_newer_than_a_labelled_one_of_the_same_version() -> None:
    names = ["3.12.1", "3.12.1+uv", "3.12.2+pyenv", "3.12.1+pyenv", "3.12.0"]
    ordered = sorted(names, key=lambda n: sort_key(parse(n)))
    assert ordered == ["3.12.0", "3.12.1+pyenv", "3.12.1+uv", "3.12.1", "3.12.2+pyenv"]


def test_a_request_is_a_value() -> None:
    assert parse("cpython@3.12") == parse("3.12") == PythonRequest("prefix", Version("3.12"))
    assert hash(parse("3.12.01")) == hash(parse("3.12.1"))
    assert parse("3.12") != parse("3.12t")


# -- other implementations ---------------------------------------------------------------

OTHER = [
    # text -> canonical, kind, implementation, python version, own version
    ("pypy", "pypy", "prefix", "pypy", None, None),
    ("pypy3", "pypy3", "prefix", "pypy", "3", None),
    ("pypy3.10", "pypy3.10", "prefix", "pypy", "3.10", None),
    ("PyPy@3.10", "pypy3.10", "prefix", "pypy", "3.10", None),
    ("pypy3.10-7.3.17", "pypy3.10-7.3.17", "exact", "pypy", "3.10", "7.3.17"),
    ("pypy3.10-7.3", "pypy3.10-7.3", "prefix", "pypy", "3.10", "7.3"),
    ("graalpy", "graalpy", "prefix", "graalpy", None, None),
    ("graalpy3.12", "graalpy3.12", "prefix", "graalpy", "3.12", None),
    ("graalpy@3.12", "graalpy3.12", "prefix", "graalpy", "3.12", None),
    ("graalpy-25.0", "graalpy-25.0", "prefix", "graalpy", None, "25.0"),
    ("graalpy-25.0.1", "graalpy-25.0.1", "exact", "graalpy", None, "25.0.1"),
    ("pypy@>=3.10", "pypy@>=3.10", "range", "pypy", None, None),
]


@pytest.mark.parametrize(("text", "canonical", "kind", "impl", "python", "own"), OTHER)
def test_pypy_and_graalpy_spellings(
    text: str, canonical: str, kind: str, impl: str, python: str | None, own: str | None
) -> None:
    request = parse(text)
    assert (str(request), request.kind, request.implementation) == (canonical, kind, impl)
    assert request.version == (Version(python) if python else None)
    assert request.impl_version == (Version(own) if own else None)
    assert parse(str(request)) == request


@pytest.mark.parametrize("text", ["pypy3.x", "pypy3.10-", "pypy3.10-v7.3.17", "graalpy-25.0.1.2.3"])
def test_malformed_implementation_requests_are_invalid(text: str) -> None:
    with pytest.raises(InvalidRequest, match="invalid version"):
        parse(text)


def test_a_bare_version_means_cpython_only() -> None:
    v = Version("3.10.14")
    assert parse("3.10").matches(v)
    assert not parse("3.10").matches(v, implementation="pypy", impl_version=Version("7.3.17"))
    assert parse("cpython@3.10").matches(v)
    pypy = {"implementation": "pypy", "impl_version": Version("7.3.17")}
    assert parse("pypy3.10").matches(v, **pypy)  # type: ignore[arg-type]
    assert parse("pypy").matches(v, **pypy)  # type: ignore[arg-type]
    assert parse("pypy3.10-7.3.17").matches(v, **pypy)  # type: ignore[arg-type]
    assert parse("pypy3.10-7.3").matches(v, **pypy)  # type: ignore[arg-type]
    assert not parse("pypy3.10-7.3.16").matches(v, **pypy)  # type: ignore[arg-type]
    assert not parse("pypy3.9").matches(v, **pypy)  # type: ignore[arg-type]
    assert not parse("pypy3.10").matches(v)
    assert parse("pypy@>=3.10").matches(v, **pypy)  # type: ignore[arg-type]
    assert not parse("graalpy").matches(v, **pypy)  # type: ignore[arg-type]


def test_pyenv_names_are_installation_names() -> None:
    for name in ("pypy3.10-7.3.17", "graalpy-25.0.1"):
        request = parse_name(name)
        assert request is not None and request.is_exact and str(request) == name
    assert parse_name("pypy3.10") is None  # an alias's name, not an installation's
    newest_first = sorted(
        [parse("3.12.1"), parse("pypy3.10-7.3.17"), parse("pypy3.10-7.3.16"), parse("3.13.0")],
        key=sort_key,
        reverse=True,
    )
    assert [str(r) for r in newest_first] == [
        "3.13.0",
        "3.12.1",
        "pypy3.10-7.3.17",
        "pypy3.10-7.3.16",
    ]
