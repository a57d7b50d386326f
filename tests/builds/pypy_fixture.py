"""A real PyPy for the tests: Debian's ``pypy3`` (PyPy 7.3.11, Python 3.9), repacked into
upstream's release layout as ``pypy3.9-v7.3.11-linux64.tar.bz2``.

Upstream's linux64 archive holds one folder, ``pypy3.9-v7.3.11-linux64/``, with
``bin/pypy3.9`` and its ``bin/libpypy3.9-c.so`` side by side, links to ``pypy3.9``
named ``pypy``, ``pypy3``, ``python``, ``python3`` and ``python3.9``, and the standard
library in ``lib/pypy3.9/``. Debian's binary already fits: its RUNPATH is
``$ORIGIN/``, and PyPy finds ``lib/pypy3.9`` by walking up from the executable, so a
copy reports its own folder as ``sys.prefix``. Debian's standard library differs from
upstream's in four ways that matter to a version manager, which the repack undoes:

- ``EXTERNALLY-MANAGED`` (PEP 668) makes pip refuse to install anything: dropped;
- ``ensurepip`` refuses outside a venv and reads pip's wheel from
  ``/usr/share/python-wheels``: replaced by a small one that installs the wheels in
  its own ``_bundled/`` folder, as upstream's does, which the repack fills from
  ``/usr/share/python-wheels`` (Debian's ``python3-pip-whl``) where it holds pip;
- ``sysconfig``, ``distutils`` and ``site`` send installs to ``PREFIX/local/lib/
  pypy3.9/dist-packages`` and ``PREFIX/local/bin``: patched back to upstream's
  ``lib/pypy3.9/site-packages`` and ``bin``, so pip's commands land in ``bin/``;
- ``dist-packages/`` (Debian's folder) is left out; ``site-packages/`` is made.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

PYPY = "7.3.11"
PYTHON = (3, 9)
RELEASE = "pypy3.9-v7.3.11-linux64"
ARCHIVE = RELEASE + ".tar.bz2"

EXECUTABLE = Path("/usr/bin/pypy3.9")
STDLIB = Path("/usr/lib/pypy3.9")
HEADERS = Path("/usr/include/pypy3.9")
WHEELS = Path("/usr/share/python-wheels")
LINKS = ("pypy3", "pypy", "python3.9", "python3", "python")

# (file in lib/pypy3.9, Debian's text, upstream's behaviour): each must match exactly once
PATCHES = (
    (
        "sysconfig.py",
        "                return 'posix_local'\n",
        "                return 'posix_prefix'  # pyv's repack: upstream's scheme\n",
    ),
    (
        "distutils/command/install.py",
        '                    self.select_scheme("unix_local")\n',
        "                    self.select_scheme(\"unix_prefix\")  # pyv's repack: upstream's\n",
    ),
    (
        "distutils/sysconfig_pypy.py",
        "return os.path.join(libpython, 'dist-packages')",
        "return os.path.join(libpython, 'site-packages')  # pyv's repack: upstream's",
    ),
    (
        "site.py",
        "            if is_virtual_environment:\n",
        "            if True:  # pyv's repack: upstream's site-packages, in a venv or not\n",
    ),
)

# Upstream's ensurepip installs the wheels it bundles; Debian's would refuse here.
ENSUREPIP = '''\
"""pip from the wheels in _bundled/, without the network (pyv's repack of Debian's PyPy)."""

import argparse
import glob
import os
import subprocess
import sys

__all__ = ["version", "bootstrap"]
_BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bundled")


def _wheels():
    """{project: wheel path} for the wheels in _bundled/."""
    found = {}
    for path in sorted(glob.glob(os.path.join(_BUNDLED, "*.whl"))):
        found[os.path.basename(path).split("-")[0]] = path
    return found


def version():
    """The bundled pip's version, or None."""
    pip = _wheels().get("pip")
    return os.path.basename(pip).split("-")[1] if pip else None


def bootstrap(*, root=None, upgrade=False, user=False, altinstall=False,
              default_pip=False, verbosity=0):
    """Install the bundled pip (and setuptools, where bundled)."""
    _bootstrap(root=root, upgrade=upgrade, user=user, altinstall=altinstall,
               default_pip=default_pip, verbosity=verbosity)


