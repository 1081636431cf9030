"""Generated columns (issue 11, item 3): created as PostgreSQL generated columns
where the expression translates, their values compared with SQLite's; the others
reported by name; into existing tables by what the target column is."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_pg.sql_translate as sql_translate
from helpers import make_sqlite, migrate_db, run_failing

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, s TEXT,
  doubled INT GENERATED ALWAYS AS (a * 2) STORED,
  label TEXT GENERATED ALWAYS AS (upper(s) || '-' || a) VIRTUAL,
  halved INT AS (a / 2) VIRTUAL,
  by_zero INT AS (a / (a - a)) VIRTUAL,
  ratio REAL AS (a * 1.5),
  tail TEXT AS (substr(s, 2)) VIRTUAL,
  stamp TEXT AS (datetime(a, 'unixepoch')) STORED);
"""
ROWS = [(1, 3, "abC"), (2, None, "É"), (3, -7, None), (4, 0, "")]
TRANSLATED = ["doubled", "label", "halved", "by_zero", "ratio"]


def sqlite_values(src: str, columns: list[str]) -> list[tuple]:
    conn = sqlite3.connect(src)
    try:
        return conn.execute(f"SELECT id, {', '.join(columns)} FROM t ORDER BY id").fetchall()
    finally:
        conn.close()


def generated_in_pg(db) -> dict[str, str]:
    rows = db.query(
        "SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = 'public.t'::regclass AND attnum > 0"
    )
    return {name: flag for name, flag in rows}


def test_created_generated_columns_translate_and_equal_sqlite(pg_db, tmp_path) -> None:
    src = make_sqlite(tmp_path / "g.sqlite", SCHEMA, {"t": ROWS})
    result = migrate_db(pg_db, src)
    assert result["tables"][0]["verified"]
    flags = generated_in_pg(pg_db)
    for column in TRANSLATED:
        assert flags.get(column) == "s", column  # STORED: PostgreSQL computes it
    pg_rows = pg_db.query(f"SELECT id, {', '.join(TRANSLATED)} FROM t ORDER BY id")
    assert [tuple(r) for r in pg_rows] == sqlite_values(src, TRANSLATED)
    skipped = {s["name"]: s for s in result["skipped"] if s["kind"] == "generated column"}
    assert set(skipped) == {"t.tail", "t.stamp"}
    assert "substr" in skipped["t.tail"]["reason"] and "datetime" in skipped["t.stamp"]["reason"]
    assert "tail" not in flags and "stamp" not in flags
    assert any("t.tail" in w for w in result["warnings"])
    # PostgreSQL keeps computing them for new rows, as SQLite did.
    pg_db.query("INSERT INTO t (id, a, s) VALUES (9, 5, 'x')")
    assert pg_db.query("SELECT doubled, label, halved, by_zero FROM t WHERE id = 9")[0] == (
        10,
        "X-5",
        2,
        None,
    )


def test_a_translation_that_computes_other_values_is_rolled_back(pg_db, tmp_path, monkeypatch) -> None:
    # A wrong translation of upper() stands for any difference the rules missed:
    # the values are compared, the column is not kept, the rest is migrated.
    wrong = sql_translate.Typed

    def upper(args):
        return wrong(f"lower({args[0].sql})", "text")

    monkeypatch.setitem(sql_translate.FUNCTIONS, "upper", upper)
    src = make_sqlite(tmp_path / "g.sqlite", SCHEMA, {"t": ROWS})
    result = migrate_db(pg_db, src)
    skipped = {s["name"]: s["reason"] for s in result["skipped"]}
    assert "differ" in skipped["t.label"] and "id=1" in skipped["t.label"]
    flags = generated_in_pg(pg_db)
    assert "label" not in flags and flags["doubled"] == "s"
    assert pg_db.query("SELECT count(*) FROM t")[0][0] == len(ROWS)


def test_a_generated_column_postgres_refuses_is_skipped_with_its_message(pg_db, tmp_path) -> None:
    # A text expression into an INTEGER column: PostgreSQL has no such assignment.
    src = make_sqlite(
        tmp_path / "g.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, big INT AS (a || '0'));",
        {"t": [(1, 1), (2, 5)]},
    )
    result = migrate_db(pg_db, src)
    reason = next(s["reason"] for s in result["skipped"] if s["name"] == "t.big")
    assert "PostgreSQL refused it" in reason
    assert result["tables"][0]["verified"] and pg_db.query("SELECT count(*) FROM t")[0][0] == 2


def test_index_on_a_generated_column(pg_db, tmp_path) -> None:
    src = make_sqlite(
        tmp_path / "g.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, d INT AS (a * 2) STORED UNIQUE);"
        "CREATE INDEX t_d ON t (d);",
        {"t": [(1, 1), (2, 5)]},
    )
    migrate_db(pg_db, src)
    indexes = {r[0] for r in pg_db.query("SELECT indexname FROM pg_indexes WHERE tablename = 't'")}
    assert "t_d" in indexes and len(indexes) == 3  # the primary key, the unique key, t_d


EXISTING_SQLITE = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL);
"""


def test_existing_ordinary_target_column_gets_sqlites_values(pg_db, tmp_path) -> None:
    # Data the application reads: SQLite's values are copied (before: left NULL without a word).
    pg_db.query("CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer)")
    src = make_sqlite(tmp_path / "g.sqlite", EXISTING_SQLITE, {"t": [(1, 3), (2, None), (3, -4)]})
    result = migrate_db(pg_db, src)
    assert result["tables"][0]["verified"]
    assert [tuple(r) for r in pg_db.query("SELECT id, b FROM t ORDER BY id")] == [(1, 6), (2, None), (3, -8)]


def test_existing_generated_target_column_is_compared_with_sqlite(pg_db, tmp_path) -> None:
    src = make_sqlite(tmp_path / "g.sqlite", EXISTING_SQLITE, {"t": [(1, 3), (2, None)]})
    pg_db.query(
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer GENERATED ALWAYS AS (a * 3) STORED)"
    )
    error = run_failing(pg_db, src)
    assert "t.b" in error.msg and "id=1" in error.msg and "exclude_columns" in error.msg
    assert pg_db.query("SELECT count(*) FROM t")[0][0] == 0  # rolled back
    result = migrate_db(pg_db, src, exclude_columns=["t.b"])  # the way through: PostgreSQL's values
    assert result["tables"][0]["verified"]
    assert pg_db.query("SELECT b FROM t WHERE id = 1")[0][0] == 9
    # The same definition as SQLite's: PostgreSQL computes it, the values agree.
    pg_db.query("DROP TABLE t")
    pg_db.query(
        "CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer GENERATED ALWAYS AS (a * 2) STORED)"
    )
    result = migrate_db(pg_db, src)
    assert result["tables"][0]["verified"]
    assert [tuple(r) for r in pg_db.query("SELECT id, b FROM t ORDER BY id")] == [(1, 6), (2, None)]
