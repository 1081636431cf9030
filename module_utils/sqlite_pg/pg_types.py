"""The registry of PostgreSQL types the module renders: one entry per type, data.

Everything the module looks up per target type is here: its catalog name
(``pg_type.typname``, what an existing column's type is read as), its DDL
spelling (what the casting rules, type_rules.CAST_RULES, write for a created
column) and format_type()'s name, its converter (a value -> the COPY text
PostgreSQL prints for it; converters.py), its fast-path renderer (SQLite builds
the field; sql_render.py) or none, how its large values go in pieces
(large_value.py) or not, whether it is rendered exactly, and the families the
other modules ask about (integer widths, numbers in date/time columns, "now"
defaults, the kinds of the expression translation).

A spelling that is not here is an error (``column_type``): a casting rule
naming one fails at import. A target column of a type that is not here (an
existing table's: hstore, inet, ...) is another matter: ``converter_for``
sends its text for PostgreSQL to read and the verification compares
PostgreSQL's rendering (reported as inexact).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import converters as c
from . import large_value as lv
from . import sql_render as r
from .converters import ColumnType, Converter, TextPolicy
from .large_value import Streamer
from .sql_render import FastField

ConverterBuilder = Callable[[ColumnType, TextPolicy], Converter]
Renderer = Callable[[ColumnType, TextPolicy, str], "FastField | None"]
StreamerBuilder = Callable[[ColumnType, TextPolicy], Streamer]


@dataclass(frozen=True)
class PgType:
    catalog: str  # pg_type.typname
    spelling: str  # in DDL (CAST_RULES' targets); with modifiers: the name before "("
    converter: ConverterBuilder
    renderer: Renderer | None = None  # the fast path's field SQL; None: the Python converter
    streamer: StreamerBuilder | None = None  # large values in pieces; None: read whole
    # False: some forms are rendered, other text is sent as it is for PostgreSQL to
    # read (reported like an unknown type: verify=count would not compare its rendering).
    exact: bool = True
    modifiers: str = ""  # "length": (n); "precision": (p) or (p,s)
    formatted: str = ""  # format_type()'s name, when it is not the spelling
    family: str = ""  # "integer" (narrowest first), "date" (date_numbers applies)
    now: str | None = None  # the default meaning SQLite's 'now' for this type
    kind: str = "other"  # sql_translate's kind: int, float, text, other

    @property
    def shown(self) -> str:
        return self.formatted or self.spelling


TYPES: tuple[PgType, ...] = (
    PgType("bool", "boolean", c.boolean_converter, r.boolean_field),
    PgType("int2", "smallint", c.integer_converter, r.integer_field, family="integer", kind="int"),
    PgType("int4", "integer", c.integer_converter, r.integer_field, family="integer", kind="int"),
    PgType("int8", "bigint", c.integer_converter, r.integer_field, family="integer", kind="int"),
    PgType("numeric", "numeric", c.numeric_converter, r.numeric_field, modifiers="precision"),
    PgType("float4", "real", c.float_converter),
    PgType("float8", "double precision", c.float_converter, r.float8_field, kind="float"),
    PgType("text", "text", c.text_converter, r.text_field, lv.text_streamer, kind="text"),
    PgType(
        "varchar",
        "varchar",
        c.text_converter,
        r.text_field,
        lv.text_streamer,
        modifiers="length",
        formatted="character varying",
        kind="text",
    ),
    # char(n): not in pieces, PostgreSQL's substring() of it drops the padding COPY prints.
    PgType("bpchar", "char", c.text_converter, r.text_field, modifiers="length", formatted="character"),
    PgType("name", "name", c.text_converter),
    PgType("citext", "citext", c.text_converter, streamer=lv.text_streamer),
    PgType("uuid", "uuid", c.uuid_converter, r.uuid_field),
    PgType("json", "json", c.json_converter, r.json_field),
    PgType("jsonb", "jsonb", c.jsonb_converter),
    PgType(
        "timestamptz",
        "timestamp with time zone",
        c.timestamptz_converter,
        r.timestamptz_field,
        family="date",
        now="CURRENT_TIMESTAMP",
    ),
    PgType(
        "timestamp", "timestamp without time zone", c.timestamp_converter, r.timestamp_field, family="date"
    ),
    PgType("date", "date", c.date_converter, r.date_field, family="date", now="CURRENT_DATE"),
    PgType("time", "time without time zone", c.time_converter, r.time_field, now="LOCALTIME"),
    PgType("bytea", "bytea", c.bytea_converter, r.bytea_field, lv.bytea_streamer),
    PgType("interval", "interval", c.interval_converter, exact=False),
)

BY_CATALOG: dict[str, PgType] = {t.catalog: t for t in TYPES}
BY_SPELLING: dict[str, PgType] = {t.spelling: t for t in TYPES}
# A created integer column gets the narrowest of these (spelling -> catalog name,
# narrowest first) holding its values (type_rules.integer_type_for).
INTEGER_TYPES: dict[str, str] = {t.spelling: t.catalog for t in TYPES if t.family == "integer"}
DATE_TYPES = frozenset(t.catalog for t in TYPES if t.family == "date")

_SPELLED = re.compile(r"([a-z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?")


def registered(spelling: str) -> PgType:
    """The entry of a DDL spelling (modifiers allowed: ``varchar(20)``, ``numeric(10,2)``);
    ValueError for a type the registry does not hold, or modifiers it does not take."""
    found = _SPELLED.fullmatch(spelling)
    entry = BY_SPELLING.get(found.group(1)) if found else None
    if found is None or entry is None:
        raise ValueError(f"PostgreSQL type {spelling!r} is not in the type registry (pg_types.TYPES)")
    if (found.group(2) is not None and not entry.modifiers) or (
        found.group(3) is not None and entry.modifiers != "precision"
    ):
        raise ValueError(f"PostgreSQL type {entry.spelling} takes no modifiers such as {spelling!r}")
    return entry


def column_type(spelling: str) -> ColumnType:
    """What the converters need to know of a created column's type (a DDL spelling)."""
    entry = registered(spelling)
    found = _SPELLED.fullmatch(spelling)
    assert found is not None
    first, second = found.group(2), found.group(3)
    if entry.modifiers == "length" and first is not None:
        return ColumnType(entry.catalog, f"{entry.shown}({first})", length=int(first))
    if entry.modifiers == "precision":
        precision = int(first) if first is not None else None
        scale = int(second or 0) if precision is not None else None
        return ColumnType(entry.catalog, spelling, precision=precision, scale=scale)
    return ColumnType(entry.catalog, spelling)


