"""Interpreters pyv did not install: pyenv's, uv's, and ``python3.X`` on PATH.

``pyv versions --all`` lists them; ``pyv import`` links them into the registry
(``pyv link``) in one step, skipping versions pyv has already, so every existing
``.python-version`` keeps working.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pyv import interpreter, link, registry
from pyv.errors import PyvError
from pyv.paths import Layout


@dataclass(frozen=True)
class Foreign:
    """An interpreter found elsewhere: its name there, where, and who put it there."""

    name: str
    path: str  # a prefix (pyenv, uv) or an executable (PATH)
    source: str  # "pyenv", "uv" or "PATH"


def _home(environ: Mapping[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def pyenv_root(environ: Mapping[str, str]) -> str:
    """pyenv's root: PYENV_ROOT, else ~/.pyenv."""
    return environ.get("PYENV_ROOT") or os.path.join(_home(environ), ".pyenv")


def uv_root(environ: Mapping[str, str]) -> str:
    """uv's managed Pythons: UV_PYTHON_INSTALL_DIR, else $XDG_DATA_HOME/uv/python."""
    data = environ.get("XDG_DATA_HOME") or os.path.join(_home(environ), ".local", "share")
    return environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(data, "uv", "python")


def _prefixes(folder: str, source: str) -> list[Foreign]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        prefix = os.path.join(folder, name)
        if not name.startswith(".") and any(
            os.path.isfile(os.path.join(prefix, "bin", exe)) for exe in ("python3", "python")
        ):
            found.append(Foreign(name, prefix, source))
    return found


def pyenv(environ: Mapping[str, str]) -> list[Foreign]:
    """pyenv's versions."""
    return _prefixes(os.path.join(pyenv_root(environ), "versions"), "pyenv")


def uv(environ: Mapping[str, str]) -> list[Foreign]:
    """uv's managed Pythons."""
    return _prefixes(uv_root(environ), "uv")


def on_path(layout: Layout, environ: Mapping[str, str]) -> list[Foreign]:
    """``python3.X`` executables on PATH, outside pyv's and pyenv's shims; one per file."""
    seen = set()
    found = []
    skip = {
        os.path.realpath(layout.shims),
        os.path.realpath(os.path.join(pyenv_root(environ), "shims")),
    }
    for folder in environ.get("PATH", "").split(os.pathsep):
        if not folder or os.path.realpath(folder) in skip:
            continue
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            minor = name[len("python3.") :]
            if not (name.startswith("python3.") and minor.isdigit()):
                continue
            path = os.path.join(folder, name)
            real = os.path.realpath(path)
            if real not in seen and os.access(path, os.X_OK):
                seen.add(real)
                found.append(Foreign(name, path, "PATH"))
    return found


def everything(layout: Layout, environ: Mapping[str, str]) -> list[Foreign]:
    """Every interpreter pyv can adopt, pyenv's first."""
    return pyenv(environ) + uv(environ) + on_path(layout, environ)


def import_all(layout: Layout, found: list[Foreign]) -> list[tuple[Foreign, str]]:
    """Link each interpreter; return what happened to each, as a short phrase."""
    installed_prefixes = {
        os.path.realpath(registry.prefix(layout, n)) for n in registry.names(layout)
    }
    results = []
    for item in found:
        try:
            probe = interpreter.inspect(interpreter.find_executable(item.path))
            if os.path.realpath(probe.prefix) in installed_prefixes:
                results.append((item, f"skipped: linked already as {probe.name}"))
                continue
            if probe.name in registry.names(layout):
                results.append((item, f"skipped: {probe.name} is installed already"))
                continue
            name, _ = link.link(layout, item.path)
            installed_prefixes.add(os.path.realpath(probe.prefix))
            results.append((item, f"linked {name}"))
        except PyvError as e:
            results.append((item, f"skipped: {e}"))
    return results
