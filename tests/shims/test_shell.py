"""`pyv init` and `pyv shell` in real interactive-style bash, zsh and fish sessions."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyv import shell as shell_mod
from pyv.paths import Layout
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
        "dash": ["-c"],
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
    assert done.stderr == "pyv: version `3.99' not installed\n"


def test_pyv_shell_without_the_integration_says_what_to_do(versions: World) -> None:
    for args in (["3.11"], [], ["-"], ["--unset"]):
        done = versions.run("shell", *args)
        assert (done.returncode, done.stdout) == (1, "")
        assert (
            done.stderr == "pyv: shell integration not enabled. Run `pyv init' for instructions.\n"
        )


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
    assert done.stderr == "pyv: unsupported shell `tcsh'; pyv supports bash, zsh, fish, sh\n"


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
    assert done.stdout.split() == [
        "version-name",
        "version-origin",
        "version",
        "versions",
        "version-file",
    ]


# -- hostile values in the code pyv prints for eval (audit F1) -------------------------------
HOSTILE = [
    "==3.12",  # zsh expands a bare =word to a command's path
    "3.12:==3.11",
    "a b\tc\nd",
    "it's \"quoted\" \\ \\\\ \\' $HOME $(touch PWNED) `touch PWNED` ${x} !x",
    "*?[a] ~ ~root %1 #x ;&|<>()",
    "-x",
    "é\x1b[31m\x7f",
]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_code_sets_exactly_the_value_given(world: World, shell: str) -> None:
    for value in HOSTILE:
        code = shell_mod.shell_code(shell, value)
        done = session(world, shell, f"{code}printf '%s' \"$PYV_VERSION\"\n")
        assert (done.returncode, done.stdout, done.stderr) == (0, value, ""), value
    assert not (world.work / "PWNED").exists()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_init_code_for_a_root_with_a_newline_runs_no_code_from_it(world: World, shell: str) -> None:
    # pyv refuses such a root (tests/cli); the quoting must hold anyway.
    pwned = world.tmp / "PWNED"
    root = f"{world.tmp}/inj\ntouch {pwned} #'\"$(touch {pwned})\\"
    code = shell_mod.init_code(Layout(root), shell)
    show = (
        "printf '%s|' \"$PYV_ROOT\" $PATH[1]"
        if shell == "fish"
        else ('printf "%s|%s" "$PYV_ROOT" "${PATH%%:/usr/bin:/bin}"')
    )
    done = session(world, shell, f"{code}\n{show}\n")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout.rstrip("|") == f"{root}|{root}/shims"
    assert not pwned.exists()


def test_init_write_suggests_a_line_fish_reads_right(world: World) -> None:
    # fish reads \\ inside '...' as one backslash, where sh keeps both.
    root = world.tmp / "back\\\\slash 'quote'"
    done = world.run("init", "--write", "fish", PYV_ROOT=str(root))
    assert done.returncode == 0, done.stderr
    line = done.stderr.split("start-up file: ", 1)[1]
    ran = session(world, "fish", f"{line}\nfunctions -q pyv; and echo $PYV_ROOT\n")
    assert (ran.stdout, ran.stderr) == (f"{root}\n", "")


def test_the_readmes_quick_start_line_works_in_a_fresh_home(versions: World) -> None:
    """Copied as it stands into a home whose ~/.local/bin is not on PATH (Debian's
    ~/.profile adds it only at login), the line gives a shell with pyv and the shims."""
    world = versions
    bash = need("bash")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(
        text.split(" >> ")[0]
        for text in readme.splitlines()
        if text.startswith("echo 'eval") and ">> ~/.bashrc" in text
    )
    bin_dir = world.home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    launcher = bin_dir / "pyv"  # what scripts/install.sh links there
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m pyv "$@"\n')
    launcher.chmod(0o755)
    subprocess.run([bash, "-c", f"{line} >> ~/.bashrc"], env={"HOME": str(world.home)}, check=True)
    env = {
        "HOME": str(world.home),
        "PATH": "/usr/bin:/bin",
        "PYV_ROOT": str(world.root),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "TERM": "dumb",
    }
    done = subprocess.run(
        [bash, "-i", "-c", "pyv version-name && python3 --version && command -v python3"],
        env=env,
        cwd=world.work,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "3.12.3",
        "3.12.3 python3 --version",
        str(world.root / "shims" / "python3"),
    ]


def test_init_for_sh_works_under_dash_for_a_profile(versions: World) -> None:
    """`eval "$(pyv init -)"` in ~/.profile, read by dash: no bash-only syntax."""
    world = versions
    dash = need("dash")
    code = init_code(world, "sh")
    shims = str(world.root / "shims")
    script = f'{code}\necho "$PATH"\npyv shell 3.11.7\necho "$PYV_VERSION"\npython3 --version\n'
    done = subprocess.run(
        [dash, "-c", script],
        env=world.env(PATH=f"/usr/bin:{shims}:/bin", PWD=str(world.work)),
        cwd=world.work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{shims}:/usr/bin:/bin",  # first, and only once
        "3.11.7",
        "3.11.7 python3 --version",
    ]


def test_init_without_a_known_shell_gives_posix_code(versions: World) -> None:
    """No SHELL (CI runners, cron) and a parent pyv cannot name: POSIX sh, as pyenv."""
    world = versions
    dash = need("dash")
    env = world.env(SHELL="/bin/false-shell", PATH="/usr/bin:/bin")
    del env["SHELL"]
    for args in (["--path"], ["-"]):
        done = subprocess.run(
            [sys.executable, "-m", "pyv", "init", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, (args, done.stderr)
        ran = subprocess.run(
            [dash, "-c", f'{done.stdout}\necho "$PATH"'],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith(f"{world.root / 'shims'}:"), ran.stdout


def test_init_flags_people_have_in_their_rc_files(versions: World) -> None:
    world = versions
    bash = need("bash")
    shims = str(world.root / "shims")
    for args in (["-", "--no-rehash", "bash"], ["-", "--no-push-path", "bash"], ["--path"]):
        done = world.run("init", *args)
        assert done.returncode == 0, (args, done.stderr)
    kept = world.run("init", "-", "--no-push-path", "--no-rehash", "bash").stdout
    for before, after in (
        (f"/usr/bin:{shims}:/bin", f"/usr/bin:{shims}:/bin"),
        ("/usr/bin:/bin", f"{shims}:/usr/bin:/bin"),
    ):
        done = subprocess.run(
            [bash, "-c", f'{kept}\necho "$PATH"'],
            env=world.env(PATH=before),
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout == f"{after}\n"
    detected = world.run("init", "--detect-shell", "zsh")
    assert detected.stdout == (
        "PYV_SHELL_DETECT=zsh\nPYV_PROFILE_DETECT=~/.zprofile\nPYV_RC_DETECT=~/.zshrc\n"
    )


# -- pyenv's shell function: `pyv shell -', `pyv rehash', completion (issue 11, items 3-4) ----
SOURCE = {
    "fish": "source '{file}'",
    "dash": ". '{file}'",
    "bash": ". '{file}'",
    "zsh": ". '{file}'",
}


def sourced(world: World, shell: str) -> str:
    """A line that sources pyv's init code for ``shell`` (dash gets sh's)."""
    code = world.tmp / f"init.{shell}"
    code.write_text(init_code(world, "sh" if shell == "dash" else shell))
    return SOURCE[shell].format(file=code)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "dash"])
def test_pyv_shell_dash_goes_back_to_the_previous_version(versions: World, shell: str) -> None:
    status = "$status" if shell == "fish" else "$?"
    script = [
        sourced(versions, shell),
        f"pyv shell -; echo status={status}",  # nothing to go back to yet
        "pyv shell 3.11",
        "pyv shell 3.12.3",
        "pyv shell -",
        "pyv shell",
        "pyv shell -",
        "pyv shell",
        "pyv shell --unset",
        "python3",
        "pyv shell -",
        "pyv shell",
    ]
    done = session(versions, shell, "\n".join(script) + "\n")
    assert done.stdout.splitlines() == [
        "status=1",
        "3.11",
        "3.12.3",
        "3.12.3 python3 ",  # unset: the global version
        "3.12.3",
    ]
    assert done.stderr == "pyv: no previous shell version to go back to\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "dash"])
def test_pyv_rehash_in_the_function_makes_the_shell_forget_command_paths(
    versions: World, shell: str
) -> None:
    # The shell remembers where it found python3; after a rehash it must look again.
    forget = "hash | grep -q python3 || echo forgotten"
    script = [sourced(versions, shell), "python3 >/dev/null", forget, "pyv rehash", forget]
    done = session(versions, shell, "\n".join(script) + "\n")
    assert (done.stdout, done.stderr) == ("forgotten\n", "")


def test_a_failing_function_command_returns_its_status(versions: World) -> None:
    script = [sourced(versions, "bash"), "pyv shell --no-such-option; echo status=$?"]
    done = session(versions, "bash", "\n".join(script) + "\n")
    assert done.stdout == "status=2\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_pyv_shell_help_through_the_function_shows_help(versions: World, shell: str) -> None:
    done = session(versions, shell, f"{sourced(versions, shell)}\npyv shell --help\n")
    assert done.returncode == 0, done.stderr
    assert "Usage: pyv shell" in done.stdout


def test_bash_init_code_works_in_a_profile_that_dash_reads(versions: World) -> None:
    """`eval "$(pyv init - bash)"` in ~/.profile: a graphical login reads it with dash."""
    shims = str(versions.root / "shims")
    code = versions.tmp / "init.bash"
    code.write_text(init_code(versions, "bash"))
    script = f". '{code}'\necho \"$PATH\"\npyv shell 3.11\npython3\n"
    done = session(versions, "dash", script)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [f"{shims}:/usr/bin:/bin", "3.11.7 python3 "]


def test_init_names_the_shell_that_runs_a_script_by_its_command_line(versions: World) -> None:
    """A #!/bin/sh script gets sh's code, though its process is named after the script."""
    script = versions.work / "setup-env"
    pyv = f"{sys.executable} -m pyv"
    script.write_text(f'#!/bin/sh\neval "$({pyv} init -)"\necho "$PYV_SHELL"\n')
    script.chmod(0o755)
    done = subprocess.run(
        [str(script)],
        env=versions.env(SHELL="/bin/bash"),
        cwd=versions.work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "sh\n", "")


