"""``pyv run``: one command, once per Python version, with a summary.

Each run gets the version's ``bin`` first on PATH and ``PYV_VERSION`` set to it, so
``python``, ``pip`` and console scripts (and the shims, in anything the command
starts) resolve to that version. Sequential runs stream their output under a header;
parallel runs (``jobs > 1``) prefix every line with the version.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from pyv import registry, runner
from pyv.errors import one_line
from pyv.paths import Layout


@dataclass(frozen=True)
class Outcome:
    """How one version's run ended."""

    version: str
    status: int
    seconds: float


def environment(layout: Layout, name: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment for running a command of installation ``name``."""
    env = dict(environ)
    env["PYV_VERSION"] = name
    if name != runner.SYSTEM:
        env["PATH"] = registry.bin_dir(layout, name) + os.pathsep + env.get("PATH", os.defpath)
    return env


def run_all(
    layout: Layout,
    names: list[str],
    argv: list[str],
    environ: Mapping[str, str],
    *,
    jobs: int = 1,
    out: IO[str] | None = None,
) -> list[Outcome]:
    """Run ``argv`` once per installation in ``names``; outputs go to ``out`` (stderr)."""
    out = out or sys.stderr
    if jobs <= 1:
        outcomes = []
        for name in names:
            print(one_line(f"==> {name}: {shlex.join(argv)}"), file=out, flush=True)
            outcomes.append(_run_one(layout, name, argv, environ, out, prefix=None))
        return outcomes
    from concurrent.futures import ThreadPoolExecutor

    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(
            pool.map(
                lambda name: _run_one(layout, name, argv, environ, out, prefix=(name, lock)),
                names,
            )
        )


def _run_one(
    layout: Layout,
    name: str,
    argv: list[str],
    environ: Mapping[str, str],
    out: IO[str],
    *,
    prefix: tuple[str, threading.Lock] | None,
) -> Outcome:
    env = environment(layout, name, environ)
    command = runner.find_command(layout, name, argv[0], env) if os.sep not in argv[0] else argv[0]
    if command is None:
        print(one_line(f"pyv: {argv[0]}: command not found in {name}"), file=out, flush=True)
        return Outcome(name, 127, 0.0)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            [command, *argv[1:]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL if prefix else None,
        )
    except OSError as e:
        print(one_line(f"pyv: cannot run {command}: {e.strerror}"), file=out, flush=True)
        return Outcome(name, 126, 0.0)
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        if prefix is None:
            out.write(line)
            out.flush()
        else:
            with prefix[1]:
                out.write(f"[{prefix[0]}] {line}")
                out.flush()
    status = proc.wait()
    return Outcome(name, status, time.monotonic() - start)


def summary(outcomes: list[Outcome]) -> str:
    """A table: version, exit status, time."""
    width = max([len("version"), *(len(o.version) for o in outcomes)])
    lines = [f"{'version':{width}}  status  time"]
    for o in outcomes:
        mark = "ok" if o.status == 0 else f"{o.status}"
        lines.append(f"{o.version:{width}}  {mark:>6}  {o.seconds:.2f}s")
    return "\n".join(lines)
