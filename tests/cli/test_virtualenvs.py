"""pyenv-virtualenv's commands: virtualenv, virtualenvs, virtualenv-delete, activate and
deactivate, on real environments made by a real CPython (linked from this machine's
pyenv; skipped, with the reason, where there is none)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyv import link, shims
from tests.conftest import World

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def base(world: World, real_python: Path) -> str:
    """A real CPython linked into the world's root; its name (``3.13.0``)."""
    return link.link(world.layout, str(real_python))[0]


def minor(name: str) -> str:
    return name.rsplit(".", 1)[0]


def make_env(world: World, capsys: Capture, *args: str) -> None:
    code, _, err = world.pyv("virtualenv", "--without-pip", *args, capsys=capsys)
    assert code == 0, err


# -- creating -------------------------------------------------------------------------------


def test_virtualenv_makes_a_venv_with_pip_under_the_version_and_links_it(
    world: World, base: str, capsys: Capture
) -> None:
    shutil.rmtree(world.root / "shims")  # so that the shims below were placed by virtualenv
    code, out, err = world.pyv("virtualenv", minor(base), "myenv", capsys=capsys)
    env = world.root / "versions" / base / "envs" / "myenv"
    assert (code, out) == (0, ""), err
    assert err == (
        f"created virtualenv myenv ({env}) from {base}\n"
        "select it with `pyv local myenv', or `pyv activate myenv' in this shell\n"
    )
    # pyenv-virtualenv's layout: the env inside its version, an absolute link to it
    link_path = world.root / "versions" / "myenv"
    assert os.readlink(link_path) == str(env)
    cfg = (env / "pyvenv.cfg").read_text()
    assert f"home = {world.root / 'versions' / base / 'bin'}\n" in cfg  # its version's python
    pip = subprocess.run(
        [str(env / "bin" / "python"), "-m", "pip", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"{env}/lib/" in pip.stdout
    assert (env / "bin" / "pip").is_file()
    assert (world.root / "shims" / "pip").is_symlink()
    assert (world.root / "shims" / "python").is_symlink()


def test_without_a_version_the_selected_one_is_used(
    world: World, base: str, capsys: Capture
) -> None:
    (world.root / "version").write_text(f"{minor(base)}\n")
    make_env(world, capsys, "myenv")
    assert os.readlink(world.root / "versions" / "myenv") == str(
        world.root / "versions" / base / "envs" / "myenv"
    )
    # made from an env, a new env belongs to the env's version, as in pyenv-virtualenv
    (world.work / ".python-version").write_text("myenv\n")
    make_env(world, capsys, "second")
    assert (world.root / "versions" / base / "envs" / "second" / "bin" / "activate").is_file()


def test_the_version_envs_name_spelling_is_accepted(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, f"{base}/envs/tools")
    assert (world.root / "versions" / "tools").is_symlink()


BAD_NAME = (
    "use letters, digits and . + _ - @, not starting with - or . (the same rule as for versions)"
)


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        ((), 2, "pyv: no virtualenv name given"),
        (("3.99", "x"), 1, "pyv: version `3.99' not installed"),
        (("3.12.1", "../x"), 2, f"pyv: invalid virtualenv name `../x': {BAD_NAME}"),
        (("3.12.1", ".x"), 2, f"pyv: invalid virtualenv name `.x': {BAD_NAME}"),
        (("3.12.1", "a b"), 2, "pyv: no whitespace is allowed in a virtualenv name"),
        (("3.12.1", "system"), 2, "pyv: `system' is not allowed as a virtualenv name"),
        (
            ("3.12.1", "3.12"),
            2,
            "pyv: `3.12' is a version; an environment of that name would hide it",
        ),
        (
            ("../../x/envs/y", "y"),
            1,
            "pyv: invalid version `../../x/envs/y': not a version (it looks like a path)",
        ),
    ],
)
def test_bad_requests_are_one_line_and_make_nothing(
    world: World, capsys: Capture, args: tuple[str, ...], status: int, message: str
) -> None:
    world.install("3.12.1")
    code, out, err = world.pyv("virtualenv", "--without-pip", *args, capsys=capsys)
    assert (code, out, err) == (status, "", message + "\n")
    assert sorted(p.name for p in (world.root / "versions").iterdir()) == ["3", "3.12", "3.12.1"]
    assert not (world.root / "versions" / "3.12.1" / "envs").exists()


