"""Names in the options and in the errors (issue 11, item 14): a typo in
exclude_tables or exclude_columns is an error like one in tables, before
anything is written; a corrupt page in one table names that table."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import make_sqlite, migrate_db, run_failing, user_tables

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER, title TEXT);
CREATE TABLE "odd.name" (id INTEGER PRIMARY KEY, "c" TEXT, "d.e" TEXT);
"""


@pytest.fixture
def src(tmp_path: Path) -> str:
    rows = {"users": [(1, "a@b", "A")], "posts": [(1, 1, "t")], "odd.name": [(1, "c", "de")]}
    return make_sqlite(tmp_path / "names.sqlite", SCHEMA, rows)


def test_a_typo_in_exclude_tables_is_an_error_naming_the_tables(pg_db: Any, src: str) -> None:
    error = run_failing(pg_db, src, exclude_tables=["userz"])
    assert error.msg == (
        "options name what the SQLite database does not have, nothing was written: exclude_tables: "
        "no table userz in the SQLite database (its tables are: odd.name, posts, users)"
    )
    assert [(p["table"], p["column"]) for p in error.problems] == [("userz", None)]
    assert user_tables(pg_db) == []


def test_typos_in_exclude_columns_are_errors_naming_the_columns(pg_db: Any, src: str) -> None:
    error = run_failing(
        pg_db, src, exclude_columns=["users.emial", "nosuch.col", "nodot", "users.name", "odd.name.d.e"]
    )
    assert [p["reason"] for p in error.problems] == [
        "exclude_columns: users.emial: table users has no column emial (its columns are: id, email, name)",
        "exclude_columns: nosuch.col: no table nosuch in the SQLite database "
        "(its tables are: odd.name, posts, users)",
        "exclude_columns: nodot is not table.column",
    ]
    assert (error.problems[0]["table"], error.problems[0]["column"]) == ("users", "emial")
    assert error.msg.startswith("options name what the SQLite database does not have, nothing was written: ")
    assert user_tables(pg_db) == []


def test_exclusions_that_name_what_exists_still_apply(pg_db: Any, src: str) -> None:
    result = migrate_db(pg_db, src, exclude_tables=["posts"], exclude_columns=["users.name", "odd.name.d.e"])
    assert [t["name"] for t in result["tables"]] == ["odd.name", "users"]
    assert pg_db.query("SELECT * FROM users") == [(1, "a@b")]
    assert pg_db.query('SELECT * FROM "odd.name"') == [(1, "c")]


def _corrupt_one_table(path: Path) -> str:
    src = make_sqlite(
        path,
        "CREATE TABLE a (id INTEGER PRIMARY KEY, t TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY, t TEXT);"
        "CREATE INDEX b_t ON b (t); CREATE TABLE z (id INTEGER PRIMARY KEY, t TEXT);",
        {name: [(i, "x" * 50 + str(i)) for i in range(2000)] for name in "abz"},
    )
    conn = sqlite3.connect(src)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # A leaf page of b's b-tree (dbstat lists each table's pages).
    (page,) = conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'b' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3"
    ).fetchone()
    conn.close()
    with open(src, "r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(b"\x0d" + b"\xff" * 200)  # a leaf header with nonsense cell counts
    return src


def test_a_corrupt_page_in_one_table_names_the_table(pg_db: Any, tmp_path: Path) -> None:
    src = _corrupt_one_table(tmp_path / "damaged.sqlite")
    error = run_failing(pg_db, src)
    assert error.msg.startswith(f"SQLite database {src} is corrupt (PRAGMA quick_check): ")
    assert "the damage is in table(s) b (their rows or indexes)" in error.msg
    assert "or leave b behind (exclude_tables and check_source: false)" in error.msg
    assert user_tables(pg_db) == []
    # Without the check the copy of b fails, by name; with b left behind the rest loads.
    error = run_failing(pg_db, src, check_source=False)
    assert f"SQLite database {src}: reading table b failed: database disk image is malformed" in error.msg
    result = migrate_db(pg_db, src, check_source=False, exclude_tables=["b"])
    assert [(t["name"], t["target_rows"]) for t in result["tables"]] == [("a", 2000), ("z", 2000)]
