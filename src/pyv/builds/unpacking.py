"""An archive unpacked as it downloads, and its interpreter started as soon as it can be.

install.py hands :meth:`Unpacking.start` to download.fetch as its ``tap``: a thread of
its own unpacks the download (a growing.Growing) into the install's scratch folder as
the bytes reach the disk, or a cached archive while its sha256 is checked. One whose
first bytes turned out not to be its start (a resume that started over, a damaged
cached copy) is unpacked from its file once it is whole and verified.

Nothing here makes anything visible: the caller moves the folder into versions/ only
after the download is verified and the interpreter checked. The interpreter itself
runs only once the download is verified (:meth:`Unpacking.verify`).
"""

from __future__ import annotations

import contextlib
import os
import threading

from pyv.builds import diskspace
from pyv.builds.standalone import extract, finds_its_home, landmarks

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing takes 3.5 ms to import, before the download could start
    from typing import IO

    from pyv import interpreter
    from pyv.builds.growing import Growing


class Unpacking:
    """The archive unpacked into the scratch folder ``staged`` as its download arrives,
    by a thread of its own (``start`` is download.fetch's ``tap``; a cached archive too,
    while its sha256 is checked), or from its file when what arrived first was not the
    file's start after all.

    A CPython's interpreter is started (its version probe) as soon as the download is
    verified and the files it needs to start are written, while the rest unpacks; if it
    cannot tell its version then, it is asked again once everything is there.

    Used as a context manager: however the block ends, the thread has stopped before
    the scratch folder is removed."""

    def __init__(self, filename: str, staged: str, implementation: str, root: str) -> None:
        self.filename = filename
        self.staged = staged
        self.implementation = implementation
        self.root = root
        self.growing: Growing | None = None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.guard = threading.Lock()  # the probe's state, changed in either thread
        self.verified = False  # the download's sha256 matched (or it was in the cache)
        self.seen: dict[str, set[str]] = {}  # for standalone.landmarks
        self.ready = ""  # the interpreter folder whose interpreter can start
        self.probe: interpreter.Probe | None = None
        self.probed = ""  # the folder it started from
        self.stale = False  # a file was written again after the probe started
        self.names: set[str] = set()  # the files and links written
        self.top = ""  # the folder extract found the interpreter in

    def start(self, growing: Growing) -> None:
        """Unpack ``growing`` as it arrives."""
        self.growing = growing
        self.thread = threading.Thread(target=self._run, name="pyv-unpack", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            _warm_up(self.filename)
            self._extract(self.filename, self.growing)
        except BaseException as e:  # raised in the install's thread, by finish
            self.error = e

    def _extract(self, archive: str, stream: Growing | None = None) -> None:
        if self.implementation != "cpython":
            extract_any(archive, self.staged, self.implementation, stream)
            return
        source: IO[bytes] | None = stream  # type: ignore[assignment]
        extract(archive, self.staged, source, written=self._written, moving=self._moving)

    def _written(self, name: str, link: str) -> None:
        if self.ready and name not in self.names:  # what most members are: nothing to decide
            self.names.add(name)
            return
        top = landmarks(name, link, self.seen)
        with self.guard:
            if name in self.names and self.probe is not None:
                self.stale = True  # a later member replaced a file it may have read
            self.names.add(name)
            if top and not self.ready:
                self.ready = top
                self._start_probe()

    def verify(self) -> None:
        """The download is verified: the interpreter may run."""
        with self.guard:
            self.verified = True
            self._start_probe()

    def _start_probe(self) -> None:
        """Start the probe once both can be (under the guard)."""
        restarted = self.growing is not None and self.growing.restarted
        moved = bool(self.top)  # too late: the folder moved up, or is moving
        if self.probe is None and self.verified and self.ready and not restarted and not moved:
            from pyv import interpreter  # the install imported it once the download was in

            home = os.path.join(self.staged, ".raw", self.ready)
            self.probe = interpreter.start_probe(os.path.join(home, "bin", "python3"), home)
            self.probed = self.ready

    def _moving(self, top: str) -> None:
        """extract moves ``top`` up: a probe started in it must be done by then."""
        with self.guard:
            self.top = top
            probe = self.probe
        if probe is not None and probe.process is not None:
            import subprocess

            try:
                probe.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                probe.process.kill()

    def installed(self) -> list[str]:
        """The files and links written, by their names in the installation folder (once
        unpacked: the folder that moved up is known then)."""
        top = self.top + "/"
        return [name[len(top) :] for name in self.names if name.startswith(top)]

    def early_probe(self) -> interpreter.Probe | None:
        """The probe started while unpacking, if it ran the interpreter that was kept."""
        with self.guard:
            if self.probe is None or self.stale or self.probed != self.top:
                return None
            probe = self.probe
            # It was given its home: whether the interpreter finds it alone, it cannot say.
            if finds_its_home(self.top, self.seen, self.names):
                return probe
            self.probe = None
        if probe.process is not None:
            probe.process.communicate()  # it ended before its folder moved up
        return None

    def finish(self, archive: str) -> None:
        """Wait for the unpacking of the verified ``archive`` to end (or unpack it here)."""
        self.verify()
        streamed = self.thread is not None and self.growing is not None
        with diskspace.unpacking(archive, self.root, check_first=not streamed):
            if self.thread is not None and self.growing is not None:  # streamed (for mypy)
                self.thread.join()
                if not self.growing.restarted:
                    if self.error is not None:
                        raise self.error
                    return
                import shutil

                for entry in os.listdir(self.staged):  # what it made of the void bytes
                    shutil.rmtree(os.path.join(self.staged, entry))
            self._extract(archive)

    def __enter__(self) -> Unpacking:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.growing is not None:
            self.growing.stop()
            if self.thread is not None:
                self.thread.join()
            self.growing.close()
        with self.guard:
            probe, self.probe = self.probe, None
        if probe is not None and probe.process is not None and probe.process.poll() is None:
            probe.process.kill()  # not wanted: the install failed, or it was read already
            probe.process.communicate()


def _warm_up(filename: str) -> None:
    """Import, while the request goes out and its answer comes back, what the first bytes
    will need: hashlib for the download's sha256 (it loads OpenSSL: 3.5 ms, which held
    up the download's first bytes on loopback), and for a .tar.gz, ISA-L and the
    inflater's queues. On a real network these 6 ms pass while waiting for the server."""
    import hashlib  # noqa: F401

    if filename.endswith((".gz", ".tgz")):
        import queue  # noqa: F401

        with contextlib.suppress(ImportError):  # archive.py falls back to zlib
            from isal import isal_zlib  # noqa: F401


def extract_any(
    archive: str, staged: str, implementation: str, stream: Growing | None = None
) -> None:
    """Unpack ``archive`` (its file, or ``stream`` of its bytes) into ``staged``, for an
    ``implementation``'s layout."""
    source: IO[bytes] | None = stream  # type: ignore[assignment]
    if implementation == "cpython":
        extract(archive, staged, source)
    else:
        from pyv.builds import implementations

        implementations.extract(archive, staged, implementation, source)
