"""What is installed and what selects it.

pyv versions [--bare] [--json] [--all]
pyv whence [--path] pip3.12
pyv latest [-q] [--known] 3.12
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import typer

from pyv import registry, runner, selection
from pyv.commands import app, current_layout, exit_with
from pyv.errors import (
    InvalidRequest,
    PyvError,
    warn,
)
from pyv.paths import Layout


def _current(layout: Layout) -> tuple[set[str], str]:
    """What to mark as selected here (the entry a word names, else the installation it
    resolves to), and why; a warning for a selected version that is not installed (so
    `python` would fail)."""
    try:
        chosen = selection.current(layout, os.environ)
        resolved = runner.resolve(layout, chosen)
    except PyvError as e:
        warn(str(e))
        return set(), ""
    for word in missing(resolved):
        warn(f"version `{word}' is selected ({chosen.origin}) but not installed")
    listed = os.path.isdir(layout.versions)
    marked = {
        word if listed and os.path.isdir(os.path.join(layout.versions, word)) else name
        for word, name in resolved
        if name
    }
    return marked, chosen.origin


def missing(resolved: list[tuple[str, str | None]]) -> list[str]:
    return [word for word, name in resolved if name is None and word != "system"]


@app.command("versions")
def versions(
    bare: bool = typer.Option(False, "--bare", help="Names only, one per line."),
    skip_aliases: bool = typer.Option(
        False, "--skip-aliases", help="Leave out links to other versions (3.12 -> 3.12.1)."
    ),
    skip_envs: bool = typer.Option(False, "--skip-envs", help="Leave out virtualenvs."),
    executables: bool = typer.Option(
        False, "--executables", help="List every command the versions have instead."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    all_: bool = typer.Option(False, "--all", help="Also pyenv's, uv's and PATH's Pythons."),
) -> None:
    """List the installed versions, oldest first; '*' marks the selected ones."""
    layout = current_layout()
    if executables:  # as pyenv: overrides the other switches; envs' commands too
        from pyv import shims

        every = [registry.bin_dir(layout, name) for name, _ in registry.entries(layout, envs=True)]
        for command in sorted(shims.commands(every)):
            print(command)
        return
    if all_:
        _list_foreign(layout, registry.installations(layout), as_json=as_json)
        return
    listed = registry.listing(layout, envs=not skip_envs, aliases=not skip_aliases)
    if bare:  # oldest first, as pyenv lists them: `| tail -1` is the newest
        for name, _ in listed:
            print(name)
        return
    current, origin = _current(layout)
    if as_json:
        found = {i.name: i for i in registry.installations(layout)}
        described = [
            _describe(layout, name, kind, found.get(_target(layout, name)), name in current)
            for name, kind in listed
        ]
        print(json.dumps(described, indent=2))
        return
    rows: list[tuple[str, bool, str]] = []
    if runner.system_python(layout, os.environ):
        rows.append(("system", "system" in current, ""))
    for name, kind in listed:
        link = ""
        if kind not in ("version", "env"):
            link = f" --> {os.readlink(os.path.join(layout.versions, name))}"
        elif registry.read_receipt(layout, name).get("source") == "link":
            link = f" --> {registry.prefix(layout, name)}"
        rows.append((name, name in current, link))
    if not rows:
        # pyenv's words; exit 1, since `python` cannot run anywhere
        print("Warning: no Python detected on the system", file=sys.stderr)
        raise typer.Exit(1)
    for name, selected, link in rows:
        mark = "*" if selected else " "
        where = f" ({origin})" if selected else ""
        print(f"{mark} {name}{link}{where}")


def _list_foreign(layout: Layout, installed: list[Any], *, as_json: bool) -> None:
    from pyv import adopt

    foreign = adopt.everything(layout, os.environ)
    if as_json:
        rows = [{"name": i.name, "source": "pyv", "path": i.path} for i in installed]
        rows += [{"name": f.name, "source": f.source, "path": f.path} for f in foreign]
        print(json.dumps(rows, indent=2))
        return
    width = max([len(i.name) for i in installed] + [len(f.name) for f in foreign] + [6])
    for inst in installed:
        print(f"{inst.name:{width}}  pyv")
    for item in foreign:
        print(f"{item.name:{width}}  {item.source}: {item.path}")


def _target(layout: Layout, name: str) -> str:
    """What an alias link names (the installation described for it), else ``name``."""
    return (registry.installed_name(layout, name) or name) if "/" not in name else name


def _describe(
    layout: Layout, name: str, kind: str, inst: registry.Installation | None, current: bool
) -> dict[str, object]:
    from pyv.request import VARIANT_NAMES

    receipt = registry.read_receipt(layout, name)
    request = inst.request if inst is not None else None
    version = request.version if request else None
    own = request.impl_version if request else None
    return {
        "name": name,
        "kind": kind,
        "implementation": request.implementation if request else None,
        "version": version.public if version else None,
        "implementation_version": own.public if own else None,
        "variant": VARIANT_NAMES[request.variant] if request else None,
        "path": os.path.join(layout.versions, name),
        "prefix": registry.prefix(layout, name),
        "source": receipt.get("source"),
        "current": current,
    }


@app.command("whence")
def whence(
    command: str = typer.Argument(..., metavar="COMMAND"),
    path: bool = typer.Option(False, "--path", help="Print full paths."),
) -> None:
    """List the installed versions that provide COMMAND."""
    layout = current_layout()
    found = runner.whence(layout, command)
    for name in reversed(found):  # oldest first, as pyenv lists them
        print(os.path.join(registry.bin_dir(layout, name), command) if path else name)
    exit_with(0 if found else 1)


@app.command("latest")
def latest(
    prefix: str = typer.Argument(..., metavar="PREFIX", help="A version or prefix: 3.12, 3."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="No error message."),
    known: bool = typer.Option(False, "-k", "--known", help="Among installable builds instead."),
    bypass: bool = typer.Option(
        False, "-b", "--bypass", help="If none matches, print PREFIX (and fail) instead."
    ),
    force: bool = typer.Option(
        False, "-f", "--force", help="If none matches, print PREFIX (and succeed) instead."
    ),
) -> None:
    """Print the newest installed (or, with --known, installable) version matching PREFIX."""
    from pyv.builds import catalog
    from pyv.request import parse

    layout = current_layout()
    try:
        request = parse(prefix.rstrip("."))
        if known:
            found_names = [
                b.name for b in catalog.matching(catalog.available(layout, os.environ), request)
            ]
        else:
            found_names = [i.name for i in registry.matching(layout, request)]
    except InvalidRequest:
        if not (bypass or force):
            raise
        found_names = []
    if not found_names:
        if bypass or force:  # what pyenv's scripts use: the prefix stands for itself
            print(prefix)
            exit_with(0 if force else 1)
            return
        if quiet:
            raise typer.Exit(1)
        what = "known" if known else "installed"
        raise PyvError(f"no {what} versions match the prefix `{prefix}'")
    print(found_names[0])
