"""Every pair of column types the converters know, as a two-column table (issue 11, item 6).

A table mixes columns SQLite renders (the fast path) with columns Python
converts: (integer, jsonb) once crashed, the single rendered integer coming back
from SQLite as an int. Each pair is one table, NULLs and ordinary values, into
existing tables of those PostgreSQL types and into tables the module creates
from SQLite declared types (every target of ``type_rules.CAST_RULES``); the
module verifies the copy (verify=full) and the test compares PostgreSQL's text
of each stored value with its text of the value's literal.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from helpers import make_sqlite, migrate_db
from sqlite_pg.pg_types import BY_CATALOG as CONVERTER_BUILDERS  # catalog name -> registry entry
from sqlite_pg.type_rules import CAST_RULES, postgres_type

pytestmark = pytest.mark.integration

# typname -> (PostgreSQL type of the existing column, SQLite declared type,
#             two ordinary values as (SQLite value, PostgreSQL literal)).
TYPES: dict[str, tuple[str, str, list[tuple[object, str]]]] = {
    "bool": ("boolean", "BOOLEAN", [(1, "true"), (0, "false")]),
    "int2": ("smallint", "SMALLINT", [(7, "7"), (-32768, "-32768")]),
    "int4": ("integer", "INTEGER", [(42, "42"), (2147483647, "2147483647")]),
    "int8": ("bigint", "BIGINT", [(9007199254740993, "9007199254740993"), (-1, "-1")]),
    "numeric": ("numeric(10,2)", "DECIMAL(10,2)", [(12.5, "12.5"), (3, "3")]),
    "float4": ("real", "REAL", [(1.5, "1.5"), (0.25, "0.25")]),
    "float8": ("double precision", "DOUBLE", [(0.1, "0.1"), (1e20, "1e20")]),
    "text": ("text", "TEXT", [("plain", "plain"), ("tab\there é", "tab\there é")]),
    "varchar": ("varchar(20)", "VARCHAR(20)", [("abc", "abc"), ("é", "é")]),
    "bpchar": ("char(3)", "CHAR(3)", [("ab", "ab"), ("xyz", "xyz")]),
    "name": ("name", "TEXT", [("alice", "alice"), ("pg_class", "pg_class")]),
    "citext": ("citext", "TEXT", [("MiXed", "MiXed"), ("x", "x")]),
    "uuid": (
        "uuid",
        "UUID",
        [
            ("ee031eb1-e607-4a41-bb75-fccdaf49b138", "ee031eb1-e607-4a41-bb75-fccdaf49b138"),
            ("7A918783-457B-465A-9924-93753399DCEC", "7a918783-457b-465a-9924-93753399dcec"),
        ],
    ),
    "json": ("json", "JSON", [('{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}'), ('"é"', '"é"')]),
    "jsonb": ("jsonb", "JSONB", [('{"b": 1, "a": 2}', '{"b": 1, "a": 2}'), ("[1, 2.50]", "[1, 2.50]")]),
    "timestamptz": (
        "timestamptz",
        "DATETIME",
        [
            ("2024-04-19 02:51:06.990 +00:00", "2024-04-19 02:51:06.99+00"),
            ("2024-02-29 00:00:00.000 +00:00", "2024-02-29 00:00:00+00"),
        ],
    ),
    "timestamp": (
        "timestamp",
        "DATETIME",
        [
            ("2024-04-19 02:51:06.990 +00:00", "2024-04-19 02:51:06.99"),
            ("2024-02-29 00:00:00.000 +00:00", "2024-02-29 00:00:00"),
        ],
    ),
    "date": ("date", "DATE", [("2024-03-21", "2024-03-21"), ("2000-02-29", "2000-02-29")]),
    "time": ("time", "TIME", [("11:02:00", "11:02:00"), ("23:59:59", "23:59:59")]),
    "bytea": ("bytea", "BLOB", [(b"\x00\xff", "\\x00ff"), (b"", "\\x")]),
    # Django's DurationField (microseconds, declared bigint) and SQLAlchemy's Interval
    # (a timestamp after the epoch, text that INTEGER affinity keeps).
    "interval": (
        "interval",
        "BIGINT",
        [(5_500_000, "00:00:05.5"), ("1970-01-02 01:00:00.000000", "1 day 01:00:00")],
    ),
    "enum": ("mood", "TEXT", [("low", "low"), ("high", "high")]),
}

# For created tables: a SQLite declared type per target of the casting rules
# (the target as the rule writes it -> declared type, the typname of TYPES it gets).
CREATED: dict[str, tuple[str, str]] = {
    "boolean": ("BOOLEAN", "bool"),
    "uuid": ("UUID", "uuid"),
    "timestamp with time zone": ("DATETIME", "timestamptz"),
    "date": ("DATE", "date"),
    "time without time zone": ("TIME", "time"),
    "json": ("JSON", "json"),
    "jsonb": ("JSONB", "jsonb"),
    "varchar({1})": ("VARCHAR(20)", "varchar"),
    "numeric({1},{2})": ("DECIMAL(10,2)", "numeric"),
    "numeric({1})": ("DECIMAL(12)", "int4"),  # the values: integers
    "numeric": ("NUMERIC", "numeric"),
    "double precision": ("DOUBLE", "float8"),
    "bigint": ("BIGINT", "int8"),
    "smallint": ("SMALLINT", "int2"),
    "integer": ("INTEGER", "int4"),
    "text": ("TEXT", "text"),
    "bytea": ("BLOB", "bytea"),
}


def test_the_tables_cover_every_converter_and_casting_rule() -> None:
    assert set(TYPES) == set(CONVERTER_BUILDERS) | {"enum"}
    assert set(CREATED) == {rule.target for rule in CAST_RULES}
    for target, (declared, _kind) in CREATED.items():
        assert postgres_type(declared).split("(")[0] == target.split("(")[0], declared


def _rows(kind_a: str, kind_b: str) -> list[tuple[object, object]]:
    (a1, _), (a2, _) = TYPES[kind_a][2]
    (b1, _), (b2, _) = TYPES[kind_b][2]
    return [(a1, b1), (a2, None), (None, b2), (None, None)]


def _literal_text(
    db: Any, cache: dict[tuple[str, str], str], kind: str, pg_type: str, value: object
) -> str | None:
    """PostgreSQL's own text of the value's literal, cast to the column type."""
    if value is None:
        return None
    literal = next(lit for v, lit in TYPES[kind][2] if v == value)
    if (pg_type, literal) not in cache:
        cache[(pg_type, literal)] = db.query(f"SELECT %s::{pg_type}::text", (literal,))[0][0]
    return cache[(pg_type, literal)]


def _sorted(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda r: tuple("\0" if v is None else v for v in r))


def _pairs(kinds: list[str]) -> list[tuple[str, str]]:
    # Unordered: the copy puts the columns SQLite renders first whatever their order.
    return list(itertools.combinations_with_replacement(kinds, 2))


def _check(db: Any, result: dict[str, Any], tables: dict[str, tuple[str, str, str, str]]) -> None:
    got = {t["name"]: t for t in result["tables"]}
    assert set(got) == set(tables)
    cache: dict[tuple[str, str], str] = {}
    for name, (kind_a, type_a, kind_b, type_b) in tables.items():
        assert got[name]["verified"] and got[name]["target_rows"] == 4, name
        expected = [
            (_literal_text(db, cache, kind_a, type_a, a), _literal_text(db, cache, kind_b, type_b, b))
            for a, b in _rows(kind_a, kind_b)
        ]
        stored = [tuple(r) for r in db.query(f'SELECT a::text, b::text FROM "{name}"')]
        assert _sorted(stored) == _sorted(expected), name


def test_every_pair_into_existing_tables(pg_db: Any, tmp_path: Any) -> None:
    pg_db.execute("CREATE EXTENSION citext")
    pg_db.execute("CREATE TYPE mood AS ENUM ('low', 'high')")
    script = []
    ddl = []
    rows = {}
    tables = {}
    for kind_a, kind_b in _pairs(list(TYPES)):
        name = f"e_{kind_a}_{kind_b}"
        type_a, declared_a, _ = TYPES[kind_a]
        type_b, declared_b, _ = TYPES[kind_b]
        ddl.append(f'CREATE TABLE "{name}" (a {type_a}, b {type_b});')
        script.append(f'CREATE TABLE "{name}" (a {declared_a}, b {declared_b});')
        rows[name] = _rows(kind_a, kind_b)
        tables[name] = (kind_a, type_a, kind_b, type_b)
    pg_db.execute("\n".join(ddl))
    src = make_sqlite(tmp_path / "pairs.sqlite", "\n".join(script), rows)
    result = migrate_db(pg_db, src, verify="full")
    _check(pg_db, result, tables)


def test_every_pair_into_created_tables(pg_db: Any, tmp_path: Any) -> None:
    script = []
    rows = {}
    tables = {}
    targets = list(CREATED)
    for index_a, index_b in _pairs(list(range(len(targets)))):
        declared_a, kind_a = CREATED[targets[index_a]]
        declared_b, kind_b = CREATED[targets[index_b]]
        name = f"c_{index_a}_{index_b}"
        script.append(f'CREATE TABLE "{name}" (a {declared_a}, b {declared_b});')
        rows[name] = _rows(kind_a, kind_b)
        tables[name] = (kind_a, postgres_type(declared_a), kind_b, postgres_type(declared_b))
    src = make_sqlite(tmp_path / "pairs.sqlite", "\n".join(script), rows)
    result = migrate_db(pg_db, src, verify="full")
    assert all(t["created"] for t in result["tables"])
    _check(pg_db, result, tables)
