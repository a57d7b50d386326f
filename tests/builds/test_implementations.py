"""PyPy's and GraalPy's release archives: unpacked into a prefix, bin given its usual
names, pip from ensurepip. PyPy is real (Debian's, repacked: tests/builds/pypy_fixture.py);
GraalPy has no Debian package, so its archives are small fakes in its layout."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyv.builds import implementations
from pyv.builds.archive import ArchiveError
from tests.builds import pypy_fixture

GRAALPY = "graalpy-25.0.1-linux-amd64"
REPORT = (
    "import json, platform, sys\n"
    "print(json.dumps([sys.prefix, platform.python_implementation(), sys.version_info[:2]]))"
)


@pytest.fixture(scope="module")
def pypy_prefix(pypy_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repacked PyPy unpacked into a prefix (with a space) and its bin normalised."""
    prefix = tmp_path_factory.mktemp("pypy prefix") / "pypy3.9-7.3.11"
    prefix.mkdir()
    implementations.extract(str(pypy_archive), str(prefix), "pypy")
    implementations.normalise_bin(str(prefix), "pypy", (3, 9))
    return prefix


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command of the installation, with no input and its output captured."""
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


def test_pypy_runs_from_its_new_prefix(pypy_prefix: Path) -> None:
    assert sorted(os.listdir(pypy_prefix)) == ["bin", "include", "lib"]  # the top folder's
    assert (pypy_prefix / "lib" / "pypy3.9" / "os.py").is_file()
    done = run(pypy_prefix / "bin" / "pypy3.9", "-c", REPORT)
    assert done.returncode == 0, done.stderr
    prefix, implementation, python = json.loads(done.stdout)
    assert Path(prefix).resolve() == pypy_prefix.resolve()
    assert implementation == "PyPy"
    assert python == [3, 9]


@pytest.mark.parametrize("name", ["python", "python3", "python3.9", "pypy3", "pypy", "pypy3.9"])
def test_every_pypy_name_runs_pypy(pypy_prefix: Path, name: str) -> None:
    command = pypy_prefix / "bin" / name
    assert os.access(command, os.X_OK)
    done = run(command, "-c", REPORT)
    assert done.returncode == 0, done.stderr
    prefix, implementation, _ = json.loads(done.stdout)
    assert (Path(prefix).resolve(), implementation) == (pypy_prefix.resolve(), "PyPy")


def test_ensure_pip_gives_pypy_pip(pypy_prefix: Path) -> None:
    if pypy_fixture.pip_wheel() is None:
        pytest.skip(
            f"no pip wheel in {pypy_fixture.WHEELS} (Debian's python3-pip-whl): "
            "the repacked PyPy's ensurepip has nothing to install"
        )
    python = pypy_prefix / "bin" / "python"
    assert run(python, "-c", "import pip").returncode != 0  # the archive has none
    implementations.ensure_pip(str(python))
    done = run(python, "-m", "pip", "--version")
    assert done.returncode == 0, done.stderr
    site = pypy_prefix.resolve() / "lib" / "pypy3.9" / "site-packages"
    assert done.stdout.startswith("pip ")
    assert f"from {site}/pip " in done.stdout  # in the prefix, where upstream's pip goes
    implementations.normalise_bin(str(pypy_prefix), "pypy", (3, 9))
    for name in ("pip", "pip3", "pip3.9"):
        done = run(pypy_prefix / "bin" / name, "--version")
        assert done.returncode == 0, done.stderr
        assert f"from {site}/pip " in done.stdout
    implementations.ensure_pip(str(python))  # has pip now: nothing to do, no error


# GraalPy: fake archives in its release layout


def make_archive(path: Path, members: list[tuple[str, str, str]], compression: str = "gz") -> Path:
    """A tar archive of ``(name, kind, text)`` members: kind ``file`` (text is its
    content), ``script`` (an executable file), ``dir`` or ``link`` (text is its target)."""
    with tarfile.open(path, f"w:{compression}") as tar:
        for name, kind, text in members:
            info = tarfile.TarInfo(name)
            data = b""
            if kind in ("file", "script"):
                data = text.encode()
                info.size = len(data)
                info.mode = 0o755 if kind == "script" else 0o644
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            else:
                info.type, info.linkname = tarfile.SYMTYPE, text
            tar.addfile(info, io.BytesIO(data))
    return path


def graalpy_members(top: str = GRAALPY) -> list[tuple[str, str, str]]:
    """GraalPy's layout in small: one launcher (a script that names itself) and its lib."""
    return [
        (f"{top}/", "dir", ""),
        (f"{top}/bin/", "dir", ""),
        (f"{top}/bin/graalpy", "script", '#!/bin/sh\necho "graalpy $0 $*"\n'),
        (f"{top}/lib/python3.12/os.py", "file", "# the standard library\n"),
    ]


@pytest.fixture
def prefix(tmp_path: Path) -> Iterator[Path]:
    """An empty folder to install into."""
    folder = tmp_path / "versions" / "graalpy-25.0.1"
    folder.mkdir(parents=True)
    yield folder


