"""Rules for which versions are selected, and who said so (pyv.selection)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyv import request, selection, versionfile
from pyv.errors import InvalidRequest, PyvError, VersionFileError
from tests.conftest import World


def write_global(world: World, content: str) -> Path:
    world.root.mkdir(exist_ok=True)
    path = Path(world.layout.global_file)
    path.write_text(content)
    return path


# -- precedence ---------------------------------------------------------------------------
# Which sources exist (None: absent) -> the selected words and the source that said so.
# env: PYV_VERSION; near: .python-version in the working folder; far: one two folders up;
# glob: the global version file. "origin" names which of them is expected to win.
PRECEDENCE = [
    ("env-beats-all", "3.11", "3.12", "3.13", "3.9", ["3.11"], "env"),
    ("env-several", "3.11:3.12:system", None, None, "3.9", ["3.11", "3.12", "system"], "env"),
    ("env-empty-is-unset", "", "3.12", None, "3.9", ["3.12"], "near"),
    ("nearest-file-beats-farther", None, "3.12", "3.13", "3.9", ["3.12"], "near"),
    ("file-further-up", None, None, "3.13", "3.9", ["3.13"], "far"),
    ("file-several-lines", None, "3.12\n3.11\n", None, None, ["3.12", "3.11"], "near"),
    ("global-without-file", None, None, None, "3.9\nsystem\n", ["3.9", "system"], "glob"),
    ("global-with-empty-env", "", None, None, "3.9", ["3.9"], "glob"),
    ("system-by-default", None, None, None, None, ["system"], "default"),
]


@pytest.mark.parametrize(
    ("env", "near", "far", "glob", "words", "winner"),
    [c[1:] for c in PRECEDENCE],
    ids=[c[0] for c in PRECEDENCE],
)
def test_precedence_env_then_nearest_file_then_global_then_system(
    world: World,
    env: str | None,
    near: str | None,
    far: str | None,
    glob: str | None,
    words: list[str],
    winner: str,
) -> None:
    deep = world.work / "project" / "src"
    deep.mkdir(parents=True)
    files = {
        "near": deep / ".python-version",
        "far": world.work / ".python-version",
        "glob": Path(world.layout.global_file),
    }
    if near is not None:
        files["near"].write_text(near + "\n")
    if far is not None:
        files["far"].write_text(far + "\n")
    if glob is not None:
        write_global(world, glob + "\n")
    environ = {} if env is None else {"PYV_VERSION": env}

    chosen = selection.select(world.layout, environ, str(deep))

    assert chosen.words == words
    if winner == "env":
        assert (chosen.source, chosen.path) == ("env", None)
        assert chosen.origin == "set by PYV_VERSION environment variable"
        assert chosen.origin_path == "PYV_VERSION environment variable"
    elif winner in ("near", "far"):
        assert (chosen.source, chosen.path) == ("file", str(files[winner]))
        assert chosen.origin == f"set by {files[winner]}"
        assert chosen.origin_path == str(files[winner])
    elif winner == "glob":
        assert (chosen.source, chosen.path) == ("global", world.layout.global_file)
        assert chosen.origin == f"set by {world.layout.global_file}"
        assert chosen.origin_path == world.layout.global_file
    else:
        assert chosen.source == "default"
        assert chosen.origin == f"set by {world.layout.global_file}"  # as pyenv says it
        assert chosen.origin_path == world.layout.global_file  # as pyenv's version-origin


def test_the_file_is_looked_for_from_the_given_folder_not_the_process_cwd(world: World) -> None:
    (world.work / ".python-version").write_text("3.11\n")
    other = world.tmp / "elsewhere"
    other.mkdir()
    (other / ".python-version").write_text("3.12\n")
    chosen = selection.select(world.layout, {}, str(other))
    assert (chosen.words, chosen.path) == (["3.12"], str(other / ".python-version"))


def test_a_folder_named_python_version_is_not_a_source(world: World) -> None:
    (world.work / ".python-version").mkdir()
    write_global(world, "3.9\n")
    assert selection.select(world.layout, {}, str(world.work)).source == "global"


def test_env_entries_are_trimmed_and_empty_ones_skipped(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = selection.select(world.layout, {"PYV_VERSION": " 3.12 ::3.11 "}, str(world.work))
    assert chosen.words == ["3.12", "3.11"]
    assert "pyv: warning: ignoring `' in PYV_VERSION: empty" in capsys.readouterr().err


# -- invalid entries are skipped with a warning naming the file and the line ---------------
PATHLIKE = "not a version (it looks like a path)"
BAD_ENTRIES = [
    ("../../etc", "../../etc", PATHLIKE),
    ("/usr/bin", "/usr/bin", PATHLIKE),
    ("-rf", "-rf", PATHLIKE),
    ("..", "..", PATHLIKE),
    ("3.12/..", "3.12/..", PATHLIKE),
    ("garbage", "garbage", "not a version request"),
    ("3" * 5000, "3" * selection.SAMPLE + "...", "too long"),  # a short sample: see F5 below
    ("\x1b[31m", "\\x1b[31m", "not a version request"),
    ("3.14rc1", "3.14rc1", "a prerelease needs a full version such as 3.14.0rc1"),
]


@pytest.mark.parametrize(("bad", "shown", "reason"), BAD_ENTRIES, ids=range(len(BAD_ENTRIES)))
def test_a_bad_entry_is_skipped_with_a_warning_naming_file_and_line(
    world: World, capsys: pytest.CaptureFixture[str], bad: str, shown: str, reason: str
) -> None:
    path = world.work / ".python-version"
    path.write_text(f"# pinned\n3.12\n{bad}\n3.11\n")
    chosen = selection.select(world.layout, {}, str(world.work))
    assert chosen.words == ["3.12", "3.11"]
    err = capsys.readouterr().err
    assert err == f"pyv: warning: ignoring `{shown}' in {path}, line 3: {reason}\n"


def test_a_bad_entry_in_the_global_file_is_named_with_its_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_global(world, "3.12\n\n../x\n")
    assert selection.select(world.layout, {}, str(world.work)).words == ["3.12"]
    assert f"ignoring `../x' in {path}, line 3: " in capsys.readouterr().err


def test_a_bad_entry_in_pyv_version_is_named(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = selection.select(world.layout, {"PYV_VERSION": "/usr/bin:3.12"}, str(world.work))
    assert chosen.words == ["3.12"]
    assert "pyv: warning: ignoring `/usr/bin' in PYV_VERSION: " in capsys.readouterr().err


def test_good_entries_produce_no_warning(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    (world.work / ".python-version").write_text("3.12\n>=3.11\ncpython@3.10\nsystem\n")
    chosen = selection.select(world.layout, {}, str(world.work))
    assert chosen.words == ["3.12", ">=3.11", "cpython@3.10", "system"]
    assert capsys.readouterr().err == ""


# -- nothing usable: an error, never a fall-back to the next source -------------------------
NOTHING_USABLE = [
    ("file-of-bad-entries", "file", "../../etc\n-rf\n"),
    ("env-bad", "env", "../../etc"),
    ("env-only-separators", "env", "::"),
    ("global-bad", "global", "/usr/bin\n"),
]


@pytest.mark.parametrize(
    ("where", "content"), [c[1:] for c in NOTHING_USABLE], ids=[c[0] for c in NOTHING_USABLE]
)
def test_a_source_with_nothing_usable_is_an_error_never_a_fall_back(
    world: World, capsys: pytest.CaptureFixture[str], where: str, content: str
) -> None:
    environ = {}
    if where == "global":
        named = write_global(world, content)
    else:
        write_global(world, "3.9\n")  # what a fall-back would find
        if where == "file":
            named = world.work / ".python-version"
            named.write_text(content)
        else:
            environ = {"PYV_VERSION": content}
    with pytest.raises(VersionFileError) as caught:
        selection.select(world.layout, environ, str(world.work))
    source = "PYV_VERSION" if where == "env" else str(named)
    assert caught.value.message == f"{source} names no usable version"


def test_an_unreadable_file_is_an_error_naming_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = world.work / ".python-version"
    path.write_text("3.12\n")
    write_global(world, "3.9\n")

    def unreadable(path: str) -> list[versionfile.Entry]:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(versionfile, "read", unreadable)
    with pytest.raises(VersionFileError, match=r"cannot read .*Permission denied"):
        selection.select(world.layout, {}, str(world.work))


# -- what counts as usable ------------------------------------------------------------------
PROBLEMS = [
    ("system", None),
    ("3.12", None),
    ("3.9.18", None),  # not installed, but a version request
    (">=3.11", None),  # a range: not a folder name, still usable
    ("cpython@3.12", None),
    ("3.13t", None),
    ("", "empty"),
    ("..", "looks like a path"),
    ("../../etc", "looks like a path"),
    ("/usr/bin", "looks like a path"),
    ("-rf", "looks like a path"),
    (".hidden", "looks like a path"),
    ("garbage", "not a version request"),
    ("3" * 5000, "too long"),
    ("3.12+mine", "a label needs a full version"),
    ("~", "not a version range"),
]


@pytest.mark.parametrize(("word", "reason"), PROBLEMS, ids=range(len(PROBLEMS)))
def test_problem_is_none_for_usable_words_and_a_reason_otherwise(
    world: World, word: str, reason: str | None
) -> None:
    found = selection.problem(world.layout, word)
    if reason is None:
        assert found is None
    else:
        assert isinstance(found, str) and reason in found
        assert not found.startswith("invalid version")  # the reason alone, not the message


def test_installed_versions_and_aliases_are_usable_without_parsing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.install("3.12.1")  # also makes the aliases versions/3.12 and versions/3

    def refuse(text: str) -> request.PythonRequest:
        raise InvalidRequest(text, "parser was called")

    monkeypatch.setattr(request, "parse", refuse)
    for word in ("3.12.1", "3.12", "3", "system"):
        assert selection.problem(world.layout, word) is None, word
    assert selection.problem(world.layout, "3.11") == "parser was called"


def test_an_installed_name_that_is_no_version_request_is_usable(world: World) -> None:
    assert selection.problem(world.layout, "miniforge3-24.1.2") == "not a version request"
    world.install("miniforge3-24.1.2")
    assert selection.problem(world.layout, "miniforge3-24.1.2") is None
    (world.work / ".python-version").write_text("miniforge3-24.1.2\n")
    assert selection.select(world.layout, {}, str(world.work)).words == ["miniforge3-24.1.2"]


# -- a version file that is really something else: one warning, one short sample (F5) ------
KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    + "".join(f"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB{i:04d}\n" for i in range(36))
    + "-----END OPENSSH PRIVATE KEY-----\n"
)


def test_a_link_to_a_secret_gives_one_warning_with_one_short_sample(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = world.home / "id_ed25519"
    secret.write_text(KEY)
    path = world.work / ".python-version"
    path.symlink_to(secret)
    with pytest.raises(VersionFileError) as caught:
        selection.select(world.layout, {}, str(world.work))
    assert caught.value.message == f"{path} names no usable version"
    assert capsys.readouterr().err == (
        f"pyv: warning: ignoring 38 entries that are not usable versions in {path}"
        " (the first, line 1: `-----BEGIN': not a version (it looks like a path))\n"
    )


def test_a_one_line_secret_is_quoted_no_longer_than_a_sample(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = world.home / "environ"
    secret.write_bytes(b"TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyz\x00HOME=/root\x00")
    (world.work / ".python-version").symlink_to(secret)
    with pytest.raises(VersionFileError):
        selection.select(world.layout, {}, str(world.work))
    err = capsys.readouterr().err
    assert "`TOKEN=ghp_0123456789...'" in err and "abcdef" not in err
    assert err.count("\n") == 1


def test_a_thousand_bad_pyv_version_entries_give_one_warning(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # PYV_VERSION is read on every shim run that reaches pyv.
    value = ":".join(f"\x1b[{i}m" for i in range(1000)) + ":3.12"
    assert selection.select(world.layout, {"PYV_VERSION": value}, str(world.work)).words == ["3.12"]
    assert capsys.readouterr().err == (
        "pyv: warning: ignoring 1000 entries that are not usable versions in PYV_VERSION"
        " (the first: `\\x1b[0m': not a version request)\n"
    )


# -- a deleted working directory (F9) ---------------------------------------------------------
def gone(world: World, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand in a folder under a .python-version, then delete it."""
    (world.work / ".python-version").write_text("3.12\n")
    folder = world.work / "gone"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PWD", str(folder))
    folder.rmdir()
    return folder


