"""Casting rules for tables the module creates: SQLite declared type -> PostgreSQL type.

Data, not code: the first rule whose pattern matches the whole declared type
(lower-cased, spaces collapsed) wins; ``{1}``, ``{2}`` take the pattern's groups.
Each rule's target is a type of the registry (pg_types.py), which knows the rest
of it (catalog name, converter, fast path); a target it does not hold is an
error when this module is imported.
The rules know how ORMs (Sequelize above all) declare SQLite columns. A declared
type no rule knows falls back to SQLite's own affinity rules, so nothing is
rejected for its spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numbers import INT_RANGES
from .pg_types import INTEGER_TYPES, PgType, now_default, registered


@dataclass(frozen=True)
class CastRule:
    pattern: str
    target: str  # a DDL spelling of a registry type, modifiers from the pattern's groups
    note: str = ""

    def __post_init__(self) -> None:
        registered(self.target.format(None, "1", "0"))  # ValueError: not a registry type

    @property
    def type(self) -> PgType:
        return registered(self.target.format(None, "1", "0"))

    def match(self, declared: str) -> str | None:
        found = re.fullmatch(self.pattern, declared)
        if found is None:
            return None
        return self.target.format(None, *found.groups())


_WIDTH = r"(?:\s*\(\s*\d+\s*\))?"

CAST_RULES: tuple[CastRule, ...] = (
    CastRule(r"tinyint\s*\(\s*1\s*\)|bool|boolean", "boolean", "Sequelize BOOLEAN, stored 0/1"),
    CastRule(r"uuid|guid|uniqueidentifier", "uuid"),
    CastRule(
        r"datetime" + _WIDTH + r"|timestamp" + _WIDTH + r"(?: with(?:out)? time zone)?|timestamptz",
        "timestamp with time zone",
        "Sequelize DATE; SQLite keeps no zone, Sequelize writes UTC",
    ),
    CastRule(r"date|dateonly", "date"),
    CastRule(r"time" + _WIDTH + r"(?: without time zone)?", "time without time zone"),
    CastRule(
        r"json",
        "json",
        "Sequelize JSON (json in PostgreSQL): the text as the app wrote it; jsonb would reorder keys "
        "and drop duplicate ones",
    ),
    CastRule(r"jsonb", "jsonb"),
    CastRule(
        r"(?:n?varchar|(?:national )?character varying|varchar2|n?char|character|nchar varying)"
        r"\s*\(\s*(\d+)\s*\)",
        "varchar({1})",
        "length kept; char(n) becomes varchar(n) so values are not blank-padded",
    ),
    CastRule(r"(?:decimal|numeric)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", "numeric({1},{2})"),
    CastRule(r"(?:decimal|numeric)\s*\(\s*(\d+)\s*\)", "numeric({1})"),
    CastRule(r"decimal|numeric|money", "numeric"),
    CastRule(
        r"(?:double(?: precision)?|float\d?|real)(?:\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?: unsigned)?",
        "double precision",
        "SQLite REAL is 8 bytes",
    ),
    CastRule(r"(?:bigint|int8|unsigned big int)" + _WIDTH + r"(?: unsigned)?", "bigint"),
    CastRule(r"(?:tinyint|smallint|int2)" + _WIDTH + r"(?: unsigned)?", "smallint"),
    CastRule(
        r"(?:int|integer|mediumint|int4)" + _WIDTH + r"(?: unsigned)?",
        "integer",
        "Sequelize INTEGER is 32-bit; a column whose values do not fit is created wider (INTEGER_TYPES)",
    ),
    CastRule(r"text|clob|string|n?varchar|character varying|tinytext|mediumtext|longtext|citext", "text"),
    CastRule(r"blob|binary" + _WIDTH + r"|varbinary" + _WIDTH + r"|bytea|longblob|mediumblob", "bytea"),
    CastRule(r"", "text", "no declared type: SQLite stores anything; text keeps what the app wrote"),
)


# SQLite integers are 64-bit whatever the declared type: a created integer column
# gets the narrowest of pg_types.INTEGER_TYPES that holds its values, never
# narrower than its rule's.


def integer_type_for(pg_type: str, low: int, high: int) -> str:
    """``pg_type`` (one of INTEGER_TYPES) or the narrowest wider one holding low..high."""
    names = list(INTEGER_TYPES)
    for candidate in names[names.index(pg_type) :]:
        bottom, top = INT_RANGES[INTEGER_TYPES[candidate]]
        if bottom <= low and high <= top:
            return candidate
    return names[-1]


def affinity_type(declared: str) -> str:
    """SQLite's own affinity rules (datatype3.html, 3.1), as a last resort."""
    if "int" in declared:
        return "bigint"
    if "char" in declared or "clob" in declared or "text" in declared:
        return "text"
    if "blob" in declared:
        return "bytea"
    if "real" in declared or "floa" in declared or "doub" in declared:
        return "double precision"
    return "numeric"


