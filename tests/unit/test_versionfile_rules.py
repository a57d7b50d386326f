"""Reading .python-version as pyenv does, and the selection's precedence, as rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyv import selection, versionfile
from pyv.errors import VersionFileError
from tests.conftest import World


def words(tmp_path: Path, content: bytes) -> list[tuple[str, int]]:
    path = tmp_path / ".python-version"
    path.write_bytes(content)
    return [(e.word, e.line) for e in versionfile.read(str(path))]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"3.12\n", [("3.12", 1)]),
        (b"3.12", [("3.12", 1)]),
        (b"3.12\r\n3.11\r\n", [("3.12", 1), ("3.11", 2)]),
        (b"\xef\xbb\xbf3.12\n", [("3.12", 1)]),
        (b"# comment\n\n   # indented\n\t3.12  trailing words\n", [("3.12", 4)]),
        (b"3.12 # a comment after the version\n", [("3.12", 1)]),
        (b"\n\n\n", []),
        (b"3.12 " + b"x" * 5000 + b"\n3.11\n", [("3.12", 1), ("3.11", 2)]),
        (b"\xff\xfe garbage\n", [("\ufffd\ufffd", 1)]),
    ],
)
def test_reading_a_version_file(
    tmp_path: Path, content: bytes, expected: list[tuple[str, int]]
) -> None:
    assert words(tmp_path, content) == expected


def test_only_the_first_lines_and_bytes_are_read(tmp_path: Path) -> None:
    many = b"".join(b"3.%d\n" % i for i in range(versionfile.MAX_LINES + 50))
    assert len(words(tmp_path, many)) == versionfile.MAX_LINES
    long_word = words(tmp_path, b"3" * 5000 + b"\n3.11\n")
    assert len(long_word[0][0]) <= versionfile.MAX_LINE and long_word[1] == ("3.11", 2)


def test_find_walks_up_and_skips_a_folder_of_that_name(tmp_path: Path) -> None:
    (tmp_path / "a" / "b" / ".python-version").mkdir(parents=True)
    (tmp_path / ".python-version").write_text("3.12\n")
    assert versionfile.find(str(tmp_path / "a" / "b")) == str(tmp_path / ".python-version")
    assert versionfile.find("/") in (None, "/.python-version")


def test_write_is_one_version_per_line_and_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    path = folder / ".python-version"
    versionfile.write(str(path), ["3.12", "3.11"])
    assert path.read_text() == "3.12\n3.11\n"
    assert sorted(p.name for p in folder.iterdir()) == [".python-version"]


def test_working_dir_prefers_a_logical_pwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(tmp_path / "link")
    assert versionfile.working_dir({"PWD": str(tmp_path / "link")}) == str(tmp_path / "link")
    assert versionfile.working_dir({"PWD": str(tmp_path)}) == str(real)  # PWD lies: ignored
    assert versionfile.working_dir({}) == str(real)


# -- precedence: (PYV_VERSION, nearest file, file further up, global file) -> words, source
PRECEDENCE = [
    ("3.11", "3.12", "3.13", "3.9", ["3.11"], "env"),
    ("", "3.12", "3.13", "3.9", ["3.12"], "file"),
    ("", None, "3.13", "3.9", ["3.13"], "file"),
    ("", None, None, "3.9", ["3.9"], "global"),
    ("", None, None, None, ["system"], "default"),
    ("3.11:3.12", None, None, None, ["3.11", "3.12"], "env"),
]


@pytest.mark.parametrize(("env", "near", "far", "glob", "expected", "source"), PRECEDENCE)
def test_precedence(
    world: World,
    env: str,
    near: str | None,
    far: str | None,
    glob: str | None,
    expected: list[str],
    source: str,
) -> None:
    deep = world.work / "project" / "sub"
    deep.mkdir(parents=True)
    if near:
        (deep / ".python-version").write_text(near + "\n")
    if far:
        (world.work / "project" / ".python-version").write_text(far + "\n")
    if glob:
        world.root.mkdir(exist_ok=True)
        (world.root / "version").write_text(glob + "\n")
    chosen = selection.select(world.layout, {"PYV_VERSION": env}, str(deep))
    assert (chosen.words, chosen.source) == (expected, source)


def test_origins(world: World) -> None:
    (world.work / ".python-version").write_text("3.12\n")
    file_selection = selection.select(world.layout, {}, str(world.work))
    assert file_selection.origin == f"set by {world.work / '.python-version'}"
    env_selection = selection.select(world.layout, {"PYV_VERSION": "3.12"}, str(world.work))
    assert env_selection.origin == "set by PYV_VERSION environment variable"
    assert env_selection.origin_path == "PYV_VERSION environment variable"


@pytest.mark.parametrize(
    "bad", ["../../etc", "/usr/bin", "-rf", "..", ".hidden", "3" * 5000, "banana", "3.12/.."]
)
def test_a_bad_entry_is_skipped_with_a_warning_naming_file_and_line(
    world: World, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    path = world.work / ".python-version"
    path.write_text(f"# pinned\n{bad}\n3.12\n")
    chosen = selection.select(world.layout, {}, str(world.work))
    assert chosen.words == ["3.12"]
    err = capsys.readouterr().err
    assert err.startswith("pyv: warning: ignoring `") and f"in {path}, line 2: " in err


@pytest.mark.parametrize("where", ["file", "env", "global"])
def test_nothing_usable_is_an_error_never_a_fall_back(world: World, where: str) -> None:
    world.root.mkdir()
    (world.root / "version").write_text("3.12\n")  # would be the fall-back
    env = {}
    if where == "file":
        (world.work / ".python-version").write_text("../../evil\n")
    elif where == "env":
        env = {"PYV_VERSION": "../../evil"}
    else:
        (world.root / "version").write_text("# nothing here\n")
    with pytest.raises(VersionFileError, match="names no usable version"):
        selection.select(world.layout, env, str(world.work))


def test_installed_names_and_ranges_are_usable(world: World) -> None:
    world.install("3.12.1")
    for word in ("3.12.1", "3.12", "3", ">=3.11", "cpython@3.12", "system", "3.9.18"):
        assert selection.problem(world.layout, word) is None, word
