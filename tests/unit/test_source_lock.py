"""The snapshot's read lock holds while the quick_check connection opens and closes (issue 11, item 1).

POSIX drops all of a process's fcntl locks on a file when it closes any
descriptor of it; a plain open()/close() of the database (as the quick_check's
connection once did to read the header) ended the snapshot: 1 lock, then 0.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from proc_locks import posix_locks
from sqlite_pg.migrate import SourceCheck
from sqlite_pg.sqlite_source import SqliteSource


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_the_read_lock_holds_through_the_quick_check(tmp_path: Path, journal_mode: str) -> None:
    path = tmp_path / "locked.sqlite"
    conn = sqlite3.connect(path)
    assert conn.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0] == journal_mode
    conn.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');")
    conn.close()
    me = os.getpid()
    assert posix_locks(me, path) == 0
    source = SqliteSource(str(path))
    try:
        assert posix_locks(me, path) == 1  # the snapshot's shared lock
        check = SourceCheck(source)
        check.wait()
        assert posix_locks(me, path) == 1
        source.another().close()
        assert posix_locks(me, path) == 1
        assert source.count("t") == 1
    finally:
        source.close()
    assert posix_locks(me, path) == 0
