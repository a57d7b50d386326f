"""The commands prompts, editors and shims call all the time: which version is
selected here, where it lives, and running a command of it.

    pyv version-name | version | version-origin
    pyv which python3; pyv prefix [VERSION]; pyv root
    pyv exec pip install -e .

When called plainly, pyv.hot answers them before typer is imported; these are their
typer forms, for --help, completion and options.
"""

from __future__ import annotations

import os
from typing import Optional

import typer

from pyv import hot
from pyv.commands import app, current_layout, exit_with


@app.command("version-name")
def version_name(
    force: bool = typer.Option(
        False, "-f", "--force", help="Print a version that is not installed as it is written."
    ),
) -> None:
    """Print the selected version names, separated by ':'."""
    exit_with(hot.version_name(current_layout(), os.environ, force=force))


@app.command("version-origin")
def version_origin() -> None:
    """Print where the selected version is set: a file or PYV_VERSION."""
    exit_with(hot.version_origin(current_layout(), os.environ))


@app.command("version")
def version(bare: bool = typer.Option(False, "--bare", help="Names only, one per line.")) -> None:
    """Print the selected versions and where they are set."""
    exit_with(hot.version(current_layout(), os.environ, bare=bare))


@app.command("which")
def which(
    command: str = typer.Argument(..., help="A command such as python3 or pip."),
    skip_advice: bool = typer.Option(
        False, "--skip-advice", help="On failure, do not list the versions that have it."
    ),
) -> None:
    """Print the full path of COMMAND in the selected version."""
    exit_with(hot.which(current_layout(), os.environ, command, advice=not skip_advice))


@app.command("prefix")
def prefix(
    request: Optional[str] = typer.Argument(None, metavar="[VERSION]", help="Default: selected."),
) -> None:
    """Print the folder a version is installed in."""
    exit_with(hot.prefix(current_layout(), os.environ, request))


@app.command("root")
def root() -> None:
    """Print the pyv root folder."""
    exit_with(hot.root(current_layout(), os.environ))


@app.command(
    "exec",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def exec_(ctx: typer.Context, command: str = typer.Argument(..., metavar="COMMAND")) -> None:
    """Run COMMAND [ARGS...] of the selected version, with its bin first on PATH."""
    exit_with(hot.exec_(current_layout(), os.environ, [command, *ctx.args]))
