"""Virtual environments as versions: pyenv-virtualenv's commands.

pyv virtualenv 3.12 myenv        versions/3.12.1/envs/myenv, and versions/myenv linking to it
pyv local myenv                  select it like any version: `python` is its python
pyv virtualenvs [--bare] [--skip-aliases]
pyv activate myenv; pyv deactivate      (through the shell function of `pyv init')
pyv virtualenv-delete -f myenv
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from pyv import runner, selection
from pyv import virtualenvs as venvs
from pyv.commands import app, current_layout, tell
from pyv.errors import PyvError, UsageError, printable, warn
from pyv.paths import Layout

_NO_HELP: dict[str, list[str]] = {
    "help_option_names": []
}  # sh-* print code to eval: never help text on stdout


@app.command("virtualenv")
def virtualenv(
    args: Optional[list[str]] = typer.Argument(None, metavar="[VERSION] NAME"),
    without_pip: bool = typer.Option(
        False, "--without-pip", "--no-pip", help="Make it without pip."
    ),
) -> None:
    """Create a virtualenv from VERSION (default: the selected one) that is a version too."""
    words = args or []
    if not words:
        raise UsageError("no virtualenv name given")
    if len(words) > 2:
        raise UsageError("give at most a VERSION and a NAME")
    layout = current_layout()
    version_text = words[0] if len(words) == 2 else None
    name = words[-1]
    version = venvs.source_version(layout, version_text, os.environ)
    env = venvs.create(layout, version, name, os.environ, pip=not without_pip)
    short = env.name.rsplit("/", 1)[-1]
    tell(
        f"created virtualenv {short} ({env.path}) from {version}",
        f"select it with `pyv local {short}', or `pyv activate {short}' in this shell",
    )


@app.command("virtualenvs")
def virtualenvs(
    bare: bool = typer.Option(False, "--bare", help="Names only, one per line."),
    skip_aliases: bool = typer.Option(
        False, "--skip-aliases", help="Leave out the links such as versions/myenv."
    ),
) -> None:
    """List the virtualenvs; '*' marks the selected ones."""
    layout = current_layout()
    found = venvs.listed(layout, links=not skip_aliases)
    if bare:
        for env in found:
            print(env.name)
        return
    current, origin = _selected(layout)
    for env in found:
        if env.name in current:
            print(f"* {env.describe()} ({origin})")
        else:
            print(f"  {env.describe()}")


def _selected(layout: Layout) -> tuple[set[str], str]:
    """The installations selected here and why (nothing, with a warning, if the
    selection is broken: the list is still worth showing)."""
    try:
        chosen = selection.current(layout, os.environ)
        return {n for _, n in runner.resolve(layout, chosen) if n}, chosen.origin
    except PyvError as e:
        warn(str(e))
        return set(), ""


@app.command("virtualenv-delete")
def virtualenv_delete(
    name: str = typer.Argument(..., metavar="NAME", help="myenv, or VERSION/envs/myenv."),
    force: bool = typer.Option(
        False, "-f", "--force", help="Do not ask; a virtualenv that is not there is no error."
    ),
) -> None:
    """Remove a virtualenv and the link that names it."""
    layout = current_layout()
    env = venvs.find(layout, name)
    if env is None:
        if force:
            return
        raise PyvError(
            f"virtualenv `{printable(name)}' is not installed", hint="see `pyv virtualenvs'"
        )
    folder = venvs.real_path(env)
    if not force and not typer.confirm(f"pyv: remove {folder}?", default=False, err=True):
        raise typer.Exit(1)
    venvs.delete(layout, env)
    tell(f"removed virtualenv {name} ({folder})")


def _needs_init(command: str) -> PyvError:
    return PyvError(
        f"`pyv {command}' needs the shell integration",
        hint='add eval "$(pyv init -)" to your shell start-up file and start a new shell',
    )


@app.command("activate")
def activate(
    names: Optional[list[str]] = typer.Argument(None, metavar="[NAME [VERSION]...]"),
    force: bool = typer.Option(False, "-f", "--force", help="Even over another venv."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No messages."),
    unset: bool = typer.Option(False, "--unset", help="The same as `pyv deactivate'."),
) -> None:
    """Activate a virtualenv in this shell (PYV_VERSION and VIRTUAL_ENV); needs `pyv init`."""
    del names, force, quiet, unset  # the shell function runs sh-activate instead
    raise _needs_init("activate")


@app.command("deactivate")
def deactivate(
    force: bool = typer.Option(False, "-f", "--force", help="Even if none is active."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No messages."),
) -> None:
    """Deactivate the virtualenv of this shell; needs `pyv init`."""
    del force, quiet
    raise _needs_init("deactivate")


_USAGE = {
    "activate": "usage: pyv activate [-f] [-q] [NAME [VERSION]...]; pyv activate --unset",
    "deactivate": "usage: pyv deactivate [-f] [-q]",
}


def _usage(command: str) -> None:
    """``pyv activate --help`` through the shell function: a usage line where eval does
    not read it (see `pyv activate --help' without the function for the whole help)."""
    tell(_USAGE[command])
    raise typer.Exit(0)


@app.command("sh-activate", hidden=True, context_settings=_NO_HELP)
def sh_activate(
    names: Optional[list[str]] = typer.Argument(None, metavar="[NAME [VERSION]...]"),
    shell_name: Optional[str] = typer.Option(None, "--shell"),
    force: bool = typer.Option(False, "-f", "--force", help="Even over another venv."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No messages."),
    unset: bool = typer.Option(False, "--unset", help="The same as `pyv deactivate'."),
    help_: bool = typer.Option(False, "-h", "--help", help="Show this message and exit."),
) -> None:
    """Activate a virtualenv in this shell (PYV_VERSION and VIRTUAL_ENV)."""

    if help_:
        _usage("activate")
    name = _shell_of(shell_name)
    if unset:
        if names:
            raise UsageError("--unset takes no NAME")
        _deactivate(name, force=force, quiet=quiet)
        return
    layout = current_layout()
    words, folder = venvs.activation(layout, list(names or []), os.environ, force=force)
    if os.environ.get("VIRTUAL_ENV") == folder and not force:
        if not quiet:
            tell(f"pyv: version `{printable(words[0])}' is already activated")
        print("true")  # code all the same: fish's `string collect` fails on nothing
        return
    sys.stdout.write(venvs.activate_code(name, words, folder, os.environ))


@app.command("sh-deactivate", hidden=True, context_settings=_NO_HELP)
def sh_deactivate(
    shell_name: Optional[str] = typer.Option(None, "--shell"),
    force: bool = typer.Option(False, "-f", "--force", help="Even if none is active."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No messages."),
    help_: bool = typer.Option(False, "-h", "--help", help="Show this message and exit."),
) -> None:
    """Deactivate the virtualenv of this shell."""

    if help_:
        _usage("deactivate")
    _deactivate(_shell_of(shell_name), force=force, quiet=quiet)


def _shell_of(given: str | None) -> str:
    """--shell, else the shell the function runs in (as sh-shell finds it)."""
    from pyv import shell

    return shell.checked(given) if given else shell.current(os.environ)


def _deactivate(shell_name: str, *, force: bool, quiet: bool) -> None:
    if not os.environ.get("VIRTUAL_ENV") and not force:
        if quiet:
            raise typer.Exit(1)
        raise PyvError("no virtualenv has been activated")
    sys.stdout.write(venvs.deactivate_code(shell_name, os.environ))
