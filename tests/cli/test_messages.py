"""What pyv prints on stderr: one line per message, whatever a path or a word holds, and
never a traceback (unless PYV_DEBUG asks for one)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import World

Capture = pytest.CaptureFixture[str]

# A folder name that would retitle the terminal (OSC 0 ... BEL), clear it (CSI 2J),
# and forge a second line (CR LF), beside a space and a printable non-ASCII letter.
EVIL = "odd \x1b]0;pwned\x07 \x1b[2J\r\nline two é"
SHOWN = "odd \\x1b]0;pwned\\x07 \\x1b[2J\\r\\nline two é"


def message_lines(stderr: str) -> list[str]:
    """The lines of ``stderr``, each checked to hold printable characters only."""
    assert stderr.endswith("\n") and "Traceback" not in stderr, stderr
    lines = stderr[:-1].split("\n")
    for line in lines:
        assert line.isprintable(), repr(line)
    return lines


def test_one_line_escapes_what_a_terminal_would_act_on_and_nothing_else() -> None:
    from pyv.errors import one_line

    assert one_line(EVIL) == SHOWN
    assert one_line("/home/ana/my projects/café/.python-version") == (
        "/home/ana/my projects/café/.python-version"
    )
    assert one_line("a\tb\x00c\x7fd\u202ee\u2028f\udcff") == (
        "a\\tb\\x00c\\x7fd\\u202ee\\u2028f\\udcff"
    )


def test_a_working_directory_with_escape_sequences_stays_on_one_line_per_message(
    world: World,
) -> None:
    project = world.work / EVIL
    project.mkdir()
    (project / ".python-version").write_text("3.9.18\n../../etc\n")
    file = f"{world.work}/{SHOWN}/.python-version"
    warning = f"pyv: warning: ignoring `../../etc' in {file}, line 2: not a version"
    missing = f"pyv: version `3.9.18' is not installed (set by {file})"
    for args in (["version"], ["which", "python3"], ["exec", "python3"], ["prefix"]):  # hot
        done = world.run(*args, cwd=project)
        lines = message_lines(done.stderr)
        assert lines[0].startswith(warning), lines
        assert lines[1] == missing
        if args[0] in ("which", "exec"):  # as pyenv: then the command is not found
            assert done.returncode == 127
            assert lines[2:] == ["pyv: python3: command not found"], lines
        else:
            assert done.returncode == 1
            assert len(lines) == 2, lines
    done = world.run("versions", cwd=project)  # typer's path
    assert done.returncode == 0
    lines = message_lines(done.stderr)
    assert len(lines) == 2 and lines[0].startswith(warning), lines
    assert (
        lines[1] == f"pyv: warning: version `3.9.18' is selected (set by {file}) but not installed"
    )


def test_a_pyv_root_with_escape_sequences_is_refused_on_one_line(world: World) -> None:
    root = world.tmp / f"root {EVIL}"
    root.mkdir()
    done = world.run("version-name", PYV_ROOT=str(root))
    assert done.returncode == 1
    lines = message_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("pyv: PYV_ROOT "), lines
    assert SHOWN in lines[0]


def test_doctors_report_is_escaped_too(world: World) -> None:
    project = world.work / EVIL
    project.mkdir()
    (project / ".python-version").write_text("3.9.18\n")
    done = world.run("doctor", cwd=project)
    assert done.returncode == 1
    lines = message_lines(done.stdout)
    file = f"{world.work}/{SHOWN}/.python-version"
    assert f"problem: version `3.9.18' is not installed (set by {file}); run" in done.stdout, lines


def test_pyv_runs_messages_are_escaped_too(world: World) -> None:
    world.install("3.12.1")
    (world.work / EVIL).write_text("")
    done = world.run("run", "3.12.1", "--", "python3", EVIL)
    assert done.returncode == 0, done.stderr
    header = done.stderr.split("\n")[0]  # then what the command itself printed, as it is
    assert header == f"==> 3.12.1: python3 '{SHOWN}'"
    done = world.run("run", "3.12.1", "--", f"no-such-{EVIL}")
    assert done.returncode == 1
    assert f"pyv: no-such-{SHOWN}: command not found in 3.12.1" in message_lines(done.stderr)
    done = world.run("run", "3.12.1", "--", f"./{EVIL}")  # there, but not executable
    assert done.returncode == 1
    assert f"pyv: cannot run ./{SHOWN}: Permission denied" in message_lines(done.stderr)


def test_status_lines_are_escaped_too(capsys: Capture) -> None:
    from pyv import commands

    commands.tell(f"linked {EVIL}", "second line")
    assert message_lines(capsys.readouterr().err) == [f"linked {SHOWN}", "second line"]


# -- bugs: one line, or a traceback with PYV_DEBUG ------------------------------------------


def test_an_unexpected_error_is_one_line_on_the_hot_and_the_typer_path(
    world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyv import registry, runner

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom\x1b[2J")

    monkeypatch.setattr(runner, "resolve", broken)
    monkeypatch.setattr(registry, "installations", broken)
    line = "pyv: internal error: RuntimeError: boom\\x1b[2J (set PYV_DEBUG=1 for a traceback)\n"
    assert world.pyv("version-name", capsys=capsys) == (1, "", line)  # pyv.hot
    assert world.pyv("versions", capsys=capsys) == (1, "", line)  # the typer app
    from pyv.cli import run

    capsys.readouterr()
    assert run(["versions"]) == 1  # the typer app's handler by itself
    assert capsys.readouterr().err == line
    monkeypatch.setenv("PYV_DEBUG", "0")
    assert world.pyv("versions", capsys=capsys) == (1, "", line)
    monkeypatch.setenv("PYV_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        world.pyv("version-name", capsys=capsys)
    with pytest.raises(RuntimeError, match="boom"):
        world.pyv("versions", capsys=capsys)


BROKEN_PYV = """
import sys
from pyv import runner

