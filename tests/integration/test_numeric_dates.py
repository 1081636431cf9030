"""Numbers in date/time columns (issue 11, item 2): one reading per column, from all of
its numbers or from the option date_numbers, never guessed per value; compared with
SQLite's own reading of the same numbers."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from helpers import make_sqlite, migrate_db, row_counts, run_failing, user_tables
from sqlite_pg.errors import excerpt

pytestmark = pytest.mark.integration

CREATED = "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME, day DATE, note TEXT);"
EXISTING = "CREATE TABLE ev (id integer PRIMARY KEY, at timestamptz, day date, note text)"


def _source(tmp_path: Path, rows: list[tuple], declared: str = CREATED, name: str = "ev.sqlite") -> str:
    return make_sqlite(tmp_path / name, declared, {"ev": rows})


@pytest.fixture(params=["created", "existing"])
def target(request, pg_db):
    if request.param == "existing":
        pg_db.execute(EXISTING)
    return request.param


def _reported(error, column: str) -> dict[str, str]:
    """The keys (id) of the problems of a column, with their values."""
    return {p["key"]["id"]: p["value"] for p in error.problems if p["column"] == column}


@pytest.mark.parametrize(
    ("number", "sqlite_reads"),
    [(2460000.5, "2023-02-25 00:00:00"), (2024, "-4707-06-09 12:00:00")],
    ids=["julian-day-real", "year-integer"],
)
def test_issue_reproductions_are_reported_with_keys(pg_db, tmp_path, target, number, sqlite_reads) -> None:
    src = _source(
        tmp_path, [(1, "2024-04-19 02:51:06.990 +00:00", "2024-04-19", "x"), (2, number, number, "y")]
    )
    conn = sqlite3.connect(src)
    assert conn.execute("SELECT datetime(?)", (number,)).fetchone()[0] == sqlite_reads  # SQLite: a Julian day
    conn.close()
    before = row_counts(pg_db)
    error = run_failing(pg_db, src)
    assert _reported(error, "at") == {"2": excerpt(number)}
    assert _reported(error, "day") == {"2": excerpt(number)}
    for problem in error.problems:
        assert f"date_numbers: {{'ev.{problem['column']}': epoch_s" in problem["reason"]
    assert row_counts(pg_db) == before  # nothing written
    if target == "created":
        assert user_tables(pg_db) == []


def _epoch_rows(unit: float, count: int = 50) -> list[tuple]:
    rng = random.Random(int(unit))
    rows = []
    for i in range(1, count + 1):
        seconds = rng.randint(100_000_000, 4_000_000_000) + rng.randint(0, 999) / 1000
        value: object = int(seconds * unit) if i % 2 else round(seconds * unit, 3)
        rows.append((i, value, value, None))
    return rows


def _sqlite_reading(src: str, sql: str) -> dict[int, str]:
    conn = sqlite3.connect(src)
    found = dict(conn.execute(f"SELECT id, {sql} FROM ev").fetchall())
    conn.close()
    return found


def _pg_reading(pg_db, column: str = "at") -> dict[int, str]:
    shown = (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
        if column == "at"
        else f"{column}::text"
    )
    return dict(pg_db.query(f"SELECT id, {shown} FROM ev"))


@pytest.mark.parametrize(("reading", "unit"), [("epoch_s", 1), ("epoch_ms", 1000)])
def test_epoch_columns_in_their_range_are_taken(pg_db, tmp_path, target, reading, unit) -> None:
    src = _source(tmp_path, _epoch_rows(unit))
    result = migrate_db(pg_db, src)
    (table,) = result["tables"]
    assert table["verified"]
    assert table["numeric_dates"] == {
        "at": {"reading": reading, "chosen_by": "data", "numbers": 50},
        "day": {"reading": reading, "chosen_by": "data", "numbers": 50},
    }
    # SQLite's own reading of the same numbers, to the millisecond (as far as it reads them).
    seconds = "at" if unit == 1 else "at / 1000.0"
    assert _pg_reading(pg_db) == _sqlite_reading(
        src, f"strftime('%Y-%m-%d %H:%M:%f', {seconds}, 'unixepoch')"
    )
    assert _pg_reading(pg_db, "day") == _sqlite_reading(src, f"date({seconds}, 'unixepoch')")


def test_text_numbers_count_too(pg_db, tmp_path) -> None:
    """A TEXT or untyped column keeps '1713495066' as text (a DATETIME column would store an
    integer): into an existing timestamptz column it is read with the other numbers."""
    pg_db.execute(EXISTING)
    declared = "CREATE TABLE ev (id INTEGER PRIMARY KEY, at, day TEXT, note TEXT);"
    src = _source(
        tmp_path, [(1, " 1713495066 ", "1713495066", None), (2, 1713495066.5, None, None)], declared
    )
    assert _sqlite_reading(src, "typeof(at)") == {1: "text", 2: "real"}
    result = migrate_db(pg_db, src)
    assert result["tables"][0]["numeric_dates"]["at"] == {
        "reading": "epoch_s",
        "chosen_by": "data",
        "numbers": 2,
    }
    assert _pg_reading(pg_db) == {1: "2024-04-19 02:51:06.000", 2: "2024-04-19 02:51:06.500"}

    year = _source(tmp_path, [(3, "2024", None, None)], declared, name="year.sqlite")
    error = run_failing(pg_db, year, if_not_empty="replace")
    assert _reported(error, "at") == {"3": excerpt(b"2024")}


def test_a_few_numbers_among_text_dates_are_found(pg_db, tmp_path, target) -> None:
    """Columns are first asked for min() only (numbers sort before text): one number among
    Sequelize's text dates still gets the column its reading, and a blob spelling a number
    (which min() does not see) is refused with its key, never read as some unit."""
    rows = [(i, f"2024-04-{i:02d} 10:00:00.000 +00:00", "2024-04-19", None) for i in range(1, 20)]
    rows.append((20, 1713495066, "2024-04-19", None))
    result = migrate_db(pg_db, _source(tmp_path, rows))
    table = result["tables"][0]
    assert table["numeric_dates"] == {"at": {"reading": "epoch_s", "chosen_by": "data", "numbers": 1}}
    assert _pg_reading(pg_db)[20] == "2024-04-19 02:51:06.000"
    blob = _source(tmp_path, [(1, b"1713495066", "2024-04-19", None)], name="blob.sqlite")
    error = run_failing(pg_db, blob, if_not_empty="replace")
    assert set(_reported(error, "at")) == {"1"}


def test_seconds_and_milliseconds_mixed_are_reported(pg_db, tmp_path, target) -> None:
    rows = [(1, 1713495066, None, None), (2, 1713495066990, None, None), (3, "2024-04-19", None, None)]
    error = run_failing(pg_db, _source(tmp_path, rows))
    assert _reported(error, "at") == {"1": excerpt(1713495066), "2": excerpt(1713495066990)}
    assert "magnitudes 1713495066 to 1713495066990" in error.problems[0]["reason"]


# What SQLite itself makes of a number, per reading (strftime to the millisecond).
SQLITE_READS = {
    "epoch_s": "strftime('%Y-%m-%d %H:%M:%f', at, 'unixepoch')",
    "epoch_ms": "strftime('%Y-%m-%d %H:%M:%f', at / 1000.0, 'unixepoch')",
    "epoch_us": "strftime('%Y-%m-%d %H:%M:%f', at / 1000000.0, 'unixepoch')",
    "julian_day": "strftime('%Y-%m-%d %H:%M:%f', at)",
}


def _numbers_for(reading: str, rng: random.Random) -> list[object]:
    if reading == "julian_day":  # years 1 to 9999 (SQLite prints BC years its own way)
        values: list[object] = [rng.uniform(1721426.0, 5373484.0) for _ in range(150)]
        values += [rng.randint(1721426, 5373484) for _ in range(50)]
        return [*values, 2460000.5, 2460000, 2451544.5, 2451545.0, 1721425.5, 5373484.499]
    scale = {"epoch_s": 1, "epoch_ms": 1000, "epoch_us": 1_000_000}[reading]
    # Small numbers too: the option is the operator's word, whatever the range.
    values = [rng.randint(-(10**10), 10**10) * scale // 1000 * 1000 for _ in range(100)]
    values += [rng.randint(-(10**7), 10**7) * scale for _ in range(50)]
    return values + [rng.randint(0, 10**10) * scale / 1000 for _ in range(50)] + [0, 2024, 1]


@pytest.mark.parametrize("reading", ["epoch_s", "epoch_ms", "epoch_us", "julian_day"])
def test_each_reading_loads_the_instant_sqlite_reads(pg_db, tmp_path, target, reading) -> None:
    rng = random.Random(reading)
    numbers = _numbers_for(reading, rng)
    rows = [(i, n, n, None) for i, n in enumerate(numbers, start=1)]
    src = _source(tmp_path, rows)
    chosen = {"ev.at": reading, "ev.day": reading}
    result = migrate_db(pg_db, src, date_numbers=chosen)
    (table,) = result["tables"]
    assert table["verified"] and table["target_rows"] == len(rows)
    assert table["numeric_dates"]["at"] == {"reading": reading, "chosen_by": "option", "numbers": len(rows)}
    # SQLite reads to the millisecond; the epoch numbers here have no finer part.
    assert _pg_reading(pg_db) == _sqlite_reading(src, SQLITE_READS[reading])
    day_sql = SQLITE_READS[reading].replace("strftime('%Y-%m-%d %H:%M:%f', ", "date(")
    assert _pg_reading(pg_db, "day") == _sqlite_reading(src, day_sql)


def test_julian_day_zero_is_postgres_first_noon(pg_db, tmp_path) -> None:
    src = _source(tmp_path, [(1, 0, 0, None), (2, 0.25, None, None)])
    migrate_db(pg_db, src, date_numbers={"ev.at": "julian_day", "ev.day": "julian_day"})
    rows = pg_db.query("SELECT id, (at AT TIME ZONE 'UTC')::text, day::text FROM ev ORDER BY id")
    assert rows == [(1, "4714-11-24 12:00:00 BC", "4714-11-24 BC"), (2, "4714-11-24 18:00:00 BC", None)]


def test_a_numeric_default_is_read_as_the_column_is(pg_db, tmp_path) -> None:
    """``DEFAULT 0`` in a created DATETIME column: no unit is certain from the number
    alone, so it is refused naming date_numbers, and read by it once given."""
    declared = "CREATE TABLE ev (id INTEGER PRIMARY KEY, at DATETIME DEFAULT 0);"
    src = make_sqlite(tmp_path / "default.sqlite", declared, {"ev": [(1, 0)]})
    error = run_failing(pg_db, src)
    assert "date_numbers" in error.msg and "ev.at" in error.msg
    assert user_tables(pg_db) == []
    migrate_db(pg_db, src, date_numbers={"ev.at": "epoch_s"})
    pg_db.execute("INSERT INTO ev (id) VALUES (2)")
    rows = pg_db.query("SELECT id, (at AT TIME ZONE 'UTC')::text FROM ev ORDER BY id")
    assert rows == [(1, "1970-01-01 00:00:00"), (2, "1970-01-01 00:00:00")]


def test_option_names_must_be_migrated_date_columns(pg_db, tmp_path) -> None:
    src = _source(tmp_path, [(1, "2024-04-19", "2024-04-19", "x")])
    chosen = {"ev.nope": "epoch_s", "evs.at": "epoch_s", "ev.note": "epoch_ms", "ev.at": "julian_day"}
    error = run_failing(pg_db, src, date_numbers=chosen)
    found = {(p["table"], p["column"]) for p in error.problems}
    assert found == {("ev", "nope"), ("evs", "at"), ("ev", "note")}
    assert user_tables(pg_db) == []
    with pytest.raises(ValueError, match="not one of"):
        migrate_db(pg_db, src, date_numbers={"ev.at": "seconds"})
