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

from pyv import atomic, registry
from pyv.paths import Layout

SHIM_FILE = ".pyv-shim"
_PROTOTYPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyv-shim")
# Commands that would shadow pyv itself, or that are not commands at all.
_SKIP = frozenset({"pyv", SHIM_FILE})


def pyv_command() -> list[str]:
    """How a shim starts pyv: this interpreter, isolated from the user's environment."""
    return [sys.executable, "-I", "-m", "pyv"]


def render(layout: Layout) -> str:
    """The shim script for ``layout``."""
    import shlex

    with open(_PROTOTYPE, encoding="utf-8") as f:
        text = f.read()
    pyv = " ".join(shlex.quote(part) for part in pyv_command())
    return text.replace("@ROOT@", shlex.quote(layout.root)).replace("@PYV@", pyv)


def commands(layout: Layout) -> set[str]:
    """Every executable name in any installation's ``bin``."""
    found = set()
    for name in registry.names(layout):
        folder = registry.bin_dir(layout, name)
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


def rehash(layout: Layout) -> tuple[set[str], set[str]]:
    """Make ``shims/`` match the installed commands (call under the lock): (added, removed)."""
    os.makedirs(layout.shims, exist_ok=True)
    shim = os.path.join(layout.shims, SHIM_FILE)
    _replace_file(shim, render(layout))
    wanted = commands(layout)
    present = {
        e.name
        for e in os.scandir(layout.shims)
        if e.is_symlink() and os.readlink(e.path) == SHIM_FILE
    }
    for command in sorted(present - wanted):
        os.unlink(os.path.join(layout.shims, command))
    for command in sorted(wanted - present):
        atomic.symlink(SHIM_FILE, os.path.join(layout.shims, command))
    return wanted - present, present - wanted


def _replace_file(path: str, text: str) -> None:
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    atomic.write(path, text, mode=0o755)
