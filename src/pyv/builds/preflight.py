"""Before a source build downloads anything: does this system have what CPython needs?

A build that starts without OpenSSL's headers "succeeds" and yields a Python without
``ssl`` (pyenv issue 2137). So pyv looks first, for the C compiler, make, and the
headers of every library the standard library's extension modules need, and names
the packages that provide the missing ones for this system's package manager:

    pyv: building 3.11.2 needs libssl-dev libffi-dev: sudo apt-get install libssl-dev libffi-dev

gdbm and tk are optional: without them the build goes on, without ``dbm.gnu`` and
``tkinter``. Everything the checks read comes in through :class:`System`, so the
tests can fake a compiler, header folders and an os-release file.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

# package managers, by the os-release ID (or ID_LIKE) that uses them
_FAMILIES = {
    "debian": "apt",
    "ubuntu": "apt",
    "fedora": "dnf",
    "rhel": "dnf",
    "centos": "dnf",
    "rocky": "dnf",
    "almalinux": "dnf",
    "alpine": "apk",
}
INSTALL = {
    "apt": "sudo apt-get install",
    "dnf": "sudo dnf install",
    "apk": "sudo apk add",
    "brew": "brew install",
}


@dataclass(frozen=True)
class Need:
    """One thing a build needs: how to tell it is there, and who provides it."""

    what: str
    headers: tuple[str, ...]  # any one of them will do
    packages: Mapping[str, str]  # package manager -> package ("" where the system has it)
    module: str = ""  # the standard library module that is missing without it
    optional: bool = False


NEEDS = (
    Need("OpenSSL", ("openssl/ssl.h",), {"apt": "libssl-dev", "dnf": "openssl-devel",
         "apk": "openssl-dev", "brew": "openssl@3"}, "ssl"),
    Need("zlib", ("zlib.h",), {"apt": "zlib1g-dev", "dnf": "zlib-devel", "apk": "zlib-dev",
         "brew": ""}, "zlib"),
    Need("bzip2", ("bzlib.h",), {"apt": "libbz2-dev", "dnf": "bzip2-devel", "apk": "bzip2-dev",
         "brew": ""}, "bz2"),
    Need("xz", ("lzma.h",), {"apt": "liblzma-dev", "dnf": "xz-devel", "apk": "xz-dev",
         "brew": "xz"}, "lzma"),
    Need("SQLite", ("sqlite3.h",), {"apt": "libsqlite3-dev", "dnf": "sqlite-devel",
         "apk": "sqlite-dev", "brew": "sqlite"}, "sqlite3"),
    Need("libffi", ("ffi.h", "ffi/ffi.h"), {"apt": "libffi-dev", "dnf": "libffi-devel",
         "apk": "libffi-dev", "brew": "libffi"}, "ctypes"),
    Need("readline", ("readline/readline.h", "editline/readline.h"), {"apt": "libreadline-dev",
         "dnf": "readline-devel", "apk": "readline-dev", "brew": "readline"}, "readline"),
    Need("ncurses", ("ncurses.h", "curses.h", "ncursesw/ncurses.h"), {"apt": "libncurses-dev",
         "dnf": "ncurses-devel", "apk": "ncurses-dev", "brew": "ncurses"}, "curses"),
    Need("uuid", ("uuid/uuid.h", "uuid.h"), {"apt": "uuid-dev", "dnf": "libuuid-devel",
         "apk": "util-linux-dev", "brew": ""}, "_uuid"),
    Need("gdbm", ("gdbm.h",), {"apt": "libgdbm-dev", "dnf": "gdbm-devel", "apk": "gdbm-dev",
         "brew": "gdbm"}, "dbm.gnu", optional=True),
    Need("Tcl/Tk", ("tk.h", "tcl8.6/tk.h"), {"apt": "tk-dev", "dnf": "tk-devel", "apk": "tk-dev",
         "brew": "tcl-tk"}, "tkinter", optional=True),
)  # fmt: skip
_TOOLS = {
    "a C compiler": {"apt": "build-essential", "dnf": "gcc", "apk": "build-base", "brew": ""},
    "make": {"apt": "make", "dnf": "make", "apk": "make", "brew": ""},
    "patch": {"apt": "patch", "dnf": "patch", "apk": "patch", "brew": ""},
}


@dataclass(frozen=True)
class System:
    """What the checks look at: PATH, CC and CPPFLAGS, header folders, os-release."""

    environ: Mapping[str, str]
    include_dirs: tuple[str, ...] = ()
    os_release: str = "/etc/os-release"
    platform: str = sys.platform

    @classmethod
    def here(cls, environ: Mapping[str, str]) -> System:
        """This machine, as the compiler would see it."""
        dirs = ["/usr/local/include", "/usr/include", *sorted(glob.glob("/usr/include/*-*-*"))]
        if sys.platform == "darwin":
            dirs += sorted(glob.glob("/opt/homebrew/opt/*/include"))
            dirs += sorted(glob.glob("/usr/local/opt/*/include"))
        return cls(environ=environ, include_dirs=tuple(dirs))

    @property
    def manager(self) -> str:
        """The package manager to name: apt, dnf, apk, brew, or "" if unknown."""
        if self.platform == "darwin":
            return "brew"
        try:
            with open(self.os_release, encoding="utf-8", errors="replace") as f:
                fields = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        except OSError:
            return ""
        ids = [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]
        for word in ids:
            family = _FAMILIES.get(word.strip().strip("\"'"))
            if family:
                return family
        return ""

    def headers_dirs(self) -> list[str]:
        """Folders searched for headers: -I flags in CPPFLAGS and CFLAGS, then the system's."""
        flags = []
        for name in ("CPPFLAGS", "CFLAGS"):
            try:
                flags += shlex.split(self.environ.get(name, ""))
            except ValueError:
                continue
        extra = [f[2:] for f in flags if f.startswith("-I") and len(f) > 2]
        return extra + list(self.include_dirs)

    def which(self, command: str) -> str | None:
        """``command`` on this system's PATH."""
        return shutil.which(command, path=self.environ.get("PATH", os.defpath))


