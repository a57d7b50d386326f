"""The version files themselves, as pyenv's plumbing commands show them.

pyv version-file [DIR]              the file that selects the version here (or in DIR)
pyv version-file-read FILE          its versions, ':'-separated
pyv version-file-write [-f] FILE 3.12 3.11
"""

from __future__ import annotations

import os
from typing import Optional

import typer

from pyv import selection, versionfile
from pyv.commands import app, choosing, current_layout
from pyv.errors import UsageError


@app.command("version-file")
def version_file(
    folder: Optional[str] = typer.Argument(None, metavar="[DIR]", help="Default: here."),
) -> None:
    """Print the file that sets the version here (or in DIR).

    The nearest .python-version, else the global version file, printed whether or not
    it exists. With DIR, only a .python-version in DIR or above it; status 1 if none.
    """
    if folder is None:
        cwd = versionfile.working_dir_if_any(os.environ)
        found = versionfile.find_selected(os.environ, cwd)
        print(found or current_layout().global_file)
        return
    if not os.path.isdir(folder):
        raise UsageError(f"no such directory: {folder}")
    found = versionfile.find(os.path.abspath(folder))
    if found is None:  # a plain answer for scripts, as pyenv gives it: no file, status 1
        raise typer.Exit(1)
    print(found)


@app.command("version-file-read", hidden=True)
def version_file_read(file: str = typer.Argument(..., metavar="FILE")) -> None:
    """Print the versions FILE names, ':'-separated; status 1 if it names none."""
    try:
        entries = versionfile.read(file)
    except OSError:  # no such file: as pyenv, a plain status 1 a script can test
        raise typer.Exit(1) from None
    if not entries:
        raise typer.Exit(1)
    # The words the selection would take from this file, warning about the others.
    words = selection._usable(
        current_layout(), [e.word for e in entries], file, [e.line for e in entries]
    )
    print(":".join(words))


@app.command("version-file-write", hidden=True)
def version_file_write(
    file: str = typer.Argument(..., metavar="FILE"),
    requests: list[str] = typer.Argument(..., metavar="VERSIONS..."),
    force: bool = typer.Option(False, "-f", "--force", help="Do not check they are installed."),
) -> None:
    """Write VERSIONS to FILE, one per line (each must be installed unless --force)."""
    # The same writer as `pyv local': canonical names, atomic, the global file locked.
    choosing._set_or_show(os.path.abspath(file), requests, force=force, unset=False)
