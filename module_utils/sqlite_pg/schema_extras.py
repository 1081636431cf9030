"""The SQLite schema beyond tables, columns and keys: generated columns, CHECK
constraints, collations, views and triggers.

Tables the module creates get the generated columns and CHECK constraints whose
expressions translate (sql_translate.py), added after the load, each in a
savepoint (migrate.py), and a generated column only when PostgreSQL computes
for every row what SQLite computes (``compare_computed``); views over created
tables likewise, each once its rows equal SQLite's. Everything else is
returned as ``Skipped``: triggers, what does not translate or PostgreSQL
refuses, and collations PostgreSQL would not keep (NOCASE, RTRIM). Tables that
exist in PostgreSQL are the application's: their own definitions stand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .converters import ColumnType, TextPolicy
from .errors import ProblemLimitReached, ProblemLog, Skipped
from .identifiers import column_list, qualified, quote_ident
from .pg_types import converter_for
from .sql_translate import (
    ColumnInfo,
    Relation,
    Typed,
    Untranslatable,
    as_condition,
    as_value,
    column_resolver,
    kind_of,
    translate_expression,
)
from .sqlite_source import SourceTable, SqliteSource
from .table_copy import TableCopy
from .verify import diff_rows, target_digest

GENERATED = "generated column"
CHECK = "check constraint"
COLLATION = "collation"
VIEW = "view"
TRIGGER = "trigger"
SQL_SHOWN = 300  # characters of SQLite's definition quoted in a reason


@dataclass(frozen=True)
class Addition:
    """A statement run after the table is loaded and verified, in a savepoint:
    refused (or, for a generated column, computing other values) it is skipped."""

    kind: str
    name: str  # as reported: table.column, table.constraint, ...
    statement: str
    column: str | None = None  # a generated column: compared with SQLite's values


@dataclass
class TableExtras:
    additions: list[Addition] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    generated_types: dict[str, str] = field(default_factory=dict)  # column -> PostgreSQL type


def shown(sql: str) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= SQL_SHOWN else flat[:SQL_SHOWN] + "..."


def _collation_reason(collation: str, what: str, unique: bool) -> str:
    if collation == "NOCASE":
        how = "ignoring the case of ASCII letters"
    elif collation == "RTRIM":
        how = "ignoring trailing spaces"
    else:
        how = f"with SQLite's collation {collation}"
    changes = "=, IN, ORDER BY, GROUP BY and DISTINCT"
    if unique:
        changes += ", and its unique key now admits values SQLite held equal (both 'A' and 'a')"
    return (
        f"SQLite compares {what} {how}; PostgreSQL compares it exactly (the column type is unchanged): "
        f"{changes}. To keep SQLite's behaviour, after checking that no two values differ only so: "
        "make it citext (CREATE EXTENSION citext) or give it a nondeterministic ICU collation "
        "(CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)); "
        "or have the application compare lower(...)"
    )


def created_extras(schema: str, table: SourceTable, types: dict[str, str]) -> TableExtras:
    """What a created table gets after its load, and what it does not get.
    ``table``: the columns kept (exclude_columns applied); ``types``: their PostgreSQL types."""
    from .type_rules import postgres_type

    extras = TableExtras()
    name = table.name
    target = qualified(schema, name)
    syntax = table.syntax
    if syntax is None:
        extras.skipped.append(
            Skipped(
                "table definition",
                name,
                f"SQLite's CREATE TABLE could not be parsed ({table.syntax_error}): its CHECK constraints "
                "and collations are not migrated",
            )
        )

    def collation_of(column: str) -> str | None:
        parsed = syntax.column(column) if syntax else None
        return parsed.collation if parsed else None

    ordinary = {
        c.name.lower(): ColumnInfo(c.name, kind_of(types[c.name]), collation_of(c.name))
        for c in table.columns
    }
    generated_names = {g.name.lower() for g in table.generated}

    def resolve_ordinary(qualifier: str | None, column: str) -> Typed:
        if column.lower() in generated_names:
            raise Untranslatable(f"refers to the generated column {column} (PostgreSQL's may not)")
        return column_resolver(ordinary, name)(qualifier, column)

    every = dict(ordinary)
    for column in table.generated:
        pg_type = postgres_type(column.declared)
        extras.generated_types[column.name] = pg_type
        every[column.name.lower()] = ColumnInfo(column.name, kind_of(pg_type), collation_of(column.name))
        label = f"{name}.{column.name}"
        written = f"GENERATED ALWAYS AS ({column.text}) {'STORED' if column.stored else 'VIRTUAL'}"
        if column.expression is None:
            extras.skipped.append(
                Skipped(GENERATED, label, "its expression could not be read from SQLite's CREATE TABLE")
            )
            continue
        try:
            value = as_value(translate_expression(column.expression, resolve_ordinary))
        except Untranslatable as exc:
            extras.skipped.append(
                Skipped(
                    GENERATED,
                    label,
                    f"{written} does not translate: {exc}; the column is not created (create it in "
                    "PostgreSQL if the application reads it: its values follow from the migrated columns)",
                )
            )
            continue
        sql = value.sql
        if value.kind == "float":  # SQLite stores a REAL -0.0 as 0 (an integral REAL): so does this
            sql = f"({sql} + 0.0::double precision)"
        not_null = " NOT NULL" if column.not_null else ""
        # PostgreSQL 15 has STORED only: it holds the values a VIRTUAL one computes.
        extras.additions.append(
            Addition(
                GENERATED,
                label,
                f"ALTER TABLE {target} ADD COLUMN {quote_ident(column.name)} {pg_type} "
                f"GENERATED ALWAYS AS ({sql}) STORED{not_null}",
                column.name,
            )
        )
    for check in syntax.checks if syntax else []:
        label = f"{name}.{check.name}" if check.name else f"{name}: CHECK ({shown(check.expression.text)})"
        try:
            sql = as_condition(translate_expression(check.expression.tokens, column_resolver(every, name)))
        except Untranslatable as exc:
            extras.skipped.append(
                Skipped(CHECK, label, f"CHECK ({shown(check.expression.text)}) does not translate: {exc}")
            )
            continue
        named = f"CONSTRAINT {quote_ident(check.name)} " if check.name else ""
        extras.additions.append(Addition(CHECK, label, f"ALTER TABLE {target} ADD {named}CHECK ({sql})"))
    unique_columns = {
        c.lower() for i in table.indexes if i.unique and i.origin in ("u", "pk") for c in i.columns
    }
    if table.rowid_alias is None:
        unique_columns |= {c.lower() for c in table.primary_key}
    for column_name, info in every.items():
        if info.collation not in (None, "BINARY"):
            reason = _collation_reason(
                info.collation or "", f"{name}.{info.name}", column_name in unique_columns
            )
            extras.skipped.append(Skipped(COLLATION, f"{name}.{info.name}", reason))
    for index in table.indexes:
        odd = sorted({c for c in index.collations if c != "BINARY"})
        if index.origin != "c" or not odd or index.partial or index.has_expression:
            continue
        what = f"the keys of index {index.name} on {name} ({', '.join(index.columns)})"
        extras.skipped.append(Skipped(COLLATION, index.name, _collation_reason(odd[0], what, index.unique)))
    return extras


def compare_computed(
    conn: Any,
    schema: str,
    source: SqliteSource,
    table: SourceTable,
    context: list[str],
    key_columns: list[str],
    types: dict[str, ColumnType],
    columns: list[str],
) -> str | None:
    """None when PostgreSQL's values of ``columns`` (computed by it) equal SQLite's
    for every row; else why not, naming rows. ``context``: the columns that name
    a row (the primary key, else every copied column)."""
    names = context + [c for c in columns if c not in context]
    converters = [converter_for(types[c], TextPolicy())[0] for c in names]
    copy = TableCopy(source, table, names, converters, key_columns)
    problems = ProblemLog(limit=5)
    try:
        digest = copy.run(problems).digest
    except ProblemLimitReached:
        digest = None
    if problems or digest is None:
        return f"SQLite's values do not fit the PostgreSQL column: {problems.items[0]}"
    if target_digest(conn, schema, table.name, names) == digest:
        return None
    return f"PostgreSQL's values differ from SQLite's: {diff_rows(conn, schema, copy).message()}"


def trigger_skipped(name: str, table: str, sql: str) -> Skipped:
    return Skipped(
        TRIGGER,
        name,
        f"on {table}: trigger bodies are not translated; recreate it in PostgreSQL (a PL/pgSQL trigger "
        "function and CREATE TRIGGER) or move its work into the application. "
        f"SQLite's definition: {shown(sql)}",
    )


def table_relation(schema: str, table: SourceTable, types: dict[str, str]) -> Relation:
    """A created table as a view may read it: ``types``, its PostgreSQL columns' types."""
    columns = []
    for name, pg_type in types.items():
        parsed = table.syntax.column(name) if table.syntax else None
        columns.append(ColumnInfo(name, kind_of(pg_type), parsed.collation if parsed else None))
    return Relation(qualified(schema, table.name), columns)


def view_statement(schema: str, name: str, names: list[str], select: str) -> str:
    # The column list keeps SQLite's column names, whatever PostgreSQL would call them.
    return f"CREATE VIEW {qualified(schema, name)} ({column_list(names)}) AS {select}"