def test_an_existing_name_is_refused_and_left_alone(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, "myenv")
    env = world.root / "versions" / base / "envs" / "myenv"
    (env / "mine").write_text("keep")
    code, out, err = world.pyv("virtualenv", "--without-pip", base, "myenv", capsys=capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"pyv: `{env}' already exists; choose another name, or run"
        f" `pyv virtualenv-delete {base}/envs/myenv' first\n"
    )
    assert (env / "mine").read_text() == "keep"
    (world.root / "versions" / "foo").symlink_to(world.tmp)  # a name is taken, whatever took it
    code, _, err = world.pyv("virtualenv", "--without-pip", base, "foo", capsys=capsys)
    assert code == 1 and err.startswith(f"pyv: `{world.root / 'versions' / 'foo'}' already")
    assert not (world.root / "versions" / base / "envs" / "foo").exists()


def test_a_venv_that_fails_leaves_nothing_behind(world: World, capsys: Capture) -> None:
    python = world.install("3.12.1", ()) / "bin" / "python3"
    # half an environment, then a failure, as a full disk would leave it
    python.write_text('#!/bin/sh\nmkdir -p "$3/bin"\necho "Error: no room" >&2\nexit 1\n')
    python.chmod(0o755)
    code, out, err = world.pyv("virtualenv", "3.12.1", "myenv", capsys=capsys)
    assert (code, out, err) == (1, "", f"pyv: {python} -m venv failed: Error: no room\n")
    assert not (world.root / "versions" / "myenv").exists()
    assert not (world.root / "versions" / "3.12.1" / "envs").exists()


# -- listing and selecting -------------------------------------------------------------------


def test_virtualenvs_lists_as_pyenv_virtualenv_does(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, "myenv")
    make_env(world, capsys, base, "other")
    versions = world.root / "versions"
    envs = versions / base / "envs"
    (world.work / ".python-version").write_text("myenv\n")
    origin = f"set by {world.work / '.python-version'}"
    assert world.pyv("virtualenvs", capsys=capsys) == (
        0,
        f"  {base}/envs/myenv (created from {versions / base})\n"
        f"  {base}/envs/other (created from {versions / base})\n"
        f"* myenv --> {envs / 'myenv'} ({origin})\n"
        f"  other --> {envs / 'other'}\n",
        "",
    )
    (world.work / ".python-version").write_text(f"{base}/envs/other\n")
    assert world.pyv("virtualenvs", "--skip-aliases", capsys=capsys) == (
        0,
        f"  {base}/envs/myenv (created from {versions / base})\n"
        f"* {base}/envs/other (created from {versions / base}) ({origin})\n",
        "",
    )
    bare = f"{base}/envs/myenv\n{base}/envs/other\nmyenv\nother\n"
    assert world.pyv("virtualenvs", "--bare", capsys=capsys) == (0, bare, "")
    bare = f"{base}/envs/myenv\n{base}/envs/other\n"
    assert world.pyv("virtualenvs", "--bare", "--skip-aliases", capsys=capsys) == (0, bare, "")


