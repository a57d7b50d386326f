"""Rules for reading, finding and writing .python-version files (pyv.versionfile)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyv import selection, versionfile
from pyv.errors import VersionFileError
from tests.conftest import World


def read_bytes(folder: Path, content: bytes) -> list[tuple[str, int]]:
    path = folder / ".python-version"
    path.write_bytes(content)
    return [(e.word, e.line) for e in versionfile.read(str(path))]


READ = [
    ("one-version", b"3.12\n", [("3.12", 1)]),
    ("no-final-newline", b"3.12", [("3.12", 1)]),
    ("several-in-order", b"3.12\n3.11\nsystem\n", [("3.12", 1), ("3.11", 2), ("system", 3)]),
    ("crlf", b"3.12\r\n3.11\r\n", [("3.12", 1), ("3.11", 2)]),
    ("utf8-bom", b"\xef\xbb\xbf3.12\n", [("3.12", 1)]),
    ("bom-then-comment", b"\xef\xbb\xbf# pinned\n3.12\n", [("3.12", 2)]),
    ("blank-lines", b"\n\n  \n\t\n3.12\n\n", [("3.12", 5)]),
    ("comments", b"# a\n   # indented\n\t#tab\n3.12\n", [("3.12", 4)]),
    ("first-word-only", b"  3.12   3.11 trailing\n", [("3.12", 1)]),
    ("comment-after-word", b"3.12 # why\n", [("3.12", 1)]),
    ("nothing", b"", []),
    ("only-comments", b"# nothing\n#\n", []),
    ("garbage-bytes", b"\xff\xfe\x80 rest\n3.12\n", [("\ufffd\ufffd\ufffd", 1), ("3.12", 2)]),
    ("long-tail", b"3.12 " + b"x" * 5000 + b"\n3.11\n", [("3.12", 1), ("3.11", 2)]),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in READ], ids=[c[0] for c in READ])
def test_read_gives_each_lines_first_word_with_its_line_number(
    tmp_path: Path, content: bytes, expected: list[tuple[str, int]]
) -> None:
    assert read_bytes(tmp_path, content) == expected


def test_entries_show_their_word_and_line() -> None:
    assert repr(versionfile.Entry("3.12", 7)) == "Entry('3.12', 7)"


def test_read_of_a_missing_file_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        versionfile.read(str(tmp_path / "absent"))


def test_only_the_first_max_lines_lines_are_read(tmp_path: Path) -> None:
    content = b"".join(b"3.%d\n" % i for i in range(versionfile.MAX_LINES + 5))
    entries = read_bytes(tmp_path, content)
    assert len(entries) == versionfile.MAX_LINES
    assert entries[-1] == (f"3.{versionfile.MAX_LINES - 1}", versionfile.MAX_LINES)


def test_a_version_after_max_lines_of_comments_is_not_read(tmp_path: Path) -> None:
    content = b"#\n" * versionfile.MAX_LINES + b"3.12\n"
    assert read_bytes(tmp_path, content) == []


def test_a_long_line_counts_as_one_line(tmp_path: Path) -> None:
    content = b"3.12 " + b"x" * (versionfile.MAX_LINE * 70) + b"\n3.11\n3.10\n"
    assert read_bytes(tmp_path, content) == [("3.12", 1), ("3.11", 2), ("3.10", 3)]


def test_a_huge_first_word_is_cut_and_then_rejected_by_the_selection(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    content = b"3" * 5000 + b"\n3.11\n"
    entries = read_bytes(world.work, content)
    assert len(entries[0][0]) <= versionfile.MAX_LINE
    assert entries[1] == ("3.11", 2)
    chosen = selection.select(world.layout, {}, str(world.work))
    assert chosen.words == ["3.11"]
    assert "line 1: too long" in capsys.readouterr().err


def test_a_file_of_only_a_huge_word_selects_nothing(world: World) -> None:
    (world.work / ".python-version").write_bytes(b"3." + b"1" * 5000)
    with pytest.raises(VersionFileError):
        selection.select(world.layout, {}, str(world.work))


# -- find: the nearest file walking up --------------------------------------------------


def test_find_returns_the_file_in_the_start_folder(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".python-version").write_text("3.11\n")
    assert versionfile.find(str(tmp_path / "a")) == str(tmp_path / "a" / ".python-version")


def test_find_walks_up_to_the_nearest_file(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / ".python-version").write_text("3.12\n")
    (tmp_path / "a" / ".python-version").write_text("3.11\n")
    assert versionfile.find(str(deep)) == str(tmp_path / "a" / ".python-version")


def test_find_skips_a_folder_named_python_version(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    (deep / ".python-version").mkdir(parents=True)
    (tmp_path / ".python-version").write_text("3.12\n")
    assert versionfile.find(str(deep)) == str(tmp_path / ".python-version")


def test_find_returns_none_when_no_file_is_above(tmp_path: Path) -> None:
    # conftest guarantees there is no .python-version above the temporary folders.
    deep = tmp_path / "a" / "b"
    (deep / ".python-version").mkdir(parents=True)
    assert versionfile.find(str(deep)) is None


# -- write: atomic, one version per line ------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty folder of its own, so leftovers would show."""
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    ("versions", "content"),
    [(["3.12"], "3.12\n"), (["3.12", "3.11", "system"], "3.12\n3.11\nsystem\n"), ([], "")],
)
def test_write_puts_one_version_per_line(project: Path, versions: list[str], content: str) -> None:
    path = project / ".python-version"
    path.write_text("old\nstuff\n")
    versionfile.write(str(path), versions)
    assert path.read_bytes() == content.encode()
    assert [e.word for e in versionfile.read(str(path))] == versions
    assert os.listdir(project) == [".python-version"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project / ".python-version"
    path.write_text("3.11\n")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk on fire"):
        versionfile.write(str(path), ["3.12"])
    assert path.read_text() == "3.11\n"
    assert os.listdir(project) == [".python-version"]


def test_write_over_a_folder_fails_and_leaves_no_temporary_file(project: Path) -> None:
    (project / ".python-version").mkdir()
    with pytest.raises(OSError):
        versionfile.write(str(project / ".python-version"), ["3.12"])
    assert os.listdir(project) == [".python-version"]
    assert (project / ".python-version").is_dir()


# -- working_dir: the logical working directory -----------------------------------------


@pytest.fixture
def linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """cwd is tmp/real/here, reached through the link tmp/link -> tmp/real."""
    real = tmp_path / "real"
    (real / "here").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(real / "here")
    return real / "here", tmp_path / "link" / "here"


@pytest.mark.parametrize(
    ("pwd", "expected"),
    [
        ("logical", "logical"),  # a symlinked path to cwd: $PWD wins
        ("logical/", "logical"),
        (None, "physical"),
        ("other", "physical"),  # $PWD names another folder: ignored
        ("missing", "physical"),
        ("relative", "physical"),
    ],
)
def test_working_dir_prefers_pwd_only_when_it_names_the_working_directory(
    linked: tuple[Path, Path], pwd: str | None, expected: str
) -> None:
    physical, logical = linked
    values = {
        "logical": str(logical),
        "logical/": str(logical) + "/",
        "physical": str(physical),
        "": "",
        "other": str(physical.parent),
        "missing": str(physical / "gone"),
        "relative": "here",
    }
    environ = {} if pwd is None else {"PWD": values[pwd]}
    assert versionfile.working_dir(environ) == str(
        {"logical": logical, "physical": physical}[expected]
    )


def test_working_dir_always_names_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = tmp_path / "top"
    (top / "deep" / "dir").mkdir(parents=True)
    (top / "deep" / "work").mkdir()
    (top / "work").mkdir()
    (top / "link").symlink_to(top / "deep" / "dir")
    monkeypatch.chdir(top / "deep" / "work")
    # top/link/../work is top/deep/work to the kernel, but top/work to normpath.
    found = versionfile.working_dir({"PWD": str(top / "link" / ".." / "work")})
    assert os.path.samefile(found, os.getcwd()), found
