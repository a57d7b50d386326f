"""The installed versions: folders under ``versions/``, their receipts, alias links.

As in pyenv, every folder (or link to a folder) in ``versions/`` is an installed
version, whoever put it there: pyenv's builds, ``3.13-dev``, ``miniforge3-24.1.2``,
pyenv-virtualenv's ``myenv`` links and its ``VERSION/envs/NAME`` environments. What
pyv installs itself is named by its canonical exact version (``3.12.1``, ``3.13.0t``,
``pypy3.10-7.3.17``) and holds ``pyv-receipt.json``, which says where it came from.
pyv's installs are staged outside ``versions/`` and arrive by one rename, so a
folder there is never half an install of pyv's. A linked interpreter (``pyv link``)
gets a folder too, whose ``bin`` points at the real one.

Alias links ``versions/3.12 -> 3.12.1`` and ``versions/3 -> 3.13.0`` (and ``3.13t``
for free-threaded builds) name the newest installed stable build of each minor and
major; they are replaced atomically after every change, so the shims follow them
without starting Python.

Every change happens under the lock (``reconcile.lock``) and goes through a scratch
folder on the same filesystem, so a crash leaves the old state or the new one; the
lock brings the alias links and shims up to date when it is let go.

The read-only lookups at the top are stdlib-only and cheap: the hot commands use them.
"""

from __future__ import annotations

import os
import time

from pyv.errors import InvalidRequest, RegistryError, VersionNotInstalled
from pyv.paths import RECEIPT, Layout, is_listed_name, is_safe_name, stays_inside

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from typing import Any

    from pyv.request import PythonRequest


# -- cheap lookups (hot path) ------------------------------------------------------------


def installed_name(layout: Layout, word: str) -> str | None:
    """The installation a safe ``word`` names directly (itself, or an alias's target)."""
    folder = os.path.join(layout.versions, word)
    if not os.path.isdir(folder):
        return None
    if os.path.islink(folder):
        target = os.readlink(folder)
        if is_safe_name(target):  # an alias link: 3.12 -> 3.12.1
            return target
    return word


def bin_dir(layout: Layout, name: str) -> str:
    """The ``bin`` folder of installation ``name``."""
    return os.path.join(layout.versions, name, "bin")


def bin_dirs(layout: Layout) -> list[str]:
    """The ``bin`` folders of every installation (what the shims are made for)."""
    return [bin_dir(layout, name) for name in names(layout)]


def names(layout: Layout) -> list[str]:
    """Names of all installations in versions/ (alias links excluded), unsorted."""
    return [name for name, kind in entries(layout) if kind != "alias"]


def entries(layout: Layout, *, envs: bool = False) -> list[tuple[str, str]]:
    """(name, kind) of everything pyenv would list in versions/, unsorted.

    kind: ``version`` (a folder); ``alias`` (a link to another version, such as
    ``3.12 -> 3.12.1``); ``env-link`` (pyenv-virtualenv's ``myenv -> 3.12.1/envs/myenv``);
    ``link`` (a link to a folder elsewhere); with ``envs``, ``env`` (``3.12.1/envs/myenv``).
    """
    try:
        scanned = list(os.scandir(layout.versions))
    except OSError:
        return []
    found = []
    real_versions = os.path.realpath(layout.versions)
    for e in scanned:
        if not is_listed_name(e.name) or not e.is_dir():
            continue
        kind = "version"
        if e.is_symlink():
            target = os.path.realpath(e.path)
            if os.path.dirname(target) == real_versions:
                kind = "alias"
            elif _is_env(target, real_versions):
                kind = "env-link"
            else:
                kind = "link"
        found.append((e.name, kind))
        if envs:
            try:
                inner = list(os.scandir(os.path.join(e.path, "envs")))
            except OSError:
                continue
            found += [(f"{e.name}/envs/{i.name}", "env") for i in inner if i.is_dir()]
    return found


def version_sorted(names: list[str]) -> list[str]:
    """``names`` in version order, as GNU ``sort --version-sort`` (pyenv's listing) puts
    them: runs of digits compare as numbers, so 3.9 comes before 3.10."""
    import re

    def key(name: str) -> list[tuple[int, int | str]]:
        return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p]

    return sorted(names, key=key)