@dataclass
class Report:
    """What is missing: required things, and optional ones (a warning)."""

    missing: list[str] = field(default_factory=list)  # what, e.g. "OpenSSL"
    packages: list[str] = field(default_factory=list)
    optional: list[Need] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if the build can go ahead."""
        return not self.missing


def check(system: System, *, patching: bool = False) -> Report:
    """Look for every tool and header a CPython build needs."""
    report = Report()
    manager = system.manager
    compiler = (system.environ.get("CC") or "").split()
    found_cc = system.which(compiler[0]) if compiler else None
    if not found_cc and not compiler:
        found_cc = next((p for p in map(system.which, ("cc", "gcc", "clang")) if p), None)
    tools = [("a C compiler", bool(found_cc)), ("make", bool(system.which("make")))]
    if patching:
        tools.append(("patch", bool(system.which("patch"))))
    for what, present in tools:
        if not present:
            report.missing.append(what)
            report.packages.append(_TOOLS[what].get(manager, "") or what)
    dirs = system.headers_dirs()
    for need in NEEDS:
        if any(os.path.isfile(os.path.join(d, h)) for d in dirs for h in need.headers):
            continue
        if need.optional:
            report.optional.append(need)
            continue
        report.missing.append(need.what)
        package = need.packages.get(manager)
        if package is None:  # an unknown system: name the library
            package = f"{need.what} headers"
        if package:
            report.packages.append(package)
    return report


def refusal(version: str, report: Report, manager: str, *, root: bool = False) -> str:
    """The one-line message for a build that cannot start, naming what to install."""
    packages = list(dict.fromkeys(report.packages))
    needs = " ".join(packages) if packages else ", ".join(report.missing)
    command = INSTALL.get(manager)
    if command and packages and all(" " not in p for p in packages):
        if root and command.startswith("sudo "):
            command = command[len("sudo ") :]
        return f"building {version} needs {needs}: {command} {' '.join(packages)}"
    return f"building {version} needs {', '.join(report.missing)}: install {needs}"


def package_for(module: str, manager: str) -> str:
    """The package whose headers a missing standard library module needs."""
    for need in NEEDS:
        if need.module == module:
            return need.packages.get(manager) or f"{need.what} headers"
    return ""
