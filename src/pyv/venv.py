"""``pyv venv``: a virtual environment on a pyv-managed (or the system's) Python.

For a minor request (``3.12``) the environment is built on the alias link
``versions/3.12``, not on ``versions/3.12.1``, so ``pyv upgrade 3.12`` (and the
uninstall of the old patch) moves it to the new patch without breaking it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping

from pyv import registry, runner
from pyv.errors import PyvError, VersionNotInstalled
from pyv.paths import Layout
from pyv.request import parse


def base_python(layout: Layout, request_text: str, environ: Mapping[str, str]) -> str:
    """The interpreter a venv for ``request_text`` is made with (an alias path where it can)."""
    request = parse(request_text)
    if request.kind == "system":
        found = runner.system_which(layout, "python3", environ)
        if found is None:
            raise VersionNotInstalled("system")
        return found
    name = registry.resolve(layout, request_text)
    if name is None:
        raise VersionNotInstalled(request_text)
    folder = name
    if request.kind == "prefix" and request.version is not None:
        alias = str(request)
        if registry.installed_name(layout, alias) == name:
            folder = alias  # follows patch upgrades
    found = python_in(layout, folder)
    if found is None:
        raise PyvError(f"{name} has no bin/python3")
    return found


def python_in(layout: Layout, folder: str) -> str | None:
    """``bin/python3``, else ``bin/python``, of ``versions/<folder>``, if it runs."""
    return runner.find_command(layout, folder, "python3", {}) or runner.find_command(
        layout, folder, "python", {}
    )


def create(
    python: str, path: str, *, clear: bool = False, upgrade_deps: bool = False, pip: bool = True
) -> None:
    """Make the venv at ``path`` with ``python`` (the standard library's venv)."""
    if os.path.exists(path) and os.listdir(path):
        if not os.path.isfile(os.path.join(path, "pyvenv.cfg")):
            raise PyvError(f"{path} exists and is not a virtual environment; pyv will not touch it")
        if not clear:
            raise PyvError(
                f"{path} is a virtual environment already", hint="pass --clear to recreate it"
            )
        shutil.rmtree(path)
    argv = [python, "-m", "venv", path]
    if upgrade_deps:
        argv.append("--upgrade-deps")
    if not pip:
        argv.append("--without-pip")
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise PyvError(f"{python} -m venv failed: {reason}")
