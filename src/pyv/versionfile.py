"""Read and write ``.python-version`` files (and the global ``version`` file).

pyenv-compatible: each line's first whitespace-separated word is a version; blank
lines and ``#`` comments (indented too) are skipped; CRLF, a UTF-8 BOM and a missing
final newline are fine; several lines name several versions in order of preference.
Reading is bounded: the first MAX_LINES lines, the first MAX_LINE bytes of each.
Whether a word is a usable version is decided by the selection, not here.

Stdlib only: the hot commands import it.
"""

from __future__ import annotations

import os

FILENAME = ".python-version"
MAX_LINES = 1000
MAX_LINE = 1024
_BOM = b"\xef\xbb\xbf"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


class Entry:
    """One version word of a file, with its line number (for messages)."""

    __slots__ = ("line", "word")

    def __init__(self, word: str, line: int) -> None:
        self.word = word
        self.line = line

    def __repr__(self) -> str:
        return f"Entry({self.word!r}, {self.line})"


def read(path: str) -> list[Entry]:
    """The version words of ``path`` in order; OSError if it cannot be read."""
    entries = []
    with open(path, "rb") as f:
        for number in range(1, MAX_LINES + 1):
            line = f.readline(MAX_LINE)
            if not line:
                break
            if not line.endswith(b"\n"):
                _skip_rest_of_line(f)
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            words = line.split(None, 1)
            if not words or words[0].startswith(b"#"):
                continue
            entries.append(Entry(words[0].decode("utf-8", "replace"), number))
    return entries


def _skip_rest_of_line(f: object) -> None:
    readline = f.readline  # type: ignore[attr-defined]
    while True:
        chunk = readline(65536)
        if not chunk or chunk.endswith(b"\n"):
            return


def find(start: str) -> str | None:
    """The nearest ``.python-version`` file in ``start`` or a folder above it."""
    folder = start
    while True:
        candidate = os.path.join(folder, FILENAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def write(path: str, versions: list[str], *, temp_dir: str | None = None) -> None:
    """Replace ``path`` atomically with one version per line.

    The temporary file goes to ``temp_dir`` (pyv's root) where that is on the same
    file system, so a kill leaves nothing in the user's project for git to see;
    otherwise it sits beside the file, and the next write there removes it if a kill
    left it (see pyv.atomic).
    """
    from pyv import atomic

    atomic.remove_stale(os.path.dirname(os.path.abspath(path)))
    atomic.write(path, "".join(f"{v}\n" for v in versions), temp_dir=temp_dir)


def working_dir(environ: Mapping[str, str]) -> str:
    """The logical working directory: $PWD when it is this directory, as shells see it.

    A working directory that was deleted is a PyvError saying so.
    """
    cwd = working_dir_if_any(environ)
    if cwd is None:
        from pyv.errors import PyvError

        raise PyvError("the working directory no longer exists", hint="cd to a folder that exists")
    return cwd


DIR_VAR = "PYV_DIR"
"""pyenv's PYENV_DIR: the folder to look for a .python-version from, before the working one."""


def find_selected(environ: Mapping[str, str], cwd: str | None) -> str | None:
    """The .python-version in force: from ``PYV_DIR`` if set, else (or if none is found
    there) from ``cwd`` (None: a deleted working folder) up."""
    start = environ.get(DIR_VAR, "")
    if start:
        if not os.path.isdir(start):
            from pyv.errors import PyvError

            raise PyvError(f"cannot change working directory to `{start}'")
        found = find(os.path.abspath(start))
        if found is not None:
            return found
    return None if cwd is None else find(cwd)


def working_dir_if_any(environ: Mapping[str, str]) -> str | None:
    """Like :func:`working_dir`, but None if the working directory was deleted."""
    try:
        cwd = os.getcwd()
    except FileNotFoundError:  # what getcwd says of a deleted folder, whatever PWD says
        return None
    pwd = environ.get("PWD", "")
    # Only a normalised PWD, as shells set it: with `..` in it, the kernel (after a
    # symlink) and the text disagree on which folder it names.
    norm = os.path.normpath(pwd) if pwd else ""
    if norm and norm != cwd and os.path.isabs(norm) and norm == (pwd.rstrip("/") or "/"):
        try:
            if os.path.samefile(norm, cwd):
                return norm
        except OSError:
            pass
    return cwd
