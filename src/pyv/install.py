"""One install, from start to finish, never half-done.

1. download.fetch: the archive in the cache, its sha256 checked (no lock held, so
   several downloads can run at once);
2. under the registry lock, in a scratch folder on the same filesystem as versions/:
   extract safely (no absolute paths, no ``..``, no links out, no devices), keep the
   archive's ``python/`` (or ``python/install/``) folder, rewrite
   python-build-standalone's ``/install`` placeholder to the real prefix, run the
   interpreter and check its version, write the receipt last;
3. one rename into ``versions/<name>``, then alias links and shims are brought up to date.

A failure removes the scratch folder before the error is shown. A kill at any moment
leaves versions/ as it was, or the new version in it with its aliases and shims still
to come: the next lock holder's reconcile step (pyv.reconcile) removes the scratch
folder or finishes those.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from pyv import diskspace, download, interpreter, registry
from pyv.archive import ArchiveError, extract
from pyv.catalog import Build
from pyv.errors import PyvError, report, say
from pyv.paths import Layout

T = TypeVar("T")
R = TypeVar("R")


def install(
    layout: Layout,
    build: Build,
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    progress: Any = None,
) -> bool:
    """Install ``build``; False if it was installed already (and not ``force``)."""
    if not force and build.name in registry.names(layout):
        with registry.lock(layout):  # its reconcile step repairs what a crash left undone
            return False
    archive = download.fetch(
        build.url,
        build.sha256,
        cache=layout.cache,
        environ=environ,
        offline=offline,
        progress=progress,
        unpack_in=layout.root,
    )
    receipt = {
        "name": build.name,
        "implementation": "cpython",
        "source": "download",
        "url": build.url,
        "sha256": build.sha256,
        "release": build.tag,
    }
    try:
        return install_archive(layout, archive, build.name, receipt, force=force)
    except NotRunnable:
        from pyv import platforms

        machine = platforms.detect()
        if build.platform != machine:
            raise ArchiveError(
                f"the {build.platform} build of {build.name} does not run on this machine"
                f" ({machine}), so pyv cannot check it: nothing was installed"
            ) from None
        raise


def install_archive(
    layout: Layout, archive: str, name: str, receipt: dict[str, Any], *, force: bool = False
) -> bool:
    """Install a verified archive as ``name`` (under the lock; see the module docstring)."""
    with registry.lock(layout), registry.scratch(layout, "install") as staged:
        if name in registry.names(layout) and not force:
            return False
        prefix = os.path.join(layout.versions, name)
        with diskspace.unpacking(archive, layout.root):
            extract(archive, staged)
        # The interpreter starts while the files are fixed; it reads none of them.
        probe = interpreter.start_probe(os.path.join(staged, "bin", "python3"))
        finish(staged, prefix)
        found = _probed(probe, archive)
        if found.name != name.partition("+")[0]:
            raise ArchiveError(f"the archive holds Python {found.name}, not {name}")
        registry.write_receipt(staged, receipt)
        if name in registry.names(layout):  # --force
            registry.replace(layout, staged, name)
        else:
            registry.commit(layout, staged, name)
    return True


def install_unnamed(
    layout: Layout, archive: str, receipt: dict[str, Any], *, force: bool = False
) -> tuple[str, bool]:
    """Install an archive whose version is learnt by running it (``--from``)."""
    with registry.lock(layout), registry.scratch(layout, "probe") as probe:
        with diskspace.unpacking(archive, layout.root):
            extract(archive, probe)
        name = _probed(interpreter.start_probe(os.path.join(probe, "bin", "python3")), archive).name
    return name, install_archive(layout, archive, name, {**receipt, "name": name}, force=force)


class NotRunnable(ArchiveError):
    """An archive whose interpreter does not answer pyv's questions."""


def _probed(probe: interpreter.Probe, archive: str) -> interpreter.Interpreter:
    """What the archive's interpreter says; an error naming the archive if it cannot say."""
    try:
        return interpreter.read_probe(probe)
    except interpreter.ProbeError as e:
        filename = os.path.basename(archive)
        raise NotRunnable(f"the bin/python3 of {filename} {e.reason}") from None


# -- what to install ---------------------------------------------------------------------


