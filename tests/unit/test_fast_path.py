"""The fast path (SQLite assembles the line, a regex checks it) must give exactly
the text the Python converters give, and leave every bad value to them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.errors import ProblemLog
from sqlite_pg.pg_types import converter_for, fast_field
from sqlite_pg.sqlite_source import SqliteSource, quote_sqlite
from sqlite_pg.table_copy import TableCopy

TYPES = {
    "b": ColumnType("bool", "boolean"),
    "i2": ColumnType("int2", "smallint"),
    "i4": ColumnType("int4", "integer"),
    "i8": ColumnType("int8", "bigint"),
    "n": ColumnType("numeric", "numeric(10,2)", precision=10, scale=2),
    "n0": ColumnType("numeric", "numeric(5,0)", precision=5, scale=0),
    "nu": ColumnType("numeric", "numeric"),
    "f": ColumnType("float8", "double precision"),
    "t": ColumnType("text", "text"),
    "v": ColumnType("varchar", "character varying(5)", length=5),
    "u": ColumnType("uuid", "uuid"),
    "j": ColumnType("json", "json"),
    "ts": ColumnType("timestamptz", "timestamp with time zone"),
    "tn": ColumnType("timestamp", "timestamp without time zone"),
    "d": ColumnType("date", "date"),
    "tm": ColumnType("time", "time"),
    "by": ColumnType("bytea", "bytea"),
    "e": ColumnType("enum_x", "enum_x", enum_labels=("low", "high", "1")),
}
DECLARED = {"b": "TINYINT(1)", "i2": "INTEGER", "i4": "INTEGER", "i8": "INTEGER", "n": "DECIMAL(10,2)",
            "n0": "DECIMAL(5)", "nu": "DECIMAL", "f": "FLOAT", "t": "TEXT", "v": "VARCHAR(5)", "u": "UUID",
            "j": "JSON", "ts": "DATETIME", "tn": "DATETIME", "d": "DATE", "tm": "TIME", "by": "BLOB",
            "e": "TEXT"}  # fmt: skip

EDGE: dict[str, list[object]] = {
    "b": [0, 1, 2, -1, "1", "true", 1.0, 0.5],
    "i2": [0, 9999, 10000, 32767, 32768, -32768, -1, 3.0, "12", "x", 1.5],
    "i4": ["\\N", 2**31 - 1, 2**31, -(2**31), 123456789, 1234567890, 0, "007"],
    "i8": [2**63 - 1, -(2**63), 10**18, 123],
    "n": [12, 12.5, 19.99, 0.1 + 0.2, 1.234, -0.0, -0.001, 99999999.99, 1e8, 123456789, "7.1", "x", 0, -5],
    "n0": [12, 99999, 100000, 1.5, -3],
    "nu": [12, 1.5, -0, "1.50"],
    "f": [0.0, -0.0, 0.1, 1e15, 1e14, 123456789012345.0, 1e-5, 5e-324, 1e20, 2.0**53, 1 / 3, 7, 10**15, -2.5],
    "t": ["plain", "tab\there", "back\\slash", "nl\n", "\\N", "ctl\x08", "nul\x00x", "é🚀", 5, 1.5,
          b"\xff\xfe"],
    "v": ["12345", "123456", "ééééé", "éééééé", ""],
    "u": ["\\N", "ee031eb1-e607-4a41-bb75-fccdaf49b138", "EE031EB1-E607-4A41-BB75-FCCDAF49B138", "nope", 5],
    "j": ['{"a": 1}', "[1,\n2]", '"\\u00e9"', "{bad", "NaN", "null"],
    "ts": ["2024-04-19 02:51:06.990 +00:00", "2024-04-19 02:51:06.000 +00:00",
           "2024-02-29 00:00:00.100 +00:00", "2023-02-29 00:00:00.000 +00:00",
           "2024-04-19 02:51:06.990 +02:00", "2024-04-19T02:51:06Z",
           "2024-04-19 24:00:00.000 +00:00", "0000-01-01 00:00:00.000 +00:00", 1713495066, "yesterday",
           "2024-04-19 02:51:06.99  +00:00"],
    "tn": ["2024-04-19 02:51:06.990 +00:00", "2024-04-19 02:51:06.990 -01:00"],
    "d": ["2024-03-21", "2024-02-30", "2024-02-29", "1900-02-29", "2024-3-21", 1713495066],
    "tm": ["11:02:00", "11:02", "24:00:00", "23:59:60", "11:02:00.5"],
    "by": [b"", b"\x00\xff", "text", 12, 1.5],
    "e": ["low", "high", "1", "urgent", 1],
}  # fmt: skip


def copies(path: Path, column: str, policy: TextPolicy) -> tuple[TableCopy, TableCopy]:
    source = SqliteSource(str(path))
    table = source.read_table("t")
    names = ["id", column]
    converters = [
        converter_for(ColumnType("int4", "integer"), policy)[0],
        converter_for(TYPES[column], policy)[0],
    ]
    fields = [
        fast_field(ColumnType("int4", "integer"), policy, '"id"'),
        fast_field(TYPES[column], policy, quote_sqlite(column)),
    ]
    fast = TableCopy(
        source, table, names, converters, ["id"], fast_fields=[f for f in fields if f is not None]
    )
    assert len(fast.fast_fields) == 2, f"{column}: no fast path"
    classic = TableCopy(source, table, names, converters, ["id"])
    return fast, classic


def lines_and_problems(copy: TableCopy) -> tuple[list[bytes], list[dict]]:
    problems = ProblemLog(limit=10_000)
    batches = copy._fast_batches(problems) if copy.fast_fields else copy._classic_batches(problems)
    lines = [line for batch, _data in batches for line in batch]
    return lines, problems.as_list()


def write_table(path: Path, column: str, values: list[object]) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f'CREATE TABLE t (id INTEGER PRIMARY KEY, "{column}" {DECLARED[column]})')
    conn.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate([*values, None], start=1)))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("column", list(TYPES))
def test_fast_and_python_paths_agree_on_edge_values(tmp_path: Path, column: str) -> None:
    path = tmp_path / "edge.sqlite"
    write_table(path, column, EDGE[column])
    fast, classic = copies(path, column, TextPolicy())
    assert lines_and_problems(fast) == lines_and_problems(classic)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["i4", "f", "t", "v", "n", "ts", "d"]),
    st.lists(
        st.one_of(
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.floats(allow_nan=False),
            st.text(max_size=8),
            st.datetimes().map(
                lambda d: d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d} +00:00"
            ),
            st.dates().map(str),
        ),
        max_size=25,
    ),
)
def test_fast_and_python_paths_agree_on_random_values(
    tmp_path_factory, column: str, values: list[object]
) -> None:
    path = tmp_path_factory.mktemp("rnd") / "r.sqlite"
    write_table(path, column, values)
    fast, classic = copies(path, column, TextPolicy())
    assert lines_and_problems(fast) == lines_and_problems(classic)
