"""builds.workers: several prebuilt installs, each in a process of its own (Linux)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from pyv.builds import install, workers
from pyv.errors import PyvError

pytestmark = pytest.mark.skipif(not workers.available(), reason="processes by fork: Linux only")

VERSIONS = ("3.9.18", "3.11.7", "3.12.1", "3.13.0")


def install_all(
    monkeypatch: pytest.MonkeyPatch, fake: object, versions: tuple[str, ...] = VERSIONS
) -> int:
    monkeypatch.setattr(install, "install", fake)
    builds = [SimpleNamespace(name=v, from_source=False) for v in versions]
    return install.install_builds(
        object(),  # type: ignore[arg-type]
        builds,  # type: ignore[arg-type]
        environ={},
        quiet=True,
        jobs=2,
    )


def test_each_install_runs_in_one_of_jobs_processes_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    said = tmp_path / "pids"

    def fake(layout: object, build: SimpleNamespace, **kw: object) -> bool:
        with said.open("a") as f:
            f.write(f"{build.name} {os.getpid()}\n")
        return True

    assert install_all(monkeypatch, fake) == 0
    pids = dict(line.split() for line in said.read_text().splitlines())
    assert sorted(pids) == sorted(VERSIONS)
    # At most jobs of them (one may take them all, when the other starts late).
    assert len(set(pids.values())) <= 2 and str(os.getpid()) not in pids.values()


def test_errors_are_said_in_turn_and_the_other_versions_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = tmp_path / "installed"
    done.mkdir()

    def fake(layout: object, build: SimpleNamespace, **kw: object) -> bool:
        if build.name == "3.11.7":
            error = PyvError("3.11.7 went wrong", hint="try again")
            error.before = [PyvError("first this")]
            raise error
        if build.name == "3.12.1":
            os._exit(9)  # killed: no result comes back
        (done / build.name).touch()
        return True

    assert install_all(monkeypatch, fake) == 1
    assert capsys.readouterr().err.splitlines() == [
        "pyv: first this",
        "pyv: 3.11.7 went wrong; try again",
        "pyv: the install of 3.12.1 ended early: its process was killed",
    ]
    assert sorted(p.name for p in done.iterdir()) == ["3.13.0", "3.9.18"]


def test_a_bug_in_a_process_comes_out_in_its_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(layout: object, build: SimpleNamespace, **kw: object) -> bool:
        if build.name == "3.12.1":
            raise ValueError("a bug")
        return True

    with pytest.raises(RuntimeError, match=r"^ValueError: a bug$"):
        install_all(monkeypatch, fake)


def test_no_process_is_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(layout: object, build: SimpleNamespace, **kw: object) -> bool:
        return True

    assert install_all(monkeypatch, fake) == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was reaped
    assert not [t for t in threading.enumerate() if t.name == "pyv-relay"]  # and its relay