def test_in_a_deleted_folder_the_global_version_applies_with_a_warning(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gone(world, monkeypatch)
    write_global(world, "3.11\n")
    chosen = selection.current(world.layout, {"PWD": os.environ["PWD"]})
    assert (chosen.words, chosen.source) == (["3.11"], "global")
    assert capsys.readouterr().err == (
        "pyv: warning: the working directory no longer exists, so no .python-version applies\n"
    )
    chosen = selection.current(world.layout, {"PYV_VERSION": "3.13"})
    assert (chosen.words, capsys.readouterr().err) == (["3.13"], "")  # no folder needed


def test_a_deleted_folder_is_an_error_for_what_needs_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone(world, monkeypatch)
    with pytest.raises(PyvError) as caught:
        versionfile.working_dir(dict(os.environ))
    assert str(caught.value) == "the working directory no longer exists; cd to a folder that exists"


@pytest.mark.parametrize("content", ["", "\n\n", "# 3.12\n  # later\n"])
def test_an_empty_version_file_means_system_as_in_pyenv(world: World, content: str) -> None:
    (world.work / ".python-version").write_text(content)
    assert selection.select(world.layout, {}, str(world.work)).words == ["system"]
    (world.work / ".python-version").unlink()
    write_global(world, content)
    assert selection.select(world.layout, {}, str(world.work)).words == ["system"]
