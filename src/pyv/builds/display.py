"""What a person sees while versions install: one line per version, on stderr.

On a terminal each version's line is redrawn in place as its install goes through its
phases (downloading, with its percentage and speed, then unpacking and checking; a
source build also configures, compiles and installs) and ends as ``installed 3.12.1 in
0.6 s``. Whatever is said meanwhile (errors.say: retries, warnings, errors) is drawn
above the lines, never inside one. A finished line leaves the redrawn part of the
screen once every line above it has left, so the results come in the order asked. When
the display closes, nothing of it is left but those results, and the cursor is at the
start of a clean line. A line never reaches the last column: a terminal would wrap it,
and the next redraw would start a row too low.

Piped (a log, a CI job), nothing is redrawn: each event is one plain line, without
``\\r`` or escape codes: what is said, the phases of a source build (it takes minutes,
an archive's phases take a second) and each version's result.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from pyv import errors

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing takes 3.5 ms to import, before the download could start
    from typing import TextIO

REDRAW = 0.1  # seconds between two redraws for a download's progress alone
MB = 1_000_000

WORDS = {
    "download": "downloading",
    "queued": "queued",  # another install of this command is unpacking or building
    "unpack": "unpacking",
    "configure": "configuring",
    "compile": "compiling",
    "install": "installing",
    "check": "checking",
    "failed": "failed",  # its error is reported in its turn, with the results
}


class Display:
    """The lines of one command's installs (nothing but errors with ``quiet``). Use it
    as a context manager: while it is open on a terminal, errors.say draws above it."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.stream: TextIO = sys.stderr
        self.quiet = quiet
        self.live = not quiet and _is_terminal(self.stream)
        self.lines: list[Line] = []  # in the order asked, until they leave
        self.shown = 0  # rows drawn above the cursor, which is at column 0 below them
        self.drawn_at = 0.0
        self.guard = threading.RLock()  # lines change in the install threads

    def line(self, name: str, *, steps: bool = False) -> Line:
        """A new line, below the others; with ``steps``, its phases are shown piped too."""
        line = Line(self, name, steps)
        with self.guard:
            self.lines.append(line)
        return line

    def __enter__(self) -> Display:
        if self.live:
            errors.show_with(self.say)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Leave every result on the screen and erase every unfinished line."""
        with self.guard:
            if self.live:
                errors.show_with(None)
            results = [line.final for line in self.lines if line.final]
            self.lines = []
            if not self.quiet:
                self._show(results)

    def say(self, text: str) -> None:
        """Show a line of text (one line already) above the progress lines."""
        with self.guard:
            self._show([text])

    def changed(self, line: Line, *, urgent: bool, phase: bool = False) -> None:
        """Redraw for ``line``'s news: at once if ``urgent``, else at most every REDRAW
        seconds (a download's progress, with each chunk); piped, show a new ``phase``."""
        if self.quiet:
            return
        if self.live:
            if urgent or time.monotonic() - self.drawn_at >= REDRAW:
                with self.guard:
                    self._show([])
        elif phase and line.steps and line.phase != "failed":
            errors.say(f"{line.name}: {WORDS.get(line.phase, line.phase)}")

    def finished(self) -> None:
        """A line has its result: the results at the top leave, in order."""
        with self.guard:
            leaving = []
            while self.lines and self.lines[0].final is not None:
                text = self.lines.pop(0).final
                if text:
                    leaving.append(text)
            if not self.quiet:
                self._show(leaving)

    def _show(self, above: list[str]) -> None:
        """Print ``above`` (whole lines, kept), then redraw the lines, on a terminal; piped,
        print ``above`` alone."""
        if not self.live:
            for text in above:
                errors.say(text)
            return
        width, height = _size(self.stream)
        visible = [line for line in self.lines if line.phase or line.final]
        rows = [line.render(width - 1) for line in visible[: max(0, height - 1)]]
        if not (above or rows or self.shown):
            return  # nothing was drawn, nothing is to be: not even a \r
        out = [f"\x1b[{self.shown}A" if self.shown else "", "\r"]
        if above:
            # Cleared first: a text longer than the screen is wide wraps onto rows that
            # held lines, and a row cleared after its text would lose the text's last
            # character where the text ended in the last column.
            out.append("\x1b[J")
            out += [text + "\n" for text in above]
        out += [row + "\x1b[K\n" for row in rows]
        out.append("\x1b[J")
        self.shown = len(rows)
        self.drawn_at = time.monotonic()
        try:
            self.stream.write("".join(out))
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: the install goes on
            pass


class Line:
    """One version's line: its phase, then its result."""

    def __init__(self, display: Display, name: str, steps: bool) -> None:
        self.display = display
        self.name = errors.one_line(name)
        self.steps = steps
        self.phase = ""  # a key of WORDS; "" until the install starts
        self.percent: float | None = None
        self.final: str | None = None  # the result; "" for none (its error is said)
        self.started = time.monotonic()
        self.got = 0  # bytes of the download so far, of total
        self.total: int | None = None
        self.since = (0, 0.0)  # (bytes, time) where this request started: for the speed

    def start(self) -> None:
        """The install begins now (the time in the result counts from here)."""
        self.started = time.monotonic()

    def downloading(self, have: int, total: int | None) -> Callable[[int], None]:
        """download.fetch's ``progress``: a request starts with ``have`` bytes of ``total``
        on disk; call what it returns with the size of each chunk that arrives."""
        with self.display.guard:
            self.got, self.total, self.since = have, total, (have, time.monotonic())
        self.set("download")

        def advance(size: int) -> None:
            self.got += size
            self.display.changed(self, urgent=False)

        return advance

    def set(self, phase: str, percent: float | None = None) -> None:
        """Go on to ``phase`` (a key of WORDS), ``percent`` done if that is known; it fits
        source.Build's ``progress``."""
        new = phase != self.phase
        urgent = new or _whole(percent) != _whole(self.percent)
        self.phase, self.percent = phase, percent
        self.display.changed(self, urgent=urgent, phase=new)

    def finish(self, text: str, *, timed: bool = False) -> None:
        """End with ``text`` as the result (``timed``: on a terminal, with how long the
        install took), or with no result for "" (its error is reported elsewhere)."""
        if timed and text and self.display.live:
            text += f" in {_seconds(time.monotonic() - self.started)}"
        self.final = text
        self.display.finished()

    def render(self, width: int) -> str:
        """The line as it is now, at most ``width`` characters."""
        if self.final is not None:
            return self.final[:width]
        text = f"{self.name}: {WORDS.get(self.phase, self.phase)}"
        if self.phase == "download":
            text += self._transfer()
        elif self.percent is not None:
            text += f" {self.percent:3.0f}%"
        return text[:width]

    def _transfer(self) -> str:
        """`` 45%  12.6/28.1 MB  15.0 MB/s`` (what is known of it)."""
        got, total = self.got, self.total
        per, unit = _unit(max(got, total or 0))
        if total:
            parts = [f"{100 * got / total:3.0f}%", f"{got / per:.1f}/{total / per:.1f} {unit}"]
        else:
            parts = [f"{got / per:.1f} {unit}"]
        start, when = self.since
        elapsed = time.monotonic() - when
        if elapsed >= 0.5 and got > start:  # too early, and a rate is noise
            rate = (got - start) / elapsed
            per, unit = _unit(rate)
            parts.append(f"{rate / per:.1f} {unit}/s")
        return " " + "  ".join(parts)


def _whole(percent: float | None) -> int | None:
    return None if percent is None else round(percent)


def _unit(size: float) -> tuple[int, str]:
    """MB, or kB for less than one (a small file, a slow network)."""
    return (MB, "MB") if size >= MB else (1000, "kB")


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stderr
        return False


def _size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and rows (80x24 where it does not say: 0x0 under some
    terminals that are not sized yet)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return 80, 24
    return size.columns or 80, size.lines or 24
