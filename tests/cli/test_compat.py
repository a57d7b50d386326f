"""pyenv's commands and flags that pyenv users and their scripts rely on (issue 11, item 4)."""

from __future__ import annotations

import pytest

from tests.conftest import World

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def three(world: World) -> World:
    for name in ("3.11.7", "3.12.1", "3.12.3"):
        world.install(name, ("python", "python3", f"python{name.rsplit('.', 1)[0]}", "pip"))
    return world


# -- help, commands, completions -----------------------------------------------------------
def test_help_without_a_command_lists_the_commands(world: World, capsys: Capture) -> None:
    code, out, err = world.pyv("help", capsys=capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == ["Usage: pyv <command> [<args>]", "", "Some useful pyv commands are:"]
    assert any(line.split()[:2] == ["local", "Set"] for line in lines)
    assert not any(line.split()[:1] == ["sh-shell"] for line in lines)  # hidden plumbing
    assert world.pyv("help", "--usage", capsys=capsys) == (0, "Usage: pyv <command> [<args>]\n", "")


def test_help_for_a_command_is_its_help(world: World, capsys: Capture) -> None:
    code, out, _ = world.pyv("help", "local", capsys=capsys)
    assert code == 0
    assert "Usage: pyv local [OPTIONS] [VERSIONS]..." in out and "--unset" in out
    usage = world.pyv("help", "--usage", "prefix", capsys=capsys)
    assert usage == (0, "Usage: pyv prefix [OPTIONS] [VERSION]\n", "")


def test_help_for_a_command_pyv_does_not_have(world: World, capsys: Capture) -> None:
    assert world.pyv("help", "hello", capsys=capsys) == (2, "", "pyv: no such command `hello'\n")


def test_commands_lists_every_command_and_the_shell_functions_ones(
    world: World, capsys: Capture
) -> None:
    code, out, _ = world.pyv("commands", capsys=capsys)
    names = out.split()
    assert code == 0 and names == sorted(names)
    assert {"init", "rehash", "shell", "completions", "commands"} <= set(names)
    assert not any(n.startswith("sh-") for n in names)
    assert world.pyv("commands", "--sh", capsys=capsys) == (
        0,
        "activate\ndeactivate\nrehash\nshell\n",
        "",
    )
    no_sh = world.pyv("commands", "--no-sh", capsys=capsys)[1].split()
    assert "init" in no_sh and "rehash" in no_sh and "shell" not in no_sh
    assert world.pyv("commands", "--sh", "--no-sh", capsys=capsys)[0] == 2


def test_completions_offer_options_then_values(three: World, capsys: Capture) -> None:
    code, out, _ = three.pyv("completions", "local", capsys=capsys)
    assert code == 0
    assert out.split() == [
        "--help",
        "--force",
        "--unset",
        "system",
        "3",
        "3.11",
        "3.11.7",
        "3.12",
        "3.12.1",
        "3.12.3",
    ]
    three.pyv("rehash", capsys=capsys)
    out = three.pyv("completions", "which", capsys=capsys)[1]
    assert out.split() == [
        "--help",
        "--skip-advice",
        "pip",
        "python",
        "python3",
        "python3.11",
        "python3.12",
    ]
    # `which' takes one command: once it is there, only options are left.
    assert three.pyv("completions", "which", "pip", capsys=capsys)[1] == "--help\n--skip-advice\n"
    # `shell' is the shell function's: its options are sh-shell's.
    assert three.pyv("completions", "shell", capsys=capsys)[1].split()[:3] == [
        "--help",
        "--unset",
        "-",
    ]


def test_completions_of_a_command_pyv_does_not_have(world: World, capsys: Capture) -> None:
    assert world.pyv("completions", "hello", capsys=capsys) == (
        2,
        "",
        "pyv: no such command `hello'\n",
    )


def test_shims_lists_the_shims(world: World, capsys: Capture) -> None:
    assert world.pyv("shims", capsys=capsys) == (0, "", "")  # no root yet: none
    three = world
    for name in ("3.11.7", "3.12.3"):
        three.install(name, ("python", "python3", f"python{name.rsplit('.', 1)[0]}", "pip"))
    names = ["pip", "python", "python3", "python3.11", "python3.12"]
    shims = three.root / "shims"
    assert three.pyv("shims", "--short", capsys=capsys) == (0, "".join(f"{n}\n" for n in names), "")
    assert three.pyv("shims", capsys=capsys)[1] == "".join(f"{shims / n}\n" for n in names)


def test_sh_rehash_rehashes_and_prints_code_that_forgets_command_paths(three: World) -> None:
    for shell, code in (("bash", "hash -r 2>/dev/null || true\n"), ("fish", "")):
        done = three.run("sh-rehash", PYV_SHELL=shell)
        assert (done.returncode, done.stdout) == (0, code)
        assert (three.root / "shims" / "python3.12").is_symlink()


# -- version-file, version-file-read, version-file-write -----------------------------------
def test_version_file_names_the_file_that_selects_the_version(
    three: World, capsys: Capture
) -> None:
    global_file = str(three.root / "version")
    assert three.pyv("version-file", capsys=capsys) == (0, f"{global_file}\n", "")  # not there
    (three.work / ".python-version").write_text("3.12\n")
    (three.work / "sub" / "deeper").mkdir(parents=True)
    local = str(three.work / ".python-version")
    assert three.pyv("version-file", capsys=capsys) == (0, f"{local}\n", "")
    deeper = str(three.work / "sub" / "deeper")
    assert three.pyv("version-file", deeper, capsys=capsys) == (0, f"{local}\n", "")
    # With a folder, only .python-version files count, and none is a plain status 1.
    assert three.pyv("version-file", str(three.tmp), capsys=capsys) == (1, "", "")
    missing = str(three.tmp / "missing")
    assert three.pyv("version-file", missing, capsys=capsys) == (
        2,
        "",
        f"pyv: no such directory: {missing}\n",
    )


def test_version_file_read_prints_the_usable_versions(three: World, capsys: Capture) -> None:
    file = three.work / "my-version"
    file.write_text("\ufeff  3.12 one\r\n\n# 3.9\n  # 3.8\n3.11.7 two\n2.7.6")
    assert three.pyv("version-file-read", str(file), capsys=capsys) == (
        0,
        "3.12:3.11.7:2.7.6\n",
        "",
    )
    file.write_text("../*\n3.12\n")
    assert three.pyv("version-file-read", str(file), capsys=capsys) == (
        0,
        "3.12\n",
        f"pyv: warning: ignoring `../*' in {file}, line 1: not a version (it looks like a path)\n",
    )


def test_version_file_read_of_no_versions_is_a_plain_status_1(
    three: World, capsys: Capture
) -> None:
    """As pyenv: a script tests the status (the global file may not exist yet)."""
    file = three.work / "my-version"
    assert three.pyv("version-file-read", str(file), capsys=capsys) == (1, "", "")
    file.write_text("\n# nothing\n")
    assert three.pyv("version-file-read", str(file), capsys=capsys) == (1, "", "")
    file.write_text("..\n")
    code, out, err = three.pyv("version-file-read", str(file), capsys=capsys)
    assert (code, out) == (1, "")
    assert err.startswith("pyv: warning: ignoring `..'")


def test_version_file_write(three: World, capsys: Capture) -> None:
    file = three.work / "my-version"
    assert three.pyv("version-file-write", str(file), "3.12", "3.11.7", capsys=capsys) == (
        0,
        "",
        "",
    )
    assert file.read_text() == "3.12\n3.11.7\n"
    assert three.pyv("version-file-write", str(file), "2.7.6", capsys=capsys) == (
        1,
        "",
        "pyv: version `2.7.6' not installed\n",
    )
    assert file.read_text() == "3.12\n3.11.7\n"
    assert three.pyv("version-file-write", "-f", str(file), "2.7.6", capsys=capsys)[0] == 0
    assert file.read_text() == "2.7.6\n"
    assert three.pyv("version-file-write", str(file), capsys=capsys)[0] == 2


# -- flags ---------------------------------------------------------------------------------
def test_latest_flags(three: World, capsys: Capture) -> None:
    assert three.pyv("latest", "3.11", capsys=capsys) == (0, "3.11.7\n", "")
    assert three.pyv("latest", "3.9", capsys=capsys) == (
        1,
        "",
        "pyv: no installed versions match the prefix `3.9'\n",
    )
    # -b and -f: the prefix stands for itself, for scripts; -b fails, -f succeeds.
    for text in ("3.9", "nonexistent"):
        assert three.pyv("latest", "-b", text, capsys=capsys) == (1, f"{text}\n", "")
        assert three.pyv("latest", "-f", text, capsys=capsys) == (0, f"{text}\n", "")
    assert three.pyv("latest", "-b", "3.12", capsys=capsys) == (0, "3.12.3\n", "")
    assert three.pyv("latest", "nonexistent", capsys=capsys)[0] == 1  # not a version


def test_latest_known_short_flag(three: World, capsys: Capture) -> None:
    long = three.pyv("latest", "--known", "3.12", capsys=capsys)
    assert long[0] == 0 and long[1].startswith("3.12.")
    assert three.pyv("latest", "-k", "3.12", capsys=capsys) == long
    assert three.pyv("latest", "-k", "3.99", capsys=capsys) == (
        1,
        "",
        "pyv: no known versions match the prefix `3.99'\n",
    )


def test_uninstall_force_asks_nothing_and_skips_what_is_not_installed(three: World) -> None:
    done = three.run("uninstall", "-f", "3.12.1", "2.7.6")  # no terminal, no -y
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "uninstalled 3.12.1\n")
    assert not (three.root / "versions" / "3.12.1").exists()
    done = three.run("uninstall", "--force", "3.12.1")
    assert (done.returncode, done.stderr) == (0, "")


