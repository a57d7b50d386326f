"""The reconcile step: the registry heals itself after a crash.

``versions/`` is the truth; everything else in the root is derived from it or left
behind by a writer that was killed:

- alias links (``versions/3.12 -> 3.12.1``): missing ones are made, dangling or
  outdated ones replaced or dropped;
- shims: one for every command of every installation, and the shim script itself;
- temporary files (``.NAME.PID.tmp``, see pyv.atomic) in the root, ``versions/``,
  ``shims/`` and ``shell/``, whose writer process is gone;
- scratch folders (``.scratch/PURPOSE-PID-XXXX``) whose owner process is gone. A
  ``replaced-`` folder holds an installation that ``--force`` was replacing when it
  was killed: it is put back first if nothing took its place.

:func:`lock` is the registry's lock: every writer holds it while it changes anything.
It runs :func:`run` as soon as it is held, so whatever a killed writer left half-done
is repaired first, and again as it is let go, so the alias links and shims follow
what the writer changed. ``pyv rehash`` and ``pyv doctor --fix`` are a lock taken and
let go; :func:`problems` reports the same things without changing anything
(``pyv doctor``).
"""

from __future__ import annotations

import os
import threading

from pyv import atomic, registry, shims
from pyv.errors import RegistryError, say
from pyv.paths import Layout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager


class Repairs:
    """What one reconcile step changed."""

    __slots__ = ("aliases", "scratch", "shims_added", "shims_removed", "temps")

    def __init__(self) -> None:
        self.aliases: list[str] = []  # "3.12 -> 3.12.1" made, or "3.11 dropped"
        self.scratch: list[str] = []
        self.temps: list[str] = []
        self.shims_added: set[str] = set()
        self.shims_removed: set[str] = set()

    def lines(self) -> list[str]:
        """One line per kind of repair, for ``doctor --fix`` and ``rehash``."""
        out = []
        if self.aliases:
            out.append("alias links: " + ", ".join(self.aliases))
        if self.shims_added or self.shims_removed:
            out.append(f"shims: {len(self.shims_added)} added, {len(self.shims_removed)} removed")
        if self.temps:
            out.append(f"removed {_count(len(self.temps), 'temporary file')} of a killed pyv")
        if self.scratch:
            out.append(f"removed {_count(len(self.scratch), 'unfinished install')} from scratch")
        return out


_IN_THIS_PROCESS: dict[str, threading.Lock] = {}  # by lock file: one holder per process
_LOCKS_GUARD = threading.Lock()


def lock(
    layout: Layout, *, quiet: bool = False, queued: Callable[[], None] | None = None
) -> AbstractContextManager[Repairs]:
    """Hold the registry lock, waiting (and saying so, with its pid) while another pyv
    process holds it; repair on the way in (the context value says what) and update on
    the way out. Threads of this process (the installs of one command) take turns
    without a word: ``queued`` is called if this one has to wait for the lock at all."""
    import contextlib

    from pyv.lock import FileLock, Timeout

    with _LOCKS_GUARD:
        in_process = _IN_THIS_PROCESS.setdefault(layout.lock, threading.Lock())

    @contextlib.contextmanager
    def held() -> Iterator[Repairs]:
        # Before the flock: a thread waiting for another thread's flock would take it
        # for another process's, and say so.
        if not in_process.acquire(blocking=False):
            if queued:
                queued()
            in_process.acquire()
        try:
            os.makedirs(layout.root, exist_ok=True)
            file_lock = FileLock(layout.lock)
            try:
                file_lock.acquire(timeout=0.2)
            except Timeout:
                if queued:
                    queued()
                if not quiet:
                    pid = file_lock.holder()
                    which = f" (pid {pid})" if pid else ""
                    say(f"pyv: waiting for another pyv process{which} to finish")
                try:
                    file_lock.acquire(timeout=900)
                except Timeout:
                    raise RegistryError(f"{layout.lock} is still locked after 15 minutes") from None
            try:
                yield run(layout)
                run(layout)
            finally:
                file_lock.release()
        finally:
            in_process.release()

    return held()


def repair(layout: Layout) -> None:
    """Take the lock for its way in and out alone: restore what a crash left undone
    (aliases, shims) where there is nothing else to change."""
    with lock(layout):
        pass


