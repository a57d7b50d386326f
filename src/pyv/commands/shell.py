"""The shell side: shims on PATH, the pyv function, PYV_VERSION, and rehash.

eval "$(pyv init - bash)"
pyv shell 3.11; pyv shell -; pyv shell --unset
pyv rehash; pyv shims --short
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from pyv import reconcile
from pyv.commands import app, choosing, current_layout, tell
from pyv.errors import (
    PyvError,
    UsageError,
    report,
)


def _rehash(*, quiet: bool, verbose: bool = False) -> None:
    layout = current_layout()
    os.makedirs(layout.shims, exist_ok=True)  # as pyenv: there, even with no versions
    with reconcile.lock(layout, quiet=quiet) as repairs:
        pass  # taking the lock runs the reconcile step, which rehashes
    if verbose and not quiet:
        for line in repairs.lines():
            tell(line)


@app.command("rehash")
def rehash(
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Say what was repaired."),
) -> None:
    """Place a shim for every command of every installed version, and repair alias links.

    Silent, as pyenv's is; -v says what changed (doctor --fix always does)."""
    _rehash(quiet=quiet, verbose=verbose)


@app.command("shims")
def shims_(short: bool = typer.Option(False, "--short", help="Command names only.")) -> None:
    """List the shims, one full path per line."""
    from pyv import shims

    for path in shims.listed(current_layout()):
        print(os.path.basename(path) if short else path)


@app.command("init")
def init(
    dash: Optional[str] = typer.Argument(None, metavar="[-]", hidden=True),
    shell_name: Optional[str] = typer.Argument(
        None, metavar="[SHELL]", help="bash, zsh, fish or sh."
    ),
    path_only: bool = typer.Option(False, "--path", help="Only put the shims on PATH."),
    write: bool = typer.Option(False, "--write", help="Save the code to a file to source."),
    no_push_path: bool = typer.Option(
        False, "--no-push-path", help="Leave the shims where they are on PATH if they are there."
    ),
    no_rehash: bool = typer.Option(
        False, "--no-rehash", help="Accepted for pyenv's sake: pyv's init never rehashes."
    ),
    detect_shell: bool = typer.Option(
        False, "--detect-shell", help="Print the shell and its start-up files, as KEY=value."
    ),
) -> None:
    """Print the shell code that enables shims and `pyv shell` (eval "$(pyv init -)")."""
    from pyv import shell

    # pyv's shims are kept up to date by every command that changes versions/, so
    # starting a shell never needs a rehash (pyenv's costs tens of milliseconds).
    del no_rehash
    if dash not in (None, "-"):
        shell_name, dash = dash, None
    layout = current_layout()
    name = shell.checked(shell_name) if shell_name else shell.detect(os.environ)
    if detect_shell:
        sys.stdout.write(shell.detection(name))
        return
    if write:
        path = shell.write_init(layout, name)
        source = "source" if name == "fish" else "."
        print(path)
        tell(f"add this line to your {name} start-up file: {source} {shell.quote(path, name)}")
        return
    if dash is None and not path_only:  # `pyv init': how to enable it, as pyenv says
        tell(*shell.instructions(name))
        raise typer.Exit(1)
    if not path_only:
        shell.ensure_folders(layout)
    code = shell.init_code(layout, name, path_only=path_only, push=not no_push_path)
    sys.stdout.write(code)


_NOT_ENABLED = "shell integration not enabled. Run `pyv init' for instructions."


@app.command(
    "shell",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def shell_(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]... | -"),
    unset: bool = typer.Option(False, "--unset", help="Stop overriding the version here."),
) -> None:
    """Set or show the versions for this shell (PYV_VERSION); needs `pyv init`."""
    del requests, unset  # only the shell function can change this shell's variables
    raise PyvError(_NOT_ENABLED)


def _help_code(command: str) -> None:
    """`pyv shell --help' through the function: code that shows the help, not the help."""
    from pyv import shell

    name = shell.current(os.environ)
    sys.stdout.write(f"{shell.pyv_words(name)} help {command}\n")


@app.command(
    "sh-shell", hidden=True, context_settings={"help_option_names": []}, add_help_option=False
)
def sh_shell(
    requests: Optional[list[str]] = typer.Argument(None),
    shell_name: Optional[str] = typer.Option(None, "--shell", help="Default: PYV_SHELL."),
    unset: bool = typer.Option(False, "--unset"),
    show_help: bool = typer.Option(False, "-h", "--help"),
) -> None:
    """The code `pyv shell` evaluates (the shell function runs this)."""
    from pyv import shell

    if show_help:
        _help_code("shell")
        return
    # --shell: what the function of an older `pyv init --write' file passes
    name = shell.checked(shell_name) if shell_name else shell.current(os.environ)
    if unset:
        if requests:
            raise UsageError("--unset takes no versions")
        sys.stdout.write(shell.shell_code(name, None))
        return
    if not requests:
        if not os.environ.get("PYV_VERSION"):
            raise PyvError("no shell-specific version configured")
        sys.stdout.write(shell.show_code(name))
        return
    if "-" in requests:
        if len(requests) > 1:
            raise UsageError("`-' goes back to the previous version: it takes no versions")
        sys.stdout.write(shell.revert_code(name))
        return
    try:
        value = ":".join(choosing.checked_names(current_layout(), requests, force=False))
    except PyvError as e:
        status = report(e)
        print("false")  # as pyenv: what is evaluated fails too, whatever reads it
        raise typer.Exit(status) from None
    if value != os.environ.get("PYV_VERSION"):
        sys.stdout.write(shell.shell_code(name, value))


@app.command(
    "sh-rehash", hidden=True, context_settings={"help_option_names": []}, add_help_option=False
)
def sh_rehash(
    quiet: bool = typer.Option(False, "-q", "--quiet"),
    show_help: bool = typer.Option(False, "-h", "--help"),
) -> None:
    """`pyv rehash' in the shell function: rehash, then code that empties the shell's
    memory of where commands are."""
    from pyv import shell

    if show_help:
        _help_code("rehash")
        return
    _rehash(quiet=quiet)
    sys.stdout.write(shell.rehash_code(shell.current(os.environ)))
