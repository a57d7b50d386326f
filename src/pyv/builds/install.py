"""One install, from start to finish, never half-done.

1. download.fetch: the archive into the cache, its sha256 computed as the bytes arrive
   (no lock held, so several downloads run at once). Meanwhile a thread of its own
   unpacks the bytes as they reach the disk, with the safe tar reader (no absolute
   paths, no ``..``, no links out, no devices), into a scratch folder of this process
   on the same filesystem as versions/. A cached archive is unpacked the same way
   while its sha256 is checked again.
2. Only once the sha256 of the whole download has matched: keep the archive's
   ``python/`` (or ``python/install/``) folder, rewrite python-build-standalone's
   ``/install`` placeholder to the real prefix, run the interpreter and check its
   version, write the receipt last. Unverified bytes reach nothing but the scratch
   folder: a mismatch, or a download that fails, deletes it.
3. Under the registry lock, one rename into ``versions/<name>``; as the lock is let go,
   alias links and shims are brought up to date.

A failure removes the scratch folder before the error is shown. A kill at any moment
leaves versions/ as it was, or the new version in it with its aliases and shims still
to come: the next lock holder's reconcile step (pyv.reconcile) removes the scratch
folder (its owner is dead) or finishes those.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence

from pyv import registry
from pyv.builds import diskspace, display, download
from pyv.builds.archive import ArchiveError
from pyv.builds.shared import NotRunnable, installed_already, no_phase, probed
from pyv.builds.standalone import extract, finish
from pyv.builds.unpacking import Unpacking, extract_any
from pyv.errors import PyvError, report

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing takes 3.5 ms to import, before the download could start
    from typing import Any, TypeVar

    from pyv import interpreter
    from pyv.builds.catalog import Build
    from pyv.builds.source import SourceBuild
    from pyv.paths import Layout

# Imported where they are first needed: interpreter (the probe), reconcile (the lock,
# and the shims it writes) and, for source builds only, from_source. A prebuilt install
# imports the first two while its download unpacks, so its request goes out sooner.

if TYPE_CHECKING:
    T = TypeVar("T")
    R = TypeVar("R")


def install(
    layout: Layout,
    build: Build,
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    line: display.Line | None = None,
) -> bool:
    """Install ``build``, showing its phases on ``line``; False if it was installed
    already (and not ``force``)."""
    if installed_already(layout, build.name, force=force):
        return False
    phase = line.set if line else no_phase
    receipt = {
        "name": build.name,
        "implementation": build.implementation,
        "source": "download",
        "url": build.url,
        "sha256": build.sha256,
        "release": build.tag,
    }
    filename = download.file_name(build.url)
    with contextlib.ExitStack() as stack:
        staged = stack.enter_context(registry.scratch(layout, "install"))
        # Entered second, left first: its thread stops before the scratch folder goes.
        unpacking = stack.enter_context(
            Unpacking(filename, staged, build.implementation, layout.root)
        )
        archive = download.fetch(
            build.url,
            build.sha256,
            cache=layout.cache,
            environ=environ,
            offline=offline,
            progress=line.downloading if line else None,
            unpack_in=layout.root,
            tap=unpacking.start,
        )
        # While the download's tail unpacks: what the probe and the commit need (the
        # aliases made after it compare versions: request brings packaging).
        from pyv import interpreter, reconcile, request  # noqa: F401

        if not force and build.name in registry.names(layout):
            return False  # another pyv installed it while this one waited for the download
        phase("unpack")
        unpacking.finish(archive)
        try:
            return _finish_and_commit(
                layout,
                archive,
                staged,
                build.name,
                receipt,
                implementation=build.implementation,
                force=force,
                phase=phase,
                probe=unpacking.early_probe(),
                minor=build.minor,
                written=unpacking.installed(),
            )
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
    layout: Layout,
    archive: str,
    name: str,
    receipt: dict[str, Any],
    *,
    force: bool = False,
    implementation: str = "cpython",
    line: display.Line | None = None,
) -> bool:
    """Install a verified archive as ``name`` (see the module docstring), showing its
    phases on ``line``."""
    phase = line.set if line else no_phase
    with registry.scratch(layout, "install") as staged:
        phase("unpack")
        with diskspace.unpacking(archive, layout.root):
            extract_any(archive, staged, implementation)
        return _finish_and_commit(
            layout,
            archive,
            staged,
            name,
            receipt,
            implementation=implementation,
            force=force,
            phase=phase,
        )


def _finish_and_commit(
    layout: Layout,
    archive: str,
    staged: str,
    name: str,
    receipt: dict[str, Any],
    *,
    implementation: str,
    force: bool,
    phase: Callable[[str], None],
    probe: interpreter.Probe | None = None,
    minor: tuple[int, ...] = (),
    written: list[str] | None = None,
) -> bool:
    """Make the unpacked ``staged`` work as ``name``, check it (``probe``: the
    interpreter started already; ``minor``: the Python minor a PyPy or GraalPy must
    implement, if known; ``written``: the files unpacked, if known), write its receipt,
    and move it into versions/ (under the lock, which is all the lock covers); False if
    ``name`` is there and not to be replaced."""
    from pyv import interpreter, reconcile

    prefix = layout.version_dir(name)
    phase("check")
    if implementation == "cpython":
        python = os.path.join(staged, "bin", "python3")
        # The interpreter starts while the files are fixed; it reads none of them.
        if probe is None:
            probe = interpreter.start_probe(python)
        finish(staged, prefix, written)
        try:
            found = probed(probe, archive)
        except NotRunnable:
            if probe.executable == python:
                raise
            # Started while unpacking, it may have missed a file: once more, with all.
            found = probed(interpreter.start_probe(python), archive)
    else:
        found = _finish_other(archive, staged, implementation, prefix, minor)
    if found.name != name.partition("+")[0]:
        raise ArchiveError(f"the archive holds Python {found.name}, not {name}")
    registry.write_receipt(staged, {**receipt, "python_version": found.python_version})
    with reconcile.lock(layout, queued=functools.partial(phase, "queued")):
        if name in registry.names(layout) and not force:
            return False
        registry.commit_or_replace(layout, staged, name)
    return True


def install_unnamed(
    layout: Layout, archive: str, receipt: dict[str, Any], *, force: bool = False
) -> tuple[str, bool]:
    """Install an archive whose version is learnt by running it (``--from``)."""
    from pyv import interpreter, reconcile

    with reconcile.lock(layout), registry.scratch(layout, "probe") as probe:
        with diskspace.unpacking(archive, layout.root):
            extract(archive, probe)
        name = probed(interpreter.start_probe(os.path.join(probe, "bin", "python3")), archive).name
    return name, install_archive(layout, archive, name, {**receipt, "name": name}, force=force)


def _finish_other(
    archive: str, staged: str, implementation: str, prefix: str, python: tuple[int, ...] = ()
) -> interpreter.Interpreter:
    """Give an unpacked PyPy or GraalPy's bin the usual names (python, python3,
    python3.X, pip and the implementation's own), make sure it has pip, and say what it
    is: ``implementation``, for the Python minor ``python`` if that is given."""
    from pyv import interpreter
    from pyv.builds import implementations

    found = probed(interpreter.start_probe(_first_python(staged, implementation)), archive)
    name = os.path.basename(archive)
    if found.implementation != implementation:
        raise ArchiveError(f"{name} holds {found.implementation}, not {implementation}")
    major, minor = (int(n) for n in found.python_version.split(".")[:2])
    # A GraalPy's name (graalpy-25.0.1) says no Python version: only this check does.
    if python and (major, minor) != tuple(python):
        wanted = ".".join(str(n) for n in python)
        raise ArchiveError(
            f"{name} holds {implementation} for Python {major}.{minor}, not {wanted}"
        )
    implementations.normalise_bin(staged, implementation, (major, minor))
    implementations.ensure_pip(os.path.join(staged, "bin", "python"), name)
    implementations.relocate_scripts(os.path.join(staged, "bin"), staged, prefix)
    implementations.normalise_bin(staged, implementation, (major, minor))  # pip's names
    return found


def _first_python(staged: str, implementation: str) -> str:
    """The interpreter of an unpacked archive: bin/python3, else the implementation's own."""
    bin_dir = os.path.join(staged, "bin")
    for name in ("python3", "python", f"{implementation}3", implementation):
        path = os.path.join(bin_dir, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    for name in sorted(os.listdir(bin_dir)) if os.path.isdir(bin_dir) else []:
        if name.startswith(implementation):
            return os.path.join(bin_dir, name)
    return os.path.join(bin_dir, "python3")


def install_builds(
    layout: Layout,
    builds: Sequence[Build | SourceBuild],
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    quiet: bool = False,
    jobs: int = download.JOBS,
    patches: Sequence[str] = (),
) -> int:
    """Install ``builds``, downloading ``jobs`` at once, each on its line of the display
    (source builds compile one at a time); say how each went on stderr, in order (only
    errors with ``quiet``); return 1 if any failed."""
    shown = display.Display(quiet=quiet)
    lines = [shown.line(b.name, steps=b.from_source) for b in builds]

    def one(position: int, line: display.Line) -> PyvError | None:
        build = builds[position]
        line.start()
        try:
            if build.from_source:
                from pyv.builds.from_source import install_source

                new = install_source(
                    layout,
                    build,  # type: ignore[arg-type]
                    environ=environ,
                    force=force,
                    offline=offline,
                    quiet=quiet,
                    line=line,
                    patches=patches,
                )
            else:
                new = install(
                    layout,
                    build,  # type: ignore[arg-type]
                    environ=environ,
                    force=force,
                    offline=offline,
                    line=line,
                )
        except PyvError as e:
            line.set("failed")
            return e
        # Shown at once; it leaves the display once the versions above it have.
        line.finish(
            f"installed {build.name}" if new else f"{build.name} is installed already", timed=new
        )
        return None

    failed = 0
    with shown, _switching_often():
        for line, error in zip(lines, _installing(one, lines, builds, jobs, shown.live)):
            if error:
                failed = report(error)  # in its turn: the lines below wait for it
                line.finish("")
    return failed


def _installing(
    one: Callable[[int, display.Line], PyvError | None],
    lines: list[display.Line],
    builds: Sequence[Build | SourceBuild],
    jobs: int,
    live: bool,
) -> Iterator[PyvError | None]:
    """``one(index, line)`` of each build, ``jobs`` at a time, in order: several prebuilt
    installs in processes of their own where that can be (builds.workers: four on 2
    cores, 706 ms in threads, 624 ms so), else in threads. A source build compiles
    alone, its make using the cores: threads do."""
    if len(builds) > 1 and jobs > 1 and not any(b.from_source for b in builds):
        from pyv.builds import workers

        if workers.available():
            return workers.each(one, lines, jobs, live=live)
    return _each(lambda index: one(index, lines[index]), list(range(len(builds))), jobs)


@contextlib.contextmanager
def _switching_often() -> Iterator[None]:
    """Python threads take turns with the GIL every 1 ms instead of 5 meanwhile: the
    inflater and the download wait less for it while the unpacker reads tar headers
    (a 26 MB install: 230 ms instead of 238, medians of 40 runs side by side)."""
    import sys

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _each(function: Callable[[T], R], items: list[T], jobs: int) -> Iterator[R]:
    """``function`` of each item, ``jobs`` at a time, in order; an exception comes out
    in its item's turn. One item runs here. Threads of its own, not concurrent.futures:
    that imports logging, 10 ms before the first download of ``pyv install A B`` starts.

    Left early (an error, Ctrl-C), it starts no more items and waits for those running."""
    import threading

    if len(items) <= 1:
        yield from map(function, items)
        return
    results: list[tuple[bool, Any]] = [(False, None)] * len(items)
    finished = [threading.Event() for _ in items]
    handed = iter(range(len(items)))
    guard = threading.Lock()
    stopping = False

    def work() -> None:
        while True:
            with guard:
                index = None if stopping else next(handed, None)
            if index is None:
                return
            try:
                results[index] = (True, function(items[index]))
            except BaseException as e:  # raised in the caller's thread, in its turn
                results[index] = (False, e)
            finished[index].set()

    workers = [
        threading.Thread(target=work, name=f"pyv-install-{n}", daemon=True)
        for n in range(min(jobs, len(items)))
    ]
    for worker in workers:
        worker.start()
    try:
        for index in range(len(items)):
            finished[index].wait()
            ok, value = results[index]
            if not ok:
                raise value
            yield value
    finally:
        with guard:
            stopping = True
        for worker in workers:
            worker.join()


def checked_archive(path: str, sha256: str | None) -> str:
    """The sha256 of a local archive, which must match ``sha256`` if one is given."""
    if not os.path.isfile(path):
        raise PyvError(f"no such archive: {path}")
    actual = download.file_sha256(path)
    if sha256 and sha256.lower() != actual:
        raise PyvError(f"sha256 mismatch for {path}: expected {sha256.lower()}, got {actual}")
    return actual
