"""The ``pyv`` command line: parse, call the core, print. Nothing else lives here.

Errors from the core (:class:`pyv.errors.PyvError`) and usage errors from click are
turned into one ``pyv: ...`` line on stderr by :func:`run`, and so is any other
exception (a bug; ``PYV_DEBUG=1`` shows its traceback). Every message goes through
:func:`pyv.errors.say`, which keeps it on one line with control characters escaped.
Exit codes: 0 success, 1 error (or a bug), 2 usage, 127 command not found, or the exit
status of ``pyv exec``'s command.
The hot commands are answered by :mod:`pyv.hot` before this module is imported; they
are registered here too, for ``--help``, completion and option handling.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, Optional

import typer

try:  # typer >= 0.22 carries its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # older typer (the newest for Python 3.9 and 3.10) uses click
    from click import exceptions as click_exceptions  # type: ignore[no-redef,import-not-found,unused-ignore]

from pyv import __version__, hot, reconcile, registry, runner, selection, versionfile
from pyv.builds.download import JOBS, is_sha256
from pyv.errors import (
    EXIT_USAGE,
    PyvError,
    UsageError,
    VersionNotInstalled,
    internal,
    report,
    say,
    warn,
)
from pyv.paths import Layout, from_environ

app = typer.Typer(
    name="pyv",
    help="Manage Python versions: select them per directory, shell or user; install and link them.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _layout() -> Layout:
    return from_environ(os.environ)


def _done(status: int) -> None:
    if status:
        raise typer.Exit(status)


def _status(*lines: str) -> None:
    """Progress and results meant for a person: stderr, so stdout stays data; each
    of ``lines`` is one line, whatever paths or names it holds."""
    for line in lines:
        say(line)


def _version_callback(value: bool) -> None:
    if value:
        print(f"pyv {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show pyv's version."
    ),
) -> None:
    """Manage Python versions: select them per directory, shell or user; install and link them."""


# -- the hot commands (answered by pyv.hot when called plainly) -----------------------


@app.command("version-name")
def version_name() -> None:
    """Print the selected version names, separated by ':'."""
    _done(hot.version_name(_layout(), os.environ))


@app.command("version-origin")
def version_origin() -> None:
    """Print where the selected version is set: a file or PYV_VERSION."""
    _done(hot.version_origin(_layout(), os.environ))


@app.command("version")
def version() -> None:
    """Print the selected versions and where they are set."""
    _done(hot.version(_layout(), os.environ))


@app.command("which")
def which(command: str = typer.Argument(..., help="A command such as python3 or pip.")) -> None:
    """Print the full path of COMMAND in the selected version."""
    _done(hot.which(_layout(), os.environ, command))


@app.command("prefix")
def prefix(
    request: Optional[str] = typer.Argument(None, metavar="[VERSION]", help="Default: selected."),
) -> None:
    """Print the folder a version is installed in."""
    _done(hot.prefix(_layout(), os.environ, request))


@app.command("root")
def root() -> None:
    """Print the pyv root folder."""
    _done(hot.root(_layout(), os.environ))


@app.command(
    "exec",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def exec_(ctx: typer.Context, command: str = typer.Argument(..., metavar="COMMAND")) -> None:
    """Run COMMAND [ARGS...] of the selected version, with its bin first on PATH."""
    _done(hot.exec_(_layout(), os.environ, [command, *ctx.args]))


# -- listing ---------------------------------------------------------------------------


def _current(layout: Layout) -> tuple[set[str], str]:
    try:
        chosen = selection.current(layout, os.environ)
        names = {name for _, name in runner.resolve(layout, chosen) if name}
    except PyvError as e:
        warn(str(e))
        return set(), ""
    return names, chosen.origin


@app.command("versions")
def versions(
    bare: bool = typer.Option(False, "--bare", help="Names only, one per line."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    all_: bool = typer.Option(False, "--all", help="Also pyenv's, uv's and PATH's Pythons."),
) -> None:
    """List the installed versions; '*' marks the selected ones."""
    layout = _layout()
    installed = registry.installations(layout)
    if all_:
        _list_foreign(layout, installed, as_json=as_json)
        return
    if bare:
        for inst in installed:
            print(inst.name)
        return
    current, origin = _current(layout)
    if as_json:
        print(json.dumps([_describe(layout, i, i.name in current) for i in installed], indent=2))
        return
    rows = []
    if runner.system_which(layout, "python3", os.environ) or runner.system_which(
        layout, "python", os.environ
    ):
        rows.append(("system", "system" in current, ""))
    for inst in installed:
        receipt = registry.read_receipt(layout, inst.name)
        link = f" --> {receipt['prefix']}" if receipt.get("source") == "link" else ""
        rows.append((inst.name, inst.name in current, link))
    for name, selected, link in rows:
        mark = "*" if selected else " "
        where = f" ({origin})" if selected else ""
        print(f"{mark} {name}{link}{where}")


def _list_foreign(layout: Layout, installed: list[Any], *, as_json: bool) -> None:
    from pyv import adopt

    foreign = adopt.everything(layout, os.environ)
    if as_json:
        rows = [{"name": i.name, "source": "pyv", "path": i.path} for i in installed]
        rows += [{"name": f.name, "source": f.source, "path": f.path} for f in foreign]
        print(json.dumps(rows, indent=2))
        return
    width = max([len(i.name) for i in installed] + [len(f.name) for f in foreign] + [6])
    for inst in installed:
        print(f"{inst.name:{width}}  pyv")
    for item in foreign:
        print(f"{item.name:{width}}  {item.source}: {item.path}")


def _describe(layout: Layout, inst: registry.Installation, current: bool) -> dict[str, object]:
    from pyv.request import VARIANT_NAMES

    receipt = registry.read_receipt(layout, inst.name)
    version = inst.request.version
    own = inst.request.impl_version
    return {
        "name": inst.name,
        "implementation": inst.request.implementation,
        "version": version.public if version else None,
        "implementation_version": own.public if own else None,
        "variant": VARIANT_NAMES[inst.request.variant],
        "path": inst.path,
        "prefix": registry.prefix(layout, inst.name),
        "source": receipt.get("source"),
        "current": current,
    }


@app.command("whence")
def whence(
    command: str = typer.Argument(..., metavar="COMMAND"),
    path: bool = typer.Option(False, "--path", help="Print full paths."),
) -> None:
    """List the installed versions that provide COMMAND."""
    layout = _layout()
    found = runner.whence(layout, command)
    for name in found:
        print(os.path.join(registry.bin_dir(layout, name), command) if path else name)
    _done(0 if found else 1)


@app.command("latest")
def latest(
    prefix: str = typer.Argument(..., metavar="PREFIX", help="A version or prefix: 3.12, 3."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No error message."),
    known: bool = typer.Option(False, "--known", help="Among installable builds instead."),
) -> None:
    """Print the newest installed (or, with --known, installable) version matching PREFIX."""
    from pyv.builds import catalog
    from pyv.request import parse

    request = parse(prefix.rstrip("."))
    layout = _layout()
    if known:
        found_names = [
            b.name for b in catalog.matching(catalog.available(layout, os.environ), request)
        ]
    else:
        found_names = [i.name for i in registry.matching(layout, request)]
    if not found_names:
        if quiet:
            raise typer.Exit(1)
        what = "installable" if known else "installed"
        raise PyvError(f"no {what} version matches `{prefix}'")
    print(found_names[0])


# -- choosing ------------------------------------------------------------------------


def _checked(layout: Layout, requests: list[str], *, force: bool) -> list[str]:
    """Canonical forms of ``requests``, each installed unless ``force``."""
    from pyv.request import parse

    canonical = []
    for text in requests:
        request = parse(text)
        name = str(request)
        if not force:
            if request.kind == "system":
                runner.prefix(layout, "system", os.environ)
            elif registry.find(layout, request) is None:
                raise PyvError(
                    f"version `{name}' is not installed", hint=f"run `pyv install {name}'"
                )
        canonical.append(name)
    return canonical


def _show_file(path: str, layout: Layout) -> None:
    try:
        entries = versionfile.read(path)
    except OSError as e:
        raise PyvError(f"cannot read {path}: {e.strerror}") from None
    usable = [e.word for e in entries if selection.problem(layout, e.word) is None]
    for word in usable:
        print(word)


def _set_or_show(path: str, requests: list[str] | None, *, force: bool, unset: bool) -> bool:
    """What `local` and `global` share: --unset, or write ``path``; False means show."""
    if unset:
        if requests:
            raise UsageError("--unset takes no versions")
        if os.path.isfile(path):
            os.unlink(path)
        return True
    if not requests:
        return False
    layout = _layout()
    names = _checked(layout, requests, force=force)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if path == layout.global_file:  # in the root: a writer like any other
        with reconcile.lock(layout):
            versionfile.write(path, names)
    else:
        versionfile.write(path, names, temp_dir=layout.root)
    return True


@app.command("local")
def local(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    force: bool = typer.Option(False, "-f", "--force", help="Do not check they are installed."),
    unset: bool = typer.Option(False, "--unset", help="Remove .python-version here."),
) -> None:
    """Set or show the versions for this directory (.python-version)."""
    here = os.path.join(versionfile.working_dir(os.environ), versionfile.FILENAME)
    if _set_or_show(here, requests, force=force, unset=unset):
        return
    found = versionfile.find(versionfile.working_dir(os.environ))
    if found is None:
        raise PyvError("no local version is set for this directory", hint="run `pyv local 3.12`")
    _show_file(found, _layout())


@app.command("global")
def global_(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    force: bool = typer.Option(False, "-f", "--force", help="Do not check they are installed."),
    unset: bool = typer.Option(False, "--unset", help="Remove the global version file."),
) -> None:
    """Set or show the versions used where no .python-version applies."""
    layout = _layout()
    if _set_or_show(layout.global_file, requests, force=force, unset=unset):
        return
    if os.path.isfile(layout.global_file):
        _show_file(layout.global_file, layout)
    else:
        print("system")


# -- changing the registry -----------------------------------------------------------


@app.command("link")
def link(
    path: str = typer.Argument(..., help="An interpreter, or a prefix holding bin/python3."),
    name: Optional[str] = typer.Option(
        None, "--name", help="Default: its version, such as 3.12.1 (a label: 3.12.1+mine)."
    ),
) -> None:
    """Register an interpreter already on disk, without copying it."""
    from pyv import link as linking

    linked, new = linking.link(_layout(), path, name=name)
    _status(f"linked {linked}" if new else f"{linked} is linked already")


@app.command("uninstall")
def uninstall(
    requests: list[str] = typer.Argument(..., metavar="VERSIONS..."),
    yes: bool = typer.Option(False, "-y", "--yes", help="Do not ask for confirmation."),
) -> None:
    """Remove installed versions (a linked one is only forgotten)."""
    layout = _layout()
    try:
        found = [registry.get(layout, text) for text in requests]
    except VersionNotInstalled as e:  # its hint, `pyv install ...', is no help here
        raise PyvError(e.message, hint="see `pyv versions'") from None
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
            _status(f"uninstalled {inst.name}")


# -- installing -----------------------------------------------------------------------


def _install(
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
    _done(
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
    list_: bool = typer.Option(False, "--list", help="List what can be installed here."),
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
    """Install CPython: prebuilt (python-build-standalone), else built from source."""
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
    layout = _layout()
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
    elif requests:
        _install(
            layout,
            requests,
            force=force,
            offline=offline,
            quiet=quiet,
            jobs=jobs,
            from_source=build,
            patches=patch_files,
        )
    else:  # what the selection asks for and is missing
        chosen = selection.current(layout, os.environ)
        missing = [word for word, name in runner.resolve(layout, chosen) if name is None]
        if not missing:
            _status(f"the selected versions are installed ({chosen.origin})")
            return
        _install(
            layout,
            missing,
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
        _status(f"installed {name}" if new else f"{name} is installed already")


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
    if as_json:
        rows = [
            {
                "name": b.name,
                "version": str(b.version),
                "variant": VARIANT_NAMES[b.variant],
                "platform": str(b.platform),
                "url": b.url,
                "sha256": b.sha256,
                "installed": installed(b),
            }
            for b in builds
        ]
        rows += [
            {
                "name": s.name,
                "version": str(s.version),
                "variant": VARIANT_NAMES[s.variant],
                "platform": "source",
                "url": s.release.tarballs[0].url,
                "sha256": s.release.tarballs[0].sha256,
                "installed": s.name in names,
            }
            for s in built
        ]
        print(json.dumps(rows, indent=2))
        return
    lines = [
        (b.version, f"{b.name}{f'  {b.platform}' if all_platforms else ''}", installed(b))
        for b in builds
    ]
    lines += [(s.version, f"{s.name} (source build)", s.name in names) for s in built]
    for _, text, is_installed in sorted(lines, key=lambda line: line[0], reverse=True):
        print(f"{text}{' (installed)' if is_installed else ''}")


@app.command("upgrade")
def upgrade(
    minors: Optional[list[str]] = typer.Argument(None, metavar="[MINOR]..."),
    offline: bool = typer.Option(False, "--offline", help="Use only the download cache."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No progress bars or messages."),
) -> None:
    """Install the newest patch of each installed minor version (3.12, 3.13t ...)."""
    from pyv.builds import catalog, plan
    from pyv.builds import install as installing

    layout = _layout()
    here = catalog.available(layout, os.environ, offline=offline)
    builds, notes = plan.upgrades(layout, here, minors)
    for note in notes if not quiet else []:
        _status(note)
    _done(
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

    count = catalog.refresh(_layout(), url or catalog.DEFAULT_URL, os.environ)
    _status(f"catalog updated: {count} CPython builds")


# -- across versions ----------------------------------------------------------------


@app.command("run", context_settings={"ignore_unknown_options": True})
def run_(
    ctx: typer.Context,
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]... -- COMMAND..."),
    all_: bool = typer.Option(False, "--all", help="Every installed version."),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, help="Versions run at once."),
    install_missing: bool = typer.Option(False, "--install", help="Install missing ones first."),
    as_json: bool = typer.Option(False, "--json", help="The summary as JSON on stdout."),
) -> None:
    """Run COMMAND once per version; exits non-zero if any run failed."""
    from pyv import run as running

    command = (ctx.obj or {}).get("command") or []
    if not command:
        raise UsageError("name the command after --: pyv run 3.12 3.13 -- python -m pytest")
    layout = _layout()
    if requests:
        words = list(requests)
    elif all_:
        words = [i.name for i in registry.installations(layout)]
    else:
        words = selection.current(layout, os.environ).words
    if install_missing:
        missing = [w for w in words if runner.resolve_word(layout, w) is None]
        if missing:
            _install(layout, missing, force=False, offline=False, quiet=False, jobs=JOBS)
    names = []
    for word in words:
        name = runner.named(layout, word)
        if name is None:
            raise PyvError(
                f"version `{word}' is not installed", hint="run `pyv install' or add --install"
            )
        names.append(name)
    outcomes = running.run_all(layout, names, command, os.environ, jobs=jobs)
    failed = [o.version for o in outcomes if o.status != 0]
    if as_json:
        rows = [
            {"version": o.version, "status": o.status, "seconds": round(o.seconds, 3)}
            for o in outcomes
        ]
        print(json.dumps({"command": command, "runs": rows, "failed": failed}, indent=2))
    else:
        _status(*running.summary(outcomes).splitlines())
    if failed:
        raise PyvError(f"failed on {', '.join(failed)}")


@app.command("venv")
def venv(
    path: str = typer.Argument(".venv", help="Where to make it."),
    python: Optional[str] = typer.Option(None, "-p", "--python", help="Default: the selected."),
    clear: bool = typer.Option(False, "--clear", help="Recreate an existing venv."),
    upgrade_deps: bool = typer.Option(False, "--upgrade-deps", help="Upgrade pip in it."),
    without_pip: bool = typer.Option(False, "--without-pip", help="No pip in it."),
) -> None:
    """Create a virtual environment with the selected (or requested) Python."""
    from pyv import venv as venvs

    layout = _layout()
    request = python
    if request is None:
        request = selection.current(layout, os.environ).words[0]
    base = venvs.base_python(layout, request, os.environ)
    venvs.create(base, path, clear=clear, upgrade_deps=upgrade_deps, pip=not without_pip)
    activate = os.path.join(path, "bin", "activate")
    _status(f"created {path} with {base}", f"activate it with: source {shlex.quote(activate)}")


@app.command("import")
def import_(
    sources: list[str] = typer.Argument(..., metavar="pyenv|uv|PATH..."),
) -> None:
    """Link interpreters from pyenv, uv or given paths, skipping ones pyv has."""
    from pyv import adopt

    found: list[Any] = []
    for source in sources:
        if source == "pyenv":
            found += adopt.pyenv(os.environ)
        elif source == "uv":
            found += adopt.uv(os.environ)
        else:
            found.append(adopt.Foreign(os.path.basename(source.rstrip("/")), source, "path"))
    if not found:
        raise PyvError(f"no interpreters found in {', '.join(sources)}")
    for item, outcome in adopt.import_all(_layout(), found):
        _status(f"{item.source} {item.name}: {outcome}")


@app.command("doctor")
def doctor(
    fix: bool = typer.Option(
        False, "--fix", help="Repair what a killed pyv left: aliases, shims, temporary files."
    ),
) -> None:
    """Report what stops pyv from working here, with the fix for each."""
    from pyv import doctor as checks

    layout = _layout()
    if fix:
        with reconcile.lock(layout) as repairs:
            for line in repairs.lines():
                print(f"fixed: {line}")
    found = checks.problems(layout, os.environ)
    for problem in found:
        print(f"problem: {problem}")
    if not found:
        print("no problems found")
    _done(1 if found else 0)


# -- shims and shells ------------------------------------------------------------------


@app.command("rehash")
def rehash(quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing.")) -> None:
    """Place a shim for every command of every installed version, and repair alias links."""
    layout = _layout()
    with reconcile.lock(layout, quiet=quiet) as repairs:
        pass  # taking the lock runs the reconcile step, which rehashes
    if not quiet:
        for line in repairs.lines():
            _status(line)


@app.command("init")
def init(
    dash: Optional[str] = typer.Argument(None, metavar="[-]", hidden=True),
    shell_name: Optional[str] = typer.Argument(None, metavar="[SHELL]", help="bash, zsh or fish."),
    path_only: bool = typer.Option(False, "--path", help="Only put the shims on PATH."),
    write: bool = typer.Option(False, "--write", help="Save the code to a file to source."),
) -> None:
    """Print the shell code that enables shims and `pyv shell` (eval "$(pyv init -)")."""
    from pyv import shell

    if dash not in (None, "-"):
        shell_name, dash = dash, None
    layout = _layout()
    if dash is not None or path_only:
        _done(hot.init(layout, os.environ, shell_name, path_only=path_only))
        return
    name = shell.checked(shell_name) if shell_name else shell.detect(os.environ)
    if write:
        path = shell.write_init(layout, name)
        source = "source" if name == "fish" else "."
        print(path)
        _status(f"add this line to your {name} start-up file: {source} {shell.quote(path, name)}")
        return
    if sys.stdout.isatty():
        rc = {"bash": "~/.bashrc", "zsh": "~/.zshrc", "fish": "~/.config/fish/config.fish"}[name]
        line = "pyv init - fish | source" if name == "fish" else f'eval "$(pyv init - {name})"'
        _status(f"add this line to {rc}:", f"    {line}")
        return
    sys.stdout.write(shell.init_code(layout, name))


@app.command("shell")
def shell_(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    unset: bool = typer.Option(False, "--unset", help="Stop overriding the version here."),
) -> None:
    """Set or show the versions for this shell (PYV_VERSION); needs `pyv init`."""
    if requests or unset:
        raise PyvError(
            "`pyv shell' needs the shell integration",
            hint='add eval "$(pyv init -)" to your shell start-up file and start a new shell',
        )
    current = os.environ.get("PYV_VERSION")
    if not current:
        raise PyvError("no shell-specific version is set")
    print(current)


@app.command("sh-shell", hidden=True)
def sh_shell(
    requests: Optional[list[str]] = typer.Argument(None),
    shell_name: str = typer.Option("bash", "--shell"),
    unset: bool = typer.Option(False, "--unset"),
) -> None:
    """The code `pyv shell` evaluates (used by the shell function)."""
    from pyv import shell

    name = shell.checked(shell_name)
    if unset:
        if requests:
            raise UsageError("--unset takes no versions")
        sys.stdout.write(shell.shell_code(name, None))
        return
    if not requests:
        shell_()
        return
    names = _checked(_layout(), requests, force=False)
    sys.stdout.write(shell.shell_code(name, ":".join(names)))


def run(args: list[str]) -> int:
    """Run the CLI on ``args`` and return the exit code; one line per error."""
    try:
        command: list[str] = []
        if args[:1] == ["run"] and "--" in args:  # what follows -- is the command, untouched
            split = args.index("--")
            args, command = args[:split], args[split + 1 :]
        result = app(args=args, prog_name="pyv", standalone_mode=False, obj={"command": command})
    except PyvError as e:
        return report(e)
    except click_exceptions.UsageError as e:
        where = e.ctx.command_path if e.ctx else "pyv"
        message = e.format_message().rstrip(".")
        if message:  # empty when the help was shown for a bare `pyv`
            say(f"pyv: {message}; see `{where} --help'")
        return EXIT_USAGE
    except click_exceptions.ClickException as e:
        say(f"pyv: {e.format_message()}")
        return e.exit_code
    except typer.Abort:
        say("pyv: aborted")
        return 1
    except OSError:
        raise  # pyv.main words it: the system's reason and the file, on one line
    except Exception as e:  # a bug: one line, or its traceback with PYV_DEBUG=1
        return internal(e, os.environ)
    return result if isinstance(result, int) else 0
