"""reverse_changes: the writes since the cut-over, counted by SQLite on the new file with the
template attached, by primary key (a composite one too); a table without one is not counted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_pg.reverse_changes import Compared, table_changes, totals

SCHEMA = (
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, pinned INTEGER)",
    "CREATE TABLE links (a INTEGER, b TEXT, note TEXT, PRIMARY KEY (a, b))",
    "CREATE TABLE log (line TEXT)",
)


def database(path: Path, rows: dict[str, list[tuple]]) -> Path:
    with sqlite3.connect(path) as conn:
        for statement in SCHEMA:
            conn.execute(statement)
        for table, values in rows.items():
            for row in values:
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
    conn.close()
    return path


def test_inserted_updated_deleted_by_key(tmp_path: Path) -> None:
    template = database(
        tmp_path / "template.sqlite",
        {
            "notes": [(1, "a", 0), (2, "b", None), (3, "c", 1), (4, "d", 0)],
            "links": [(1, "x", "one"), (1, "y", None)],
            "log": [("started",)],
        },
    )
    new = database(
        tmp_path / "new.sqlite",
        {
            # 1 as it was; 2 NULL -> 0 (IS NOT sees it); 3 deleted; 4 its title changed; 5 and 6 new
            "notes": [(1, "a", 0), (2, "b", 0), (4, "D", 0), (5, "e", 1), (6, "f", None)],
            # (1, y) deleted; (2, y) new: the whole key tells rows apart
            "links": [(1, "x", "one"), (2, "y", None)],
            "log": [("started",), ("stopped",)],
        },
    )
    tables = [
        Compared("notes", ["id"], ["id", "title", "pinned"]),
        Compared("links", ["a", "b"], ["a", "b", "note"]),
        Compared("log", [], ["line"]),
    ]
    changes = table_changes(str(new), template.resolve().as_uri() + "?mode=ro", tables)
    assert changes == {
        "notes": {"inserted": 2, "updated": 2, "deleted": 1},
        "links": {"inserted": 1, "updated": 0, "deleted": 1},
        "log": None,
    }
    assert totals(changes) == {"inserted": 3, "updated": 2, "deleted": 2, "not_compared": ["log"]}


def test_a_column_the_template_lacks_is_left_out_and_a_new_table_is_all_inserted(tmp_path: Path) -> None:
    template = database(tmp_path / "template.sqlite", {"notes": [(1, "a", 0)]})
    new = database(tmp_path / "new.sqlite", {"notes": [(1, "a", 1)], "log": [("x",), ("y",)]})
    changes = table_changes(
        str(new),
        template.resolve().as_uri() + "?mode=ro",
        [Compared("notes", ["id"], ["id", "title"]), Compared("log", [], ["line"], in_template=False)],
    )
    assert changes == {
        "notes": {"inserted": 0, "updated": 0, "deleted": 0},  # pinned is not compared
        "log": {"inserted": 2, "updated": 0, "deleted": 0},
    }
