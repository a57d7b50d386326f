"""Virtual environments as versions, kept the way pyenv-virtualenv keeps them.

    versions/3.12.1/envs/myenv/     a venv made by 3.12.1's own ``python -m venv``
    versions/myenv -> $ROOT/versions/3.12.1/envs/myenv    (an absolute link, as
                                     pyenv-virtualenv makes it)

The registry counts both names as installed versions, so ``myenv`` or
``3.12.1/envs/myenv`` in a ``.python-version`` selects the environment, and the shim
runs ``versions/myenv/bin/python`` without starting Python. pyenv with
pyenv-virtualenv sees the environments pyv makes, and pyv sees theirs.

Activating one is ``pyv shell`` with the environment's name plus ``VIRTUAL_ENV``
(and ``PYV_VIRTUAL_ENV``, which says that pyv set it): :func:`activate_code` and
:func:`deactivate_code` print the shell code the ``pyv`` shell function evaluates.
PATH is not touched: the shims already run the environment's commands.
"""

from __future__ import annotations

import os
import shutil

from pyv import reconcile, registry, runner, selection
from pyv.errors import PyvError, RegistryError, UsageError, VersionNotInstalled, printable
from pyv.paths import Layout, is_listed_name, is_safe_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

ENVS = "envs"


class Virtualenv:
    """One environment as ``pyv virtualenvs`` lists it: by its name in versions/."""

    __slots__ = ("link", "name", "path")

    def __init__(self, name: str, path: str, link: str | None = None) -> None:
        self.name = name  # "3.12.1/envs/myenv", "myenv"
        self.path = path  # versions/<name>
        self.link = link  # what versions/<name> links to, if it is a link

    def describe(self) -> str:
        """``myenv --> TARGET`` for a link, else ``NAME (created from PREFIX)``."""
        if self.link is not None:
            return f"{self.name} --> {self.link}"
        return f"{self.name} (created from {created_from(self.path) or 'an unknown prefix'})"

    def __repr__(self) -> str:
        return f"Virtualenv({self.name!r})"


def is_virtualenv(path: str) -> bool:
    """True if ``path`` is a virtual environment (it has ``bin/activate``, as
    pyenv-virtualenv tests)."""
    return os.path.isfile(os.path.join(path, "bin", "activate"))


def created_from(path: str) -> str | None:
    """The prefix of the Python that made the environment at ``path``: its
    ``pyvenv.cfg``'s ``home`` without ``/bin``, as pyenv-virtualenv shows it."""
    cfg = os.path.join(os.path.dirname(os.path.realpath(os.path.join(path, "bin"))), "pyvenv.cfg")
    try:
        with open(cfg, encoding="utf-8", errors="replace") as f:
            lines = f.read(64 * 1024).splitlines()
    except OSError:
        return None
    for line in lines:
        key, sep, value = line.partition("=")
        if sep and key.strip() == "home":
            home = value.strip()
            return home[: -len("/bin")] if home.endswith("/bin") else home
    return None


def listed(layout: Layout, *, links: bool = True) -> list[Virtualenv]:
    """Every environment, as pyenv-virtualenv lists them: ``VERSION/envs/NAME`` first,
    then the names in versions/ that are environments (``links`` False: not the links)."""
    kinds = registry.entries(layout)
    inner = []
    for name, kind in kinds:
        if kind not in ("version", "link"):  # an alias's envs are its target's
            continue
        try:
            found = list(os.scandir(os.path.join(layout.versions, name, ENVS)))
        except OSError:
            continue
        inner += [Virtualenv(f"{name}/{ENVS}/{e.name}", e.path) for e in found if e.is_dir()]
    top = []
    for name, kind in kinds:
        path = os.path.join(layout.versions, name)
        if kind in ("env-link", "link") and links and is_virtualenv(path):
            top.append(Virtualenv(name, path, os.readlink(path)))
        elif kind == "version" and is_virtualenv(path):
            top.append(Virtualenv(name, path))
    inner.sort(key=lambda v: _natural(v.name))
    top.sort(key=lambda v: _natural(v.name))
    return inner + top


def _natural(text: str) -> list[tuple[int, int, str]]:
    """Sort key: runs of digits compare as numbers (3.9 before 3.12), as ``sort -V``."""
    import re

    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p]


