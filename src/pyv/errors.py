"""Every failure a user can cause, as one exception tree.

    PyvError                    exit 1, message printed as one ``pyv: ...`` line
    ├── UsageError              exit 2: a command was called the wrong way
    ├── InvalidRequest          a version request that does not parse
    ├── VersionFileError        a version file (or PYV_VERSION) with nothing usable
    ├── VersionNotInstalled     a selected or named version is not in the registry
    ├── CommandNotFound         exit 127: no selected version provides the command
    ├── InterpreterError        an interpreter on disk that cannot be used (link)
    └── RegistryError           the versions folder cannot be changed as asked

Only this module knows how a message becomes text on stderr (``say``, ``warn``,
``report``, ``internal``; ``show_with`` hands the lines to an install's display, which
draws them above its progress lines), so the fast path and the typer CLI print the same
thing, and every message is one line with its control characters escaped: a path or a
word read from a file or the command line cannot move the cursor, retitle or clear the
terminal, or forge a second line. Anything else that escapes is a bug, reported as one
line too, with ``PYV_DEBUG=1`` for its traceback. Stdlib only: the hot commands import it.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 127


class PyvError(Exception):
    """Base of every user-facing failure; ``str()`` is the one-line message."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.before: list[PyvError] = []  # errors reported first, one line each

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class UsageError(PyvError):
    """A command was called with arguments it does not take."""

    exit_code = EXIT_USAGE


class InvalidRequest(PyvError):
    """Text that is not a version request."""

    def __init__(self, text: str, reason: str = "not a version request") -> None:
        super().__init__(f"invalid version `{printable(text)}': {reason}")
        self.text = text


class VersionFileError(PyvError):
    """A version source that names nothing usable."""


class VersionNotInstalled(PyvError):
    """A requested version is not installed."""

    def __init__(self, request: str, origin: str | None = None) -> None:
        # pyenv's exact words, which scripts written for pyenv match: "is not installed
        # (set by ...)" for a selection, "not installed" for a version named in the
        # command. The hint is for a person, so only at a terminal.
        if origin:
            message = f"version `{request}' is not installed ({origin})"
        else:
            message = f"version `{request}' not installed"
        hint = None
        if request != "system" and at_terminal():
            hint = f"run `pyv install {request}'"
        super().__init__(message, hint=hint)
        self.request = request


def at_terminal() -> bool:
    """True if stderr is a terminal (where hints meant for a person are shown)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


class CommandNotFound(PyvError):
    """The selected versions do not provide a command (exit 127, like a shell)."""

    exit_code = EXIT_NOT_FOUND

    def __init__(self, command: str, elsewhere: list[str]) -> None:
        hint = None
        if elsewhere:
            hint = f"the `{command}' command exists in these Python versions: " + ", ".join(
                elsewhere
            )
        super().__init__(f"{printable(command)}: command not found", hint=hint)
        self.command = command
        self.elsewhere = elsewhere


class InterpreterError(PyvError):
    """An interpreter on disk that pyv cannot use."""


class RegistryError(PyvError):
    """The versions folder cannot be changed as asked."""


def printable(text: str, limit: int = 60) -> str:
    """Text safe to show on one line: control characters escaped, long text cut."""
    return one_line(text if len(text) <= limit else text[:limit] + "...")


def one_line(text: str) -> str:
    """``text`` as one line a terminal shows as it is: every character that is not
    printable (ESC, BEL, CR, a newline, bidi controls, undecodable bytes) escaped as
    Python writes it (``\\x1b``), spaces and printable non-ASCII text left alone."""
    if text.isprintable():  # the usual case, without a loop in Python
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_shown_by: list[Callable[[str], None]] = []  # the display of progress lines, while one is up


def say(message: str) -> None:
    """Print ``message`` on stderr as one line (see :func:`one_line`), above the
    progress lines of an install if they are on the screen."""
    line = one_line(message)
    if _shown_by:
        _shown_by[-1](line)
    else:
        print(line, file=sys.stderr)


def show_with(display: Callable[[str], None] | None) -> None:
    """Give every line said from now on to ``display`` (which draws it above its progress
    lines), or with None, print them on stderr again."""
    _shown_by[:] = [display] if display else []


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    say(f"pyv: warning: {message}")


def report(error: PyvError) -> int:
    """Print ``error`` as one line on stderr (after those it carries) and return its
    exit code."""
    for earlier in error.before:
        say(f"pyv: {earlier}")
    say(f"pyv: {error}")
    return error.exit_code


def debugging(environ: Mapping[str, str]) -> bool:
    """Whether ``PYV_DEBUG`` asks for tracebacks (any value but empty or ``0``)."""
    return environ.get("PYV_DEBUG", "") not in ("", "0")


def internal(error: Exception, environ: Mapping[str, str]) -> int:
    """Report an exception no rule expected (a bug) as one line and return 1; with
    ``PYV_DEBUG`` set in ``environ``, re-raise it so that its traceback is shown."""
    if debugging(environ):
        raise error
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    say(f"pyv: internal error: {what} (set PYV_DEBUG=1 for a traceback)")
    return EXIT_ERROR
