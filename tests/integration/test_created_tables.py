"""Kind (b): tables that do not exist yet are created from the SQLite schema."""

from __future__ import annotations

import pytest
from helpers import make_sqlite, migrate_db, run_failing, user_tables

pytestmark = pytest.mark.integration

SEQUELIZE = """
CREATE TABLE `users` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `name` VARCHAR(20) NOT NULL UNIQUE,
  `is_admin` TINYINT(1) NOT NULL DEFAULT 0, `active` TINYINT(1) DEFAULT 1, `role` TEXT DEFAULT 'user',
  `balance` DECIMAL(10,2) DEFAULT 0, `rating` FLOAT, `prefs` JSON, `avatar` BLOB, `born` DATE,
  `alarm` TIME, `uid` UUID, `created_at` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `updated_at` DATETIME DEFAULT (datetime('now')));
CREATE TABLE `posts` (`id` UUID NOT NULL PRIMARY KEY, `user_id` INTEGER NOT NULL REFERENCES `users` (`id`)
  ON DELETE CASCADE ON UPDATE CASCADE, `title` VARCHAR(200) NOT NULL, `created_at` DATETIME NOT NULL);
CREATE INDEX `posts_user_id` ON `posts` (`user_id`);
CREATE UNIQUE INDEX `posts_title_user` ON `posts` (`title`, `user_id`);
"""

USERS = [
    (1, "ann", 1, 0, "admin", 12.5, 0.1, '{"theme":"dark","n":[1,2]}', b"\x89PNG\x00", "2000-02-29",
     "11:02:00", "ee031eb1-e607-4a41-bb75-fccdaf49b138", "2024-04-19 02:51:06.990 +00:00",
     "2024-04-19 02:51:06.990 +00:00"),
    (2, "bob", 0, 1, "user", 0, None, None, None, None, None, None, 1713495066, 1713495066990),
    (7, "cé", 0, None, "user", 3, 2.5, "[]", b"", "2024-03-21", "23:59:59", None,
     "2024-04-19T02:51:06Z", "2024-04-19 04:51:06.123 +02:00"),
]  # fmt: skip
POSTS = [
    ("7a918783-457b-465a-9924-93753399dcec", 1, "hello", "2024-04-19 02:51:06.990 +00:00"),
    ("6a1ef2e4-1ce7-4d90-b687-338bc67c66d9", 7, "world", "2024-04-19 02:51:07.000 +00:00"),
]


@pytest.fixture
def app_db(tmp_path) -> str:
    src = make_sqlite(tmp_path / "app.sqlite", SEQUELIZE, {"users": USERS, "posts": POSTS})
    import sqlite3

    conn = sqlite3.connect(src)  # ids 8..20 were used and deleted: AUTOINCREMENT never reuses them
    conn.execute("UPDATE sqlite_sequence SET seq = 20 WHERE name = 'users'")
    conn.commit()
    conn.close()
    return src


def column_types(db, table: str) -> dict[str, tuple]:
    rows = db.query(
        "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity "
        "FROM information_schema.columns WHERE table_name = %s",
        (table,),
    )
    return {r[0]: r[1:] for r in rows}


