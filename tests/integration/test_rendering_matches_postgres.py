"""The verification relies on converters printing values exactly as PostgreSQL's COPY
TO prints what it stored. Checked here against the real server with random values."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.errors import ConversionError
from sqlite_pg.pg_target import SESSION_SETTINGS
from sqlite_pg.pg_types import converter_for
from sqlite_pg.temporal import NumberReading

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


def round_trip(
    conn,
    pg_type: str,
    column: ColumnType,
    values: list[object],
    policy: TextPolicy | None = None,
    exact: bool = True,
) -> None:
    convert, rendered = converter_for(column, policy or TextPolicy())
    assert rendered is exact
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
    values: list[object] = [b"2024-04-19 02:51:06.990 +00:00", b"2024-04-19"]
    values += [b"2024-04-19 02:51:06.1234565 +00:00", b"2024-04-19T23:59:59.9999999Z"]
    stamp = ColumnType("timestamptz", "timestamp with time zone")
    round_trip(conn, "timestamptz", stamp, values)
    for reading, numbers in {
        "epoch_s": [1713495066, 1713495066.123456, -1713495066.5, b"1713495066"],
        "epoch_ms": [1713495066990, 1713495066990.5],
        "epoch_us": [1713495066990123, 1713495066990123.0],
        "julian_day": [0, 0.5, 2460000.5, 2460000.123456789, 1721425.5, 5373484.4999],
    }.items():
        round_trip(conn, "timestamptz", stamp, numbers, TextPolicy(date_numbers=NumberReading(reading)))
        round_trip(
            conn, "date", ColumnType("date", "date"), numbers, TextPolicy(date_numbers=NumberReading(reading))
        )


def postgres_prints(conn, pg_type: str, texts: list[str]) -> list[str]:
    """What PostgreSQL itself prints for each text, as its input reads it (or the error)."""
    printed = []
    with conn.cursor() as cur:  # autocommit: an error ends only its statement
        for text in texts:
            try:
                cur.execute(f"SELECT %s::{pg_type}::text", (text,))
                printed.append(cur.fetchone()[0])
            except psycopg2.DataError as exc:
                printed.append(f"error: {exc.pgerror}")
    return printed


def ours(column: ColumnType, texts: list[str]) -> list[str]:
    convert, _exact = converter_for(column, TextPolicy())
    out = []
    for text in texts:
        try:
            out.append(convert(text.encode()))
        except ConversionError as exc:
            out.append(f"refused: {exc.reason}")
    return out


def assert_as_postgres(conn, pg_type: str, column: ColumnType, texts: list[str]) -> list[str]:
    """Each text: loaded as PostgreSQL prints it, or refused where PostgreSQL refuses it.
    Returns the texts PostgreSQL refused."""
    refused = []
    for text, mine, theirs in zip(
        texts, ours(column, texts), postgres_prints(conn, pg_type, texts), strict=True
    ):
        if theirs.startswith("error"):
            assert mine.startswith("refused"), (text, mine)
            refused.append(text)
        else:
            assert mine == theirs, text
    return refused


# Forms PostgreSQL's input takes that are not Sequelize's (issue 11, item 14): each is
# loaded as PostgreSQL prints it.
NEAR_MISSES = [
    "10000-01-01", "10000-01-01 10:00:00+00", "2024-1-5", "2024-1-5 1:2:3", "10000-1-1 1:2:3",
    "2024-01-05 24:00:00", "2024-12-31 24:00:00+00", "2024-01-05 23:59:60", "2024-01-05 10:59:60",
    "2024-01-05 10:59:60.5", "2024-01-05 24:00:00.0000004", "2024-01-05 23:59:59.9999996",
    "2024-01-05t10:00", "2024-01-05  10:00", "2024-01-05 10:00:00.0001265",
    "2024-01-05 10:00:00.", "2024-01-05 10:00:5", "  2024-01-05 10:00:00  ", "2024-01-05 10:00 +5",
    "2024-01-05 10:00+5:30", "2024-01-05 10:00+05:30:15", "2024-01-05 10:00 GMT", "2024-01-05 10:00:00 utc",
    "2024-01-05 10:00:00 z", "2024-01-05 10:00 +15:59", "2024-01-05 10:00:00+0530", "2024-01-05 +05",
    "infinity", "-infinity", "Infinity", "epoch", "0001-01-01 00:00:00+01", "2024-01-05 10:00:00.5 BC",
    "4714-11-24 00:00:00+00 BC", "0044-03-15 BC", "99999-12-31",
]  # fmt: skip
# Near misses PostgreSQL refuses too: the module refuses them, saying why.
REFUSED_BOTH = [
    "2024-01-05 24:00:00.5", "2024-01-05 24:00:01", "2024-01-05 23:59:60.5", "2024-01-05 25:00:00",
    "2024-01-05 10:00 +16:00", "2024-02-30", "0000-01-01", "4714-11-23 23:59:59+00 BC",
]  # fmt: skip
STAMP_TYPES = {
    "timestamptz": ColumnType("timestamptz", "timestamp with time zone"),
    "date": ColumnType("date", "date"),
    # timestamp: the module reads an offset (Sequelize's +00:00) where PostgreSQL's
    # timestamp input ignores it: compared on the values without one.
    "timestamp": ColumnType("timestamp", "timestamp without time zone"),
}


def _without_offset(text: str) -> bool:
    return not any(mark in text.lower() for mark in ("+", " -", "z", "utc", "gmt"))


@pytest.mark.parametrize("pg_type", list(STAMP_TYPES))
def test_postgres_input_near_misses_load_as_postgres_prints_them(conn, pg_type: str) -> None:
    column = STAMP_TYPES[pg_type]
    texts = NEAR_MISSES if pg_type != "timestamp" else [t for t in NEAR_MISSES if _without_offset(t)]
    assert assert_as_postgres(conn, pg_type, column, texts) == []
    round_trip(conn, pg_type, column, [t.encode() for t in texts])
    assert assert_as_postgres(conn, pg_type, column, REFUSED_BOTH) == REFUSED_BOTH
    # Relative words PostgreSQL takes as of the load: refused, saying so.
    for word in ("now", "today", "Tomorrow", "yesterday"):
        assert "is relative" in ours(column, [word])[0]
    ends = ["294276-12-31 23:59:59.999999+00", "294277-01-01 00:00:00+00", "5874897-12-31", "5874898-01-01"]
    assert assert_as_postgres(conn, pg_type, column, ends) == (ends[3:] if pg_type == "date" else ends[1:])


def test_time_near_misses(conn) -> None:
    texts = ["24:00:00", "24:00", "23:59:60", "10:30:60", "1:2:3", "23:59:59.9999999", "10:00:00Z"]
    texts += ["10:00:00+02", "24:00:00.0000001", "23:59:60.0", "2024-01-05 10:00:00"]
    refused = ["23:60:00", "24:00:60", "23:59:60.5", "25:00", "10:00:00+16"]
    column = ColumnType("time", "time without time zone")
    assert assert_as_postgres(conn, "time", column, texts + refused) == refused


@SETTINGS
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=294276),
            st.integers(min_value=1, max_value=12),
            st.integers(min_value=1, max_value=31),
            st.integers(min_value=0, max_value=24),
            st.integers(min_value=0, max_value=60),
            st.integers(min_value=0, max_value=60),
            st.integers(min_value=0, max_value=9_999_999),
            st.sampled_from(["", "+00", "-05:30", "+14", " BC", "+01 BC", "-15:59:59"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_year_and_clock_as_postgres(conn, fields) -> None:
    texts = [
        f"{y:04d}-{mo}-{d:02d} {h}:{mi:02d}:{s:02d}.{us:07d}{zone}" for y, mo, d, h, mi, s, us, zone in fields
    ]
    for pg_type in ("timestamptz", "date"):
        assert_as_postgres(conn, pg_type, STAMP_TYPES[pg_type], texts)


durations = st.timedeltas(
    min_value=timedelta(days=-(10**8)), max_value=timedelta(days=10**8)
) | st.sampled_from(
    [timedelta(0), timedelta(microseconds=1), timedelta(seconds=-5), timedelta(days=1), timedelta(days=-1)]
)


@SETTINGS
@given(st.lists(durations, min_size=1, max_size=30))
def test_interval_as_postgres_stores_the_orms_timedelta(conn, deltas: list[timedelta]) -> None:
    """Django's integer microseconds and SQLAlchemy's epoch-relative DATETIME render as
    PostgreSQL prints the interval psycopg2 stores for the same timedelta."""
    column = ColumnType("interval", "interval")
    micros = [d // timedelta(microseconds=1) for d in deltas]
    epoch = datetime(1970, 1, 1)
    # Years 1000 to 9999 (SQLAlchemy writes four-digit years).
    in_range = [d for d in deltas if timedelta(days=-354_000) < d < timedelta(days=2_900_000)]
    stamps = [(epoch + d).strftime("%Y-%m-%d %H:%M:%S.%f").encode() for d in in_range]
    round_trip(conn, "interval", column, micros, exact=False)
    round_trip(conn, "interval", column, stamps, exact=False)
    convert, _exact = converter_for(column, TextPolicy())
    with conn.cursor() as cur:
        for delta, number in zip(deltas, micros, strict=True):
            cur.execute("SELECT %s::text", (delta,))  # psycopg2 adapts a timedelta to interval
            assert convert(number) == cur.fetchone()[0]
