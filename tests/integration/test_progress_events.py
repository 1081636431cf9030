"""The progress events both directions emit for a display (progress.py): per table
its copy's rows per batch up to the total, then its later phases in order; the
last event of each table is ``done`` with its row count."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from helpers import migrate_db
from reverse_helpers import reverse_db
from sqlite_pg.progress import ANALYZE, COPY, DONE, KEYS, VERIFY, ProgressEvent
from sqlite_pg.table_copy import MAX_RANGE_ROWS

pytestmark = pytest.mark.integration

ROWS = 3 * MAX_RANGE_ROWS + 17  # more than one batch


class Recorder:
    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []
        self._lock = threading.Lock()  # the copy reports from the read-ahead thread

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, table: str) -> list[ProgressEvent]:
        return [e for e in self.events if e.table == table]


def make_source(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    conn.execute("CREATE TABLE empty (id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO events VALUES (?, ?)", ((i, f"event {i}") for i in range(1, ROWS + 1)))
    conn.commit()
    conn.close()
    return path


def test_forward_phases_per_table(pg_db, tmp_path: Path) -> None:
    src = make_source(tmp_path / "src.sqlite")
    recorder = Recorder()
    result = migrate_db(pg_db, str(src), progress=recorder)
    assert {t["name"]: t["source_rows"] for t in result["tables"]} == {"events": ROWS, "empty": 0}
    events = recorder.of("events")
    copied = [e.rows for e in events if e.phase == COPY]
    assert len(copied) > 1 and copied == sorted(copied) and copied[-1] == ROWS
    assert {e.total for e in events} == {ROWS}
    assert [e.phase for e in events if e.phase != COPY] == [KEYS, VERIFY, ANALYZE, DONE]
    assert recorder.of("empty")[-1] == ProgressEvent("empty", DONE, 0, 0)


def test_no_analyze_in_check_mode(pg_db, tmp_path: Path) -> None:
    recorder = Recorder()
    migrate_db(pg_db, str(make_source(tmp_path / "src.sqlite")), progress=recorder, check_mode=True)
    assert [e.phase for e in recorder.of("events") if e.phase != COPY] == [KEYS, VERIFY, DONE]


def test_reverse_phases_per_table(pg_db, tmp_path: Path) -> None:
    template = make_source(tmp_path / "template.sqlite")
    migrate_db(pg_db, str(template))
    recorder = Recorder()
    reverse_db(pg_db, tmp_path / "back.sqlite", template, progress=recorder)
    events = recorder.of("events")
    copied = [e.rows for e in events if e.phase == COPY]
    assert len(copied) > 1 and copied == sorted(copied) and copied[-1] == ROWS
    assert [e.phase for e in events if e.phase != COPY] == [VERIFY, DONE]
    assert events[-1] == ProgressEvent("events", DONE, ROWS, ROWS)
