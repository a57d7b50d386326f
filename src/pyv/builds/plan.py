"""A request -> the build to install: choose, upgrade, what a command line asks for.

Pure decisions over the catalog and the installed set; nothing is downloaded here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pyv import registry
from pyv.errors import PyvError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    from packaging.version import Version

    from pyv.builds.catalog import Build
    from pyv.builds.source import Release, SourceBuild
    from pyv.paths import Layout
    from pyv.request import PythonRequest

    Planned = Union[Build, SourceBuild]

# pyv.builds.source is imported only where a source release is looked for: a prebuilt
# install never needs it.


def choose(
    here: list[Build],
    texts: list[str],
    platform: str,
    *,
    sources: Callable[[], list[Release]] | None = None,
    from_source: bool = False,
) -> list[Planned]:
    """For each request the newest prebuilt build on this platform, else (or, with
    ``from_source``, always) the newest source release to build; an error for one
    that has neither."""
    from pyv.builds.catalog import best_match, skipped
    from pyv.errors import UsageError
    from pyv.request import parse

    chosen: list[Planned] = []
    for text in texts:
        request = parse(text)
        if request.kind == "system":
            raise UsageError("`system' is not something pyv installs")
        build: Planned | None = None if from_source else best_match(here, request)
        if build is None and sources is not None:
            import dataclasses

            from pyv.builds import source

            found = source.candidates(sources(), request)  # read only when needed
            build = dataclasses.replace(found[0], asked=from_source) if found else None
        if build is None:
            what = "source release" if from_source else "build"
            raise PyvError(
                f"no {what} of Python `{text}' for {platform}{skipped(here)}",
                hint="see `pyv install --list'",
            )
        chosen.append(build)
    return list({b.name: b for b in chosen}.values())


def upgrades(
    layout: Layout, here: list[Build], minors: list[str] | None
) -> tuple[list[Build], list[str]]:
    """For each minor (default: every installed one), its newest build if it is newer;
    and a note on each minor that has nothing newer. A minor asked for by name that has
    no build at all is an error."""
    from pyv.builds.catalog import best_match, skipped
    from pyv.request import parse

    def minor(inst: registry.Installation) -> str:  # 3.12, 3.13t, pypy3.10, graalpy3.12
        v = inst.request.version
        if v is None or len(v.release) < 2:
            return ""
        impl = "" if inst.request.implementation == "cpython" else inst.request.implementation
        return f"{impl}{v.release[0]}.{v.release[1]}{inst.request.variant}"

    installed = registry.installations(layout)
    if minors:
        lines = [str(parse(m)) for m in minors]
    else:
        lines = sorted({minor(i) for i in installed} - {""})
        if not lines:
            return [], ["nothing to upgrade: no version is installed"]
    builds, notes = [], []
    for line in lines:
        request = parse(line)
        newest = best_match(here, request)
        have = registry.find(layout, request)
        if newest is None:
            previews = [
                i.name
                for i in installed
                if minor(i) == line and i.request.version and i.request.version.is_prerelease
            ]
            if previews:  # only prereleases installed (3.15.0a1), and no release yet
                notes.append(f"{line}: no release yet ({', '.join(previews)} installed)")
            elif minors:
                raise PyvError(
                    f"no build of Python `{line}' for this platform{skipped(here)}",
                    hint="see `pyv install --list'",
                )
            else:
                notes.append(f"{line}: no build for this platform")
        elif have is not None and _newest(have.request, newest):
            notes.append(f"{line}: {have.name} is the newest")
        else:
            builds.append(newest)
    return builds, notes


def _newest(have: PythonRequest, newest: Build) -> bool:
    """Whether an installation is at least as new as a build of the same minor: PyPy and
    GraalPy by their own version (a new release of them may keep its Python version)."""
    own = newest.impl_version
    if own is not None:
        return have.impl_version is not None and have.impl_version >= own
    return have.version is not None and have.version >= newest.version


def requested(
    layout: Layout,
    texts: list[str],
    environ: Mapping[str, str],
    *,
    offline: bool = False,
    from_source: bool = False,
) -> list[Planned]:
    """What to install for each of ``texts`` (``pyv install 3.12 ...``): a prebuilt build
    where this platform has one, else a python.org source release to build."""
    from pyv import platforms
    from pyv.builds import catalog

    platform = platforms.current(dict(environ))
    found = catalog.load(layout, environ, platform, offline=offline)
    if not from_source:
        plain = catalog.plain_choice(found, platform, texts)
        if plain is not None:  # 3.12.1, 3.12: chosen without packaging (6 ms sooner)
            return list(plain)
    here = catalog.for_platform(found, platform)

    def sources() -> list[Release]:
        from pyv.builds import source

        return source.releases(environ.get(source.SOURCES_VAR) or None)

    return choose(here, texts, str(platform), sources=sources, from_source=from_source)


def source_only(
    here: list[Build], wanted: list[PythonRequest] | None, environ: Mapping[str, str]
) -> list[SourceBuild]:
    """The source releases (of ``wanted`` requests, else all) that no prebuilt build on
    this platform provides: what ``pyv install`` would build. Plain builds only; ``t``
    and ``d`` builds of them are one request away."""
    from pyv.builds import source
    from pyv.request import parse

    prebuilt = {b.name for b in here}
    known = source.releases(environ.get(source.SOURCES_VAR) or None)
    found: dict[str, SourceBuild] = {}
    for request in wanted or [parse(">=0")]:
        for build in source.candidates(known, request):
            if build.name not in prebuilt:
                found.setdefault(build.name, build)
    return list(found.values())


def list_group(implementation: str, version: Version, variant: str) -> int:
    """Where ``install --list`` shows a build: 0 CPython releases, 1 CPython prereleases
    and free-threaded or debug builds, 2 other implementations."""
    if implementation != "cpython":
        return 2
    return 1 if variant or version.is_prerelease else 0
