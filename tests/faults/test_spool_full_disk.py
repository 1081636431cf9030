"""A disk that fills under the read-ahead (issue 11, item 8): only the spilling stops.

The next table's COPY text spills to a temporary file (spool.py) while
PostgreSQL finishes the previous table. Here TMPDIR is a tmpfs smaller than
that table, so a write into the file comes up short: the chunk must still
reach PostgreSQL whole, and the migration succeed, verified.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from pgfaults import finish, start_module
from tmpfs import mounted_tmpfs

pytestmark = pytest.mark.integration

FIRST_ROWS = 60_000  # loaded first (most rows): its indexes and read-back give the next one time to read
NEXT_ROWS = 2_000
NEXT_ROW_BYTES = 4_000  # the next table: about 8 MiB of COPY text, the tmpfs 2 MiB


def _source(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE first (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER);
        CREATE INDEX first_name ON first (name);
        CREATE TABLE next (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
        """
    )
    conn.executemany(
        "INSERT INTO first VALUES (?, ?, ?)", ((i, f"name {i}", i * 7) for i in range(FIRST_ROWS))
    )
    conn.executemany(
        "INSERT INTO next VALUES (?, ?)",
        ((i, f"{i:06d}" + "x" * (NEXT_ROW_BYTES - 6)) for i in range(NEXT_ROWS)),
    )
    conn.commit()
    conn.close()
    return path


def test_a_disk_filling_under_the_read_ahead_stops_only_the_spilling(
    pg_server: Any, pg_db: Any, tmp_path: Path
) -> None:
    src = _source(tmp_path / "app.sqlite")
    with mounted_tmpfs(tmp_path / "tmp", "2m") as tmp:
        disk = os.statvfs(tmp)
        total = disk.f_blocks
        assert total * disk.f_frsize * 3 < NEXT_ROWS * NEXT_ROW_BYTES  # the table is larger than the disk
        proc = start_module(pg_server, pg_db.name, src, env={**os.environ, "TMPDIR": str(tmp)}, verify="full")
        fullest = total
        while proc.poll() is None:  # the spill file is unlinked: watch the space it takes
            fullest = min(fullest, os.statvfs(tmp).f_bfree)
            time.sleep(0.002)
        rc, out, err = finish(proc)
    assert rc == 0, (out, err)
    # The file did fill the disk (a write came up short), and yet:
    assert fullest == 0, f"the read-ahead never filled the tmpfs ({fullest} of {total} blocks free)"
    tables = {t["name"]: t for t in out["result"]["tables"]}
    assert [t["name"] for t in out["result"]["tables"]] == ["first", "next"]
    assert tables["next"]["target_rows"] == NEXT_ROWS and tables["next"]["verified"]
    assert tables["first"]["target_rows"] == FIRST_ROWS and tables["first"]["verified"]
    rows = pg_db.query("SELECT count(*), sum(length(body)), count(DISTINCT left(body, 6)) FROM next")
    assert rows == [(NEXT_ROWS, NEXT_ROWS * NEXT_ROW_BYTES, NEXT_ROWS)]
