"""Run pyv with its stdout and stderr read as pyenv's: "pyv" as "pyenv", PYV_ as PYENV_.

This process becomes pyv (exec), so pyv's parent is still whatever ran the adapter (a
fish or bash the test started: pyv reads its parent to tell the shell), and a forked
child does the reading. One reader for both pipes passes each chunk on, to its own
stream, in the order they arrive, which two separate filters would race over.

    python relay.py COMMAND [ARGS...]
"""

import os
import re
import selectors
import sys

WORD = re.compile(rb"\bpyv\b")
VAR = re.compile(rb"\bPYV_")


def rename(data: bytes) -> bytes:
    return VAR.sub(b"PYENV_", WORD.sub(b"pyenv", data))


def relay(where: dict[int, int]) -> None:
    pending = {1: b"", 2: b""}
    chooser = selectors.DefaultSelector()
    for fd in where:
        chooser.register(fd, selectors.EVENT_READ)
    while where:
        for key, _ in chooser.select():
            fd = key.fd
            chunk = os.read(fd, 65536)
            out = where[fd]
            if not chunk:
                chooser.unregister(fd)
                del where[fd]
                if pending[out]:
                    os.write(out, rename(pending[out]))
                continue
            # whole lines only, so a word split between two reads is still renamed
            head, newline, pending[out] = (pending[out] + chunk).rpartition(b"\n")
            if newline:
                os.write(out, rename(head + newline))


def main() -> None:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if os.fork() == 0:
        os.close(out_w)
        os.close(err_w)
        os.close(0)
        relay({out_r: 1, err_r: 2})
        os._exit(0)
    os.close(out_r)
    os.close(err_r)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.close(out_w)
    os.close(err_w)
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
