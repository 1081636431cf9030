"""postgres_to_sqlite's storage forms, one test per rule: a value as the application stores it
in SQLite -> the COPY text PostgreSQL prints for it (the forward converters) -> back through the
reverse form gives the same SQLite value with the same typeof(); the form itself is chosen from
the column's declared type and data as the module chooses it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.copy_text import split_line
from sqlite_pg.errors import ConversionError
from sqlite_pg.jsontext import jsonb_text
from sqlite_pg.numbers import float4_text
from sqlite_pg.pg_types import converter_for
from sqlite_pg.storage_forms import (
    DEFAULT_SHAPE,
    TEXT_SHAPES,
    choose_form,
    declared_type,
    profile_sql,
    profiles_from,
    reader_for,
)
from sqlite_pg.temporal import NumberReading


def stored(declared: str, value: object) -> tuple[object, str]:
    """``value`` as SQLite stores it in a column so declared (its affinity applied) and its typeof()."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f'CREATE TABLE t ("c" {declared})')
        conn.execute("INSERT INTO t VALUES (?)", (value,))
        return conn.execute('SELECT "c", typeof("c") FROM t').fetchone()
    finally:
        conn.close()


def form_of(
    declared: str, column: ColumnType, values: list[object], numbers: NumberReading | None = None
) -> str:
    """The form the module chooses for a template column holding ``values`` (its profile query)."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute(f'CREATE TABLE t ("c" {declared})')
        conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
        spec = [('"c"', column.name)]
        profile = profiles_from(conn.execute(profile_sql("t", spec)).fetchone(), spec)[0]
    finally:
        conn.close()
    return choose_form(column, declared, profile, numbers)


def round_trip(
    declared: str, column: ColumnType, value: object, form: str, numbers: NumberReading | None = None
) -> None:
    """The rule's promise, checked for one value."""
    before, kind = stored(declared, value)
    assert form_of(declared, column, [value], numbers) == form
    policy = TextPolicy(date_numbers=numbers or NumberReading())
    convert, _exact = converter_for(column, policy)
    as_read = before.encode() if isinstance(before, str) else before  # the forward reads text as bytes
    field = split_line(convert(as_read))[0]  # what PostgreSQL's COPY TO prints, unescaped
    assert field is not None
    after, after_kind = stored(declared, reader_for(column, form)(field))
    assert (after, after_kind) == (before, kind)
    if isinstance(before, float):
        assert repr(after) == repr(before)


def pg(name: str, **kw: object) -> ColumnType:
    return ColumnType(name, name, **kw)  # type: ignore[arg-type]


@given(st.sampled_from([0, 1]))
def test_boolean_as_integer(value: int) -> None:
    round_trip("TINYINT(1)", pg("bool"), value, "integer_boolean")


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integer(value: int) -> None:
    round_trip("BIGINT", pg("int8"), value, "integer")


@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_integer_in_an_untyped_column(value: int) -> None:
    round_trip("", pg("int4"), value, "integer")


@given(st.floats(allow_nan=False).filter(lambda f: not (f == 0 and str(f).startswith("-"))))
def test_real(value: float) -> None:
    round_trip("FLOAT", pg("float8"), value, "real")


@given(st.floats(width=32, allow_nan=False, allow_infinity=False).filter(lambda f: f != 0 or str(f) == "0.0"))
def test_real_of_a_float4_column(single: float) -> None:
    # The double the application reads from PostgreSQL's real (its shortest text): 0.1, not
    # 0.100000001490116 (a template value PostgreSQL's real cannot hold reads back as this too).
    value = float(float4_text(single))
    assume(abs(value) <= 3.4028234663852886e38)  # '3.4028235e+38' reads back past real's range
    round_trip("REAL", pg("float4"), value, "real")


@given(st.decimals(min_value=-(10**8) + 1, max_value=10**8 - 1, places=2, allow_nan=False))
def test_decimal_as_a_sqlite_number(value: Decimal) -> None:
    # Sequelize's DECIMAL(10,2): a JavaScript number, NUMERIC affinity (12.0 is the integer 12).
    round_trip("DECIMAL(10,2)", pg("numeric", precision=10, scale=2), float(value), "number")


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_unconstrained_numeric_integers(value: int) -> None:
    round_trip("NUMERIC", pg("numeric"), value, "number")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**20), max_value=10**20))
