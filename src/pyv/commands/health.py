"""What stops pyv working here, and the repair of what a crash left.

pyv doctor [--fix]
"""

from __future__ import annotations

import os

import typer

from pyv import reconcile
from pyv.commands import app, current_layout, exit_with
from pyv.errors import one_line


@app.command("doctor")
def doctor(
    fix: bool = typer.Option(
        False, "--fix", help="Repair what a killed pyv left: aliases, shims, temporary files."
    ),
) -> None:
    """Report what stops pyv from working here, with the fix for each."""
    from pyv import doctor as checks

    layout = current_layout()
    if fix:
        with reconcile.lock(layout) as repairs:
            for line in repairs.lines():
                print(f"fixed: {one_line(line)}")
    found = checks.problems(layout, os.environ)
    for problem in found:  # paths and words from files: escaped, as in every message
        print(f"problem: {one_line(problem)}")
    if not found:
        print("no problems found")
    exit_with(1 if found else 0)
