"""What both kinds of install share: the "installed already" check that repairs, the
interpreter's answers, and the phase callback for an install shown on no line.

Its own module so that install.py (prebuilt archives) and from_source.py (source
builds) import it, and not each other.
"""

from __future__ import annotations

import os

from pyv import registry
from pyv.builds.archive import ArchiveError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pyv import interpreter
    from pyv.paths import Layout


def installed_already(layout: Layout, name: str, *, force: bool) -> bool:
    """True if ``name`` is installed and not to be replaced. The lock is taken all the
    same: its reconcile step repairs what a crash left undone (aliases, shims)."""
    if force or name not in registry.names(layout):
        return False
    from pyv import reconcile

    reconcile.repair(layout)
    return True


class NotRunnable(ArchiveError):
    """An archive whose interpreter does not answer pyv's questions."""


def probed(probe: interpreter.Probe, archive: str) -> interpreter.Interpreter:
    """What the archive's interpreter says; an error naming the archive if it cannot say."""
    from pyv import interpreter

    try:
        return interpreter.read_probe(probe)
    except interpreter.ProbeError as e:
        filename = os.path.basename(archive)
        raise NotRunnable(f"the bin/python3 of {filename} {e.reason}") from None


def no_phase(phase: str, percent: float | None = None) -> None:
    """Where there is no line to show an install's phases on."""
