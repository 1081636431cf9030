"""Numbers in date/time columns: one reading per column, from all of its numbers.

SQLite's date functions read a bare number as a Julian day (``datetime(2460000.5)`` is
2023-02-25) unless told ``'unixepoch'``; applications store epoch seconds and
milliseconds too, and a year (2024) is a number as well. Nothing in a value says which,
so a column's numbers are read one way, chosen before the copy: one aggregate query per
table (count and smallest and largest magnitude of the numbers in each of its
timestamp, timestamptz and date columns) decides it. Epoch seconds, milliseconds or
microseconds are taken only when every number falls in that unit's plausible range
(``temporal.PLAUSIBLE``); otherwise each number is reported with its key and the way
through is the option ``date_numbers`` (``table.column``: a reading), which always wins.
A number in a ``time`` column is refused (no reading is defined for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .converters import ColumnType
from .errors import Problem
from .pg_types import DATE_TYPES
from .sqlite_source import SourceTable, SqliteSource, quote_sqlite
from .temporal import PLAUSIBLE, READINGS, NumberReading, plausible_reading
from .type_rules import affinity_type, normalise_declared

# temporal.NUMBER_TEXT's whitespace. In SQL: text (or a blob, which arrives as bytes
# too) of digits, at most one dot, minus signs not after a digit or dot, and that
# whitespace, with a digit: every text the converters read as a bare number is among
# these (and a bare date is not).
_SPACE = " \t\n\r\x0b\x0c"


def _number_text_sql(y: str) -> str:
    """SQL: the magnitude of text ``y`` when it may be a bare number (every NUMBER_TEXT), else NULL."""
    maybe = (
        f"{y} NOT GLOB '*[^-0-9.{_SPACE}]*' AND {y} GLOB '*[0-9]*' "
        f"AND {y} NOT GLOB '*[0-9.]-*' AND {y} NOT GLOB '*.*.*'"  # not 2024-04-19, 19.04.2024
    )
    return f"CASE WHEN {maybe} THEN abs(CAST(trim({y}, '{_SPACE}') AS REAL)) END"


def keeps_number_text(declared: str, strict: bool) -> bool:
    """Whether SQLite can hold a bare number as text in a column so declared. One of
    NUMERIC, INTEGER or REAL affinity (DATETIME, DATE, TIMESTAMP: what ORMs declare)
    stores such text as a number; TEXT and no affinity keep it (ANY too, in a STRICT
    table)."""
    key = normalise_declared(declared)
    return key == "" or affinity_type(key) in ("text", "bytea") or (strict and key == "any")


def _magnitude_sql(x: str, text_too: bool) -> str:
    """SQL: abs() of ``x`` when it is a number or text that may be one, else NULL.
    Comparisons, not typeof(), sort the values (numbers sort before text, text before
    blobs): most values are text dates, and a function call per value is what a scan
    of them costs. GLOB does not see a blob's bytes: those are cast to text first."""
    text = f"WHEN {x} < X'' THEN {_number_text_sql(x)} " if text_too else f"WHEN {x} < X'' THEN NULL "
    return (
        f"CASE WHEN {x} < '' THEN abs(CAST({x} AS REAL)) {text}"
        f"WHEN {x} IS NOT NULL THEN {_number_text_sql(f'CAST({x} AS TEXT)')} END"
    )


def summary_sql(table: str, columns: list[tuple[str, bool]]) -> str:
    """One scan: count, smallest and largest magnitude of each column's numbers
    (``columns``: name, whether it may hold bare numbers as text). LIMIT -1 keeps
    SQLite from flattening the subquery, which would compute each expression thrice."""
    inner = ", ".join(
        f"{_magnitude_sql(quote_sqlite(c), text_too)} AS n{i}" for i, (c, text_too) in enumerate(columns)
    )
    outer = ", ".join(f"count(n{i}), min(n{i}), max(n{i})" for i in range(len(columns)))
    return f"SELECT {outer} FROM (SELECT {inner} FROM {quote_sqlite(table)} LIMIT -1)"


def gate_expression(column: str) -> str:
    """SQL aggregate: whether ``column`` holds a number (its min() is one: numbers
    sort before text and blobs). A blob whose bytes spell a number is not looked
    for: without a reading the converter refuses it, with its key, never guesses."""
    return f"min({quote_sqlite(column)}) < ''"


def gate_sql(table: str, columns: list[str]) -> str:
    """One scan: per column, whether it holds a number (gate_expression)."""
    parts = ", ".join(gate_expression(c) for c in columns)
    return f"SELECT {parts} FROM {quote_sqlite(table)}"


def gated_columns(
    source_table: SourceTable, types: dict[str, ColumnType], chosen: dict[str, str]
) -> list[str]:
    """The date/time columns whose numbers the gate looks for first: those SQLite
    cannot hold bare-number text in and the option does not name (the rest are
    summarised directly)."""
    keeps_text = _keeps_text(source_table, _date_columns(types))
    return [c for c, keeps in keeps_text.items() if not keeps and f"{source_table.name}.{c}" not in chosen]


