"""The verification relies on converters printing values exactly as PostgreSQL's COPY
TO prints what it stored. Checked here against the real server with random values."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_pg.converters import ColumnType, TextPolicy, converter_for
from sqlite_pg.pg_target import SESSION_SETTINGS

pytestmark = pytest.mark.integration

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def conn(pg_server):
    name = pg_server.create_database("render")
    connection = pg_server.connect(name)
    with connection.cursor() as cur:
        for statement in SESSION_SETTINGS:
            cur.execute(statement)
    yield connection
    connection.close()
    pg_server.drop_database(name)


def round_trip(conn, pg_type: str, column: ColumnType, values: list[object]) -> None:
    convert, exact = converter_for(column, TextPolicy())
    assert exact
    sent = "".join(convert(v) + "\n" for v in values)
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS t")
        cur.execute(f"CREATE TABLE t (n serial, v {pg_type})")
        cur.copy_expert("COPY t (v) FROM STDIN", io.StringIO(sent))
        out = io.StringIO()
        cur.copy_expert("COPY (SELECT v FROM t ORDER BY n) TO STDOUT", out)
    assert out.getvalue() == sent


floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e14, 1e15, 9.99e14, 1e16, 123456789012345.6, 1e-4, 1e-5, 0.00012345, 5e-324, 1.7976931348623157e308]
)


@SETTINGS
@given(st.lists(floats, min_size=1, max_size=40))
def test_float8(conn, values: list[float]) -> None:
    round_trip(conn, "double precision", ColumnType("float8", "double precision"), values)


@SETTINGS
@given(st.lists(st.floats(width=32), min_size=1, max_size=40))
def test_float4(conn, values: list[float]) -> None:
    round_trip(conn, "real", ColumnType("float4", "real"), values)


@SETTINGS
@given(
    st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**9, min_value=-(10**9))
    )
)
def test_numeric_unconstrained(conn, values) -> None:
    round_trip(conn, "numeric", ColumnType("numeric", "numeric"), [str(v).encode() for v in values])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8).filter(lambda s: "\x00" not in s),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=4).filter(lambda s: "\x00" not in s), children, max_size=4)
    ),
    max_leaves=10,
)


@SETTINGS
@given(st.lists(json_values, min_size=1, max_size=20))
def test_jsonb(conn, values) -> None:
    texts = [json.dumps(v, ensure_ascii=bool(i % 2)).encode() for i, v in enumerate(values)]
    round_trip(conn, "jsonb", ColumnType("jsonb", "jsonb"), texts)


def test_jsonb_numbers_and_duplicates(conn) -> None:
    texts = [b'{"a": 1, "a": 2, "bb": [1.0, 1e2, 1.50e1, -0, 0.0e5, 1E-3]}', b'"\\u00e9\\t\\u0001"', b"[ ]"]
    round_trip(conn, "jsonb", ColumnType("jsonb", "jsonb"), texts)


@SETTINGS
@given(
    st.lists(
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
        min_size=1,
        max_size=30,
    )
)
def test_timestamptz(conn, values: list[datetime]) -> None:
    texts = [v.isoformat().encode() for v in values]
    round_trip(conn, "timestamptz", ColumnType("timestamptz", "timestamp with time zone"), texts)
    round_trip(conn, "timestamp", ColumnType("timestamp", "timestamp without time zone"), texts)
    round_trip(conn, "date", ColumnType("date", "date"), texts)


def test_epochs_and_sequelize(conn) -> None:
    values: list[object] = [1713495066, 1713495066990, 1713495066.123456, b"2024-04-19 02:51:06.990 +00:00"]
    values += [b"2024-04-19 02:51:06.1234565 +00:00", b"2024-04-19T23:59:59.9999999Z", b"2024-04-19"]
    round_trip(conn, "timestamptz", ColumnType("timestamptz", "timestamp with time zone"), values)


def test_time_bytea_uuid_bool_text(conn) -> None:
    round_trip(conn, "time", ColumnType("time", "time"), [b"11:02:00", b"11:02", b"23:59:59.5", b"24:00:00"])
    round_trip(conn, "bytea", ColumnType("bytea", "bytea"), [b"", b"\x00\xff\\\n", bytes(range(256))])
    round_trip(conn, "uuid", ColumnType("uuid", "uuid"), [b"EE031EB1-E607-4A41-BB75-FCCDAF49B138"])
    round_trip(conn, "boolean", ColumnType("bool", "boolean"), [0, 1, b"true"])
    round_trip(conn, "text", ColumnType("text", "text"), ["a\tb\\c\r\n\b\f\v é 🚀".encode()])
