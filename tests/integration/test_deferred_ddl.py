"""Foreign keys and plain indexes of empty existing tables, dropped during COPY (issue 6)."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

import pytest
import sqlite_pg.migrate as migrate
from helpers import make_sqlite, migrate_db, options_for

pytestmark = pytest.mark.integration

SQLITE = """
CREATE TABLE parent (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent (id), other_id TEXT, note TEXT);
"""
ROWS = {
    "parent": [("p1", "one"), ("p2", "two")],
    "child": [("c1", "p1", "p2", "a"), ("c2", "p2", None, "b"), ("c3", None, "p1", "c")],
}
# The application's tables: a foreign key SQLite declares too (deferred), one it
# does not (other_id: kept, COPY checks it), plain, partial and unique indexes.
POSTGRES = """
CREATE TABLE parent (id text PRIMARY KEY, name text NOT NULL);
CREATE INDEX parent_name ON parent (name);
CREATE TABLE child (id text PRIMARY KEY, parent_id text REFERENCES parent (id) ON DELETE CASCADE,
  other_id text CONSTRAINT child_other REFERENCES parent (id), note text);
CREATE INDEX child_parent ON child (parent_id);
CREATE INDEX child_note_partial ON child (note) WHERE note <> '';
CREATE UNIQUE INDEX child_note_unique ON child (note, id);
"""


def definitions(db: Any) -> list[tuple]:
    """Every constraint and index of the schema, as PostgreSQL prints them."""
    return db.query(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    ) + db.query("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")


@pytest.fixture
def src(tmp_path) -> str:
    return make_sqlite(tmp_path / "app.sqlite", SQLITE, ROWS)


def test_dropped_during_copy_and_recreated_as_they_were(pg_db, src: str) -> None:
    pg_db.execute(POSTGRES)
    before = definitions(pg_db)
    result = migrate_db(pg_db, src)
    assert all(t["action"] == "loaded" and t["verified"] for t in result["tables"])
    ddl = result["ddl"]
    drop_fk = 'ALTER TABLE "public"."child" DROP CONSTRAINT "child_parent_id_fkey"'
    assert drop_fk in ddl
    assert not any("child_other" in s for s in ddl)  # not declared in SQLite: COPY checks it
    assert sorted(s for s in ddl if s.startswith("DROP INDEX")) == [
        'DROP INDEX "public"."child_note_partial"',
        'DROP INDEX "public"."child_parent"',
        'DROP INDEX "public"."parent_name"',
    ]
    assert not any("pkey" in s or "unique" in s for s in ddl)  # what enforces something stays
    restores = ddl[ddl.index(drop_fk) + 1 :]
    assert any(s.startswith("CREATE INDEX child_parent ON public.child") for s in restores)
    assert restores.index(next(s for s in restores if "ADD CONSTRAINT" in s)) > max(
        i for i, s in enumerate(restores) if s.startswith("CREATE INDEX")
    )  # indexes first, then the foreign keys
    assert definitions(pg_db) == before
    assert pg_db.query("SELECT count(*) FROM child") == [(3,)]


def test_tables_of_another_owner_keep_theirs(pg_db, src: str) -> None:
    pg_db.execute(POSTGRES)
    before = definitions(pg_db)
    role, password = f"loader_{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    pg_db.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        pg_db.execute(f"GRANT SELECT, INSERT ON parent, child TO {role}")
        options = options_for(pg_db, src, analyze=False)
        connection = dataclasses.replace(options.connection, user=role, password=password)
        result = migrate.run(dataclasses.replace(options, connection=connection))
        assert all(t["verified"] for t in result["tables"])
        assert not any("DROP" in s for s in result["ddl"])
        assert definitions(pg_db) == before
    finally:
        pg_db.execute(f"DROP OWNED BY {role}")
        pg_db.execute(f"DROP ROLE {role}")
