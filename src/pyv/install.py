"""One install, from start to finish, never half-done.

1. download.fetch: the archive in the cache, its sha256 checked (no lock held, so
   several downloads can run at once);
2. under the registry lock, in a scratch folder on the same filesystem as versions/:
   extract safely (no absolute paths, no ``..``, no links out, no devices), keep the
   archive's ``python/`` (or ``python/install/``) folder, rewrite
   python-build-standalone's ``/install`` placeholder to the real prefix, run the
   interpreter and check its version, write the receipt last;
3. one rename into ``versions/<name>``, then alias links and shims are brought up to date.

A kill at any moment leaves a scratch folder, which the next lock holder removes,
and versions/ as it was.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tarfile
from collections.abc import Iterator, Mapping
from typing import IO, Any

from pyv import download, link, registry
from pyv.catalog import Build
from pyv.errors import PyvError
from pyv.paths import Layout

try:
    from isal import igzip_threaded as _igzip
except ImportError:  # no wheel for this platform: the standard library's zlib
    _igzip = None  # type: ignore[assignment,unused-ignore]


class _TarFile(tarfile.TarFile):
    """Files belong to whoever installs, never to the uid and gid the archive names."""

    def chown(self, *args: Any, **kwargs: Any) -> None:
        pass


class ArchiveError(PyvError):
    """An archive that is corrupt, truncated, unsafe or not a Python build."""


def install(
    layout: Layout,
    build: Build,
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    progress: Any = None,
) -> bool:
    """Install ``build``; False if it was installed already (and not ``force``)."""
    if not force and build.name in registry.names(layout):
        return False
    archive = download.fetch(
        build.url,
        build.sha256,
        cache=layout.cache,
        environ=environ,
        offline=offline,
        progress=progress,
    )
    receipt = {
        "name": build.name,
        "implementation": "cpython",
        "source": "download",
        "url": build.url,
        "sha256": build.sha256,
        "release": build.tag,
    }
    return install_archive(layout, archive, build.name, receipt, force=force)


def install_archive(
    layout: Layout, archive: str, name: str, receipt: dict[str, Any], *, force: bool = False
) -> bool:
    """Install a verified archive as ``name`` (under the lock; see the module docstring)."""
    with registry.lock(layout):
        if name in registry.names(layout) and not force:
            return False
        staged = registry.scratch_dir(layout, "install")
        prefix = os.path.join(layout.versions, name)
        extract(archive, staged)
        finish(staged, prefix)
        found = link.inspect(os.path.join(staged, "bin", "python3"))
        if found.name != name.partition("+")[0]:
            raise ArchiveError(f"the archive holds Python {found.name}, not {name}")
        registry.write_receipt(staged, receipt)
        if name in registry.names(layout):
            registry.remove(layout, name)  # --force: the old one goes just before the new arrives
        registry.commit(layout, staged, name)
    return True


def install_unnamed(
    layout: Layout, archive: str, receipt: dict[str, Any], *, force: bool = False
) -> tuple[str, bool]:
    """Install an archive whose version is learnt by running it (``--from``)."""
    with registry.lock(layout):
        probe = registry.scratch_dir(layout, "probe")
        extract(archive, probe)
        name = link.inspect(os.path.join(probe, "bin", "python3")).name
        shutil.rmtree(probe)
    return name, install_archive(layout, archive, name, {**receipt, "name": name}, force=force)


# -- what to install ---------------------------------------------------------------------


def choose(here: list[Build], texts: list[str], platform: str) -> list[Build]:
    """The newest build on this platform for each request; an error for one with none."""
    from pyv.catalog import best_match
    from pyv.errors import UsageError
    from pyv.request import parse

    chosen = []
    for text in texts:
        request = parse(text)
        if request.kind == "system":
            raise UsageError("`system' is not something pyv installs")
        build = best_match(here, request)
        if build is None:
            raise PyvError(
                f"no build of Python `{text}' for {platform}", hint="see `pyv install --list'"
            )
        chosen.append(build)
    return list({b.name: b for b in chosen}.values())


def upgrades(
    layout: Layout, here: list[Build], minors: list[str] | None
) -> tuple[list[Build], list[str]]:
    """For each minor (default: every installed one), its newest build if it is newer."""
    from pyv.catalog import best_match
    from pyv.request import parse

    if minors:
        lines = [str(parse(m)) for m in minors]
    else:
        lines = sorted(
            {
                f"{v.release[0]}.{v.release[1]}{i.request.variant}"
                for i in registry.installations(layout)
                if (v := i.request.version) is not None and v.pre is None
            }
        )
    builds, notes = [], []
    for line in lines:
        request = parse(line)
        newest = best_match(here, request)
        have = registry.find(layout, request)
        if newest is None:
            notes.append(f"{line}: no build for this platform")
        elif have is not None and have.request.version and have.request.version >= newest.version:
            notes.append(f"{line}: {have.name} is the newest")
        else:
            builds.append(newest)
    return builds, notes


def install_many(
    layout: Layout,
    builds: list[Build],
    *,
    environ: Mapping[str, str],
    force: bool = False,
    offline: bool = False,
    jobs: int = 4,
    progress_for: Any = None,
) -> Iterator[tuple[Build, bool | PyvError]]:
    """Install several builds, downloading ``jobs`` at once; yield each outcome in order.

    ``progress_for(name, position)`` makes the progress callback of one download.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(numbered: tuple[int, Build]) -> tuple[Build, bool | PyvError]:
        position, build = numbered
        progress = progress_for(build.name, position) if progress_for else None
        try:
            new = install(
                layout, build, environ=environ, force=force, offline=offline, progress=progress
            )
        except PyvError as e:
            return build, e
        return build, new

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(builds)))) as pool:
        yield from pool.map(one, enumerate(builds))