def test_numeric_kept_as_text(value: Decimal) -> None:
    round_trip("TEXT", pg("numeric"), str(value), "text")


text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))


@given(text_values)
def test_text(value: str) -> None:
    round_trip("TEXT", pg("text"), value, "text")


@given(text_values.filter(lambda t: len(t) <= 20))
def test_varchar_and_enum(value: str) -> None:
    round_trip("VARCHAR(20)", pg("varchar", length=20), value, "text")
    if value:
        round_trip("TEXT", ColumnType("my_enum", "my_enum", enum_labels=(value,)), value, "text")


@given(st.uuids())
def test_uuid_lower_case(value: object) -> None:
    round_trip("UUID", pg("uuid"), str(value), "text")


@given(st.uuids())
def test_uuid_as_32_hex_digits(value: object) -> None:
    round_trip("CHAR(32)", pg("uuid"), value.hex, "uuid_hex")  # type: ignore[attr-defined]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text_values,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text_values, inner, max_size=4),
    max_leaves=10,
)


@given(json_values)
def test_json_as_the_text_held(value: object) -> None:
    # JSON has NUMERIC affinity: '5' is stored as the integer 5, both ways.
    round_trip("JSON", pg("json"), json.dumps(value), "text")


@given(json_values)
def test_jsonb_in_its_canonical_text(value: object) -> None:
    round_trip("JSON", pg("jsonb"), jsonb_text(json.dumps(value)), "text")


@given(st.binary(max_size=300))
def test_blob(value: bytes) -> None:
    round_trip("BLOB", pg("bytea"), value, "blob")


instants = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))


def day_and_clock(moment: datetime, between: str = " ") -> str:
    return f"{moment.year:04d}-{moment:%m-%d}{between}{moment:%H:%M:%S}"  # %Y does not pad years below 1000


@given(instants)
def test_sequelize_datetime(moment: datetime) -> None:
    text = f"{day_and_clock(moment)}.{moment.microsecond // 1000:03d} +00:00"
    round_trip("DATETIME", pg("timestamptz"), text, "sequelize")
    round_trip("DATETIME", pg("timestamp"), text, "sequelize")


@given(instants)
def test_javascript_iso_text(moment: datetime) -> None:
    text = f"{day_and_clock(moment, 'T')}.{moment.microsecond // 1000:03d}Z"
    round_trip("DATETIME", pg("timestamptz"), text, "iso_ms_z")


@given(instants)
def test_python_isoformat_microseconds(moment: datetime) -> None:
    round_trip("DATETIME", pg("timestamptz"), f"{day_and_clock(moment)}.{moment.microsecond:06d}", "iso_us")


@given(instants)
def test_sqlite_datetime_seconds(moment: datetime) -> None:
    round_trip("TEXT", pg("timestamptz"), day_and_clock(moment), "sqlite_seconds")


epoch_ms = st.integers(min_value=10**11, max_value=10**13 - 1)


@given(st.sampled_from(["epoch_s", "epoch_ms", "epoch_us"]), st.integers(min_value=1, max_value=10**6))
def test_epoch_integers(unit: str, step: int) -> None:
    low = {"epoch_s": 10**8, "epoch_ms": 10**11, "epoch_us": 10**14}[unit]
    value = low * 3 + step * 7919
    round_trip("DATETIME", pg("timestamptz"), value, unit, NumberReading(unit))
    round_trip("INTEGER", pg("timestamptz"), -value, unit, NumberReading(unit))


@given(st.integers(min_value=10**8, max_value=10**10 - 1), st.integers(min_value=1, max_value=999))
def test_epoch_seconds_with_milliseconds_as_reals(seconds: int, millis: int) -> None:
    round_trip("REAL", pg("timestamptz"), seconds + millis / 1000, "epoch_s_real", NumberReading("epoch_s"))


@given(st.integers(min_value=0, max_value=5373484 * 86_400_000))
def test_julian_day(millis: int) -> None:
    # SQLite's reading of a bare number, to the millisecond.
    round_trip("REAL", pg("timestamptz"), millis / 86_400_000, "julian_day", NumberReading("julian_day"))


