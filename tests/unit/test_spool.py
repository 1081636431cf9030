"""Reading ahead past memory: order, the bounds on memory and file, a full disk."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Generator

import pytest
import sqlite_pg.spool as spool
from polling import wait_for
from sqlite_pg.spool import SpooledPrefetch

CHUNK = 100_000


def numbered(count: int, produced: list[int] | None = None) -> Generator[bytes, None, None]:
    for i in range(count):
        if produced is not None:
            produced.append(i)
        yield str(i).encode().rjust(CHUNK, b".")


def test_reads_on_into_the_file_and_gives_the_chunks_in_order(tmp_path) -> None:
    produced: list[int] = []
    reader = SpooledPrefetch(
        numbered(60, produced), limit=40 * CHUNK, memory=4 * CHUNK, directory=str(tmp_path)
    )
    # Nobody consumes: the producer reads on past memory, as far as the file's bound.
    wait_for(lambda: len(produced) >= 44, "the producer to fill memory and file", timeout=10.0)
    time.sleep(0.3)
    assert 44 <= len(produced) <= 46  # memory + file (+ the chunk in hand, the one waiting)
    assert reader.spilled == 40 * CHUNK
    assert list(reader) == list(numbered(60))
    reader.close()
    assert os.listdir(tmp_path) == []  # unlinked from the start


def test_the_file_starts_over_once_the_consumer_caught_up(tmp_path) -> None:
    reader = SpooledPrefetch(numbered(200), limit=10 * CHUNK, memory=2 * CHUNK, directory=str(tmp_path))
    got = []
    for chunk in reader:
        got.append(chunk)
        if len(got) % 20 == 0:
            time.sleep(0.05)  # let it spill again
    reader.close()
    assert got == list(numbered(200))
    assert reader.spilled > 10 * CHUNK  # more went through the file than it may hold at once


def test_no_file_when_the_limit_is_zero(tmp_path) -> None:
    produced: list[int] = []
    reader = SpooledPrefetch(numbered(30, produced), limit=0, memory=3 * CHUNK, directory=str(tmp_path))
    time.sleep(0.3)
    assert len(produced) <= 5
    assert list(reader) == list(numbered(30))
    assert reader.spilled == 0
    reader.close()


def test_a_full_disk_stops_the_spilling_only(tmp_path, monkeypatch) -> None:
    def full(*_args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool.os, "pwrite", full)
    reader = SpooledPrefetch(numbered(30), limit=40 * CHUNK, memory=3 * CHUNK, directory=str(tmp_path))
    assert list(reader) == list(numbered(30))
    assert reader.spilled == 0
    reader.close()


def test_a_chunk_larger_than_memory_still_passes(tmp_path) -> None:
    big = [b"x" * (5 * CHUNK), b"y" * (7 * CHUNK), b"z"]
    reader = SpooledPrefetch((c for c in big), limit=6 * CHUNK, memory=CHUNK, directory=str(tmp_path))
    assert list(reader) == big
    reader.close()


def test_producer_exception_and_close_while_it_waits(tmp_path) -> None:
    error = ValueError("bad row")

    def failing() -> Generator[bytes, None, None]:
        yield from numbered(8)
        raise error

    reader = SpooledPrefetch(failing(), limit=2 * CHUNK, memory=2 * CHUNK, directory=str(tmp_path))
    assert next(reader) == next(numbered(1))
    time.sleep(0.2)
    assert [next(reader) for _ in range(7)] == list(numbered(8))[1:]
    with pytest.raises(ValueError) as caught:
        next(reader)
    assert caught.value is error
    reader.close()

    closed_in: list[str] = []

    def endless() -> Generator[bytes, None, None]:
        try:
            yield from numbered(10**9)
        finally:
            closed_in.append(threading.current_thread().name)

    reader = SpooledPrefetch(endless(), limit=3 * CHUNK, memory=CHUNK, directory=str(tmp_path))
    wait_for(lambda: reader.spilled == 3 * CHUNK, "the file to fill", timeout=10.0)
    reader.close()  # the producer is blocked: close still stops it
    assert closed_in == ["sqlite-to-copy"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # it dies on purpose
def test_a_producer_that_dies_is_an_error_not_a_hang(tmp_path, monkeypatch) -> None:
    def broken(self: SpooledPrefetch, item: object) -> bool:
        raise MemoryError

    monkeypatch.setattr(SpooledPrefetch, "_put", broken)
    reader = SpooledPrefetch(numbered(3), limit=CHUNK, directory=str(tmp_path))
    with pytest.raises(RuntimeError, match="stopped without an end"):
        next(reader)
    reader.close()


# A child process whose files may not grow past FILE_LIMIT (RLIMIT_FSIZE):
# pwrite then really writes less than asked, and the next one fails (EFBIG;
# SIGXFSZ ignored). The chunks must still arrive whole and in order.
FILE_LIMIT = 2 * CHUNK + CHUNK // 2
_SHORT_WRITE_CHILD = f"""
import json, resource, signal, sys
sys.path[:0] = sys.argv[1:3]
from polling import wait_for
from sqlite_pg.spool import SpooledPrefetch
from test_spool import numbered
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({FILE_LIMIT}, {FILE_LIMIT}))
reader = SpooledPrefetch(numbered(12), limit=40 * {CHUNK}, memory={CHUNK}, directory=sys.argv[3])
wait_for(lambda: not reader._spill, "the file to refuse more", timeout=20.0)
spilled = reader.spilled
got = list(reader)
reader.close()
print(json.dumps({{"spilled": spilled, "whole": got == list(numbered(12))}}))
"""


def test_a_short_write_keeps_the_chunk_whole(tmp_path) -> None:
    import json
    import subprocess
    import sys
    from pathlib import Path

    unit = Path(__file__).resolve().parent
    module_utils = unit.parent.parent / "module_utils"
    proc = subprocess.run(
        [sys.executable, "-B", "-c", _SHORT_WRITE_CHILD, str(module_utils), str(unit.parent), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(unit),
        env={**os.environ, "PYTHONPATH": str(unit)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    # Two chunks fit in the file; the third was cut short there and waited in memory.
    assert report == {"spilled": 2 * CHUNK, "whole": True}
