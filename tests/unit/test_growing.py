"""A download's file read while it grows: the reader waits for bytes, and reaches the end
only once the download says the whole file is there and verified."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pyv.builds import growing
from pyv.builds.growing import Abandoned, Growing

DATA = bytes(range(256)) * 20_000  # 5 MB: several reads of READ_AT_LEAST


def read_all(stream: Growing, into: list[bytes], errors: list[BaseException]) -> None:
    try:
        while chunk := stream.read(3 << 20):
            into.append(chunk)
    except BaseException as e:
        errors.append(e)


def reader(stream: Growing) -> tuple[threading.Thread, list[bytes], list[BaseException]]:
    got: list[bytes] = []
    errors: list[BaseException] = []
    thread = threading.Thread(target=read_all, args=(stream, got, errors), daemon=True)
    thread.start()
    return thread, got, errors


def write(path: Path, stream: Growing, data: bytes, pieces: int = 50) -> None:
    with path.open("ab") as f:
        step = -(-len(data) // pieces)
        for start in range(0, len(data), step):
            f.write(data[start : start + step])
            f.flush()
            stream.grew(str(path), f.tell())


def test_the_reader_gets_every_byte_in_order_and_the_end_only_once_complete(
    tmp_path: Path,
) -> None:
    path = tmp_path / "file.part"
    stream = Growing()
    thread, got, errors = reader(stream)
    write(path, stream, DATA)
    time.sleep(0.1)
    assert thread.is_alive()  # every byte is there, but not verified: no end yet
    path.rename(tmp_path / "file")  # the download renames it into place, then says so
    stream.complete()
    thread.join(5)
    assert not errors and b"".join(got) == DATA


@pytest.mark.parametrize("how", ["fail", "restart", "stop"])
def test_a_download_that_fails_or_starts_over_stops_the_reader(tmp_path: Path, how: str) -> None:
    path = tmp_path / "file.part"
    stream = Growing()
    thread, _, errors = reader(stream)
    write(path, stream, DATA[: len(DATA) // 2])
    getattr(stream, how)()
    thread.join(5)
    assert not thread.is_alive() and len(errors) == 1 and isinstance(errors[0], Abandoned)
    assert stream.restarted == (how == "restart")
    write(path, stream, DATA[len(DATA) // 2 :])  # ignored: the reader has stopped
    stream.complete()
    assert stream.state == ("restarted" if how == "restart" else "failed")


def test_reads_wait_for_a_good_piece_while_the_download_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(growing, "READ_AT_LEAST", 1000)
    monkeypatch.setattr(growing, "FIRST_READ", 100)
    path = tmp_path / "file.part"
    path.write_bytes(b"")
    stream = Growing()
    stream.grew(str(path), 0)
    sizes: list[int] = []
    buffer = bytearray(10_000)

    def read() -> None:
        sizes.append(stream.readinto(buffer))

    # The first read goes on with FIRST_READ bytes: inflating starts with the first bytes.
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    write(path, stream, b"x" * 99, pieces=3)
    time.sleep(0.1)
    assert sizes == []  # 99 bytes: not enough even for the first read
    write(path, stream, b"x", pieces=1)
    thread.join(5)
    assert sizes == [100]
    # Later reads wait for READ_AT_LEAST.
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    write(path, stream, b"x" * 999, pieces=9)
    time.sleep(0.1)
    assert sizes == [100]  # 999 bytes: not a piece yet
    write(path, stream, b"x" * 500, pieces=1)
    thread.join(5)
    assert sizes == [100, 1499]
    stream.complete()
    assert stream.readinto(buffer) == 0  # the end, at once


def test_the_first_bytes_can_be_read_again(tmp_path: Path) -> None:
    path = tmp_path / "file.part"
    stream = Growing()
    write(path, stream, DATA, pieces=1)
    stream.complete()
    assert stream.read(6) == DATA[:6]
    stream.seek(0)
    assert stream.read() == DATA