def test_an_env_from_system_is_a_folder_in_versions(
    world: World, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = world.tmp / "system" / "bin"
    system.mkdir(parents=True)
    (system / "python3").symlink_to(sys.executable)  # a real Python found on PATH
    monkeypatch.setenv("PATH", f"{system}:/usr/bin:/bin")
    make_env(world, capsys, "system", "sysenv")
    env = world.root / "versions" / "sysenv"
    assert env.is_dir() and not env.is_symlink()  # as pyenv-virtualenv: no system/envs
    assert f"home = {system}\n" in (env / "pyvenv.cfg").read_text()
    listed = f"  sysenv (created from {system.parent})\n"
    assert world.pyv("virtualenvs", capsys=capsys) == (0, listed, "")


def fake_pyv(folder: Path) -> Path:
    """A stand-in for pyv in the shims: it leaves a mark if the shim ever starts it."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "pyv"
    script.write_text(f"#!/bin/sh\ntouch '{folder / 'started'}'\nexit 99\n")
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("word", ["myenv", "BASE/envs/myenv"])
def test_a_version_file_naming_the_env_runs_it_through_the_shim_without_pyv(
    world: World, real_python: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch, word: str
) -> None:
    stand_in = fake_pyv(world.tmp / "fake pyv")
    monkeypatch.setattr(shims, "pyv_command", lambda: [str(stand_in)])
    name = link.link(world.layout, str(real_python))[0]
    make_env(world, capsys, name, "myenv")
    word = word.replace("BASE", name)
    (world.work / ".python-version").write_text(f"{word}\n")
    env = world.root / "versions" / word
    assert world.pyv("version-name", capsys=capsys) == (0, f"{word}\n", "")
    which = world.pyv("which", "python", capsys=capsys)
    assert which == (0, f"{env / 'bin' / 'python'}\n", "")
    for shell in ("dash", "bash"):
        done = subprocess.run(
            [shell, str(world.root / "shims" / "python"), "-c", "import sys; print(sys.prefix)"],
            env=world.env(PATH=f"{world.root / 'shims'}:/usr/bin:/bin", PWD=str(world.work)),
            cwd=world.work,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, f"{env}\n", ""), shell
    assert not (stand_in.parent / "started").exists()  # the fast path: no pyv, no Python


# -- activating -----------------------------------------------------------------------------


def need(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here (.ci/run installs it with apt-get)")
    return path


SHELLS = {
    "bash": ["--norc", "--noprofile", "-c"],
    "sh": ["-c"],  # dash, as in a ~/.profile
    "zsh": ["-f", "-c"],
    "fish": ["--no-config", "-c"],
}


def session(world: World, shell: str, script: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a ``shell`` that ran `pyv init`'s code first."""
    init = world.run("init", "-", shell)
    assert init.returncode == 0, init.stderr
    code = world.tmp / f"init.{shell}"
    code.write_text(init.stdout)
    source = f"source '{code}'" if shell == "fish" else f". '{code}'"
    program = need("dash" if shell == "sh" else shell)
    env = world.env(PATH=f"{world.root / 'shims'}:/usr/bin:/bin", PWD=str(world.work))
    return subprocess.run(
        [program, *SHELLS[shell], f"{source}\n{script}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=world.work,
        timeout=120,
        check=False,
    )


PREFIX = "python -c 'import sys; print(sys.prefix)'"


@pytest.mark.parametrize("shell", ["bash", "sh", "zsh"])
def test_activate_and_deactivate_in_the_shell(
    world: World, base: str, capsys: Capture, shell: str
) -> None:
    make_env(world, capsys, base, "myenv")
    (world.root / "version").write_text(f"{base}\n")
    show = 'echo "${PYV_VERSION-unset}|${VIRTUAL_ENV-unset}|${PYV_VIRTUAL_ENV-unset}|$PS1"'
    script = "\n".join(
        [
            "PS1='$ '",
            "pyv activate myenv",
            show,
            PREFIX,
            "pyv activate myenv; echo status=$?",  # active already: a note, nothing else
            "pyv deactivate",
            show,
            PREFIX,
            "pyv deactivate; echo status=$?",
        ]
    )
    done = session(world, shell, script + "\n")
    env = world.root / "versions" / base / "envs" / "myenv"
    base_prefix = subprocess.run(
        [
            str(world.root / "versions" / base / "bin" / "python3"),
            "-c",
            "import sys; print(sys.prefix)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert done.stdout.splitlines() == [
        f"myenv|{env}|{env}|(myenv) $ ",
        str(world.root / "versions" / "myenv"),
        "status=0",
        "unset|unset|unset|$ ",
        base_prefix.strip(),
        "status=1",
    ]
    assert done.stderr == (
        "pyv: version `myenv' is already activated\npyv: no virtualenv has been activated\n"
    )


def test_activate_and_deactivate_in_fish(world: World, base: str, capsys: Capture) -> None:
    make_env(world, capsys, base, "myenv")
    script = "\n".join(
        [
            "pyv activate myenv",
            'echo "$PYV_VERSION|$VIRTUAL_ENV|$PYV_VIRTUAL_ENV"',
            PREFIX,
            "pyv activate myenv; echo status=$status",
            "pyv deactivate",
            "set -q PYV_VERSION VIRTUAL_ENV PYV_VIRTUAL_ENV; echo unset=$status",
            "pyv deactivate; echo status=$status",
        ]
    )
    done = session(world, "fish", script + "\n")
    env = world.root / "versions" / base / "envs" / "myenv"
    assert done.stdout.splitlines() == [
        f"myenv|{env}|{env}",
        str(world.root / "versions" / "myenv"),
        "status=0",
        "unset=3",
        "status=1",
    ]


def test_activate_with_no_name_activates_the_selected_env(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, "myenv")
    (world.work / ".python-version").write_text("myenv\n")
    done = session(world, "bash", 'pyv activate\necho "$PYV_VERSION|$VIRTUAL_ENV"\n')
    env = world.root / "versions" / base / "envs" / "myenv"
    assert (done.stdout, done.stderr) == (f"myenv|{env}\n", "")


def test_activate_finds_the_selected_versions_env_by_its_short_name(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, "myenv")
    (world.root / "versions" / "myenv").unlink()  # made without the link (by hand)
    (world.root / "version").write_text(f"{base}\n")
    code, out, err = world.pyv("sh-activate", "--shell", "sh", "myenv", capsys=capsys)
    assert (code, err) == (0, "")
    assert f"export PYV_VERSION={base}/envs/myenv\n" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "pyv: virtualenv `nope' does not exist; see `pyv virtualenvs'\n"),
        (["BASE"], "pyv: version `BASE' is not a virtualenv\n"),
        (["../x"], "pyv: invalid version `../x': not a version (it looks like a path)\n"),
        (["myenv", "myenv"], "pyv: cannot activate several virtualenvs at once: myenv myenv\n"),
        (["myenv", "3.99"], "pyv: version `3.99' not installed\n"),
    ],
)
def test_activate_refuses_what_is_no_virtualenv(
    world: World, base: str, capsys: Capture, args: list[str], message: str
) -> None:
    make_env(world, capsys, base, "myenv")
    args = [a.replace("BASE", base) for a in args]
    code, out, err = world.pyv("sh-activate", "--shell", "bash", *args, capsys=capsys)
    assert (code, out, err) == (1, "", message.replace("BASE", base))


