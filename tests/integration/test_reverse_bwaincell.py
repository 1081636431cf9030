"""postgres_to_sqlite on the Bwaincell sample: migrated forward (sqlite_pg.migrate.run), written
on PostgreSQL as the application's role, reversed with the original as template. The new file
must hold what PostgreSQL holds, in the template's forms (typeof() of each value as there), and a
round trip with no writes must give the original back, table by table and schema byte for byte.
The round trips run on the 100k-row sample (issue 12's "done when"); the other tests on 3,000."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from bwaincell_sample import POSTGRES_DDL, TABLES, create_sample
from helpers import migrate_db
from reverse_helpers import column_types, reverse_db, schema_sql, typed_row, typed_rows
from test_bwaincell import assert_same_rows

pytestmark = pytest.mark.integration

APP_ROLE = "bwaincell_app"
APP_PASSWORD = "app-secret-1"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reverse") / "bwaincell.sqlite"
    create_sample(path, rows=3000, seed=5)
    return path


@pytest.fixture(scope="module")
def sample_100k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reverse100k") / "bwaincell.sqlite"
    create_sample(path, rows=100_000, seed=5)
    return path


def changes_by_key(template: Path, new: Path) -> dict[str, dict[str, int]]:
    """What the module's ``changes`` must say, counted here in Python: rows (values and
    typeof()) by id only in new, in both but different, only in the template."""
    out = {}
    for table in TABLES:
        old, now = typed_rows(template, table), typed_rows(new, table)
        out[table] = {
            "inserted": len(now.keys() - old.keys()),
            "updated": sum(1 for k in now.keys() & old.keys() if now[k] != old[k]),
            "deleted": len(old.keys() - now.keys()),
        }
    return out


def sequences(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
    finally:
        conn.close()


def app_db(db: Any) -> Any:
    """The database as the application's role sees it (owner of nothing, DML only)."""
    db.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN "
        f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}'; END IF; END $$"
    )
    db.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    db.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")

    class AsApp:
        name = db.name

        def module_args(self) -> dict[str, Any]:
            return {**db.module_args(), "login_user": APP_ROLE, "login_password": APP_PASSWORD}

        def connect(self) -> Any:
            import psycopg2

            args = self.module_args()
            conn = psycopg2.connect(
                host=args["login_host"],
                port=args["port"],
                user=APP_ROLE,
                password=APP_PASSWORD,
                dbname=db.name,
            )
            conn.autocommit = True
            return conn

        def execute(self, sql: str, params: tuple[Any, ...] | None = None) -> None:
            conn = self.connect()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, params)
            finally:
                conn.close()

    return AsApp()


