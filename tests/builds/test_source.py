"""The source build's steps on a tiny fake source tree (tests/builds/fake_source.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pyv.builds import catalog, plan, source
from tests.builds.fake_source import source_tarball
from tests.conftest import World

Capture = pytest.CaptureFixture[str]


def unpacked(tmp_path: Path, version: str = "3.11.2") -> Path:
    tarball = tmp_path / f"Python-{version}.tgz"
    tarball.write_bytes(source_tarball(version))
    (tmp_path / "src").mkdir()
    return Path(source.unpack(str(tarball), str(tmp_path / "src"), version))


def new_build(tmp_path: Path, tree: Path, phases: list[tuple[str, float | None]]) -> source.Build:
    return source.Build(
        name="3.11.2",
        tree=str(tree),
        dest=str(tmp_path / "dest"),
        log=str(tmp_path / "build.log"),
        progress=lambda phase, percent: phases.append((phase, percent)),
    )


def test_configure_make_install_with_phases_and_a_log(tmp_path: Path) -> None:
    tree = unpacked(tmp_path)
    phases: list[tuple[str, float | None]] = []
    build = new_build(tmp_path, tree, phases)
    prefix = "/root/pyv/versions/3.11.2"
    env = {"PATH": os.environ["PATH"]}
    build.run(source.configure_args((3, 11, 2), "", prefix, env), ["-j3"], env)
    assert [p for p, _ in phases if _ in (None, 0.0)] == ["configure", "compile", "install"]
    compile_percents = [pc for p, pc in phases if p == "compile"]
    assert compile_percents == [0.0, 25.0, 50.0, 75.0, 99.0]
    python = tmp_path / "dest" / prefix.lstrip("/") / "bin" / "python3.11"
    assert python.is_file()
    log = (tmp_path / "build.log").read_text()
    assert "$ ./configure --prefix=/root/pyv/versions/3.11.2" in log
    assert "gcc -c Objects/b.c -o Objects/b.o" in log and "$ make -j3" in log
    assert "$ make install DESTDIR=" in log


def test_configure_arguments_and_the_users_options(tmp_path: Path) -> None:
    env = {
        "CONFIGURE_OPTS": "--with-lto",
        "PYTHON_CONFIGURE_OPTS": "--enable-optimizations",
        "PYV_CONFIGURE_OPTS": "--without-ensurepip 'CFLAGS=-O1 -g'",
        "LDFLAGS": "-L/opt/lib",
    }
    args = source.configure_args((3, 13, 1), "t", "/p/versions/3.13.1t", env)
    assert args == [
        "--prefix=/p/versions/3.13.1t",
        "--enable-shared",
        "LDFLAGS=-Wl,-rpath,\\$$ORIGIN/../lib -L/opt/lib",
        "--disable-gil",
        "--with-lto",
        "--enable-optimizations",
        "--without-ensurepip",
        "CFLAGS=-O1 -g",
    ]
    assert "--disable-gil" not in source.configure_args((3, 12, 1), "t", "/p", {})
    assert "--with-pydebug" in source.configure_args((3, 12, 1), "d", "/p", {})


def test_python_2_gets_pip_and_wide_unicode_as_pyenv_builds_it() -> None:
    def pyvs(version: tuple[int, ...], platform: str = "linux") -> list[str]:
        args = source.configure_args(version, "", "/p", {}, platform=platform)
        return [a for a in args if a.startswith(("--with-ensurepip", "--enable-unicode"))]

    assert pyvs((2, 7, 18)) == ["--with-ensurepip=upgrade", "--enable-unicode=ucs4"]
    assert pyvs((2, 7, 8)) == ["--enable-unicode=ucs4"]  # no ensurepip before 2.7.9
    assert pyvs((3, 2, 6)) == ["--enable-unicode=ucs4"]  # 3.3 dropped the option
    assert pyvs((2, 7, 18), "darwin") == ["--with-ensurepip=upgrade"]  # macOS: narrow
    assert pyvs((3, 4, 10)) == pyvs((3, 11, 2)) == []  # ensurepip runs by default
    users = {"PYTHON_CONFIGURE_OPTS": "--enable-unicode=ucs2 --without-ensurepip"}
    args = source.configure_args((2, 7, 18), "", "/p", users, platform="linux")
    assert args[-2:] == ["--enable-unicode=ucs2", "--without-ensurepip"]  # the user's win


def test_make_options(tmp_path: Path) -> None:
    assert source.make_args({}) == [f"-j{os.cpu_count()}"]
    assert source.make_args({"MAKE_OPTS": "-j1", "PYV_MAKE_OPTS": "V=1"}) == ["-j1", "V=1"]
    with pytest.raises(source.PyvError, match="PYV_MAKE_OPTS cannot be read"):
        source.make_args({"PYV_MAKE_OPTS": "'unclosed"})


@pytest.mark.parametrize(
    ("fault", "step", "line"),
    [
        ("FAIL_CONFIGURE", "./configure", "configure: error: no acceptable C compiler"),
        ("FAIL_MAKE", "make", "Objects/b.c:1: error: it broke"),
    ],
)
def test_a_failing_step_shows_the_logs_tail_and_path(
    tmp_path: Path, capsys: Capture, fault: str, step: str, line: str
) -> None:
    tree = unpacked(tmp_path)
    (tree / fault).write_text("")
    build = new_build(tmp_path, tree, [])
    env = {"PATH": os.environ["PATH"]}
    with pytest.raises(source.BuildError) as caught:
        build.run(["--prefix=/p"], ["-j2"], env)
    assert str(caught.value) == (
        f"building 3.11.2 failed in `{step}' (exit {1 if 'CONF' in fault else 2});"
        f" full log: {tmp_path / 'build.log'}"
    )
    err = capsys.readouterr().err
    assert f"  | {line}\n" in err and len(err.splitlines()) <= 20


def test_a_long_log_shows_only_its_last_20_lines(tmp_path: Path, capsys: Capture) -> None:
    tree = unpacked(tmp_path)
    (tree / "configure").write_text(
        '#!/bin/sh\nfor i in $(seq 1 45); do echo "checking thing $i"; done\nexit 1\n'
    )
    build = new_build(tmp_path, tree, [])
    with pytest.raises(source.BuildError, match="full log: "):
        build.run(["--prefix=/p"], ["-j2"], {"PATH": os.environ["PATH"]})
    shown = capsys.readouterr().err.splitlines()
    assert shown == [f"  | checking thing {i}" for i in range(26, 46)]
    assert "checking thing 1\n" in (tmp_path / "build.log").read_text()  # the log keeps all


def test_missing_modules_are_reported(tmp_path: Path) -> None:
    tree = unpacked(tmp_path)
    build = new_build(tmp_path, tree, [])
    env = {"PATH": os.environ["PATH"]}
    build.run(["--prefix=/p"], ["-j2"], env)
    python = str(tmp_path / "dest" / "p" / "bin" / "python3.11")
    assert source.missing_modules(python, (3, 11, 2)) == []
    (tree / "MISSING").write_text("ssl readline\n")
    assert source.missing_modules(python, (3, 11, 2)) == ["ssl", "readline"]


def test_finish_bin_adds_python_and_pip(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python3.11", "python3", "pip3"):
        (bin_dir / name).write_text("")
    source.finish_bin(str(bin_dir), (3, 11, 2))
    assert os.readlink(bin_dir / "python") == "python3.11"
    assert os.readlink(bin_dir / "pip") == "pip3"
    assert not (bin_dir / "python3").is_symlink()  # what make install made stays


def test_the_shipped_source_releases(tmp_path: Path) -> None:
    releases = {r.version: r for r in source.releases()}
    assert len(releases) >= 242
    assert {"2.7.18", "3.6.15", "3.11.2", "3.8.0"} <= set(releases)
    tgz = releases["3.11.2"].tarball("tgz")
    assert tgz is not None and tgz.sha256.startswith("2411c74b")
    mirrored = source.url_for(tgz, {"PYV_SOURCE_MIRROR": "http://127.0.0.1:9/py/"})
    assert mirrored == "http://127.0.0.1:9/py/3.11.2/Python-3.11.2.tgz"
    assert source.url_for(tgz, {}) == tgz.url


def test_the_readme_counts_what_is_prebuilt_and_what_is_built(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    said = re.search(
        r"Of python.org's (\d+) CPython source releases .*?has prebuilt linux-x86_64 builds"
        r" of (\d+)\. The other (\d+) ",
        readme.replace("\n", " "),
    )
    assert said, "the README's Source builds section no longer says its counts"
    monkeypatch.setenv("PYV_PLATFORM", "linux-x86_64-gnu")
    here = catalog.available(world.layout, os.environ, offline=True)  # the shipped catalog
    built = len(plan.source_only(here, None, os.environ))
    total = len(source.releases())
    assert [int(n) for n in said.groups()] == [total, total - built, built]


def test_a_tarball_that_is_not_a_source_tree_is_refused(tmp_path: Path) -> None:
    tarball = tmp_path / "Python-3.11.2.tgz"
    tarball.write_bytes(source_tarball("3.11.9"))  # the wrong top folder
    (tmp_path / "src").mkdir()
    with pytest.raises(source.PyvError, match=r"has no Python-3\.11\.2/configure"):
        source.unpack(str(tarball), str(tmp_path / "src"), "3.11.2")
    tarball.write_bytes(source_tarball("3.11.2")[:300])
    with pytest.raises(source.PyvError, match="is corrupt or truncated"):
        source.unpack(str(tarball), str(tmp_path / "src2"), "3.11.2")


def test_patches_apply_or_fail_plainly(tmp_path: Path) -> None:
    tree = unpacked(tmp_path)
    patch = tmp_path / "fix.patch"
    patch.write_text("--- a/Objects/a.c\n+++ b/Objects/a.c\n@@ -0,0 +1 @@\n+int fixed;\n")
    log = str(tmp_path / "log")
    source.apply_patches(str(tree), [str(patch)], log)
    assert (tree / "Objects" / "a.c").read_text() == "int fixed;\n"
    patch.write_text(
        "--- a/Objects/a.c\n+++ b/Objects/a.c\n@@ -1 +1 @@\n-int other;\n+int fixed;\n"
    )
    with pytest.raises(source.BuildError, match=r"fix\.patch does not apply to Python-3\.11\.2"):
        source.apply_patches(str(tree), [str(patch)], log)
    assert (tree / "Objects" / "a.c").read_text() == "int fixed;\n"
