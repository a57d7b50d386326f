"""Adopt an interpreter already on disk (``pyv link``): pyenv's, uv's, or the system's.

The interpreter is run once to learn what it is; its version (with ``t`` for a
free-threaded build) becomes the installation name. The registry gets a folder with a
receipt and a ``bin`` that points at the interpreter's own, so nothing of the original
is copied, moved or, on uninstall, deleted.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from pyv import registry
from pyv.errors import InterpreterError, RegistryError
from pyv.paths import Layout
from pyv.request import parse_name

# Runs under every CPython from 2.7 on: keep it in the common subset.
# Cheap on purpose (it runs in every install): sys.implementation and abiflags where they
# exist, platform and sysconfig (tens of ms to import) only where they do not.
_PROBE = r"""
import sys
try:
    impl = {"cpython": "CPython"}.get(sys.implementation.name, sys.implementation.name)
except AttributeError:
    import platform
    impl = platform.python_implementation()
flags = getattr(sys, "abiflags", None)
if flags is None:
    try:
        import sysconfig
        flags = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    except Exception:
        flags = ""
v = sys.version_info
sys.stdout.write("\n".join([
    impl, "%d.%d.%d" % (v[0], v[1], v[2]), v[3], str(v[4]),
    str(int("t" in flags)), str(int(hasattr(sys, "gettotalrefcount"))), sys.prefix,
]) + "\n")
"""
_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}
# Prefixes shared with other software: link only the interpreter's own commands.
SHARED_PREFIXES = frozenset({"/", "/usr", "/usr/local", "/opt/homebrew", "/opt/local"})


@dataclass(frozen=True)
class Interpreter:
    """What an interpreter on disk says about itself."""

    executable: str
    name: str  # canonical exact version with variant: 3.12.1, 3.13.0t, 3.14.0rc1
    prefix: str


@dataclass(frozen=True)
class Probe:
    """An interpreter started by ``start_probe``, or why it could not be started."""

    executable: str
    process: subprocess.Popen[str] | None
    error: str


def find_executable(path: str) -> str:
    """The interpreter that ``path`` names: an executable, or a prefix holding bin/python3."""
    if os.path.isdir(path):
        for candidate in ("bin/python3", "bin/python", "bin/python2", "python.exe"):
            exe = os.path.join(path, candidate)
            if os.path.isfile(exe) and os.access(exe, os.X_OK):
                return os.path.abspath(exe)
        raise InterpreterError(f"no Python interpreter in {path} (looked for bin/python3)")
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return os.path.abspath(path)
    raise InterpreterError(f"{path} is neither an interpreter nor a folder holding one")


def inspect(executable: str) -> Interpreter:
    """Run ``executable`` once and read its version, variant and prefix."""
    return read_probe(start_probe(executable))


def start_probe(executable: str) -> Probe:
    """Start ``executable`` answering pyv's questions; ``read_probe`` takes the answer, so
    the caller can work while the interpreter starts (installs fix files meanwhile)."""
    try:
        process = subprocess.Popen(
            [executable, "-E", "-s", "-S", "-c", _PROBE],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as e:
        return Probe(executable, None, f"could not be run: {e.strerror or e}")
    return Probe(executable, process, "")


class ProbeError(InterpreterError):
    """An interpreter that did not answer pyv's questions; ``reason`` says how."""

    def __init__(self, executable: str, reason: str) -> None:
        super().__init__(f"{executable} {reason}")
        self.reason = reason


def read_probe(probe: Probe) -> Interpreter:
    """What the interpreter ``start_probe`` started says about itself."""
    executable, process = probe.executable, probe.process
    if process is None:
        raise ProbeError(executable, probe.error)
    try:
        stdout, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise ProbeError(executable, "did not answer within 30 seconds") from None
    lines = stdout.splitlines()
    if process.returncode != 0 or len(lines) != 7:
        raise ProbeError(executable, "did not answer as a Python interpreter")
    implementation, release, level, serial, free_threaded, debug, prefix = lines
    if implementation != "CPython":
        raise ProbeError(executable, f"is {implementation}; pyv manages CPython only")
    pre = f"{_LEVELS.get(level, '')}{serial}" if _LEVELS.get(level) else ""
    variant = ("t" if free_threaded == "1" else "") + ("d" if debug == "1" else "")
    return Interpreter(executable=executable, name=f"{release}{pre}{variant}", prefix=prefix)


def link(layout: Layout, path: str, *, name: str | None = None) -> tuple[str, bool]:
    """Register the interpreter at ``path``; return its name and whether it is new."""
    executable = find_executable(path)
    roots = (os.path.realpath(layout.root) + os.sep, os.path.normpath(layout.root) + os.sep)
    if any(p.startswith(roots) for p in (executable, os.path.realpath(executable))):
        raise InterpreterError(f"{executable} is inside the pyv root already")
    found = inspect(executable)
    name = name or found.name
    wanted = parse_name(name)
    if wanted is None or str(wanted).partition("+")[0] != found.name:
        raise InterpreterError(
            f"cannot name {executable} `{name}': it is Python {found.name}",
            hint=f"use {found.name} or a label such as {found.name}+mine",
        )
    with registry.lock(layout), registry.scratch(layout, "link") as staged:
        if name in registry.names(layout):
            if registry.read_receipt(layout, name).get("prefix") == found.prefix:
                return name, False
            raise RegistryError(
                f"{name} is installed already", hint=f"link it as --name {name}+LABEL"
            )
        _make_bin(staged, found)
        registry.write_receipt(
            staged,
            {
                "name": name,
                "implementation": "cpython",
                "source": "link",
                "prefix": found.prefix,
                "executable": executable,
            },
        )
        registry.commit(layout, staged, name)
    return name, True


def _make_bin(folder: str, found: Interpreter) -> None:
    real_bin = os.path.join(found.prefix, "bin")
    exe_dir = os.path.dirname(os.path.realpath(found.executable))
    dedicated = found.prefix not in SHARED_PREFIXES and os.path.isdir(real_bin)
    if dedicated and os.path.realpath(real_bin) == exe_dir:
        # The whole bin: console scripts pip installs there later are found too.
        os.symlink(real_bin, os.path.join(folder, "bin"))
        return
    # A shared prefix such as /usr: only this interpreter's own commands.
    own = os.path.join(folder, "bin")
    os.mkdir(own)
    target = os.path.realpath(found.executable)
    request = parse_name(found.name)
    assert request is not None and request.version is not None
    major, minor = request.version.release[:2]
    for command in ("python", f"python{major}", f"python{major}.{minor}"):
        os.symlink(target, os.path.join(own, command))
