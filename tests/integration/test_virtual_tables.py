"""Virtual tables and their shadow tables are skipped by default, by name (issue 11, item 5).

FTS5's shadow table docs_data holds ids past 2^31 (137438953473 as measured),
which once failed the load of an ordinary int4 column; a virtual table whose
module this SQLite lacks (SpatiaLite's VirtualElementary) once failed the run as
"cannot be read (corrupt?)" naming no table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import make_sqlite, migrate_db, run_failing, user_tables
from sqlite_pg.sqlite_source import SqliteSource
from sqlite_pg.virtual_tables import special_tables

pytestmark = pytest.mark.integration

SCHEMA = """
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE VIRTUAL TABLE docs USING fts5(title, body);
CREATE VIRTUAL TABLE docs4 USING fts4(body);
CREATE VIRTUAL TABLE places USING rtree(id, min_x, max_x, min_y, max_y);
"""
BIG_ID = 3_000_000_000  # past int4
SHADOWS = {
    "docs": ["docs_config", "docs_content", "docs_data", "docs_docsize", "docs_idx"],
    "docs4": ["docs4_content", "docs4_docsize", "docs4_segdir", "docs4_segments", "docs4_stat"],
    "places": ["places_node", "places_parent", "places_rowid"],
}


def make_source(path: Path) -> str:
    src = make_sqlite(path, SCHEMA, {"notes": [(1, "first"), (2, "second")]})
    conn = sqlite3.connect(src)
    with conn:
        for i in range(1, 200):
            row = (BIG_ID + i, f"t{i}", "w " * i)
            conn.execute("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", row)
            conn.execute("INSERT INTO docs4 (docid, body) VALUES (?, ?)", (BIG_ID + i, f"word{i}"))
            conn.execute("INSERT INTO places VALUES (?, ?, ?, ?, ?)", (BIG_ID + i, i, i + 1, i, i + 1))
    big = conn.execute("SELECT max(id) FROM docs_data").fetchone()[0]
    conn.close()
    assert big > 2**31  # as the issue measured: the shadow table's ids do not fit int4
    return src


@pytest.fixture
def source(tmp_path: Path) -> str:
    return make_source(tmp_path / "fts.sqlite")


def expected_skipped() -> list[tuple[str, str]]:
    virtual = [("virtual table", name) for name in SHADOWS]
    shadow = [("shadow table", name) for names in SHADOWS.values() for name in names]
    return sorted(virtual + shadow)


@pytest.mark.parametrize("existing", [False, True], ids=["creating-tables", "into-existing-tables"])
def test_virtual_and_shadow_tables_are_skipped_by_name(pg_db: Any, source: str, existing: bool) -> None:
    if existing:
        conn = pg_db.connect()
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)")
        conn.close()
    result = migrate_db(pg_db, source)
    assert [(t["name"], t["target_rows"], t["verified"]) for t in result["tables"]] == [("notes", 2, True)]
    assert user_tables(pg_db) == ["notes"]
    assert sorted((s["kind"], s["name"]) for s in result["skipped"]) == expected_skipped()
    by_name = {s["name"]: s for s in result["skipped"]}
    assert "USING fts5" in by_name["docs"]["reason"]
    assert by_name["docs_data"]["reason"].startswith("a shadow table of virtual table docs (USING fts5)")
    assert by_name["places_node"]["reason"].startswith("a shadow table of virtual table places (USING rtree)")
    for skipped in result["skipped"]:
        assert f"{skipped['kind']} {skipped['name']} not migrated: {skipped['reason']}" in result["warnings"]


def test_the_fallback_without_table_list_finds_the_same(source: str) -> None:
    """SQLite before 3.37 has no PRAGMA table_list: shadow tables are then
    known by their modules' suffixes, only beside their virtual table."""
    reader = SqliteSource(source)
    try:
        assert special_tables(reader, use_table_list=False) == special_tables(reader)
        assert sorted((t.kind, t.name) for t in special_tables(reader).values()) == expected_skipped()
    finally:
        reader.close()


def test_an_excluded_virtual_table_takes_its_shadow_tables_along(pg_db: Any, source: str) -> None:
    result = migrate_db(pg_db, source, exclude_tables=["docs"])
    names = {s["name"] for s in result["skipped"]}
    assert not names & {"docs", *SHADOWS["docs"]}
    assert {"docs4", "places", *SHADOWS["places"]} <= names


def test_a_virtual_table_asked_for_is_copied_as_a_plain_table(pg_db: Any, source: str) -> None:
    result = migrate_db(pg_db, source, tables=["notes", "docs"])
    assert [(t["name"], t["target_rows"]) for t in result["tables"]] == [("docs", 199), ("notes", 2)]
    assert result["skipped"] == []
    assert pg_db.query("SELECT title FROM docs WHERE body = 'w '") == [("t1",)]


def _with_missing_module(path: Path) -> str:
    """A table of SpatiaLite's VirtualElementary, which this SQLite does not have
    (written with writable_schema, as a SQLite that had the module would have)."""
    src = make_sqlite(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);", {"notes": [(1, "a")]})
    conn = sqlite3.connect(src)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
        "('table', 'ElementaryGeometries', 'ElementaryGeometries', 0, "
        "'CREATE VIRTUAL TABLE ElementaryGeometries USING VirtualElementary()')"
    )
    conn.commit()
    conn.close()
    return src


def test_a_virtual_table_of_a_missing_module_is_skipped_by_name(pg_db: Any, tmp_path: Path) -> None:
    src = _with_missing_module(tmp_path / "spatialite.sqlite")
    result = migrate_db(pg_db, src)
    assert [t["name"] for t in result["tables"]] == ["notes"]
    (skipped,) = result["skipped"]
    assert (skipped["kind"], skipped["name"]) == ("virtual table", "ElementaryGeometries")
    assert skipped["reason"].startswith(
        f"module VirtualElementary is not in this SQLite ({sqlite3.sqlite_version}), so it cannot be read "
        "(no such module: VirtualElementary)"
    )


def test_a_virtual_table_of_a_missing_module_asked_for_fails_by_name(pg_db: Any, tmp_path: Path) -> None:
    src = _with_missing_module(tmp_path / "spatialite.sqlite")
    error = run_failing(pg_db, src, tables=["notes", "ElementaryGeometries"])
    assert error.msg.startswith(
        "table ElementaryGeometries is a virtual table of module VirtualElementary, which this SQLite "
        f"({sqlite3.sqlite_version}) does not have"
    )
    assert "corrupt" not in error.msg
    assert user_tables(pg_db) == []
