"""Dangling foreign keys: PostgreSQL checks the keys it has itself, SQLite's
check names every row that breaks one, and nothing is written either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_sqlite, migrate_db, row_counts, run_failing, user_tables
from sqlite_pg.sqlite_source import SqliteSource

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE lists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE tasks (id INTEGER PRIMARY KEY, list_id INTEGER REFERENCES lists (id), title VARCHAR(5));
"""
LISTS = [(1, "a"), (2, "b")]
# Rows 11 and 13 point at lists that do not exist; 12 is fine, 14 has no list.
TASKS = [(11, 7, "t1"), (12, 1, "t2"), (13, 9, "t3"), (14, None, "t4")]

APP_LISTS = "CREATE TABLE lists (id integer PRIMARY KEY, name text NOT NULL)"
APP_TASKS = "CREATE TABLE tasks (id integer PRIMARY KEY, list_id integer {fk}, title varchar(5))"
REFERENCES = "REFERENCES lists (id)"


@pytest.fixture
def dangling(tmp_path: Path) -> str:
    return make_sqlite(tmp_path / "dangling.sqlite", SCHEMA, {"lists": LISTS, "tasks": TASKS})


def _reported_rows(error) -> list[str]:
    assert all(p["reason"] == "foreign key points at no row of lists" for p in error.problems), error.problems
    assert {p["column"] for p in error.problems} == {"list_id"}
    return sorted(p["key"]["id"] for p in error.problems)


@pytest.mark.parametrize("target", ["created tables", "application tables, key deferred"])
def test_postgres_refuses_and_sqlite_names_every_row(pg_db, dangling: str, target: str) -> None:
    if target != "created tables":
        pg_db.execute(APP_LISTS)
        pg_db.execute(APP_TASKS.format(fk=REFERENCES))
    before = row_counts(pg_db)
    error = run_failing(pg_db, dangling)
    assert _reported_rows(error) == ["11", "13"]
    assert "nothing was written" in error.msg
    assert "tasks.list_id [id=11]" in error.msg
    assert row_counts(pg_db) == before


def test_key_checked_during_the_copy(pg_db, tmp_path: Path) -> None:
    """The parent is already migrated (left alone): the key stays in place
    during the COPY, whose end refuses the rows."""
    src = make_sqlite(tmp_path / "d.sqlite", SCHEMA, {"lists": LISTS, "tasks": TASKS[1:2]})
    pg_db.execute(APP_LISTS)
    pg_db.execute(APP_TASKS.format(fk=REFERENCES))
    migrate_db(pg_db, src)
    # The application writes another dangling row in SQLite; only tasks differs.
    grown = make_sqlite(tmp_path / "e.sqlite", SCHEMA, {"lists": LISTS, "tasks": TASKS[:2]})
    error = run_failing(pg_db, grown, if_not_empty="replace")
    assert _reported_rows(error) == ["11"]
    assert pg_db.query("SELECT id FROM tasks") == [(12,)]


def test_target_without_the_key_is_checked_before_anything_is_written(pg_db, dangling: str) -> None:
    """PostgreSQL would take the rows (its table has no such key): SQLite's
    declaration is checked before the load, as the application relied on it."""
    pg_db.execute(APP_LISTS)
    pg_db.execute(APP_TASKS.format(fk=""))
    error = run_failing(pg_db, dangling)
    assert _reported_rows(error) == ["11", "13"]
    assert row_counts(pg_db) == {"lists": 0, "tasks": 0}


def test_one_report_names_bad_values_and_dangling_keys(pg_db, tmp_path: Path) -> None:
    """A value problem stops the run before PostgreSQL sees a key: SQLite's
    check still adds the dangling rows to the same report."""
    rows = [*TASKS, (15, 1, "far too long")]
    src = make_sqlite(tmp_path / "both.sqlite", SCHEMA, {"lists": LISTS, "tasks": rows})
    error = run_failing(pg_db, src)
    reasons = sorted((p["reason"].split(",")[0], p["key"]["id"]) for p in error.problems)
    assert reasons == [
        ("12 characters", "15"),
        ("foreign key points at no row of lists", "11"),
        ("foreign key points at no row of lists", "13"),
    ], error.problems
    assert user_tables(pg_db) == []


def test_no_sqlite_key_check_when_postgres_checks_and_all_is_well(pg_db, dangling: str, monkeypatch) -> None:
    """The copy does not pay for SQLite's check when PostgreSQL makes it anyway."""
    calls: list[str] = []
    original = SqliteSource.dangling_references

    def counted(self: SqliteSource, table: str) -> list[tuple]:
        calls.append(table)
        return original(self, table)

    monkeypatch.setattr(SqliteSource, "dangling_references", counted)
    good = make_sqlite(
        Path(dangling).with_name("good.sqlite"), SCHEMA, {"lists": LISTS, "tasks": [TASKS[1], TASKS[3]]}
    )
    result = migrate_db(pg_db, good)
    assert all(t["verified"] for t in result["tables"])
    assert calls == []
    run_failing(pg_db, dangling, if_not_empty="replace")
    assert "tasks" in calls
