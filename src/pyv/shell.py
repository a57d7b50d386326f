"""Shell integration: the code ``pyv init`` prints for bash, zsh and fish, and ``pyv shell``.

``pyv init -`` puts the shims folder first on PATH (once, however often it is
sourced) and defines a ``pyv`` shell function, so that ``pyv shell 3.11`` can set
``PYV_VERSION`` in the running shell. ``pyv init --path`` prints only the PATH part,
for login shells. ``pyv init --write`` saves the code to a file that the rc file
sources, so starting a shell runs no Python at all.
"""

from __future__ import annotations

import os

from pyv import shims
from pyv.errors import UsageError
from pyv.paths import Layout

SHELLS = ("bash", "zsh", "fish", "sh")
_ALIASES = {"dash": "sh", "ash": "sh", "ksh": "sh"}  # POSIX shells: sh's code
RC_FILES = {
    "bash": "~/.bashrc",
    "zsh": "~/.zshrc",
    "fish": "~/.config/fish/config.fish",
    "sh": "~/.profile",
}
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+:,./-_")

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def detect(environ: Mapping[str, str]) -> str:
    """The user's shell: the parent process if it is one we know, else $SHELL, else sh.

    Like pyenv, an unknown or unset shell gets POSIX sh code, which bash, zsh, dash
    and ksh all read (a login shell under a CI runner or cron often has no SHELL).
    """
    try:
        with open(f"/proc/{os.getppid()}/comm", encoding="utf-8") as f:
            parent = f.read().strip().lstrip("-")
        parent = _ALIASES.get(parent, parent)
        if parent in SHELLS:
            return parent
    except OSError:
        pass
    shell = os.path.basename(environ.get("SHELL", ""))
    shell = _ALIASES.get(shell, shell)
    return shell if shell in SHELLS else "sh"


def checked(shell: str) -> str:
    """``shell`` if pyv supports it (dash and ksh as sh), else a usage error."""
    shell = _ALIASES.get(shell, shell)
    if shell not in SHELLS:
        raise UsageError(f"unsupported shell `{shell}'; pyv supports {', '.join(SHELLS)}")
    return shell


def quote(text: str, shell: str = "bash") -> str:
    """``text`` as one word for ``shell`` (shlex would cost an import of re, and knows no fish).

    Exact for every character a path or a version can hold. Only ASCII letters, digits
    and ``@+:,./-_`` stay bare: ``=`` starts zsh's command-path expansion (``==3.12``).
    """
    if text and all(c in _BARE for c in text):
        return text
    if shell == "fish":  # fish: backslash escapes a quote or a backslash inside '...'
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "'\\''") + "'"


def _pyv(shell: str) -> str:
    return " ".join(quote(part, shell) for part in shims.pyv_command())


def path_code(layout: Layout, shell: str, *, push: bool = True) -> str:
    """Code that puts the shims folder first on PATH exactly once (``push`` False: only
    where it is not on PATH yet, pyenv's ``--no-push-path``)."""
    root = quote(layout.root, shell)
    folder = quote(layout.shims, shell)
    if not push:
        if shell == "fish":
            return (
                f"set -gx PYV_ROOT {root}\n"
                f"contains -- {folder} $PATH; or set -gx PATH {folder} $PATH\n"
            )
        return (
            f"export PYV_ROOT={root}\n"
            f"__pyv_shims={folder}\n"
            'case ":${PATH}:" in\n'
            '    *:"$__pyv_shims":*) ;;\n'
            '    *) export PATH="$__pyv_shims${PATH:+:$PATH}" ;;\n'
            "esac\n"
            "unset __pyv_shims\n"
        )
    if shell == "sh":  # POSIX: no ${var//pattern}; walk PATH's entries instead
        return (
            f"export PYV_ROOT={root}\n"
            f"__pyv_shims={folder}\n"
            "__pyv_rest=${PATH}:\n"
            "__pyv_path=\n"
            'while [ -n "$__pyv_rest" ]; do\n'
            "    __pyv_entry=${__pyv_rest%%:*}\n"
            "    __pyv_rest=${__pyv_rest#*:}\n"
            '    if [ -n "$__pyv_entry" ] && [ "$__pyv_entry" != "$__pyv_shims" ]; then\n'
            "        __pyv_path=${__pyv_path:+$__pyv_path:}$__pyv_entry\n"
            "    fi\n"
            "done\n"
            'export PATH="$__pyv_shims${__pyv_path:+:$__pyv_path}"\n'
            "unset __pyv_rest __pyv_entry __pyv_path __pyv_shims\n"
        )
    if shell == "fish":
        return (
            f"set -gx PYV_ROOT {root}\n"
            f"while set -l i (contains -i -- {folder} $PATH)\n"
            "    set -e PATH[$i]\n"
            "end\n"
            f"set -gx PATH {folder} $PATH\n"
        )
    # The folder goes in a variable: a quoted expansion is literal in a pattern in both
    # bash and zsh, where quotes written inside the pattern are not (zsh).
    return (
        f"export PYV_ROOT={root}\n"
        f"__pyv_shims={folder}\n"
        '__pyv_path=":${PATH}:"\n'
        '__pyv_path=${__pyv_path//:"$__pyv_shims":/:}\n'
        "__pyv_path=${__pyv_path#:}\n"
        "__pyv_path=${__pyv_path%:}\n"
        'export PATH="$__pyv_shims${__pyv_path:+:$__pyv_path}"\n'
        "unset __pyv_path __pyv_shims\n"
    )


