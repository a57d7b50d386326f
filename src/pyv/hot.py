"""The commands prompts, editors and shims call all the time, without typer.

``version-name``, ``version-origin``, ``version``, ``which``, ``prefix``, ``root`` and
``exec`` are answered here with the standard library only: importing typer (or
packaging, pathlib, dataclasses) would cost more than pyenv's whole answer. The plain
form of ``install`` also starts here, because its time is measured against uv. The typer
CLI registers the same commands (for help and completion) and calls these functions,
so both paths print the same thing. Anything unusual (an option, ``--help``) is left
to the typer CLI by returning None from :func:`dispatch`.
"""

from __future__ import annotations

import os
import sys

from pyv.errors import CommandNotFound, PyvError, VersionNotInstalled, report
from pyv.paths import Layout, from_environ

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    Environ = Mapping[str, str]

# runner and selection are imported by the commands that use them: ``install`` needs
# neither, and its download starts once the catalog is read.


def version_name(layout: Layout, environ: Environ, *, force: bool = False) -> int:
    """Print the selected installations, ``:``-separated; as pyenv does, a missing one
    is reported and the rest are still printed (and the status is 1). ``force``: a
    missing one is printed as it is written, without a word (pyenv's ``-f``)."""
    from pyv import runner, selection

    chosen = selection.current(layout, environ)
    status = 0
    found = []
    for word, name in runner.resolve(layout, chosen):
        if name is None and force:
            found.append(word)
        elif name is None:
            status = report(VersionNotInstalled(word, chosen.origin))
        else:
            found.append(name)
    if found or status == 0:
        print(":".join(found))
    return status


def version_origin(layout: Layout, environ: Environ) -> int:
    """Print where the selection comes from: a file, or the environment variable."""
    from pyv import selection

    print(selection.current(layout, environ).origin_path)
    return 0


def version(layout: Layout, environ: Environ, *, bare: bool = False) -> int:
    """Print each selected installation with its origin (``bare``: the name alone);
    report the missing ones."""
    from pyv import runner, selection

    chosen = selection.current(layout, environ)
    status = 0
    found = []
    for word, name in runner.resolve(layout, chosen):  # as pyenv: the missing ones first
        if name is None:
            status = report(VersionNotInstalled(word, chosen.origin))
        else:
            found.append(name)
    for name in found:
        print(name if bare else f"{name} ({chosen.origin})")
    return status


def which(layout: Layout, environ: Environ, command: str, *, advice: bool = True) -> int:
    """Print the full path of ``command`` in the selected versions (``advice`` False: a
    failure does not list the versions that have it, pyenv's ``--skip-advice``)."""
    from pyv import runner, selection

    try:
        path, _ = runner.which(layout, selection.current(layout, environ), command, environ)
    except CommandNotFound as e:
        if not advice:
            e.hint = None  # the versions that have it; what it says before stays
        raise
    print(path)
    return 0


def prefix(layout: Layout, environ: Environ, request: str | None = None) -> int:
    """Print the prefix of the selected versions (or of ``request``), ``:``-separated."""
    from pyv import runner, selection

    if request is None:
        names = runner.names(layout, selection.current(layout, environ))
    else:
        name = runner.named(layout, request)
        if name is None:
            raise VersionNotInstalled(request)
        names = [name]
    print(":".join(runner.prefix(layout, name, environ) for name in names))
    return 0


def root(layout: Layout, environ: Environ) -> int:
    """Print the pyv root."""
    print(layout.root)
    return 0


def exec_(layout: Layout, environ: Environ, argv: list[str]) -> int:
    """Run ``argv`` with the selected version (this process is replaced)."""
    from pyv import runner, selection

    sys.stdout.flush()
    runner.execute(layout, selection.current(layout, environ), argv, environ)


def init(
    layout: Layout, environ: Environ, shell_name: str | None, *, path_only: bool, push: bool
) -> int:
    """Print the shell code that enables the shims (and, unless ``path_only``, the pyv
    shell function and completion)."""
    from pyv import shell

    name = shell.checked(shell_name) if shell_name else shell.detect(environ)
    if not path_only:
        shell.ensure_folders(layout)
    sys.stdout.write(shell.init_code(layout, name, path_only=path_only, push=push))
    return 0


_INIT_FLAGS = ("-", "--path", "--no-push-path", "--no-rehash")


def _init_args(rest: list[str]) -> tuple[str | None, bool, bool] | None:
    """(shell, path_only, push) for ``init -`` / ``init --path`` with the flags rc files
    hold and an optional shell; else None."""
    flags = {a for a in rest if a in _INIT_FLAGS}
    words = [a for a in rest if a not in flags]
    if not flags & {"-", "--path"} or len(words) > 1 or any(w.startswith("-") for w in words):
        return None  # --write, --help, or no "-": the typer command
    return (words[0] if words else None), "--path" in flags, "--no-push-path" not in flags


_NO_ARGS: dict[str, Callable[[Layout, Environ], int]] = {
    "version-name": version_name,
    "version-origin": version_origin,
    "version": version,
    "root": root,
}


_INSTALL_FLAGS = {"-q": "quiet", "--quiet": "quiet", "-f": "force", "--force": "force"}
_INSTALL_FLAGS["--offline"] = "offline"


def _install(rest: list[str]) -> int | None:
    """``pyv install [-q] [-f] [--offline] VERSION...``: typer's 30 ms are a tenth of an install."""
    words = [a for a in rest if a not in _INSTALL_FLAGS]
    if not words or any(w.startswith("-") for w in words):
        return None
    flags = {_INSTALL_FLAGS[a] for a in rest if a in _INSTALL_FLAGS}
    from pyv.builds import install, plan

    try:
        layout = from_environ(os.environ)
        return install.install_builds(
            layout,
            plan.requested(layout, words, os.environ, offline="offline" in flags),
            environ=os.environ,
            force="force" in flags,
            offline="offline" in flags,
            quiet="quiet" in flags,
        )
    except PyvError as e:
        return report(e)


def dispatch(args: list[str]) -> int | None:
    """Run a hot command and return its exit code, or None to let the CLI handle ``args``."""
    if not args:
        return None
    command, rest = args[0], args[1:]
    if command == "--version" and not rest:
        from pyv import __version__

        print(f"pyv {__version__}")
        return 0
    if command == "init":  # every shell start runs this: keep it off typer
        parsed = _init_args(rest)
        if parsed is None:
            return None
        try:
            layout = from_environ(os.environ)
            return init(layout, os.environ, parsed[0], path_only=parsed[1], push=parsed[2])
        except PyvError as e:
            return report(e)
    if command == "install":
        return _install(rest)
    options = rest[:1] if command == "exec" else rest  # exec passes the rest on untouched
    if any(a.startswith("-") for a in options):
        return None  # options and --help are typer's
    environ = os.environ
    try:
        if command in _NO_ARGS and not rest:
            return _NO_ARGS[command](from_environ(environ), environ)
        if command == "which" and len(rest) == 1:
            return which(from_environ(environ), environ, rest[0])
        if command == "prefix" and len(rest) <= 1:
            return prefix(from_environ(environ), environ, *rest)
        if command == "exec" and rest:
            return exec_(from_environ(environ), environ, rest)
    except PyvError as e:
        return report(e)
    return None
