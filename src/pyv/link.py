"""Adopt an interpreter already on disk (``pyv link``): pyenv's, uv's, or the system's.

The interpreter is run once to learn what it is; its version (with ``t`` for a
free-threaded build) becomes the installation name. The registry gets a folder with a
receipt and a ``bin`` that points at the interpreter's own, so nothing of the original
is copied, moved or, on uninstall, deleted.
"""

from __future__ import annotations

import os

from pyv import reconcile, registry
from pyv.errors import InterpreterError, RegistryError
from pyv.interpreter import Interpreter, find_executable, inspect
from pyv.paths import Layout
from pyv.request import is_plain_name, parse_name

# Prefixes shared with other software: link only the interpreter's own commands.
SHARED_PREFIXES = frozenset({"/", "/usr", "/usr/local", "/opt/homebrew", "/opt/local"})


def link(layout: Layout, path: str, *, name: str | None = None) -> tuple[str, bool]:
    """Register the interpreter at ``path``; return its name and whether it is new."""
    executable = find_executable(path)
    roots = (os.path.realpath(layout.root) + os.sep, os.path.normpath(layout.root) + os.sep)
    if any(p.startswith(roots) for p in (executable, os.path.realpath(executable))):
        raise InterpreterError(f"{executable} is inside the pyv root already")
    found = inspect(executable)
    name = name or found.name
    wanted = parse_name(name)
    # a name that is no version (mine, tools) is fine, as pyenv allows any folder name;
    # one that reads as a version must be this interpreter's, or it would be taken for it
    if not is_plain_name(name) and (wanted is None or str(wanted).partition("+")[0] != found.name):
        raise InterpreterError(
            f"cannot name {executable} `{name}': it is Python {found.name}",
            hint=f"use {found.name}, a label such as {found.name}+mine, or a name that is"
            " no version, such as mine",
        )
    with reconcile.lock(layout), registry.scratch(layout, "link") as staged:
        if name in registry.names(layout):
            if registry.read_receipt(layout, name).get("prefix") == found.prefix:
                return name, False
            raise RegistryError(
                f"{name} is installed already", hint=f"link it as --name {name}+LABEL"
            )
        _make_bin(staged, found)
        registry.write_receipt(
            staged,
            {
                "name": name,
                "implementation": found.implementation,
                # a PyPy or GraalPy name says at most the Python minor: the registry's
                # aliases and matching read the whole version from here
                "python_version": found.python_version,
                "source": "link",
                "prefix": found.prefix,
                "executable": executable,
            },
        )
        registry.commit(layout, staged, name)
    return name, True


def _make_bin(folder: str, found: Interpreter) -> None:
    real_bin = os.path.join(found.prefix, "bin")
    exe_dir = os.path.dirname(os.path.realpath(found.executable))
    dedicated = found.prefix not in SHARED_PREFIXES and os.path.isdir(real_bin)
    if dedicated and os.path.realpath(real_bin) == exe_dir:
        # The whole bin: console scripts pip installs there later are found too.
        os.symlink(real_bin, os.path.join(folder, "bin"))
        return
    # A shared prefix such as /usr: only this interpreter's own commands.
    own = os.path.join(folder, "bin")
    os.mkdir(own)
    target = os.path.realpath(found.executable)
    major, minor = found.python_version.split(".")[:2]
    # PyPy's and GraalPy's own names too (pypy3, graalpy), as an install of them has
    stems = ["python"] + ([found.implementation] if found.implementation != "cpython" else [])
    for stem in stems:
        for command in (stem, f"{stem}{major}", f"{stem}{major}.{minor}"):
            os.symlink(target, os.path.join(own, command))