@pytest.mark.parametrize("app_tables", [True, False], ids=["sequelize-tables", "created-tables"])
def test_round_trip_without_writes_gives_the_original(
    pg_db: Any, sample_100k: Path, tmp_path: Path, app_tables: bool
) -> None:
    sample = sample_100k
    if app_tables:
        for statement in POSTGRES_DDL:
            pg_db.execute(statement)
    migrate_db(pg_db, sample)
    dest = tmp_path / "bwaincell.sqlite"
    result = reverse_db(pg_db, dest, sample)
    assert result["changed"] is True
    assert all(t["verified"] and t["rows"] == t["target_rows"] > 0 for t in result["tables"])
    assert [t["name"] for t in result["tables"]] == list(TABLES)
    assert schema_sql(dest) == schema_sql(sample)  # every CREATE statement byte for byte
    for table in TABLES:
        assert typed_rows(dest, table) == typed_rows(sample, table), table  # values and typeof()
    assert sequences(dest) == sequences(sample)
    assert result["changes"] == {"inserted": 0, "updated": 0, "deleted": 0, "not_compared": []}
    assert all(t["changes"] == {"inserted": 0, "updated": 0, "deleted": 0} for t in result["tables"])
    # the same digest both ways: the forward module's of the original equals the reverse's of the copy
    forward = {t["name"]: t["digest"] for t in migrate_db(pg_db, sample)["tables"]}
    assert forward == {t["name"]: t["digest"] for t in result["tables"]}
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_writes_on_postgresql_come_back_in_the_templates_forms(
    pg_db: Any, sample_100k: Path, tmp_path: Path
) -> None:
    sample = sample_100k
    for statement in POSTGRES_DDL:
        pg_db.execute(statement)
    migrate_db(pg_db, sample)
    app = app_db(pg_db)
    # A day of the application: inserts (ids from the sequences), updates, deletes.
    app.execute(
        "INSERT INTO users (discord_id, is_admin, role, preferences, avatar, created_at, updated_at) "
        "VALUES ('new-user', true, 'admin', '{\"theme\":  \"dark\"}', '\\x00ff', "
        "'2024-05-01 10:00:00.123+00', now()::timestamptz(3))"
    )
    new_user = pg_db.query("SELECT id FROM users WHERE discord_id = 'new-user'")[0][0]
    app.execute(
        "INSERT INTO tasks (id, user_id, title, completed, priority, estimate_hours, due_date, created_at, "
        "updated_at) VALUES ('6F9619FF-8B86-D011-B42D-00C04FC964FF', %s, 'new task', false, 'high', 2.5, "
        "'2024-06-01 12:00:00+00', '2024-05-01 10:00:00.5+00', '2024-05-01 10:00:00.5+00')",
        (new_user,),
    )
    app.execute(
        "INSERT INTO budget (user_id, type, category, amount, date, created_at, updated_at) "
        "VALUES (%s, 'income', 'salary', 1234.50, '2024-05-01', now()::timestamptz(3), "
        "now()::timestamptz(3))",
        (new_user,),
    )
    app.execute(
        "UPDATE tasks SET completed = true, completed_at = '2024-05-02 08:00:00.25+00' WHERE priority = 'low'"
    )
    app.execute(
        "UPDATE budget SET amount = amount + 0.01, description = E'tab\\there\\nnewline' "
        "WHERE id %% 7 = 0 AND user_id <> %s",
        (new_user,),
    )
    app.execute("DELETE FROM notes WHERE id % 5 = 0")
    top_reminder = pg_db.query("SELECT max(id) FROM reminders")[0][0]
    app.execute("DELETE FROM reminders WHERE id = %s", (top_reminder,))
    app.execute(
        "INSERT INTO reminders (user_id, message, frequency, time, active, created_at, updated_at) "
        "VALUES (1, 'remind me', 'daily', '09:30:00', true, now()::timestamptz(3), now()::timestamptz(3))"
    )
    app.execute("DELETE FROM reminders WHERE message = 'remind me'")  # its id is used, then deleted

    dest = tmp_path / "bwaincell.sqlite"
    result = reverse_db(app, dest, sample)
    assert all(t["verified"] for t in result["tables"])
    assert_same_rows(pg_db, dest)  # an independent reading of both sides, table by table
    # The writes since the cut-over, as the module counted them, against a count by key here.
    expected = changes_by_key(sample, dest)
    assert {t["name"]: t["changes"] for t in result["tables"]} == expected
    assert expected["users"]["inserted"] == expected["tasks"]["inserted"] == 1
    assert expected["tasks"]["updated"] > 0 and expected["budget"]["updated"] > 0
    assert expected["notes"]["deleted"] > 0 and expected["reminders"]["deleted"] == 1
    assert result["changes"] == {
        **{k: sum(c[k] for c in expected.values()) for k in ("inserted", "updated", "deleted")},
        "not_compared": [],
    }
    template_types = {t: column_types(sample, t) for t in TABLES}
    for table in TABLES:
        for column, kinds in column_types(dest, table).items():
            assert kinds <= template_types[table][column], (table, column, kinds)
    task = typed_row(
        dest, "tasks", "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )  # lower case, as PostgreSQL holds it
    assert task["created_at"] == ("2024-05-01 10:00:00.500 +00:00", "text")  # Sequelize's DATETIME
    assert task["due_date"] == ("2024-06-01 12:00:00.000 +00:00", "text")
    assert task["completed"] == (0, "integer")
    assert task["estimate_hours"] == (2.5, "real")
    user = typed_row(dest, "users", new_user)
    assert user["is_admin"] == (1, "integer")
    assert user["preferences"] == ('{"theme":  "dark"}', "text")  # json: the text as PostgreSQL holds it
    assert user["avatar"] == (b"\x00\xff", "blob")
    budget = typed_row(dest, "budget", pg_db.query("SELECT max(id) FROM budget")[0][0])
    assert budget["amount"] == (1234.5, "real")
    assert budget["date"] == ("2024-05-01", "text")
    # sqlite_sequence: past the highest id and past the id PostgreSQL gave and the row deleted
    seq = sequences(dest)
    assert seq["users"] == new_user
    assert seq["reminders"] == top_reminder + 1
    assert seq["notes"] == sequences(sample)["notes"]


def test_check_mode_leaves_dest_untouched(pg_db: Any, sample: Path, tmp_path: Path) -> None:
    migrate_db(pg_db, sample)
    dest = tmp_path / "bwaincell.sqlite"
    shutil.copy(sample, dest)
    pg_db.execute("DELETE FROM notes")
    before = (dest.read_bytes(), dest.stat().st_mtime_ns)
    result = reverse_db(pg_db, dest, sample, check_mode=True)
    assert result["changed"] is True
    assert all(t["verified"] for t in result["tables"])
    assert (dest.read_bytes(), dest.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bwaincell.sqlite"]


def test_dest_is_the_template_and_the_previous_file_is_kept(pg_db: Any, sample: Path, tmp_path: Path) -> None:
    dest = tmp_path / "bwaincell.sqlite"
    shutil.copy(sample, dest)
    migrate_db(pg_db, dest)
    pg_db.execute("UPDATE users SET name = 'renamed' WHERE id = 1")
    original = dest.read_bytes()
    dest.chmod(0o640)
    result = reverse_db(pg_db, dest, dest, backup=True)
    kept = Path(result["backup_file"])
    assert kept.read_bytes() == original
    assert dest.stat().st_mode & 0o777 == 0o640
    assert typed_row(dest, "users", 1)["name"] == ("renamed", "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bwaincell.sqlite", kept.name])


def test_a_symlinked_dest_replaces_the_file_it_names(pg_db: Any, sample: Path, tmp_path: Path) -> None:
    migrate_db(pg_db, sample)
    real = tmp_path / "data" / "bwaincell.sqlite"
    real.parent.mkdir()
    shutil.copy(sample, real)
    link = tmp_path / "current.sqlite"
    link.symlink_to(real)
    pg_db.execute("UPDATE users SET name = 'via link' WHERE id = 2")
    first = reverse_db(pg_db, link, sample, backup=True)
    second = reverse_db(pg_db, link, sample, backup=True)  # within the same second, most likely
    assert link.is_symlink() and link.resolve() == real
    assert typed_row(real, "users", 2)["name"] == ("via link", "text")
    assert first["dest"] == str(link)
    kept = {first["backup_file"], second["backup_file"]}
    assert len(kept) == 2 and all(Path(k).parent == real.parent for k in kept)
