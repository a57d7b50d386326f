"""Run pyv, and kill it with SIGKILL just before its Nth change to the file system.

    python killer.py N COUNT_FILE PYV_ARGS...

A change is a call that creates, renames, links or removes a file or folder, or opens
one for writing. With N = 0 nothing is killed, and the number of changes the command
made is written to COUNT_FILE, so a test can kill it at each one in turn.
"""

from __future__ import annotations

import builtins
import os
import signal
import sys
from typing import Any

_count = [0]
_kill_at = [0]


def _step() -> None:
    _count[0] += 1
    if _count[0] == _kill_at[0]:
        os.kill(os.getpid(), signal.SIGKILL)


def _counted(function: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        _step()
        return function(*args, **kwargs)

    return call


def _install() -> None:
    for name in ("rename", "replace", "symlink", "link", "unlink", "rmdir", "mkdir"):
        setattr(os, name, _counted(getattr(os, name)))
    real_os_open, real_open = os.open, builtins.open

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            _step()
        return real_os_open(path, flags, *args, **kwargs)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            _step()
        return real_open(file, mode, *args, **kwargs)

    os.open = os_open
    builtins.open = open_


if __name__ == "__main__":
    _kill_at[0] = int(sys.argv[1])
    count_file = sys.argv[2]
    _install()
    from pyv.main import main

    try:
        code = main(sys.argv[3:])
    finally:
        if _kill_at[0] == 0:
            with open(count_file, "w") as f:
                f.write(str(_count[0]))
    raise SystemExit(code)
