"""The pyv commands end to end, with exact outputs (stdout is data, stderr one line per error)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import World, real_pythons

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def three(world: World) -> World:
    for name in ("3.11.7", "3.12.1", "3.12.3"):
        world.install(name, ("python", "python3", f"python{name.rsplit('.', 1)[0]}", "pip"))
    return world


def test_nothing_selected_means_system(world: World, capsys: Capture) -> None:
    assert world.pyv("version-name", capsys=capsys) == (0, "system\n", "")
    assert (
        world.pyv("version", capsys=capsys)[1]
        == f"system (set by {world.root / 'version'})\n"  # pyenv's wording
    )


def test_local_writes_the_canonical_request_and_selects_it(three: World, capsys: Capture) -> None:
    assert three.pyv("local", "cpython@3.12", capsys=capsys) == (0, "", "")
    assert (three.work / ".python-version").read_text() == "3.12\n"
    assert three.pyv("local", capsys=capsys) == (0, "3.12\n", "")
    assert three.pyv("version-name", capsys=capsys) == (0, "3.12.3\n", "")
    origin = three.work / ".python-version"
    assert three.pyv("version", capsys=capsys) == (0, f"3.12.3 (set by {origin})\n", "")
    assert three.pyv("version-origin", capsys=capsys) == (0, f"{origin}\n", "")


def test_local_refuses_a_version_that_is_not_installed(world: World, capsys: Capture) -> None:
    assert world.pyv("local", "3.99", capsys=capsys) == (
        1,
        "",
        "pyv: version `3.99' not installed\n",
    )
    assert not (world.work / ".python-version").exists()


def test_local_force_then_every_command_names_the_file(world: World, capsys: Capture) -> None:
    assert world.pyv("local", "--force", "3.9.18", capsys=capsys)[0] == 0
    origin = world.work / ".python-version"
    expected = f"pyv: version `3.9.18' is not installed (set by {origin})\n"
    assert world.pyv("version-name", capsys=capsys) == (1, "", expected)
    assert world.pyv("which", "python", capsys=capsys) == (
        127,
        "",
        expected + "pyv: python: command not found\n",  # as pyenv says it
    )
    assert world.pyv("version", capsys=capsys) == (1, "", expected)


def test_several_local_versions_one_per_line(three: World, capsys: Capture) -> None:
    three.pyv("local", "3.12", "3.11", capsys=capsys)
    assert (three.work / ".python-version").read_text() == "3.12\n3.11\n"
    assert three.pyv("version-name", capsys=capsys) == (0, "3.12.3:3.11.7\n", "")
    assert three.pyv("which", "python3.11", capsys=capsys)[1].endswith("/3.11.7/bin/python3.11\n")


def test_local_unset(three: World, capsys: Capture) -> None:
    three.pyv("local", "3.12", capsys=capsys)
    assert three.pyv("local", "--unset", capsys=capsys) == (0, "", "")
    assert not (three.work / ".python-version").exists()
    assert three.pyv("local", capsys=capsys)[0] == 1


def test_global_file(three: World, capsys: Capture) -> None:
    assert three.pyv("global", capsys=capsys) == (0, "system\n", "")
    assert three.pyv("global", "3.11", capsys=capsys) == (0, "", "")
    assert (three.root / "version").read_text() == "3.11\n"
    assert three.pyv("global", capsys=capsys) == (0, "3.11\n", "")
    assert three.pyv("version", capsys=capsys) == (
        0,
        f"3.11.7 (set by {three.root / 'version'})\n",
        "",
    )
    assert three.pyv("global", "--unset", capsys=capsys)[0] == 0
    assert three.pyv("version-name", capsys=capsys) == (0, "system\n", "")


def test_the_environment_variable_wins(
    three: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    three.pyv("local", "3.11", capsys=capsys)
    monkeypatch.setenv("PYV_VERSION", "3.12.1")
    assert three.pyv("version", capsys=capsys) == (
        0,
        "3.12.1 (set by PYV_VERSION environment variable)\n",
        "",
    )
    assert three.pyv("version-origin", capsys=capsys)[1] == "PYV_VERSION environment variable\n"


def test_which_and_whence(three: World, capsys: Capture) -> None:
    three.pyv("local", "3.12", capsys=capsys)
    expected = three.root / "versions" / "3.12.3" / "bin" / "pip"
    assert three.pyv("which", "pip", capsys=capsys) == (0, f"{expected}\n", "")
    assert three.pyv("whence", "python3.12", capsys=capsys) == (0, "3.12.1\n3.12.3\n", "")
    assert three.pyv("whence", "nope", capsys=capsys) == (1, "", "")


def test_a_command_no_selected_version_has_exits_127(three: World, capsys: Capture) -> None:
    three.pyv("local", "3.12", capsys=capsys)
    tox = three.root / "versions/3.11.7/bin/tox"  # only 3.11.7 has it
    tox.write_text("#!/bin/sh\n")
    tox.chmod(0o755)
    assert three.pyv("which", "tox", capsys=capsys) == (
        127,
        "",
        "pyv: tox: command not found; the `tox' command exists in these Python versions: 3.11.7\n",
    )
    assert three.pyv("which", "black", capsys=capsys) == (
        127,
        "",
        "pyv: black: command not found\n",
    )


def test_prefix(three: World, capsys: Capture) -> None:
    three.pyv("local", "3.12", "3.11", capsys=capsys)
    versions = three.root / "versions"
    assert three.pyv("prefix", capsys=capsys) == (
        0,
        f"{versions / '3.12.3'}:{versions / '3.11.7'}\n",
        "",
    )
    assert three.pyv("prefix", "3.12.1", capsys=capsys) == (0, f"{versions / '3.12.1'}\n", "")
    assert three.pyv("prefix", "3.10", capsys=capsys) == (
        1,
        "",
        "pyv: version `3.10' not installed\n",
    )


def test_versions_lists_and_marks_the_current_one(three: World, capsys: Capture) -> None:
    three.pyv("local", "3.12", capsys=capsys)
    out = three.pyv("versions", capsys=capsys)[1]
    lines = [line for line in out.splitlines() if "system" not in line]
    origin = three.work / ".python-version"
    # oldest first with the alias links, as pyenv lists versions/; the word selected
    # is marked, and where it leads is shown
    assert lines == [
        "  3 --> 3.12.3",
        "  3.11 --> 3.11.7",
        "  3.11.7",
        "* 3.12 --> 3.12.3 (set by " + str(origin) + ")",
        "  3.12.1",
        "  3.12.3",
    ]
    assert three.pyv("versions", "--bare", "--skip-aliases", capsys=capsys) == (
        0,
        "3.11.7\n3.12.1\n3.12.3\n",
        "",
    )
    three.pyv("local", "3.12.1", capsys=capsys)
    data = json.loads(three.pyv("versions", "--json", "--skip-aliases", capsys=capsys)[1])
    assert [(d["name"], d["current"]) for d in data] == [
        ("3.11.7", False),
        ("3.12.1", True),
        ("3.12.3", False),
    ]
    assert data[2]["prefix"] == str(three.root / "versions" / "3.12.3")


def test_latest(three: World, capsys: Capture) -> None:
    assert three.pyv("latest", "3.12", capsys=capsys) == (0, "3.12.3\n", "")
    assert three.pyv("latest", "3", capsys=capsys) == (0, "3.12.3\n", "")
    assert three.pyv("latest", "3.10", capsys=capsys) == (
        1,
        "",
        "pyv: no installed versions match the prefix `3.10'\n",
    )
    assert three.pyv("latest", "-q", "3.10", capsys=capsys) == (1, "", "")


def test_uninstall(three: World, capsys: Capture) -> None:
    assert three.pyv("uninstall", "-y", "3.12.1", capsys=capsys) == (0, "", "uninstalled 3.12.1\n")
    assert three.pyv("versions", "--bare", "--skip-aliases", capsys=capsys)[1] == "3.11.7\n3.12.3\n"
    assert three.pyv("uninstall", "-y", "3.12.1", capsys=capsys) == (
        1,
        "",
        "pyv: version `3.12.1' not installed; see `pyv versions'\n",
    )


def test_uninstall_removes_an_installation_named_twice_once(three: World, capsys: Capture) -> None:
    assert three.pyv("uninstall", "-y", "3.12.3", "3.11", "3.11.7", "3.12.3", capsys=capsys) == (
        0,
        "",
        "uninstalled 3.12.3\nuninstalled 3.11.7\n",
    )
    assert three.pyv("versions", "--bare", "--skip-aliases", capsys=capsys)[1] == "3.12.1\n"


def test_uninstall_refuses_an_ambiguous_prefix(three: World, capsys: Capture) -> None:
    three.install("3.11.9")
    assert three.pyv("uninstall", "-y", "3.11", capsys=capsys) == (
        1,
        "",
        "pyv: `3.11' matches several installed versions: 3.11.9, 3.11.7\n",
    )


def test_uninstall_without_a_terminal_needs_yes(three: World) -> None:
    done = three.run("uninstall", "3.12.1")
    assert (done.returncode, done.stderr) == (
        2,
        "pyv: uninstall asks for confirmation: pass -y to remove without asking\n",
    )
    assert (three.root / "versions" / "3.12.1").is_dir()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "pyv: no such command `nope'\n"),
        (["which", "--foo", "x"], "pyv: No such option: --foo; see `pyv which --help'\n"),
        (["local", "3.12/../.."], "pyv: invalid version `3.12/../..': not a version request\n"),
        (["local", "--unset", "3.12"], "pyv: --unset takes no versions\n"),
    ],
)
def test_bad_usage_is_one_line_and_no_traceback(
    world: World, capsys: Capture, args: list[str], message: str
) -> None:
    code, out, err = world.pyv(*args, capsys=capsys)
    assert (out, err) == ("", message)
    assert code in (1, 2)


def test_exec_runs_the_selected_command_and_passes_its_exit_status(three: World) -> None:
    script = three.root / "versions" / "3.12.3" / "bin" / "tool"
    script.write_text('#!/bin/sh\necho "args: $*"\necho "path: $PATH" | cut -d: -f2\nexit 3\n')
    script.chmod(0o755)
    three.run("local", "3.12")
    done = three.run("exec", "tool", "--help", "a b")
    assert done.returncode == 3
    lines = done.stdout.splitlines()
    assert lines[0] == "args: --help a b"
    assert lines[1] == f" {three.root / 'versions' / '3.12.3' / 'bin'}"


def test_exec_of_a_missing_command_exits_127(three: World) -> None:
    three.run("local", "3.12")
    done = three.run("exec", "nope")
    assert (done.returncode, done.stdout) == (127, "")
    assert done.stderr == "pyv: nope: command not found\n"


def test_path_traversal_in_a_version_file_never_runs_anything(world: World) -> None:
    evil = world.tmp / "evil" / "bin"
    evil.mkdir(parents=True)
    marker = world.tmp / "pwned"
    (evil / "python").write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    (evil / "python").chmod(0o755)
    (world.work / ".python-version").write_text("../../evil\n/tmp\n..\n-rf\n")
    done = world.run("exec", "python")
    assert done.returncode == 1
    assert not marker.exists()
    assert done.stderr.splitlines()[-1] == (
        f"pyv: {world.work / '.python-version'} names no usable version; "
        "write a version such as 3.12 in it, or remove it"
    )
    assert "warning: ignoring 4 entries that are not usable versions in " in done.stderr
    assert "(the first, line 1: `../../evil'" in done.stderr


def test_a_garbage_version_file_is_an_error_not_a_traceback(world: World) -> None:
    (world.work / ".python-version").write_bytes(b"\xff\xfe\x00garbage\x01\n" + b"x" * 5000)
    done = world.run("version-name")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].endswith(
        "names no usable version; write a version such as 3.12 in it, or remove it"
    )


def test_hot_commands_import_nothing_heavy(three: World) -> None:
    three.run("local", "3.12")
    code = (
        "import sys\n"
        "from pyv.main import main\n"
        "for args in (['version-name'], ['which', 'python3'], ['prefix'], ['version'],\n"
        "             ['init', '-', 'bash'], ['init', '--path', 'fish']):\n"
        "    assert main(args) == 0, args\n"
        "heavy = ('typer', 'packaging', 'pathlib', 'httpx', 'dataclasses', 'platformdirs',\n"
        "         'json', 're', 'enum')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=three.work
    )
    assert done.stdout.splitlines()[-1] == "[]"


def test_hot_and_typer_paths_print_the_same(three: World, capsys: Capture) -> None:
    from pyv.cli import run

    three.pyv("local", "3.12", "3.11", capsys=capsys)
    for args in (["version-name"], ["version"], ["which", "pip"], ["prefix"], ["root"]):
        hot = three.pyv(*args, capsys=capsys)
        capsys.readouterr()
        code = run(args)
        out, err = capsys.readouterr()
        assert hot == (code, out, err), args


@pytest.mark.parametrize("minor", ["3.9", "3.10"])
def test_hot_commands_run_on_old_pythons(three: World, minor: str) -> None:
    prefix = real_pythons().get(minor)
    if prefix is None:
        pytest.skip(f"no real CPython {minor} under ~/.pyenv/versions on this machine")
    three.run("local", "3.12")
    done = subprocess.run(
        [str(prefix / "bin" / "python3"), "-m", "pyv", "which", "python3"],
        capture_output=True,
        text=True,
        check=False,
        cwd=three.work,
        env=three.env(PWD=str(three.work)),
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"{three.root / 'versions' / '3.12.3' / 'bin' / 'python3'}\n"


def test_link_a_real_interpreter_and_run_it(
    world: World, capsys: Capture, real_python: Path
) -> None:
    assert world.pyv("link", str(real_python), capsys=capsys) == (
        0,
        "",
        f"linked {real_python.name}\n",
    )
    assert world.pyv("link", str(real_python), capsys=capsys) == (
        0,
        "",
        f"{real_python.name} is linked already\n",
    )
    world.pyv("local", real_python.name, capsys=capsys)
    done = world.run("exec", "python3", "-c", "import sys; print(sys.prefix)")
    assert done.returncode == 0, done.stderr
    assert os.path.realpath(done.stdout.strip()) == os.path.realpath(real_python)
    assert world.pyv("uninstall", "-y", real_python.name, capsys=capsys)[0] == 0
    assert (real_python / "bin").is_dir()


def test_version_flag(world: World, capsys: Capture) -> None:
    from pyv import __version__

    assert world.pyv("--version", capsys=capsys) == (0, f"pyv {__version__}\n", "")


def test_a_file_system_error_is_one_line(three: World, capsys: Capture) -> None:
    (three.work / ".python-version").mkdir()  # cannot be replaced by a file
    code, out, err = three.pyv("local", "3.12", capsys=capsys)
    assert (code, out) == (1, "")
    assert err.startswith("pyv: ") and err.count("\n") == 1
    assert "directory" in err


def test_a_bare_pyv_shows_its_version_and_help_without_an_error_line(world: World) -> None:
    from pyv import __version__

    done = world.run()
    assert (done.returncode, done.stdout) == (2, "")  # as pyenv: a failure, all on stderr
    assert done.stderr.splitlines()[:2] == [f"pyv {__version__}", "Usage: pyv <command> [<args>]"]
    assert "pyv:" not in done.stderr


# -- roots pyv refuses, and a deleted working directory (audit F1, F12, F9) ------------------
ROOT_COMMANDS = [
    ["root"],
    ["version-name"],
    ["which", "python3"],
    ["exec", "python3"],
    ["install", "3.12"],
    ["install", "--list"],
    ["rehash"],
    ["init", "-", "bash"],
    ["init", "--write", "fish"],
    ["versions"],
    ["local", "3.12"],
    ["global"],
]


@pytest.mark.parametrize(
    ("root", "message"),
    [
        (".pyvroot", "PYV_ROOT is not an absolute path: `.pyvroot'"),
        ("/x/inj\ntouch /x/PWNED #", "PYV_ROOT contains a control character"),
    ],
    ids=["relative", "newline"],
)
def test_every_command_refuses_an_unsafe_root_in_one_line(
    world: World, root: str, message: str
) -> None:
    (world.work / ".pyvroot" / "versions").mkdir(parents=True)
    for args in ROOT_COMMANDS:
        done = world.run(*args, PYV_ROOT=root)
        assert (done.returncode, done.stdout) == (1, ""), args
        assert done.stderr.startswith(f"pyv: {message}"), (args, done.stderr)
        assert done.stderr.count("\n") == 1, (args, done.stderr)
    assert not any(world.work.joinpath(".pyvroot").rglob("*shims*"))


def run_in_deleted_dir(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    """``pyv ARGS`` with a working directory deleted just before, under a .python-version."""
    folder = world.work / "gone"
    folder.mkdir()
    script = 'cd "$0" && rmdir "$0" && exec "$@"'
    return subprocess.run(
        ["/bin/sh", "-c", script, str(folder), sys.executable, "-m", "pyv", *args],
        cwd=world.work,
        env=world.env(PWD=str(folder)),
        capture_output=True,
        text=True,
        check=False,
    )


def test_in_a_deleted_folder_selection_commands_use_the_global_version(three: World) -> None:
    (three.work / ".python-version").write_text("3.11\n")  # above the folder: not used
    (three.root / "version").write_text("3.12\n")
    warning = (
        "pyv: warning: the working directory no longer exists, so no .python-version applies\n"
    )
    python = three.root / "versions" / "3.12.3" / "bin" / "python3"
    for args, out in [
        (["version-name"], "3.12.3\n"),
        (["version"], f"3.12.3 (set by {three.root / 'version'})\n"),
        (["which", "python3"], f"{python}\n"),
        (["exec", "python3", "x"], "3.12.3 python3 x\n"),
        (["version-origin"], f"{three.root / 'version'}\n"),
    ]:
        done = run_in_deleted_dir(three, *args)
        assert (done.returncode, done.stdout) == (0, out), args
        assert [x for x in done.stderr.splitlines(True) if x.startswith("pyv")] == [warning]


def test_in_a_deleted_folder_local_says_so_in_one_line(three: World) -> None:
    for args in (["local"], ["local", "3.12"], ["local", "--unset"]):
        done = run_in_deleted_dir(three, *args)
        assert (done.returncode, done.stdout) == (1, ""), args
        assert done.stderr == (
            "pyv: the working directory no longer exists; cd to a folder that exists\n"
        )


def test_in_a_deleted_folder_what_needs_the_folder_says_it_is_gone(three: World) -> None:
    # Not the system's bare "No such file or directory": a relative path names the folder
    # that is gone.
    gone = "pyv: the working directory no longer exists; cd to a folder that exists\n"
    for args in (
        ["version-file-write", "f", "3.12"],
        ["version-file", "."],
        ["venv", "-p", "3.12"],
        ["venv", "rel", "-p", "3.12"],
    ):
        done = run_in_deleted_dir(three, *args)
        assert (done.returncode, done.stdout, done.stderr) == (1, "", gone), args


def test_in_a_deleted_folder_doctor_still_reports(three: World) -> None:
    (three.root / "version").write_text("3.12\n")
    done = run_in_deleted_dir(three, "doctor")
    assert done.stderr == (
        "pyv: warning: the working directory no longer exists, so no .python-version applies\n"
    )
    assert done.stdout.startswith("problem: ") and "no longer exists" not in done.stdout


def test_uninstalling_the_selected_version_warns_and_versions_says_so(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.install("3.12.1")
    world.install("3.11.7")
    assert world.pyv("global", "3.12", capsys=capsys)[0] == 0
    code, _, err = world.pyv("uninstall", "-y", "3.11.7", capsys=capsys)
    assert (code, err) == (0, "uninstalled 3.11.7\n")  # not the selected one: no warning
    code, _, err = world.pyv("uninstall", "-y", "3.12", capsys=capsys)
    assert code == 0
    assert err.splitlines() == [
        "uninstalled 3.12.1",
        f"pyv: warning: version `3.12' is still selected (set by {world.root / 'version'}) but"
        " no longer installed; choose another with `pyv global' or `pyv local'",
    ]
    code, _, err = world.pyv("versions", capsys=capsys)
    assert code == 0
    assert err == (
        f"pyv: warning: version `3.12' is selected (set by {world.root / 'version'})"
        " but not installed\n"
    )
    _, out, _ = world.pyv("doctor", capsys=capsys)
    assert f"problem: version `3.12' is not installed (set by {world.root / 'version'})" in out


def test_local_without_arguments_prints_every_entry_as_written(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    (world.work / ".python-version").write_text("3.12\nmyenv  # a virtualenv\n../x\n")
    assert world.pyv("local", capsys=capsys) == (0, "3.12\nmyenv\n../x\n", "")


def test_version_name_prints_the_installed_ones_of_a_selection_with_a_missing_one(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.install("3.12.1")
    (world.work / ".python-version").write_text("3.12.1\n3.99.0\n")
    code, out, err = world.pyv("version-name", capsys=capsys)
    assert (code, out) == (1, "3.12.1\n")
    assert err.startswith("pyv: version `3.99.0' is not installed (set by ")
