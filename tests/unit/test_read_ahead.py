"""The SQLite connection has one user at a time, by structure (read_ahead.SourceLease):
reading the source stops the read-ahead first, and no read-ahead starts while it is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_pg.converters import TextPolicy
from sqlite_pg.copy_text import RowDigest
from sqlite_pg.errors import ProblemLog
from sqlite_pg.read_ahead import SourceLease
from test_fast_path import copies, write_table


def _lease(tmp_path: Path, rows: int = 50) -> tuple[SourceLease, object]:
    path = tmp_path / "t.sqlite"
    write_table(path, "t", [f"row {i}" for i in range(rows)])
    fast, _classic = copies(path, "t", TextPolicy())
    return SourceLease(fast.source, ProblemLog(10), 1 << 20), fast


def test_reading_stops_the_read_ahead_and_refuses_a_new_one(tmp_path: Path) -> None:
    lease, copy = _lease(tmp_path)
    lease.read_ahead(copy)  # type: ignore[arg-type]
    ahead = lease._ahead
    assert ahead is not None
    with lease.reading() as source:
        assert lease._ahead is None
        assert not ahead[1]._thread.is_alive()  # joined before the source is handed out
        assert source.count("t") == 51
        with pytest.raises(RuntimeError, match="no read-ahead"):
            lease.read_ahead(copy)  # type: ignore[arg-type]
    lease.read_ahead(copy)  # type: ignore[arg-type]  # allowed again once reading() ended
    lease.stop()
    assert lease._ahead is None


def test_sending_returns_the_tally_of_what_was_read(tmp_path: Path) -> None:
    lease, copy = _lease(tmp_path)
    with lease.sending(copy) as chunks:  # type: ignore[arg-type]
        data = b"".join(chunks)
    tally = chunks.result
    expected = RowDigest()
    for line in data.splitlines(keepends=True):
        expected.add(line)
    assert tally.digest == expected and tally.digest.count == 51
    assert lease._ahead is None  # stopped on leaving
