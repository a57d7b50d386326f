"""Install a real CPython: an archive made from one on this machine, served locally."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.conftest import World, real_pythons
from tests.install.conftest import Builds

SKIP_PARTS = ("test", "tests", "__pycache__", "idlelib", "tkinter", "turtledemo", "site-packages")


def real_archive(prefix: Path, out: Path) -> None:
    """prefix as python/ in a .tar.gz, its own prefix replaced by pbs's /install placeholder."""
    old = str(prefix).encode()

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = info.name.split("/")
        if any(p in SKIP_PARTS for p in parts) or info.name.endswith(".a"):
            return None
        return info

    with tarfile.open(out, "w:gz", compresslevel=1) as tar:
        for path in sorted(prefix.rglob("*")):
            rel = "python/" + str(path.relative_to(prefix))
            info = tar.gettarinfo(str(path), arcname=rel)
            if keep(info) is None:
                continue
            name = path.name
            if info.isfile() and (name.startswith("_sysconfigdata") or name.endswith(".pc")):
                data = path.read_bytes().replace(old, b"/install")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            elif info.isfile():
                with path.open("rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, bytes]:
    pythons = real_pythons()
    prefix = pythons.get("3.12") or pythons.get("3.13")
    if prefix is None:
        pytest.skip("no real CPython 3.12 or 3.13 under ~/.pyenv/versions on this machine")
    out = tmp_path_factory.mktemp("real") / "python.tar.gz"
    real_archive(prefix, out)
    return prefix.name, out.read_bytes()


def test_a_real_cpython_installs_and_knows_its_prefix(
    builds: Builds, world: World, real_build: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    version, data = real_build
    builds.add(version, data)
    assert world.pyv("install", version, capsys=capsys) == (0, "", f"installed {version}\n")
    prefix = world.root / "versions" / version
    # The version check ran the interpreter from the scratch folder, and wrote nothing
    # there: no .pyc naming a folder that is gone, none where a later member could go.
    assert not list(prefix.rglob("*.pyc"))
    code = (
        "import sys, sysconfig, os\n"
        "print(sysconfig.get_config_var('prefix'))\n"
        "print(os.path.isfile(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))\n"
        "print('%d.%d.%d' % sys.version_info[:3])\n"
    )
    out = subprocess.run(
        [str(prefix / "bin" / "python3"), "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == [str(prefix), "True", version]
    (world.work / ".python-version").write_text(version.rsplit(".", 1)[0] + "\n")
    env = world.env(PATH=f"{world.root / 'shims'}:/usr/bin:/bin")
    venv = world.tmp / "venv"
    subprocess.run(
        ["python", "-m", "venv", "--without-pip", str(venv)], env=env, cwd=world.work, check=True
    )
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sys; print(sys.base_prefix)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(ran.stdout.strip()).resolve() == prefix.resolve()
