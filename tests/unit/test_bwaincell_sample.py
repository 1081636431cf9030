"""The sample database writer: the storage formats the application uses."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bwaincell_sample as sample


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "bwaincell.sqlite"
    sample.create_sample(path, rows=2000, seed=3)
    return path


def test_tables_and_total(db: Path) -> None:
    counts = sample.table_counts(db)
    assert tuple(counts) == sample.TABLES
    assert sum(counts.values()) == 2000
    assert all(n > 0 for n in counts.values())


def test_same_seed_same_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    sample.create_sample(a, rows=300, seed=9)
    sample.create_sample(b, rows=300, seed=9)
    dump = [list(sqlite3.connect(p).iterdump()) for p in (a, b)]
    assert dump[0] == dump[1]


def test_declared_types_and_backquotes(db: Path) -> None:
    conn = sqlite3.connect(db)
    sql = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
    assert "sqlite_sequence" in sql
    assert sql["users"].startswith("CREATE TABLE `users` (`id` INTEGER PRIMARY KEY AUTOINCREMENT")
    for decl in ("UUID", "VARCHAR(200)", "TINYINT(1)", "DATETIME", "FLOAT", "TEXT"):
        assert decl in sql["tasks"]
    assert "DECIMAL(10,2)" in sql["budget"] and "DATE" in sql["budget"]
    assert "`list_id` UUID REFERENCES `lists` (`id`)" in sql["tasks"]


def test_storage_formats(db: Path) -> None:
    conn = sqlite3.connect(db)
    dt = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \+00:00$")
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    for tid, completed, created in conn.execute("SELECT id, completed, created_at FROM tasks"):
        assert uuid.match(tid)
        assert completed in (0, 1)
        assert dt.match(created)
    for day, tm in conn.execute("SELECT date, time FROM schedules"):
        assert re.match(r"^\d{4}-\d\d-\d\d$", day) and re.match(r"^\d\d:\d\d:00$", tm)
    seq = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert seq["users"] == conn.execute("SELECT max(id) FROM users").fetchone()[0]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_postgres_ddl_shape() -> None:
    ddl = "\n".join(sample.POSTGRES_DDL)
    assert "CREATE TYPE \"public\".\"enum_tasks_priority\" AS ENUM('low', 'medium', 'high');" in ddl
    for word in ("SERIAL", "UUID", "BOOLEAN", "TIMESTAMP WITH TIME ZONE", "DECIMAL(10,2)", "BYTEA", "JSON"):
        assert word in ddl
    assert sample.postgres_ddl("app")[0].startswith('CREATE TYPE "app".')
    assert set(sample.POSTGRES_COLUMN_TYPES) == set(sample.TABLES)


@pytest.mark.parametrize("kind", sorted(sample.DEFECTS))
def test_defects_add_one_row(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bad.sqlite"
    counts = sample.create_sample(path, rows=100, seed=1, defects=[kind])
    assert sum(counts.values()) == 101
