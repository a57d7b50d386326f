"""What a person sees while several versions install: on a real pseudo-terminal, one
line per version going through its phases, messages above the lines, and at the end one
result per version and a clean line; piped, plain lines, one per event."""

from __future__ import annotations

import re
import subprocess
import sys
import time

from tests.conftest import World
from tests.install.conftest import Builds, build_archive
from tests.terminal import COLUMNS, Screen, run_in_terminal

RESULT = r"installed {} in \d+(\.\d)? s"  # 0.6 s, 12 s
TRANSFER = r" +\d+%  [\d.]+/[\d.]+ [kM]B  [\d.]+ [kM]B/s"  # done, of the size, speed
PROBE = 0.4  # each fake interpreter takes this long to answer, under the registry lock


def serve_four(builds: Builds) -> str:
    """3.9.18, 3.11.7 (whose sha256 does not match), 3.12.3 (an HTTP 500 first) and
    3.13.0, each sent over about a second; return the retry's message."""
    for version in ("3.9.18", "3.11.7", "3.12.3", "3.13.0"):
        data = build_archive(version, padding=1_000_000, probe_delay=PROBE)
        path = builds.add(version, data, sha256="0" * 64 if version == "3.11.7" else None)
        builds.server.faults[path] = ["500", "throttle"] if version == "3.12.3" else ["throttle"]
    name = "cpython-3.12.3+20260814-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
    return f"pyv: {name}: HTTP 500; retrying in 0.2 s"


MISMATCH = (
    r"pyv: sha256 mismatch for cpython-3\.11\.7\S+: expected 0{64}, got [0-9a-f]{64}"
    r" \([\d,]+ bytes\); nothing was installed"
)


def test_several_installs_on_a_terminal_leave_one_result_each_and_a_clean_line(
    builds: Builds, world: World
) -> None:
    retry = serve_four(builds)
    command = [sys.executable, "-m", "pyv", "install", "3.9", "3.11", "3.12", "3.13"]
    code, output = run_in_terminal(command, env=world.env(PWD=str(world.work)), cwd=world.work)
    screen = Screen(output)
    assert code == 1, output
    # While it ran: each version's line went through its phases, redrawn in place...
    text = output.decode()
    for version in ("3.9.18", "3.12.3", "3.13.0"):
        for phase in ("downloading", "unpacking", "checking"):
            assert f"{version}: {phase}" in text, text
    assert re.search(r"3\.13\.0: downloading" + TRANSFER, text), text
    assert "3.11.7: failed" in text
    # ...never as wide as the terminal, where it would wrap.
    assert all(len(line) < COLUMNS for line in screen.lines() if not line.startswith("pyv:"))
    # At the end: the messages above, one result per version in the order asked, nothing
    # of the progress lines, the cursor at the start of a clean line.
    lines = screen.lines()
    assert len(lines) == 5, lines
    assert lines[0] == retry
    assert re.fullmatch(RESULT.format(r"3\.9\.18"), lines[1]), lines
    assert re.fullmatch(MISMATCH, lines[2]), lines
    assert re.fullmatch(RESULT.format(r"3\.12\.3"), lines[3]), lines
    assert re.fullmatch(RESULT.format(r"3\.13\.0"), lines[4]), lines
    assert screen.at_a_clean_line(), (screen.row, screen.col, output[-200:])
    # The installs of one command wait for each other's turn without a word.
    assert "waiting" not in text


def test_piped_output_is_plain_lines_one_per_event(builds: Builds, world: World) -> None:
    retry = serve_four(builds)
    done = world.run("install", "3.9", "3.11", "3.12", "3.13")
    assert done.returncode == 1
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 5, lines
    assert lines[0] == retry
    assert lines[1] == "installed 3.9.18"
    assert re.fullmatch(MISMATCH, lines[2]), lines
    assert lines[3:] == ["installed 3.12.3", "installed 3.13.0"]


def hold_the_lock(builds: Builds, world: World) -> subprocess.Popen[str]:
    """A real pyv process installing 3.12.3 with --from, caught while it holds the
    registry lock: it learns the version of an archive that is not in the catalog by
    running its interpreter under the lock, and this one takes 4 s to answer (time for
    the other one to start and wait)."""
    archive = world.tmp / "python-3.12.3.tar.gz"
    archive.write_bytes(build_archive("3.12.3", probe_delay=4))
    holder = subprocess.Popen(
        [sys.executable, "-m", "pyv", "install", "--from", str(archive)],
        cwd=world.work,
        env=world.env(PWD=str(world.work)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lock = world.root / ".lock"
    deadline = time.monotonic() + 30
    while not (lock.is_file() and lock.read_text() == str(holder.pid)):
        assert time.monotonic() < deadline, "the holder never took the lock"
        assert holder.poll() is None, "the holder ended before it took the lock"
        time.sleep(0.02)
    return holder


def test_waiting_for_another_pyv_process_names_it_on_a_terminal(
    builds: Builds, world: World
) -> None:
    builds.add("3.13.0")
    holder = hold_the_lock(builds, world)
    try:
        command = [sys.executable, "-m", "pyv", "install", "3.13"]
        code, output = run_in_terminal(command, env=world.env(PWD=str(world.work)), cwd=world.work)
    finally:
        holder.kill()
        holder.wait()
    screen = Screen(output)
    assert code == 0, output
    lines = screen.lines()
    assert lines[0] == f"pyv: waiting for another pyv process (pid {holder.pid}) to finish"
    assert re.fullmatch(RESULT.format(r"3\.13\.0"), lines[1]) and len(lines) == 2, lines
    assert screen.at_a_clean_line()


def test_waiting_for_another_pyv_process_names_it_piped(builds: Builds, world: World) -> None:
    builds.add("3.13.0")
    holder = hold_the_lock(builds, world)
    try:
        done = world.run("install", "3.13")
    finally:
        holder.kill()
        holder.wait()
    assert (done.returncode, done.stderr) == (
        0,
        f"pyv: waiting for another pyv process (pid {holder.pid}) to finish\ninstalled 3.13.0\n",
    )