def broken(*args):
    raise LookupError("nobody expected this")

runner.resolve = broken
from pyv.main import entry
entry()
"""


@pytest.mark.parametrize("debug", ["", "1"])
def test_pyv_debug_shows_the_traceback_of_a_real_process(world: World, debug: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_PYV, "version-name"],
        cwd=world.work,
        env=world.env(PYV_DEBUG=debug),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    if debug:
        assert done.stderr.startswith("Traceback (most recent call last):\n")
        assert done.stderr.endswith("LookupError: nobody expected this\n")
    else:
        assert message_lines(done.stderr) == [
            "pyv: internal error: LookupError: nobody expected this"
            " (set PYV_DEBUG=1 for a traceback)"
        ]


def test_no_receipt_makes_a_traceback(world: World) -> None:
    """A receipt nested too deeply for json is read as an unreadable one: no error."""
    world.install("3.12.1")
    (world.root / "versions" / "3.12.1" / "pyv-receipt.json").write_text("[" * 200_000)
    for args in (["versions"], ["versions", "--json"], ["prefix", "3.12.1"]):
        done = world.run(*args)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") <= 1, done.stderr
        assert done.returncode == 0 and "internal error" not in done.stderr, done.stderr


def test_pyv_debug_shows_the_traceback_of_a_file_system_error_too(
    world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    (world.work / ".python-version").mkdir()  # cannot be read, nor replaced by a file
    code, _, err = world.pyv("local", "--force", "3.12", capsys=capsys)
    assert code == 1 and err.startswith("pyv: ") and err.count("\n") == 1
    monkeypatch.setenv("PYV_DEBUG", "1")
    with pytest.raises(IsADirectoryError):
        world.pyv("local", "--force", "3.12", capsys=capsys)


def test_the_install_hint_is_shown_at_a_terminal_only(world: World) -> None:
    """Scripts and logs get pyenv's exact line; a person at a terminal also the hint."""
    from tests.terminal import run_in_terminal

    (world.work / ".python-version").write_text("3.9.18\n")
    origin = world.work / ".python-version"
    line = f"pyv: version `3.9.18' is not installed (set by {origin})"
    piped = world.run("version-name")
    assert (piped.returncode, piped.stderr) == (1, line + "\n")
    code, out = run_in_terminal(
        [sys.executable, "-m", "pyv", "version-name"],
        env=world.env(PWD=str(world.work)),
        cwd=world.work,
    )
    assert code == 1
    assert out.decode().strip() == f"{line}; run `pyv install 3.9.18'"
