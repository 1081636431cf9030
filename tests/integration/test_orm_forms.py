"""Other ORMs' storage forms into tables the application created (issue 11, item 17):
Django's and SQLAlchemy's UUIDs as 32 hex digits, Django's DurationField (integer
microseconds) and SQLAlchemy's Interval (the epoch plus the duration, as a DATETIME)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import pytest
from helpers import make_sqlite, migrate_db, row_counts, run_failing

pytestmark = pytest.mark.integration

TARGET = "CREATE TABLE t (id integer PRIMARY KEY, u uuid, django interval, alchemy interval)"
SOURCE = "CREATE TABLE t (id INTEGER PRIMARY KEY, u char(32), django bigint, alchemy DATETIME);"
EPOCH = datetime(1970, 1, 1)


def _deltas() -> list[timedelta]:
    rng = random.Random(17)
    deltas = [timedelta(0), timedelta(seconds=5), timedelta(seconds=-5), timedelta(days=2, microseconds=1)]
    deltas += [
        timedelta(days=-3, hours=-4),
        timedelta(days=1),
        timedelta(days=-1),
        timedelta(microseconds=-1),
    ]
    deltas += [timedelta(microseconds=rng.randint(-(10**15), 10**15)) for _ in range(200)]
    return deltas


def test_uuid_hex_and_orm_durations_load_exactly(pg_db, tmp_path) -> None:
    pg_db.execute(TARGET)
    ids = [uuid.UUID(int=random.Random(i).getrandbits(128)) for i in range(len(_deltas()))]
    rows = [
        (
            i,
            ids[i].hex.upper() if i % 2 else ids[i].hex,  # Django char(32); upper case too
            delta // timedelta(microseconds=1),  # Django DurationField
            (EPOCH + delta).strftime("%Y-%m-%d %H:%M:%S.%f"),  # SQLAlchemy Interval on SQLite
        )
        for i, delta in enumerate(_deltas())
    ]
    src = make_sqlite(tmp_path / "orm.sqlite", SOURCE, {"t": rows})
    result = migrate_db(pg_db, src)
    (table,) = result["tables"]
    assert table["verified"] and table["target_rows"] == len(rows)
    loaded = pg_db.query("SELECT id, u, django, alchemy FROM t ORDER BY id")
    assert [(r[0], uuid.UUID(r[1]), r[2], r[3]) for r in loaded] == [
        (i, ids[i], delta, delta) for i, delta in enumerate(_deltas())
    ]
    assert pg_db.query("SELECT alchemy::text FROM t WHERE id = 2") == [("-1 days +23:59:55",)]  # -5 s
    assert migrate_db(pg_db, src)["changed"] is False  # the verification's digest matches


@pytest.mark.parametrize(
    "value", [5.5, "5 minutes and a bit"], ids=["float-seconds?", "text-postgres-does-not-read"]
)
def test_other_duration_forms_are_left_to_postgres_and_verification(pg_db, tmp_path, value) -> None:
    """A form the module does not read is sent as it is: PostgreSQL reads 5.5 as 5.5 s
    and prints 00:00:05.5, which is not the source's text: rolled back, row named."""
    pg_db.execute(TARGET)
    src = make_sqlite(tmp_path / "odd.sqlite", SOURCE, {"t": [(1, None, None, None), (7, None, None, value)]})
    error = run_failing(pg_db, src)
    if isinstance(value, float):
        assert "verification failed, rolled back" in error.msg and "id=7 (differs in alchemy)" in error.msg
    else:
        assert [(p["column"], p["key"]) for p in error.problems] == [("alchemy", {"id": "7"})]
    assert row_counts(pg_db) == {"t": 0}


def test_interval_text_postgres_prints_loads(pg_db, tmp_path) -> None:
    pg_db.execute(TARGET)
    rows = [(1, None, None, "1 day"), (2, None, None, "-1 days +23:59:55")]
    src = make_sqlite(
        tmp_path / "pg.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, u, django, alchemy);", {"t": rows}
    )
    assert migrate_db(pg_db, src)["tables"][0]["verified"]
    assert pg_db.query("SELECT alchemy::text FROM t ORDER BY id") == [("1 day",), ("-1 days +23:59:55",)]
