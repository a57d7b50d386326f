"""`pyv init` and `pyv shell` in real interactive-style bash, zsh and fish sessions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyv import shell as shell_mod
from tests.conftest import World


def need(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here (.ci/run installs it with apt-get)")
    return path


@pytest.fixture
def versions(world: World) -> World:
    for name in ("3.11.7", "3.12.3"):
        world.install(name, ("python", "python3"))
    (world.root / "version").write_text("3.12\n")
    return world


def init_code(world: World, shell: str) -> str:
    done = world.run("init", "-", shell)
    assert done.returncode == 0, done.stderr
    return done.stdout


def session(world: World, shell: str, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in ``shell`` as a user's session would, after its rc file's line."""
    argv = {
        "bash": ["--norc", "--noprofile", "-c"],
        "zsh": ["-f", "-c"],
        "fish": ["--no-config", "-c"],
    }
    env = world.env(PATH="/usr/bin:/bin", SHELL=f"/bin/{shell}")
    return subprocess.run(
        [need(shell), *argv[shell], script],
        capture_output=True,
        text=True,
        env=env,
        cwd=world.work,
        timeout=60,
        check=False,
    )


POSIX_SOURCE = 'eval "$(cat {file})"\n'


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_init_puts_shims_first_once_and_python_resolves(versions: World, shell: str) -> None:
    code = versions.tmp / f"init.{shell}"
    code.write_text(init_code(versions, shell))
    source = f"source '{code}'" if shell == "fish" else f". '{code}'"
    show_path = "string join : $PATH" if shell == "fish" else 'echo "$PATH"'
    done = session(versions, shell, f"{source}\n{source}\n{show_path}\npython3\n")
    assert done.returncode == 0, done.stderr
    path_line, python_line = done.stdout.splitlines()
    entries = path_line.split(":")
    shims = str(versions.root / "shims")
    assert entries[0] == shims and entries.count(shims) == 1
    assert python_line == "3.12.3 python3 "


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_pyv_shell_sets_and_unsets_the_version_in_this_shell(versions: World, shell: str) -> None:
    code = versions.tmp / f"init.{shell}"
    code.write_text(init_code(versions, shell))
    source = f"source '{code}'" if shell == "fish" else f". '{code}'"
    script = "\n".join(
        [
            source,
            "pyv shell 3.11",
            "pyv shell",
            "python3",
            "pyv shell 3.99; echo status=$status"
            if shell == "fish"
            else "pyv shell 3.99; echo status=$?",
            "python3",
            "pyv shell --unset",
            "python3",
        ]
    )
    done = session(versions, shell, script + "\n")
    assert done.stdout.splitlines() == [
        "3.11",
        "3.11.7 python3 ",
        "status=1",
        "3.11.7 python3 ",
        "3.12.3 python3 ",
    ]
    assert done.stderr == "pyv: version `3.99' is not installed; run `pyv install 3.99'\n"


def test_pyv_shell_without_the_integration_says_what_to_do(versions: World) -> None:
    done = versions.run("shell", "3.11")
    assert done.returncode == 1
    assert done.stderr.startswith("pyv: `pyv shell' needs the shell integration; add eval")


def test_init_path_prints_only_the_path_part(versions: World) -> None:
    done = versions.run("init", "--path", "bash")
    assert done.returncode == 0
    assert "pyv()" not in done.stdout and "PATH" in done.stdout


def test_init_detects_the_shell_from_shell_variable(versions: World) -> None:
    done = versions.run("init", "-", SHELL="/usr/bin/fish")
    assert done.stdout == shell_mod.init_code(versions.layout, "fish")


def test_init_refuses_an_unknown_shell(versions: World) -> None:
    done = versions.run("init", "-", "tcsh")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "pyv: unsupported shell `tcsh'; pyv supports bash, zsh, fish\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_init_write_makes_a_file_that_starts_no_python(versions: World, shell: str) -> None:
    done = versions.run("init", "--write", shell)
    path = Path(done.stdout.strip())
    assert path.is_file()
    assert path.read_text().endswith(shell_mod.init_code(versions.layout, shell))
    # Sourcing it with no Python reachable still sets everything up.
    source = f"source '{path}'" if shell == "fish" else f". '{path}'"
    probe = "functions -q pyv; and echo ok" if shell == "fish" else "type pyv >/dev/null && echo ok"
    ran = session(versions, shell, f"{source}\n{probe}\n")
    assert ran.stdout == "ok\n", ran.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_offered(versions: World, shell: str) -> None:
    done = versions.run("--show-completion", shell)
    assert done.returncode == 0
    assert "_PYV_COMPLETE" in done.stdout


def test_completion_answers_commands(versions: World) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyv"],
        env=versions.env(_PYV_COMPLETE="complete_bash", COMP_WORDS="pyv vers", COMP_CWORD="1"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.split() == ["version-name", "version-origin", "version", "versions"]