# -- creating -----------------------------------------------------------------------------


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a new environment, or None if it can."""
    from pyv.request import is_plain_name

    if name == "system":
        return "`system' is not allowed as a virtualenv name"
    if any(c.isspace() for c in name):
        return "no whitespace is allowed in a virtualenv name"
    if "/" in name or not is_safe_name(name):
        return (
            f"invalid virtualenv name `{printable(name)}': use letters, digits and . + _ - @,"
            " not starting with - or . (the same rule as for versions)"
        )
    if not is_plain_name(name):
        return f"`{name}' is a version; an environment of that name would hide it"
    return None


def base_of(layout: Layout, name: str) -> str | None:
    """The version whose ``envs/`` holds environment ``name`` (``3.12.1`` for ``myenv``
    or ``3.12.1/envs/myenv``), or None if it is not such an environment."""
    real = os.path.realpath(os.path.join(layout.versions, name))
    parent = os.path.dirname(real)
    if os.path.basename(parent) != ENVS:
        return None
    version = os.path.dirname(parent)
    if os.path.dirname(version) != os.path.realpath(layout.versions):
        return None
    return os.path.basename(version)


def source_version(layout: Layout, text: str | None, environ: Mapping[str, str]) -> str:
    """The installation a new environment is made from: ``text`` (``3.12`` means the
    installed 3.12.x it resolves to), else the first selected version; an environment
    stands for the version that made it. ``system`` is the Python on PATH."""
    if text is None:
        chosen = selection.current(layout, environ)
        text = chosen.words[0]
        name = runner.resolve_word(layout, text)
        if name is None:
            raise VersionNotInstalled(text, chosen.origin)
    else:
        name = runner.named(layout, text)
        if name is None:
            raise VersionNotInstalled(text)
    if name == runner.SYSTEM:
        return name
    path = os.path.join(layout.versions, name)
    if is_virtualenv(path):
        base = base_of(layout, name)
        if base is None:
            raise PyvError(
                f"`{name}' is a virtualenv made from a Python outside pyv's versions",
                hint="name the version to make the new one from",
            )
        return base
    return name


def _python(layout: Layout, version: str, environ: Mapping[str, str]) -> str:
    if version == runner.SYSTEM:
        found = runner.system_which(layout, "python3", environ)
        if found is None:
            raise VersionNotInstalled(runner.SYSTEM)
        return found
    from pyv import venv

    found = venv.python_in(layout, version)
    if found is None:
        raise PyvError(f"{version} has no bin/python3 to make a virtualenv with")
    return found


def create(
    layout: Layout, version: str, name: str, environ: Mapping[str, str], *, pip: bool = True
) -> Virtualenv:
    """Make environment ``name`` (or ``VERSION/envs/name``, pyenv-virtualenv's other
    spelling) with installation ``version``'s own python, and the link ``versions/name``
    to it; return the environment (``VERSION/envs/NAME``).

    A venv holds its own path (in ``activate`` and in the scripts pip writes), so it
    cannot be made aside and renamed into place: it is made where it stays, under the
    lock, and removed again if making it fails or is interrupted. From ``system``, the
    environment is ``versions/NAME`` itself, as pyenv-virtualenv makes it.
    """
    from pyv import venv

    if name.count("/") == 2 and name.startswith(f"{version}/{ENVS}/"):
        name = name.rsplit("/", 1)[1]
    problem = name_problem(name)
    if problem is not None:
        raise UsageError(problem)
    python = _python(layout, version, environ)
    link = os.path.join(layout.versions, name)
    if version == runner.SYSTEM:
        env, listed_as = link, name
    else:
        env = os.path.join(layout.versions, version, ENVS, name)
        listed_as = f"{version}/{ENVS}/{name}"
    with reconcile.lock(layout, quiet=True):  # let go, it rehashes: the env's commands get shims
        for path in (env, link):  # a half-made env (pyv was killed) is found by its own name
            if os.path.lexists(path):
                what = listed_as if path == env else name
                raise RegistryError(
                    f"`{path}' already exists",
                    hint=f"choose another name, or run `pyv virtualenv-delete {what}' first",
                )
        envs = os.path.dirname(env)
        made_envs = not os.path.isdir(envs)
        os.makedirs(envs, exist_ok=True)
        try:
            venv.create(python, env, pip=pip)
            if env != link:
                os.symlink(env, link)  # absolute, as pyenv-virtualenv links it
        except BaseException:  # a failure or ^C: leave nothing half-made behind
            if os.path.islink(link):
                os.unlink(link)
            shutil.rmtree(env, ignore_errors=True)
            if made_envs:
                _remove_empty(envs)
            raise
    return Virtualenv(listed_as, env)


def _remove_empty(folder: str) -> None:
    import contextlib

    with contextlib.suppress(OSError):  # not empty: someone else's envs are there
        os.rmdir(folder)


# -- deleting -----------------------------------------------------------------------------


def find(layout: Layout, name: str) -> Virtualenv | None:
    """The environment ``name`` (``myenv`` or ``VERSION/envs/myenv``) names, None if
    there is nothing of that name; an error if it is something else."""
    if not (is_safe_name(name) or is_listed_name(name)):
        raise PyvError(f"invalid virtualenv name `{printable(name)}'")
    path = os.path.join(layout.versions, name)
    if not os.path.isdir(path):
        return None
    if os.path.islink(path) and "/" not in name:
        target = os.readlink(path)
        if base_of(layout, name) is None or not is_virtualenv(path):
            raise PyvError(
                f"`{path}' links to {target}, which is not a virtualenv in this root",
                hint=f"remove the link with `pyv uninstall {name}'",
            )
        return Virtualenv(name, path, target)
    # envs/ holds nothing but environments: one pyv or pyenv-virtualenv was killed while
    # making (with no bin/activate yet) can be removed too
    if "/" not in name and not is_virtualenv(path):
        raise PyvError(f"`{printable(name)}' is not a virtualenv")
    return Virtualenv(name, path)


def real_path(env: Virtualenv) -> str:
    """The folder the environment lives in (a link's target)."""
    return os.path.realpath(env.path)


def delete(layout: Layout, env: Virtualenv) -> None:
    """Remove the environment and every link in versions/ that names it."""
    with reconcile.lock(layout, quiet=True):
        if os.path.isdir(env.path):
            registry.remove(layout, env.name)


# -- activating ---------------------------------------------------------------------------


def activation(
    layout: Layout, words: list[str], environ: Mapping[str, str], *, force: bool = False
) -> tuple[list[str], str]:
    """(PYV_VERSION's words, the environment's folder) for ``pyv activate WORDS`` (no
    words: the selected versions).

    A virtualenv activated some other way (``source .venv/bin/activate``) is left alone
    unless ``force``: pyv would otherwise undo it without being asked.
    """
    if not words:
        words = runner.names(layout, selection.current(layout, environ))
    active = environ.get("VIRTUAL_ENV", "")
    if active and active != environ.get("PYV_VIRTUAL_ENV") and not force:
        raise PyvError(
            f"virtualenv `{printable(active, 200)}' is already activated",
            hint="run `deactivate' first, or pass --force",
        )
    return to_activate(layout, words, environ)


def to_activate(
    layout: Layout, words: list[str], environ: Mapping[str, str]
) -> tuple[list[str], str]:
    """(PYV_VERSION's words, the environment's folder) for ``pyv activate WORDS``: the
    first word names an environment (else the selected version's environment of that
    name, as pyenv-virtualenv falls back), and the others no second one."""
    first = words[0]
    try:
        name = runner.named(layout, first)
    except PyvError:
        if not is_safe_name(first):
            raise
        name = None  # myenv: no version of that name, and no version request either
    if name is None or name == runner.SYSTEM or not is_virtualenv(_folder(layout, name)):
        fallback = _selected_env(layout, first, environ)
        if fallback is None:
            if name is None:
                raise PyvError(
                    f"virtualenv `{printable(first)}' does not exist", hint="see `pyv virtualenvs'"
                )
            raise PyvError(f"version `{printable(first)}' is not a virtualenv")
        first = name = fallback
    for word in words[1:]:
        other = runner.named(layout, word)
        if other is None:
            raise VersionNotInstalled(word)
        if other != runner.SYSTEM and is_virtualenv(_folder(layout, other)):
            raise PyvError(f"cannot activate several virtualenvs at once: {' '.join(words)}")
    return [first, *words[1:]], _folder(layout, name)


def _folder(layout: Layout, name: str) -> str:
    """Where installation ``name`` lives: a link to an environment followed one step
    (to ``$ROOT/versions/3.12.1/envs/myenv``, as pyenv-virtualenv's VIRTUAL_ENV reads)."""
    path = os.path.join(layout.versions, name)
    if os.path.islink(path):
        return os.path.normpath(os.path.join(layout.versions, os.readlink(path)))
    return path


def _selected_env(layout: Layout, name: str, environ: Mapping[str, str]) -> str | None:
    """``VERSION/envs/name`` for the first selected version, if that is an environment."""
    if "/" in name:
        return None
    try:
        chosen = selection.current(layout, environ)
        current = runner.resolve_word(layout, chosen.words[0])
    except PyvError:
        return None
    if current is None or current == runner.SYSTEM:
        return None
    base = base_of(layout, current) or current
    candidate = f"{base}/{ENVS}/{name}"
    if is_safe_name(candidate) and is_virtualenv(os.path.join(layout.versions, candidate)):
        return candidate
    return None


def activate_code(shell: str, words: list[str], folder: str, environ: Mapping[str, str]) -> str:
    """Shell code that activates the environment at ``folder``: first what
    :func:`deactivate_code` undoes, then PYV_VERSION and VIRTUAL_ENV, and the prompt."""
    from pyv.shell import quote

    version = quote(":".join(words), shell)
    where = quote(folder, shell)
    code = deactivate_code(shell, environ)
    if shell == "fish":
        return code + (
            f"set -gx PYV_VERSION {version}\n"
            "set -gx PYV_ACTIVATE_SHELL 1\n"
            f"set -gx PYV_VIRTUAL_ENV {where}\n"
            f"set -gx VIRTUAL_ENV {where}\n"
            "if set -q PYTHONHOME\n"
            "    set -gx _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME\n"
            "    set -e PYTHONHOME\n"
            "end\n"
        )
    code += (
        f"export PYV_VERSION={version}\n"
        "export PYV_ACTIVATE_SHELL=1\n"
        f"export PYV_VIRTUAL_ENV={where}\n"
        f"export VIRTUAL_ENV={where}\n"
        'if [ -n "${PYTHONHOME:-}" ]; then\n'
        '    export _OLD_VIRTUAL_PYTHONHOME="$PYTHONHOME"\n'
        "    unset PYTHONHOME\n"
        "fi\n"
    )
    if not (
        environ.get("PYV_VIRTUALENV_DISABLE_PROMPT") or environ.get("VIRTUAL_ENV_DISABLE_PROMPT")
    ):
        # As venv's own activate script does: a shell variable, not exported.
        label = quote(f"({words[0]}) ", shell)
        code += f'_OLD_VIRTUAL_PS1="${{PS1:-}}"\nPS1={label}"${{PS1:-}}"\n'
    return code


def deactivate_code(shell: str, environ: Mapping[str, str]) -> str:
    """Shell code that undoes an activation: pyv's, or a venv's own ``activate`` script's
    (its PATH, PYTHONHOME and prompt are put back and its ``deactivate`` removed)."""
    pinned = bool(environ.get("PYV_ACTIVATE_SHELL"))  # pyv activate set PYV_VERSION too
    if shell == "fish":
        return (
            ("set -e PYV_VERSION\nset -e PYV_ACTIVATE_SHELL\n" if pinned else "")
            + "set -e PYV_VIRTUAL_ENV\n"
            "set -e VIRTUAL_ENV\n"
            "if set -q _OLD_VIRTUAL_PATH\n"
            "    set -gx PATH $_OLD_VIRTUAL_PATH\n"
            "    set -e _OLD_VIRTUAL_PATH\n"
            "end\n"
            "if set -q _OLD_VIRTUAL_PYTHONHOME\n"
            "    set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME\n"
            "    set -e _OLD_VIRTUAL_PYTHONHOME\n"
            "end\n"
            "if functions -q deactivate\n"
            "    functions -e deactivate\n"
            "end\n"
        )
    return (
        ("unset PYV_VERSION PYV_ACTIVATE_SHELL\n" if pinned else "")
        + "unset PYV_VIRTUAL_ENV VIRTUAL_ENV\n"
        'if [ -n "${_OLD_VIRTUAL_PATH:-}" ]; then\n'
        '    export PATH="$_OLD_VIRTUAL_PATH"\n'
        "    unset _OLD_VIRTUAL_PATH\n"
        "fi\n"
        'if [ -n "${_OLD_VIRTUAL_PYTHONHOME:-}" ]; then\n'
        '    export PYTHONHOME="$_OLD_VIRTUAL_PYTHONHOME"\n'
        "    unset _OLD_VIRTUAL_PYTHONHOME\n"
        "fi\n"
        'if [ -n "${_OLD_VIRTUAL_PS1+set}" ]; then\n'
        '    PS1="$_OLD_VIRTUAL_PS1"\n'
        "    unset _OLD_VIRTUAL_PS1\n"
        "fi\n"
        "unset -f deactivate 2>/dev/null || :\n"
    )
