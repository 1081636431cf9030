"""Helpers for the module's integration tests."""

from __future__ import annotations

from typing import Any

import sqlite_pg.migrate as migrate
from sqlite_pg.options import Options
from sqlite_pg.pg_target import ConnectionOptions


def connection_for(db: Any, **extra: Any) -> ConnectionOptions:
    """The test server's login options for ``db``; ``extra`` are ConnectionOptions fields."""
    args = db.module_args()
    return ConnectionOptions(
        host=args["login_host"],
        port=args["port"],
        user=args["login_user"],
        password=args["login_password"],
        database=args["login_db"],
        ssl_mode="disable",
        **extra,
    )


def options_for(db: Any, src: str, **extra: Any) -> Options:
    """Options for ``db``; ``extra`` are Options fields, and ``lock_timeout`` (a connection option)."""
    connection = connection_for(db, lock_timeout=extra.pop("lock_timeout", ConnectionOptions.lock_timeout))
    return Options(src=str(src), connection=connection, **extra)


def migrate_db(db: Any, src: str, **extra: Any) -> dict[str, Any]:
    return migrate.run(options_for(db, src, **extra))


def make_sqlite(path: Any, script: str, rows: dict[str, list[tuple]] | None = None, wal: bool = False) -> str:
    """A SQLite file as the application writes it: ``script`` is its DDL, ``rows`` its data."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(script)
    for table, values in (rows or {}).items():
        if values:
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
    conn.commit()
    conn.close()
    return str(path)


def run_failing(db: Any, src: str, **extra: Any) -> Any:
    """Run and return the MigrationError (the test fails if the run succeeds)."""
    import pytest
    from sqlite_pg.errors import MigrationError

    with pytest.raises(MigrationError) as info:
        migrate_db(db, src, **extra)
    return info.value


def user_tables(db: Any) -> list[str]:
    return [r[0] for r in db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]


def row_counts(db: Any) -> dict[str, int]:
    """Rows per table of the public schema: the target before and after a run."""
    return {t: db.query(f'SELECT count(*) FROM "{t}"')[0][0] for t in user_tables(db)}
