"""The fast path: SQLite assembles each row's COPY line, one regex checks it.

Calling a Python converter per value is most of a copy's cost. Here SQLite
concatenates the row's fields (rendering what needs rendering: 0/1 to t/f,
Sequelize's UTC timestamps to PostgreSQL's form, blobs to hex, NULL to ``\\N``)
and yields NULL for a row it cannot render; Python then decodes the line (which
checks the UTF-8) and matches it against one precompiled regex of the exact
forms PostgreSQL prints (an int4 has at most nine digits here, a varchar(n) at
most n characters and nothing COPY would escape, a date is a real calendar day,
...). Any row that fails goes through the Python converters, which render the
rarer forms or name the problem. Both paths give the same text for the same
value: the tests compare them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from .converters import ColumnType, TextPolicy

JSON_VALID_FROM = (3, 38, 0)

# Text with none of the characters COPY escapes (nor NUL): longer forms go slow.
_PLAIN = r"[^\\\t\n\r\x08\x0b\x0c\x00]"
# A calendar day (29 February only in leap years).
_DAY = (
    r"(?:(?!0000)\d{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"|(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"


@dataclass(frozen=True)
class FastField:
    sql: str  # SQLite expression: the COPY field, or NULL when Python must convert
    pattern: str  # regex of the field's accepted text (without the NULL form)


def _int_pattern(digits: int) -> str:
    return rf"0|-?[1-9]\d{{0,{digits - 1}}}"


# Digits that always fit the type, whatever they are.
_SAFE_DIGITS = {"int2": 4, "int4": 9, "int8": 18}


def _integer(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(x, _int_pattern(_SAFE_DIGITS[column.name]))


def _boolean(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(f"CASE {x} WHEN 1 THEN 't' WHEN 0 THEN 'f' END", "[tf]")


def _text(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if column.name == "bpchar":
        return None  # printed blank-padded: Python pads
    # A REAL in a text column: SQLite's and Python's float-to-text differ.
    if column.length is not None and not policy.ignore_length:
        limit = f"{{0,{column.length}}}"
        return FastField(f"CASE WHEN typeof({x}) <> 'real' THEN {x} END", _PLAIN + limit)
    # Unbounded text (notes, descriptions) often holds newlines: SQLite escapes the
    # common four itself (a length limit could not be checked on escaped text).
    escaped = f"replace(replace({x}, '\\', '\\\\'), char(10), '\\n')"
    escaped = f"replace(replace({escaped}, char(13), '\\r'), char(9), '\\t')"
    return FastField(f"CASE WHEN typeof({x}) <> 'real' THEN {escaped} END", rf"(?:{_PLAIN}|\\[\\tnr])*")


def _uuid(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(x, r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _timestamp(suffix: str) -> Callable[[ColumnType, TextPolicy, str], FastField]:
    def render(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
        sql = (
            f"CASE WHEN length({x}) = 30 AND substr({x}, 24) = ' +00:00' "
            f"THEN substr({x}, 1, 19) || rtrim(rtrim(substr({x}, 20, 4), '0'), '.') || '{suffix}' END"
        )
        return FastField(sql, rf"{_DAY} {_CLOCK}(?:\.\d{{0,2}}[1-9])?" + re.escape(suffix))

    return render


def _date(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(x, _DAY)


def _time(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    return FastField(x, _CLOCK)


def _numeric(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if column.precision is None:
        return FastField(f"CASE WHEN typeof({x}) = 'integer' THEN {x} END", r"0|-?[1-9]\d*")
    scale = column.scale or 0
    whole = column.precision - scale
    if whole < 1:
        return None
    if scale == 0:
        return FastField(f"CASE WHEN typeof({x}) = 'integer' THEN {x} END", _int_pattern(whole))
    fixed = f"printf('%.{scale}f', {x} + 0.0)"  # + 0.0: no negative zero
    sql = (
        f"CASE typeof({x}) WHEN 'integer' THEN {x} || '.{'0' * scale}' "
        f"WHEN 'real' THEN CASE WHEN CAST({fixed} AS REAL) = {x} THEN {fixed} END END"
    )
    return FastField(sql, rf"-?(?:0|[1-9]\d{{0,{whole - 1}}})\.\d{{{scale}}}")


def _float8(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    # %.15g is the shortest form whenever it round-trips, for normal doubles
    # below 2^53 (no ties with PostgreSQL's shortest-digits choice there); it
    # switches to exponent notation where float8out does (exp < -4 or >= 15).
    sql = (
        f"CASE typeof({x}) WHEN 'integer' THEN {x} "
        f"WHEN 'real' THEN CASE WHEN ({x} = 0 "
        f"OR abs({x}) BETWEEN 2.2250738585072014e-308 AND 9007199254740991) "
        f"AND CAST(printf('%.15g', {x}) AS REAL) = {x} THEN printf('%.15g', {x}) END END"
    )
    return FastField(sql, r"-?\d{1,15}(?:\.\d+)?(?:e[+-]\d\d\d?)?")


def _json(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if sqlite3.sqlite_version_info < JSON_VALID_FROM:
        return None
    return FastField(f"CASE WHEN typeof({x}) = 'text' AND json_valid({x}) THEN {x} END", _PLAIN + "*")


def _bytea(column: ColumnType, policy: TextPolicy, x: str) -> FastField:
    sql = f"CASE WHEN typeof({x}) <> 'real' THEN '\\\\x' || lower(hex({x})) END"
    return FastField(sql, r"\\\\x[0-9a-f]*")


def _enum(column: ColumnType, policy: TextPolicy, x: str) -> FastField | None:
    if any(re.fullmatch(_PLAIN + "*", label) is None for label in column.enum_labels):
        return None
    return FastField(x, "|".join(re.escape(label) for label in column.enum_labels))


SQL_RENDERERS: dict[str, Callable[[ColumnType, TextPolicy, str], FastField | None]] = {
    "bool": _boolean,
    "int2": _integer,
    "int4": _integer,
    "int8": _integer,
    "numeric": _numeric,
    "float8": _float8,
    "text": _text,
    "varchar": _text,
    "bpchar": _text,
    "uuid": _uuid,
    "json": _json,
    "timestamptz": _timestamp("+00"),
    "timestamp": _timestamp(""),
    "date": _date,
    "time": _time,
    "bytea": _bytea,
}


def fast_field(column: ColumnType, policy: TextPolicy, quoted: str) -> FastField | None:
    """The column's fast-path field (NULL handled), or None when it has none."""
    if column.enum_labels:
        found = _enum(column, policy, quoted)
    else:
        builder = SQL_RENDERERS.get(column.name)
        found = builder(column, policy, quoted) if builder else None
    if found is None:
        return None
    # '\N' in a line must mean NULL: the text '\N' goes to Python (which escapes
    # it); any other text with a backslash fails the regex.
    sql = f"CASE WHEN {quoted} IS NULL THEN '\\N' WHEN {quoted} = '\\N' THEN NULL ELSE {found.sql} END"
    return FastField(sql, found.pattern)


def line_sql(fields: list[FastField]) -> str:
    return " || '\t' || ".join(f"({f.sql})" for f in fields)


def line_regex(fields: list[FastField]) -> re.Pattern[str]:
    return re.compile("\t".join(rf"(?:{f.pattern}|\\N)" for f in fields))
