"""Every failure a user can cause, as one exception tree.

    PyvError                    exit 1, message printed as one ``pyv: ...`` line
    ├── UsageError              exit 2: a command was called the wrong way
    ├── InvalidRequest          a version request that does not parse
    ├── VersionFileError        a version file (or PYV_VERSION) with nothing usable
    ├── VersionNotInstalled     a selected or named version is not in the registry
    ├── CommandNotFound         exit 127: no selected version provides the command
    ├── InterpreterError        an interpreter on disk that cannot be used (link)
    └── RegistryError           the versions folder cannot be changed as asked

Only this module knows how an error becomes text on stderr (``report``), so the fast
path and the typer CLI print the same thing. Stdlib only: the hot commands import it.
"""

from __future__ import annotations

import sys

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
        where = f" ({origin})" if origin else ""
        hint = None if request == "system" else f"run `pyv install {request}'"
        super().__init__(f"version `{request}' is not installed{where}", hint=hint)
        self.request = request


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
    shown = text if len(text) <= limit else text[:limit] + "..."
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    print(f"pyv: warning: {message}", file=sys.stderr)


def report(error: PyvError) -> int:
    """Print ``error`` as one line on stderr and return its exit code."""
    print(f"pyv: {error}", file=sys.stderr)
    return error.exit_code
