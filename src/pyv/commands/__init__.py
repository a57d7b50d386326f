"""The command line's commands, one module per family, on one typer app.

Each module opens with what its commands are for and an example. cli.py parses the
arguments, runs the app and turns every error into one line; the core does the work.
"""

from __future__ import annotations

import os

import typer

from pyv.errors import say
from pyv.paths import Layout, from_environ

app = typer.Typer(
    name="pyv",
    help="Manage Python versions: select them per directory, shell or user; install and link them.",
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def current_layout() -> Layout:
    """The pyv root the environment names."""
    return from_environ(os.environ)


def exit_with(status: int) -> None:
    """End the command with ``status`` unless it is 0."""
    if status:
        raise typer.Exit(status)


def tell(*lines: str) -> None:
    """Progress and results meant for a person: stderr, so stdout stays data; each
    of ``lines`` is one line, whatever paths or names it holds."""
    for line in lines:
        say(line)