def test_init_without_a_dash_says_how_and_fails(versions: World) -> None:
    done = versions.run("init", "fish")
    assert (done.returncode, done.stdout) == (1, "")
    assert "\npyv init - fish | source\n" in done.stderr
    done = versions.run("init", "bash")
    assert 'eval "$(pyv init - bash)"' in done.stderr.splitlines()


def test_init_makes_the_shims_and_versions_folders(world: World) -> None:
    for args in (["init", "-", "bash"], ["init", "-", "--no-push-path", "fish"]):
        shutil.rmtree(world.root, ignore_errors=True)
        done = world.run(*args)
        assert done.returncode == 0, done.stderr
        assert (world.root / "shims").is_dir() and (world.root / "versions").is_dir()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_init_exports_the_shell_for_later_commands(versions: World, shell: str) -> None:
    done = session(versions, shell, f"{sourced(versions, shell)}\necho $PYV_SHELL\n")
    assert done.stdout == f"{shell}\n"


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("bash", 'PYV_VERSION_OLD="${PYV_VERSION-}"\nexport PYV_VERSION="3.11"\n'),
        ("fish", 'set -gu PYV_VERSION_OLD "$PYV_VERSION"\nset -gx PYV_VERSION "3.11"\n'),
        ("tcsh", 'PYV_VERSION_OLD="${PYV_VERSION-}"\nexport PYV_VERSION="3.11"\n'),
    ],
)
def test_sh_shell_prints_code_for_the_shell_init_named(
    versions: World, shell: str, expected: str
) -> None:
    done = versions.run("sh-shell", "3.11", PYV_SHELL=shell)
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
    # Asking for the version already set changes nothing.
    done = versions.run("sh-shell", "3.11", PYV_SHELL=shell, PYV_VERSION="3.11")
    assert (done.returncode, done.stdout) == (0, "")
    done = versions.run("sh-shell", PYV_SHELL=shell, PYV_VERSION="3.11")
    assert (done.returncode, done.stdout) == (0, 'echo "$PYV_VERSION"\n')
    done = versions.run("sh-shell", PYV_SHELL=shell)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "pyv: no shell-specific version configured\n"


