"""python-build-standalone's archives: where the interpreter sits, and the fix it needs.

Its archives keep the interpreter in ``python/`` (install_only) or ``python/install/``
(full archives, whose ``python/build/`` is the bulk and not needed to run). The
build's prefix was ``/install``: sysconfig data, Makefiles, pkg-config files and
``*-config`` scripts carry it and are rewritten to the real prefix (:func:`finish`).
Pure functions over files and bytes; the unpacking itself is pyv.builds.archive's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator

from pyv.builds.archive import ArchiveError, check_links, move_up, reading, unpack

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing takes 3.5 ms to import, before the download could start
    from typing import IO

# python-build-standalone keeps the interpreter in python/ (install_only archives) or in
# python/install/ (full archives, whose python/build/ is the bulk and not needed to run).
_TOPS = ("python/install", "python")


def extract(
    archive: str,
    dest: str,
    source: IO[bytes] | None = None,
    *,
    written: Callable[[str, str], None] | None = None,
    moving: Callable[[str], None] | None = None,
) -> None:
    """Unpack the interpreter in ``archive`` into the empty folder ``dest``, reading
    ``source`` (the archive's bytes as they arrive) if given, else the file.

    The archive goes into ``dest/.raw`` first (``written`` is told of each file and
    link there, see archive.unpack); its interpreter folder (``python`` or
    ``python/install``: ``moving`` is told which, first) then moves up.
    """
    raw = os.path.join(dest, ".raw")
    os.mkdir(raw)
    filename = os.path.basename(archive)
    with reading(archive, source) as stream:
        links = unpack(stream, raw, _wanted, written)
        top = _top(raw)
        if top is not None:
            check_links(raw, top, links)
    if top is None:
        raise ArchiveError(f"{filename} has no python/bin: not a python-build-standalone archive")
    if not os.path.isfile(os.path.join(raw, top, "bin", "python3")):
        raise ArchiveError(f"{filename} has no {top}/bin/python3: not a CPython build")
    if moving:
        moving(top)
    move_up(os.path.join(raw, top), dest, raw)


def landmarks(name: str, link: str, seen: dict[str, set[str]]) -> str | None:
    """The interpreter folder (``python`` or ``python/install``) whose interpreter can
    start, once ``name`` (a member just written, ``link`` its target if a link) joins
    what ``seen`` holds (updated here): bin/python3 (and the file it links to, in bin),
    and the modules of lib/pythonX.Y that a CPython reads to start (``_STARTING``).
    None until then.

    An install runs the interpreter as soon as it can start (and the download is
    verified), with its home given (:func:`pyv.interpreter.start_probe`), so it need
    not wait for os.py, the file a CPython finds its home by: in a 3.12 that comes at
    57 MB of 68, the encodings and io at 37. If it started too soon, it runs again
    later.
    """
    for top in _TOPS:
        if name.startswith(top + "/"):
            rest = name[len(top) + 1 :]
            break
    else:
        return None
    lib = rest.startswith("lib/python") and rest.endswith(_STARTING)
    if not (rest.startswith("bin/") or lib):
        return None
    found = seen.setdefault(top, set())
    if rest == "bin/python3" and link and "/" not in link:
        found.add("link:" + link)  # the interpreter it names must be written too
    found.add(rest)
    wants = {"bin/python3"} | {f"bin/{n[5:]}" for n in found if n.startswith("link:")}
    if wants <= found and _started_lib(found) is not None:
        return top
    return None


def _started_lib(found: set[str]) -> str | None:
    """The lib/pythonX.Y among ``found`` (names under an interpreter folder) that holds
    every module a CPython reads to start (``_STARTING``); None if none does yet."""
    for name in found:
        if name.endswith(_STARTING[0]):
            lib = name[: -len(_STARTING[0])]
            if all(lib + module in found for module in _STARTING):
                return lib
    return None


# What a CPython reads from its standard library to start with -S and its script on
# stdin, relative to lib/pythonX.Y: the encodings (latin_1 too, for 3.8 and 3.9), and
# abc, codecs and io, which 3.11 and later have frozen in but 3.8 to 3.10 read. (With
# -c, 3.13 also reads linecache, which comes just before os.py.)
_STARTING = (
    "/encodings/__init__.py",
    "/encodings/aliases.py",
    "/encodings/utf_8.py",
    "/encodings/latin_1.py",
    "/abc.py",
    "/codecs.py",
    "/io.py",
)


def finds_its_home(top: str, seen: dict[str, set[str]], names: set[str]) -> bool:
    """Whether the files written (``names``) give the interpreter in ``top``, whose
    start :func:`landmarks` saw in ``seen``, the file it finds its home by:
    lib/pythonX.Y/os.py. A probe that was given its home cannot tell."""
    lib = _started_lib(seen.get(top, set()))
    return lib is not None and f"{top}/{lib}/os.py" in names


def _top(raw: str) -> str | None:
    """The archive's interpreter folder (python/install or python), if it has one."""
    real_raw = os.path.realpath(raw)
    for top in _TOPS:
        source = os.path.join(raw, top)
        if os.path.lexists(source) and os.path.realpath(source) != os.path.join(real_raw, top):
            # python/ itself a link: its "contents" are some folder outside the archive.
            raise ArchiveError(f"unsafe member in archive (a link as the top folder): {top}")
        if os.path.isdir(os.path.join(source, "bin")):
            return top
    return None


def _wanted(name: str) -> bool:
    return (name == "python" or name.startswith("python/")) and not name.startswith("python/build/")


# python-build-standalone builds with prefix /install; these files carry it, as a path
# of its own or in a compiler flag (-I/install/include, -L/install/lib), never inside
# another path (/tools/install) or name (/installer). The literal comes first, and the
# lookbehinds after it: the regex engine then searches for the literal, about 40 times
# faster than trying the lookbehinds at every byte (9 ms for a CPython's files).
_PLACEHOLDER = re.compile(
    rb"/install(?:(?<![\w./-]/install)|(?<=-[IL]/install))(?=[/'\"\s:;]|$)", re.MULTILINE
)


def with_prefix(data: bytes, prefix: str) -> bytes:
    """``data`` (a file's bytes) with python-build-standalone's ``/install`` prefix
    rewritten to ``prefix``."""
    new = os.fsencode(prefix)
    return _PLACEHOLDER.sub(lambda _: new, data)  # a function: a backslash is no escape


def finish(staged: str, prefix: str, written: Iterable[str] | None = None) -> None:
    """Make an extracted build work at ``prefix``: placeholders, and a ``python`` command.
    ``written``: the names of the files unpacked, relative to ``staged``, if known (the
    unpacking said them as it wrote them: 1 ms sooner); else the folders are read."""
    found = _placeholder_files(staged) if written is None else _placeholders_in(staged, written)
    for path in found:
        with open(path, "rb") as f:
            data = f.read()
        fixed = with_prefix(data, prefix)
        if fixed != data:
            with open(path, "wb") as f:
                f.write(fixed)
    bin_dir = os.path.join(staged, "bin")
    for alias, target in (("python", "python3"), ("pip", "pip3")):
        if not os.path.lexists(os.path.join(bin_dir, alias)) and os.path.exists(
            os.path.join(bin_dir, target)
        ):
            os.symlink(target, os.path.join(bin_dir, alias))


def _names_to_look_at(staged: str) -> Iterator[str]:
    """The names, relative to ``staged``, of what is in bin/, and in lib/ down to two
    folders below it (not the test suite's thousands of files)."""
    lib = os.path.join(staged, "lib")
    for folder, folders, files in os.walk(lib):
        below = folder[len(staged) + 1 :].replace(os.sep, "/")
        if below.count("/") == 2:
            folders.clear()
        yield from (f"{below}/{file}" for file in files)
    bin_dir = os.path.join(staged, "bin")
    if os.path.isdir(bin_dir):
        yield from (f"bin/{file}" for file in os.listdir(bin_dir))


def _placeholder_files(staged: str) -> Iterator[str]:
    """The files in ``staged`` that carry the build's prefix (see _placeholders_in)."""
    return _placeholders_in(staged, _names_to_look_at(staged))


def _placeholders_in(staged: str, names: Iterable[str]) -> Iterator[str]:
    """The paths of the files among ``names`` (relative to ``staged``) that carry the
    build's prefix: sysconfig data, pkg-config files and Makefiles in lib/ down to
    lib/python3.12/config-3.12-*/Makefile, and ``*-config`` scripts in bin/."""
    for name in names:
        folder, _, file = name.rpartition("/")
        path = os.path.join(staged, name)
        if folder == "lib" or (folder.startswith("lib/") and folder.count("/") <= 2):
            if _carries_prefix(file) and os.path.isfile(path):
                yield path
        elif folder == "bin" and _config_script(path):
            yield path


def _carries_prefix(file: str) -> bool:
    """Whether a file called ``file`` is one of those that carry the build's prefix."""
    return (
        (file.startswith("_sysconfigdata") and file.endswith(".py"))
        or file.startswith("_sysconfig_vars")
        or file.endswith(".pc")
        or file == "Makefile"
    )


def _config_script(path: str) -> bool:
    """Whether ``path`` is a ``*-config`` script (a file, not a link to one)."""
    return path.endswith("-config") and os.path.isfile(path) and not os.path.islink(path)