@pytest.mark.parametrize("compression", ["gz", "bz2"])
def test_graalpy_unpacks_and_gets_every_name(
    tmp_path: Path, prefix: Path, compression: str
) -> None:
    archive = make_archive(
        tmp_path / f"{GRAALPY}.tar.{compression}", graalpy_members(), compression
    )
    implementations.extract(str(archive), str(prefix), "graalpy")
    assert sorted(os.listdir(prefix)) == ["bin", "lib"]  # the top folder's contents
    assert (prefix / "lib" / "python3.12" / "os.py").read_text() == "# the standard library\n"
    implementations.normalise_bin(str(prefix), "graalpy", (3, 12))
    names = ["graalpy", "graalpy3", "graalpy3.12", "python", "python3", "python3.12"]
    assert sorted(os.listdir(prefix / "bin")) == names  # no pip in the archive: no pip names
    for name in names:
        if name != "graalpy":
            assert os.readlink(prefix / "bin" / name) == "graalpy"  # relative: it can move
        done = run(prefix / "bin" / name, "-V")
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"graalpy {prefix / 'bin' / name} -V\n"


def test_normalise_bin_keeps_what_the_archive_has(tmp_path: Path, prefix: Path) -> None:
    members = [
        *graalpy_members(),
        (f"{GRAALPY}/bin/python3", "script", "#!/bin/sh\necho own python3\n"),
        (f"{GRAALPY}/bin/pip3", "script", "#!/bin/sh\necho pip3\n"),
    ]
    archive = make_archive(tmp_path / f"{GRAALPY}.tar.gz", members)
    implementations.extract(str(archive), str(prefix), "graalpy")
    implementations.normalise_bin(str(prefix), "graalpy", (3, 12))
    bin_dir = prefix / "bin"
    assert not (bin_dir / "python3").is_symlink()  # the archive's own, untouched
    assert run(bin_dir / "python3").stdout == "own python3\n"
    assert os.readlink(bin_dir / "pip") == os.readlink(bin_dir / "pip3.12") == "pip3"
    assert run(bin_dir / "pip").stdout == "pip3\n"


# Unsafe or broken archives: refused, in one line that names the archive


def refusal(tmp_path: Path, prefix: Path, members: list[tuple[str, str, str]]) -> str:
    """The one-line message with which extract refuses an archive of ``members``."""
    archive = make_archive(tmp_path / f"{GRAALPY}.tar.gz", members)
    with pytest.raises(ArchiveError) as refused:
        implementations.extract(str(archive), str(prefix), "graalpy")
    message = refused.value.message
    assert "\n" not in message
    assert message.startswith(f"{GRAALPY}.tar.gz")
    assert str(tmp_path) not in message  # the archive by its name, never a scratch folder
    return message


def test_a_link_out_of_the_top_folder_is_refused(tmp_path: Path, prefix: Path) -> None:
    members = [*graalpy_members(), (f"{GRAALPY}/bin/x", "link", "../../../etc")]
    message = refusal(tmp_path, prefix, members)
    assert message.endswith(f"link out of {GRAALPY}/: {GRAALPY}/bin/x -> ../../../etc")
    assert not (prefix / "bin").exists()  # nothing was moved into the prefix


def test_a_top_folder_that_is_a_link_is_refused(tmp_path: Path, prefix: Path) -> None:
    # Were it followed, the folder above the scratch folder would become the install.
    message = refusal(tmp_path, prefix, [(GRAALPY, "link", "..")])
    assert message.endswith(f"(the top folder is not a folder): {GRAALPY}")
    assert not (prefix / "bin").exists()


def test_two_top_folders_are_refused(tmp_path: Path, prefix: Path) -> None:
    members = [*graalpy_members(), ("other/bin/python", "script", "#!/bin/sh\n")]
    message = refusal(tmp_path, prefix, members)
    assert message.endswith(f"not one top folder but {GRAALPY}, other")


def test_an_empty_archive_is_refused(tmp_path: Path, prefix: Path) -> None:
    assert refusal(tmp_path, prefix, []).endswith("not one top folder but nothing")


def test_a_top_folder_without_bin_is_refused(tmp_path: Path, prefix: Path) -> None:
    members = [(f"{GRAALPY}/lib/python3.12/os.py", "file", "")]
    message = refusal(tmp_path, prefix, members)
    assert message == f"{GRAALPY}.tar.gz has no {GRAALPY}/bin: not a graalpy release"


def test_a_truncated_archive_is_refused(tmp_path: Path, prefix: Path) -> None:
    whole = make_archive(tmp_path / "whole.tar.bz2", graalpy_members(), "bz2").read_bytes()
    archive = tmp_path / f"{GRAALPY}.tar.bz2"
    archive.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ArchiveError) as refused:
        implementations.extract(str(archive), str(prefix), "graalpy")
    message = refused.value.message
    assert message.startswith(f"{GRAALPY}.tar.bz2 is corrupt or truncated: ")
    assert "\n" not in message


def test_without_debian_pypy_the_repack_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pypy_fixture, "EXECUTABLE", tmp_path / "pypy3.9")
    assert pypy_fixture.missing() == (
        f"Debian's pypy3 (PyPy 7.3.11) is not installed: no {tmp_path / 'pypy3.9'}"
    )
    out = tmp_path / "out"
    out.mkdir()
    assert pypy_fixture.repack_pypy(out) is None
    assert os.listdir(out) == []
