"""The ``pyv`` entry point: hot commands first, the typer CLI for everything else."""

from __future__ import annotations

import sys

from pyv import hot


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
        print("pyv: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`pyv versions | head`): not an error worth a traceback.
        sys.stderr.close()
        return 1
    except OSError as e:
        # A full disk, a read-only folder: the system's reason, on one line.
        where = f": {e.filename}" if e.filename else ""
        print(f"pyv: {e.strerror or e}{where}", file=sys.stderr)
        return 1


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