def listing(layout: Layout, *, envs: bool = True, aliases: bool = True) -> list[tuple[str, str]]:
    """(name, kind) of versions/ as ``pyv versions`` lists it: in version order, each
    version followed by its environments."""
    found = entries(layout, envs=envs)
    top = version_sorted([n for n, _ in found if "/" not in n])
    inner: dict[str, list[str]] = {}
    for name, _ in found:
        if "/" in name:
            inner.setdefault(name.split("/", 1)[0], []).append(name)
    kinds = dict(found)
    ordered = []
    for name in top:
        if aliases or kinds[name] not in ("alias", "env-link"):
            ordered.append((name, kinds[name]))
            ordered += [(env, "env") for env in sorted(inner.get(name, []))]
    return ordered


def read_receipt(layout: Layout, name: str) -> dict[str, Any]:
    """The receipt of installation ``name`` (an empty dict if unreadable)."""
    import json

    try:
        with open(os.path.join(layout.versions, name, RECEIPT), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError, RecursionError):  # RecursionError: '[' * 200000
        return {}
    return data if isinstance(data, dict) else {}


def prefix(layout: Layout, name: str) -> str:
    """The real prefix of installation ``name``: its folder, or a linked interpreter's.

    Read without json where it can be (json costs `pyv prefix` 5 ms to import): a
    download's receipt names no prefix, and a linked prefix's bin is a link to its own.
    """
    folder = os.path.join(layout.versions, name)
    bin_dir = os.path.join(folder, "bin")
    if os.path.islink(bin_dir):
        return os.path.dirname(os.readlink(bin_dir))
    try:
        with open(os.path.join(folder, RECEIPT), encoding="utf-8") as f:
            if '"prefix"' not in f.read():
                return folder
    except OSError:
        return folder
    linked = read_receipt(layout, name).get("prefix")
    return linked if isinstance(linked, str) else folder


# -- requests against the installed set --------------------------------------------------


class Installation:
    """One installed version: its name, parsed request and folder."""

    __slots__ = ("name", "path", "request")

    def __init__(self, name: str, request: PythonRequest, path: str) -> None:
        self.name = name
        self.request = request
        self.path = path

    def __repr__(self) -> str:
        return f"Installation({self.name!r})"


def installations(layout: Layout) -> list[Installation]:
    """Every installation, newest first."""
    from pyv.request import parse_name, sort_key

    found = []
    for name in names(layout):
        request = parse_name(name)
        if request is not None:
            if request.implementation != "cpython":
                request = _with_python_version(layout, name, request)
            found.append(Installation(name, request, os.path.join(layout.versions, name)))
    found.sort(key=lambda i: sort_key(i.request), reverse=True)
    return found


def _with_python_version(layout: Layout, name: str, request: PythonRequest) -> PythonRequest:
    """A PyPy or GraalPy name says at most its Python minor; its receipt says the rest."""
    from packaging.version import InvalidVersion, Version

    python = read_receipt(layout, name).get("python_version")
    if not isinstance(python, str):
        return request
    try:
        return request._replace(version=Version(python))
    except InvalidVersion:
        return request


def matching(layout: Layout, request: PythonRequest) -> list[Installation]:
    """Installations that satisfy ``request``, newest first."""
    return [
        i
        for i in installations(layout)
        if (i.request.version is not None or i.request.implementation != "cpython")
        and request.matches(
            i.request.version,
            i.request.variant,
            i.request.local,
            implementation=i.request.implementation,
            impl_version=i.request.impl_version,
        )
    ]


def find(layout: Layout, request: PythonRequest) -> Installation | None:
    """The newest installation that satisfies ``request``; an exact name wins."""
    name = str(request)
    if request.is_exact and name in names(layout):
        from pyv.request import parse_name

        exact = parse_name(name)
        assert exact is not None
        return Installation(name, exact, os.path.join(layout.versions, name))
    found = matching(layout, request)
    return found[0] if found else None


def resolve(layout: Layout, word: str) -> str | None:
    """The installation a selected word means, or None if none is installed.

    ``word`` has passed the selection's checks. Names of installations and aliases are
    answered from the filesystem alone; other requests are parsed and matched.
    """
    if is_safe_name(word):
        name = installed_name(layout, word)
        if name is not None:
            return name
    from pyv.request import parse

    found = find(layout, parse(word))
    return found.name if found else None


def get(layout: Layout, text: str) -> Installation:
    """The one installation ``text`` names (a name or an unambiguous request)."""
    from pyv.request import parse, parse_name

    # any entry pyenv would list but an alias: 3.13-dev, myenv, 3.12.1/envs/tools; a name
    # that is no version gets a request of kind "system", which matches nothing
    kinds = dict(entries(layout, envs=True)) if stays_inside(text) else {}
    if kinds.get(text, "alias") != "alias":
        exact = parse_name(text) or parse("system")
        return Installation(text, exact, os.path.join(layout.versions, text))
    request = parse(text)
    candidates = [] if request.kind == "system" else matching(layout, request)
    if not candidates:
        raise VersionNotInstalled(text)
    if len(candidates) > 1:
        listed = ", ".join(i.name for i in candidates)
        raise RegistryError(f"`{text}' matches several installed versions: {listed}")
    return candidates[0]


