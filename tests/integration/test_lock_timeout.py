"""Another session holding a lock on a target table (issue 11, item 12)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import make_sqlite, migrate_db, row_counts
from sqlite_pg.errors import MigrationError

pytestmark = pytest.mark.integration

SQLITE = "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL);"
ROWS = {"tasks": [(i, f"task {i}") for i in range(1, 51)]}
GIVE_UP = 30  # the blocker is ended after this long: a module that waits for ever fails the test


@pytest.fixture
def src(tmp_path: Path) -> str:
    return make_sqlite(tmp_path / "app.sqlite", SQLITE, ROWS)


class Blocker:
    """A forgotten session: an open transaction holding a lock on a table."""

    def __init__(self, db: Any, lock: str, application: str = "forgotten-psql") -> None:
        self.conn = db.server.connect(db.name, autocommit=False)
        with self.conn.cursor() as cur:
            cur.execute("SET application_name = %s", (application,))
            cur.execute(lock)
        self.pid = self.conn.get_backend_pid()
        self._timer = threading.Timer(GIVE_UP, self.release)
        self._timer.start()

    def release(self) -> None:
        self._timer.cancel()
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


@pytest.fixture
def blockers() -> Iterator[list[Blocker]]:
    started: list[Blocker] = []
    yield started
    for blocker in started:
        blocker.release()


def fails_within(db: Any, src: str, seconds: float, **extra: Any) -> tuple[MigrationError, float]:
    started = time.monotonic()
    with pytest.raises(MigrationError) as info:
        migrate_db(db, src, **extra)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"waited {elapsed:.1f} s"
    return info.value, elapsed


def test_an_access_share_lock_stops_the_index_drop_and_names_the_session(pg_db, src: str, blockers) -> None:
    """The module drops the empty table's plain index during COPY (ACCESS EXCLUSIVE):
    a session that read the table in an open transaction blocks it."""
    pg_db.execute("CREATE TABLE tasks (id integer PRIMARY KEY, title text NOT NULL)")
    pg_db.execute("CREATE INDEX tasks_title ON tasks (title)")
    blocker = Blocker(pg_db, "LOCK TABLE tasks IN ACCESS SHARE MODE")
    blockers.append(blocker)
    error, elapsed = fails_within(pg_db, src, 10, lock_timeout=1)
    assert elapsed >= 1
    assert "lock_timeout=1 s" in error.msg and 'DROP INDEX "public"."tasks_title"' in error.msg
    assert f"pid {blocker.pid} (user postgres, application_name 'forgotten-psql'" in error.msg
    assert "state 'idle in transaction'" in error.msg
    assert "query 'LOCK TABLE tasks IN ACCESS SHARE MODE'" in error.msg
    assert f"SELECT pg_terminate_backend({blocker.pid})" in error.msg
    assert [p["table"] for p in error.problems] == ["tasks"]
    blocker.release()
    assert row_counts(pg_db) == {"tasks": 0}
    assert pg_db.query("SELECT indexname FROM pg_indexes WHERE tablename = 'tasks' ORDER BY 1") == [
        ("tasks_pkey",),
        ("tasks_title",),
    ]


def test_a_share_lock_stops_the_copy(pg_db, src: str, blockers) -> None:
    pg_db.execute("CREATE TABLE tasks (id integer PRIMARY KEY, title text NOT NULL)")
    blocker = Blocker(pg_db, "LOCK TABLE tasks IN SHARE MODE", application="nightly-dump")
    blockers.append(blocker)
    error, _elapsed = fails_within(pg_db, src, 10, lock_timeout=1)
    assert "while copying table tasks" in error.msg
    assert f"pid {blocker.pid}" in error.msg and "'nightly-dump'" in error.msg
    assert "ShareLock on tasks" in error.msg
    blocker.release()
    assert row_counts(pg_db) == {"tasks": 0}


def test_lock_timeout_zero_waits_for_the_session_to_end(pg_db, src: str, blockers) -> None:
    pg_db.execute("CREATE TABLE tasks (id integer PRIMARY KEY, title text NOT NULL)")
    pg_db.execute("CREATE INDEX tasks_title ON tasks (title)")
    blocker = Blocker(pg_db, "LOCK TABLE tasks IN ACCESS SHARE MODE")
    blockers.append(blocker)
    threading.Timer(3, blocker.release).start()
    started = time.monotonic()
    result = migrate_db(pg_db, src, lock_timeout=0)
    assert time.monotonic() - started >= 3
    assert result["tables"][0]["verified"] and row_counts(pg_db) == {"tasks": 50}
