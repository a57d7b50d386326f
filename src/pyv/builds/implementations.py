"""PyPy's and GraalPy's archives: their top folder, and the names their bin needs.

Upstream archives keep everything in one top folder named after the release
(``pypy3.10-v7.3.17-linux64/``, ``graalpy-25.0.1-linux-amd64/``), compressed with
bzip2 (PyPy's older releases) or gzip. The folder becomes the installation; its
``bin`` then gets the names a user and tox expect: ``python``, ``python3``,
``python3.X``, ``pip``, ``pip3``, ``pip3.X``, and the implementation's own (``pypy``,
``pypy3``, ``pypy3.X``; ``graalpy``), each a relative link to whichever exists.
Where the archive has no pip, ``ensurepip`` brings it (no network needed).
"""

from __future__ import annotations

import os
import subprocess
from typing import IO

from pyv.builds.archive import ArchiveError, check_links, move_up, reading, unpack
from pyv.errors import PyvError


def extract(archive: str, dest: str, implementation: str, source: IO[bytes] | None = None) -> None:
    """Unpack the release in ``archive`` into the empty folder ``dest`` (its top folder's
    contents become ``dest``'s), with the safe reader's rules; from ``source`` (the
    archive's bytes as they arrive) if given, else from the file."""
    raw = os.path.join(dest, ".raw")
    os.mkdir(raw)
    filename = os.path.basename(archive)
    with reading(archive, source) as stream:
        links = unpack(stream, raw, lambda name: True)
        top = find_top(raw, filename)
        check_links(raw, top, links)
    folder = os.path.join(raw, top)
    if not os.path.isdir(os.path.join(folder, "bin")):
        raise ArchiveError(f"{filename} has no {top}/bin: not a {implementation} release")
    move_up(folder, dest, raw)


def find_top(raw: str, filename: str) -> str:
    """The archive's one top folder (a real folder, not a link)."""
    entries = [e for e in os.listdir(raw) if e not in ("pax_global_header",)]
    if len(entries) != 1:
        listed = ", ".join(sorted(entries)[:3]) or "nothing"
        raise ArchiveError(f"not one top folder but {listed}")
    top = entries[0]
    path = os.path.join(raw, top)
    if os.path.islink(path) or not os.path.isdir(path):
        raise ArchiveError(f"unsafe member in archive (the top folder is not a folder): {top}")
    return top


def normalise_bin(prefix: str, implementation: str, python: tuple[int, int]) -> None:
    """Give ``prefix/bin`` every usual name that it lacks, linked to one that it has."""
    major, minor = python
    bin_dir = os.path.join(prefix, "bin")
    own = [f"{implementation}{major}.{minor}", f"{implementation}{major}", implementation]
    pythons = [f"python{major}.{minor}", f"python{major}", "python"]
    pips = [f"pip{major}.{minor}", f"pip{major}", "pip"]
    for family in ([*own, *pythons], pips):
        present = [n for n in family if _runnable(os.path.join(bin_dir, n))]
        if not present:
            continue
        for name in family:
            path = os.path.join(bin_dir, name)
            if not os.path.lexists(path):
                os.symlink(present[0], path)


def ensure_pip(python: str, what: str = "") -> None:
    """Install pip with ``ensurepip`` where ``python`` cannot import it; a failure names
    ``what`` (the archive: ``python`` is in a scratch folder that is about to go)."""
    has_pip = subprocess.run(
        [python, "-c", "import pip"], capture_output=True, stdin=subprocess.DEVNULL, check=False
    )
    if has_pip.returncode == 0:
        return
    done = subprocess.run(
        [python, "-m", "ensurepip", "--default-pip"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PyvError(f"{what or python} has no pip, and ensurepip failed: {last}")


def relocate_scripts(bin_dir: str, old: str, new: str) -> None:
    """Point the scripts in ``bin_dir`` whose first lines name ``old`` (ensurepip ran in
    the scratch folder) at ``new``, the folder they will live in."""
    before = old.encode()
    for entry in os.scandir(bin_dir):
        if entry.is_symlink() or not entry.is_file():
            continue
        with open(entry.path, "rb") as f:
            head = f.read(2)
            if head != b"#!":
                continue
            text = head + f.read()
        if before in text:
            with open(entry.path, "wb") as f:
                f.write(text.replace(before, new.encode()))


def _runnable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)
