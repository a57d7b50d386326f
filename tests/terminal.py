"""A real pseudo-terminal to run pyv in, and a tiny screen that plays back what it wrote.

The screen understands what pyv's display may write (printable text, ``\\r``, ``\\n``,
``ESC[nA``, ``ESC[nB``, ``ESC[K``, ``ESC[J``) and fails on anything else, so a stray
escape code is a test failure too. Like a real terminal it wraps text at its width
(the cursor waits in the last column until the next character) and cannot move above
the top row of what is on screen.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

COLUMNS, ROWS = 80, 24
_ESCAPE = re.compile(r"\x1b\[(\d*)([A-Za-z])")


def run_in_terminal(
    argv: Sequence[str], *, env: dict[str, str], cwd: Path, timeout: float = 60
) -> tuple[int, bytes]:
    """Run ``argv`` with stdin, stdout and stderr on a new COLUMNS x ROWS pseudo-terminal;
    return its exit code and every byte it wrote."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**env, "COLUMNS": str(COLUMNS), "LINES": str(ROWS), "TERM": "xterm"}
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    finally:
        os.close(terminal)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
        else:
            process.kill()
            raise AssertionError(f"{argv} did not finish in {timeout} s: {bytes(out)!r}")
    finally:
        os.close(controller)
    return process.wait(timeout=10), bytes(out)


class Screen:
    """What a terminal COLUMNS wide shows after ``output``, with all that scrolled by."""

    def __init__(self, output: bytes, width: int = COLUMNS, height: int = ROWS) -> None:
        self.width, self.height = width, height
        self.rows: list[list[str]] = [[]]
        self.wrapped: set[int] = set()  # rows whose text goes on in the next row
        self.row = self.col = 0
        self.top = 0  # the first row on screen: the cursor cannot go above it
        self.play(output.decode())

    def play(self, text: str) -> None:
        i = 0
        while i < len(text):
            c = text[i]
            if c == "\x1b":
                m = _ESCAPE.match(text, i)
                assert m, f"an escape code the screen does not know: {text[i : i + 10]!r}"
                self.escape(int(m.group(1) or 1), m.group(2))
                i = m.end()
                continue
            if c == "\r":
                self.col = 0
            elif c == "\n":
                self.down(1)
                self.col = min(self.col, self.width - 1)  # no longer waiting to wrap
            else:
                assert c.isprintable(), f"an unexpected control character: {c!r}"
                if self.col >= self.width:  # the cursor waited in the last column
                    self.wrapped.add(self.row)
                    self.down(1)
                    self.col = 0
                line = self.rows[self.row]
                line.extend(" " * (self.col - len(line) + 1))
                line[self.col] = c
                self.col += 1
            i += 1

    def escape(self, n: int, code: str) -> None:
        if code == "A":
            self.row = max(self.top, self.row - n)
            self.col = min(self.col, self.width - 1)
        elif code == "B":
            self.down(n)
        elif code == "K":  # from the cursor: the last column's character if it waits there
            del self.rows[self.row][min(self.col, self.width - 1) :]
            self.wrapped.discard(self.row)
        elif code == "J":
            del self.rows[self.row][min(self.col, self.width - 1) :]
            del self.rows[self.row + 1 :]
            self.wrapped = {r for r in self.wrapped if r < self.row}
        else:
            raise AssertionError(f"an escape code the screen does not know: ESC[{n}{code}")

    def down(self, n: int) -> None:
        self.row += n
        while len(self.rows) <= self.row:
            self.rows.append([])
        self.top = max(self.top, self.row - self.height + 1)

    def lines(self) -> list[str]:
        """The text on screen and above it, rows that wrapped joined into their line, without
        trailing blanks."""
        out: list[str] = []
        joined = ""
        for number, row in enumerate(self.rows):
            joined += "".join(row)
            if number not in self.wrapped:
                out.append(joined.rstrip())
                joined = ""
        while out and not out[-1]:
            out.pop()
        return out

    def at_a_clean_line(self) -> bool:
        """Whether the cursor is at column 0 of an empty row with nothing below it."""
        below = self.rows[self.row :]
        return self.col == 0 and not any("".join(r).strip() for r in below)
