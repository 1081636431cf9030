"""The reverse casting data (postgres_to_sqlite): a PostgreSQL COPY TO field -> the
value in the storage form the application keeps in SQLite.

A column's *form* is chosen once, from the PostgreSQL type, the template's declared
type and the template's data (``choose_form``: typeof() counts and text shapes, and
for date/time numbers the forward module's own reading, numeric_dates.py). ``FORMS``
is the table: form name -> builder of the column's reader. A reader takes the
unescaped COPY field (never NULL) and returns the value to insert, or raises
ConversionError when the value has no faithful form (a timestamp finer than the
form's precision, a numeric a double cannot hold where the template stores REAL, NaN,
...): reported, never rounded. Every form is one the forward converters read back
to exactly PostgreSQL's text (the tests round-trip each rule; the run proves it by
digest).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .converters import ColumnType
from .errors import ConversionError
from .numbers import numeric_text
from .temporal import (
    DAY_US,
    JULIAN_ZERO,
    PER_UNIT,
    READINGS,
    UNIX_EPOCH,
    NumberReading,
    instant_fields,
    parse_instant,
)
from .type_rules import affinity_type, normalise_declared

Reader = Callable[[str], object]

TIMESTAMP_TYPES = frozenset({"timestamptz", "timestamp"})


@dataclass(frozen=True)
class TextShape:
    """A text form of an instant (UTC): how the template's values are recognised
    (GLOB), the finest step it holds (microseconds) and how it is written."""

    glob: str
    step: int
    render: Callable[[str, str, int], str]  # (YYYY-MM-DD, HH:MM:SS, microseconds of the second)
    note: str


_D = "[0-9]"
_DAY_GLOB = f"{_D * 4}-{_D * 2}-{_D * 2}"
_CLOCK_GLOB = f"{_D * 2}:{_D * 2}:{_D * 2}"

TEXT_SHAPES: dict[str, TextShape] = {
    "sequelize": TextShape(
        f"{_DAY_GLOB} {_CLOCK_GLOB}.{_D * 3} +00:00",
        1000,
        lambda day, clock, micros: f"{day} {clock}.{micros // 1000:03d} +00:00",
        "Sequelize's DATETIME: 2024-04-19 02:51:06.990 +00:00 (milliseconds)",
    ),
    "iso_ms_z": TextShape(
        f"{_DAY_GLOB}T{_CLOCK_GLOB}.{_D * 3}Z",
        1000,
        lambda day, clock, micros: f"{day}T{clock}.{micros // 1000:03d}Z",
        "JavaScript's toISOString(): 2024-04-19T02:51:06.990Z (milliseconds)",
    ),
    "iso_us": TextShape(
        f"{_DAY_GLOB} {_CLOCK_GLOB}.{_D * 6}",
        1,
        lambda day, clock, micros: f"{day} {clock}.{micros:06d}",
        "Python's isoformat (SQLAlchemy, Django): 2024-04-19 02:51:06.990000 (microseconds)",
    ),
    "sqlite_seconds": TextShape(
        f"{_DAY_GLOB} {_CLOCK_GLOB}",
        1_000_000,
        lambda day, clock, micros: f"{day} {clock}",
        "SQLite's datetime() and CURRENT_TIMESTAMP: 2024-04-19 02:51:06 (seconds)",
    ),
}
DEFAULT_SHAPE = "sequelize"  # a DATETIME column with no text to learn from
UUID_HEX_GLOB = "[0-9a-f]" * 32  # Django's and SQLAlchemy's uuid without dashes

# PostgreSQL prints a UTC instant of years 1-9999 AD like this (TimeZone=UTC, DateStyle=ISO).
_PG_STAMP = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:\+00)?")


def _instant(text: str) -> int:
    """Microseconds since 0001-01-01 UTC of a timestamp PostgreSQL printed."""
    found = parse_instant(text)
    if isinstance(found, str):
        raise ConversionError(f"{found}: no date/time of the application's form holds it")
    return found


def _stamp_parts(text: str) -> tuple[str, str, int]:
    """(YYYY-MM-DD, HH:MM:SS, microseconds of the second) of a timestamp PostgreSQL printed."""
    found = _PG_STAMP.fullmatch(text)
    if found is not None:
        day, clock, fraction = found.groups()
        return day, clock, int(fraction.ljust(6, "0")) if fraction else 0
    year, month, day, clock = instant_fields(_instant(text))
    if not 1 <= year <= 9999:
        raise ConversionError("a year outside 1-9999 AD: the application's text form has four digits")
    seconds, micros = divmod(clock, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{year:04d}-{month:02d}-{day:02d}", f"{hour:02d}:{minute:02d}:{second:02d}", micros


def _precision(step: int) -> str:
    return {1000: "milliseconds", 1_000_000: "whole seconds", 1: "microseconds"}[step]


def shape_reader(name: str) -> Reader:
    shape = TEXT_SHAPES[name]
    step, render = shape.step, shape.render

    def read(text: str) -> object:
        found = _PG_STAMP.fullmatch(text)  # the common case inline: one call per value
        if found is not None:
            day, clock, fraction = found.groups()
            micros = int(fraction.ljust(6, "0")) if fraction else 0
        else:
            day, clock, micros = _stamp_parts(text)
        if micros % step:
            raise ConversionError(
                f"finer than the column's form holds ({shape.note}; it keeps {_precision(step)}): not rounded"
            )
        return render(day, clock, micros)

    return read


def number_reader(reading: str, reals: bool) -> Reader:
    """An instant as the number the template's column holds (``reading``: one of
    temporal.READINGS): an integer when exact, a REAL only where the template holds REALs,
    each checked by the forward reading (parse_instant) to give the instant back."""
    numbers = NumberReading(reading)

    def read(text: str) -> object:
        instant = _instant(text)
        since = instant - UNIX_EPOCH
        if reading == "julian_day":
            candidate: int | float = (instant - JULIAN_ZERO) / DAY_US  # one rounding
        else:
            unit = PER_UNIT[reading]
            if since % unit == 0:
                return since // unit
            if not reals:
                raise ConversionError(
                    f"finer than the column's {reading} integers hold (the template holds no REALs there): "
                    "not rounded"
                )
            candidate = since / unit
        if parse_instant(candidate, numbers) != instant:
            raise ConversionError(f"no {reading} number of a double gives this instant back: not rounded")
        return candidate

    return read


def _boolean(text: str) -> object:
    if text == "t":
        return 1
    if text == "f":
        return 0
    raise ConversionError("not a boolean")


def _real(text: str) -> object:
    if text == "NaN":
        raise ConversionError("NaN: SQLite stores NULL for it")
    if text == "-0":
        raise ConversionError("-0: SQLite keeps no sign of a zero")
    return float(text)


def number_of(column: ColumnType) -> Reader:
    """numeric as a SQLite number (the template's column holds numbers): an integer
    when it is one, else a double, checked to print back as PostgreSQL printed it."""
    precision, scale = column.precision, column.scale

    def read(text: str) -> object:
        if text.lstrip("-").isdigit():
            number = int(text)
            if -(2**63) <= number < 2**63:
                return number
        if text == "NaN":
            raise ConversionError("NaN: SQLite stores NULL for it")
        candidate = float(text)
        if numeric_text(candidate, precision, scale) != text:
            raise ConversionError(
                "no SQLite number holds it exactly (a double keeps 15 significant digits; the "
                "template stores this column as numbers): not rounded"
            )
        return candidate

    return read


def _blob(text: str) -> object:
    return bytes.fromhex(text[2:])  # \x hex (bytea_output=hex)


def _uuid_hex(text: str) -> object:
    return text.replace("-", "")


def _text(text: str) -> object:
    return text


# The reverse casting table: form name -> builder of the column's reader.
FORMS: dict[str, Callable[[ColumnType], Reader]] = {
    "integer_boolean": lambda column: _boolean,
    "integer": lambda column: int,
    "real": lambda column: _real,
    "number": number_of,
    "text": lambda column: _text,
    "uuid_hex": lambda column: _uuid_hex,
    "blob": lambda column: _blob,
    **{name: (lambda column, name=name: shape_reader(name)) for name in TEXT_SHAPES},
    **{
        reading: (lambda column, reading=reading: number_reader(reading, reals=False)) for reading in READINGS
    },
    **{
        f"{reading}_real": (lambda column, reading=reading: number_reader(reading, reals=True))
        for reading in PER_UNIT
    },
}

# The form of a PostgreSQL type when nothing in the template says otherwise (timestamps:
# DEFAULT_SHAPE; every type not listed: its text as PostgreSQL prints it).
DEFAULT_FORMS: dict[str, str] = {
    "bool": "integer_boolean",
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "float4": "real",
    "float8": "real",
    "numeric": "number",
    "bytea": "blob",
    "timestamptz": DEFAULT_SHAPE,
    "timestamp": DEFAULT_SHAPE,
}

# Declared types for columns and tables the template lacks (extra: add), as Sequelize
# declares them in SQLite: the type's affinity follows from them (SQLite's rules).
DECLARED_TYPES: dict[str, str] = {
    "bool": "TINYINT(1)",
    "int2": "INTEGER",
    "int4": "INTEGER",
    "int8": "BIGINT",
    "float4": "REAL",
    "float8": "FLOAT",
    "numeric": "DECIMAL",
    "text": "TEXT",
    "varchar": "VARCHAR",
    "bpchar": "CHAR",
    "uuid": "UUID",
    "json": "JSON",
    "jsonb": "JSON",
    "timestamptz": "DATETIME",
    "timestamp": "DATETIME",
    "date": "DATE",
    "time": "TIME",
    "bytea": "BLOB",
}


def declared_type(column: ColumnType) -> str:
    """The SQLite declared type for a PostgreSQL column the template lacks."""
    if column.enum_labels:
        return "TEXT"  # Sequelize's ENUM on SQLite
    base = DECLARED_TYPES.get(column.name, "TEXT")
    if column.length is not None and column.name in ("varchar", "bpchar"):
        return f"{base}({column.length})"
    if column.name == "numeric" and column.precision is not None:
        return f"DECIMAL({column.precision},{column.scale or 0})"
    return base


def affinity(declared: str) -> str:
    """SQLite's affinity of a declared type (datatype3.html 3.1), in the casting rules' words
    (bigint, text, bytea, double precision, numeric); ``none`` for no declared type."""
    key = normalise_declared(declared)
    return affinity_type(key) if key else "none"


@dataclass
class ColumnProfile:
    """What the template's column holds: typeof() counts and text shapes."""

    texts: int = 0
    numbers: int = 0  # integers and reals
    reals: int = 0
    shapes: dict[str, int] = field(default_factory=dict)  # TEXT_SHAPES name / "uuid_hex" -> matches


def profile_sql(table: str, columns: list[tuple[str, str]]) -> str:
    """One scan of the template's table: per column (quoted name, PostgreSQL type name)
    the typeof() counts, and the shape counts of timestamp and uuid columns."""
    parts: list[str] = []
    for quoted, pg_type in columns:
        parts += [
            f"sum(typeof({quoted}) = 'text')",
            f"sum(typeof({quoted}) IN ('integer', 'real'))",
            f"sum(typeof({quoted}) = 'real')",
        ]
        parts += [f"sum({quoted} GLOB '{glob}')" for glob in shape_globs(pg_type).values()]
    quoted_table = '"' + table.replace('"', '""') + '"'
    return f"SELECT {', '.join(parts) or '0'} FROM {quoted_table}"


def shape_globs(pg_type: str) -> dict[str, str]:
    if pg_type in TIMESTAMP_TYPES:
        return {name: shape.glob for name, shape in TEXT_SHAPES.items()}
    if pg_type == "uuid":
        return {"uuid_hex": UUID_HEX_GLOB}
    return {}


def profiles_from(row: tuple, columns: list[tuple[str, str]]) -> list[ColumnProfile]:
    found: list[ColumnProfile] = []
    position = 0
    for _quoted, pg_type in columns:
        texts, numbers, reals = (int(v or 0) for v in row[position : position + 3])
        position += 3
        shapes = {}
        for name in shape_globs(pg_type):
            shapes[name] = int(row[position] or 0)
            position += 1
        found.append(ColumnProfile(texts, numbers, reals, shapes))
    return found


def choose_form(
    column: ColumnType, declared: str, profile: ColumnProfile, numbers: NumberReading | None
) -> str:
    """The column's form (a FORMS name). ``numbers``: how the template's date/time numbers
    read (numeric_dates.column_numbers, the option date_numbers winning), None when it
    holds none and none was chosen. ConversionError: numbers of no known unit."""
    name = column.name
    if column.enum_labels:
        return "text"
    if name in TIMESTAMP_TYPES:
        if numbers is not None and profile.numbers >= profile.texts:
            if numbers.reading is None:
                raise ConversionError(numbers.refusal)
            if numbers.reading in PER_UNIT and profile.reals:
                return f"{numbers.reading}_real"
            return numbers.reading
        best = max(TEXT_SHAPES, key=lambda shape: profile.shapes.get(shape, 0))
        return best if profile.shapes.get(best, 0) else DEFAULT_SHAPE
    if name == "uuid" and profile.texts and profile.shapes.get("uuid_hex", 0) * 2 > profile.texts:
        return "uuid_hex"
    if name == "numeric":
        kind = affinity(declared)
        if kind in ("text",) or (kind in ("none", "bytea") and profile.texts > profile.numbers):
            return "text"  # SQLite keeps the text; PostgreSQL's is the numeric's exact text
        return "number"
    return DEFAULT_FORMS.get(name, "text")


def reader_for(column: ColumnType, form: str) -> Reader:
    return FORMS[form](column)
