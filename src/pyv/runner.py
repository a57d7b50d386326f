"""Find and run a command of the selected versions: ``which``, ``exec``, ``prefix``.

This is also the shims' slow path (``pyv exec CMD``), so its rules are the shims':
the selected versions are tried in order; the first whose ``bin`` has the command
wins; a version that is not installed is skipped, and only if no version has the
command is it an error (the first missing version, else "command not found").

Stdlib only: it runs on every shim slow path and every editor's ``pyv which``.
"""

from __future__ import annotations

import os

from pyv import registry
from pyv.errors import CommandNotFound, PyvError, VersionNotInstalled
from pyv.paths import Layout
from pyv.selection import Selection
from pyv.shims import SHIM_FILE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import NoReturn

SYSTEM = "system"


def resolve_word(layout: Layout, word: str) -> str | None:
    """The installation a usable word means: ``system``, a name, or None if missing."""
    return SYSTEM if word == SYSTEM else registry.resolve(layout, word)


def named(layout: Layout, word: str) -> str | None:
    """Like :func:`resolve_word` for a word typed on the command line: an error if unusable."""
    from pyv.selection import problem

    reason = problem(layout, word)
    if reason is not None:
        raise PyvError(f"invalid version `{word}': {reason}")
    return resolve_word(layout, word)


def resolve(layout: Layout, selection: Selection) -> list[tuple[str, str | None]]:
    """Each selected word with the installation it means (``system``, or None if missing)."""
    return [(word, resolve_word(layout, word)) for word in selection.words]


def names(layout: Layout, selection: Selection) -> list[str]:
    """The installations selected, in order; VersionNotInstalled for the first missing."""
    found = []
    for word, name in resolve(layout, selection):
        if name is None:
            raise VersionNotInstalled(word, selection.origin)
        found.append(name)
    return found


def which(
    layout: Layout, selection: Selection, command: str, environ: Mapping[str, str]
) -> tuple[str, str]:
    """The path of ``command`` in the selected versions, and the version that has it."""
    missing = []
    for word, name in resolve(layout, selection):
        if name is None:
            missing.append(word)
            continue
        path = find_command(layout, name, command, environ)
        if path is not None:
            return path, name
    found = versioned_command(layout, command)
    if found is not None:
        return found
    # As pyenv: each missing version said first, then "command not found" (exit 127)
    error = CommandNotFound(command, whence(layout, command))
    error.before = [VersionNotInstalled(word, selection.origin) for word in missing]
    raise error


def versioned_command(layout: Layout, command: str) -> tuple[str, str] | None:
    """A command that names its minor (``python3.13``, ``pip3.13``, ``python3.13t``) in
    the newest installed 3.13, which its alias link names; the shim's rule too."""
    word = command.rstrip("0123456789.t")
    word = command[len(word) :]
    digits = word.rstrip("t")
    if (
        not digits
        or word.count("t") > 1
        or digits.count(".") != 1
        or not all(part.isdigit() for part in digits.split("."))
    ):
        return None
    name = registry.installed_name(layout, word)
    if name is None:
        return None
    path = find_command(layout, name, command, {})
    return (path, name) if path is not None else None


def find_command(layout: Layout, name: str, command: str, environ: Mapping[str, str]) -> str | None:
    """``command`` in installation ``name`` (or on the system PATH), if it is there."""
    if os.sep in command or command in ("", ".", ".."):
        return None
    if name == SYSTEM:
        return system_which(layout, command, environ)
    path = os.path.join(registry.bin_dir(layout, name), command)
    return path if _is_executable(path) else None


def system_python(layout: Layout, environ: Mapping[str, str]) -> str | None:
    """The system's python3, python or python2 on PATH, as pyenv looks for one."""
    for command in ("python3", "python", "python2"):
        found = system_which(layout, command, environ)
        if found:
            return found
    return None


def system_which(layout: Layout, command: str, environ: Mapping[str, str]) -> str | None:
    """``command`` on PATH, skipping pyv's shims folder, and any link to a shim elsewhere
    on PATH: running it would run pyv again, which would find it again, forever."""
    shims = {os.path.normpath(layout.shims), os.path.realpath(layout.shims)}
    for folder in environ.get("PATH", os.defpath).split(os.pathsep):
        if not folder or os.path.normpath(folder) in shims:
            continue
        path = os.path.join(folder, command)
        if (
            _is_executable(path)
            and os.path.realpath(folder) not in shims
            # any pyv's shim, this root's or another's: never the system's command
            and os.path.basename(os.path.realpath(path)) != SHIM_FILE
        ):
            return path
    return None


def whence(layout: Layout, command: str) -> list[str]:
    """Installations whose ``bin`` has ``command`` (any folder or link in versions/, as
    pyenv looks, but no alias links), newest first."""
    names = registry.names(layout)
    return [
        name
        for name in reversed(registry.version_sorted(names))
        if _is_executable(os.path.join(registry.bin_dir(layout, name), command))
    ]


def prefix(layout: Layout, name: str, environ: Mapping[str, str]) -> str:
    """The prefix of installation ``name``; for ``system``, found as pyenv finds it: the
    folder above the ``bin`` or ``sbin`` of the python (else python3) on PATH."""
    if name != SYSTEM:
        return registry.prefix(layout, name)
    python = system_which(layout, "python", environ) or system_which(layout, "python3", environ)
    if python is None:
        raise PyvError("system version not found in PATH")
    folder = os.path.dirname(python)
    if os.path.basename(folder) in ("bin", "sbin"):
        folder = os.path.dirname(folder)
    return folder or "/"


def execute(
    layout: Layout, selection: Selection, argv: Sequence[str], environ: Mapping[str, str]
) -> NoReturn:
    """Replace this process with ``argv[0]`` of the selected versions."""
    path, name = which(layout, selection, argv[0], environ)
    env = dict(environ)
    if name != SYSTEM:
        # As pyenv does: the version's own bin first, so what the command starts
        # (pip's python, a script's subprocesses) is the same version.
        bin_dir = registry.bin_dir(layout, name)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", os.defpath)
    if changes_scripts(argv):
        _run_then_rehash(layout, [path, *argv[1:]], env)
    try:
        os.execve(path, [path, *argv[1:]], env)
    except OSError as e:
        raise PyvError(f"cannot run {path}: {e.strerror}") from None


def changes_scripts(argv: Sequence[str]) -> bool:
    """``pip install``/``uninstall`` (or ``python -m pip ...``): console scripts come and
    go, so their shims must follow. The shim applies the same rule in sh."""
    command, args = os.path.basename(argv[0]), list(argv[1:])
    is_python = command == "python" or (command.startswith("python") and command[6:7].isdigit())
    is_pip = command == "pip" or (command.startswith("pip") and command[3:4].isdigit())
    if is_python:
        if args[:2] != ["-m", "pip"]:
            return False
    elif not is_pip:
        return False
    return "install" in args or "uninstall" in args


def _run_then_rehash(layout: Layout, argv: list[str], env: dict[str, str]) -> NoReturn:
    import subprocess

    from pyv import reconcile

    try:
        status = subprocess.run(argv, env=env, check=False).returncode
    except OSError as e:
        raise PyvError(f"cannot run {argv[0]}: {e.strerror}") from None
    with reconcile.lock(layout, quiet=True):
        pass  # the lock's reconcile step places the new scripts' shims
    raise SystemExit(status if status >= 0 else 128 - status)


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)
