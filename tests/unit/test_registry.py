"""The registry: receipts, alias links, lookups, removal and the lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pyv import reconcile, registry
from pyv.errors import RegistryError, VersionNotInstalled
from pyv.paths import RECEIPT
from pyv.request import parse
from tests.conftest import World


def aliases(world: World) -> dict[str, str]:
    versions = world.root / "versions"
    return {p.name: os.readlink(p) for p in versions.iterdir() if p.is_symlink()}


def test_an_installation_is_a_folder_with_a_receipt(world: World) -> None:
    folder = world.install("3.12.1")
    assert (folder / RECEIPT).is_file()
    assert registry.names(world.layout) == ["3.12.1"]


def test_every_folder_in_versions_is_installed_as_in_pyenv(world: World) -> None:
    """pyenv's rule: whatever is in versions/ is installed, receipt or not."""
    world.install("3.12.1")
    versions = world.root / "versions"
    for name in ("3.12.2", "3.13-dev", "miniforge3-24.1.2", "with space", ".venv"):
        (versions / name / "bin").mkdir(parents=True)
    (versions / "3.12.2/envs/tools/bin").mkdir(parents=True)
    (versions / "myenv").symlink_to(versions / "3.12.2/envs/tools")
    elsewhere = world.tmp / "elsewhere"
    (elsewhere / "bin").mkdir(parents=True)
    (versions / "moo").symlink_to(elsewhere)
    (versions / "not-a-folder").write_text("")
    (versions / ".3.12.4242.tmp").symlink_to("3.12.1")  # pyv's own temporary link
    kinds = dict(registry.entries(world.layout, envs=True))
    assert kinds == {
        "3.12.1": "version",
        "3.12": "alias",
        "3": "alias",
        "3.12.2": "version",
        "3.12.2/envs/tools": "env",
        "3.13-dev": "version",
        "miniforge3-24.1.2": "version",
        "with space": "version",
        ".venv": "version",
        "myenv": "env-link",
        "moo": "link",
    }
    assert sorted(registry.names(world.layout)) == sorted(
        k for k, v in kinds.items() if v not in ("alias", "env")
    )
    for name in ("3.12.2", "3.13-dev", "myenv", "moo", "3.12.2/envs/tools"):
        assert registry.resolve(world.layout, name) == name
    assert registry.resolve(world.layout, "3.12") == "3.12.1"
    # only names that parse as versions take part in matching (and in aliases)
    assert [i.name for i in registry.installations(world.layout)] == ["3.12.2", "3.12.1"]


def test_aliases_include_other_tools_builds_and_spare_user_links(world: World) -> None:
    world.install("3.12.1")
    versions = world.root / "versions"
    (versions / "3.12.5/bin").mkdir(parents=True)  # built by pyenv: no receipt
    (versions / "3.11").symlink_to("/usr")  # the user's own link, not pyv's form
    with reconcile.lock(world.layout):
        pass
    assert os.readlink(versions / "3.12") == "3.12.5"
    assert os.readlink(versions / "3.11") == "/usr"
    shutil.rmtree(versions / "3.12.5")
    with reconcile.lock(world.layout):
        pass
    assert os.readlink(versions / "3.12") == "3.12.1"
    assert os.readlink(versions / "3.11") == "/usr"