def test_install_l_lists(three: World, capsys: Capture) -> None:
    long = three.pyv("install", "--list", "3.12", capsys=capsys)
    assert long[0] == 0 and long[1]
    assert three.pyv("install", "-l", "3.12", capsys=capsys) == long


def test_version_bare_and_version_name_force(three: World, capsys: Capture) -> None:
    (three.work / ".python-version").write_text("3.12\n2.7.6\n3.11\n")
    missing = "pyv: version `2.7.6' is not installed (set by "
    code, out, err = three.pyv("version", "--bare", capsys=capsys)
    assert (code, out) == (1, "3.12.3\n3.11.7\n")
    assert err.startswith(missing)
    code, out, err = three.pyv("version-name", capsys=capsys)
    assert (code, out) == (1, "3.12.3:3.11.7\n")
    assert err.startswith(missing)
    assert three.pyv("version-name", "-f", capsys=capsys) == (0, "3.12.3:2.7.6:3.11.7\n", "")
    assert three.pyv("version-name", "--force", capsys=capsys)[0] == 0


def test_which_skip_advice(three: World, capsys: Capture) -> None:
    (three.work / ".python-version").write_text("3.12\n")
    tox = three.root / "versions/3.11.7/bin/tox"  # only 3.11.7 has it
    tox.write_text("#!/bin/sh\n")
    tox.chmod(0o755)
    code, _, err = three.pyv("which", "tox", capsys=capsys)
    assert (code, err) == (
        127,
        "pyv: tox: command not found; the `tox' command exists in these Python versions: 3.11.7\n",
    )
    assert three.pyv("which", "tox", "--skip-advice", capsys=capsys) == (
        127,
        "",
        "pyv: tox: command not found\n",
    )
    path = str(three.root / "versions" / "3.12.3" / "bin" / "python3")
    assert three.pyv("which", "--skip-advice", "python3", capsys=capsys) == (0, f"{path}\n", "")


