"""Choosing versions: the version files.

pyv local 3.12 3.11      writes .python-version here
pyv global 3.12          writes the global version file
"""

from __future__ import annotations

import os
from typing import Optional

import typer

from pyv import reconcile, registry, runner, versionfile
from pyv.commands import app, current_layout
from pyv.errors import (
    PyvError,
    UsageError,
    VersionNotInstalled,
    at_terminal,
    printable,
)
from pyv.paths import Layout


def checked_names(layout: Layout, requests: list[str], *, force: bool) -> list[str]:
    """Canonical forms of ``requests``, each installed unless ``force``."""
    from pyv.request import parse

    canonical = []
    for text in requests:
        request = parse(text)
        name = str(request)
        if not force:
            if request.kind == "system":
                runner.prefix(layout, "system", os.environ)
            elif registry.find(layout, request) is None:
                raise VersionNotInstalled(name)
        canonical.append(name)
    return canonical


def _show_file(path: str, layout: Layout) -> None:
    try:
        entries = versionfile.read(path)
    except OSError as e:
        raise PyvError(f"cannot read {path}: {e.strerror}") from None
    for entry in entries:  # all of them, as written, as pyenv prints them
        print(printable(entry.word, versionfile.MAX_LINE))


def _set_or_show(path: str, requests: list[str] | None, *, force: bool, unset: bool) -> bool:
    """What `local` and `global` share: --unset, or write ``path``; False means show."""
    if unset:
        if requests:
            raise UsageError("--unset takes no versions")
        if os.path.isfile(path):
            os.unlink(path)
        return True
    if not requests:
        return False
    layout = current_layout()
    names = checked_names(layout, requests, force=force)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if path == layout.global_file:  # in the root: a writer like any other
        with reconcile.lock(layout):
            versionfile.write(path, names)
    else:
        versionfile.write(path, names, temp_dir=layout.root)
    return True


@app.command("local")
def local(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    force: bool = typer.Option(False, "-f", "--force", help="Do not check they are installed."),
    unset: bool = typer.Option(False, "--unset", help="Remove .python-version here."),
) -> None:
    """Set or show the versions for this directory (.python-version)."""
    here = os.path.join(versionfile.working_dir(os.environ), versionfile.FILENAME)
    if _set_or_show(here, requests, force=force, unset=unset):
        return
    found = versionfile.find(versionfile.working_dir(os.environ))
    if found is None:
        hint = "run `pyv local 3.12`" if at_terminal() else None  # pyenv's words, piped
        raise PyvError("no local version configured for this directory", hint=hint)
    _show_file(found, current_layout())


@app.command("global")
def global_(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    force: bool = typer.Option(False, "-f", "--force", help="Do not check they are installed."),
    unset: bool = typer.Option(False, "--unset", help="Remove the global version file."),
) -> None:
    """Set or show the versions used where no .python-version applies."""
    layout = current_layout()
    if _set_or_show(layout.global_file, requests, force=force, unset=unset):
        return
    if os.path.isfile(layout.global_file):
        _show_file(layout.global_file, layout)
    else:
        print("system")