def test_schema_types_defaults_keys(pg_db, app_db: str) -> None:
    result = migrate_db(pg_db, app_db)
    assert [t["name"] for t in result["tables"]] == ["users", "posts"]  # foreign-key order
    assert all(t["created"] and t["verified"] for t in result["tables"])
    users = column_types(pg_db, "users")
    assert users["is_admin"][:1] == ("boolean",) and users["is_admin"][2] == "NO"
    assert users["name"][:2] == ("character varying", 20)
    assert users["balance"][0] == "numeric"
    assert users["rating"][0] == "double precision"
    assert users["prefs"][0] == "json"
    assert users["avatar"][0] == "bytea"
    assert users["born"][0] == "date"
    assert users["alarm"][0] == "time without time zone"
    assert users["uid"][0] == "uuid"
    assert users["created_at"][0] == "timestamp with time zone"
    assert users["id"][4] == "YES"  # identity
    for column in ("created_at", "updated_at"):
        assert users[column][3] == "CURRENT_TIMESTAMP"  # translated, never the string datetime('now')
    assert users["is_admin"][3] == "false"
    assert users["role"][3] == "'user'::text"
    constraints = {
        r[0]
        for r in pg_db.query(
            "SELECT contype::text || ':' || conrelid::regclass::text FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace"
        )
    }
    assert {"p:users", "u:users", "p:posts", "f:posts"} <= constraints
    indexes = {r[0] for r in pg_db.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert {"posts_user_id", "posts_title_user"} <= indexes


def test_values_read_back_and_app_keeps_writing(pg_db, app_db: str) -> None:
    migrate_db(pg_db, app_db)
    rows = pg_db.query(
        "SELECT id, is_admin, active, balance::text, rating, prefs::text, avatar, born::text, alarm::text, "
        "uid::text, created_at::text, updated_at::text FROM users ORDER BY id"
    )
    pg_db.execute("SET TIME ZONE 'UTC'")
    ann, bob, ce = rows
    assert ann[1:4] == (True, False, "12.50")
    assert ann[4] == 0.1
    assert ann[5] == '{"theme":"dark","n":[1,2]}'  # json: the text as the app wrote it, keys in its order
    assert bytes(ann[6]) == b"\x89PNG\x00"
    assert ann[7:10] == ("2000-02-29", "11:02:00", "ee031eb1-e607-4a41-bb75-fccdaf49b138")
    # epoch seconds and milliseconds are instants, not years (pgloader #1314)
    utc = pg_db.query(
        "SELECT created_at AT TIME ZONE 'UTC', updated_at AT TIME ZONE 'UTC' FROM users WHERE id = 2"
    )[0]
    assert str(utc[0]) == "2024-04-19 02:51:06"
    assert str(utc[1]) == "2024-04-19 02:51:06.990000"
    offset = pg_db.query("SELECT updated_at AT TIME ZONE 'UTC' FROM users WHERE id = 7")[0][0]
    assert str(offset) == "2024-04-19 02:51:06.123000"
    assert bob[2] is True and ce[2] is None
    # the application keeps writing: ids continue past SQLite's AUTOINCREMENT high-water mark
    new_id = pg_db.query(
        "INSERT INTO users (name) VALUES ('new') RETURNING id, is_admin, created_at IS NOT NULL"
    )
    assert new_id == [(21, False, True)]
    assert pg_db.query("SELECT count(*) FROM users WHERE is_admin = true") == [(1,)]  # pgloader #559


def test_second_run_changes_nothing(pg_db, app_db: str) -> None:
    assert migrate_db(pg_db, app_db)["changed"] is True
    again = migrate_db(pg_db, app_db)
    assert again["changed"] is False
    assert all(t["action"] == "unchanged" and t["verified"] for t in again["tables"])


def test_check_mode_writes_nothing(pg_db, app_db: str) -> None:
    result = migrate_db(pg_db, app_db, check_mode=True)
    assert result["changed"] is True
    assert all(t["verified"] for t in result["tables"])
    assert user_tables(pg_db) == []


QUOTING = """
CREATE TABLE `order` (`select` INTEGER PRIMARY KEY, `Group` TEXT, `user name` VARCHAR(10), "quo""te" TEXT);
CREATE TABLE `Mixed Case` (`Id` INTEGER NOT NULL, `Value` TEXT, PRIMARY KEY (`Id`));
CREATE TABLE `empty` (`id` INTEGER PRIMARY KEY, `x` TEXT);
CREATE TABLE `no_pk` (`a` INTEGER, `b` TEXT, `c` WEIRD TYPE (1, 2));
"""


def test_identifiers_empty_tables_and_tables_without_key(pg_db, tmp_path) -> None:
    rows = {
        "order": [(1, "g", "ann", 'a"b'), (2, None, None, None)],
        "Mixed Case": [(1, "x")],
        "no_pk": [(1, "dup", 5), (1, "dup", 5), (None, None, None)],
    }
    src = make_sqlite(tmp_path / "q.sqlite", QUOTING, rows)
    result = migrate_db(pg_db, src)
    by_name = {t["name"]: t for t in result["tables"]}
    assert by_name["empty"]["source_rows"] == 0 and by_name["empty"]["verified"]
    assert by_name["no_pk"]["target_rows"] == 3
    assert set(user_tables(pg_db)) == {"order", "Mixed Case", "empty", "no_pk"}
    assert pg_db.query('SELECT "select", "Group", "user name", "quo""te" FROM "order" ORDER BY 1')[0] == (
        1, "g", "ann", 'a"b',
    )  # fmt: skip
    assert migrate_db(pg_db, src)["changed"] is False
    # a duplicate row more in the target is a difference the digest sees
    pg_db.execute("INSERT INTO no_pk VALUES (1, 'dup', 5)")
    error = run_failing(pg_db, src)
    assert "no_pk: 1 row(s) differ" in error.msg


def test_large_blobs(pg_db, tmp_path) -> None:
    blobs = [bytes([i]) * (4 << 20) + bytes(range(256)) for i in range(3)]
    src = make_sqlite(
        tmp_path / "b.sqlite", "CREATE TABLE files (id INTEGER PRIMARY KEY, data BLOB);",
        {"files": [(i + 1, b) for i, b in enumerate(blobs)]},
    )  # fmt: skip
    result = migrate_db(pg_db, src)
    assert result["tables"][0]["verified"]
    got = pg_db.query("SELECT data FROM files ORDER BY id")
    assert [bytes(r[0]) for r in got] == blobs


def test_missing_table_without_create_missing(pg_db, app_db: str) -> None:
    error = run_failing(pg_db, app_db, create_missing=False)
    assert "users: table does not exist in PostgreSQL (create_missing is false)" in error.msg
    assert user_tables(pg_db) == []


def test_tables_and_exclude_tables(pg_db, app_db: str) -> None:
    result = migrate_db(pg_db, app_db, tables=["users", "posts"], exclude_tables=["posts"])
    assert [t["name"] for t in result["tables"]] == ["users"]
    assert user_tables(pg_db) == ["users"]
    error = run_failing(pg_db, app_db, tables=["nope"])
    assert "tables: no table nope in the SQLite database (its tables are: posts, users)" in error.msg


def test_invalid_json_is_collected_before_anything_is_written(pg_db, tmp_path) -> None:
    """A created json column is checked as JSON (not as text): each bad document
    is named, none reaches PostgreSQL."""
    rows = [(1, '{"ok": true}'), (2, '{"a": 1,'), (3, "[1, 2]"), (4, "not json"), (5, '{"dup": 1, "dup": 2}')]
    src = make_sqlite(
        tmp_path / "j.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSON);", {"t": rows}
    )
    error = run_failing(pg_db, src)
    assert [(p["column"], p["key"], p["reason"][:12]) for p in error.problems] == [
        ("doc", {"id": "2"}, "invalid JSON"),
        ("doc", {"id": "4"}, "invalid JSON"),
    ]
    assert user_tables(pg_db) == []
    good = make_sqlite(
        tmp_path / "g.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, doc JSON);", {"t": rows[::2]}
    )
    migrate_db(pg_db, good)
    assert pg_db.query("SELECT doc::text FROM t WHERE id = 5") == [
        ('{"dup": 1, "dup": 2}',)
    ]  # json keeps both


def test_keys_built_after_the_load_refuse_duplicates_the_conversion_makes(pg_db, tmp_path) -> None:
    """SQLite keeps 'ABC…' and 'abc…' apart, a uuid column does not: the primary
    key, added after the load, names the value and nothing is committed."""
    upper = "EE031EB1-E607-4A41-BB75-FCCDAF49B138"
    rows = [(upper, "a"), (upper.lower(), "b")]
    src = make_sqlite(tmp_path / "k.sqlite", "CREATE TABLE k (id UUID PRIMARY KEY, v TEXT);", {"k": rows})
    error = run_failing(pg_db, src)
    assert 'ADD PRIMARY KEY ("id")' in error.msg and "is duplicated" in error.msg, error.msg
    assert upper.lower() in error.msg
    assert user_tables(pg_db) == []
    keys = pg_db.query("SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u')")
    migrate_db(
        pg_db,
        make_sqlite(tmp_path / "ok.sqlite", "CREATE TABLE k (id UUID PRIMARY KEY, v TEXT);", {"k": rows[1:]}),
    )
    assert (
        pg_db.query("SELECT count(*) FROM pg_constraint WHERE contype IN ('p', 'u')")[0][0] == keys[0][0] + 1
    )


def test_created_tables_are_loaded_frozen(pg_db, app_db: str) -> None:
    """COPY FREEZE into the tables the run created: committed, their pages are
    all-visible and all-frozen (no later vacuum has to rewrite a freshly loaded
    database to freeze it, and index-only scans work at once)."""
    migrate_db(pg_db, app_db)
    pg_db.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
    for table in ("users", "posts"):
        pages = pg_db.query(f"SELECT relpages FROM pg_class WHERE relname = '{table}'")[0][0]
        summary = pg_db.query(f"SELECT all_visible, all_frozen FROM pg_visibility_map_summary('{table}')")
        assert pages >= 1 and summary == [(pages, pages)], (table, pages, summary)
