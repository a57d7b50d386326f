"""The flock-based lock behind the registry and the download cache."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pyv.lock import FileLock, Timeout

HOLD = (
    "import sys, time; from pyv.lock import FileLock\n"
    "with FileLock(sys.argv[1]):\n"
    "    print('held', flush=True); time.sleep(60)"
)


def test_two_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    path = str(tmp_path / ".lock")
    first = FileLock(path)
    first.acquire()
    got = threading.Event()

    def second() -> None:
        with FileLock(path):
            got.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not got.wait(0.3)  # the first holder still has it
    first.release()
    assert got.wait(5)
    thread.join()


def test_a_held_lock_times_out(tmp_path: Path) -> None:
    path = str(tmp_path / ".lock")
    with FileLock(path):
        start = time.monotonic()
        with pytest.raises(Timeout):
            FileLock(path).acquire(timeout=0.2)
        assert time.monotonic() - start >= 0.2
    FileLock(path).acquire(timeout=0)  # free again once the holder let go


def test_a_killed_holder_leaves_the_lock_free(tmp_path: Path) -> None:
    path = str(tmp_path / ".lock")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, path], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(Timeout):
        FileLock(path).acquire(timeout=0.1)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    lock = FileLock(path)
    lock.acquire(timeout=5)
    lock.release()


def test_the_holder_is_known_by_its_pid_while_it_holds_the_lock(tmp_path: Path) -> None:
    path = str(tmp_path / ".lock")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, path], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline() == "held\n"
        assert FileLock(path).holder() == holder.pid
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with FileLock(path) as mine:
        assert mine.holder() == os.getpid()
    assert FileLock(path).holder() is None  # let go: nobody holds it
