"""Several prebuilt installs at once, each in a process of its own (Linux).

An install is a pipeline of threads (download, inflater, unpacker) that keeps about a
core and a half busy. Two installs in one process share one GIL: their unpackers take
turns with it at every file they write, and each turn is a thread switch. In processes
of their own they do not (``pyv install`` of four versions on 2 cores: 706 ms in
threads, 624 ms in processes, medians of 30 alternating runs).

The processes are forked before any thread starts, and each takes versions to install
from the command's process, one at a time, as threads did. They draw nothing: what an
install shows on its line (its phases, its download's progress, what it says) and its
result come back over a pipe, one JSON line each, and the command's process shows them
as if its own threads had. A process that ends without a result (killed) is an error
for the install it was doing; the others go on.
"""

from __future__ import annotations

import json
import os
import sys
import threading

from pyv import errors
from pyv.errors import PyvError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any

    from pyv.builds.display import Line

    Run = Callable[[int, Line], PyvError | None]


def available() -> bool:
    """Whether installs can run in processes here: a fork that copies the process as it
    is (Linux; elsewhere a fork without exec is unsafe, and threads do it)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def each(run: Run, lines: Sequence[Line], jobs: int, *, live: bool) -> Iterator[PyvError | None]:
    """``run(index, line)`` of each index of ``lines``, ``jobs`` processes at a time, in
    order; in the child, ``line`` relays to ``lines[index]`` here (its download's
    progress only if ``live``: shown on a terminal). Call it before any thread starts.
    An exception other than a PyvError comes out in its item's turn (as a RuntimeError
    naming it; KeyboardInterrupt as itself)."""
    pool = _Pool(lines)
    for _ in range(min(jobs, len(lines))):
        pool.workers.append(_Worker.fork(run, pool.workers, live))
    readers = [
        threading.Thread(target=pool.relay, args=(worker,), name="pyv-relay", daemon=True)
        for worker in pool.workers
    ]
    for reader in readers:
        reader.start()
    try:
        for index in range(len(lines)):
            pool.finished[index].wait()
            kind, value = pool.results[index]
            if kind == "interrupted":
                raise KeyboardInterrupt
            if kind == "crash":
                raise RuntimeError(value)
            yield _error(value)  # type: ignore[arg-type]
    finally:
        pool.close()
        for reader in readers:
            reader.join()


class _Pool:
    """The results of the installs, in order, and the processes that make them."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = lines
        self.results: list[tuple[str, object]] = [("", None)] * len(lines)
        self.finished = [threading.Event() for _ in lines]
        self.handed = iter(range(len(lines)))
        self.guard = threading.Lock()
        self.workers: list[_Worker] = []
        self.advances: dict[int, Callable[[int], None]] = {}  # each download's progress

    def relay(self, worker: _Worker) -> None:
        """Give ``worker`` its first install, then show what it sends until it ends."""
        self.give(worker)
        try:
            worker.read(lambda event: self.apply(worker, event))
        finally:
            self.lost(worker)

    def give(self, worker: _Worker) -> None:
        with self.guard:
            index = next(self.handed, None)
        worker.give(index)

    def apply(self, worker: _Worker, event: list[object]) -> None:
        kind, index = event[0], event[1]
        assert isinstance(index, int)
        if kind in ("done", "crash", "interrupted"):
            self.results[index] = (str(kind), event[2] if len(event) > 2 else None)
            self.finished[index].set()
            self.give(worker)
        else:
            self.show(event)

    def show(self, event: list[object]) -> None:
        """Do to the line what the child did to its stand-in."""
        kind, index, *rest = event
        if kind == "say":
            errors.say(str(rest[0]))
            return
        assert isinstance(index, int)
        line = self.lines[index]
        if kind == "start":
            line.start()
        elif kind == "download":
            self.advances[index] = line.downloading(rest[0], rest[1])  # type: ignore[arg-type]
        elif kind == "advance":
            self.advances[index](rest[0])  # type: ignore[arg-type]
        elif kind == "set":
            line.set(rest[0], rest[1])  # type: ignore[arg-type]
        elif kind == "finish":
            line.finish(rest[0], timed=bool(rest[1]))  # type: ignore[arg-type]

    def lost(self, worker: _Worker) -> None:
        """``worker`` ended: its install, if it was doing one, failed; if no worker is
        left, so did every install not handed out yet."""
        with self.guard:
            worker.alive = False
            orphans = [] if any(w.alive for w in self.workers) else list(self.handed)
        doing = [] if worker.doing is None else [worker.doing]
        for index in doing + orphans:
            if not self.finished[index].is_set():
                name = self.lines[index].name
                said = f"the install of {name} ended early: its process was killed"
                self.results[index] = ("done", [said, None, errors.EXIT_ERROR, []])
                self.finished[index].set()

    def close(self) -> None:
        """No more installs for anyone: each worker ends after its current one."""
        with self.guard:
            self.handed = iter(())
        for worker in self.workers:
            worker.stop()