def test_activate_leaves_a_venv_activated_some_other_way_alone(
    world: World, base: str, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_env(world, capsys, base, "myenv")
    monkeypatch.setenv("VIRTUAL_ENV", "/work/project/.venv")
    code, out, err = world.pyv("sh-activate", "--shell", "bash", "myenv", capsys=capsys)
    assert (code, out) == (1, "")
    assert err == (
        "pyv: virtualenv `/work/project/.venv' is already activated;"
        " run `deactivate' first, or pass --force\n"
    )
    code, out, _ = world.pyv("sh-activate", "--shell", "bash", "-f", "myenv", capsys=capsys)
    assert code == 0 and "export VIRTUAL_ENV=" in out


def test_a_venvs_own_activation_is_undone_by_deactivate(
    world: World, base: str, capsys: Capture
) -> None:
    """As pyenv-virtualenv: `pyv deactivate` also undoes `source .venv/bin/activate`."""
    venv = world.tmp / "project venv"
    subprocess.run(
        [
            str(world.root / "versions" / base / "bin" / "python3"),
            "-m",
            "venv",
            "--without-pip",
            str(venv),
        ],
        check=True,
    )
    script = f". '{venv}/bin/activate'\npyv deactivate\n" + 'echo "${VIRTUAL_ENV-unset}|$PATH"\n'
    script += "type deactivate >/dev/null 2>&1 || echo gone\n"
    done = session(world, "bash", script)
    assert done.stdout.splitlines() == [
        f"unset|{world.root / 'shims'}:/usr/bin:/bin",
        "gone",
    ], done.stderr


def test_activate_without_the_shell_integration_says_what_to_do(world: World) -> None:
    for command in ("activate", "deactivate"):
        done = world.run(command)
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == (
            f"pyv: `pyv {command}' needs the shell integration; add eval"
            ' "$(pyv init -)" to your shell start-up file and start a new shell\n'
        )


def test_help_through_the_shell_function_is_never_evaluated(world: World) -> None:
    done = session(world, "bash", "pyv activate --help; echo status=$?\n")
    assert done.stdout == "status=0\n"
    assert done.stderr.startswith("usage: pyv activate")


# -- deleting -------------------------------------------------------------------------------


def delete(world: World, *args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyv", "virtualenv-delete", *args],
        input=answer,
        capture_output=True,
        text=True,
        env=world.env(),
        cwd=world.work,
        check=False,
    )


def test_virtualenv_delete_asks_then_removes_the_env_and_its_link(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, "myenv")
    env = world.root / "versions" / base / "envs" / "myenv"
    done = delete(world, "myenv", answer="n\n")
    assert done.returncode == 1 and done.stderr.startswith(f"pyv: remove {env}? [y/N]")
    assert env.is_dir()
    done = delete(world, "myenv", answer="y\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith(f"removed virtualenv myenv ({env})\n")
    assert not env.exists() and not os.path.lexists(world.root / "versions" / "myenv")
    assert (world.root / "versions" / base / "bin").exists()  # its version stays


def test_virtualenv_delete_takes_the_long_name_and_force(
    world: World, base: str, capsys: Capture
) -> None:
    make_env(world, capsys, base, "myenv")
    done = delete(world, "-f", f"{base}/envs/myenv")
    assert done.returncode == 0, done.stderr
    assert not os.path.lexists(world.root / "versions" / "myenv")
    assert not (world.root / "versions" / base / "envs" / "myenv").exists()
    assert delete(world, "-f", "myenv").returncode == 0  # gone already: -f says nothing
    assert delete(world, "-f", "myenv").stderr == ""


def test_virtualenv_delete_refuses_what_is_no_virtualenv(world: World, base: str) -> None:
    for name, message in (
        ("nope", "pyv: virtualenv `nope' is not installed; see `pyv virtualenvs'\n"),
        (base, f"pyv: `{base}' is not a virtualenv\n"),
        ("../x", "pyv: invalid virtualenv name `../x'\n"),
    ):
        done = delete(world, name)
        assert (done.returncode, done.stdout, done.stderr) == (1, "", message), name
    assert (world.root / "versions" / base / "bin").exists()


def test_link_name_of_a_virtualenv_elsewhere_is_refused_by_delete(world: World, base: str) -> None:
    elsewhere = world.tmp / "elsewhere"
    subprocess.run(
        [
            str(world.root / "versions" / base / "bin" / "python3"),
            "-m",
            "venv",
            "--without-pip",
            str(elsewhere),
        ],
        check=True,
    )
    (world.root / "versions" / "outside").symlink_to(elsewhere)
    done = delete(world, "-f", "outside")
    assert done.returncode == 1
    assert done.stderr == (
        f"pyv: `{world.root / 'versions' / 'outside'}' links to {elsewhere}, which is not a"
        " virtualenv in this root; remove the link with `pyv uninstall outside'\n"
    )
    assert (elsewhere / "bin" / "activate").is_file()


def test_uninstalling_a_version_removes_the_links_to_its_envs(
    world: World, base: str, capsys: Capture
) -> None:
    """As pyenv-virtualenv's uninstall hook: no link is left naming a removed environment."""
    make_env(world, capsys, base, "myenv")
    code, _, err = world.pyv("uninstall", "-y", base, capsys=capsys)
    assert code == 0, err
    assert not os.path.lexists(world.root / "versions" / "myenv")
    assert world.pyv("virtualenvs", "--bare", capsys=capsys) == (0, "", "")
