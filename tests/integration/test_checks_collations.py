"""CHECK constraints and collations (issue 11, item 4): created tables get the
CHECK constraints that translate, validated by PostgreSQL after the load; the
others, and COLLATE NOCASE/RTRIM on columns and indexes, are reported."""

from __future__ import annotations

import sqlite3

import psycopg2
import pytest
from helpers import make_sqlite, migrate_db

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE items (id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) <= 10),
  qty INT CONSTRAINT qty_positive CHECK (qty >= 0),
  code TEXT COLLATE NOCASE UNIQUE,
  pad TEXT COLLATE RTRIM,
  kind TEXT CHECK (kind IN ('a', 'b')),
  CONSTRAINT name_like CHECK (name NOT LIKE '%!%'),
  CHECK (qty < 1000 OR kind = 'b'),
  CONSTRAINT code_nocase CHECK (code <> 'x'));
CREATE INDEX items_name_nocase ON items (name COLLATE NOCASE, qty);
CREATE INDEX items_qty ON items (qty);
"""
ITEMS = [(1, "pen", 3, "AB", "x ", "a"), (2, "ink", 0, "cd", None, "b"), (3, "pad", 5000, None, "y", "b")]


def checks_in_pg(db) -> dict[str, str]:
    rows = db.query(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'public.items'::regclass AND contype = 'c'"
    )
    return dict(rows)


def test_checks_that_translate_are_added_and_enforced(pg_db, tmp_path) -> None:
    src = make_sqlite(tmp_path / "c.sqlite", SCHEMA, {"items": ITEMS})
    result = migrate_db(pg_db, src)
    assert result["tables"][0]["verified"]
    checks = checks_in_pg(pg_db)
    assert "qty_positive" in checks and len(checks) == 4  # length, qty_positive, kind IN, qty < 1000 OR
    with pytest.raises(psycopg2.errors.CheckViolation):
        pg_db.query("INSERT INTO items (id, name, qty) VALUES (9, 'x', -1)")
    with pytest.raises(psycopg2.errors.CheckViolation):
        pg_db.query("INSERT INTO items (id, name, qty, kind) VALUES (9, 'much too long', 1, 'a')")
    with pytest.raises(psycopg2.errors.CheckViolation):
        pg_db.query("INSERT INTO items (id, name, qty, kind) VALUES (9, 'x', 1, 'c')")
    pg_db.query(
        "INSERT INTO items (id, name, qty, kind) VALUES (9, 'x', NULL, NULL)"
    )  # NULL passes, as in SQLite
    skipped = {(s["kind"], s["name"]): s["reason"] for s in result["skipped"]}
    assert "LIKE" in skipped[("check constraint", "items.name_like")]
    assert "NOCASE" in skipped[("check constraint", "items.code_nocase")]
    code = skipped[("collation", "items.code")]
    assert "ignoring the case" in code and "unique key" in code and "citext" in code
    assert "trailing spaces" in skipped[("collation", "items.pad")]
    assert "items_name_nocase" in skipped[("collation", "items_name_nocase")]
    assert ("collation", "items_qty") not in skipped
    assert len(skipped) == 5


def test_a_check_the_data_breaks_is_skipped_and_every_row_kept(pg_db, tmp_path) -> None:
    src = make_sqlite(tmp_path / "c.sqlite", SCHEMA, {})
    conn = sqlite3.connect(src)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # as data written before the constraint would be
    conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", [*ITEMS, (4, "neg", -2, None, None, "a")])
    conn.commit()
    conn.close()
    result = migrate_db(pg_db, src)
    assert pg_db.query("SELECT count(*) FROM items")[0][0] == 4
    reason = next(s["reason"] for s in result["skipped"] if s["name"] == "items.qty_positive")
    assert "PostgreSQL refused it" in reason and "the rows are migrated" in reason
    assert "qty_positive" not in checks_in_pg(pg_db) and len(checks_in_pg(pg_db)) == 3


def test_existing_tables_keep_their_own_definitions(pg_db, tmp_path) -> None:
    pg_db.query(
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer, code text UNIQUE, "
        "pad text, kind text)"
    )
    trigger = "CREATE TRIGGER items_log AFTER DELETE ON items BEGIN SELECT 1; END;"
    src = make_sqlite(tmp_path / "c.sqlite", SCHEMA + trigger, {"items": ITEMS})
    result = migrate_db(pg_db, src)
    # Only the trigger: the target's own checks and collations stand, not reported.
    assert [(s["kind"], s["name"]) for s in result["skipped"]] == [("trigger", "items_log")]
    assert checks_in_pg(pg_db) == {}
