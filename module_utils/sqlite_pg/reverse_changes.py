"""What PostgreSQL's rows are, compared with the template's: the writes since the cut-over.

The new file and the template have the same tables and the same storage forms (the
reverse copy writes each value as the template's column holds it), so SQLite itself
compares them: per table, by primary key, the rows only the new file has (inserted),
only the template has (deleted), and the rows both have whose stored values differ in a
column both have (updated; ``IS NOT``, so NULLs compare). Three indexed queries per table,
in SQLite's C: memory stays at its page cache whatever the tables' size.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import MigrationError
from .sqlite_source import quote_sqlite


@dataclass(frozen=True)
class Compared:
    """One table to compare: its key and the columns both files have (the template's names)."""

    name: str
    key: list[str]
    columns: list[str]
    in_template: bool = True  # False: a table extra=add created (every row is new)


def table_changes(new_path: str, template_uri: str, tables: list[Compared]) -> dict[str, dict | None]:
    """table -> {inserted, updated, deleted} against the template (None: a table without a
    primary key, whose rows cannot be matched)."""
    conn = sqlite3.connect(Path(new_path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS template", (template_uri,))
        conn.execute("BEGIN")  # one read snapshot of both files
        return {t.name: _compare(conn, t) for t in tables}
    except sqlite3.Error as exc:
        raise MigrationError(f"comparing the new SQLite file with the template failed: {exc}") from exc
    finally:
        conn.close()


def _compare(conn: sqlite3.Connection, table: Compared) -> dict | None:
    name = quote_sqlite(table.name)
    if not table.in_template:
        (rows,) = conn.execute(f"SELECT count(*) FROM main.{name}").fetchone()
        return {"inserted": rows, "updated": 0, "deleted": 0}
    if not table.key:
        return None
    same_key = " AND ".join(f"o.{quote_sqlite(k)} = n.{quote_sqlite(k)}" for k in table.key)
    values = [c for c in table.columns if c not in table.key]
    differ = " OR ".join(f"n.{quote_sqlite(c)} IS NOT o.{quote_sqlite(c)}" for c in values) or "0"

    def count(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    return {
        "inserted": count(
            f"SELECT count(*) FROM main.{name} n WHERE NOT EXISTS "
            f"(SELECT 1 FROM template.{name} o WHERE {same_key})"
        ),
        "updated": count(
            f"SELECT count(*) FROM main.{name} n JOIN template.{name} o ON {same_key} WHERE {differ}"
        ),
        "deleted": count(
            f"SELECT count(*) FROM template.{name} o WHERE NOT EXISTS "
            f"(SELECT 1 FROM main.{name} n WHERE {same_key})"
        ),
    }


def totals(changes: dict[str, dict | None]) -> dict[str, object]:
    """The sums over the tables compared, and the tables that could not be."""
    compared = [c for c in changes.values() if c is not None]
    return {
        "inserted": sum(c["inserted"] for c in compared),
        "updated": sum(c["updated"] for c in compared),
        "deleted": sum(c["deleted"] for c in compared),
        "not_compared": sorted(t for t, c in changes.items() if c is None),
    }