@given(st.dates(), st.times())
def test_date_and_time_text(day: object, clock: object) -> None:
    round_trip("DATE", pg("date"), day.isoformat(), "text")  # type: ignore[attr-defined]
    round_trip("TIME", pg("time"), clock.strftime("%H:%M:%S"), "text")  # type: ignore[attr-defined]


# -- the choice ----------------------------------------------------------------
def test_a_column_with_nothing_to_learn_from_gets_the_types_default() -> None:
    assert form_of("DATETIME", pg("timestamptz"), []) == DEFAULT_SHAPE
    assert form_of("TINYINT(1)", pg("bool"), []) == "integer_boolean"
    assert form_of("UUID", pg("uuid"), []) == "text"
    assert form_of("DECIMAL(10,2)", pg("numeric", precision=10, scale=2), []) == "number"
    assert form_of("", pg("interval"), []) == "text"


def test_the_shape_most_values_have_wins() -> None:
    values = ["2024-04-19 02:51:06", "2024-04-19 02:51:07", "2024-04-19T02:51:06.990Z"]
    assert form_of("DATETIME", pg("timestamptz"), values) == "sqlite_seconds"


def test_numbers_of_no_known_unit_are_refused() -> None:
    refused = NumberReading(None, "not all in one epoch unit's range")
    with pytest.raises(ConversionError, match="epoch unit"):
        form_of("DATETIME", pg("timestamptz"), [2024, 1999], refused)


def test_declared_types_for_added_columns() -> None:
    assert declared_type(pg("bool")) == "TINYINT(1)"
    assert declared_type(pg("varchar", length=32)) == "VARCHAR(32)"
    assert declared_type(pg("numeric", precision=10, scale=2)) == "DECIMAL(10,2)"
    assert declared_type(pg("timestamptz")) == "DATETIME"
    assert declared_type(ColumnType("e", "e", enum_labels=("a",))) == "TEXT"
    assert declared_type(pg("tsvector")) == "TEXT"


# -- values with no faithful form ------------------------------------------------
@pytest.mark.parametrize(
    ("column", "form", "field", "reason"),
    [
        (pg("timestamptz"), "sequelize", "2024-04-19 02:51:06.990123+00", "milliseconds"),
        (pg("timestamptz"), "sqlite_seconds", "2024-04-19 02:51:06.5+00", "whole seconds"),
        (pg("timestamptz"), "sequelize", "10000-01-01 00:00:00+00", "1-9999"),
        (pg("timestamptz"), "sequelize", "0044-03-15 12:00:00+00 BC", "1-9999"),
        (pg("timestamptz"), "sequelize", "infinity", "infinity"),
        (pg("timestamptz"), "epoch_ms", "2024-04-19 02:51:06.990123+00", "epoch_ms"),
        (pg("numeric"), "number", "12345678901234567.891", "double"),
        (pg("numeric", precision=30, scale=2), "number", "123456789012345678.25", "double"),
        (pg("numeric"), "number", "1.50", "double"),
        (pg("numeric"), "number", "NaN", "NaN"),
        (pg("float8"), "real", "NaN", "NaN"),
        (pg("float8"), "real", "-0", "sign"),
    ],
)
def test_no_faithful_form_is_refused(column: ColumnType, form: str, field: str, reason: str) -> None:
    with pytest.raises(ConversionError, match=reason):
        reader_for(column, form)(field)


def test_the_forms_a_timestamp_is_written_in() -> None:
    field = "2024-04-19 02:51:06.99+00"
    written = {
        name: reader_for(pg("timestamptz"), name)(field) for name in TEXT_SHAPES if name != "sqlite_seconds"
    }
    assert written == {
        "sequelize": "2024-04-19 02:51:06.990 +00:00",
        "iso_ms_z": "2024-04-19T02:51:06.990Z",
        "iso_us": "2024-04-19 02:51:06.990000",
    }
    assert reader_for(pg("timestamptz"), "epoch_ms")(field) == 1713495066990
    assert reader_for(pg("timestamp"), "sequelize")("2024-04-19 02:51:06") == "2024-04-19 02:51:06.000 +00:00"
    day = datetime(2024, 4, 19, tzinfo=UTC) + timedelta(hours=2)
    assert reader_for(pg("timestamptz"), "epoch_s")(day.strftime("%Y-%m-%d %H:%M:%S+00")) == int(
        day.timestamp()
    )
