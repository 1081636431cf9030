"""Clear errors, and proof: a target that differs, a write path that lies, a changed cell."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from bwaincell_sample import POSTGRES_DDL, create_sample
from helpers import make_sqlite, migrate_db, options_for, run_failing, user_tables
from pgserver import free_port
from sqlite_pg import migrate
from sqlite_pg.errors import MigrationError
from sqlite_pg.sqlite_source import SqliteSource

pytestmark = pytest.mark.integration

SIMPLE = "CREATE TABLE `tasks` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `title` VARCHAR(50) NOT NULL);"


@pytest.fixture
def simple(tmp_path: Path) -> str:
    return make_sqlite(tmp_path / "s.sqlite", SIMPLE, {"tasks": [(i, f"task {i}") for i in range(1, 21)]})


def test_missing_file(pg_db, tmp_path: Path) -> None:
    error = run_failing(pg_db, str(tmp_path / "nope.sqlite"))
    assert error.msg == f"SQLite database {tmp_path / 'nope.sqlite'} does not exist"


def test_not_a_sqlite_file(pg_db, tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    assert "is not a SQLite 3 database (bad header)" in run_failing(pg_db, str(path)).msg


def test_corrupt_sqlite_file(pg_db, tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite"
    create_sample(path, rows=2000, seed=1)
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096 * 7):  # garbage over many b-tree pages
        data[offset : offset + 64] = b"\xde\xad\xbe\xef" * 16
    path.write_bytes(bytes(data))
    error = run_failing(pg_db, str(path))
    assert "corrupt" in error.msg and str(path) in error.msg
    assert user_tables(pg_db) == []


def test_corruption_only_quick_check_sees_is_never_committed(pg_db, tmp_path: Path) -> None:
    """An index page the copy never reads: the load runs, PRAGMA quick_check
    (in its thread until before the commit) fails it, and nothing is committed."""
    path = tmp_path / "bad-index.sqlite"
    create_sample(path, rows=2000, seed=1)
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tasks_completed'").fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start : start + page_size] = b"\xde\xad\xbe\xef" * (page_size // 4)
    path.write_bytes(bytes(data))
    error = run_failing(pg_db, str(path))
    assert "is corrupt (PRAGMA quick_check)" in error.msg and str(path) in error.msg
    assert user_tables(pg_db) == []


def test_wrong_password(pg_db, simple: str) -> None:
    options = options_for(pg_db, simple)
    options.connection = options.connection.__class__(**{**options.connection.__dict__, "password": "wrong"})
    with pytest.raises(MigrationError, match="password authentication failed"):
        migrate.run(options)


def test_server_down(pg_db, simple: str) -> None:
    options = options_for(pg_db, simple)
    options.connection = options.connection.__class__(**{**options.connection.__dict__, "port": free_port()})
    with pytest.raises(
        MigrationError, match=r"cannot connect to PostgreSQL postgres@127.0.0.1:\d+/.*not running"
    ):
        migrate.run(options)


def test_if_not_empty_fail_then_replace(pg_db, simple: str) -> None:
    migrate_db(pg_db, simple)
    pg_db.execute("UPDATE tasks SET title = 'changed' WHERE id = 7")
    pg_db.execute("DELETE FROM tasks WHERE id = 9")
    pg_db.execute("INSERT INTO tasks VALUES (99, 'extra')")
    error = run_failing(pg_db, simple)
    assert "tasks: 3 row(s) differ between SQLite and PostgreSQL" in error.msg
    assert "id=7 (differs in title)" in error.msg
    assert "id=9 (missing in PostgreSQL)" in error.msg
    assert "id=99 (only in PostgreSQL)" in error.msg
    assert "if_not_empty=fail" in error.msg
    assert pg_db.query("SELECT title FROM tasks WHERE id = 7") == [("changed",)]  # untouched
    result = migrate_db(pg_db, simple, if_not_empty="replace")
    assert result["changed"] and result["tables"][0]["action"] == "replaced"
    assert pg_db.query("SELECT count(*), max(id) FROM tasks") == [(20, 20)]
    assert migrate_db(pg_db, simple)["changed"] is False


def test_if_not_empty_fail_reports_every_differing_table(pg_db, tmp_path: Path) -> None:
    names = ["alpha", "beta", "gamma", "delta"]
    script = "".join(f"CREATE TABLE {n} (id INTEGER PRIMARY KEY, v TEXT);" for n in names)
    src = make_sqlite(tmp_path / "many.sqlite", script, {n: [(1, "a"), (2, "b")] for n in names})
    migrate_db(pg_db, src)
    for number, name in enumerate(["alpha", "gamma", "delta"], start=1):
        pg_db.execute(f"UPDATE {name} SET v = 'changed' WHERE id = {number % 2 + 1}")
    error = run_failing(pg_db, src)
    assert [p["table"] for p in error.problems] == ["alpha", "delta", "gamma"]
    assert "alpha: 1 row(s) differ between SQLite and PostgreSQL: id=2 (differs in v)" in error.msg
    assert "gamma: 1 row(s) differ between SQLite and PostgreSQL: id=1 (differs in v)" in error.msg
    assert "delta: 1 row(s) differ between SQLite and PostgreSQL: id=2 (differs in v)" in error.msg
    assert "beta" not in error.msg
    assert pg_db.query("SELECT v FROM delta ORDER BY id") == [("a",), ("changed",)]


def test_one_changed_cell_is_found_and_named(pg_db, tmp_path: Path) -> None:
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=600, seed=2)
    pg_db.execute(";\n".join(POSTGRES_DDL) if not isinstance(POSTGRES_DDL, str) else POSTGRES_DDL)
    migrate_db(pg_db, str(src))
    cases = [
        ("users", "is_admin = NOT is_admin", "id = 3", "id=3 (differs in is_admin)"),
        ("budget", "amount = amount + 0.01", "id = 5", "id=5 (differs in amount)"),
        ("reminders", "next_trigger = next_trigger + interval '1 microsecond'", "id = 2", "id=2 (differs in"),
        ("notes", "tags = '[\"x\"]'", "id = 4", "id=4 (differs in tags)"),
    ]
    for table, change, where, expected in cases:
        pg_db.execute(f"SET session_replication_role = replica; UPDATE {table} SET {change} WHERE {where}")
        error = run_failing(pg_db, str(src))
        assert f"{table}: 1 row(s) differ" in error.msg and expected in error.msg, error.msg
        migrate_db(pg_db, str(src), if_not_empty="replace")


def test_verification_does_not_trust_the_write_path(pg_db, simple: str) -> None:
    """A trigger alters a value on the way in: COPY succeeds, the read-back sees it."""
    pg_db.execute(
        "CREATE TABLE tasks (id serial PRIMARY KEY, title varchar(50) NOT NULL);"
        "CREATE FUNCTION lie() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id = 13 THEN NEW.title := 'tampered'; END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER lie BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION lie();"
    )
    error = run_failing(pg_db, simple)
    assert error.msg == (
        "verification failed, rolled back: tasks: 1 row(s) differ between SQLite and PostgreSQL: "
        "id=13 (differs in title)"
    )
    assert pg_db.query("SELECT count(*) FROM tasks") == [(0,)]


def test_count_verification_passes_what_full_catches(pg_db, simple: str) -> None:
    pg_db.execute(
        "CREATE TABLE tasks (id serial PRIMARY KEY, title varchar(50) NOT NULL);"
        "CREATE FUNCTION lie() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id = 13 THEN NEW.title := 'tampered'; END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER lie BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION lie();"
    )
    result = migrate_db(pg_db, simple, verify="count", check_mode=True)
    assert result["tables"][0]["verified"] is True
    assert pg_db.query("SELECT count(*) FROM tasks") == [(0,)]  # check mode rolled back


def test_snapshot_is_consistent_while_the_application_writes(tmp_path: Path) -> None:
    path = make_sqlite(
        tmp_path / "wal.sqlite", SIMPLE, {"tasks": [(i, "t") for i in range(1, 101)]}, wal=True
    )
    source = SqliteSource(path)
    table = source.read_table("tasks")
    done = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(path)
        for i in range(101, 301):
            conn.execute("INSERT INTO tasks VALUES (?, 'new')", (i,))
            conn.commit()
        conn.close()
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join(timeout=60)
    assert done.is_set()  # the application was not blocked (WAL)
    assert sum(1 for _ in source.rows(table, ["id", "title"], False)) == 100
    source.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (300,)
    conn.close()


def test_rollback_leaves_sequences_as_they_were(pg_db, simple: str) -> None:
    """setval() ignores rollbacks; ALTER SEQUENCE does not: check mode and a failed
    verification leave the application's sequences untouched."""
    pg_db.execute("CREATE TABLE tasks (id serial PRIMARY KEY, title varchar(50) NOT NULL)")
    migrate_db(pg_db, simple, check_mode=True)
    pg_db.execute(
        "CREATE FUNCTION lie() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id = 13 THEN NEW.title := 'tampered'; END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER lie BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION lie();"
    )
    run_failing(pg_db, simple)
    assert pg_db.query("SELECT last_value, is_called FROM tasks_id_seq") == [(1, False)]
    pg_db.execute("DROP TRIGGER lie ON tasks")
    result = migrate_db(pg_db, simple)
    assert any("RESTART WITH 21" in statement for statement in result["ddl"])
    assert pg_db.query("INSERT INTO tasks (title) VALUES ('next') RETURNING id") == [(21,)]
