"""Converters: SQLite values to PostgreSQL COPY text, one test per rule, and round trips."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.copy_text import escape, split_line
from sqlite_pg.errors import ConversionError
from sqlite_pg.jsontext import jsonb_text
from sqlite_pg.numbers import float4_text, float8_text, numeric_text
from sqlite_pg.pg_types import converter_for
from sqlite_pg.temporal import NumberReading, date_text, parse_instant, time_text, timestamptz_text


def conv(name: str, policy: TextPolicy | None = None, **kw: object):
    convert, exact = converter_for(ColumnType(name, name, **kw), policy or TextPolicy())  # type: ignore[arg-type]
    assert exact
    return convert


# -- boolean ----------------------------------------------------------------
@pytest.mark.parametrize(("value", "out"), [(0, "f"), (1, "t"), (b"1", "t"), (b"false", "f"), (b"TRUE", "t")])
def test_boolean(value: object, out: str) -> None:
    assert conv("bool")(value) == out


@pytest.mark.parametrize("value", [2, -1, b"maybe", 0.5, b"\xff"])
def test_boolean_rejects(value: object) -> None:
    with pytest.raises(ConversionError, match="not a boolean"):
        conv("bool")(value)


# -- integers ---------------------------------------------------------------
def test_integers() -> None:
    assert conv("int4")(42) == "42"
    assert conv("int4")(3.0) == "3"
    assert conv("int8")(2**62) == str(2**62)
    with pytest.raises(ConversionError, match="out of range for int4"):
        conv("int4")(2**31)
    with pytest.raises(ConversionError, match="out of range for int2"):
        conv("int2")(40000)
    with pytest.raises(ConversionError, match="text in an integer"):
        conv("int4")(b"monday")
    with pytest.raises(ConversionError, match="not a whole number"):
        conv("int4")(1.5)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_int8_round_trip(number: int) -> None:
    assert int(conv("int8")(number)) == number


# -- numeric ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "out"),
    [(12, "12.00"), (12.5, "12.50"), (19.99, "19.99"), (0.1 + 0.2, "0.30"), (b"7.1", "7.10"), (-0.0, "0.00")],
)
def test_numeric_10_2(value: object, out: str) -> None:
    assert conv("numeric", precision=10, scale=2)(value) == out


def test_numeric_rejects() -> None:
    convert = conv("numeric", precision=10, scale=2)
    with pytest.raises(ConversionError, match="more than 2 decimal places"):
        convert(1.234)
    with pytest.raises(ConversionError, match="too large"):
        convert(123456789.0)
    with pytest.raises(ConversionError, match="text in a numeric"):
        convert(b"ten")


def test_numeric_unconstrained_keeps_scale() -> None:
    assert numeric_text(b"1.50", None, None) == "1.50"
    assert numeric_text(1e20, None, None) == "100000000000000000000"


@given(st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False))
def test_numeric_round_trip(number: Decimal) -> None:
    assert Decimal(conv("numeric", precision=10, scale=2)(float(number))) == number


# -- floats ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "out"),
    [
        (1.0, "1"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (1e20, "1e+20"),
        (1.5e-7, "1.5e-07"),
        (123456789012345.0, "123456789012345"),
        (1e15, "1e+15"),
        (0.0001, "0.0001"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (-0.0, "-0"),
    ],
)
def test_float8_text(value: float, out: str) -> None:
    assert float8_text(value) == out


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float8_round_trip(number: float) -> None:
    assert float(float8_text(number)) == number


@given(st.floats(width=32, allow_nan=False, allow_infinity=False))
def test_float4_round_trip(number: float) -> None:
    import struct

    assert struct.pack("f", float(float4_text(number))) == struct.pack("f", number)


# -- text ---------------------------------------------------------------------
def test_text_and_varchar() -> None:
    assert conv("text")(b"caf\xc3\xa9") == "café"
    assert conv("text")(b"a\tb\\c\nd") == "a\\tb\\\\c\\nd"
    assert conv("text")(5) == "5"
    with pytest.raises(ConversionError, match="201 characters, longer than varchar"):
        conv("varchar", length=200)(b"x" * 201)
    assert conv("varchar", length=3)("ééé".encode()) == "ééé"  # characters, not bytes
    with pytest.raises(ConversionError, match="invalid UTF-8 at byte 3"):
        conv("text")(b"caf\xe9")
    with pytest.raises(ConversionError, match="NUL byte"):
        conv("text")(b"a\x00b")
    assert conv("text", TextPolicy(strip_nul=True))(b"a\x00b") == "ab"
    assert conv("varchar", TextPolicy(ignore_length=True), length=2)(b"abc") == "abc"
    assert conv("bpchar", length=4)(b"ab") == "ab  "


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_text_escape_round_trip(text: str) -> None:
    assert split_line(conv("text")(text.encode()))[0] == text


def test_escape_matches_copy_to() -> None:
    assert escape("\b\f\v\r") == "\\b\\f\\v\\r"


# -- uuid, bytea, enum ----------------------------------------------------------
def test_uuid() -> None:
    value = "EE031EB1-E607-4A41-BB75-FCCDAF49B138"
    assert conv("uuid")(value.encode()) == value.lower()
    assert conv("uuid")(value.lower().encode()) == value.lower()
    with pytest.raises(ConversionError, match="not a UUID"):
        conv("uuid")(b"not-a-uuid-0001")


@given(st.uuids())
def test_uuid_round_trip(value: uuid.UUID) -> None:
    assert uuid.UUID(conv("uuid")(str(value).encode())) == value


@given(st.binary(max_size=300))
def test_bytea_round_trip(data: bytes) -> None:
    text = split_line(conv("bytea")(data))[0]
    assert text is not None and bytes.fromhex(text[2:]) == data


def test_enum() -> None:
    convert, _ = converter_for(
        ColumnType("enum_tasks_priority", "enum_tasks_priority", enum_labels=("low", "high")), TextPolicy()
    )
    assert convert(b"low") == "low"
    with pytest.raises(ConversionError, match="not a label of enum"):
        convert(b"urgent")


# -- json ---------------------------------------------------------------------
def test_json_kept_as_written() -> None:
    assert conv("json")(b'{"b": 1,  "a":[1,2]}') == '{"b": 1,  "a":[1,2]}'
    with pytest.raises(ConversionError, match="invalid JSON"):
        conv("json")(b"{nope")
    with pytest.raises(ConversionError, match="invalid JSON"):
        conv("json")(b"NaN")


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ('{"b":1,"a":2,"aa":3}', '{"a": 2, "b": 1, "aa": 3}'),
        ('{"a":1,"a":2}', '{"a": 2}'),
        ("[1.50, 1e2, -0, 1E-3]", "[1.50, 100, 0, 0.001]"),
        ('"\\u00e9\\n"', '"é\\n"'),
        ("[]", "[]"),
        ("{}", "{}"),
        ("null", "null"),
    ],
)
def test_jsonb_canonical(text: str, out: str) -> None:
    assert jsonb_text(text.encode()) == out


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10).filter(lambda s: "\x00" not in s),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=5).filter(lambda s: "\x00" not in s), children, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_jsonb_round_trip(value: object) -> None:
    assert json.loads(jsonb_text(json.dumps(value).encode())) == value


# -- dates and times ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "out"),
    [
        (b"2024-04-19 02:51:06.990 +00:00", "2024-04-19 02:51:06.99+00"),
        (b"2024-04-19 02:51:06.000 +00:00", "2024-04-19 02:51:06+00"),
        (b"2024-04-19T02:51:06.990Z", "2024-04-19 02:51:06.99+00"),
        (b"2024-04-19T02:51:06", "2024-04-19 02:51:06+00"),
        (b"2024-04-19 04:51:06.990 +02:00", "2024-04-19 02:51:06.99+00"),
        (b"2024-04-19T00:30:00-05:30", "2024-04-19 06:00:00+00"),
        (b"2024-04-19", "2024-04-19 00:00:00+00"),
    ],
)
def test_timestamptz(value: object, out: str) -> None:
    assert timestamptz_text(value) == out


@pytest.mark.parametrize(
    ("value", "reading", "out"),
    [
        (1713495066, "epoch_s", "2024-04-19 02:51:06+00"),
        (1713495066990, "epoch_ms", "2024-04-19 02:51:06.99+00"),
        (1713495066.5, "epoch_s", "2024-04-19 02:51:06.5+00"),
        (b"1713495066", "epoch_s", "2024-04-19 02:51:06+00"),
        (1314, "epoch_s", "1970-01-01 00:21:54+00"),  # pgloader read this as the year 1314
        (2460000.5, "julian_day", "2023-02-25 00:00:00+00"),
    ],
)
def test_timestamptz_numbers(value: object, reading: str, out: str) -> None:
    assert timestamptz_text(value, NumberReading(reading)) == out
    with pytest.raises(ConversionError, match="date_numbers"):
        timestamptz_text(value)  # no reading chosen for the column: refused, never guessed


@pytest.mark.parametrize("value", [b"yesterday", b"2024-02-30 10:00:00", b"2024-13-01", b"\xff", b""])
def test_timestamptz_rejects(value: object) -> None:
    with pytest.raises(ConversionError):
        timestamptz_text(value)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_sequelize_timestamps_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    written = moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} +00:00"
    out = timestamptz_text(written.encode())
    assert datetime.fromisoformat(out.replace("+00", "+00:00")) == moment


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2500, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_iso_with_offsets_round_trip(moment: datetime, minutes: int) -> None:
    from datetime import timezone

    local = moment.astimezone(timezone(timedelta(minutes=minutes)))
    micros = (moment - datetime(1, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    assert parse_instant(local.isoformat().encode()) == micros


def test_date_and_time() -> None:
    assert date_text(b"2024-03-21") == "2024-03-21"
    assert date_text(b"2024-03-21 23:00:00 -05:00") == "2024-03-21"
    assert date_text(1713495066, NumberReading("epoch_s")) == "2024-04-19"
    with pytest.raises(ConversionError):
        date_text(b"yesterday")
    assert time_text(b"11:02:00") == "11:02:00"
    assert time_text(b"11:02") == "11:02:00"
    assert time_text(b"11:02:00.250") == "11:02:00.25"
    with pytest.raises(ConversionError):
        time_text(b"25:00")


def test_special_floats_are_not_math_errors() -> None:
    assert math.isnan(float(float8_text(float("nan"))))
