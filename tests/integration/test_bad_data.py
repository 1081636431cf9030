"""Bad data never half-loads: each defect is reported (table, column, key, excerpt)
and the target is exactly as before, on both kinds of target."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from bwaincell_sample import POSTGRES_DDL, create_sample
from helpers import make_sqlite, migrate_db, row_counts, run_failing, user_tables

pytestmark = pytest.mark.integration

# defect -> (table, column, reason fragment, SQL finding the defect row's key in SQLite, key column)
DEFECT_REPORTS = {
    "varchar": ("tasks", "title", "260 characters, longer than character varying(200)",
                "SELECT id FROM tasks WHERE length(title) = 260"),
    "uuid": ("tasks", "id", "not a UUID", "SELECT id FROM tasks WHERE id = 'not-a-uuid-0001'"),
    "enum": ("tasks", "priority", "not a label of enum", "SELECT id FROM tasks WHERE priority = 'urgent'"),
    "date": ("budget", "date", "not a date", "SELECT id FROM budget WHERE category = 'defect'"),
    "integer": ("reminders", "day_of_week", "text in an integer",
                "SELECT id FROM reminders WHERE message = 'defect'"),
    "nul": ("notes", "content", "NUL byte", "SELECT id FROM notes WHERE title = 'defect'"),
    "utf8": ("notes", "content", "invalid UTF-8", "SELECT id FROM notes WHERE title = 'defect'"),
    "fk": ("tasks", "list_id", "foreign key points at no row of lists",
           "SELECT t.id FROM tasks t LEFT JOIN lists l ON l.id = t.list_id "
           "WHERE t.list_id IS NOT NULL AND l.id IS NULL"),
    "boolean": ("tasks", "completed", "not a boolean", "SELECT id FROM tasks WHERE completed = 2"),
}  # fmt: skip


@pytest.fixture(scope="module")
def defect_dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("defects")
    paths = {}
    for defect in DEFECT_REPORTS:
        paths[defect] = base / f"{defect}.sqlite"
        create_sample(paths[defect], rows=400, seed=9, defects=[defect])
    return paths


def expected_key(path: Path, sql: str) -> str:
    conn = sqlite3.connect(path)
    rows = conn.execute(sql).fetchall()
    conn.close()
    assert len(rows) == 1
    return str(rows[0][0])


def app_tables(db) -> None:
    db.execute(POSTGRES_DDL if isinstance(POSTGRES_DDL, str) else ";\n".join(POSTGRES_DDL))


# An enum defect exists only against the application's tables: SQLite has no
# enum type, so a table the module creates keeps the column as text.
DEFECT_CASES = [
    (defect, target)
    for defect in DEFECT_REPORTS
    for target in ("application tables", "empty database")
    if not (defect == "enum" and target == "empty database")
]


@pytest.mark.parametrize(("defect", "target"), DEFECT_CASES)
def test_defect_is_reported_and_nothing_is_written(pg_db, defect_dbs, defect: str, target: str) -> None:
    table, column, reason, key_sql = DEFECT_REPORTS[defect]
    if target == "application tables":
        app_tables(pg_db)
    before = row_counts(pg_db)
    error = run_failing(pg_db, str(defect_dbs[defect]))
    assert row_counts(pg_db) == before
    assert "nothing was written" in error.msg
    assert len(error.problems) == 1, error.problems
    problem = error.problems[0]
    assert (problem["table"], problem["column"]) == (table, column)
    assert reason in problem["reason"]
    assert problem["key"] == {"id": expected_key(defect_dbs[defect], key_sql)}
    assert f"{table}.{column} [id={problem['key']['id']}]" in error.msg
    if defect not in ("fk",):
        assert problem["value"]  # an excerpt of the value


def test_ways_through_widen_varchar_and_strip_nul(pg_db, tmp_path: Path) -> None:
    src = tmp_path / "both.sqlite"
    create_sample(src, rows=300, seed=4, defects=["varchar", "nul"])
    app_tables(pg_db)
    result = migrate_db(pg_db, str(src), widen_varchar=True, strip_nul=True)
    assert all(t["verified"] for t in result["tables"])
    assert any('ALTER COLUMN "title" TYPE text' in d for d in result["ddl"])
    assert pg_db.query("SELECT max(length(title)) FROM tasks") == [(260,)]
    assert pg_db.query("SELECT content FROM notes WHERE title = 'defect'") == [("beforeafter",)]
    assert migrate_db(pg_db, str(src), widen_varchar=True, strip_nul=True)["changed"] is False


def test_problems_are_collected_up_to_max_problems(pg_db, tmp_path: Path) -> None:
    rows = [(i, "x" * (5 + i % 3), "2024-99-01" if i % 2 else "2024-01-01") for i in range(1, 101)]
    src = make_sqlite(
        tmp_path / "many.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s VARCHAR(5), d DATE);",
        {"t": rows},
    )
    error = run_failing(pg_db, src, max_problems=7)
    assert len(error.problems) == 7
    assert "stopped at max_problems=7" in error.msg
    error = run_failing(pg_db, src)
    assert len(error.problems) == 50  # the default limit
    assert {p["column"] for p in error.problems} == {"s", "d"}
    assert user_tables(pg_db) == []


def test_not_null_violation_in_source(pg_db, tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "nn.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);",
        {"t": [(1, None), (2, 2)]},
    )
    pg_db.execute("CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL)")
    error = run_failing(pg_db, src)
    expected = {"table": "t", "column": "v", "key": {"id": "1"}, "reason": "NULL in a NOT NULL column"}
    assert error.problems == [{**expected, "value": None}]


@pytest.mark.parametrize("existing", [False, True])
def test_null_primary_key_is_named_by_its_rowid(pg_db, tmp_path: Path, existing: bool) -> None:
    """SQLite allows NULL in a non-INTEGER PRIMARY KEY of a rowid table: such a
    row is named by its rowid, as a NULL in a primary key column, and so is a bad
    value in another column of it."""
    src = make_sqlite(
        tmp_path / "nullpk.sqlite",
        "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, d DATE);",
        {"t": [(None, 1, "2024-01-01"), ("a", 2, "2024-01-02"), (None, 3, "2024-99-01")]},
    )
    if existing:
        pg_db.execute("CREATE TABLE t (id text PRIMARY KEY, n integer, d date)")
    error = run_failing(pg_db, src)
    null_key = [p for p in error.problems if p["column"] == "id"]
    assert [p["key"] for p in null_key] == [{"rowid": "1"}, {"rowid": "3"}]
    assert all(p["reason"].startswith("NULL in a primary key column") for p in null_key)
    assert "t.id [rowid=1]: NULL in a primary key column" in error.msg
    bad_date = [p for p in error.problems if p["column"] == "d"]
    assert [p["key"] for p in bad_date] == [{"rowid": "3"}]
    assert "None" not in error.msg
    assert user_tables(pg_db) == (["t"] if existing else [])


def test_schema_mismatch_with_existing_tables(pg_db, tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "s.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, legacy TEXT, v TEXT);",
        {"t": [(1, "old", "a")]},
    )
    pg_db.execute("CREATE TABLE t (id serial PRIMARY KEY, v text, required text NOT NULL)")
    error = run_failing(pg_db, src)
    reasons = {(p["column"], p["reason"].split(" (")[0]) for p in error.problems}
    assert ("legacy", "column has no column of that name in the PostgreSQL table") in reasons
    assert (
        "required",
        "target column is NOT NULL without a default and the SQLite table has no such column",
    ) in reasons
    pg_db.execute("ALTER TABLE t ALTER COLUMN required SET DEFAULT 'x'")
    result = migrate_db(pg_db, src, exclude_columns=["t.legacy"])
    assert result["tables"][0]["verified"]
    assert pg_db.query("SELECT id, v, required FROM t") == [(1, "a", "x")]
    assert pg_db.query("SELECT nextval(pg_get_serial_sequence('t', 'id'))") == [(2,)]


def test_copy_error_from_postgres_names_table_row_and_column(pg_db, tmp_path: Path) -> None:
    src = make_sqlite(
        tmp_path / "c.sqlite",
        "CREATE TABLE budget (id INTEGER PRIMARY KEY, amount DECIMAL(10,2));",
        {"budget": [(1, 5.0), (2, -3.0), (3, 1.0)]},
    )
    pg_db.execute("CREATE TABLE budget (id serial PRIMARY KEY, amount numeric(10,2) CHECK (amount > 0))")
    error = run_failing(pg_db, src)
    assert error.problems[0]["table"] == "budget"
    assert error.problems[0]["key"] == {"id": "2"}
    assert "check constraint" in error.problems[0]["reason"]
    assert pg_db.query("SELECT count(*) FROM budget") == [(0,)]