def checked_archive(path: str, sha256: str | None) -> str:
    """The sha256 of a local archive, which must match ``sha256`` if one is given."""
    if not os.path.isfile(path):
        raise PyvError(f"no such archive: {path}")
    actual = download.file_sha256(path)
    if sha256 and sha256.lower() != actual:
        raise PyvError(f"sha256 mismatch for {path}: expected {sha256.lower()}, got {actual}")
    return actual


# -- extraction ----------------------------------------------------------------------------

_TOPS = ("python/install/", "python/")  # a full archive's interpreter, an install_only one


def extract(archive: str, dest: str) -> None:
    """Unpack the interpreter of ``archive`` into the empty folder ``dest``."""
    raw = os.path.join(dest, ".raw")
    os.mkdir(raw)
    try:
        with _open(archive) as tar:
            tar.extractall(raw, members=_safe_members(tar, raw), **_filter_kwargs())
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        if isinstance(e, OSError) and e.errno in (28, 122):  # ENOSPC, EDQUOT: say so plainly
            raise PyvError(f"no space left to unpack {os.path.basename(archive)}") from None
        raise ArchiveError(f"{os.path.basename(archive)} is corrupt or truncated: {e}") from None
    for top in _TOPS:
        source = os.path.join(raw, top)
        if os.path.isdir(os.path.join(source, "bin")):
            for entry in os.listdir(source):
                os.rename(os.path.join(source, entry), os.path.join(dest, entry))
            shutil.rmtree(raw)
            return
    raise ArchiveError(
        f"{os.path.basename(archive)} has no python/bin: not a python-build-standalone archive"
    )


@contextlib.contextmanager
def _open(archive: str) -> Iterator[tarfile.TarFile]:
    """The archive as a stream of members: one pass, nothing held in memory."""
    if archive.endswith((".tar.zst", ".tzst")):
        with _zstd_reader(archive) as stream, _TarFile.open(fileobj=stream, mode="r|") as tar:
            yield tar
    elif archive.endswith((".tar.gz", ".tgz")) and _igzip is not None:
        # ISA-L inflates about twice as fast as zlib, and in its own thread here, while
        # this one writes files: 0.22 -> 0.15 s for a 26 MB archive.
        stream = _igzip.open(archive, "rb", threads=1)  # type: ignore[no-untyped-call]
        with stream, _TarFile.open(fileobj=stream, mode="r|") as tar:
            yield tar
    else:
        with _TarFile.open(archive, mode="r|*") as tar:
            yield tar