# -- changes (under the lock) ------------------------------------------------------------


REPLACED = "replaced-"  # scratch folders holding an installation that --force replaces


def restore(layout: Layout, folder: str) -> None:
    """Put back an installation whose replacement was killed before it arrived."""
    for name in os.listdir(folder):
        old = os.path.join(folder, name)
        if (
            is_safe_name(name)
            and os.path.isdir(old)
            and not os.path.lexists(layout.version_dir(name))
        ):
            os.rename(old, layout.version_dir(name))
            _fsync_dir(layout.versions)


def scratch_dir(layout: Layout, purpose: str) -> str:
    """A new empty folder in the scratch area, named for this process (under the lock):
    ``PURPOSE-PID-RANDOM``, as tempfile.mkdtemp names one, without its 4 ms import."""
    os.makedirs(layout.scratch, exist_ok=True)
    while True:
        folder = os.path.join(layout.scratch, f"{purpose}-{os.getpid()}-{os.urandom(6).hex()}")
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o755)  # it becomes an installation other users may run
        return folder


def scratch(layout: Layout, purpose: str) -> AbstractContextManager[str]:
    """A scratch folder that is gone when the block ends, whether it succeeded or failed:
    a failed install frees its disk space at once, not at the next pyv command."""
    import contextlib

    @contextlib.contextmanager
    def made() -> Iterator[str]:
        folder = scratch_dir(layout, purpose)
        try:
            yield folder
        finally:
            if os.path.lexists(folder):  # not once it became an installation
                import shutil

                shutil.rmtree(folder, ignore_errors=True)

    return made()


def owner(scratch_name: str) -> int | None:
    """The process that made a scratch entry (``PURPOSE-PID-XXXX``), if it names one."""
    parts = scratch_name.split("-")
    if len(parts) >= 3 and parts[-2].isdigit():
        return int(parts[-2])
    return None


def write_receipt(folder: str, receipt: dict[str, Any]) -> None:
    """Write the receipt into ``folder``, durably; the last step of an install."""
    import json

    from pyv import __version__

    data = {**receipt, "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    data.setdefault("pyv", __version__)
    path = os.path.join(folder, RECEIPT)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)


def commit(layout: Layout, staged: str, name: str) -> str:
    """Move a finished, receipted folder into ``versions/<name>`` (under the lock)."""
    if not os.path.isfile(os.path.join(staged, RECEIPT)):
        raise RegistryError(f"internal error: {staged} has no receipt")
    target = layout.version_dir(name)
    os.makedirs(layout.versions, exist_ok=True)
    if os.path.lexists(target):
        raise RegistryError(f"{target} already exists")
    os.rename(staged, target)
    _fsync_dir(layout.versions)
    return target


def replace(layout: Layout, staged: str, name: str) -> str:
    """Put a finished folder in place of installation ``name`` (under the lock).

    Two renames: the old one into the scratch area, the new one into versions/. A kill
    between them leaves both whole in the scratch area, and the next lock holder puts
    the old one back (see pyv.reconcile): the old state or the new, nothing lost.
    """
    import shutil

    folder = layout.version_dir(name)
    if os.path.islink(folder) or not os.path.isdir(folder):
        raise VersionNotInstalled(name)
    aside = scratch_dir(layout, REPLACED.rstrip("-"))
    os.rename(folder, os.path.join(aside, name))
    try:
        target = commit(layout, staged, name)
    except BaseException:  # an error or ^C, not a kill: put the old one back now
        restore(layout, aside)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return target


def commit_or_replace(layout: Layout, staged: str, name: str) -> str:
    """:func:`replace` installation ``name`` (``--force``) if it is there, else
    :func:`commit` it (under the lock)."""
    if name in names(layout):
        return replace(layout, staged, name)
    return commit(layout, staged, name)


