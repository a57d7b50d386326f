"""Unpacking a verified archive: safely, in one pass, and without tarfile's overhead.

``pyv install`` spends most of its time here. tarfile costs about 100 µs a member in
pure Python (1,500 members in a CPython build). This reader parses the headers itself,
writes each file with one ``os.open``/``os.write``/``os.close``, and leaves inflating to
ISA-L in a thread of its own. For a 26 MB archive that is about 2.5x faster.

It reads ustar, GNU (long names and links, base-256 numbers) and pax (path, linkpath,
size, mtime) headers, compressed with gzip, zstd, xz or bzip2, or not at all (told
apart by their first bytes, not by the file name). The rules are those of tarfile's
``data`` filter, plus a few of its own:

- no absolute names, no ``..``, no devices, fifos or sparse files, anywhere in the
  archive (even in members that are not unpacked);
- nothing is written through a symlink: a member's folder must be a real folder
  inside the destination (each folder is checked once, as it is made or first met),
  and files are created with ``O_EXCL | O_NOFOLLOW``;
- a symlink must not be absolute, and must resolve inside the kept folder once
  everything is unpacked (checked then, because later members can change where a
  relative link leads; until then nothing is written through a link anyway). The kept
  folder becomes the installation folder, so a link is resolved as if that folder
  were all there is: climbing above it is out, even on a way that comes back in;
- a hard link must name a regular file unpacked before it;
- a later member may replace an earlier regular file, and nothing else;
- modes lose setuid, setgid, sticky and group/other write bits, the owner can always
  read and write, and the umask applies (as GNU tar does for ordinary users); files
  belong to whoever unpacks them; file mtimes are kept (``.pyc`` files depend on them).

Every message names the archive by its file name and a member by its name in the
archive, never by the scratch folder it was being unpacked into.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import struct
import zlib
from collections.abc import Callable, Iterator

from pyv.errors import PyvError

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing takes 3.5 ms to import, before the download could start
    from typing import IO, Any


class ArchiveError(PyvError):
    """An archive that is corrupt, truncated, unsafe or not a Python build."""


BLOCK = 512
CHUNK = 1 << 20
_END = bytes(BLOCK)
_FILE_TYPES = (b"0", b"\0", b"7")  # regular, old regular, contiguous (a regular file)
_META_TYPES = (b"x", b"g", b"L", b"K")  # pax header, pax global header, GNU long name, link
_KNOWN_TYPES = (*_FILE_TYPES, b"1", b"2", b"5")  # and hard link, symlink, folder
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_CREATE |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_UTIME_FD = os.utime in os.supports_fd
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_MAX_HOPS = 40  # symlinks followed to resolve one name, as Linux allows
_SPARSE = "\0sparse"  # a key no pax record has: the member is a sparse file


def unpack(
    stream: IO[bytes],
    root: str,
    keep: Callable[[str], bool],
    written: Callable[[str, str], None] | None = None,
) -> list[str]:
    """Unpack the members of the tar ``stream`` that ``keep`` accepts into ``root``,
    calling ``written(name, link target or "")`` as each file or link is complete.

    ``root`` must be an empty folder. Every member is checked, kept or not. Returns
    the symlinks made, for ``check_links`` (where a relative link leads is only known
    once everything is unpacked). Raises ArchiveError for an unsafe member or one that
    cannot be written, EOFError or ValueError for a damaged archive, OSError for a full
    disk.
    """
    unpacker = _Unpacker(stream, os.path.realpath(root), keep)
    unpacker.written = written
    unpacker.run()
    return unpacker.links


def check_links(root: str, top: str, links: list[str]) -> None:
    """Every symlink in ``links`` (names relative to ``root``) under ``top`` resolves in
    ``top`` without climbing above it (``top`` is to become the installation folder)."""
    base = os.path.join(root, top)
    for name in links:
        if name.startswith(top + "/") and not _stays_in(base, name[len(top) + 1 :]):
            target = os.readlink(os.path.join(root, name))
            raise ArchiveError(f"link out of {top}/: {name} -> {target}")


def remove_tree(path: str) -> None:
    """Remove the folder ``path`` and what it holds: at once if it is empty, as what is
    left of an unpacked archive usually is (shutil takes 3 ms to import)."""
    try:
        os.rmdir(path)
    except OSError:
        import shutil

        shutil.rmtree(path)


def move_up(source: str, dest: str, raw: str) -> None:
    """Make ``source`` (an unpacked archive's top folder, inside ``raw``) the contents of
    ``dest``, and remove the rest of ``raw``. ``source`` first moves to a name none of
    its entries has: an entry may be called ``.raw``."""
    entries = os.listdir(source)
    holding = ".top"
    while holding in entries:
        holding += "_"
    held = os.path.join(dest, holding)
    os.rename(source, held)
    remove_tree(raw)
    for entry in entries:
        os.rename(os.path.join(held, entry), os.path.join(dest, entry))
    os.rmdir(held)


def _stays_in(base: str, name: str) -> bool:
    """Whether ``name`` (relative to ``base``) resolves inside ``base`` with ``base`` as
    its whole world: the links met on the way are followed, and a ``..`` above ``base``
    is out. Where the folder lands (versions/NAME) cannot change the answer."""
    done: list[str] = []  # the real folders from base to here: no links among them
    todo = name.split("/")[::-1]  # the next part last
    hops = 0
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return False
            done.pop()
            continue
        path = os.path.join(base, *done, part)
        if os.path.islink(path):
            target = os.readlink(path)
            hops += 1
            if hops > _MAX_HOPS or os.path.isabs(target):
                return False
            todo.extend(target.split("/")[::-1])
        else:
            done.append(part)  # a folder, a file or nothing yet: a name inside either way
    return True


@contextlib.contextmanager
def open_stream(archive: str, source: IO[bytes] | None = None) -> Iterator[IO[bytes]]:
    """The uncompressed bytes of ``archive``, read as they are needed: from ``source``
    (a binary stream at the archive's first byte, such as a download still arriving) if
    given, else from the file.

    A decompressor's own error for damaged data comes out as a ValueError.
    """
    with contextlib.ExitStack() as stack:
        if source is None:
            source = stack.enter_context(open(archive, "rb"))
        stream, errors = _decompressor(archive, source)
        if stream is not source:  # the decompressor; the caller closes the source
            stack.enter_context(stream)
        try:
            yield stream
        except errors as e:
            raise ValueError(str(e) or type(e).__name__) from None


@contextlib.contextmanager
def reading(archive: str, source: IO[bytes] | None = None) -> Iterator[IO[bytes]]:
    """:func:`open_stream`, with every failure in the block worded once for all kinds of
    archive: a refusal names the archive, damage is "corrupt or truncated", and a full
    disk goes up as it is, for the caller that knows which folder to name."""
    filename = os.path.basename(archive)
    try:
        with open_stream(archive, source) as stream:
            yield stream
    except ArchiveError as e:
        raise ArchiveError(f"{filename}: {e.message}") from None
    except (EOFError, OSError, ValueError) as e:
        if isinstance(e, OSError) and e.errno in NO_SPACE:
            raise
        raise ArchiveError(f"{filename} is corrupt or truncated: {e}") from None


Errors = tuple[type[Exception], ...]


def _decompressor(archive: str, source: IO[bytes]) -> tuple[IO[bytes], Errors]:
    """A reader of ``source``, chosen by its first bytes (``archive`` names it), and the
    errors it raises; ``source`` itself for an archive that is not compressed."""
    magic = b""
    while len(magic) < 6 and (more := source.read(6 - len(magic))):
        magic += more
    source.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        try:
            from isal import isal_zlib
        except ImportError:  # no wheel for this platform: the standard library's zlib
            import gzip

            return gzip.open(source, "rb"), (zlib.error,)  # type: ignore[return-value]
        # ISA-L inflates about twice as fast as zlib, and lets go of the GIL meanwhile:
        # here in a thread of its own, while the caller's thread writes files.
        inflating: IO[bytes] = _Inflating(_gzip_reader(isal_zlib, source))  # type: ignore[assignment]
        return inflating, (zlib.error, isal_zlib.IsalError)  # type: ignore[return-value]
    if magic.startswith(b"\x28\xb5\x2f\xfd"):
        return _zstd_reader(archive, source)
    if magic.startswith(b"\xfd7zXZ\x00"):
        import lzma

        return lzma.open(source, "rb"), (lzma.LZMAError,)
    if magic.startswith(b"BZh"):
        import bz2

        return bz2.open(source, "rb"), ()  # bz2 raises OSError
    if not isinstance(source, io.BufferedIOBase):  # tar headers are read 512 bytes at a time
        raw: Any = source
        return io.BufferedReader(raw, CHUNK), ()
    return source, ()


def _zstd_reader(archive: str, source: IO[bytes]) -> tuple[IO[bytes], Errors]:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]

        return zstd.open(source, "rb"), (zstd.ZstdError,)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise PyvError(
            f"{os.path.basename(archive)} is zstd-compressed: install the zstandard package"
        ) from None
    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(source, closefd=False)
    return reader, (zstandard.ZstdError,)


def _gzip_reader(isal_zlib: Any, source: IO[bytes]) -> Any:
    """ISA-L's gzip reader of ``source``, the C class under isal's IGzipFile: IGzipFile
    itself imports gzip and typing (3 ms, before the first byte is inflated), and its
    ``readinto`` copies."""
    reader = getattr(isal_zlib, "_GzipReader", None)
    if reader is None:  # an isal without it: the public class
        from isal import igzip

        return igzip.IGzipFile(fileobj=source, mode="rb")._buffer  # type: ignore[no-untyped-call]
    return io.BufferedReader(reader(source, 1 << 19))


class _Inflating:
    """A gzip stream inflated ahead by a thread of its own, a block at a time, into a
    few buffers used over and over (fresh ones cost a page fault every 4 KB); ``read``
    returns views into them, not copies: use one before reading more, because the
    buffer goes back to the inflater then."""

    BLOCK = 1 << 20
    AHEAD = 4  # blocks inflated and not read yet, at most

    def __init__(self, gzip: Any) -> None:
        import queue
        import threading

        self.gzip = gzip  # a binary stream with readinto
        # SimpleQueue: a put and a get take 0.1 µs here, where a Queue takes 1.5 µs.
        self.full: queue.SimpleQueue[tuple[bytearray, int]] = queue.SimpleQueue()  # in order
        self.free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()  # to fill again
        self.made = 0  # buffers, made as they are first needed: AHEAD + 1 at most
        self.held: bytearray | None = None  # the buffer ``block`` is a view into
        self.block = memoryview(b"")
        self.ended = False
        self.error: BaseException | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self._inflate, name="pyv-inflate", daemon=True)
        self.thread.start()

    def _inflate(self) -> None:
        try:
            while (buffer := self._buffer()) is not None and not self.stopped:
                count = self.gzip.readinto(buffer)
                self.full.put((buffer, count))
                if not count:
                    return
        except BaseException as e:  # read() raises it in the reading thread
            self.error = e
            self.full.put((bytearray(), 0))

    def _buffer(self) -> bytearray | None:
        """A buffer to fill: a new one while fewer than AHEAD + 1 exist (one is the
        reader's), else the next the reader gives back; None once closing."""
        if self.made <= self.AHEAD and self.free.empty():
            self.made += 1
            return bytearray(self.BLOCK)
        return self.free.get()

    def read(self, size: int) -> memoryview | bytes:
        """At most ``size`` bytes, fewer at the end of a block; b"" at the end."""
        if not self.block:
            if self.ended:
                return b""
            if self.held is not None:  # the views into it are used up
                self.free.put(self.held)
                self.held = None
            buffer, count = self.full.get()
            if not count:
                self.ended = True
                if self.error is not None:
                    raise self.error
                return b""
            self.held = buffer
            self.block = memoryview(buffer)[:count]
        piece = self.block[:size]
        self.block = self.block[size:]
        return piece

    def close(self) -> None:
        """Stop the thread (it may be waiting for a buffer, or for the source)."""
        self.stopped = True
        self.free.put(None)
        self.thread.join()
        self.gzip.close()

    def __enter__(self) -> _Inflating:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Unpacker:
    def __init__(self, stream: IO[bytes], root: str, keep: Callable[[str], bool]) -> None:
        self.stream = stream
        self.root = root
        self.keep = keep
        self.folders = {""}  # real folders (names relative to root) made or checked
        self.files: set[str] = set()  # regular files unpacked: what a hard link may name
        self.links: list[str] = []  # symlinks made, to check again at the end
        self.written: Callable[[str, str], None] | None = None

    def read(self, size: int) -> bytes | memoryview:
        """The next ``size`` bytes: a view into the stream's buffer where it can be (use
        it before reading more)."""
        data = self.stream.read(size)
        if len(data) == size:
            return data
        parts = [bytes(data)]  # short reads: some decompressors, the end of a block
        got = len(data)
        while got < size:
            more = self.stream.read(size - got)
            if not more:
                raise EOFError("unexpected end of data")
            parts.append(bytes(more))
            got += len(more)
        return b"".join(parts)

    def run(self) -> None:
        overrides: dict[str, bytes] = {}  # from pax and GNU long-name headers, for the next member
        while True:
            header = bytes(self.read(BLOCK))
            if header == _END:
                break
            _check(header)
            kind = header[156:157]
            if kind in _META_TYPES:
                size = _number(header[124:136])
                data = bytes(self.read(-size % BLOCK + size)[:size])
                if kind == b"x":
                    overrides.update(_pax_records(data))
                elif kind == b"L":
                    overrides["path"] = data.split(b"\0", 1)[0]
                elif kind == b"K":
                    overrides["linkpath"] = data.split(b"\0", 1)[0]
                continue  # a global pax header ("g") changes nothing pyv reads
            shown, size, mode, mtime, linkname = _member(header, overrides)
            overrides = {}
            if kind == b"\0" and shown.endswith("/"):  # an old-style folder
                kind = b"5"
            name = _safe_name(shown)
            if kind not in _KNOWN_TYPES:
                raise ArchiveError(f"unsafe member in archive (device, fifo or sparse): {name}")
            if not self.keep(name):
                if kind in _FILE_TYPES:
                    self.skip(size + -size % BLOCK)  # its data and the padding to a block
                continue
            try:
                self.member(kind, name, size, mode, mtime, linkname)
            except OSError as e:
                if e.errno is None or e.errno in NO_SPACE:
                    raise  # a decompressor's complaint, or a full disk: the caller's to word
                # The system's reason without its path, which is a scratch folder's.
                raise ArchiveError(f"cannot unpack {shown}: {e.strerror}") from None
        while self.stream.read(CHUNK):  # to the end: the decompressor checks its CRC there
            pass

    def member(self, kind: bytes, name: str, size: int, mode: int, mtime: float, link: str) -> None:
        if kind in _FILE_TYPES:
            self.file(name, size, mode, mtime)
        elif kind == b"5":
            self.folder(name)
            return
        elif kind == b"2":
            self.symlink(name, link)
        else:
            self.hardlink(name, _safe_name(link))
        if self.written:
            self.written(name, link if kind == b"2" else "")

    def skip(self, count: int) -> None:
        """Past the next ``count`` bytes."""
        remaining = count
        while remaining:
            piece = self.stream.read(min(remaining, CHUNK))
            if not piece:
                raise EOFError("unexpected end of data")
            remaining -= len(piece)

    def parent(self, name: str) -> str:
        """The path of ``name``; its folder made, and checked to be a real one, the
        first time (names are normalised)."""
        folder = name.rpartition("/")[0]
        if folder not in self.folders:
            self._real_folder(folder, name)
        return f"{self.root}/{name}"

    def _real_folder(self, folder: str, name: str) -> None:
        """Make ``folder`` and the folders above it that are new, each checked to be a
        real folder and not a link (for the member ``name``): one ``mkdir`` a new
        folder, where ``realpath`` would look at every part of the path again."""
        above = folder.rpartition("/")[0]
        if above not in self.folders:
            self._real_folder(above, name)
        path = f"{self.root}/{folder}"
        try:
            os.mkdir(path)
        except FileExistsError:
            if os.path.islink(path):
                raise ArchiveError(f"unsafe path in archive (through a link): {name}") from None
            if not os.path.isdir(path):
                raise  # a file in the way: "cannot unpack NAME: File exists"
        self.folders.add(folder)

    def replaceable(self, name: str, path: str) -> None:
        """Make room for a later member of the same name: only a regular file gives way."""
        if name not in self.files:
            raise ArchiveError(f"unsafe member in archive (replaces a folder or link): {name}")
        os.unlink(path)

    def file(self, name: str, size: int, mode: int, mtime: float) -> None:
        path = self.parent(name)
        mode = (mode & 0o755) | 0o600 if mode & 0o100 else (mode & 0o644) | 0o600
        try:
            fd = os.open(path, _CREATE, mode)
        except FileExistsError:
            self.replaceable(name, path)
            fd = os.open(path, _CREATE, mode)
        try:
            remaining = size
            while remaining:  # as the stream hands it over: no piece is put together
                piece = self.stream.read(min(remaining, CHUNK))
                if not piece:
                    raise EOFError("unexpected end of data")
                _write_all(fd, piece)
                remaining -= len(piece)
            if size % BLOCK:
                self.read(BLOCK - size % BLOCK)  # the padding to the next block
            if 0 <= mtime < 1 << 34:
                os.utime(fd if _UTIME_FD else path, (mtime, mtime))
        finally:
            os.close(fd)
        self.files.add(name)

    def folder(self, name: str) -> None:
        if name in self.folders:
            return
        path = self.parent(name)
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            if os.path.islink(path) or not os.path.isdir(path):
                raise ArchiveError(
                    f"unsafe member in archive (a folder replaces a file or link): {name}"
                ) from None
        self.folders.add(name)

    def symlink(self, name: str, target: str) -> None:
        if not target or os.path.isabs(target):  # the rest is for check_links
            raise ArchiveError(f"link out of the archive: {name} -> {target}")
        path = self.parent(name)
        if os.path.lexists(path):
            self.replaceable(name, path)
            self.files.discard(name)
        os.symlink(target, path)
        self.links.append(name)

    def hardlink(self, name: str, target: str) -> None:
        if target not in self.files:
            raise ArchiveError(f"link out of the archive: {name} -> {target}")
        path = self.parent(name)
        if os.path.lexists(path):
            self.replaceable(name, path)
        os.link(os.path.join(self.root, target), path, follow_symlinks=False)
        self.files.add(name)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    written = os.write(fd, data)  # all of it, almost always: no view made then
    if written < len(data):
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view) :]


def _safe_name(name: str) -> str:
    """``name`` without empty or ``.`` parts; an error if it is absolute or climbs with ``..``."""
    parts = name.split("/")
    if "" not in parts and "." not in parts and ".." not in parts:
        return name  # most names: nothing to drop
    parts = [part for part in parts if part not in ("", ".")]
    if name.startswith("/") or ".." in parts or not parts:
        raise ArchiveError(f"unsafe path in archive: {name}")
    return "/".join(parts)


_SIGNED = struct.Struct("148b8x356b")
_ADLER = 65521  # zlib.adler32's modulus


def _check(header: bytes) -> None:
    """A header block's checksum (unsigned, or the signed sum some old tars wrote).

    The unsigned sum is compared modulo 65521, through zlib.adler32, whose first half
    is 1 + the sum of the bytes modulo 65521: 0.1 µs a block instead of sum()'s 1.5 µs,
    and a damaged block still fails but for one chance in 65,521."""
    field = header[148:156]
    checksum = _number(field)
    total = (zlib.adler32(header) & 0xFFFF) - 1 - sum(field) + 256
    if (checksum - total) % _ADLER and checksum != sum(_SIGNED.unpack(header)) + 256:
        raise ValueError("not a tar archive, or a damaged one (bad header checksum)")


def _member(header: bytes, overrides: dict[str, bytes]) -> tuple[str, int, int, float, str]:
    """(name, size, mode, mtime, link target) of a member's header and its overrides."""
    size = int(overrides["size"]) if "size" in overrides else _number(header[124:136])
    mode = _number(header[100:108])
    mtime = float(overrides["mtime"]) if "mtime" in overrides else _number(header[136:148])
    if size < 0:
        raise ValueError("negative size in a tar header")
    if "path" in overrides:
        name = overrides["path"]
    else:
        name = header[:100].split(b"\0", 1)[0]
        prefix = header[345:500].split(b"\0", 1)[0]
        if prefix and header[257:263] == b"ustar\0":  # POSIX ustar; GNU uses these bytes
            name = prefix + b"/" + name
    link = overrides.get("linkpath", header[157:257].split(b"\0", 1)[0])
    if _SPARSE in overrides:
        shown = name.decode("utf-8", "surrogateescape")
        raise ArchiveError(f"unsafe member in archive (device, fifo or sparse): {shown}")
    return (
        name.decode("utf-8", "surrogateescape"),
        size,
        mode,
        mtime,
        link.decode("utf-8", "surrogateescape"),
    )


def _number(field: bytes) -> int:
    """A numeric header field: octal text, or GNU's base-256 for large values."""
    if field[0] & 0x80:
        value = int.from_bytes(field[1:], "big")
        return -value if field[0] == 0xFF else value
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise ValueError(
            "not a tar archive, or a damaged one (a header number is not octal)"
        ) from None


def _pax_records(data: bytes) -> dict[str, bytes]:
    """The ``length key=value\\n`` records of a pax extended header."""
    records: dict[str, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:
        space = data.index(b" ", pos)  # a ValueError, like the others, if it is damaged
        length = int(data[pos:space])
        record = data[space + 1 : pos + length]
        if length <= space - pos or not record.endswith(b"\n") or b"=" not in record:
            raise ValueError("bad pax header")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value
        if key.startswith(b"GNU.sparse."):
            records[_SPARSE] = b""
        pos += length
    return records
