"""Helpers for postgres_to_sqlite's tests: options, a run, what SQLite holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_pg.reverse as reverse
from helpers import connection_for
from sqlite_pg.errors import MigrationError
from sqlite_pg.reverse_options import ReverseOptions


def reverse_options(db: Any, dest: Any, template: Any, **extra: Any) -> ReverseOptions:
    connection = connection_for(db, application_name="postgres_to_sqlite")
    return ReverseOptions(dest=str(dest), template=str(template), connection=connection, **extra)


def reverse_db(db: Any, dest: Any, template: Any, **extra: Any) -> dict[str, Any]:
    return reverse.run(reverse_options(db, dest, template, **extra))


def reverse_failing(db: Any, dest: Any, template: Any, **extra: Any) -> MigrationError:
    with pytest.raises(MigrationError) as info:
        reverse_db(db, dest, template, **extra)
    return info.value


def schema_sql(path: Path) -> dict[tuple[str, str], str]:
    conn = sqlite3.connect(path)
    try:
        return {(t, n): s for t, n, s in conn.execute("SELECT type, name, sql FROM sqlite_master")}
    finally:
        conn.close()


def typed_rows(path: Path, table: str, key: str = "id") -> dict[Any, tuple]:
    """Every row with each value's typeof(), keyed by ``key``: what the application reads."""
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        select = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        rows = conn.execute(f'SELECT {select} FROM "{table}"').fetchall()
    finally:
        conn.close()
    position = columns.index(key) * 2
    return {row[position]: tuple(row) for row in rows}


def column_types(path: Path, table: str) -> dict[str, set[str]]:
    """The typeof()s each column holds (NULL aside)."""
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        return {
            c: {
                r[0]
                for r in conn.execute(f'SELECT DISTINCT typeof("{c}") FROM "{table}" WHERE "{c}" IS NOT NULL')
            }
            for c in columns
        }
    finally:
        conn.close()


def typed_row(path: Path, table: str, key: Any, key_column: str = "id") -> dict[str, tuple[Any, str]]:
    """One row: column -> (value, typeof())."""
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        select = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        row = conn.execute(f'SELECT {select} FROM "{table}" WHERE "{key_column}" = ?', (key,)).fetchone()
    finally:
        conn.close()
    assert row is not None, (table, key)
    return {c: (row[2 * i], row[2 * i + 1]) for i, c in enumerate(columns)}