def test_versions_executables_and_skip_aliases(three: World, capsys: Capture) -> None:
    bin_dir = three.root / "versions" / "3.12.1" / "bin"
    (bin_dir / "idle3.12").write_text("#!/bin/sh\n")
    (bin_dir / "idle3.12").chmod(0o755)
    (bin_dir / "notes.txt").write_text("not a command\n")
    names = ["idle3.12", "pip", "python", "python3", "python3.11", "python3.12"]
    expected = "".join(f"{n}\n" for n in names)
    assert three.pyv("versions", "--executables", capsys=capsys) == (0, expected, "")
    assert three.pyv("versions", "--bare", "--executables", capsys=capsys)[1] == expected
    bare = three.pyv("versions", "--bare", capsys=capsys)[1].split()
    assert bare == ["3", "3.11", "3.11.7", "3.12", "3.12.1", "3.12.3"]
    skipped = three.pyv("versions", "--bare", "--skip-aliases", capsys=capsys)[1].split()
    assert skipped == ["3.11.7", "3.12.1", "3.12.3"]
    code, out, _ = three.pyv("versions", "--skip-aliases", capsys=capsys)
    assert code == 0 and "3.12.3" in out and " 3.12\n" not in out


def test_pyv_dir_is_searched_first_then_the_working_folder(world: World) -> None:
    """pyenv's PYENV_DIR, as PYV_DIR: where to look for a .python-version first."""
    other = world.tmp / "other"
    other.mkdir()
    (other / ".python-version").write_text("3.11\n")
    (world.work / ".python-version").write_text("3.12\n")
    assert world.run("version-file", PYV_DIR=str(other)).stdout == f"{other / '.python-version'}\n"
    blank = world.tmp / "blank"
    blank.mkdir()
    found = world.run("version-file", PYV_DIR=str(blank)).stdout
    assert found == f"{world.work / '.python-version'}\n"
    gone = world.run("version-name", PYV_DIR=str(world.tmp / "nowhere"))
    assert (gone.returncode, gone.stderr) == (
        1,
        f"pyv: cannot change working directory to `{world.tmp / 'nowhere'}'\n",
    )
    assert world.run("local", PYV_DIR=str(other)).stdout == "3.12\n"  # local: here only


