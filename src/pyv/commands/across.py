"""Working across versions.

pyv run 3.13 3.12 -- python -m pytest -q
pyv venv [PATH] -p 3.12
"""

from __future__ import annotations

import json
import os
import shlex
from typing import Any, Optional

import typer

from pyv import registry, runner, selection, versionfile
from pyv.builds.download import JOBS
from pyv.commands import app, current_layout, installing, tell
from pyv.errors import (
    PyvError,
    UsageError,
)


@app.command("run", context_settings={"ignore_unknown_options": True})
def run_(
    ctx: typer.Context,
    requests: Optional[list[str]] = typer.Argument(None, metavar="[VERSIONS]... -- COMMAND..."),
    all_: bool = typer.Option(False, "--all", help="Every installed version."),
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, help="Versions run at once."),
    install_missing: bool = typer.Option(False, "--install", help="Install missing ones first."),
    as_json: bool = typer.Option(False, "--json", help="The summary as JSON on stdout."),
) -> None:
    """Run COMMAND once per version; exits non-zero if any run failed."""
    from pyv import run as running

    command = (ctx.obj or {}).get("command") or []
    if not command:
        raise UsageError("name the command after --: pyv run 3.12 3.13 -- python -m pytest")
    layout = current_layout()
    if requests:
        words = list(requests)
    elif all_:
        words = [i.name for i in registry.installations(layout)]
    else:
        words = selection.current(layout, os.environ).words
    if install_missing:
        missing = [w for w in words if runner.resolve_word(layout, w) is None]
        if missing:
            installing.install_versions(
                layout, missing, force=False, offline=False, quiet=False, jobs=JOBS
            )
    names = []
    for word in words:
        name = runner.named(layout, word)
        if name is None:
            raise PyvError(
                f"version `{word}' is not installed", hint="run `pyv install' or add --install"
            )
        names.append(name)
    outcomes = running.run_all(layout, names, command, os.environ, jobs=jobs)
    failed = [o.version for o in outcomes if o.status != 0]
    if as_json:
        rows = [
            {"version": o.version, "status": o.status, "seconds": round(o.seconds, 3)}
            for o in outcomes
        ]
        print(json.dumps({"command": command, "runs": rows, "failed": failed}, indent=2))
    else:
        tell(*running.summary(outcomes).splitlines())
    if failed:
        raise PyvError(f"failed on {', '.join(failed)}")


@app.command("venv")
def venv(
    path: str = typer.Argument(".venv", help="Where to make it."),
    python: Optional[str] = typer.Option(None, "-p", "--python", help="Default: the selected."),
    clear: bool = typer.Option(False, "--clear", help="Recreate an existing venv."),
    upgrade_deps: bool = typer.Option(False, "--upgrade-deps", help="Upgrade pip in it."),
    without_pip: bool = typer.Option(False, "--without-pip", help="No pip in it."),
) -> None:
    """Create a virtual environment with the selected (or requested) Python."""
    from pyv import venv as venvs

    layout = current_layout()
    if not os.path.isabs(path):
        versionfile.working_dir(os.environ)  # a deleted folder: said in pyv's words
    request = python
    if request is None:
        request = selection.current(layout, os.environ).words[0]
    base = venvs.base_python(layout, request, os.environ)
    venvs.create(base, path, clear=clear, upgrade_deps=upgrade_deps, pip=not without_pip)
    activate = os.path.join(path, "bin", "activate")
    tell(f"created {path} with {base}", f"activate it with: source {shlex.quote(activate)}")


@app.command("import")
def import_(
    sources: list[str] = typer.Argument(..., metavar="pyenv|uv|PATH..."),
) -> None:
    """Link interpreters from pyenv, uv or given paths, skipping ones pyv has."""
    from pyv import adopt

    found: list[Any] = []
    for source in sources:
        if source == "pyenv":
            found += adopt.pyenv(os.environ)
        elif source == "uv":
            found += adopt.uv(os.environ)
        else:
            found.append(adopt.Foreign(os.path.basename(source.rstrip("/")), source, "path"))
    if not found:
        raise PyvError(f"no interpreters found in {', '.join(sources)}")
    for item, outcome in adopt.import_all(current_layout(), found):
        tell(f"{item.source} {item.name}: {outcome}")
