"""postgres_to_sqlite when PostgreSQL has what the template lacks (the application migrated
after the cut-over), values with no faithful form, and the destination's own rules: each is
reported before dest changes, and each way through works."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from bwaincell_sample import create_sample
from helpers import migrate_db
from reverse_helpers import reverse_db, reverse_failing, schema_sql, typed_row, typed_rows
from test_bwaincell import assert_same_rows

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reverse-extra") / "bwaincell.sqlite"
    create_sample(path, rows=600, seed=8)
    return path


@pytest.fixture
def migrated(pg_db: Any, sample: Path) -> Any:
    migrate_db(pg_db, sample)
    return pg_db


def application_migrates(db: Any) -> None:
    """A later migration of the application: a column and a table PostgreSQL has and SQLite not."""
    db.execute("ALTER TABLE users ADD COLUMN locale varchar(16)")
    db.execute("UPDATE users SET locale = 'en-GB' WHERE id % 2 = 0")
    db.execute("ALTER TABLE tasks ADD COLUMN archived boolean NOT NULL DEFAULT false")
    db.execute(
        "CREATE TABLE tags (id serial PRIMARY KEY, user_id integer NOT NULL, label varchar(40) NOT NULL, "
        "weight numeric(6,2), created_at timestamptz NOT NULL)"
    )
    db.execute(
        "INSERT INTO tags (user_id, label, weight, created_at) "
        "SELECT id, 'tag ' || id, id / 4.0, '2024-05-01 10:00:00.25+00' FROM users ORDER BY id"
    )


def unchanged(dest: Path, before: bytes) -> None:
    assert dest.read_bytes() == before
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]


@pytest.fixture
def dest(tmp_path: Path, sample: Path) -> Path:
    path = tmp_path / "app" / "bwaincell.sqlite"
    path.parent.mkdir()
    shutil.copy(sample, path)
    return path


def test_extra_tables_and_columns_are_reported_before_anything_is_written(
    migrated: Any, sample: Path, dest: Path
) -> None:
    application_migrates(migrated)
    before = dest.read_bytes()
    error = reverse_failing(migrated, dest, sample)
    assert error.kind == "data"
    found = {(p["table"], p["column"]) for p in error.problems}
    assert found == {("users", "locale"), ("tasks", "archived"), ("tags", None)}
    assert "extra=add" in error.msg and "exclude" in error.msg
    assert next(p for p in error.problems if p["column"] == "locale")["reason"].count("VARCHAR(16)") == 1
    unchanged(dest, before)


def test_extra_exclude_leaves_them_out(migrated: Any, sample: Path, dest: Path) -> None:
    application_migrates(migrated)
    result = reverse_db(migrated, dest, sample, extra="exclude")
    assert {(e["table"], e["column"], e["action"]) for e in result["extra"]} == {
        ("users", "locale", "excluded"),
        ("tasks", "archived", "excluded"),
        ("tags", None, "excluded"),
    }
    assert schema_sql(dest) == schema_sql(sample)
    for table in ("users", "tasks", "notes"):
        assert typed_rows(dest, table) == typed_rows(sample, table)


def test_exclude_options_leave_them_out_too(migrated: Any, sample: Path, dest: Path) -> None:
    application_migrates(migrated)
    result = reverse_db(
        migrated, dest, sample, exclude_tables=["tags"], exclude_columns=["users.locale", "tasks.archived"]
    )
    assert result["extra"] == []
    assert schema_sql(dest) == schema_sql(sample)


def test_extra_add_adds_them_with_their_values(migrated: Any, sample: Path, dest: Path) -> None:
    application_migrates(migrated)
    result = reverse_db(migrated, dest, sample, extra="add")
    assert all(t["verified"] for t in result["tables"])
    assert {(e["table"], e["column"], e["action"]) for e in result["extra"]} == {
        ("users", "locale", "added"),
        ("tasks", "archived", "added"),
        ("tags", None, "added"),
    }
    schema = schema_sql(dest)
    assert schema[("table", "users")].endswith(', "locale" VARCHAR(16))')
    assert schema[("table", "tasks")].endswith(', "archived" TINYINT(1))')
    assert schema[("table", "tags")] == (
        'CREATE TABLE "tags" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "user_id" INTEGER NOT NULL, '
        '"label" VARCHAR(40) NOT NULL, "weight" DECIMAL(6,2), "created_at" DATETIME NOT NULL)'
    )
    # everything else of the template as it was
    assert {k: v for k, v in schema.items() if k[1] not in ("users", "tasks", "tags")} == {
        k: v for k, v in schema_sql(sample).items() if k[1] not in ("users", "tasks")
    }
    assert typed_row(dest, "users", 2)["locale"] == ("en-GB", "text")
    assert typed_row(dest, "users", 1)["locale"] == (None, "null")
    assert typed_row(dest, "tasks", typed_rows(dest, "tasks").popitem()[0])["archived"] == (0, "integer")
    assert typed_row(dest, "tags", 4) == {
        "id": (4, "integer"),
        "user_id": (4, "integer"),
        "label": ("tag 4", "text"),
        "weight": (1, "integer"),  # 1.00, NUMERIC affinity, as Sequelize's DECIMAL stores it
        "created_at": ("2024-05-01 10:00:00.250 +00:00", "text"),
    }
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'tags'").fetchone()[0] == len(
            typed_rows(dest, "users")
        )
    assert_same_rows(migrated, dest)
    changes = {t["name"]: t["changes"] for t in result["tables"]}
    # A column the template lacks is no write to its rows; a table it lacks is all new rows.
    assert changes["users"] == changes["tasks"] == {"inserted": 0, "updated": 0, "deleted": 0}
    assert changes["tags"] == {"inserted": len(typed_rows(dest, "users")), "updated": 0, "deleted": 0}


def test_a_value_with_no_faithful_form_is_reported(migrated: Any, sample: Path, dest: Path) -> None:
    migrated.execute("UPDATE users SET updated_at = '2024-05-01 10:00:00.123456+00' WHERE id = 3")
    migrated.execute("UPDATE budget SET amount = 12345678.91, exchange_rate = 'NaN' WHERE id = 2")
    migrated.execute("ALTER TABLE budget ALTER COLUMN amount TYPE numeric(30,12)")
    migrated.execute("UPDATE budget SET amount = 1234567.123456789012 WHERE id = 5")
    before = dest.read_bytes()
    error = reverse_failing(migrated, dest, sample)
    problems = {(p["table"], p["column"], tuple(p["key"].items())): p for p in error.problems}
    assert set(problems) == {
        ("users", "updated_at", (("id", "3"),)),
        ("budget", "exchange_rate", (("id", "2"),)),
        ("budget", "amount", (("id", "5"),)),
    }
    assert "milliseconds" in problems[("users", "updated_at", (("id", "3"),))]["reason"]
    assert problems[("users", "updated_at", (("id", "3"),))]["value"] == "'2024-05-01 10:00:00.123456+00'"
    assert "NaN" in problems[("budget", "exchange_rate", (("id", "2"),))]["reason"]
    assert "double" in problems[("budget", "amount", (("id", "5"),))]["reason"]
    unchanged(dest, before)


def test_epoch_numbers_of_the_template_come_back_as_numbers(pg_db: Any, tmp_path: Path) -> None:
    template = tmp_path / "events.sqlite"
    with sqlite3.connect(template) as conn:
        conn.executescript(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, starts_at DATETIME, seen_at INTEGER, at_s REAL);"
            "INSERT INTO events VALUES (1, 1713495066990, 1713495066, 1713495066.5), "
            "(2, 1713495067000, 1713495067, 1713495067.25);"
        )
    conn.close()
    result = migrate_db(pg_db, template)  # seen_at and at_s: integer and double precision columns
    assert result["tables"][0]["numeric_dates"]["starts_at"]["reading"] == "epoch_ms"
    pg_db.execute("ALTER TABLE events ALTER COLUMN seen_at TYPE timestamptz USING to_timestamp(seen_at)")
    pg_db.execute("ALTER TABLE events ALTER COLUMN at_s TYPE timestamptz USING to_timestamp(at_s)")
    pg_db.execute(
        "INSERT INTO events VALUES (3, '2024-05-01 00:00:00.5+00', '2024-05-01', '2024-05-01 00:00:01+00')"
    )
    dest = tmp_path / "back.sqlite"
    result = reverse_db(pg_db, dest, template, date_numbers={"events.seen_at": "epoch_s"})
    assert result["tables"][0]["forms"] == {
        "id": "integer",
        "starts_at": "epoch_ms",
        "seen_at": "epoch_s",
        "at_s": "epoch_s_real",
    }
    rows = typed_rows(dest, "events")
    assert rows[1] == (1, "integer", 1713495066990, "integer", 1713495066, "integer", 1713495066.5, "real")
    assert rows[3][2:] == (1714521600500, "integer", 1714521600, "integer", 1714521601.0, "real")
    pg_db.execute("UPDATE events SET seen_at = seen_at + interval '1 millisecond' WHERE id = 1")
    error = reverse_failing(pg_db, dest, template, date_numbers={"events.seen_at": "epoch_s"})
    assert [(p["column"], p["key"]) for p in error.problems] == [("seen_at", {"id": "1"})]


def test_options_naming_nothing_are_errors(migrated: Any, sample: Path, dest: Path) -> None:
    error = reverse_failing(
        migrated,
        dest,
        sample,
        tables=["userz"],
        exclude_columns=["users.nope"],
        date_numbers={"x.y": "epoch_s"},
    )
    assert {(p["table"], p["column"]) for p in error.problems} == {
        ("userz", None),
        ("users", "nope"),
        ("x", "y"),
    }


def test_a_stale_temporary_file_is_removed_and_a_hot_journal_refused(
    migrated: Any, sample: Path, dest: Path
) -> None:
    stale = dest.parent / f".{dest.name}.999999.postgres_to_sqlite.tmp"
    stale.write_bytes(b"half a database")
    Path(str(stale) + "-journal").write_bytes(b"x")
    result = reverse_db(migrated, dest, sample)
    assert result["removed_stale"] == [str(stale)]
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]
    Path(str(dest) + "-wal").write_bytes(b"commits not checkpointed")
    before = dest.read_bytes()
    error = reverse_failing(migrated, dest, sample)
    assert "-wal exists and is not empty" in error.msg
    assert dest.read_bytes() == before
    os.unlink(str(dest) + "-wal")
