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
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from pyv import interpreter, reconcile, registry
from pyv.builds import diskspace, download
from pyv.builds.archive import ArchiveError
from pyv.builds.catalog import Build
from pyv.builds.standalone import extract, finish
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
        with reconcile.lock(layout):  # its reconcile step repairs what a crash left undone
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
    with reconcile.lock(layout), registry.scratch(layout, "install") as staged:
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
    with reconcile.lock(layout), registry.scratch(layout, "probe") as probe:
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
