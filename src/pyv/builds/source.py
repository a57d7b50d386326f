"""Build a python.org source release: configure, make, install into scratch, verify.

Where no prebuilt build fits (3.11.2, every 2.x and 3.0 to 3.7 release) or ``--build``
asks for it, pyv compiles the release itself. All of it happens in a scratch folder on
the root's file system:

1. unpack the verified tarball (pyv's safe tar reader), apply ``--patch`` files;
2. ``./configure --prefix=<the final folder> --enable-shared`` with libpython found
   through an ``$ORIGIN``-relative rpath, so the result links nothing outside itself
   but system libraries; the user's ``PYV_CONFIGURE_OPTS`` and pyenv's
   ``PYTHON_CONFIGURE_OPTS`` / ``CONFIGURE_OPTS`` come last, so they win;
3. ``make -jN`` (N = cores; ``PYV_MAKE_OPTS``, ``MAKE_OPTS``), then
   ``make install DESTDIR=...``, which also runs ``ensurepip``;
4. the new interpreter must import ssl, ctypes, sqlite3, bz2, lzma, zlib and readline:
   a missing one fails the build, naming its ``-dev`` package, unless forced.

The caller (pyv.install) then treats the folder as it treats an unpacked prebuilt
build: probe, receipt, rename into ``versions/``, aliases, shims. Every line the build
prints goes to a log kept in the cache; a failure shows its last 20 lines and its path.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pyv.errors import PyvError, say

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packaging.version import Version

    from pyv.request import PythonRequest

UPSTREAM = "https://www.python.org/ftp/python"
MIRROR_VAR = "PYV_SOURCE_MIRROR"
SOURCES_VAR = "PYV_SOURCES"  # a file in sources.json's format, instead of the shipped one
KINDS = ("tar.xz", "tgz")  # the smaller first; a mirror may hold only one of them
CHECKED = ("ssl", "ctypes", "sqlite3", "bz2", "lzma", "zlib", "readline")
_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")

Progress = Callable[[str, "float | None"], None]  # (phase, percent or None)


class BuildError(PyvError):
    """A source build that failed; the log's path is in the message."""


@dataclass(frozen=True)
class Tarball:
    """One tarball of a release: ``tgz`` or ``tar.xz``."""

    kind: str
    url: str
    sha256: str

    @property
    def filename(self) -> str:
        """The tarball's file name, as python.org calls it."""
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Release:
    """A CPython source release on python.org."""

    version: str  # 3.11.2, 3.13.0rc1
    tarballs: tuple[Tarball, ...]

    def tarball(self, kind: str) -> Tarball | None:
        """The tarball of ``kind``, if the release has one."""
        return next((t for t in self.tarballs if t.kind == kind), None)


@dataclass(frozen=True)
class SourceBuild:
    """A release to build, with the variant asked for: what ``pyv install`` plans."""

    name: str  # the installation name: 3.11.2, 3.13.1t
    version: Version
    variant: str  # "", "t", "d", "td"
    release: Release
    asked: bool = False  # --build asked for it; otherwise no prebuilt build fits
    from_source = True  # not a prebuilt archive (catalog.Build)

    @property
    def release_tuple(self) -> tuple[int, ...]:
        """(major, minor, micro)."""
        return tuple(self.version.release)


def candidates(known: list[Release], request: PythonRequest) -> list[SourceBuild]:
    """The builds of ``known`` releases that satisfy ``request``, newest first.

    Free-threaded builds exist from 3.13 on (``--disable-gil``); debug builds always.
    """
    from packaging.version import InvalidVersion
    from packaging.version import Version as _Version

    found = []
    variant = request.variant
    for release in known:
        try:
            version = _Version(release.version)
        except InvalidVersion:
            continue
        if "t" in variant and version.release[:2] < (3, 13):
            continue
        if request.matches(version, variant):
            found.append(SourceBuild(f"{version}{variant}", version, variant, release))
    return sorted(found, key=lambda b: b.version, reverse=True)