def remove(layout: Layout, name: str) -> None:
    """Uninstall ``name`` (under the lock): a folder, or a pyenv-virtualenv environment
    with the link that names it; a link to a folder elsewhere (``pyv link``, or made
    by hand) is only unlinked, its files are not touched."""
    if not stays_inside(name):
        raise VersionNotInstalled(name)
    folder = layout.version_dir(name)
    if not os.path.isdir(folder):
        raise VersionNotInstalled(name)
    if os.path.islink(folder):
        if _is_ours(folder) and is_alias_name(name):
            raise VersionNotInstalled(name)  # pyv's alias link: remove what it names
        env = os.path.realpath(folder)
        os.unlink(folder)
        if _is_env(env, os.path.realpath(layout.versions)):  # pyenv-virtualenv's myenv
            _remove_folder(layout, env)
        _fsync_dir(layout.versions)
        return
    # X/envs/NAME: its links go with it; a version: the links to its envs (as
    # pyenv-virtualenv's uninstall hook does), which would be left dangling
    real = os.path.realpath(folder)
    for other, kind in entries(layout):
        path = os.path.join(layout.versions, other)
        target = os.path.realpath(path)
        if kind == "env-link" and (target == real or target.startswith(real + os.sep)):
            os.unlink(path)
    _remove_folder(layout, folder)


def _is_env(path: str, real_versions: str) -> bool:
    """True if ``path`` (resolved) is a pyenv-virtualenv environment, ``VERSION/envs/NAME``
    in the (resolved) versions folder."""
    parent = os.path.dirname(path)
    return os.path.basename(parent) == "envs" and (
        os.path.dirname(os.path.dirname(parent)) == real_versions
    )


def _remove_folder(layout: Layout, folder: str) -> None:
    """One rename makes it gone; the slow delete happens where no one looks."""
    import shutil

    doomed = os.path.join(scratch_dir(layout, "remove"), os.path.basename(folder))
    os.rename(folder, doomed)
    _fsync_dir(os.path.dirname(folder))
    shutil.rmtree(os.path.dirname(doomed), ignore_errors=True)


def wanted_aliases(layout: Layout) -> dict[str, str]:
    """Alias name -> installation: newest stable build per major and per minor, per variant
    and per implementation (``3.12``, ``3``, ``3.13t``; ``pypy3.10``, ``pypy3``,
    ``graalpy3.12``, ``graalpy3``)."""
    best: dict[str, str] = {}
    for inst in installations(layout):  # newest first: the first claim wins
        version = inst.request.version
        if version is None or version.pre is not None or len(version.release) < 2:
            continue
        major, minor = version.release[0], version.release[1]
        impl = "" if inst.request.implementation == "cpython" else inst.request.implementation
        variant = inst.request.variant
        for alias in (f"{impl}{major}.{minor}{variant}", f"{impl}{major}{variant}"):
            best.setdefault(alias, inst.name)
    return best


def update_aliases(layout: Layout) -> None:
    """Make the alias links match the installed set; each link is replaced atomically.

    Only links of pyv's own form (an alias name linking to a sibling by its bare name)
    are replaced or dropped: a user's ``3.12 -> /opt/python3.12`` is left alone.
    """
    wanted = wanted_aliases(layout)  # empty where there is no versions/ folder
    have = alias_links(layout)
    for name in have:
        if name not in wanted:
            os.unlink(os.path.join(layout.versions, name))  # a stale alias
    for alias, target in wanted.items():
        path = os.path.join(layout.versions, alias)
        if have.get(alias) == target:
            continue
        if alias not in have and os.path.lexists(path):
            continue  # a real folder, or the user's own link, by that name is not ours
        from pyv import atomic

        atomic.symlink(target, path)


def alias_links(layout: Layout) -> dict[str, str]:
    """pyv's alias links in versions/ (an alias name linking to a sibling by its bare
    name): alias -> the name it links to. Other links are the user's."""
    try:
        scanned = list(os.scandir(layout.versions))
    except OSError:
        return {}
    return {
        e.name: os.readlink(e.path)
        for e in scanned
        if e.is_symlink() and _is_ours(e.path) and is_alias_name(e.name)
    }


def _is_ours(path: str) -> bool:
    """True if ``path`` is a link of the form pyv's alias links have: to a bare sibling name."""
    try:
        return "/" not in os.readlink(path)
    except OSError:
        return False


def is_alias_name(name: str) -> bool:
    """True if ``name`` has the form of an alias pyv keeps (``3.12``, ``3``, ``3.13t``)."""
    from pyv.request import parse

    try:
        return parse(name).kind == "prefix"
    except InvalidRequest:
        return False


def _fsync_dir(path: str) -> None:
    with _suppress_oserror():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _suppress_oserror() -> AbstractContextManager[None]:
    import contextlib

    return contextlib.suppress(OSError)
