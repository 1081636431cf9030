"""JSON that PostgreSQL refuses or takes only in part (issue 11, item 7), on both kinds of target.

A lone surrogate escape (\\ud800): json keeps the text as written and takes it,
jsonb refuses it (reported with its key, nothing written). Deep nesting:
PostgreSQL takes 5,000 levels (its limit is its stack, max_stack_depth: about
10,000 levels at the default 2 MB); the module loads them and verifies them,
and names the row PostgreSQL refuses at 100,000.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import make_sqlite, migrate_db, row_counts, run_failing

pytestmark = pytest.mark.integration

LONE = '{"note": "\\ud800"}'  # the JSON text: a backslash escape, not a character


def deep_array(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def deep_object(depth: int) -> str:
    return '{"a": ' * depth + '"x"' + "}" * depth


def _source(tmp_path: Any, declared: str, values: list[str]) -> str:
    rows = [(i, v) for i, v in enumerate(values, start=1)]
    return make_sqlite(
        tmp_path / "j.sqlite", f"CREATE TABLE t (id INTEGER PRIMARY KEY, b {declared});", {"t": rows}
    )


def _target(db: Any, kind: str, pg_type: str) -> None:
    if kind == "existing":
        db.execute(f"CREATE TABLE t (id integer PRIMARY KEY, b {pg_type})")


KINDS = ["existing", "created"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_lone_surrogate_escape_into_jsonb_is_reported_with_its_key(
    pg_db: Any, tmp_path: Any, kind: str
) -> None:
    _target(pg_db, kind, "jsonb")
    src = _source(tmp_path, "JSONB", ['{"ok": "\\ud83d\\ude00"}', LONE, '["\\udc00", 1]'])
    before = row_counts(pg_db)
    error = run_failing(pg_db, src)
    problems = [(p["table"], p["column"], p["key"]) for p in error.problems]
    assert problems == [("t", "b", {"id": "2"}), ("t", "b", {"id": "3"})]
    assert "\\ud800 is half of a surrogate pair" in error.problems[0]["reason"]
    assert "\\udc00 is half of a surrogate pair" in error.problems[1]["reason"]
    assert row_counts(pg_db) == before
    # PostgreSQL itself refuses it: the module does not refuse what it would take.
    with pytest.raises(Exception, match="surrogate"):
        pg_db.query("SELECT %s::jsonb", (LONE,))


@pytest.mark.parametrize("kind", KINDS)
def test_a_lone_surrogate_escape_into_json_is_kept_as_postgresql_does(
    pg_db: Any, tmp_path: Any, kind: str
) -> None:
    _target(pg_db, kind, "json")
    src = _source(tmp_path, "JSON", [LONE, '["\\udc00", 1]'])
    result = migrate_db(pg_db, src, verify="full")
    assert result["tables"][0]["verified"]
    assert pg_db.query("SELECT b::text FROM t ORDER BY id") == [(LONE,), ('["\\udc00", 1]',)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pg_type", ["json", "jsonb"])
def test_json_nested_5000_deep_is_loaded_and_verified(
    pg_db: Any, tmp_path: Any, kind: str, pg_type: str
) -> None:
    _target(pg_db, kind, pg_type)
    values = [deep_array(5000), deep_object(5000), '{"plain": [1, 2]}']
    src = _source(tmp_path, pg_type.upper(), values)
    result = migrate_db(pg_db, src, verify="full")
    assert result["tables"][0]["verified"] and result["tables"][0]["target_rows"] == 3
    for key, value in enumerate(values, start=1):
        # PostgreSQL's own text of the value, compared with what it stored.
        same = pg_db.query(f"SELECT b::text = %s::{pg_type}::text FROM t WHERE id = %s", (value, key))
        assert same == [(True,)], key


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("pg_type", ["json", "jsonb"])
def test_json_nested_100000_deep_is_reported_with_its_key(
    pg_db: Any, tmp_path: Any, kind: str, pg_type: str
) -> None:
    _target(pg_db, kind, pg_type)
    src = _source(tmp_path, pg_type.upper(), ['{"plain": 1}', deep_object(100_000)])
    before = row_counts(pg_db)
    error = run_failing(pg_db, src)
    assert [(p["table"], p["column"], p["key"]) for p in error.problems] == [("t", "b", {"id": "2"})]
    assert "stack depth limit exceeded" in error.problems[0]["reason"]
    assert "max_stack_depth" in error.problems[0]["reason"]  # the way through
    assert row_counts(pg_db) == before
