"""Version requests: the one parser for every place a Python version is named.

    3  3.12  3.12.1  3.14.0rc1        versions and prefixes of them
    3.13t  3.13.1t  3.13+freethreaded free-threaded builds (``d`` / ``+debug``: debug builds)
    python-3.12.1  cpython-3.12.1  cpython@3.12    pyenv's and uv's spellings, prefix dropped
    >=3.10,<3.12  cpython@>=3.11      ranges (packaging specifier sets)
    3.12.1+pyenv                      an exact version with a label, to tell two copies apart
    system                            the first Python on PATH outside pyv's shims

``str()`` of a request is its canonical form; installations are named by the
canonical form of their exact version, so a name parses back into its request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from packaging.version import InvalidVersion, Version

from pyv.errors import InvalidRequest

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

Kind = Literal["exact", "prefix", "range", "system"]

MAX_LENGTH = 100
_PREFIXES = ("cpython@", "cpython-", "cpython", "python-", "python@", "python")
_VARIANT_WORDS = {"freethreaded": "t", "debug": "d", "freethreaded+debug": "td"}
_VARIANT_SUFFIXES = ("td", "t", "d")
VARIANT_NAMES = {"": "default", "t": "freethreaded", "d": "debug", "td": "freethreaded+debug"}


@dataclass(frozen=True)
class PythonRequest:
    """A parsed version request; build one with :func:`parse`."""

    kind: Kind
    version: Version | None = None
    variant: str = ""
    local: str | None = None
    specifier: SpecifierSet | None = None

    def __str__(self) -> str:
        if self.kind == "system":
            return "system"
        if self.kind == "range":
            return str(self.specifier)
        assert self.version is not None
        text = f"{self.version.public}{self.variant}"
        return f"{text}+{self.local}" if self.local else text

    @property
    def is_exact(self) -> bool:
        """True for a full version (``3.12.1``), which can name an installation."""
        return self.kind == "exact"

    def matches(self, version: Version, variant: str = "", local: str | None = None) -> bool:
        """True if a build of ``version`` (with ``variant``) satisfies this request.

        ``3.12`` matches stable 3.12.x only; ``3.1`` never matches 3.12; prereleases and
        other variants match only when asked for.
        """
        if self.kind == "system" or variant != self.variant:
            return False
        if self.kind == "range":
            assert self.specifier is not None
            # Decided here, not by packaging (whose default has changed between releases):
            # a range admits prereleases only if it names one itself.
            return self.specifier.contains(
                Version(version.public), prereleases=_names_prerelease(self.specifier)
            )
        assert self.version is not None
        wanted = self.version.release
        if self.kind == "exact":
            return (
                version.release == wanted
                and version.pre == self.version.pre
                and (self.local is None or self.local == local)
            )
        return version.pre is None and version.release[: len(wanted)] == wanted


SYSTEM = PythonRequest(kind="system")


def _names_prerelease(specifier: SpecifierSet) -> bool:
    for spec in specifier:
        try:
            if Version(spec.version.rstrip(".*")).is_prerelease:
                return True
        except InvalidVersion:
            continue
    return False


def parse(text: str) -> PythonRequest:
    """Parse one version request; raise :class:`InvalidRequest` naming the text."""
    if not text.isascii():  # before strip() and lower(), which know Unicode
        raise InvalidRequest(text)
    s = text.strip(" \t\r\n\v\f")
    if not s:
        raise InvalidRequest(text, "empty")
    if len(s) > MAX_LENGTH:
        raise InvalidRequest(text, "too long")
    low = s.lower()
    if low == "system":
        return SYSTEM
    for prefix in _PREFIXES:
        if low.startswith(prefix) and len(low) > len(prefix):
            low = low[len(prefix) :]
            break
    if low[0] in "<>=!~":
        # Not at the top: packaging.specifiers brings packaging.tags, logging and platform.
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(low)
        except InvalidSpecifier:
            raise InvalidRequest(text, "not a version range") from None
        return PythonRequest(kind="range", specifier=spec)
    return _parse_version(text, low)


def _parse_version(text: str, low: str) -> PythonRequest:
    body, plus, label = low.partition("+")
    if plus and not label:
        raise InvalidRequest(text, "an empty label after +")
    variant = _VARIANT_WORDS.get(label, "")
    local = None if variant or not label else label
    for suffix in _VARIANT_SUFFIXES:
        if body.endswith(suffix) and body[: -len(suffix)][-1:].isdigit():
            if variant:
                raise InvalidRequest(text, "two variants")
            body, variant = body[: -len(suffix)], suffix
            break
    if not body[:1].isdigit():
        raise InvalidRequest(text)
    try:
        version = Version(body)
        if local:
            Version(f"0+{local}")  # the same label rules as PEP 440 local versions
    except InvalidVersion:
        raise InvalidRequest(text) from None
    if version.epoch or version.post is not None or version.dev is not None or version.local:
        raise InvalidRequest(text, "not a Python release")
    if len(version.release) > 3:
        raise InvalidRequest(text, "too many version parts")
    exact = len(version.release) == 3
    if version.pre is not None and not exact:
        raise InvalidRequest(text, "a prerelease needs a full version such as 3.14.0rc1")
    if local and not exact:
        raise InvalidRequest(text, "a label needs a full version such as 3.12.1+mine")
    return PythonRequest(
        kind="exact" if exact else "prefix", version=version, variant=variant, local=local
    )


def parse_name(name: str) -> PythonRequest | None:
    """The exact request an installation folder name stands for, or None."""
    try:
        request = parse(name)
    except InvalidRequest:
        return None
    return request if request.is_exact and str(request) == name else None


def sort_key(request: PythonRequest) -> tuple[Version, bool, str, str]:
    """Order exact requests oldest first; at equal versions an unlabelled build is newer."""
    assert request.version is not None
    return (request.version, request.local is None, request.local or "", request.variant)