def releases(path: str | None = None) -> list[Release]:
    """The source releases pyv knows: ``path`` (PYV_SOURCES), else the shipped list
    (``pyv/data/sources.json``, made by scripts/gen-sources)."""
    where = path or os.path.join(_DATA, "sources.json")
    try:
        with open(where, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise PyvError(f"cannot read the source releases {where}: {e.strerror}") from None
    except (ValueError, RecursionError):
        raise PyvError(f"the source releases {where} are not valid JSON") from None
    if not isinstance(data, dict):
        raise PyvError(f"the source releases {where} are not a JSON object")
    found = []
    for version, kinds in (data.get("releases") or {}).items():
        if not isinstance(kinds, dict):
            continue
        tarballs = tuple(
            Tarball(kind, str(entry["url"]), str(entry["sha256"]).lower())
            for kind, entry in sorted(kinds.items())
            if kind in KINDS
            and isinstance(entry, dict)
            and isinstance(entry.get("url"), str)
            and re.fullmatch(r"[0-9a-fA-F]{64}", str(entry.get("sha256", "")))
        )
        if tarballs:
            found.append(Release(version, tarballs))
    return found


def url_for(tarball: Tarball, environ: Mapping[str, str]) -> str:
    """The tarball's URL, under ``PYV_SOURCE_MIRROR`` when that is set."""
    mirror = environ.get(MIRROR_VAR, "").rstrip("/")
    if mirror and tarball.url.startswith(UPSTREAM + "/"):
        return mirror + tarball.url[len(UPSTREAM) :]
    return tarball.url


def unpack(tarball: str, dest: str, version: str) -> str:
    """Unpack a verified source tarball into the empty folder ``dest``; the tree's path.

    Only ``Python-VERSION/`` is kept, with pyv's safe tar reader's rules.
    """
    from pyv.builds import archive

    top = f"Python-{version}"
    filename = os.path.basename(tarball)
    with archive.reading(tarball) as stream:  # a full disk: named by diskspace.unpacking
        links = archive.unpack(stream, dest, lambda n: n == top or n.startswith(top + "/"))
    tree = os.path.join(dest, top)
    if not os.path.isfile(os.path.join(tree, "configure")):
        raise archive.ArchiveError(f"{filename} has no {top}/configure: not a CPython source")
    archive.check_links(dest, top, links)
    return tree


def apply_patches(tree: str, patches: list[str], log: str) -> None:
    """Apply each patch file to the source tree, as ``patch -p1`` does."""
    for patch in patches:
        with open(patch, "rb") as f, open(log, "ab") as out:
            out.write(f"\n$ patch -p1 < {patch}\n".encode())
            out.flush()
            done = subprocess.run(
                ["patch", "-p1", "--force", "--no-backup-if-mismatch"],
                cwd=tree,
                stdin=f,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            raise BuildError(f"{patch} does not apply to {os.path.basename(tree)}; see {log}")


# -- configure and make ------------------------------------------------------------------


def configure_args(
    version: tuple[int, ...],
    variant: str,
    prefix: str,
    environ: Mapping[str, str],
    *,
    platform: str = sys.platform,
) -> list[str]:
    """``./configure``'s arguments: pyv's, then the user's (which win)."""
    args = [f"--prefix={prefix}", "--enable-shared"]
    # make turns $$ into $, and the shell running the link turns \$ORIGIN into $ORIGIN.
    args.append("LDFLAGS=-Wl,-rpath,\\$$ORIGIN/../lib " + environ.get("LDFLAGS", ""))
    if (2, 7, 9) <= version < (3,):
        args.append("--with-ensurepip=upgrade")  # 2.7's default is no pip; 3.4's is this
    if version < (3, 3) and platform != "darwin":
        # What Linux distributions and pyenv build: manylinux's cp27mu wheels need it.
        args.append("--enable-unicode=ucs4")
    if "t" in variant and version >= (3, 13):
        args.append("--disable-gil")
    if "d" in variant:
        args.append("--with-pydebug")
    for name in ("CONFIGURE_OPTS", "PYTHON_CONFIGURE_OPTS", "PYV_CONFIGURE_OPTS"):
        args += _words(environ, name)
    return args


def make_args(environ: Mapping[str, str]) -> list[str]:
    """``make``'s own arguments from pyenv's ``MAKE_OPTS`` and ``PYV_MAKE_OPTS``."""
    args = _words(environ, "MAKE_OPTS") + _words(environ, "PYV_MAKE_OPTS")
    if not any(a.startswith("-j") for a in args):
        args.insert(0, f"-j{os.cpu_count() or 1}")
    return args


def _words(environ: Mapping[str, str], name: str) -> list[str]:
    try:
        return shlex.split(environ.get(name, ""))
    except ValueError as e:
        raise PyvError(f"{name} cannot be read as shell words: {e}") from None


@dataclass
class Build:
    """One build in a scratch folder: the source ``tree``, installed into ``dest``."""

    name: str  # what the user asked for and gets: 3.11.2, 3.13.1t
    tree: str
    dest: str
    log: str
    progress: Progress

    def run(
        self,
        configure: list[str],
        make: list[str],
        environ: Mapping[str, str],
    ) -> None:
        """configure, make, make install; a failure raises BuildError."""
        self._step("configure", ["./configure", *configure], environ)
        total = _sources(self.tree)
        self._step("compile", ["make", *make], environ, total=total)
        install = ["make", *[a for a in make if not a.startswith("-j")], "install"]
        self._step("install", [*install, f"DESTDIR={self.dest}"], environ)

    def _step(
        self, phase: str, argv: list[str], environ: Mapping[str, str], *, total: int = 0
    ) -> None:
        self.progress(phase, 0.0 if total else None)
        compiled = 0
        # Line by line: the log can be followed as the build goes, and a kill loses none.
        with open(self.log, "a", encoding="utf-8", errors="replace", buffering=1) as log:
            log.write(f"\n$ {shlex.join(argv)}\n")
            try:
                process = subprocess.Popen(
                    argv,
                    cwd=self.tree,
                    env=dict(environ),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    errors="replace",
                    # the child only makes one system call: no lock it could wait on
                    preexec_fn=_die_with_parent(),  # noqa: PLW1509
                )
            except OSError as e:
                raise BuildError(f"building {self.name}: cannot run {argv[0]}: {e}") from None
            with process:
                assert process.stdout is not None
                for line in process.stdout:
                    log.write(line)
                    if total and _COMPILING.search(line):
                        compiled += 1
                        self.progress(phase, min(99.0, 100.0 * compiled / total))
                status = process.wait()
        if status != 0:
            tail = _tail(self.log, 20)
            for line in tail:
                say(f"  | {line.expandtabs()}")  # above the progress lines, escaped
            step = {"configure": "./configure", "compile": "make"}.get(phase, f"make {phase}")
            raise BuildError(
                f"building {self.name} failed in `{step}' (exit {status}); full log: {self.log}"
            )


# a compiler run on a C file: `gcc ... -c Objects/listobject.c -o Objects/listobject.o`
_COMPILING = re.compile(r"(?:^|\s)-c\s+\S+\.c\b|\s-o\s+\S+\.o\b")


def _sources(tree: str) -> int:
    """How many C files a build compiles, roughly: those of the interpreter's own folders."""
    count = 0
    for folder in ("Modules", "Objects", "Python", "Parser", "Programs"):
        for _, _, files in os.walk(os.path.join(tree, folder)):
            count += sum(1 for f in files if f.endswith(".c"))
    return max(count, 1)


def _tail(path: str, lines: int) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n") for line in f.readlines()[-lines:]]
    except OSError:
        return []


def _die_with_parent() -> Callable[[], None] | None:
    """For the child: be killed when pyv dies, so a killed install leaves no build running.

    Linux only (prctl's PR_SET_PDEATHSIG); prepared here, in the parent, so the child
    imports nothing between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigkill = 1, 9
    return lambda: prctl(pr_set_pdeathsig, sigkill)


def log_path(cache: str, name: str) -> str:
    """A new log file for building ``name``, kept in the cache's ``logs`` folder."""
    folder = os.path.join(cache, "logs")
    os.makedirs(folder, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return os.path.join(folder, f"build-{name}-{stamp}-{os.getpid()}.log")


# -- after make install ------------------------------------------------------------------

_CHECK = """
import sys
missing = []
for name in sys.argv[1:]:
    try:
        __import__(name)
    except Exception:
        missing.append(name)
sys.stdout.write(" ".join(missing) + "\\n")
"""


def missing_modules(python: str, version: tuple[int, ...]) -> list[str]:
    """The modules of CHECKED that ``python`` cannot import (lzma only from 3.3 on)."""
    wanted = [m for m in CHECKED if m != "lzma" or version >= (3, 3)]
    done = subprocess.run(
        [python, "-E", "-s", "-c", _CHECK, *wanted],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BuildError(f"the new interpreter does not start: {done.stderr.strip()[-200:]}")
    return done.stdout.split()


def finish_bin(bin_dir: str, version: tuple[int, ...]) -> None:
    """Make sure ``python``, ``python3`` and ``pip`` exist, as in a prebuilt build."""
    major, minor = version[:2]
    wanted = {
        "python": f"python{major}.{minor}",
        f"python{major}": f"python{major}.{minor}",
        "pip": f"pip{major}",
    }
    for alias, target in wanted.items():
        if not os.path.lexists(os.path.join(bin_dir, alias)) and os.path.exists(
            os.path.join(bin_dir, target)
        ):
            os.symlink(target, os.path.join(bin_dir, alias))