def choose(here: list[Build], texts: list[str], platform: str) -> list[Build]:
    """The newest build on this platform for each request; an error for one with none."""
    from pyv.catalog import best_match, skipped
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
    from pyv.catalog import best_match, skipped
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
    from pyv import catalog, platforms

    here = catalog.available(layout, environ, offline=offline)
    return choose(here, texts, str(platforms.current(dict(environ))))


def install_builds(
    layout: Layout,
    builds: list[Build],
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    quiet: bool = False,
    jobs: int = download.JOBS,
) -> int:
    """Install ``builds``, downloading ``jobs`` at once with a progress bar each on a
    terminal; say how each went on stderr, in order (only errors with ``quiet``);
    return 1 if any failed."""
    bars = download.ProgressBars(quiet)

    def one(numbered: tuple[int, Build]) -> tuple[Build, bool | PyvError]:
        position, build = numbered
        try:
            new = install(
                layout,
                build,
                environ=environ,
                force=force,
                offline=offline,
                progress=bars.maker(build.name, position),
            )
        except PyvError as e:
            return build, e
        return build, new

    failed = 0
    try:
        for build, outcome in _each(one, list(enumerate(builds)), jobs):
            if isinstance(outcome, PyvError):
                failed = report(outcome)
            elif not quiet:
                done = "installed {}" if outcome else "{} is installed already"
                say(done.format(build.name))
    finally:
        bars.close()
    return failed


def _each(function: Callable[[T], R], items: list[T], jobs: int) -> Iterator[R]:
    """``function`` of each item, ``jobs`` at a time, in order. One item runs here:
    ``pyv install 3.12`` does not pay the 4 ms that concurrent.futures takes to import."""
    if len(items) <= 1:
        yield from map(function, items)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(items)))) as pool:
        yield from pool.map(function, items)


def checked_archive(path: str, sha256: str | None) -> str:
    """The sha256 of a local archive, which must match ``sha256`` if one is given."""
    if not os.path.isfile(path):
        raise PyvError(f"no such archive: {path}")
    actual = download.file_sha256(path)
    if sha256 and sha256.lower() != actual:
        raise PyvError(f"sha256 mismatch for {path}: expected {sha256.lower()}, got {actual}")
    return actual


# -- finishing ---------------------------------------------------------------------------

# python-build-standalone builds with prefix /install; these files carry it, as a path
# of its own or in a compiler flag (-I/install/include, -L/install/lib), never inside
# another path (/tools/install) or name (/installer).
_PLACEHOLDER = re.compile(rb"(?:(?<![\w./-])|(?<=-[IL]))/install(?=[/'\"\s:;]|$)", re.MULTILINE)


def finish(staged: str, prefix: str) -> None:
    """Make an extracted build work at ``prefix``: placeholders, and a ``python`` command."""
    for path in _placeholder_files(staged):
        with open(path, "rb") as f:
            data = f.read()
        fixed = _PLACEHOLDER.sub(prefix.encode(), data)
        if fixed != data:
            with open(path, "wb") as f:
                f.write(fixed)
    bin_dir = os.path.join(staged, "bin")
    for alias, target in (("python", "python3"), ("pip", "pip3")):
        if not os.path.lexists(os.path.join(bin_dir, alias)) and os.path.exists(
            os.path.join(bin_dir, target)
        ):
            os.symlink(target, os.path.join(bin_dir, alias))


def _placeholder_files(staged: str) -> Iterator[str]:
    lib = os.path.join(staged, "lib")
    for folder, folders, files in os.walk(lib):
        if folder[len(lib) :].count(os.sep) == 2:  # lib/python3.12/config-3.12-*/Makefile
            folders.clear()  # nothing deeper: not the test suite's thousands of files
        for file in files:
            if (
                (file.startswith("_sysconfigdata") and file.endswith(".py"))
                or file.startswith("_sysconfig_vars")
                or file.endswith(".pc")
                or file == "Makefile"
            ):
                yield os.path.join(folder, file)
    bin_dir = os.path.join(staged, "bin")
    if os.path.isdir(bin_dir):
        for file in os.listdir(bin_dir):
            path = os.path.join(bin_dir, file)
            if file.endswith("-config") and os.path.isfile(path) and not os.path.islink(path):
                yield path
