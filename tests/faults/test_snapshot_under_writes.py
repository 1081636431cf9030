"""One snapshot, however another process writes meanwhile (issue 11, item 1).

Another *process* commits to several tables while the module runs: during
PRAGMA quick_check (in its thread from the start) and during the COPY of a
large table. PostgreSQL must hold exactly the data as of the module's start; in
rollback-journal mode the writer must wait (here: SQLITE_BUSY after its short
timeout) until the module ends, in WAL mode it commits on, unseen. While the
module's PostgreSQL session exists its process holds its POSIX read lock on the
file (read in /proc/locks), never 0.

The module once lost its lock when the quick_check's connection read the header
with open()/close(): closing any descriptor of a file drops all of the process's
fcntl locks on it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pgfaults import copying, finish, module_sessions, start_module
from polling import wait_for
from proc_locks import posix_locks

pytestmark = pytest.mark.integration

WRITER = Path(__file__).with_name("snapshot_writer.py")
# Big enough that the quick_check (two indexes) and the COPY of `big` take a
# good part of a second each, small enough for CI.
BIG_ROWS = 150_000
BUSY_TIMEOUT_S = 0.05
TABLES = ("a", "b", "big", "progress")


def make_source(path: Path, journal_mode: str) -> None:
    conn = sqlite3.connect(path)
    assert conn.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0] == journal_mode
    conn.executescript(
        """
        CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, k INTEGER NOT NULL);
        CREATE INDEX big_payload ON big (payload);
        CREATE INDEX big_k ON big (k);
        CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
        CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT);
        CREATE TABLE progress (n INTEGER NOT NULL);
        INSERT INTO progress VALUES (0);
        """
    )
    conn.executemany(
        "INSERT INTO big VALUES (?, ?, ?)",
        ((i, f"row {i} " + "x" * (i % 50), (i * 7919) % 1000) for i in range(1, BIG_ROWS + 1)),
    )
    conn.executemany("INSERT INTO a VALUES (?, ?)", ((i, f"a {i}") for i in range(1, 101)))
    conn.executemany("INSERT INTO b VALUES (?, ?)", ((i, f"b {i}") for i in range(1, 101)))
    conn.commit()
    conn.close()


def digest(rows: Any) -> tuple[int, str]:
    h = hashlib.sha256()
    count = 0
    for row in rows:
        h.update(repr(tuple(row)).encode())
        count += 1
    return count, h.hexdigest()


def sqlite_state(path: Path) -> dict[str, tuple[int, str]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: digest(conn.execute(f"SELECT * FROM {t} ORDER BY 1")) for t in TABLES}
    finally:
        conn.close()


def pg_state(server: Any, dbname: str) -> dict[str, tuple[int, str]]:
    conn = server.connect(dbname, autocommit=False)
    try:
        state = {}
        for table in TABLES:
            with conn.cursor(name=f"read_{table}") as cur:  # server-side: streamed
                cur.execute(f'SELECT * FROM "{table}" ORDER BY 1')
                state[table] = digest(cur)
            conn.commit()
        return state
    finally:
        conn.close()


def writer_status(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_another_process_writing_never_reaches_the_copy(
    pg_server: Any, pg_db: Any, tmp_path: Path, journal_mode: str
) -> None:
    src = tmp_path / "app.sqlite"
    make_source(src, journal_mode)
    expected = sqlite_state(src)
    proc = start_module(pg_server, pg_db.name, src)
    stop, status_file = tmp_path / "stop-writer", tmp_path / "writer.json"
    writer = None
    samples: list[tuple[int, bool, bool, dict[str, Any]]] = []
    try:
        # The module has its snapshot once it is connected to PostgreSQL (it
        # opens SQLite first); only then does the other process start writing.
        wait_for(
            lambda: proc.poll() is not None or module_sessions(pg_server, pg_db.name) > 0,
            "the module's PostgreSQL session",
        )
        assert proc.poll() is None, f"the module ended before the writer started: {finish(proc)}"
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(src), str(stop), str(status_file), str(BUSY_TIMEOUT_S)]
        )
        wait_for(status_file.exists, "the writer's first attempt", timeout=30.0)
        while proc.poll() is None:
            # The module holds its SQLite lock from before its PostgreSQL session
            # starts until after it ends: when the session is still seen last,
            # the lock was held at each earlier reading of this sample.
            seen = writer_status(status_file)
            locks = posix_locks(proc.pid, src)
            is_copying = copying(pg_server, pg_db.name, "big")()
            connected = module_sessions(pg_server, pg_db.name) > 0
            samples.append((locks, connected, is_copying, seen))
        rc, out, err = finish(proc)
        assert rc == 0, (out, err)
        # What the writer had done by the last moment the module was seen connected.
        ended = [s for _locks, connected, _c, s in samples if connected][-1]
        # The writer goes on after the module (so it was alive and trying all along).
        wait_for(lambda: writer_status(status_file)["commits"] > ended["commits"], "a commit after the run")
    finally:
        stop.touch()
        if writer is not None:
            writer.wait(timeout=60)
        if proc.poll() is None:
            proc.kill()
    # Exactly the data as of the module's start, though the writer changed the file.
    assert pg_state(pg_server, pg_db.name) == expected
    assert sqlite_state(src) != expected
    assert writer_status(status_file)["errors"] == []
    during_copy = [s for _locks, _conn, is_copying, s in samples if is_copying]
    assert len(during_copy) >= 2, "the COPY of big was not seen: make the table larger"
    assert all(locks >= 1 for locks, connected, _c, _s in samples if connected), samples
    if journal_mode == "delete":
        # Every commit waited for the module's read lock, then gave up.
        assert ended["commits"] == 0, ended
        assert during_copy[-1]["busy"] > samples[0][3]["busy"]
    else:
        # WAL: the writer is not held up; its commits are simply not in the snapshot.
        assert during_copy[-1]["commits"] > samples[0][3]["commits"]
        assert ended["commits"] > 0
