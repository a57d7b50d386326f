"""Getting versions onto disk and off it.

pyv install 3.12 pypy3.10 3.11.2     (prebuilt, else built from source)
pyv install --list 3.13; pyv upgrade; pyv update-catalog
pyv link ~/.pyenv/versions/3.11.7; pyv import pyenv uv
pyv uninstall -y 3.11.7
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Optional

import typer

from pyv import reconcile, registry, runner, selection
from pyv.builds.download import JOBS, is_sha256
from pyv.commands import app, current_layout, exit_with, listing, tell
from pyv.errors import (
    PyvError,
    UsageError,
    VersionNotInstalled,
    warn,
)
from pyv.paths import Layout


@app.command("link")
def link(
    path: str = typer.Argument(..., help="An interpreter, or a prefix holding bin/python3."),
    name: Optional[str] = typer.Option(
        None, "--name", help="Default: its version, such as 3.12.1 (a label: 3.12.1+mine)."
    ),
) -> None:
    """Register an interpreter already on disk, without copying it."""
    from pyv import link as linking

    linked, new = linking.link(current_layout(), path, name=name)
    tell(f"linked {linked}" if new else f"{linked} is linked already")


@app.command("uninstall")
def uninstall(
    requests: list[str] = typer.Argument(..., metavar="VERSIONS..."),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask for confirmation."),
    force: bool = typer.Option(
        False, "-f", "--force", help="Do not ask, and skip versions that are not installed."
    ),
) -> None:
    """Remove installed versions (a linked one is only forgotten)."""
    layout = current_layout()
    found = []
    for text in requests:
        try:
            found.append(registry.get(layout, text))
        except VersionNotInstalled as e:  # its hint, `pyv install ...', is no help here
            if not force:  # as pyenv's -f: nothing to remove is no error
                raise PyvError(e.message, hint="see `pyv versions'") from None
    yes = yes or force
    # Two requests for one installation (`3.12.5 3.12`) remove it once.
    chosen = list({i.name: i for i in found}.values())
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("uninstall asks for confirmation: pass -y to remove without asking")
        listed = ", ".join(i.name for i in chosen)
        if not typer.confirm(f"Remove {listed}?", err=True):
            raise typer.Exit(1)
    with reconcile.lock(layout):
        for inst in chosen:
            registry.remove(layout, inst.name)
            tell(f"uninstalled {inst.name}")
    try:  # a selected version gone: say so now, not when `python` fails
        selected = selection.current(layout, os.environ)
        gone = listing.missing(runner.resolve(layout, selected))
    except PyvError:
        gone = []
    for word in gone:
        warn(
            f"version `{word}' is still selected ({selected.origin}) but no longer installed;"
            " choose another with `pyv global' or `pyv local'"
        )


# -- installing -----------------------------------------------------------------------


def install_versions(
    layout: Layout,
    texts: list[str],
    *,
    force: bool,
    offline: bool,
    quiet: bool,
    jobs: int,
    from_source: bool = False,
    patches: Sequence[str] = (),
) -> None:
    from pyv.builds import install as installing
    from pyv.builds import plan

    builds = plan.requested(layout, texts, os.environ, offline=offline, from_source=from_source)
    exit_with(
        installing.install_builds(
            layout,
            builds,
            environ=os.environ,
            force=force,
            offline=offline,
            quiet=quiet,
            jobs=jobs,
            patches=patches,
        )
    )


@app.command("install")
def install(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    force: bool = typer.Option(False, "-f", "--force", help="Reinstall if installed."),
    list_: bool = typer.Option(False, "-l", "--list", help="List what can be installed here."),
    all_platforms: bool = typer.Option(False, "--all-platforms", help="With --list."),
    as_json: bool = typer.Option(False, "--json", help="With --list."),
    implementation: Optional[str] = typer.Option(
        None, "--implementation", help="With --list: cpython, pypy or graalpy only."
    ),
    offline: bool = typer.Option(False, "--offline", help="Use only the download cache."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars or messages."),
    from_: Optional[str] = typer.Option(None, "--from", help="An archive file or URL."),
    sha256: Optional[str] = typer.Option(None, "--sha256", help="Its expected sha256."),
    jobs: int = typer.Option(JOBS, "-j", "--jobs", min=1, help="Downloads at once."),
    build: bool = typer.Option(
        False, "--build", help="Build from python.org's source even where a prebuilt exists."
    ),
    patches: Optional[list[str]] = typer.Option(
        None, "--patch", metavar="FILE", help="Apply a patch (-p1) to the source before a build."
    ),
) -> None:
    """Install CPython (prebuilt, else built from source), PyPy or GraalPy."""
    _check_install_options(
        list_=list_,
        versions=bool(requests),
        from_=from_,
        sha256=sha256,
        force=force,
        list_only=all_platforms or as_json or bool(implementation),
        build=build or bool(patches),
    )
    if implementation is not None and implementation not in ("cpython", "pypy", "graalpy"):
        raise UsageError(f"--implementation takes cpython, pypy or graalpy, not `{implementation}'")
    if patches and not build:
        build = True  # a patch only applies to a build from source
    for patch in patches or []:
        if not os.path.isfile(patch):
            raise UsageError(f"--patch {patch}: no such file")
    patch_files = [os.path.abspath(p) for p in patches or []]
    layout = current_layout()
    if list_:
        _list_available(
            layout,
            requests,
            all_platforms=all_platforms,
            as_json=as_json,
            offline=offline,
            implementation=implementation,
        )
    elif from_:
        _install_from(layout, from_, sha256, force=force, offline=offline, quiet=quiet)
    else:
        texts = requests
        if not texts:  # what the selection asks for and is missing
            chosen = selection.current(layout, os.environ)
            texts = [word for word, name in runner.resolve(layout, chosen) if name is None]
            if not texts:
                reconcile.repair(layout)  # as for a named version
                tell(f"the selected versions are installed ({chosen.origin})")
                return
        install_versions(
            layout,
            texts,
            force=force,
            offline=offline,
            quiet=quiet,
            jobs=jobs,
            from_source=build,
            patches=patch_files,
        )


def _check_install_options(
    *,
    list_: bool,
    versions: bool,
    from_: str | None,
    sha256: str | None,
    force: bool,
    list_only: bool,
    build: bool = False,
) -> None:
    """Options of ``pyv install`` that cannot go together are a usage error, not ignored."""
    if list_ and (from_ or sha256 or force or build):
        raise UsageError("--list takes no --from, --sha256, --force, --build or --patch")
    if from_ and build:
        raise UsageError("--from installs an archive: it takes no --build or --patch")
    if list_only and not list_:
        raise UsageError("--json, --all-platforms and --implementation go with --list")
    if from_ and versions:
        raise UsageError("--from installs the one archive it names: give no VERSIONS with it")
    if sha256 and not from_:
        raise UsageError("--sha256 goes with --from (the catalog has every build's sha256)")
    if sha256 and not is_sha256(sha256):
        raise UsageError(f"--sha256 takes 64 hexadecimal digits, not `{sha256}'")


def _install_from(
    layout: Layout, source: str, sha256: str | None, *, force: bool, offline: bool, quiet: bool
) -> None:
    from pyv.builds import display, download
    from pyv.builds import install as installing

    if source.startswith(("http://", "https://")):
        if not sha256:
            raise UsageError("--from with a URL needs --sha256: pyv installs nothing unverified")
        with display.Display(quiet=quiet) as shown:
            path = download.fetch(
                source,
                sha256,
                cache=layout.cache,
                environ=os.environ,
                offline=offline,
                progress=shown.line(os.path.basename(source)).downloading,
            )
    else:
        path = source[len("file://") :] if source.startswith("file://") else source
        sha256 = installing.checked_archive(path, sha256)
    receipt = {"implementation": "cpython", "source": "archive", "url": source, "sha256": sha256}
    name, new = installing.install_unnamed(layout, path, receipt, force=force)
    if not quiet:
        tell(f"installed {name}" if new else f"{name} is installed already")


def _list_available(
    layout: Layout,
    prefixes: list[str] | None,
    *,
    all_platforms: bool,
    as_json: bool,
    offline: bool,
    implementation: str | None = None,
) -> None:
    from pyv import platforms
    from pyv.builds import catalog, plan
    from pyv.request import VARIANT_NAMES, parse

    builds = catalog.available(layout, os.environ, all_platforms=all_platforms, offline=offline)
    wanted = []
    if prefixes:
        wanted = [parse(p.rstrip(".")) for p in prefixes]
        builds = catalog.Available(
            [b for b in builds if any(catalog.matching([b], r) for r in wanted)], 0
        )
    if implementation:
        builds = catalog.Available([b for b in builds if b.implementation == implementation], 0)
    here = platforms.current(dict(os.environ))
    names = set(registry.names(layout))

    def installed(b: catalog.Build) -> bool:  # only this platform's builds: pyv installs no other
        return b.name in names and b.platform == here

    only = wanted if prefixes else None
    built = [] if all_platforms else plan.source_only(builds, only, os.environ)
    if implementation not in (None, "cpython"):
        built = []
    if not builds and not built:
        what = f"Python `{' '.join(prefixes)}'" if prefixes else "Python"
        where = "any platform" if all_platforms else str(here)
        raise PyvError(f"no build of {what} for {where}{catalog.skipped(builds)}")
    rows = [
        (
            plan.list_group(b.implementation, b.version, b.variant),
            b.version,
            f"{b.name}{f'  {b.platform}' if all_platforms else ''}",
            installed(b),
            {
                "name": b.name,
                "implementation": b.implementation,
                "version": str(b.version),
                "variant": VARIANT_NAMES[b.variant],
                "platform": str(b.platform),
                "url": b.url,
                "sha256": b.sha256,
                "installed": installed(b),
            },
        )
        for b in builds
    ]
    rows += [
        (
            plan.list_group("cpython", s.version, s.variant),
            s.version,
            f"{s.name} (source build)",
            s.name in names,
            {
                "name": s.name,
                "implementation": "cpython",
                "version": str(s.version),
                "variant": VARIANT_NAMES[s.variant],
                "platform": "source",
                "url": s.release.tarballs[0].url,
                "sha256": s.release.tarballs[0].sha256,
                "installed": s.name in names,
            },
        )
        for s in built
    ]
    # Releases first, newest first; then prereleases and other variants; then PyPy, GraalPy.
    rows.sort(key=lambda row: (-row[0], row[1]), reverse=True)
    if as_json:
        print(json.dumps([row[4] for row in rows], indent=2))
        return
    for _, _, text, is_installed, _ in rows:
        print(f"{text}{' (installed)' if is_installed else ''}")


@app.command("upgrade")
def upgrade(
    minors: Optional[list[str]] = typer.Argument(None, metavar="[MINOR]..."),
    offline: bool = typer.Option(False, "--offline", help="Use only the download cache."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars or messages."),
) -> None:
    """Install the newest patch of each installed minor version (3.12, 3.13t, pypy3.10 ...)."""
    from pyv.builds import catalog, plan
    from pyv.builds import install as installing

    layout = current_layout()
    here = catalog.available(layout, os.environ, offline=offline)
    builds, notes = plan.upgrades(layout, here, minors)
    for note in notes if not quiet else []:
        tell(note)
    exit_with(
        installing.install_builds(
            layout, builds, environ=os.environ, force=False, offline=offline, quiet=quiet
        )
    )


@app.command("update-catalog")
def update_catalog(
    url: Optional[str] = typer.Argument(None, help="Default: uv's published list."),
) -> None:
    """Fetch a newer list of builds without upgrading pyv (kept in the cache)."""
    from pyv.builds import catalog

    counts = catalog.refresh(current_layout(), url or catalog.DEFAULT_URL, os.environ)
    names = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
    parts = [f"{n} {names[impl]}" for impl, n in counts.items() if n]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    tell(f"catalog updated: {listed} builds")