def _zstd_reader(archive: str) -> IO[bytes]:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]

        return zstd.open(archive, "rb")  # type: ignore[no-any-return]
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise PyvError(
            f"{os.path.basename(archive)} is zstd-compressed: install the zstandard package"
        ) from None
    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(
        open(archive, "rb"),  # noqa: SIM115 (the reader closes it: closefd)
        closefd=True,
    )
    return reader


def _filter_kwargs() -> dict[str, Any]:
    # tarfile's own "data" filter where this Python has it; _safe_members checks anyway.
    return {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _safe_members(tar: tarfile.TarFile, root: str) -> Iterator[tarfile.TarInfo]:
    """The members to unpack, each checked; one unsafe member stops everything."""
    checker = _Checker(os.path.realpath(root))
    for member in tar:
        checker.check(member)
        name = member.name
        if name.startswith("python/") and not name.startswith("python/build/"):
            yield member  # not python/build/: the bulk of a full archive, not needed to run


class _Checker:
    """No absolute paths, no ``..``, no links out of ``root``, no devices or fifos.

    A link is checked against the real file system as it stands when the link is
    unpacked; a file only needs its folder checked, and folders are remembered until
    the next link member (which could turn a folder into a way out).
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.safe_folders: set[str] = set()

    def check(self, member: tarfile.TarInfo) -> None:
        name = member.name
        if name.startswith("/") or os.path.isabs(name) or ".." in name.split("/"):
            raise ArchiveError(f"unsafe path in archive: {name}")
        if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
            raise ArchiveError(f"unsafe member in archive (device or fifo): {name}")
        self._inside(os.path.dirname(os.path.join(self.root, name)), name)
        if member.issym() or member.islnk():
            self.safe_folders.clear()
            target = member.linkname
            base = os.path.dirname(os.path.join(self.root, name)) if member.issym() else self.root
            resolved = os.path.realpath(os.path.join(base, target))
            if os.path.isabs(target) or not self._contains(resolved):
                raise ArchiveError(f"link out of the archive: {name} -> {target}")

    def _inside(self, folder: str, name: str) -> None:
        if folder in self.safe_folders:
            return
        if not self._contains(os.path.realpath(folder)):
            raise ArchiveError(f"unsafe path in archive: {name}")
        self.safe_folders.add(folder)

    def _contains(self, path: str) -> bool:
        return path == self.root or path.startswith(self.root + os.sep)


# -- finishing ---------------------------------------------------------------------------

# python-build-standalone builds with prefix /install; these files carry it.
_PLACEHOLDER = re.compile(rb"(?<![\w./-])/install(?=[/'\"\s:;]|$)", re.MULTILINE)


def finish(staged: str, prefix: str) -> None:
    """Make an extracted build work at ``prefix``: placeholders, and a ``python`` command."""
    for path in _placeholder_files(staged):
        with open(path, "rb") as f:
            data = f.read()
        fixed = _PLACEHOLDER.sub(prefix.encode(), data)
        if fixed != data:
            with open(path, "wb") as f:
                f.write(fixed)
    bin_dir = os.path.join(staged, "bin")
    for alias, target in (("python", "python3"), ("pip", "pip3")):
        if not os.path.lexists(os.path.join(bin_dir, alias)) and os.path.exists(
            os.path.join(bin_dir, target)
        ):
            os.symlink(target, os.path.join(bin_dir, alias))


def _placeholder_files(staged: str) -> Iterator[str]:
    lib = os.path.join(staged, "lib")
    for folder, _, files in os.walk(lib):
        depth = folder[len(lib) :].count(os.sep)
        if depth > 2:
            continue
        for file in files:
            if (
                (file.startswith("_sysconfigdata") and file.endswith(".py"))
                or file.startswith("_sysconfig_vars")
                or file.endswith(".pc")
                or file == "Makefile"
            ):
                yield os.path.join(folder, file)
    bin_dir = os.path.join(staged, "bin")
    if os.path.isdir(bin_dir):
        for file in os.listdir(bin_dir):
            path = os.path.join(bin_dir, file)
            if file.endswith("-config") and os.path.isfile(path) and not os.path.islink(path):
                yield path
