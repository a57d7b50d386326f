"""Version requests: the one parser for every place a Python version is named.

    3  3.12  3.12.1  3.14.0rc1        versions and prefixes of them
    3.13t  3.13.1t  3.13+freethreaded free-threaded builds (``d`` / ``+debug``: debug builds)
    python-3.12.1  cpython-3.12.1  cpython@3.12    pyenv's and uv's spellings, prefix dropped
    >=3.10,<3.12  cpython@>=3.11      ranges (packaging specifier sets)
    3.12.1+pyenv                      an exact version with a label, to tell two copies apart
    pypy  pypy3.10  pypy@3.10  pypy3.10-7.3.17        PyPy: its Python version, its own
    graalpy  graalpy3.12  graalpy@3.12  graalpy-25.0  GraalPy: (pyenv's names are exact)
    system                            the first Python on PATH outside pyv's shims

A bare version always means CPython (``cpython@3.12`` says so explicitly).

``str()`` of a request is its canonical form; installations are named by the
canonical form of their exact version, so a name parses back into its request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from packaging.version import InvalidVersion, Version

from pyv.errors import InvalidRequest
from pyv.paths import is_safe_name

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

Kind = Literal["exact", "prefix", "range", "system"]

MAX_LENGTH = 100
_PREFIXES = ("cpython@", "cpython-", "cpython", "python-", "python@", "python")
IMPLEMENTATIONS = ("pypy", "graalpy")  # besides cpython
_VARIANT_WORDS = {"freethreaded": "t", "debug": "d", "freethreaded+debug": "td"}
_VARIANT_SUFFIXES = ("td", "t", "d")
VARIANT_NAMES = {"": "default", "t": "freethreaded", "d": "debug", "td": "freethreaded+debug"}


# A NamedTuple, not a dataclass: dataclasses imports inspect, 6 ms before a download starts.
class PythonRequest(NamedTuple):
    """A parsed version request; build one with :func:`parse`."""

    kind: Kind
    version: Version | None = None
    variant: str = ""
    local: str | None = None
    specifier: SpecifierSet | None = None
    implementation: str = "cpython"
    impl_version: Version | None = None  # PyPy's 7.3.17, GraalPy's 25.0.1

    def __str__(self) -> str:
        if self.kind == "system":
            return "system"
        if self.implementation != "cpython":
            if self.kind == "range":
                return f"{self.implementation}@{self.specifier}"
            text = self.implementation + (self.version.public if self.version else "")
            return f"{text}-{self.impl_version}" if self.impl_version else text
        if self.kind == "range":
            return str(self.specifier)
        assert self.version is not None
        text = f"{self.version.public}{self.variant}"
        return f"{text}+{self.local}" if self.local else text

    @property
    def is_exact(self) -> bool:
        """True for a full version (``3.12.1``), which can name an installation."""
        return self.kind == "exact"

    def matches(
        self,
        version: Version | None,
        variant: str = "",
        local: str | None = None,
        *,
        implementation: str = "cpython",
        impl_version: Version | None = None,
    ) -> bool:
        """True if a build of ``version`` (with ``variant``) satisfies this request.

        ``3.12`` matches stable 3.12.x only; ``3.1`` never matches 3.12; prereleases and
        other variants match only when asked for. Other implementations match by the
        leading parts of their Python version and of their own version that the request
        names (a PyPy name names only the Python minor).
        """
        if self.kind == "system" or variant != self.variant:
            return False
        if implementation != self.implementation:
            return False
        if implementation != "cpython":
            return self._matches_other(version, impl_version)
        assert version is not None
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

    def _matches_other(self, version: Version | None, impl_version: Version | None) -> bool:
        if self.kind == "range":
            assert self.specifier is not None
            return version is not None and self.specifier.contains(Version(version.public))
        for wanted, have in ((self.version, version), (self.impl_version, impl_version)):
            if wanted is None:
                continue
            if have is None or have.release[: len(wanted.release)] != wanted.release:
                return False
        return True


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
    for implementation in IMPLEMENTATIONS:
        if low.startswith(implementation):
            return _parse_other(text, implementation, low[len(implementation) :])
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


def _parse_other(text: str, implementation: str, rest: str) -> PythonRequest:
    """``pypy3.10-7.3.17`` and kin, ``rest`` being what follows the implementation's name."""
    rest = rest[1:] if rest.startswith("@") else rest
    if rest[:1] in ("<", ">", "=", "!", "~"):
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(rest)
        except InvalidSpecifier:
            raise InvalidRequest(text, "not a version range") from None
        return PythonRequest(kind="range", specifier=spec, implementation=implementation)
    python, dash, own = rest.partition("-")
    version = _plain_version(text, python) if python else None
    impl_version = _plain_version(text, own) if dash else None
    if dash and impl_version is None:
        raise InvalidRequest(text, f"no {implementation} version after -")
    exact = impl_version is not None and len(impl_version.release) == 3
    return PythonRequest(
        kind="exact" if exact else "prefix",
        version=version,
        implementation=implementation,
        impl_version=impl_version,
    )


def _plain_version(text: str, part: str) -> Version | None:
    """``3.10`` or ``7.3.17``: one to three numbers, nothing else."""
    if not part:
        return None
    numbers = part.split(".")
    if len(numbers) > 3 or not all(n.isdigit() and len(n) <= 6 for n in numbers):
        raise InvalidRequest(text)
    return Version(part)


def parse_name(name: str) -> PythonRequest | None:
    """The exact request an installation folder name stands for, or None."""
    try:
        request = parse(name)
    except InvalidRequest:
        return None
    return request if request.is_exact and str(request) == name else None


def is_plain_name(name: str) -> bool:
    """True for a safe folder name that is no version request at all (``myenv``,
    ``tools``): it can name an installation without being taken for a version."""
    if "/" in name or not is_safe_name(name):
        return False
    try:
        parse(name)
    except InvalidRequest:
        return True
    return False


def sort_key(request: PythonRequest) -> tuple[bool, str, Version, Version, bool, str, str]:
    """Order exact requests oldest first; at equal versions an unlabelled build is newer.
    Other implementations come before CPython (so newest first lists CPython first),
    each by its Python version, then its own."""
    zero = Version("0")
    return (
        request.implementation == "cpython",
        request.implementation,
        request.version or zero,
        request.impl_version or zero,
        request.local is None,
        request.local or "",
        request.variant,
    )
