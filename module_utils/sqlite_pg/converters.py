"""Per-target-type converters: a SQLite value to its PostgreSQL COPY text field.

Each type's builder is named in the type registry (pg_types.py). A converter
takes a non-NULL value as ``sqlite3`` returns it (text arrives as
``bytes`` so that invalid UTF-8 is found per value) and returns the field exactly
as PostgreSQL's COPY TO prints the stored value, or raises ConversionError.
Converters are built once per column, so the per-value work is one call.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from .copy_text import escape
from .errors import ConversionError
from .jsontext import json_text, jsonb_text
from .numbers import INT_RANGES, float_text, integer_text, numeric_text
from .temporal import (
    REFUSED,
    NumberReading,
    date_text,
    interval_text,
    time_text,
    timestamp_text,
    timestamptz_text,
)
from .utf8 import utf8_text

Converter = Callable[[object], str]


@dataclass(frozen=True)
class ColumnType:
    """What a converter needs to know about a target column's type."""

    name: str  # pg_type.typname of the base type: int4, varchar, timestamptz, ...
    formatted: str  # format_type(): what reports show
    length: int | None = None  # varchar(n) / char(n)
    precision: int | None = None  # numeric(p, s)
    scale: int | None = None
    enum_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextPolicy:
    """Opt-in ways through for text the target will not take as it is."""

    strip_nul: bool = False
    ignore_length: bool = False  # widen_varchar: the column becomes text
    date_numbers: NumberReading = REFUSED  # a date/time column's numbers (numeric_dates.py)


def _decode(value: object) -> str:
    if type(value) is bytes:
        return utf8_text(value)
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return repr(value)
    if isinstance(value, str):
        return value
    raise ConversionError(f"unexpected {type(value).__name__} value")


def text_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    limit = None if policy.ignore_length else column.length
    pad = column.length if column.name == "bpchar" else None
    strip_nul = policy.strip_nul

    def convert(value: object) -> str:
        text = _decode(value)
        if "\x00" in text:
            if not strip_nul:
                raise ConversionError("NUL byte (PostgreSQL text cannot hold it; strip_nul removes it)")
            text = text.replace("\x00", "")
        if limit is not None and len(text) > limit:
            raise ConversionError(f"{len(text)} characters, longer than {column.formatted}")
        if pad is not None:
            text = text.ljust(pad)  # char(n) prints blank-padded
        return escape(text)

    return convert


_BOOLEANS: dict[object, str] = {0: "f", 1: "t"}
_BOOLEAN_TEXT = {
    b"0": "f", b"1": "t", b"false": "f", b"true": "t", b"f": "f", b"t": "t",
    b"no": "f", b"yes": "t", b"n": "f", b"y": "t", b"off": "f", b"on": "t",
}  # fmt: skip


def boolean_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    def convert(value: object) -> str:
        try:
            return _BOOLEANS[value]
        except (KeyError, TypeError):
            pass
        if type(value) is bytes:
            found = _BOOLEAN_TEXT.get(value.strip().lower())
            if found is not None:
                return found
        raise ConversionError("not a boolean (expected 0 or 1)")

    return convert


def integer_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    kind = column.name
    low, high = INT_RANGES[kind]

    def convert(value: object) -> str:
        if type(value) is int and low <= value <= high:
            return str(value)
        return integer_text(value, kind)

    return convert


def numeric_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    precision, scale = column.precision, column.scale
    return lambda value: numeric_text(value, precision, scale)


def float_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    kind = column.name
    return lambda value: float_text(value, kind)


_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def uuid_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    match = _UUID.fullmatch

    def convert(value: object) -> str:
        if type(value) is bytes:
            if match(value) is not None:
                return value.decode("ascii")
            try:
                return str(uuid.UUID(value.decode("ascii").strip()))
            except (UnicodeDecodeError, ValueError):
                pass
        raise ConversionError("not a UUID")

    return convert


def bytea_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    def convert(value: object) -> str:
        if type(value) is bytes:
            # \x hex, its backslash doubled for COPY text.
            return "\\\\x" + value.hex()
        if type(value) is int or type(value) is float:
            return "\\\\x" + repr(value).encode("ascii").hex()
        raise ConversionError("not binary data")

    return convert


def enum_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    labels = frozenset(column.enum_labels)
    shown = ", ".join(column.enum_labels[:8]) + (", ..." if len(column.enum_labels) > 8 else "")

    def convert(value: object) -> str:
        text = _decode(value)
        if text not in labels:
            raise ConversionError(f"not a label of enum {column.formatted} ({shown})")
        return escape(text)

    return convert


def _escaped(render: Callable[[object], str]) -> Callable[[ColumnType, TextPolicy], Converter]:
    def build(column: ColumnType, policy: TextPolicy) -> Converter:
        return lambda value: escape(render(value))

    return build


# jsonb's canonical text is costly to compute (a parse and a render per value)
# and application JSON repeats (tags, settings): each column keeps the most
# recent results (typed: 1 and 1.0 render differently). Bounded, so memory
# does not grow with the table.
JSONB_CACHE = 1024


def _jsonb(column: ColumnType, policy: TextPolicy) -> Converter:
    return functools.lru_cache(maxsize=JSONB_CACHE, typed=True)(lambda value: escape(jsonb_text(value)))


def _plain(render: Callable[[object], str]) -> Callable[[ColumnType, TextPolicy], Converter]:
    # Renderers whose output never needs COPY escaping (digits, dashes, colons).
    def build(column: ColumnType, policy: TextPolicy) -> Converter:
        return render

    return build


def _dated(render: Callable[[object, NumberReading], str]) -> Callable[[ColumnType, TextPolicy], Converter]:
    # Date/time renderers (no COPY escaping needed), with the column's reading of numbers.
    def build(column: ColumnType, policy: TextPolicy) -> Converter:
        return functools.partial(render, numbers=policy.date_numbers)

    return build


def interval_converter(column: ColumnType, policy: TextPolicy) -> Converter:
    """The ORMs' duration forms rendered (temporal.interval_text); any other text is sent
    as it is for PostgreSQL to read, and the verification compares what it printed."""
    as_text = text_converter(ColumnType("text", column.formatted), policy)

    def convert(value: object) -> str:
        found = interval_text(value)
        return found if found is not None else as_text(value)

    return convert


# Builders of the types whose rendering is a function of the value alone (the
# registry, pg_types.py, names each type's builder).
json_converter = _escaped(json_text)
jsonb_converter = _jsonb
timestamptz_converter = _dated(timestamptz_text)
timestamp_converter = _dated(timestamp_text)
date_converter = _dated(date_text)
time_converter = _plain(time_text)
