"""scripts/bench-install: the peak memory of a process tree (a forked child counts, the
same address space does not count twice), and whether the machine was quiet."""

from __future__ import annotations

import os
import sys
import time
from types import ModuleType

import pytest

from tests import scripts

needs_proc = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task"), reason="the tree is read from Linux's /proc"
)


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return scripts.load("bench-install")


@needs_proc
def test_kcmp_tells_one_address_space_from_a_fork(bench: ModuleType) -> None:
    if bench._KCMP is None:
        pytest.skip(f"kcmp's number is not known on {os.uname().machine}")
    me = os.getpid()
    if not bench._same_memory(me, me):
        pytest.skip("kcmp is not allowed here (seccomp): a child would count twice")
    child = os.fork()
    if child == 0:
        time.sleep(5)
        os._exit(0)
    try:
        assert not bench._same_memory(me, child)  # copy-on-write: memory of its own
        assert bench._tree(me)[0] == me
        assert child in bench._tree(me)
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)


@needs_proc
def test_a_forked_child_holding_memory_counts(bench: ModuleType) -> None:
    # The parent holds little; its child 30 MB of its own: the tree's peak has both.
    script = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    b = bytearray(30 << 20)\n"
        "    for i in range(0, len(b), 4096): b[i] = 1\n"
        "    time.sleep(0.3)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
    )
    alone = bench.tree_peak([sys.executable, "-c", "import time; time.sleep(0.3)"], {})
    both = bench.tree_peak([sys.executable, "-c", script], {})
    assert both - alone > 25


def test_a_machine_busy_on_its_second_core_is_not_quiet(bench: ModuleType) -> None:
    one, two = bench.machine()
    assert one > 0 and two > 0
    steady = bench.quiet((20.0, 21.0), (19.0, 20.0), 0.001)
    assert steady.startswith("machine: ") and "20 / 21 ms before, 19 / 20 ms after" in steady
    assert "the host took 0.1% of the CPUs' time" in steady
    assert "not quiet" not in steady
    assert "not quiet" not in bench.quiet((20.0, 21.0), (19.0, 20.0), None)  # not a VM
    assert "not quiet" in bench.quiet((20.0, 21.0), (20.0, 30.0), 0.0)  # second core busy
    assert "not quiet" in bench.quiet((20.0, 21.0), (27.0, 28.0), 0.0)  # slower by the end
    assert "not quiet" in bench.quiet((20.0, 21.0), (20.0, 21.0), 0.05)  # the host's


@needs_proc
def test_steal_is_read_from_proc_stat(bench: ModuleType) -> None:
    first = bench.stolen()
    assert first is not None and first >= 0
    assert bench.stolen() >= first
    share = bench.steal_since(time.monotonic() - 1.0, first)  # a second, all CPUs
    assert share is not None and 0 <= share <= 1