class _Worker:
    """A forked process that installs the versions it is given, and its two pipes."""

    def __init__(self, pid: int, jobs: int, events: int) -> None:
        self.pid = pid
        self.jobs = jobs  # write: the next index, or nothing more (closed)
        self.events = events  # read: what the child shows, and its results
        self.doing: int | None = None
        self.alive = True
        self.closing = threading.Lock()  # stop() comes from the reader and the caller

    @classmethod
    def fork(cls, run: Run, others: list[_Worker], live: bool) -> _Worker:
        jobs_read, jobs_write = os.pipe()
        events_read, events_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                for fd in (jobs_write, events_read):
                    os.close(fd)
                for other in others:  # the pipes of the children forked before
                    for fd in (other.jobs, other.events):
                        os.close(fd)
                _child(run, jobs_read, events_write, live)
            finally:
                os._exit(1)
        os.close(jobs_read)
        os.close(events_write)
        return cls(pid, jobs_write, events_read)

    def give(self, index: int | None) -> None:
        """Hand ``index`` to the child, or (None) tell it there is nothing more."""
        self.doing = index
        if index is not None:
            with self.closing:
                try:
                    if self.jobs >= 0:
                        os.write(self.jobs, b"%d\n" % index)
                        return
                except OSError:
                    pass  # the child is gone: its reader says so (lost)
        self.stop()

    def stop(self) -> None:
        """Nothing more for the child: it ends after its install."""
        with self.closing:
            if self.jobs >= 0:
                os.close(self.jobs)
                self.jobs = -1

    def read(self, apply: Callable[[list[object]], None]) -> None:
        """Apply each event the child sends until it ends; then reap it."""
        try:
            with os.fdopen(self.events, "rb") as events:
                for raw in events:
                    apply(json.loads(raw))
        finally:
            os.waitpid(self.pid, 0)


def _child(run: Run, jobs: int, events: int, live: bool) -> None:
    """A worker's life: install each index it is given until there is none."""

    def send(*event: object) -> None:
        data = json.dumps(event).encode() + b"\n"
        while data:
            data = data[os.write(events, data) :]

    errors.show_with(lambda text: send("say", -1, text))
    with os.fdopen(jobs, "rb") as given:
        for raw in given:
            index = int(raw)
            try:
                error = run(index, _Relay(send, index, live))  # type: ignore[arg-type]
            except KeyboardInterrupt:
                send("interrupted", index)
                os._exit(130)
            except BaseException as e:  # a bug: said in the command's process, in turn
                send("crash", index, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
                os._exit(1)
            send("done", index, _fields(error))
    os._exit(0)


class _Relay:
    """A child's stand-in for a display.Line: what is done to it is sent to the real one."""

    def __init__(self, send: Callable[..., None], index: int, live: bool) -> None:
        self.send = send
        self.index = index
        self.live = live

    def start(self) -> None:
        self.send("start", self.index)

    def downloading(self, have: int, total: int | None) -> Callable[[int], None]:
        self.send("download", self.index, have, total)
        if not self.live:
            return _nothing  # progress shows on a terminal only: nothing to send
        return lambda size: self.send("advance", self.index, size)

    def set(self, phase: str, percent: float | None = None) -> None:
        self.send("set", self.index, phase, percent)

    def finish(self, text: str, *, timed: bool = False) -> None:
        self.send("finish", self.index, text, timed)


def _nothing(size: int) -> None:
    pass


def _fields(error: PyvError | None) -> object:
    if error is None:
        return None
    return [str(error.message), error.hint, error.exit_code, [str(e) for e in error.before]]


def _error(fields: list[Any] | None) -> PyvError | None:
    """The PyvError a child reported, as ``report`` will say it."""
    if fields is None:
        return None
    message, hint, code, before = fields
    error = PyvError(message, hint=hint)
    error.exit_code = code
    error.before = [PyvError(text) for text in before]
    return error