def _bootstrap(*, root=None, upgrade=False, user=False, altinstall=False,
               default_pip=False, verbosity=0):
    if altinstall and default_pip:
        raise ValueError("Cannot use altinstall and default_pip together")
    wheels = _wheels()
    if "pip" not in wheels:
        raise RuntimeError("no pip wheel in " + _BUNDLED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    if altinstall:
        env["ENSUREPIP_OPTIONS"] = "altinstall"  # pip then writes only pipX.Y
    elif not default_pip:
        env["ENSUREPIP_OPTIONS"] = "install"  # pip then writes no plain "pip"
    args = [sys.executable, os.path.join(wheels["pip"], "pip"), "install",
            "--no-cache-dir", "--no-index", "--find-links", _BUNDLED]
    if root:
        args += ["--root", root]
    if upgrade:
        args += ["--upgrade"]
    if user:
        args += ["--user"]
    if verbosity:
        args += ["-" + "v" * verbosity]
    return subprocess.run(args + sorted(wheels), env=env, check=True).returncode


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ensurepip")
    parser.add_argument("--version", action="version", version="pip {}".format(version()))
    parser.add_argument("-v", "--verbose", action="count", default=0, dest="verbosity")
    parser.add_argument("-U", "--upgrade", action="store_true")
    parser.add_argument("--user", action="store_true")
    parser.add_argument("--root", default=None)
    parser.add_argument("--altinstall", action="store_true")
    parser.add_argument("--default-pip", action="store_true")
    args = parser.parse_args(argv)
    return _bootstrap(root=args.root, upgrade=args.upgrade, user=args.user,
                      verbosity=args.verbosity, altinstall=args.altinstall,
                      default_pip=args.default_pip)
'''


def missing() -> str | None:
    """Why this machine cannot repack Debian's PyPy 7.3.11, or None if it can."""
    library = _library()
    if not EXECUTABLE.is_file() or library is None or not STDLIB.is_dir():
        return f"Debian's pypy3 (PyPy {PYPY}) is not installed: no {EXECUTABLE}"
    check = "import sys; print('%d.%d.%d' % sys.pypy_version_info[:3], *sys.version_info[:2])"
    try:
        done = subprocess.run(
            [str(EXECUTABLE), "-S", "-c", check],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{EXECUTABLE} does not run: {e}"
    expected = f"{PYPY} {PYTHON[0]} {PYTHON[1]}"
    if done.stdout.strip() != expected:
        return f"{EXECUTABLE} is not PyPy {PYPY} for Python 3.9: {done.stdout or done.stderr}"
    return None


def pip_wheel() -> Path | None:
    """Debian's pip wheel (python3-pip-whl), which the repack bundles for ensurepip."""
    wheels = sorted(WHEELS.glob("pip-*-py3-none-any.whl"))
    return wheels[-1] if wheels else None


def repack_pypy(out_dir: Path) -> Path | None:
    """Build ``out_dir/pypy3.9-v7.3.11-linux64.tar.bz2`` from Debian's pypy3 (None if
    it is not installed)."""
    if missing() is not None:
        return None
    library = _library()
    assert library is not None
    stage = out_dir / "stage"
    top = stage / RELEASE
    lib = top / "lib" / "pypy3.9"
    (top / "bin").mkdir(parents=True)
    shutil.copy2(EXECUTABLE, top / "bin" / "pypy3.9")
    shutil.copy2(library, top / "bin" / library.name)
    for name in LINKS:
        (top / "bin" / name).symlink_to("pypy3.9")
    shutil.copytree(
        STDLIB,
        lib,
        symlinks=True,
        ignore=shutil.ignore_patterns("__pycache__", "EXTERNALLY-MANAGED", "dist-packages"),
    )
    if HEADERS.is_dir():
        shutil.copytree(HEADERS, top / "include" / "pypy3.9", symlinks=True)
    (lib / "site-packages").mkdir()
    (lib / "site-packages" / "README").write_text("Third-party packages go here.\n")
    for name, debian, upstream in PATCHES:
        path = lib / name
        text = path.read_text()
        if text.count(debian) != 1:
            raise RuntimeError(f"Debian's {path.relative_to(top)} changed: cannot repack")
        path.write_text(text.replace(debian, upstream))
    _replace_ensurepip(lib / "ensurepip")
    archive = out_dir / ARCHIVE
    with tarfile.open(archive, "w:bz2") as tar:
        tar.add(top, arcname=RELEASE, filter=_anonymous)
    shutil.rmtree(stage)
    return archive


@pytest.fixture(scope="session")
def pypy_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repacked PyPy archive, built once per test run (and shared by xdist's
    workers), or a skip saying why it cannot be."""
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, which every worker's folder is in
    folder = base / "pypy-repack"
    folder.mkdir(exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker builds, the others wait for it
        archive = folder / ARCHIVE
        if not archive.is_file():
            scratch = folder / f"building-{os.getpid()}"
            scratch.mkdir()
            built = repack_pypy(scratch)
            assert built is not None
            built.rename(archive)
            shutil.rmtree(scratch)
    return archive


def _library() -> Path | None:
    """Debian's libpypy3.9-c.so, in the multiarch folder (``/usr/lib/x86_64-linux-gnu``)."""
    found = sorted(Path("/usr/lib").glob("*/libpypy3.9-c.so"))
    return found[0] if found else None


def _replace_ensurepip(folder: Path) -> None:
    """Debian's ensurepip out, a bundling one in, with the wheels Debian has for it."""
    shutil.rmtree(folder)
    (folder / "_bundled").mkdir(parents=True)
    (folder / "__init__.py").write_text(ENSUREPIP)
    (folder / "__main__.py").write_text(
        "import sys\n\nimport ensurepip\n\nsys.exit(ensurepip._main())\n"
    )
    for project in ("pip", "setuptools"):
        wheels = sorted(WHEELS.glob(f"{project}-*-py3-none-any.whl"))
        if wheels:
            shutil.copy2(wheels[-1], folder / "_bundled" / wheels[-1].name)


def _anonymous(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """Owned by nobody in particular, as release archives are."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member
