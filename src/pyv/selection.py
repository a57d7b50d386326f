"""Which versions are selected here, and who said so.

Precedence, as in pyenv:

1. ``PYV_VERSION`` (several versions separated by ``:``), set by ``pyv shell``;
2. the nearest ``.python-version`` walking up from ``PYV_DIR`` (pyenv's ``PYENV_DIR``) if
   it is set, else (or if none is there) from the working directory, to ``/``;
3. the global ``version`` file in the pyv root;
4. ``system``.

An entry that is not a version request, or that could name something outside the
versions folder, is skipped with a warning naming its source. A source with no usable
entry is an error, never a silent fall-back to the next source.

Stdlib only on the common path (entries that name installed versions or ``system``);
anything else is checked by the request parser, imported on demand.
"""

from __future__ import annotations

import os

from pyv import registry, versionfile
from pyv.errors import InvalidRequest, VersionFileError, printable, warn
from pyv.paths import Layout, is_safe_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

ENV_VAR = "PYV_VERSION"
SAMPLE = 20
"""At most this many characters of a bad entry are quoted in a warning."""


class Selection:
    """The selected version words, in order of preference, and their source."""

    __slots__ = ("path", "source", "words")

    def __init__(self, words: list[str], source: str, path: str | None = None) -> None:
        self.words = words
        self.source = source  # "env", "file", "global" or "default"
        self.path = path

    @property
    def origin(self) -> str:
        """Why these versions are selected, as pyv prints it in parentheses."""
        if self.source == "env":
            return f"set by {ENV_VAR} environment variable"
        # pyenv's wording: the global file is named even where it does not exist yet,
        # since writing it (`pyv global`) is how to choose
        return f"set by {self.path}"

    @property
    def origin_path(self) -> str:
        """What ``pyv version-origin`` prints: the file, or the variable."""
        if self.source == "env":
            return f"{ENV_VAR} environment variable"
        return self.path or ""

    def __repr__(self) -> str:
        return f"Selection({self.words!r}, {self.source!r}, {self.path!r})"


def select(layout: Layout, environ: Mapping[str, str], cwd: str | None) -> Selection:
    """The selection in force for ``cwd`` (None: a deleted folder) under ``environ``."""
    value = environ.get(ENV_VAR, "")
    if value:
        words = [w.strip() for w in value.split(":")]
        return Selection(_usable(layout, words, f"{ENV_VAR}"), "env")
    # A deleted folder holds no .python-version, and where it was is no guide: a folder
    # of that name may have been made since. So the global version applies, as it would
    # for plain python.
    path = versionfile.find_selected(environ, cwd)
    if path is not None:
        return Selection(_from_file(layout, path), "file", path)
    if os.path.isfile(layout.global_file):
        return Selection(_from_file(layout, layout.global_file), "global", layout.global_file)
    return Selection(["system"], "default", layout.global_file)


def current(layout: Layout, environ: Mapping[str, str]) -> Selection:
    """The selection in force in the working directory (a logical $PWD, as shells see it)."""
    cwd = versionfile.working_dir_if_any(environ)
    if cwd is None and not environ.get(ENV_VAR):
        warn("the working directory no longer exists, so no .python-version applies")
    return select(layout, environ, cwd)


def _from_file(layout: Layout, path: str) -> list[str]:
    try:
        entries = versionfile.read(path)
    except OSError as e:
        raise VersionFileError(f"cannot read {path}: {e.strerror}") from None
    if not entries:  # empty, or blank lines and comments only: pyenv reads that as system
        return ["system"]
    return _usable(layout, [e.word for e in entries], path, [e.line for e in entries])


def _usable(
    layout: Layout, words: list[str], source: str, lines: list[int] | None = None
) -> list[str]:
    usable = []
    skipped = []  # (index, reason)
    for i, word in enumerate(words):
        reason = problem(layout, word)
        if reason is None:
            usable.append(word)
        else:
            skipped.append((i, reason))
    if skipped:
        # One line however many entries are bad, quoting one short sample: the file may
        # be a link to a secret (a key, /proc/self/environ) and stderr may be a public log.
        i, reason = skipped[0]
        line = f", line {lines[i]}" if lines else ""
        sample = f"`{printable(words[i], SAMPLE)}'"
        if len(skipped) == 1:
            warn(f"ignoring {sample} in {source}{line}: {reason}")
        else:
            count = f"{len(skipped)} entries that are not usable versions"
            warn(f"ignoring {count} in {source} (the first{line}: {sample}: {reason})")
    if not usable:
        raise VersionFileError(
            f"{source} names no usable version",
            hint="write a version such as 3.12 in it, or remove it",
        )
    return usable


def problem(layout: Layout, word: str) -> str | None:
    """Why ``word`` cannot be used as a selected version, or None if it can."""
    if word == "system" or (is_safe_name(word) and registry.installed_name(layout, word)):
        return None
    if not word:
        return "empty"
    if word[0] in "-/." or ("/" in word and not is_safe_name(word)) or ".." in word:
        return "not a version (it looks like a path)"
    from pyv.request import parse

    try:
        parse(word)
    except InvalidRequest as e:
        # A name that is no version (myenv, 3.13-dev) is usable when it is installed (the
        # first test above); one that is not is quoted as a short sample, never whole:
        # the file may be a link to a key, whose lines look like names.
        return e.message.split(": ", 1)[-1]
    return None
