"""The fast path: SQLite assembles and checks each row's COPY line.

Calling a Python converter per value is most of a copy's cost. Here SQLite
concatenates the row's fields, rendering what needs rendering (0/1 to t/f,
Sequelize's UTC timestamps to PostgreSQL's form, blobs to hex, NULL to ``\\N``,
the backslash, tab, newline and carriage return of text escaped), and yields
NULL for a row with any value that is not exactly in a form PostgreSQL prints
back unchanged: each field's SQL checks its value itself (an int4 is an integer
in range, a varchar(n) at most n characters, a date a real calendar day, a uuid
lower-case hex, ...). Python then checks whole chunks only: valid UTF-8 and none
of the bytes no field may carry raw (NUL, and the \\b \\f \\v COPY would
escape); a chunk that fails is checked line by line. Any row that fails goes
through the Python converters, which render the rarer forms or name the
problem. Both paths give the same text for the same value: the tests compare
them, and check that every line SQLite gives matches ``FastField.pattern``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from .converters import ColumnType, TextPolicy
from .numbers import INT_RANGES

JSON_VALID_FROM = (3, 38, 0)

# Text with none of the characters COPY escapes (nor NUL).
_PLAIN = r"[^\\\t\n\r\x08\x0b\x0c\x00]"
# What the escaped text fields may hold: plain characters and the four escapes
# SQLite writes (a raw \b, \f, \v or NUL is caught on the whole chunk).
_ESCAPED = rf"(?:{_PLAIN}|\\[\\tnr])*"
# A calendar day (29 February only in leap years).
_DAY = (
    r"(?:(?!0000)\d{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"|(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"

# The same forms as SQL conditions. GLOB (no escape character, case-sensitive)
# checks the shape; a few comparisons do the rest. Each function call costs
# about as much as the copy's other work per value, so dates and timestamps are
# checked by one call to SQLite's own parser, julianday(): NULL unless each
# field has its exact number of digits and is in range (month 1-12, day 1-31,
# minutes and seconds 0-59; it takes hour 24, which a comparison refuses). A
# day past the 28th is checked by SQLite's calendar: date(d, '+0 days') goes
# through the day number, which moves 2023-02-29 to 2023-03-01 (date(d) alone
# keeps it).
_D = "[0-9]"
_DAY_SHAPE = "????-??-??"  # the digits: julianday()
_CLOCK_GLOB = f"[0-2]{_D}:[0-5]{_D}:[0-5]{_D}"
_HEX = "[0-9a-f]"
_UUID_GLOB = f"{_HEX * 8}-{_HEX * 4}-{_HEX * 4}-{_HEX * 4}-{_HEX * 12}"


_JULIAN_0001 = 1721425.5  # julianday('0001-01-01'): PostgreSQL has no year 0


def _day_sql(x: str) -> str:
    """``x`` (SQL, text of one of the shapes above, starting with _DAY_SHAPE) is
    a date or timestamp SQLite parses, on a calendar day PostgreSQL takes.
    (substr(x, ...) of the column itself: each function call counts, this runs
    for every value.)"""
    day = f"substr({x}, 1, 10)"
    return (
        f"julianday({x}) >= {_JULIAN_0001} AND (substr({x}, 9, 2) <= '28' OR date({day}, '+0 days') = {day})"
    )


def escaped_sql(x: str) -> str:
    """SQL: text ``x`` with backslash, newline, carriage return and tab escaped as COPY
    text (replace() only where one of them occurs: most values have none)."""
    chain = f"replace(replace({x}, '\\', '\\\\'), char(10), '\\n')"
    chain = f"replace(replace({chain}, char(13), '\\r'), char(9), '\\t')"
    found = f"instr({x}, '\\') OR instr({x}, char(10)) OR instr({x}, char(13)) OR instr({x}, char(9))"
    return f"CASE WHEN {found} THEN {chain} ELSE {x} END"


@dataclass(frozen=True)
class FastField:
    sql: str  # SQLite expression: the exact COPY field, or NULL when Python must convert
    pattern: str  # regex every field the SQL gives matches (without the NULL form; for tests)


def _int_pattern(digits: int) -> str:
    return rf"0|-?[1-9]\d{{0,{digits - 1}}}"


def integer_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    low, high = INT_RANGES[column.name]
    sql = f"CASE WHEN typeof({x}) = 'integer' AND {x} BETWEEN {low} AND {high} THEN {x} END"
    return FastField(sql, _int_pattern(len(str(high))))


def boolean_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(f"CASE {x} WHEN 1 THEN 't' WHEN 0 THEN 'f' END", "[tf]")


def text_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if column.name == "bpchar":
        return None  # printed blank-padded: Python pads
    # A REAL in a text column: SQLite's and Python's float-to-text differ. The
    # length is counted on the value itself, before escaping.
    wanted = f"typeof({x}) <> 'real'"
    if column.length is not None and not policy.ignore_length:
        wanted += f" AND length({x}) <= {int(column.length)}"
    return FastField(f"CASE WHEN {wanted} THEN {escaped_sql(x)} END", _ESCAPED)


def uuid_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(
        f"CASE WHEN {x} GLOB '{_UUID_GLOB}' THEN {x} END",
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    )


def _timestamp(suffix: str) -> Callable[[ColumnType, TextPolicy, str], FastField]:
    def render(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
        # Sequelize's 'YYYY-MM-DD HH:MM:SS.mmm +00:00': PostgreSQL prints the
        # fraction without its trailing zeros (and without the dot for .000).
        # The hour is checked by the shape (two GLOBs: 00-19, 20-23; julianday()
        # takes 24), the fraction's last digit tells the two outputs apart.
        def shape(last: str) -> str:
            return " OR ".join(
                f"{x} GLOB '{_DAY_SHAPE} {hour}:??:??.{_D * 2}{last} +00:00'" for hour in ("[01]?", "2[0-3]")
            )

        # The common case (a last digit that is not 0) keeps the value whole
        # but for its offset: GLOB stops at a NUL, replace() does not, so a NUL
        # after the shape reaches the chunk's check (clean_chunk) and the row
        # goes to Python, which names it. The other case prints part of the
        # value, so its length is checked (length() too would stop at a NUL).
        fraction = f"substr({x}, 1, 23)"
        sql = (
            f"CASE WHEN ({shape('[1-9]')}) AND {_day_sql(x)} THEN replace({x}, ' +00:00', '{suffix}') "
            f"WHEN ({shape(_D)}) AND {_day_sql(x)} AND length(CAST({x} AS BLOB)) = 30 "
            f"THEN rtrim(rtrim({fraction}, '0'), '.') || '{suffix}' END"
        )
        return FastField(sql, rf"{_DAY} {_CLOCK}(?:\.\d{{0,2}}[1-9])?" + re.escape(suffix))

    return render


def date_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(f"CASE WHEN {x} GLOB '{_DAY_SHAPE}' AND {_day_sql(x)} THEN {x} END", _DAY)


def time_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    # substr(): a comparison with the column itself would apply its affinity
    # (TIME is NUMERIC) to '24', and no text is less than a number.
    return FastField(f"CASE WHEN {x} GLOB '{_CLOCK_GLOB}' AND substr({x}, 1, 2) < '24' THEN {x} END", _CLOCK)


def _below(x: str, digits: int) -> str:
    """SQL: abs(x) < 10^digits (true when no such value fits 64 bits or a double)."""
    if digits >= 19:
        return "1"
    bound = 10**digits
    return f"{x} > -{bound} AND {x} < {bound}"


def numeric_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if column.precision is None:
        return FastField(f"CASE WHEN typeof({x}) = 'integer' THEN {x} END", r"0|-?[1-9]\d*")
    scale = column.scale or 0
    whole = column.precision - scale
    if whole < 1:
        return None
    if scale == 0:
        sql = f"CASE WHEN typeof({x}) = 'integer' AND {_below(x, whole)} THEN {x} END"
        return FastField(sql, _int_pattern(whole))
    fixed = f"printf('%.{scale}f', {x} + 0.0)"  # + 0.0: no negative zero
    # The value round-trips through its fixed form, so the bound on it bounds the text.
    sql = (
        f"CASE WHEN {_below(x, whole)} THEN CASE typeof({x}) WHEN 'integer' THEN {x} || '.{'0' * scale}' "
        f"WHEN 'real' THEN CASE WHEN CAST({fixed} AS REAL) = {x} THEN {fixed} END END END"
    )
    return FastField(sql, rf"-?(?:0|[1-9]\d{{0,{whole - 1}}})\.\d{{{scale}}}")


def float8_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    # %.15g is the shortest form whenever it round-trips, for normal doubles
    # below 2^53 (no ties with PostgreSQL's shortest-digits choice there); it
    # switches to exponent notation where float8out does (exp < -4 or >= 15).
    # An integer prints as such up to 15 digits.
    sql = (
        f"CASE typeof({x}) WHEN 'integer' THEN CASE WHEN {_below(x, 15)} THEN {x} END "
        f"WHEN 'real' THEN CASE WHEN ({x} = 0 "
        f"OR abs({x}) BETWEEN 2.2250738585072014e-308 AND 9007199254740991) "
        f"AND CAST(printf('%.15g', {x}) AS REAL) = {x} THEN printf('%.15g', {x}) END END"
    )
    return FastField(sql, r"-?\d{1,15}(?:\.\d+)?(?:e[+-]\d\d\d?)?")


def json_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if sqlite3.sqlite_version_info < JSON_VALID_FROM:
        return None
    sql = f"CASE WHEN typeof({x}) = 'text' AND json_valid({x}) THEN {escaped_sql(x)} END"
    return FastField(sql, _ESCAPED)


def bytea_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    sql = f"CASE WHEN typeof({x}) <> 'real' THEN '\\\\x' || lower(hex({x})) END"
    return FastField(sql, r"\\\\x[0-9a-f]*")


def enum_field(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if any(re.fullmatch(_PLAIN + "*", label) is None for label in column.enum_labels):
        return None
    labels = ", ".join("'" + label.replace("'", "''") + "'" for label in column.enum_labels)
    sql = f"CASE WHEN typeof({x}) = 'text' AND {x} IN ({labels}) THEN {x} END"
    return FastField(sql, "|".join(re.escape(label) for label in column.enum_labels))


timestamptz_field = _timestamp("+00")
timestamp_field = _timestamp("")


def with_null(found: FastField | None, quoted: str) -> FastField | None:
    """A renderer's field with NULL handled (pg_types.fast_field), or None."""
    if found is None:
        return None
    # No field's SQL lets the text '\N' through unescaped: '\N' means NULL.
    sql = f"CASE WHEN {quoted} IS NULL THEN '\\N' ELSE {found.sql} END"
    return FastField(sql, found.pattern)


def line_sql(fields: list[FastField]) -> str:
    """SQL: the fields joined by tabs; NULL when any field is."""
    return " || '\t' || ".join(f"({f.sql})" for f in fields)


def line_regex(fields: list[FastField]) -> re.Pattern[str]:
    """What every line ``line_sql`` gives matches (for the tests)."""
    return re.compile("\t".join(rf"(?:{f.pattern}|\\N)" for f in fields))


# Bytes no field of a fast line holds raw: NUL (PostgreSQL text cannot hold it)
# and the control characters COPY prints escaped, which SQLite does not escape.
FORBIDDEN_BYTES = (b"\x00", b"\x08", b"\x0b", b"\x0c")


def clean_chunk(data: bytes) -> bool:
    """Whether a chunk of fast lines is valid UTF-8 without a forbidden byte.
    False: check its lines one by one (``clean_chunk`` on each)."""
    for byte in FORBIDDEN_BYTES:
        if byte in data:
            return False
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
