"""SQLite schema reading, foreign-key order, quoting, COPY text helpers, reports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_pg.copy_text import RowDigest, escape, split_line
from sqlite_pg.ddl import table_ddl
from sqlite_pg.errors import MigrationError, Problem, ProblemLimitReached, ProblemLog, excerpt
from sqlite_pg.identifiers import qualified, quote_ident
from sqlite_pg.ordering import fk_order
from sqlite_pg.sqlite_source import SqliteSource

SCHEMA = """
CREATE TABLE `users` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `email` VARCHAR(255) UNIQUE,
  `created_at` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE `posts` (`id` UUID NOT NULL PRIMARY KEY,
  `user_id` INTEGER REFERENCES `users` (`id`) ON DELETE CASCADE,
  `editor_id` INTEGER REFERENCES `users` (`id`) ON DELETE SET NULL,
  `title` VARCHAR(20));
CREATE INDEX `posts_title` ON `posts` (`title`);
CREATE INDEX `posts_partial` ON `posts` (`title`) WHERE `title` IS NOT NULL;
CREATE INDEX `posts_expr` ON `posts` (lower(`title`));
"""


@pytest.fixture
def source(tmp_path: Path) -> SqliteSource:
    path = tmp_path / "s.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.execute("INSERT INTO users (id, email) VALUES (1, 'a@b')")
    conn.execute("INSERT INTO posts VALUES ('p1', 1, 2, 't')")  # editor 2 does not exist
    conn.commit()
    conn.close()
    return SqliteSource(str(path))


def test_reads_the_schema_as_sqlite_reports_it(source: SqliteSource) -> None:
    assert source.table_names() == ["posts", "users"]  # sqlite_sequence left out
    users = source.read_table("users")
    assert users.primary_key == ["id"] and users.autoincrement and users.rowid_alias == "id"
    assert [i.origin for i in users.indexes] == ["u"]
    posts = source.read_table("posts")
    assert posts.rowid_alias is None
    # in PRAGMA foreign_key_list id order (SQLite numbers them from the last declared)
    assert [(k.columns, k.parent, k.on_delete) for k in posts.foreign_keys] == [
        (("editor_id",), "users", "SET NULL"),
        (("user_id",), "users", "CASCADE"),
    ]
    dangling = source.dangling_references("posts")
    # foreign_key_check's fk id indexes that list
    assert [posts.foreign_keys[row[3]].columns for row in dangling] == [("editor_id",)]
    assert source.sequence_value("users") == 1


def test_ddl_keeps_keys_and_leaves_out_what_it_cannot_translate(source: SqliteSource) -> None:
    ddl = table_ddl("app", source.read_table("posts"), set(), {"posts", "users"})
    assert ddl.create.startswith('CREATE TABLE "app"."posts" (\n  "id" uuid NOT NULL')
    assert "PRIMARY KEY" not in ddl.create  # built once after the load
    assert ddl.keys == ['ALTER TABLE "app"."posts" ADD PRIMARY KEY ("id")']
    users = table_ddl("app", source.read_table("users"), set(), {"posts", "users"}).keys
    assert users == [
        'ALTER TABLE "app"."users" ADD PRIMARY KEY ("id")',
        'ALTER TABLE "app"."users" ADD UNIQUE ("email")',
    ]
    assert 'CREATE INDEX "posts_title" ON "app"."posts" ("title")' in ddl.after_load
    assert len(ddl.warnings) == 2  # the partial and the expression index
    fks = sorted(s for s in ddl.after_load if "FOREIGN KEY" in s)
    assert fks[1].endswith('("user_id") REFERENCES "app"."users" ("id") ON DELETE CASCADE')
    alone = table_ddl("public", source.read_table("posts"), set(), {"posts"})
    assert not any("FOREIGN KEY" in s for s in alone.after_load)
    assert any("not migrated" in w for w in alone.warnings)


def test_source_errors(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="does not exist"):
        SqliteSource(str(tmp_path / "none.sqlite"))
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(MigrationError, match="not a regular file"):
        SqliteSource(str(tmp_path / "dir.sqlite"))


def test_fk_order_parents_first_and_cycles_last() -> None:
    order, cycle = fk_order(["c", "b", "a"], {"c": {"b"}, "b": {"a"}, "a": {"a"}})
    assert order == ["a", "b", "c"] and cycle == []
    order, cycle = fk_order(["x", "y", "z"], {"x": {"y"}, "y": {"x"}})
    assert order == ["z", "x", "y"] and cycle == ["x", "y"]


def test_identifiers_are_always_quoted() -> None:
    assert quote_ident("order") == '"order"'
    assert quote_ident('quo"te') == '"quo""te"'
    assert qualified("public", "Mixed Case") == '"public"."Mixed Case"'
    with pytest.raises(ValueError):
        quote_ident("nul\x00")


def test_copy_text_helpers() -> None:
    assert split_line(escape("a\tb\\n") + "\t\\N\n") == ["a\tb\\n", None]
    one, two = RowDigest(), RowDigest()
    for line in (b"1\n", b"2\n", b"2\n"):
        one.add(line)
    for line in (b"2\n", b"1\n", b"2\n"):
        two.add(line)
    assert one == two and one.count == 3  # order-independent, duplicates counted
    two.add(b"3\n")
    assert one != two


def test_problem_log_and_excerpts() -> None:
    log = ProblemLog(limit=2)
    log.add(Problem("t", "bad", "c", {"id": "1"}, excerpt("x" * 100)))
    with pytest.raises(ProblemLimitReached):
        log.add(Problem("t", "bad", "c", {"id": "2"}, excerpt(b"caf\xe9")))
    assert "t.c [id=1]: bad: 'xxxx" in log.summary()
    assert "(100 chars)" in log.summary()
    assert log.items[1].value == "b'caf\\xe9'"