def test_remove_each_kind_of_entry(world: World) -> None:
    versions = world.root / "versions"
    (versions / "3.13-dev/bin").mkdir(parents=True)
    (versions / "3.12.2/envs/tools/bin").mkdir(parents=True)
    (versions / "3.12.2/envs/other/bin").mkdir(parents=True)
    (versions / "tools").symlink_to(versions / "3.12.2/envs/tools")
    (versions / "other").symlink_to(versions / "3.12.2/envs/other")
    elsewhere = world.tmp / "elsewhere"
    (elsewhere / "bin").mkdir(parents=True)
    (versions / "moo").symlink_to(elsewhere)
    (versions / "with space").mkdir()
    with reconcile.lock(world.layout):
        registry.remove(world.layout, "3.13-dev")
        registry.remove(world.layout, "tools")  # the env goes with its link
        registry.remove(world.layout, "3.12.2/envs/other")  # the link goes with the env
        registry.remove(world.layout, "moo")  # only the link
        registry.remove(world.layout, "with space")
        with pytest.raises(VersionNotInstalled):
            registry.remove(world.layout, "../elsewhere")
    assert sorted(os.listdir(versions)) == ["3", "3.12", "3.12.2"]
    assert os.listdir(versions / "3.12.2/envs") == []
    assert (elsewhere / "bin").is_dir()


def test_installations_are_listed_newest_first(world: World) -> None:
    for name in ("3.9.18", "3.12.1", "3.10.13", "3.12.10", "3.14.0rc1"):
        world.install(name)
    names = [i.name for i in registry.installations(world.layout)]
    assert names == ["3.14.0rc1", "3.12.10", "3.12.1", "3.10.13", "3.9.18"]


def test_aliases_point_at_the_newest_stable_patch_of_each_minor_and_major(world: World) -> None:
    for name in ("3.12.1", "3.12.3", "3.13.0", "3.14.0rc1", "3.13.1t", "2.7.18"):
        world.install(name)
    assert aliases(world) == {
        "3.12": "3.12.3",
        "3.13": "3.13.0",
        "3": "3.13.0",
        "3.13t": "3.13.1t",
        "3t": "3.13.1t",
        "2.7": "2.7.18",
        "2": "2.7.18",
    }


def test_aliases_follow_removals(world: World) -> None:
    for name in ("3.12.1", "3.12.3", "3.13.0"):
        world.install(name)
    with reconcile.lock(world.layout):
        registry.remove(world.layout, "3.12.3")
    assert aliases(world) == {"3.12": "3.12.1", "3.13": "3.13.0", "3": "3.13.0"}
    with reconcile.lock(world.layout):
        registry.remove(world.layout, "3.13.0")
    assert aliases(world) == {"3.12": "3.12.1", "3": "3.12.1"}


def test_alias_updates_leave_no_temporary_links(world: World) -> None:
    for name in ("3.12.1", "3.12.3"):
        world.install(name)
    assert sorted(p.name for p in (world.root / "versions").iterdir()) == [
        "3",
        "3.12",
        "3.12.1",
        "3.12.3",
    ]


def test_a_users_own_links_in_versions_are_left_alone(world: World) -> None:
    world.install("3.12.1")
    (world.root / "versions" / "myenv").symlink_to("/nonexistent")
    world.install("3.12.2")
    assert (world.root / "versions" / "myenv").is_symlink()


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("3.12.1", "3.12.1"),
        ("3.12", "3.12.3"),
        ("3", "3.13.0"),
        ("cpython@3.12", "3.12.3"),
        (">=3.12,<3.13", "3.12.3"),
        (">=3.12.2", "3.13.0"),
        ("3.1", None),
        ("3.14", None),
        ("3.14.0rc1", "3.14.0rc1"),
        ("3.13t", None),
        ("3.11", None),
    ],
)
def test_resolve_a_selected_word(world: World, word: str, expected: str | None) -> None:
    for name in ("3.12.1", "3.12.3", "3.13.0", "3.14.0rc1"):
        world.install(name)
    assert registry.resolve(world.layout, word) == expected


def test_an_exact_name_wins_over_a_labelled_copy(world: World) -> None:
    world.install("3.12.1+pyenv")
    world.install("3.12.1")
    assert registry.resolve(world.layout, "3.12.1") == "3.12.1"
    assert registry.resolve(world.layout, "3.12") == "3.12.1"
    assert registry.resolve(world.layout, "3.12.1+pyenv") == "3.12.1+pyenv"


