"""What is installed and what selects it.

pyv versions [--bare] [--json] [--all]
pyv whence [--path] pip3.12
pyv latest [-q] [--known] 3.12
"""

from __future__ import annotations

import json
import os
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
    """The installations selected here and why; a warning for a selected version that
    is not installed (so `python` would fail)."""
    try:
        chosen = selection.current(layout, os.environ)
        resolved = runner.resolve(layout, chosen)
    except PyvError as e:
        warn(str(e))
        return set(), ""
    for word in missing(resolved):
        warn(f"version `{word}' is selected ({chosen.origin}) but not installed")
    return {name for _, name in resolved if name}, chosen.origin


def _is_alias(layout: Layout, name: str) -> bool:
    """True if versions/``name`` is a link to another version (or to a version's env)."""
    path = os.path.join(layout.versions, name)
    if not os.path.islink(path):
        return False
    target = os.path.realpath(path)
    versions = os.path.realpath(layout.versions)
    parent = os.path.dirname(target)
    in_env = os.path.basename(parent) == "envs" and os.path.dirname(parent) != versions
    return parent == versions or (in_env and os.path.dirname(os.path.dirname(parent)) == versions)


def missing(resolved: list[tuple[str, str | None]]) -> list[str]:
    return [word for word, name in resolved if name is None and word != "system"]


@app.command("versions")
def versions(
    bare: bool = typer.Option(False, "--bare", help="Names only, one per line."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    all_: bool = typer.Option(False, "--all", help="Also pyenv's, uv's and PATH's Pythons."),
    skip_aliases: bool = typer.Option(
        False, "--skip-aliases", help="Leave out links to other versions."
    ),
    executables: bool = typer.Option(
        False, "--executables", help="Every command the versions have, one per line."
    ),
) -> None:
    """List the installed versions; '*' marks the selected ones."""
    layout = current_layout()
    if executables:  # pyenv's rehash asks this; every other option is ignored, as there
        from pyv import shims

        for command in sorted(shims.commands(registry.bin_dirs(layout))):
            print(command)
        return
    installed = registry.installations(layout)
    if skip_aliases:
        installed = [i for i in installed if not _is_alias(layout, i.name)]
    if all_:
        _list_foreign(layout, installed, as_json=as_json)
        return
    if bare:  # oldest first, as pyenv lists them: `| tail -1` is the newest
        for inst in reversed(installed):
            print(inst.name)
        return
    current, origin = _current(layout)
    if as_json:
        print(json.dumps([_describe(layout, i, i.name in current) for i in installed], indent=2))
        return
    rows = []
    if runner.system_which(layout, "python3", os.environ) or runner.system_which(
        layout, "python", os.environ
    ):
        rows.append(("system", "system" in current, ""))
    for inst in installed:
        receipt = registry.read_receipt(layout, inst.name)
        link = f" --> {receipt['prefix']}" if receipt.get("source") == "link" else ""
        rows.append((inst.name, inst.name in current, link))
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


def _describe(layout: Layout, inst: registry.Installation, current: bool) -> dict[str, object]:
    from pyv.request import VARIANT_NAMES

    receipt = registry.read_receipt(layout, inst.name)
    version = inst.request.version
    own = inst.request.impl_version
    return {
        "name": inst.name,
        "implementation": inst.request.implementation,
        "version": version.public if version else None,
        "implementation_version": own.public if own else None,
        "variant": VARIANT_NAMES[inst.request.variant],
        "path": inst.path,
        "prefix": registry.prefix(layout, inst.name),
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