def function_code(shell: str) -> str:
    """The ``pyv`` shell function: ``pyv shell``, ``activate`` and ``deactivate`` change
    this shell (they print code to eval), the rest runs pyv."""
    pyv = _pyv(shell)
    if shell == "fish":
        return (
            "function pyv\n"
            '    if test (count $argv) -gt 1; and test "$argv[1]" = shell\n'
            f"        set -l code ({pyv} sh-shell --shell fish $argv[2..-1] | string collect)\n"
            "        or return $status\n"
            '        eval "$code"\n'
            '    else if contains -- "$argv[1]" activate deactivate\n'
            f"        set -l code ({pyv} sh-$argv[1] --shell fish $argv[2..-1] | string collect)\n"
            "        or return $status\n"
            '        eval "$code"\n'
            "    else\n"
            f"        {pyv} $argv\n"
            "    end\n"
            "end\n"
        )
    return (
        "pyv() {\n"
        '    if [ "${1:-}" = shell ] && [ "$#" -gt 1 ]; then\n'
        "        shift\n"
        + ("        local __pyv_code\n" if shell != "sh" else "")
        + f'        __pyv_code=$({pyv} sh-shell --shell {shell} "$@") || return $?\n'
        '        eval "$__pyv_code"\n'
        '    elif [ "${1:-}" = activate ] || [ "${1:-}" = deactivate ]; then\n'
        + ("        local __pyv_code\n" if shell != "sh" else "")
        + f'        __pyv_code=$(__pyv_verb=$1; shift; {pyv} "sh-$__pyv_verb" --shell {shell} "$@")'
        " || return $?\n"
        '        eval "$__pyv_code"\n'
        "    else\n"
        f'        {pyv} "$@"\n'
        "    fi\n"
        "}\n"
    )


def init_code(layout: Layout, shell: str, *, path_only: bool = False, push: bool = True) -> str:
    """Everything ``pyv init -`` prints for ``shell``."""
    code = path_code(layout, shell, push=push)
    return code if path_only else code + function_code(shell)


def detection(shell: str) -> str:
    """What ``pyv init --detect-shell`` prints, as pyenv's does: KEY=value lines."""
    profile = {"bash": "~/.bash_profile", "zsh": "~/.zprofile"}.get(shell, "~/.profile")
    return (
        f"PYV_SHELL_DETECT={shell}\nPYV_PROFILE_DETECT={profile}\nPYV_RC_DETECT={RC_FILES[shell]}\n"
    )


def shell_code(shell: str, version: str | None) -> str:
    """Code that sets (or, for None, unsets) PYV_VERSION in ``shell``."""
    if shell == "fish":
        return (
            "set -e PYV_VERSION\n"
            if version is None
            else f"set -gx PYV_VERSION {quote(version, shell)}\n"
        )
    return (
        "unset PYV_VERSION\n"
        if version is None
        else f"export PYV_VERSION={quote(version, shell)}\n"
    )


def write_init(layout: Layout, shell: str) -> str:
    """Save the init code to a file in the root; return its path for the rc file to source."""
    folder = os.path.join(layout.root, "shell")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"init.{shell}")
    from pyv import atomic

    header = f"# Written by `pyv init --write {shell}`; run it again after moving pyv.\n"
    atomic.write(path, header + init_code(layout, shell))
    return path