def test_bash_completion_offers_commands_options_and_versions(versions: World) -> None:
    script = [
        sourced(versions, "bash"),
        'COMP_WORDS=(pyv loc); COMP_CWORD=1; _pyv_complete; echo "${COMPREPLY[*]}"',
        'COMP_WORDS=(pyv local --un); COMP_CWORD=2; _pyv_complete; echo "${COMPREPLY[*]}"',
        'COMP_WORDS=(pyv local 3.11); COMP_CWORD=2; _pyv_complete; echo "${COMPREPLY[*]}"',
        "complete -p pyv",
    ]
    done = session(versions, "bash", "\n".join(script) + "\n")
    assert done.stdout.splitlines() == [
        "local",
        "--unset",
        "3.11 3.11.7",
        "complete -F _pyv_complete pyv",
    ]


def test_zsh_completion_offers_commands_options_and_versions(versions: World) -> None:
    # compctl -K functions read the command line with `read -c': a stand-in gives it.
    script = [
        sourced(versions, "zsh"),
        'read() { words=("${line[@]}") }',
        "line=(pyv loc); _pyv_complete; echo ${(j: :)reply}",
        "line=(pyv local 3.11 ''); _pyv_complete; print -rl -- $reply | grep -x 3.11.7",
        "compctl -L pyv",
    ]
    done = session(versions, "zsh", "\n".join(script) + "\n")
    lines = done.stdout.splitlines()
    assert "local" in lines[0].split() and "version" in lines[0].split()
    assert lines[1:] == ["3.11.7", "compctl -K _pyv_complete pyv"]


def test_fish_completion_offers_commands_options_and_versions(versions: World) -> None:
    script = [
        sourced(versions, "fish"),
        "complete -C 'pyv loc'",
        "complete -C 'pyv local --un'",
        "complete -C 'pyv local 3.11'",
    ]
    done = session(versions, "fish", "\n".join(script) + "\n")
    assert done.stdout.split() == ["local", "--unset", "3.11", "3.11.7"]
