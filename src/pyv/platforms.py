"""This machine's target for prebuilt builds: operating system, architecture and libc.

Spelled as python-build-standalone and uv spell them: ``linux-x86_64-gnu``,
``linux-aarch64-musl``, ``darwin-aarch64-none``, ``windows-x86_64-none``.
``PYV_PLATFORM`` overrides the detection (for tests, or to fetch for another machine).
"""

from __future__ import annotations

import os
import sys

from pyv.errors import PyvError

TYPE_CHECKING = False

_ARCHES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    "i386": "i686",
    "i686": "i686",
    "x86": "i686",
    "armv7l": "armv7",
    "ppc64le": "powerpc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


# A named tuple, not a dataclass: dataclasses imports inspect, 6 ms before a download
# starts; and collections', not typing's: typing takes 3.5 ms to import.
if TYPE_CHECKING:
    from typing import NamedTuple

    class _Platform(NamedTuple):
        os: str
        arch: str
        libc: str

else:
    from collections import namedtuple

    _Platform = namedtuple("_Platform", "os arch libc")


class Platform(_Platform):
    """Where a build runs: os, arch, libc."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.os}-{self.arch}-{self.libc}"


def parse(text: str) -> Platform:
    """``linux-x86_64-gnu`` -> Platform; an error for anything else."""
    parts = text.strip().split("-")
    if len(parts) != 3 or not all(parts):
        raise PyvError(f"invalid platform `{text}': expected OS-ARCH-LIBC, e.g. linux-x86_64-gnu")
    return Platform(*parts)


def current(environ: dict[str, str] | None = None) -> Platform:
    """The platform of this machine (or of PYV_PLATFORM)."""
    override = (environ if environ is not None else os.environ).get("PYV_PLATFORM")
    if override:
        try:
            return parse(override)
        except PyvError as e:
            raise PyvError(f"PYV_PLATFORM: {e.message}") from None
    return detect()


def detect() -> Platform:
    """The platform of this machine, whatever PYV_PLATFORM says."""
    if hasattr(os, "uname"):  # what platform.machine() reads, without its 1 ms import
        machine = os.uname().machine.lower()
    else:
        import platform

        machine = platform.machine().lower()
    arch = _ARCHES.get(machine, machine)
    if sys.platform.startswith("linux"):
        return Platform("linux", "armv7" if arch == "armv7" else arch, _linux_libc(arch))
    if sys.platform == "darwin":
        return Platform("darwin", arch, "none")
    if sys.platform in ("win32", "cygwin"):
        return Platform("windows", arch, "none")
    return Platform(sys.platform, arch, "none")


def _linux_libc(arch: str) -> str:
    try:
        names = os.listdir("/lib")
    except OSError:
        names = []
    if any(n.startswith("ld-musl-") and n.endswith(".so.1") for n in names):
        import platform

        if platform.libc_ver()[0] != "glibc":
            return "musl"
    return "gnueabihf" if arch == "armv7" else "gnu"
