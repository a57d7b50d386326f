"""``pyv doctor``: what stops pyv from working here, each with the fix."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pyv import atomic, reconcile, runner, selection, shell, versionfile
from pyv.errors import PyvError
from pyv.paths import Layout


def problems(layout: Layout, environ: Mapping[str, str]) -> list[str]:
    """Every problem found, as ``problem; fix`` lines (none: all is well)."""
    found = []
    found += _path(layout, environ)
    found += _selection(layout, environ)
    found += reconcile.problems(layout)
    found += _version_file_temps(environ)
    user_shell = os.path.basename(environ.get("SHELL", ""))
    if user_shell and user_shell not in shell.SHELLS:
        found.append(
            f"your shell, {user_shell}, is not one pyv integrates with; "
            f"use {', '.join(shell.SHELLS)}, or put {layout.shims} first on PATH yourself"
        )
    return found


def _path(layout: Layout, environ: Mapping[str, str]) -> list[str]:
    entries = [e for e in environ.get("PATH", "").split(os.pathsep) if e]
    shims_dir = os.path.realpath(layout.shims)
    real = [os.path.realpath(e) for e in entries]
    if shims_dir not in real:
        return [
            f'{layout.shims} is not on PATH; add eval "$(pyv init -)" to your shell start-up file'
        ]
    for entry in entries[: real.index(shims_dir)]:
        for command in ("python3", "python"):
            path = os.path.join(entry, command)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return [
                    f"{path} comes before pyv's shims on PATH, so `{command}` bypasses pyv; "
                    "move the pyv init line to the end of your shell start-up file"
                ]
    return []


def _selection(layout: Layout, environ: Mapping[str, str]) -> list[str]:
    try:
        chosen = selection.current(layout, environ)
    except PyvError as e:
        return [str(e)]
    return [
        f"version `{word}' is not installed ({chosen.origin}); run `pyv install {word}'"
        for word, name in runner.resolve(layout, chosen)
        if name is None
    ]


def _version_file_temps(environ: Mapping[str, str]) -> list[str]:
    """Temporary files a killed `pyv local' left beside the .python-version in force."""
    cwd = versionfile.working_dir_if_any(environ)  # None: deleted, and selection warned
    found = versionfile.find(cwd) if cwd is not None else None
    stale = atomic.stale(os.path.dirname(found)) if found else []
    if not stale:
        return []
    return [f"{stale[0]} was left by a killed pyv; delete it, or run `pyv local` there again"]