def normalise_declared(declared: str) -> str:
    return re.sub(r"\s+", " ", declared.strip().lower())


def postgres_type(declared: str) -> str:
    key = normalise_declared(declared)
    for rule in CAST_RULES:
        found = rule.match(key)
        if found is not None:
            return found
    return affinity_type(key)


# SQLite default expressions that mean "now", by target type family.
_NOW = re.compile(
    r"\(*\s*(?:current_timestamp|datetime\s*\(\s*'now'\s*(?:,\s*'(?:utc|localtime)'\s*)?\)"
    r"|strftime\s*\(\s*'[^']*'\s*,\s*'now'\s*(?:,\s*'[^']*'\s*)?\)|julianday\s*\(\s*'now'\s*\))\s*\)*",
    re.IGNORECASE,
)
_TODAY = re.compile(r"\(*\s*(?:current_date|date\s*\(\s*'now'\s*(?:,\s*'[^']*'\s*)?\))\s*\)*", re.IGNORECASE)
_CLOCK = re.compile(r"\(*\s*(?:current_time|time\s*\(\s*'now'\s*(?:,\s*'[^']*'\s*)?\))\s*\)*", re.IGNORECASE)
_STRING = re.compile(r"\(*\s*'((?:[^']|'')*)'\s*\)*", re.DOTALL)
_NUMBER = re.compile(r"\(*\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*\)*")
_BLOB = re.compile(r"\(*\s*[xX]'([0-9a-fA-F]*)'\s*\)*")


@dataclass(frozen=True)
class DefaultValue:
    """A translated default: an SQL expression, or a literal still to be converted."""

    expression: str | None = None  # SQL to use as is
    literal: object = None  # a value for the column's converter (bytes / int / float)


def translate_default(sqlite_default: str | None, pg_type: str) -> DefaultValue | None:
    """None for no default; raises ValueError for an expression we cannot translate."""
    if sqlite_default is None:
        return None
    text = sqlite_default.strip()
    if text.upper() in ("NULL", "(NULL)"):
        return None
    for pattern, kind in ((_NOW, "now"), (_TODAY, "today"), (_CLOCK, "clock")):
        if pattern.fullmatch(text):
            if kind == "now":
                return DefaultValue(expression=now_default(pg_type))
            return DefaultValue(expression="CURRENT_DATE" if kind == "today" else "LOCALTIME")
    if text.upper() in ("TRUE", "FALSE"):
        return DefaultValue(literal=1 if text.upper() == "TRUE" else 0)
    found = _STRING.fullmatch(text)
    if found:
        return DefaultValue(literal=found.group(1).replace("''", "'").encode("utf-8"))
    found = _NUMBER.fullmatch(text)
    if found:
        number = found.group(1)
        is_int = re.fullmatch(r"[+-]?\d+", number) is not None
        return DefaultValue(literal=int(number) if is_int else float(number))
    found = _BLOB.fullmatch(text)
    if found:
        return DefaultValue(literal=bytes.fromhex(found.group(1)))
    raise ValueError(f"cannot translate SQLite default {sqlite_default!r}")
