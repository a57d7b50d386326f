"""install._each: several installs at once, their results in order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pyv.builds.install import _each


def test_results_come_in_order_with_at_most_jobs_at_once() -> None:
    running = 0
    most = 0
    guard = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.02 if n % 2 else 0.005)  # later items often finish first
        with guard:
            running -= 1
        return n * 10

    assert list(_each(work, list(range(7)), 3)) == [n * 10 for n in range(7)]
    assert most == 3


def test_an_error_comes_out_in_its_turn_and_no_new_item_starts() -> None:
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        if n == 1:
            raise ValueError("item 1")
        time.sleep(0.01)
        return n

    results = _each(work, list(range(20)), 2)
    assert next(results) == 0
    with pytest.raises(ValueError, match="item 1"):
        next(results)
    assert len(started) < 20  # left early: the rest never started
    assert not [t for t in threading.enumerate() if t.name.startswith("pyv-install-")]


def test_one_item_runs_in_the_calling_thread() -> None:
    assert list(_each(lambda n: threading.current_thread().name, [1], 4)) == ["MainThread"]


def test_threads_take_turns_every_millisecond_during_installs_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys
    from types import SimpleNamespace

    from pyv.builds import install

    said = tmp_path / "intervals"  # written by the processes the installs run in

    def fake_install(layout: object, build: object, **kw: object) -> bool:
        with said.open("a") as f:
            f.write(f"{sys.getswitchinterval()}\n")
        return True

    monkeypatch.setattr(install, "install", fake_install)
    before = sys.getswitchinterval()
    builds = [SimpleNamespace(name=n, from_source=False) for n in ("3.12.1", "3.11.7")]
    code = install.install_builds(
        object(),  # type: ignore[arg-type]
        builds,  # type: ignore[arg-type]
        environ={},
        quiet=True,
    )
    seen = [float(line) for line in said.read_text().split()]
    assert code == 0 and seen == [0.001, 0.001]
    assert sys.getswitchinterval() == before != 0.001
