"""Ask an interpreter on disk what it is: implementation, version, variant, prefix.

pyv runs the interpreter once (``start_probe``, then ``read_probe``, so an install can
work while it starts) with a script that every CPython from 2.7 on understands. Used
by ``pyv link`` and ``pyv import`` to name what they adopt, and by every install to
check that what it unpacked or built runs and is what it claims.
"""

from __future__ import annotations

import os
import subprocess

from pyv.errors import InterpreterError

TYPE_CHECKING = False

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
try:
    own = "%d.%d.%d" % tuple(sys.implementation.version[:3])
except AttributeError:
    own = ""
sys.stdout.write("\n".join([
    impl, "%d.%d.%d" % (v[0], v[1], v[2]), v[3], str(v[4]),
    str(int("t" in flags)), str(int(hasattr(sys, "gettotalrefcount"))), sys.prefix, own,
]) + "\n")
"""
_LEVELS = {"alpha": "a", "beta": "b", "candidate": "rc", "final": ""}


# Named tuples, not dataclasses: dataclasses imports inspect (6 ms) on every install; and
# collections', not typing's: typing takes 3.5 ms to import, while an install unpacks.
if TYPE_CHECKING:
    from typing import NamedTuple

    class Interpreter(NamedTuple):
        executable: str
        name: str
        prefix: str
        implementation: str = "cpython"
        python_version: str = ""

    class Probe(NamedTuple):
        executable: str
        process: subprocess.Popen[str] | None
        error: str

else:
    from collections import namedtuple

    Interpreter = namedtuple(
        "Interpreter",
        "executable name prefix implementation python_version",
        defaults=("cpython", ""),
        module=__name__,
    )
    Interpreter.__doc__ = """What an interpreter on disk says about itself: its executable,
    name (3.12.1, 3.13.0t, 3.14.0rc1; pyenv's pypy3.10-7.3.17, graalpy-25.0.1), prefix,
    implementation (cpython, pypy, graalpy) and the Python version it implements."""
    Probe = namedtuple("Probe", "executable process error", module=__name__)
    Probe.__doc__ = """An interpreter started by ``start_probe``, or why it could not be."""


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


def start_probe(executable: str, home: str | None = None) -> Probe:
    """Start ``executable`` answering pyv's questions; ``read_probe`` takes the answer, so
    the caller can work while the interpreter starts (installs fix files meanwhile).

    It writes no bytecode (-B): an install runs it in a scratch folder still being
    unpacked, where a .pyc would name a folder about to move, or take a later member's
    name. Its script comes on stdin, not with -c, for which 3.13 reads one more module
    to start (linecache). ``home``: the interpreter's prefix, given to it (PYTHONHOME,
    and no other PYTHON* variable) instead of found from its os.py: an install starts
    it before that file is unpacked."""
    argv = [executable, "-E", "-s", "-S", "-B", "-"]
    environ = None
    if home is not None:
        del argv[1]  # -E would ignore PYTHONHOME
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        environ["PYTHONHOME"] = home
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ,
        )
    except OSError as e:
        return Probe(executable, None, f"could not be run: {e.strerror or e}")
    assert process.stdin is not None  # for mypy: a pipe was asked for
    try:
        process.stdin.write(_PROBE)  # a few hundred bytes: the pipe takes them at once
        process.stdin.close()
    except OSError:
        pass  # it ended already: read_probe says how
    process.stdin = None  # closed: communicate() must not flush it
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
    if process.returncode != 0 or len(lines) not in (7, 8):
        raise ProbeError(executable, "did not answer as a Python interpreter")
    implementation, release, level, serial, free_threaded, debug, prefix = lines[:7]
    own = lines[7] if len(lines) == 8 else ""
    pre = f"{_LEVELS.get(level, '')}{serial}" if _LEVELS.get(level) else ""
    if implementation == "CPython":
        variant = ("t" if free_threaded == "1" else "") + ("d" if debug == "1" else "")
        name = f"{release}{pre}{variant}"
    elif implementation.lower() in ("pypy", "graalpy"):
        if not own:
            raise ProbeError(executable, f"is {implementation} but did not say its own version")
        # pyenv's names: PyPy's says its Python minor, GraalPy's only its own version
        minor = ".".join(release.split(".")[:2]) if implementation.lower() == "pypy" else ""
        name = f"{implementation.lower()}{minor}-{own}"
    else:
        raise ProbeError(executable, f"is {implementation}; pyv manages CPython, PyPy and GraalPy")
    return Interpreter(
        executable=executable,
        name=name,
        prefix=prefix,
        implementation=implementation.lower() if implementation != "CPython" else "cpython",
        python_version=f"{release}{pre}",
    )
