"""The shell side: shims on PATH, the pyv function, PYV_VERSION, and rehash.

eval "$(pyv init - bash)"
pyv shell 3.11; pyv shell --unset
pyv rehash
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
)


@app.command("rehash")
def rehash(quiet: bool = typer.Option(False, "-q", "--quiet", help="Print nothing.")) -> None:
    """Place a shim for every command of every installed version, and repair alias links."""
    layout = current_layout()
    with reconcile.lock(layout, quiet=quiet) as repairs:
        pass  # taking the lock runs the reconcile step, which rehashes
    if not quiet:
        for line in repairs.lines():
            tell(line)


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

    del no_rehash  # pyv's init code runs no pyv at all, so there is nothing to skip
    if dash not in (None, "-"):
        shell_name, dash = dash, None
    layout = current_layout()
    name = shell.checked(shell_name) if shell_name else shell.detect(os.environ)
    if detect_shell:
        sys.stdout.write(shell.detection(name))
        return
    if dash is not None or path_only:
        code = shell.init_code(layout, name, path_only=path_only, push=not no_push_path)
        sys.stdout.write(code)
        return
    if write:
        path = shell.write_init(layout, name)
        source = "source" if name == "fish" else "."
        print(path)
        tell(f"add this line to your {name} start-up file: {source} {shell.quote(path, name)}")
        return
    if sys.stdout.isatty():
        line = "pyv init - fish | source" if name == "fish" else f'eval "$(pyv init - {name})"'
        tell(f"add this line to {shell.RC_FILES[name]}:", f"    {line}")
        return
    sys.stdout.write(shell.init_code(layout, name, push=not no_push_path))


@app.command("shell")
def shell_(
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]..."),
    unset: bool = typer.Option(False, "--unset", help="Stop overriding the version here."),
) -> None:
    """Set or show the versions for this shell (PYV_VERSION); needs `pyv init`."""
    if requests or unset:
        raise PyvError(
            "`pyv shell' needs the shell integration",
            hint='add eval "$(pyv init -)" to your shell start-up file and start a new shell',
        )
    current = os.environ.get("PYV_VERSION")
    if not current:
        raise PyvError("no shell-specific version is set")
    print(current)


@app.command("sh-shell", hidden=True)
def sh_shell(
    requests: Optional[list[str]] = typer.Argument(None),
    shell_name: str = typer.Option("bash", "--shell"),
    unset: bool = typer.Option(False, "--unset"),
) -> None:
    """The code `pyv shell` evaluates (used by the shell function)."""
    from pyv import shell

    name = shell.checked(shell_name)
    if unset:
        if requests:
            raise UsageError("--unset takes no versions")
        sys.stdout.write(shell.shell_code(name, None))
        return
    if not requests:
        shell_()
        return
    names = choosing.checked_names(current_layout(), requests, force=False)
    sys.stdout.write(shell.shell_code(name, ":".join(names)))