def test_sh_shell_with_a_missing_version_says_so_and_prints_false(world: World) -> None:
    done = world.run("sh-shell", "--shell", "bash", "9.9")
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "false\n",
        "pyv: version `9.9' not installed\n",
    )


def test_local_with_no_file_says_so_in_pyenvs_words(world: World) -> None:
    done = world.run("local")
    assert (done.returncode, done.stderr) == (
        1,
        "pyv: no local version configured for this directory\n",
    )


def test_prefix_system_is_found_as_pyenv_finds_it(world: World) -> None:
    """The folder above the bin (or sbin) of the python on PATH, else python3's; / at the top."""
    for folder, expect in (("usr/bin", "usr"), ("opt/sbin", "opt"), ("bin", "")):
        top = world.tmp / "sys" / folder.replace("/", "-")
        (top / folder).mkdir(parents=True)
        python = top / folder / "python"
        python.write_text("#!/bin/sh\n")
        python.chmod(0o755)
        done = world.run("prefix", PYV_VERSION="system", PATH=f"{top / folder}:/usr/bin:/bin")
        assert done.stdout == f"{top / expect if expect else top}\n", (folder, done.stderr)


def test_versions_with_nothing_installed_and_no_system_python_warns_and_fails(
    world: World,
) -> None:
    empty = world.tmp / "empty"
    empty.mkdir()
    done = world.run("versions", PATH=str(empty))
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "Warning: no Python detected on the system\n",
    )
