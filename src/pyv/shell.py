"""Shell integration: the code ``pyv init`` prints, and the code the ``pyv`` shell
function evaluates for ``pyv shell`` and ``pyv rehash``.

``pyv init -`` puts the shims folder first on PATH (once, however often it is
sourced), exports PYV_SHELL, sets up tab completion (bash, zsh, fish) and defines a
``pyv`` shell function. As pyenv's does, the function runs ``pyv sh-shell ...`` for
``pyv shell ...`` and ``pyv sh-rehash`` for ``pyv rehash`` and evaluates what they
print, so they can change the running shell (PYV_VERSION, the shell's memory of
command paths); every other command runs pyv. ``pyv init --path`` prints only the
PATH part, for login shells. ``pyv init --write`` saves the code to a file that the rc
file sources, so starting a shell runs no Python at all.

The code for bash and zsh is POSIX sh as well (their completion code is evaluated
only by them), so `eval "$(pyv init - bash)"` in a ~/.profile that dash reads works.
"""

from __future__ import annotations

import os

from pyv import shims
from pyv.errors import UsageError
from pyv.paths import Layout

SHELLS = ("bash", "zsh", "fish", "sh")
_ALIASES = {"dash": "sh", "ash": "sh", "ksh": "sh", "ksh93": "sh", "mksh": "sh"}  # POSIX shells
RC_FILES = {
    "bash": "~/.bashrc",
    "zsh": "~/.zshrc",
    "fish": "~/.config/fish/config.fish",
    "sh": "~/.profile",
}
FUNCTION_COMMANDS = ("rehash", "shell", "activate", "deactivate")
"""Commands the shell function runs as ``pyv sh-COMMAND`` and evaluates the output of."""
NEED_FUNCTION = ("shell", "activate", "deactivate")
"""Commands that only work through the shell function (the others run pyv as well)."""
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@+:,./-_")

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def detect(environ: Mapping[str, str]) -> str:
    """The user's shell: the program that started pyv if it is one we know, else
    $SHELL, else sh.

    The parent is named by its command line, as pyenv names it: a script run by
    ``/bin/sh`` is sh's, where the process name would be the script's. Like pyenv, an
    unknown or unset shell gets POSIX sh code, which bash, zsh, dash and ksh all read
    (a login shell under a CI runner or cron often has no SHELL).
    """
    parent = _parent_program()
    if parent is not None:
        parent = _ALIASES.get(parent, parent)
        if parent in SHELLS:
            return parent
    return from_name(environ.get("SHELL", ""))


def _parent_program() -> str | None:
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0", 1)[0].decode("utf-8", "replace")
    except OSError:
        return None
    return os.path.basename(argv0).lstrip("-") or None  # "-bash": a login shell


def from_name(name: str) -> str:
    """The shell whose code suits a program named ``name`` (a path is fine): sh's
    code for a POSIX shell, and for one pyv does not know."""
    name = os.path.basename(name)
    name = _ALIASES.get(name, name)
    return name if name in SHELLS else "sh"


def current(environ: Mapping[str, str]) -> str:
    """The shell the ``pyv`` function runs in: PYV_SHELL (which the init code exports),
    else $SHELL."""
    return from_name(environ.get("PYV_SHELL") or environ.get("SHELL", ""))


def checked(shell: str) -> str:
    """``shell`` if pyv supports it (dash and ksh as sh), else a usage error."""
    shell = _ALIASES.get(shell, shell)
    if shell not in SHELLS:
        raise UsageError(f"unsupported shell `{shell}'; pyv supports {', '.join(SHELLS)}")
    return shell


def quote(text: str, shell: str = "bash", *, always: bool = False) -> str:
    """``text`` as one word for ``shell`` (shlex would cost an import of re, and knows no fish).

    Exact for every character a path or a version can hold. Only ASCII letters, digits
    and ``@+:,./-_`` stay bare (unless ``always``): ``=`` starts zsh's command-path
    expansion (``==3.12``).
    """
    if text and not always and all(c in _BARE for c in text):
        return text
    if shell == "fish":  # fish: backslash escapes a quote or a backslash inside '...'
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "'\\''") + "'"


def dquote(text: str, shell: str = "bash") -> str:
    """``text`` in double quotes for ``shell``, exact for every character."""
    specials = '\\"$' if shell == "fish" else '\\"$`'
    return '"' + "".join("\\" + c if c in specials else c for c in text) + '"'


def pyv_words(shell: str) -> str:
    """The command that starts this pyv, as words for ``shell``."""
    return " ".join(quote(part, shell) for part in shims.pyv_command())


def ensure_folders(layout: Layout) -> None:
    """Make the shims and versions folders, so PATH names a folder that exists."""
    for folder in (layout.shims, layout.versions):
        os.makedirs(folder, exist_ok=True)


