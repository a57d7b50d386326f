"""Shims: ``$PYV_ROOT/shims/<command>`` for every command any installed version provides.

The shim itself is the POSIX sh script ``shims/pyv-shim`` in pyv's source (shipped
in the package as ``pyv/pyv-shim``). :func:`rehash` fills in the pyv root and how to
start pyv for the slow path, writes it once as ``shims/.pyv-shim`` and makes every
command name a symbolic link to it, so a shim knows its command from ``$0``. Each
file is replaced atomically, and the whole rehash runs under the registry lock.
"""

from __future__ import annotations

import os
import sys

from pyv import atomic
from pyv.errors import PyvError, printable
from pyv.paths import Layout

SHIM_FILE = ".pyv-shim"
ROOT = "@ROOT@"
"""Placeholder in the prototype for the pyv root, a quoted sh word."""
PYV = "@PYV@"
"""Placeholder in the prototype for the command that starts pyv, quoted sh words."""
ALIASES = "@ALIASES@"
"""Placeholder in the prototype for the alias table, a case pattern there:
``'3.12') pyv_word='3.12.1' ;; ''``."""
_PROTOTYPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyv-shim")
# Commands that would shadow pyv itself, or that are not commands at all.
_SKIP = frozenset({"pyv", SHIM_FILE})


def pyv_command() -> list[str]:
    """How a shim starts pyv: this interpreter, isolated from the user's environment."""
    return [sys.executable, "-I", "-m", "pyv"]


def render(layout: Layout) -> str:
    """The shim script for ``layout``: the prototype with the root and pyv's command filled in.

    A path can hold any character but NUL, so it goes in only as a single-quoted sh
    word (exact for every character), and only outside comments: in a comment, a newline
    in the path would end the comment and the rest of the path would run as code.
    """
    pyv = pyv_command()
    for path in (layout.root, pyv[0]):
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes: the shim file is UTF-8 text
            raise PyvError(f"cannot write shims for `{printable(path, 200)}': not UTF-8") from None
    with open(_PROTOTYPE, encoding="utf-8") as f:
        lines = f.read().split("\n")  # not splitlines: the prototype holds \v and \f
    # each alias an item of the case; the prototype's own item then matches only ''
    table = (
        "".join(
            f"{_sh_word(alias)}) pyv_word={_sh_word(target)} ;; "
            for alias, target in sorted(_alias_links(layout).items())
        )
        + "''"
    )
    values = {
        ROOT: _sh_word(layout.root),
        PYV: " ".join(_sh_word(p) for p in pyv),
        ALIASES: table,
    }
    return "\n".join(line if _is_comment(line) else _fill(line, values) for line in lines)


# What shlex.quote leaves bare: ASCII letters, digits and _@%+=:,./-
_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-")


def _sh_word(text: str) -> str:
    """``text`` as one sh word, as shlex.quote writes it (whose import, with the
    regular expression it compiles, took 0.7 ms of the end of an install)."""
    if text and _BARE.issuperset(text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _alias_links(layout: Layout) -> dict[str, str]:
    """pyv's alias links, those whose two names the shim may use as folder names."""
    from pyv import registry
    from pyv.paths import is_safe_name

    links = registry.alias_links(layout)
    return {a: t for a, t in links.items() if is_safe_name(a) and is_safe_name(t)}


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _fill(line: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        line = line.replace(placeholder, value)
    return line


def commands(bin_dirs: list[str]) -> set[str]:
    """Every executable name in any of ``bin_dirs`` (every installation's ``bin``)."""
    found = set()
    for folder in bin_dirs:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if (
                entry.name not in _SKIP
                and not entry.name.startswith(".")
                and entry.name.isprintable()
                and " " not in entry.name
                and entry.is_file()
                and os.access(entry.path, os.X_OK)
            ):
                found.add(entry.name)
    return found


def rehash(layout: Layout, bin_dirs: list[str]) -> tuple[set[str], set[str]]:
    """Make ``shims/`` match the commands in ``bin_dirs`` (call under the lock):
    (added, removed).

    The folder is the version manager's, as in pyenv: whatever else is in it (a stale
    shim, pyenv's own shim scripts on a root pyenv used) is replaced or removed, and
    with no commands it is left empty.
    """
    os.makedirs(layout.shims, exist_ok=True)
    shim = os.path.join(layout.shims, SHIM_FILE)
    wanted = commands(bin_dirs)
    if wanted:
        _replace_file(shim, render(layout))
    ours = set()
    others = set()
    for e in os.scandir(layout.shims):
        if e.name.startswith("."):
            continue  # the shim script itself, and temporary files (pyv.reconcile's)
        if e.is_symlink() and os.readlink(e.path) == SHIM_FILE:
            ours.add(e.name)
        else:
            others.add(e.name)
    for command in sorted((ours | others) - wanted):
        path = os.path.join(layout.shims, command)
        if os.path.isdir(path) and not os.path.islink(path):
            continue  # not a shim anyone made: left alone
        os.unlink(path)
    for command in sorted(wanted - ours):
        atomic.symlink(SHIM_FILE, os.path.join(layout.shims, command))
    if not wanted and os.path.lexists(shim):
        os.unlink(shim)
    return wanted - ours, (ours | others) - wanted


def listed(layout: Layout) -> list[str]:
    """The paths of the shims in ``shims/``, sorted (not the shim script they link to)."""
    try:
        names = os.listdir(layout.shims)
    except OSError:
        return []
    return sorted(os.path.join(layout.shims, n) for n in names if not n.startswith("."))


def _replace_file(path: str, text: str) -> None:
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    atomic.write(path, text, mode=0o755)