def _date_columns(types: dict[str, ColumnType]) -> list[str]:
    return [c for c, t in types.items() if t.name in DATE_TYPES and not t.enum_labels]


def _keeps_text(source_table: SourceTable, columns: list[str]) -> dict[str, bool]:
    """Per column, keeps_number_text for its declared type."""
    # STRICT is written after the closing parenthesis (if in doubt: text is checked).
    strict = "STRICT" in source_table.sql.upper()[source_table.sql.rfind(")") :]
    declared = {c.name: c.declared for c in source_table.columns}
    return {c: keeps_number_text(declared.get(c, ""), strict) for c in columns}


@dataclass(frozen=True)
class ColumnNumbers:
    """The numbers of one date/time column and how they are read."""

    numbers: int
    smallest: float | None
    largest: float | None
    reading: NumberReading
    chosen_by: str  # "data" or "option"

    def as_dict(self) -> dict[str, Any]:
        return {"reading": self.reading.reading, "chosen_by": self.chosen_by, "numbers": self.numbers}


def _ranges() -> str:
    names = {"epoch_s": "seconds", "epoch_ms": "milliseconds", "epoch_us": "microseconds"}
    return ", ".join(f"{names[r]} {low:.0e} to {high:.0e}" for r, (low, high) in PLAUSIBLE.items())


def _refusal(table: str, column: str, count: int, smallest: float, largest: float) -> str:
    return (
        f"a number in a date/time column whose {count} number(s) (magnitudes {smallest:.17g} to "
        f"{largest:.17g}) are not all in one epoch unit's range ({_ranges()}): its unit is not certain "
        "(SQLite's own datetime() reads a bare number as a Julian day; a year is a number too); "
        f"say how to read them: date_numbers: {{'{table}.{column}': {' | '.join(READINGS)}}}"
    )


def column_numbers(
    source: SqliteSource,
    source_table: SourceTable,
    types: dict[str, ColumnType],
    chosen: dict[str, str],
    holds_number: dict[str, bool] | None = None,
) -> dict[str, ColumnNumbers]:
    """Per date/time column holding numbers (or named in ``chosen``, the option
    ``date_numbers``), how its numbers are read. ``holds_number``: the gate's answers
    already found by a scan of the table (plan.scan_created); the gate runs for the
    columns it lacks."""
    columns = _date_columns(types)
    if not columns:
        return {}
    table = source_table.name
    keeps_text = _keeps_text(source_table, columns)
    gated = gated_columns(source_table, types, chosen)
    maybe = set(columns) - set(gated)
    known = dict(holds_number or {})
    unknown = [c for c in gated if c not in known]
    if unknown:
        # Most columns hold no number: min() alone says so at about 40 % of the
        # summary's cost (0.24 s against 0.6 s for the 1M-row sample); only the
        # others are summarised.
        known.update(zip(unknown, source.one(gate_sql(table, unknown), table), strict=True))
    maybe |= {c for c in gated if known[c]}
    scanned = [(c, keeps_text[c]) for c in columns if c in maybe]
    if not scanned:
        return {}
    row = source.one(summary_sql(table, scanned), table)
    found: dict[str, ColumnNumbers] = {}
    for i, (column, _text_too) in enumerate(scanned):
        count, smallest, largest = int(row[3 * i]), row[3 * i + 1], row[3 * i + 2]
        option = chosen.get(f"{table}.{column}")
        if option is not None:
            found[column] = ColumnNumbers(count, smallest, largest, NumberReading(option), "option")
        elif count:
            reading = plausible_reading(smallest, largest)
            numbers = (
                NumberReading(reading)
                if reading is not None
                else NumberReading(None, _refusal(table, column, count, smallest, largest))
            )
            found[column] = ColumnNumbers(count, smallest, largest, numbers, "data")
    return found


def option_problems(chosen: dict[str, str], plans: dict[str, Any]) -> list[Problem]:
    """``date_numbers`` entries that name no migrated date/time column.
    ``plans``: table name -> plan.TablePlan (its ``columns`` and ``types``)."""
    problems: list[Problem] = []
    for key in sorted(chosen):
        matches = [(name, key[len(name) + 1 :]) for name in plans if key.startswith(name + ".")]
        if not matches:
            table, _, column = key.partition(".")
            problems.append(
                Problem(
                    table,
                    f"date_numbers names {key!r}: no such table is migrated (not in the SQLite database, "
                    "or left out by tables/exclude_tables)",
                    column or None,
                )
            )
            continue
        table, column = max(matches, key=lambda m: len(m[0]))
        plan = plans[table]
        if column not in plan.columns:
            problems.append(
                Problem(
                    table,
                    f"date_numbers names {key!r}: the table has no such column migrated "
                    "(not in the SQLite table, or left out by exclude_columns)",
                    column,
                )
            )
        elif plan.types[column].name not in DATE_TYPES:
            problems.append(
                Problem(
                    table,
                    f"date_numbers names {key!r}, a column of type {plan.types[column].formatted}: "
                    "it applies to timestamp, timestamptz and date columns",
                    column,
                )
            )
    return problems