def test_get_refuses_an_ambiguous_prefix(world: World) -> None:
    world.install("3.12.1")
    world.install("3.12.3")
    with pytest.raises(
        RegistryError, match=r"`3.12' matches several installed versions: 3.12.3, 3.12.1"
    ):
        registry.get(world.layout, "3.12")
    assert registry.get(world.layout, "3.12.1").name == "3.12.1"


def test_get_names_what_is_missing(world: World) -> None:
    with pytest.raises(VersionNotInstalled, match=r"version `3\.11' not installed"):
        registry.get(world.layout, "3.11")


def test_remove_is_one_rename_and_leaves_no_scratch(world: World) -> None:
    world.install("3.12.1")
    with reconcile.lock(world.layout):
        registry.remove(world.layout, "3.12.1")
    assert registry.names(world.layout) == []
    assert list((world.root / ".scratch").iterdir()) == []


def test_remove_refuses_an_alias(world: World) -> None:
    world.install("3.12.1")
    with reconcile.lock(world.layout), pytest.raises(VersionNotInstalled):
        registry.remove(world.layout, "3.12")
    assert registry.names(world.layout) == ["3.12.1"]


def test_commit_refuses_a_folder_without_receipt(world: World) -> None:
    with reconcile.lock(world.layout):
        staged = registry.scratch_dir(world.layout, "test")
        with pytest.raises(RegistryError, match="has no receipt"):
            registry.commit(world.layout, staged, "3.12.1")
    assert registry.names(world.layout) == []


def test_taking_the_lock_clears_what_a_killed_process_left(world: World) -> None:
    leftover = world.root / ".scratch" / "install-abc" / "python" / "bin"
    leftover.mkdir(parents=True)
    with reconcile.lock(world.layout):
        pass
    assert list((world.root / ".scratch").iterdir()) == []


def test_a_second_writer_waits_for_the_lock(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.root.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pyv.lock import FileLock\n"
            "with FileLock(sys.argv[1]):\n"
            "    print('held', flush=True); time.sleep(1.0)",
            str(world.root / ".lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    start = time.monotonic()
    try:
        with reconcile.lock(world.layout):
            waited = time.monotonic() - start
    finally:
        holder.wait()
        holder.stdout.close()
    assert waited > 0.5  # the holder kept it for a second after saying "held"
    assert capsys.readouterr().err == (
        f"pyv: waiting for another pyv process (pid {holder.pid}) to finish\n"
    )


def test_threads_of_one_process_take_turns_without_a_word(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.root.mkdir()
    held = threading.Event()
    queued: list[str] = []

    def first() -> None:
        with reconcile.lock(world.layout):
            held.set()
            time.sleep(0.6)  # three times as long as a wait pyv says nothing of

    thread = threading.Thread(target=first)
    thread.start()
    assert held.wait(10)
    start = time.monotonic()
    with reconcile.lock(world.layout, queued=lambda: queued.append("queued")):
        waited = time.monotonic() - start
    thread.join()
    assert waited > 0.3 and queued  # it did wait, and could show that it does
    assert capsys.readouterr().err == ""


def test_receipts_carry_the_facts(world: World) -> None:
    world.install("3.12.1")
    receipt = registry.read_receipt(world.layout, "3.12.1")
    assert receipt["name"] == "3.12.1"
    assert receipt["source"] == "test"
    assert "installed_at" in receipt and "pyv" in receipt


def test_request_matching_uses_the_installed_set(world: World) -> None:
    world.install("3.13.1t")
    assert registry.find(world.layout, parse("3.13")) is None
    found = registry.find(world.layout, parse("3.13t"))
    assert found is not None and found.name == "3.13.1t"


def test_paths_with_spaces_work(world: World) -> None:
    assert " " in str(world.root)
    folder = world.install("3.12.1")
    assert Path(registry.prefix(world.layout, "3.12.1")) == folder