def path_code(layout: Layout, shell: str, *, push: bool = True) -> str:
    """Code that puts the shims folder first on PATH exactly once (``push`` False: only
    where it is not on PATH yet, pyenv's ``--no-push-path``)."""
    root = quote(layout.root, shell)
    if shell == "fish":
        folder = quote(layout.shims, shell, always=True)
        if not push:
            return (
                f"set -gx PYV_ROOT {root}\n"
                f"if not contains -- {folder} $PATH\n"
                f"    set -gx PATH {folder} $PATH\n"
                "end\n"
            )
        return (
            f"set -gx PYV_ROOT {root}\n"
            f"while set -l i (contains -i -- {folder} $PATH)\n"
            "    set -e PATH[$i]\n"
            "end\n"
            f"set -gx PATH {folder} $PATH\n"
        )
    # POSIX sh for every other shell (no ${var//pattern}: dash has none). The folder goes
    # in a variable: a quoted expansion is literal in a case pattern, in zsh too.
    start = f"export PYV_ROOT={root}\n__pyv_shims={quote(layout.shims, shell)}\n"
    if not push:
        return (
            start + 'case ":${PATH}:" in\n'
            '    *:"$__pyv_shims":*) ;;\n'
            '    *) export PATH="$__pyv_shims${PATH:+:$PATH}" ;;\n'
            "esac\n"
            "unset __pyv_shims\n"
        )
    # Walk PATH's entries, keeping all but the shims and empty ones (an empty entry
    # means the working directory).
    return (
        start + "__pyv_rest=${PATH}:\n"
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


def env_code(shell: str) -> str:
    """Code that tells later pyv commands which shell they print code for."""
    if shell == "fish":
        return f"set -gx PYV_SHELL {shell}\n"
    return f"export PYV_SHELL={shell}\n"


def function_code(shell: str) -> str:
    """The ``pyv`` shell function: FUNCTION_COMMANDS change this shell, the rest runs pyv."""
    pyv = pyv_words(shell)
    if shell == "fish":
        # `set` takes the status of its command substitution: a failure returns it.
        return (
            "function pyv\n"
            "  set -l command $argv[1]\n"
            "  set -e argv[1]\n"
            "\n"
            '  switch "$command"\n'
            f"  case {' '.join(FUNCTION_COMMANDS)}\n"
            f'    set -l code ({pyv} "sh-$command" $argv)\n'
            "    or return $status\n"
            "    string join \\n -- $code | source\n"
            "  case '*'\n"
            f"    {pyv} $command $argv\n"
            "  end\n"
            "end\n"
        )
    # A failing sh- command prints no code; `return N' passes its status on.
    if shell == "sh":  # no `local' (ksh93 has none): "sh-$@" is "sh-$1" "$2" ...
        head = '  case "${1:-}" in\n'
        call = f'"$({pyv} "sh-$@" || echo "return $?")"'
        rest = '"$@"'
    else:
        head = '  local command=${1:-}\n  [ "$#" -gt 0 ] && shift\n  case "$command" in\n'
        call = f'"$({pyv} "sh-$command" "$@" || echo "return $?")"'
        rest = '${command:+"$command"} "$@"'
    return (
        "pyv() {\n" + head + f"  {'|'.join(FUNCTION_COMMANDS)})\n"
        f"    eval {call}\n"
        "    ;;\n"
        "  *)\n"
        f"    {pyv} {rest}\n"
        "    ;;\n"
        "  esac\n"
        "}\n"
    )


# Tab completion asks pyv: `pyv commands' for the first word, `pyv completions COMMAND
# WORDS...' for the others. bash's and zsh's functions hold syntax dash cannot parse,
# so they are strings, evaluated only by the shell they are for.
_BASH_COMPLETION = """\
if [ -n "${BASH_VERSION:-}" ]; then
  eval '_pyv_complete() {
    local words
    if [ "$COMP_CWORD" -le 1 ]; then
      words=$(pyv commands 2>/dev/null)
    else
      words=$(pyv completions "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null)
    fi
    COMPREPLY=($(compgen -W "$words" -- "${COMP_WORDS[COMP_CWORD]}"))
  }'
  complete -F _pyv_complete pyv
fi
"""
# compctl -K: `read -cA' gives the words of the line, the one being completed last.
_ZSH_COMPLETION = """\
if [ -n "${ZSH_VERSION:-}" ]; then
  eval '_pyv_complete() {
    local -a words
    read -cA words
    if (( ${#words} <= 2 )); then
      reply=(${(f)"$(pyv commands 2>/dev/null)"})
    else
      reply=(${(f)"$(pyv completions "${(@)words[2,-2]}" 2>/dev/null)"})
    fi
  }'
  compctl -K _pyv_complete pyv
fi
"""
_FISH_COMPLETION = """\
function __pyv_complete
  set -l words (commandline -opc)
  if test (count $words) -le 1
    pyv commands 2>/dev/null
  else
    pyv completions $words[2..-1] 2>/dev/null
  end
end
complete -c pyv -e
complete -c pyv -f -a '(__pyv_complete)'
"""


def completion_code(shell: str) -> str:
    """Code that makes tab complete pyv's commands, options and versions (none for sh)."""
    return {"bash": _BASH_COMPLETION, "zsh": _ZSH_COMPLETION, "fish": _FISH_COMPLETION}.get(
        shell, ""
    )


def init_code(layout: Layout, shell: str, *, path_only: bool = False, push: bool = True) -> str:
    """Everything ``pyv init -`` prints for ``shell`` (``path_only``: ``init --path``)."""
    code = path_code(layout, shell, push=push)
    if path_only:
        return code
    return code + env_code(shell) + completion_code(shell) + function_code(shell)


def detection(shell: str) -> str:
    """What ``pyv init --detect-shell`` prints, as pyenv's does: KEY=value lines."""
    profile = {"bash": "~/.bash_profile", "zsh": "~/.zprofile"}.get(shell, "~/.profile")
    return (
        f"PYV_SHELL_DETECT={shell}\nPYV_PROFILE_DETECT={profile}\nPYV_RC_DETECT={RC_FILES[shell]}\n"
    )


def instructions(shell: str) -> list[str]:
    """What ``pyv init`` without ``-`` says: the line to add to the start-up file."""
    line = f"pyv init - {shell} | source" if shell == "fish" else f'eval "$(pyv init - {shell})"'
    return [
        "# Load pyv automatically by adding",
        f"# the following to {RC_FILES[shell]}:",
        "",
        line,
        "",
        "# Restart your shell for the changes to take effect.",
    ]


def shell_code(shell: str, version: str | None) -> str:
    """Code that sets PYV_VERSION to ``version`` (None: unsets it), keeping the value it
    had in PYV_VERSION_OLD for ``pyv shell -``."""
    if shell == "fish":
        keep = 'set -gu PYV_VERSION_OLD "$PYV_VERSION"\n'
        if version is None:
            return keep + "set -e PYV_VERSION\n"
        return keep + f"set -gx PYV_VERSION {dquote(version, shell)}\n"
    keep = 'PYV_VERSION_OLD="${PYV_VERSION-}"\n'
    if version is None:
        return keep + "unset PYV_VERSION\n"
    return keep + f"export PYV_VERSION={dquote(version, shell)}\n"


def show_code(shell: str) -> str:
    """Code that prints PYV_VERSION (``pyv shell`` with no argument)."""
    del shell  # the same in every shell pyv knows
    return 'echo "$PYV_VERSION"\n'


_NO_PREVIOUS = "echo 'pyv: no previous shell version to go back to' >&2"


def revert_code(shell: str) -> str:
    """Code that swaps PYV_VERSION and PYV_VERSION_OLD (``pyv shell -``); an empty old
    value means PYV_VERSION was unset."""
    if shell == "fish":
        return (
            "if set -q PYV_VERSION_OLD\n"
            "  set -l __pyv_previous $PYV_VERSION_OLD\n"
            '  set -gu PYV_VERSION_OLD "$PYV_VERSION"\n'
            '  if test -n "$__pyv_previous"\n'
            '    set -gx PYV_VERSION "$__pyv_previous"\n'
            "  else\n"
            "    set -e PYV_VERSION\n"
            "  end\n"
            "else\n"
            f"  {_NO_PREVIOUS}\n"
            "  false\n"
            "end\n"
        )
    return (
        'if [ -n "${PYV_VERSION_OLD+x}" ]; then\n'
        "  __pyv_previous=$PYV_VERSION_OLD\n"
        '  PYV_VERSION_OLD="${PYV_VERSION-}"\n'
        '  if [ -n "$__pyv_previous" ]; then\n'
        '    export PYV_VERSION="$__pyv_previous"\n'
        "  else\n"
        "    unset PYV_VERSION\n"
        "  fi\n"
        "  unset __pyv_previous\n"
        "else\n"
        f"  {_NO_PREVIOUS}\n"
        "  false\n"
        "fi\n"
    )


def rehash_code(shell: str) -> str:
    """Code that makes the shell forget where it found commands, after a rehash."""
    return "" if shell == "fish" else "hash -r 2>/dev/null || true\n"


def write_init(layout: Layout, shell: str) -> str:
    """Save the init code to a file in the root; return its path for the rc file to source."""
    folder = os.path.join(layout.root, "shell")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"init.{shell}")
    from pyv import atomic

    header = f"# Written by `pyv init --write {shell}`; run it again after moving pyv.\n"
    atomic.write(path, header + init_code(layout, shell))
    return path
