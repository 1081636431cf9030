"""The fast path: SQLite itself renders the common values as COPY text.

Calling a Python converter per value is most of a copy's cost. For each column
type, an SQL expression renders the values whose canonical form SQLite can
produce exactly (an integer in range, 0/1, text without characters that need
escaping, Sequelize's UTC timestamps, ...) and yields NULL for anything else; a
row with such a NULL goes through the Python converters (which also name the
problem when a value is bad). Both paths give the same text: the tests compare
them value by value.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .converters import ColumnType, TextPolicy
from .numbers import INT_RANGES

NULL_SQL = "'\\N'"
# Characters COPY text escapes (plus NUL, checked on the bytes): their presence
# sends the value to the Python path.
_SPECIAL_GLOB = "'*[\\\t\n\r\b\v\f]*'"
_DIGIT = "[0-9]"
_HEX = "[0-9a-f]"
_UUID_GLOB = "'" + "-".join(_HEX * n for n in (8, 4, 4, 4, 12)) + "'"
_DAY_GLOB = f"{_DIGIT * 4}-{_DIGIT * 2}-{_DIGIT * 2}"
_CLOCK_GLOB = f"{_DIGIT * 2}:{_DIGIT * 2}:{_DIGIT * 2}"
_SEQUELIZE_GLOB = f"'{_DAY_GLOB} {_CLOCK_GLOB}.{_DIGIT * 3} +00:00'"
JSON_VALID_FROM = (3, 38, 0)


def _quote_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _plain_text(x: str) -> str:
    return f"NOT {x} GLOB {_SPECIAL_GLOB} AND instr(CAST({x} AS BLOB), x'00') = 0"


def _valid_day(day: str) -> str:
    # strftime keeps an impossible day (2024-02-30) as written; the round trip
    # through julianday normalises it, so only a real calendar day compares equal.
    return f"substr({day}, 1, 4) <> '0000' AND date(julianday({day})) = {day}"


def _integer(column: ColumnType, policy: TextPolicy, x: str) -> str:
    low, high = INT_RANGES[column.name]
    return f"WHEN typeof({x}) = 'integer' AND {x} BETWEEN {low} AND {high} THEN CAST({x} AS TEXT)"


def _boolean(column: ColumnType, policy: TextPolicy, x: str) -> str:
    return f"WHEN typeof({x}) = 'integer' AND {x} IN (0, 1) THEN CASE {x} WHEN 1 THEN 't' ELSE 'f' END"


def _text(column: ColumnType, policy: TextPolicy, x: str) -> str | None:
    if column.name == "bpchar":
        return None  # blank-padded output: Python pads
    length = "" if column.length is None or policy.ignore_length else f" AND length({x}) <= {column.length}"
    return f"WHEN typeof({x}) = 'text'{length} AND {_plain_text(x)} THEN {x}"


def _uuid(column: ColumnType, policy: TextPolicy, x: str) -> str:
    return f"WHEN typeof({x}) = 'text' AND length({x}) = 36 AND {x} GLOB {_UUID_GLOB} THEN {x}"


def _timestamp(suffix: str) -> Callable[[ColumnType, TextPolicy, str], str]:
    def render(column: ColumnType, policy: TextPolicy, x: str) -> str:
        day = f"substr({x}, 1, 10)"
        return (
            f"WHEN typeof({x}) = 'text' AND length({x}) = 30 AND {x} GLOB {_SEQUELIZE_GLOB} "
            f"AND substr({x}, 12, 2) < '24' AND substr({x}, 15, 2) < '60' AND substr({x}, 18, 2) < '60' "
            f"AND {_valid_day(day)} "
            f"THEN substr({x}, 1, 19) || rtrim(rtrim(substr({x}, 20, 4), '0'), '.') || '{suffix}'"
        )

    return render


def _date(column: ColumnType, policy: TextPolicy, x: str) -> str:
    return (
        f"WHEN typeof({x}) = 'text' AND length({x}) = 10 AND {x} GLOB '{_DAY_GLOB}' "
        f"AND {_valid_day(x)} THEN {x}"
    )


def _time(column: ColumnType, policy: TextPolicy, x: str) -> str:
    return (
        f"WHEN typeof({x}) = 'text' AND length({x}) = 8 AND {x} GLOB '{_CLOCK_GLOB}' "
        f"AND {x} < '24' AND time({x}) = {x} THEN {x}"
    )


def _numeric(column: ColumnType, policy: TextPolicy, x: str) -> str | None:
    if column.precision is None:
        return f"WHEN typeof({x}) = 'integer' THEN CAST({x} AS TEXT)"
    scale = column.scale or 0
    limit = 10 ** (column.precision - scale)
    if scale == 0:
        return f"WHEN typeof({x}) = 'integer' AND abs({x}) < {limit} THEN CAST({x} AS TEXT)"
    fixed = f"printf('%.{scale}f', {x} + 0.0)"  # + 0.0: no negative zero
    return (
        f"WHEN typeof({x}) = 'integer' AND abs({x}) < {limit} THEN CAST({x} AS TEXT) || '.{'0' * scale}' "
        f"WHEN typeof({x}) = 'real' AND abs({x}) < {limit} AND CAST({fixed} AS REAL) = {x} THEN {fixed}"
    )


def _float8(column: ColumnType, policy: TextPolicy, x: str) -> str | None:
    # %.15g is the shortest form whenever it round-trips, for normal doubles
    # below 2^53 (no ties with PostgreSQL's shortest-digits choice there); its
    # switch to exponent notation (exp < -4 or >= 15) is float8out's.
    return (
        f"WHEN typeof({x}) = 'integer' AND abs({x}) < 1000000000000000 THEN CAST({x} AS TEXT) "
        f"WHEN typeof({x}) = 'real' "
        f"AND ({x} = 0 OR abs({x}) BETWEEN 2.2250738585072014e-308 AND 9007199254740991) "
        f"AND CAST(printf('%.15g', {x}) AS REAL) = {x} THEN printf('%.15g', {x})"
    )


def _json(column: ColumnType, policy: TextPolicy, x: str) -> str | None:
    if sqlite3.sqlite_version_info < JSON_VALID_FROM:
        return None
    return f"WHEN typeof({x}) = 'text' AND {_plain_text(x)} AND json_valid({x}) THEN {x}"


def _bytea(column: ColumnType, policy: TextPolicy, x: str) -> str:
    return f"WHEN typeof({x}) = 'blob' THEN '\\\\x' || lower(hex({x}))"


def _enum(column: ColumnType, policy: TextPolicy, x: str) -> str | None:
    plain = [label for label in column.enum_labels if not any(c in label for c in "\\\t\n\r\b\v\f\x00")]
    if not plain:
        return None
    labels = ", ".join(_quote_text(label) for label in plain)
    return f"WHEN typeof({x}) = 'text' AND {x} IN ({labels}) THEN {x}"


SQL_RENDERERS: dict[str, Callable[[ColumnType, TextPolicy, str], str | None]] = {
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


def render_sql(column: ColumnType, policy: TextPolicy, quoted: str) -> str | None:
    """An SQLite expression giving the COPY field, or NULL when Python must convert;
    None when this type has no fast path."""
    if column.enum_labels:
        branch = _enum(column, policy, quoted)
    else:
        builder = SQL_RENDERERS.get(column.name)
        branch = builder(column, policy, quoted) if builder else None
    if branch is None:
        return None
    return f"CASE WHEN {quoted} IS NULL THEN {NULL_SQL} {branch} END"