def converter_for(column: ColumnType, policy: TextPolicy) -> tuple[Converter, bool]:
    """The converter for a column, and whether the type is one we render exactly."""
    if column.enum_labels:
        return c.enum_converter(column, policy), True
    entry = BY_CATALOG.get(column.name)
    if entry is None:
        # A target type the registry does not hold: send the text and let the
        # verification compare PostgreSQL's output.
        return c.text_converter(ColumnType("text", column.formatted), policy), False
    return entry.converter(column, policy), entry.exact


def fast_field(column: ColumnType, policy: TextPolicy, quoted: str) -> FastField | None:
    """The column's fast-path field (NULL handled), or None when it has none."""
    if column.enum_labels:
        return r.with_null(r.enum_field(column, policy, quoted), quoted)
    entry = BY_CATALOG.get(column.name)
    if entry is None or entry.renderer is None:
        return None
    return r.with_null(entry.renderer(column, policy, quoted), quoted)


def streamer_for(column: ColumnType, policy: TextPolicy) -> Streamer | None:
    """How the column's large values go in pieces, or None: read whole."""
    entry = None if column.enum_labels else BY_CATALOG.get(column.name)
    if entry is None or entry.streamer is None:
        return None
    return entry.streamer(column, policy)


def now_default(spelling: str) -> str:
    """The default meaning SQLite's 'now' (CURRENT_TIMESTAMP unless the type says otherwise)."""
    try:
        return registered(spelling).now or "CURRENT_TIMESTAMP"
    except ValueError:
        return "CURRENT_TIMESTAMP"


def translation_kind(pg_type: str) -> str:
    """sql_translate's kind of a column type (a DDL spelling, a format_type() name or a catalog name)."""
    text = pg_type.lower()
    base = text.split("(")[0].strip()
    entry = BY_CATALOG.get(base) or BY_SPELLING.get(base)
    if entry is None:
        entry = next((t for t in TYPES if t.formatted and t.formatted == base), None)
    return entry.kind if entry is not None else "other"
