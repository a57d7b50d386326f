"""``pyv doctor``: what stops pyv from working here, each with the fix."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pyv import registry, runner, selection, shell, shims
from pyv.errors import PyvError
from pyv.paths import Layout


def problems(layout: Layout, environ: Mapping[str, str]) -> list[str]:
    """Every problem found, as ``problem; fix`` lines (none: all is well)."""
    found = []
    found += _path(layout, environ)
    found += _selection(layout, environ)
    found += _shims(layout)
    scratch = os.listdir(layout.scratch) if os.path.isdir(layout.scratch) else []
    if scratch:
        found.append(
            f"{len(scratch)} leftover folder(s) in {layout.scratch} (an interrupted install); "
            "the next install or uninstall removes them, or run `pyv rehash`"
        )
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


def _shims(layout: Layout) -> list[str]:
    if not registry.names(layout):
        return []
    wanted = shims.commands(layout)
    try:
        present = {
            e.name
            for e in os.scandir(layout.shims)
            if e.is_symlink() and os.readlink(e.path) == shims.SHIM_FILE
        }
        with open(os.path.join(layout.shims, shims.SHIM_FILE), encoding="utf-8") as f:
            current = f.read() == shims.render(layout)
    except OSError:
        present, current = set(), False
    issues = []
    if wanted - present or present - wanted:
        issues.append(
            f"shims are stale ({len(wanted - present)} missing, {len(present - wanted)} extra); "
            "run `pyv rehash`"
        )
    elif not current:
        issues.append(
            "the shim script is out of date (pyv moved or was upgraded); run `pyv rehash`"
        )
    return issues