def run(layout: Layout) -> Repairs:
    """Repair everything derived or left over (call under the lock)."""
    done = Repairs()
    done.scratch = _clean_scratch(layout)
    for folder in _temp_folders(layout):
        done.temps += atomic.remove_stale(folder)
    if os.path.isdir(layout.versions):
        before = registry.alias_links(layout)
        registry.update_aliases(layout)
        after = registry.alias_links(layout)
        done.aliases = _alias_changes(before, after)
    if registry.names(layout) or os.path.isdir(layout.shims):
        done.shims_added, done.shims_removed = shims.rehash(layout, registry.bin_dirs(layout))
    return done


def problems(layout: Layout) -> list[str]:
    """What :func:`run` would repair, as ``problem; fix`` lines (nothing is changed)."""
    found = []
    wanted = registry.wanted_aliases(layout) if os.path.isdir(layout.versions) else {}
    have = registry.alias_links(layout)
    missing = sorted(a for a, t in wanted.items() if have.get(a) != t and _replaceable(layout, a))
    extra = sorted(a for a in have if a not in wanted and registry.is_alias_name(a))
    if missing or extra:
        parts = [f"{a} -> {wanted[a]} is missing" for a in missing]
        parts += [f"{a} -> {have[a]} is stale" for a in extra]
        found.append(f"alias links are out of date ({'; '.join(parts)}); run `pyv doctor --fix`")
    found += _shim_problems(layout)
    temps = [p for folder in _temp_folders(layout) for p in atomic.stale(folder)]
    if temps:
        found.append(
            f"{_count(len(temps), 'temporary file')} left by a killed pyv (such as "
            f"{temps[0]}); run `pyv doctor --fix`"
        )
    scratch = _stale_scratch(layout)
    if scratch:
        found.append(
            f"{_count(len(scratch), 'unfinished install')} in {layout.scratch}; "
            "run `pyv doctor --fix`"
        )
    return found


def _shim_problems(layout: Layout) -> list[str]:
    if not registry.names(layout):
        return []
    wanted = shims.commands(registry.bin_dirs(layout))
    try:
        present = {
            e.name
            for e in os.scandir(layout.shims)
            if e.is_symlink() and os.readlink(e.path) == shims.SHIM_FILE
        }
        with open(os.path.join(layout.shims, shims.SHIM_FILE), encoding="utf-8") as f:
            current = f.read() == shims.render(layout)
    except OSError:
        present, current = set(), False
    if wanted - present or present - wanted:
        return [
            f"shims are stale ({len(wanted - present)} missing, {len(present - wanted)} extra); "
            "run `pyv rehash`"
        ]
    if not current:
        return ["the shim script is out of date (pyv moved or was upgraded); run `pyv rehash`"]
    return []


# -- scratch -----------------------------------------------------------------------------


def _stale_scratch(layout: Layout) -> list[str]:
    """Scratch entries whose owner process is gone (or that name no owner)."""
    try:
        names = os.listdir(layout.scratch)
    except OSError:
        return []
    # This process's own are in use: a source build runs outside the lock for minutes.
    stale = [n for n in names if not atomic.alive(registry.owner(n))]
    return sorted(os.path.join(layout.scratch, n) for n in stale)


def _clean_scratch(layout: Layout) -> list[str]:
    removed = []
    for path in _stale_scratch(layout):
        if os.path.basename(path).startswith(registry.REPLACED):
            registry.restore(layout, path)
        if os.path.isdir(path) and not os.path.islink(path):
            import shutil  # 2 ms, for what a killed pyv left: not on every install

            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                continue
        removed.append(path)
    return removed


# -- helpers -----------------------------------------------------------------------------


def _temp_folders(layout: Layout) -> list[str]:
    return [
        layout.root,
        layout.versions,
        layout.shims,
        os.path.join(layout.root, "shell"),
    ]


def _replaceable(layout: Layout, alias: str) -> bool:
    """update_aliases leaves a real folder that bears an alias's name alone."""
    path = os.path.join(layout.versions, alias)
    return os.path.islink(path) or not os.path.lexists(path)


def _alias_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changes = [f"{a} -> {t}" for a, t in sorted(after.items()) if before.get(a) != t]
    changes += [f"{a} dropped" for a in sorted(before) if a not in after]
    return changes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
