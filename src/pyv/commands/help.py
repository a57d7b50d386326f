"""What pyv's commands are: their help, their names, and what tab completion offers.

pyv help [--usage] [COMMAND]
pyv commands [--sh | --no-sh]
pyv completions local 3.1        (what the init code's completion asks)
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Optional

import typer
from typer.core import TyperGroup

from pyv import registry, shell, shims
from pyv.commands import app, current_layout
from pyv.errors import EXIT_USAGE, UsageError
from pyv.paths import is_safe_name

if TYPE_CHECKING:
    from typer._click import core as click

_VERSIONS = "@versions"  # the names `versions/' holds that select an installation
_SHIMS = "@shims"  # the commands that have a shim
_COMMANDS = "@commands"  # pyv's commands
# What each command's arguments can be, beyond its options.
_VALUES: dict[str, tuple[str, ...]] = {
    "local": ("system", _VERSIONS),
    "global": ("system", _VERSIONS),
    "shell": ("-", "system", _VERSIONS),
    "prefix": ("system", _VERSIONS),
    "uninstall": (_VERSIONS,),
    "run": (_VERSIONS,),
    "which": (_SHIMS,),
    "whence": (_SHIMS,),
    "exec": (_SHIMS,),
    "init": ("-", *shell.SHELLS),
    "help": (_COMMANDS,),
    "completions": (_COMMANDS,),
}
_ONE_ARGUMENT = frozenset({"prefix", "which", "whence", "exec", "init", "help", "completions"})


class NoSuchCommand(UsageError):
    """A command pyv does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no such command `{name}'")


def group_of(ctx: click.Context) -> TyperGroup:
    """The typer app as click sees it: every command, hidden ones too."""
    root = ctx.find_root().command
    assert isinstance(root, TyperGroup)
    return root


def app_group() -> TyperGroup:
    """The typer app as a click group, made afresh (outside any command)."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def command_names(group: TyperGroup, *, sh: bool | None = None) -> list[str]:
    """pyv's commands, sorted, a ``sh-`` command under its plain name (as pyenv lists
    them). ``sh`` True: only those the shell function runs; False: only those that
    work without it."""
    names = set()
    for name in group.commands:
        function_form = name.startswith("sh-")
        if sh is True and function_form:
            names.add(name[3:])
        elif sh is False and not function_form and name not in shell.NEED_FUNCTION:
            names.add(name)
        elif sh is None:
            names.add(name[3:] if function_form else name)
    return sorted(names)


def summary(group: TyperGroup) -> list[str]:
    """What ``pyv help`` prints: the usage and a line for each command."""
    visible = [(n, c) for n, c in group.commands.items() if not c.hidden]
    width = max(len(n) for n, _ in visible)
    lines = ["Usage: pyv <command> [<args>]", "", "Some useful pyv commands are:"]
    for name, command in visible:
        text = (command.help or "").strip().split("\n\n")[0]
        lines.append(f"   {name:<{width}}   {' '.join(text.split())}")
    lines += ["", "See `pyv help <command>' for information on a specific command."]
    return lines


def _command(ctx: click.Context, name: str) -> click.Command:
    found: click.Command | None = group_of(ctx).commands.get(name)
    if found is None:
        raise NoSuchCommand(name)
    return found


@app.command("help")
def help_(
    ctx: typer.Context,
    command: Optional[str] = typer.Argument(None, metavar="[COMMAND]"),
    usage: bool = typer.Option(False, "--usage", help="Only the usage line."),
) -> None:
    """Show the help of COMMAND, or a summary of pyv's commands."""
    if command in (None, "pyv"):
        group = group_of(ctx)
        lines = summary(group)
        print("\n".join(lines[:1] if usage else lines))
        return
    assert command is not None
    target = _command(ctx, command)
    inner = target.make_context(command, [], parent=ctx.find_root(), resilient_parsing=True)
    if usage:
        print(target.get_usage(inner).strip())
        return
    text = target.get_help(inner)  # typer's rich help prints itself and returns ""
    if text:
        print(text)


@app.command("commands")
def commands_(
    ctx: typer.Context,
    sh: bool = typer.Option(False, "--sh", help="Only those the shell function runs."),
    no_sh: bool = typer.Option(False, "--no-sh", help="Only those that need no shell function."),
) -> None:
    """List all of pyv's commands."""
    if sh and no_sh:
        raise UsageError("--sh and --no-sh exclude each other")
    for name in command_names(group_of(ctx), sh=True if sh else False if no_sh else None):
        print(name)


@app.command(
    "completions",
    hidden=True,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def completions(
    ctx: typer.Context, command: str = typer.Argument(..., metavar="COMMAND [ARGS]...")
) -> None:
    """What tab completion offers after `pyv COMMAND ARGS...': options, then values."""
    group = group_of(ctx)
    target = group.commands.get(command) or group.commands.get(f"sh-{command}")
    if target is None:
        raise NoSuchCommand(command)
    print("--help")
    for param in target.params:
        if getattr(param, "hidden", False) or param.param_type_name != "option":
            continue
        for opt in [*param.opts, *param.secondary_opts]:
            if opt.startswith("--") and opt != "--help":
                print(opt)
    given = [a for a in ctx.args if not a.startswith("-")]
    if command in _ONE_ARGUMENT and given:
        return
    for value in _VALUES.get(command, ()):
        for word in _expand(value, group):
            print(word)


def _expand(value: str, group: TyperGroup) -> list[str]:
    if value == _VERSIONS:
        layout = current_layout()
        try:
            entries = sorted(os.listdir(layout.versions))
        except OSError:
            return []
        return [n for n in entries if is_safe_name(n) and registry.installed_name(layout, n)]
    if value == _SHIMS:
        return [os.path.basename(p) for p in shims.listed(current_layout())]
    if value == _COMMANDS:
        return command_names(group)
    return [value]


def bare_invocation() -> int:
    """`pyv' alone: its version and the summary of commands, on stderr (a usage error)."""
    from pyv import __version__

    group = app_group()
    sys.stderr.write("\n".join([f"pyv {__version__}", *summary(group)]) + "\n")
    return EXIT_USAGE


def check_command(group: TyperGroup, args: list[str]) -> None:
    """A NoSuchCommand for ``args`` naming a command pyv does not have."""
    if args and not args[0].startswith("-") and args[0] not in group.commands:
        raise NoSuchCommand(args[0])
