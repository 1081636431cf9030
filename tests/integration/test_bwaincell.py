"""A Bwaincell-shaped database (scripts/bwaincell_sample.py): into the tables the
application creates itself and into an empty database. The application must read
back what it read from SQLite and keep writing."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bwaincell_sample import POSTGRES_DDL, TABLES, create_sample
from helpers import migrate_db

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "bwaincell.sqlite"
    create_sample(path, rows=3000, seed=3)
    return path


def app_tables(db: Any) -> None:
    db.execute(POSTGRES_DDL if isinstance(POSTGRES_DDL, str) else ";\n".join(POSTGRES_DDL))


def as_app_reads(value: Any, pg_type: str) -> Any:
    """An independent normaliser (not the module's): the value as the application
    sees it, from either database."""
    if value is None:
        return None
    if pg_type == "boolean":
        return bool(value)
    if pg_type.startswith("timestamp"):
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        return datetime.strptime(value.replace(" +00:00", "+0000"), "%Y-%m-%d %H:%M:%S.%f%z")
    if pg_type == "date":
        return value if isinstance(value, date) else date.fromisoformat(value)
    if pg_type.startswith("time"):
        return value if isinstance(value, time) else time.fromisoformat(value)
    if pg_type == "numeric":
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if pg_type in ("json", "jsonb"):
        return value if not isinstance(value, str) else json.loads(value)
    if pg_type == "bytea":
        return bytes(value)
    if pg_type == "double precision":
        return float(value)
    return str(value) if pg_type in ("uuid", "USER-DEFINED") else value


def normalised(rows: Any, columns: list[str], types: dict[str, str]) -> dict[Any, tuple]:
    out = {}
    for row in rows:
        values = tuple(as_app_reads(v, types[c]) for c, v in zip(columns, row, strict=True))
        out[values[columns.index("id")]] = values
    return out


def assert_same_rows(db: Any, src: Path) -> None:
    sqlite = sqlite3.connect(src)
    for table in TABLES:
        types = dict(
            db.query(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                (table,),
            )
        )
        columns = list(types)
        select = ", ".join(f'"{c}"' for c in columns)

        want = normalised(sqlite.execute(f"SELECT {select} FROM `{table}`"), columns, types)
        got = normalised(db.query(f'SELECT {select} FROM "{table}"'), columns, types)
        assert len(want) == len(got) > 0, table
        assert want == got, table
    sqlite.close()


def definitions(db: Any) -> list[tuple]:
    """Every constraint and index of the schema, as PostgreSQL prints them."""
    return db.query(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    ) + db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")


def test_into_application_tables(pg_db, sample: Path) -> None:
    app_tables(pg_db)
    before = definitions(pg_db)
    result = migrate_db(pg_db, sample)
    assert result["changed"] is True
    # foreign keys and plain indexes were dropped during COPY and are back as they were
    assert any(" DROP CONSTRAINT " in s for s in result["ddl"])
    assert any(s.startswith("DROP INDEX ") for s in result["ddl"])
    assert any(" ADD CONSTRAINT " in s and "FOREIGN KEY" in s for s in result["ddl"])
    assert definitions(pg_db) == before
    assert all(not t["created"] and t["verified"] for t in result["tables"])
    assert [t["name"] for t in result["tables"]][:2] == ["users", "budget"] or result["tables"][0][
        "name"
    ] == "users"
    assert_same_rows(pg_db, sample)
    again = migrate_db(pg_db, sample)
    assert again["changed"] is False
    # the application keeps writing: serial ids continue past the highest id
    users = pg_db.query("SELECT max(id) FROM users")[0][0]
    new = pg_db.query(
        "INSERT INTO users (discord_id, is_admin, created_at, updated_at) "
        "VALUES ('new', false, now(), now()) RETURNING id"
    )
    assert new == [(users + 1,)]
    pg_db.execute(
        "INSERT INTO tasks (id, user_id, title, completed, created_at, updated_at) "
        "VALUES (gen_random_uuid(), %s, 'new task', true, now(), now())",
        (users + 1,),
    )
    assert pg_db.query("SELECT count(*) FROM tasks WHERE completed = true AND title = 'new task'") == [(1,)]


def test_into_empty_database(pg_db, sample: Path) -> None:
    result = migrate_db(pg_db, sample)
    assert result["changed"] is True
    assert all(t["created"] and t["verified"] for t in result["tables"])
    assert_same_rows(pg_db, sample)
    assert migrate_db(pg_db, sample)["changed"] is False
    new = pg_db.query(
        "INSERT INTO notes (user_id, title, is_pinned, created_at, updated_at) "
        "VALUES (1, 'n', false, now(), now()) RETURNING id"
    )
    assert new[0][0] == pg_db.query("SELECT max(id) FROM notes")[0][0]
