"""The ``pyv`` command line: parse, call the core, print. Nothing else lives here.

Errors from the core (:class:`pyv.errors.PyvError`) and usage errors from click are
turned into one ``pyv: ...`` line on stderr by :func:`run`, and so is any other
exception (a bug; ``PYV_DEBUG=1`` shows its traceback). Every message goes through
:func:`pyv.errors.say`, which keeps it on one line with control characters escaped.
Exit codes: 0 success, 1 error (or a bug), 2 usage, 127 command not found, or the exit
status of ``pyv exec``'s command.
The hot commands are answered by :mod:`pyv.hot` before this module is imported; they
are registered in :mod:`pyv.commands.selected` too, for ``--help``, completion and options.
The commands themselves live in :mod:`pyv.commands`, one module per family.
"""

from __future__ import annotations

import importlib
import os

import typer

try:  # typer >= 0.22 carries its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # older typer (the newest for Python 3.9 and 3.10) uses click
    from click import exceptions as click_exceptions  # type: ignore[no-redef,import-not-found,unused-ignore]

from pyv import __version__
from pyv.commands import app
from pyv.errors import EXIT_USAGE, PyvError, internal, report, say

# Each module registers its commands on app; this order is --help's and completion's.
_FAMILIES = (
    "selected",
    "listing",
    "choosing",
    "versionfiles",
    "installing",
    "across",
    "health",
    "shell",
    "help",
    "virtualenvs",
)
for _family in _FAMILIES:
    importlib.import_module(f"pyv.commands.{_family}")


def _version_callback(value: bool) -> None:
    if value:
        print(f"pyv {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show pyv's version."
    ),
) -> None:
    """Manage Python versions: select them per directory, shell or user; install and link them."""
    if ctx.invoked_subcommand is None:  # `pyv' alone, as pyenv: its version and the commands
        from pyv.commands import help as helping

        raise typer.Exit(helping.bare_invocation())


def run(args: list[str]) -> int:
    """Run the CLI on ``args`` and return the exit code; one line per error."""
    from pyv.commands import help as helping

    try:
        group = helping.app_group()
        helping.check_command(group, args)
        command: list[str] = []
        if args[:1] == ["run"] and "--" in args:  # what follows -- is the command, untouched
            split = args.index("--")
            args, command = args[:split], args[split + 1 :]
        result = group.main(
            args=args, prog_name="pyv", standalone_mode=False, obj={"command": command}
        )
    except PyvError as e:
        return report(e)
    except click_exceptions.UsageError as e:
        where = e.ctx.command_path if e.ctx else "pyv"
        message = e.format_message().rstrip(".")
        if message:  # empty when the help was shown for a bare `pyv`
            say(f"pyv: {message}; see `{where} --help'")
        return EXIT_USAGE
    except click_exceptions.ClickException as e:
        say(f"pyv: {e.format_message()}")
        return e.exit_code
    except typer.Abort:
        say("pyv: aborted")
        return 1
    except OSError:
        raise  # pyv.main words it: the system's reason and the file, on one line
    except Exception as e:  # a bug: one line, or its traceback with PYV_DEBUG=1
        return internal(e, os.environ)
    return result if isinstance(result, int) else 0
