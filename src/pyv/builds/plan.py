"""A request -> the build to install: choose, upgrade, what a command line asks for.

Pure decisions over the catalog and the installed set; nothing is downloaded here.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyv import registry
from pyv.builds.catalog import Build
from pyv.errors import PyvError
from pyv.paths import Layout


def choose(here: list[Build], texts: list[str], platform: str) -> list[Build]:
    """The newest build on this platform for each request; an error for one with none."""
    from pyv.builds.catalog import best_match, skipped
    from pyv.errors import UsageError
    from pyv.request import parse

    chosen = []
    for text in texts:
        request = parse(text)
        if request.kind == "system":
            raise UsageError("`system' is not something pyv installs")
        build = best_match(here, request)
        if build is None:
            raise PyvError(
                f"no build of Python `{text}' for {platform}{skipped(here)}",
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

    def minor(inst: registry.Installation) -> str:
        v = inst.request.version
        return f"{v.release[0]}.{v.release[1]}{inst.request.variant}" if v else ""

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
        elif have is not None and have.request.version and have.request.version >= newest.version:
            notes.append(f"{line}: {have.name} is the newest")
        else:
            builds.append(newest)
    return builds, notes


def requested(
    layout: Layout, texts: list[str], environ: Mapping[str, str], *, offline: bool = False
) -> list[Build]:
    """The newest build on this platform for each of ``texts`` (``pyv install 3.12 ...``)."""
    from pyv import platforms
    from pyv.builds import catalog

    here = catalog.available(layout, environ, offline=offline)
    return choose(here, texts, str(platforms.current(dict(environ))))
