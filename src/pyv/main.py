"""The ``pyv`` entry point: hot commands first, the typer CLI for everything else.

Whatever happens below, the user sees one line on stderr and an exit code, never a
traceback; ``PYV_DEBUG=1`` shows the traceback of an unexpected error, for bug reports.
"""

from __future__ import annotations

import os
import sys

from pyv import hot
from pyv.errors import debugging, internal, say


def main(argv: list[str] | None = None) -> int:
    """Run pyv with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        status = hot.dispatch(args)
        if status is not None:
            return status
        from pyv.cli import run

        return run(args)
    except KeyboardInterrupt:
        say("pyv: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`pyv versions | head`): not an error worth a traceback.
        sys.stderr.close()
        return 1
    except OSError as e:
        if debugging(os.environ):
            raise
        if _working_dir_gone(e):
            say("pyv: the working directory no longer exists; cd to a folder that exists")
            return 1
        # A full disk, a read-only folder: the system's reason, on one line.
        where = f": {e.filename}" if e.filename else ""
        say(f"pyv: {e.strerror or e}{where}")
        return 1
    except Exception as e:  # a bug: one line, or its traceback with PYV_DEBUG=1
        return internal(e, os.environ)


def _working_dir_gone(error: OSError) -> bool:
    """Whether ``error`` came from a working directory that was deleted: a file not found
    that names no file (getcwd's own error) or a relative one, where getcwd fails now."""
    if not isinstance(error, FileNotFoundError):
        return False
    name = error.filename
    if isinstance(name, (str, bytes)) and os.path.isabs(os.fsdecode(name)):
        return False
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def entry() -> None:
    """Console-script entry point. It ends the process itself once the output is out:
    the interpreter's own teardown (every module cleared, every object freed) took
    9.5 ms after an install, about 4% of it, and a shell prompt pays it on every call."""
    code = main()
    import atexit

    atexit._run_exitfuncs()  # pyv registers none; a library it imports might
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: what the interpreter's own exit would report
        code = code or 120
    os._exit(code)
