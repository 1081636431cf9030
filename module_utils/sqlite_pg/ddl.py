"""DDL for tables the module creates, from the SQLite schema and the casting rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .converters import ColumnType, TextPolicy, converter_for
from .copy_text import split_line
from .errors import ConversionError
from .identifiers import column_list, object_name, pg_name, qualified, quote_ident, quote_literal
from .names import NewRelation
from .sqlite_source import SourceTable
from .temporal import NumberReading, plausible_reading
from .type_rules import postgres_type, translate_default

NUMBER_DEFAULT = (
    "a number whose unit is not certain (not within an epoch unit's plausible range); "
    "date_numbers for this column says how to read it"
)

# Type names as the casting rules spell them -> the catalog's base type name.
_TYPE_NAMES = {
    "boolean": "bool",
    "uuid": "uuid",
    "timestamp with time zone": "timestamptz",
    "date": "date",
    "time without time zone": "time",
    "json": "json",
    "jsonb": "jsonb",
    "double precision": "float8",
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "text": "text",
    "bytea": "bytea",
}


def column_type_of(pg_type: str) -> ColumnType:
    found = re.fullmatch(r"varchar\((\d+)\)", pg_type)
    if found:
        return ColumnType("varchar", f"character varying({found.group(1)})", length=int(found.group(1)))
    found = re.fullmatch(r"numeric(?:\((\d+)(?:,(\d+))?\))?", pg_type)
    if found:
        precision = int(found.group(1)) if found.group(1) else None
        scale = int(found.group(2) or 0) if precision is not None else None
        return ColumnType("numeric", pg_type, precision=precision, scale=scale)
    return ColumnType(_TYPE_NAMES.get(pg_type, "text"), pg_type)


@dataclass
class TableDDL:
    create: str
    # The primary key and unique constraints, added after the load: one sorted
    # index build each instead of an insertion per row (random for uuid keys);
    # run before any foreign key, which needs its parent's key.
    keys: list[str] = field(default_factory=list)
    after_load: list[str] = field(default_factory=list)
    # Per statement of keys and after_load, the tables that must be loaded before it runs
    # (the table; for a foreign key, the table and its parent), as Deferred.needs.
    needs: dict[str, frozenset[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    # The relations it makes, in order (names.relation_collisions checks them).
    relations: list[NewRelation] = field(default_factory=list)
    # Keys, indexes and foreign keys on generated columns: those are added after the
    # load (schema_extras.py), so these run after them (each in a savepoint).
    with_generated: list[tuple[str, str]] = field(default_factory=list)  # (kind, statement)


def _default_sql(
    table: SourceTable, column: str, sqlite_default: str | None, pg_type: str, reading: str | None = None
) -> str | None:
    translated = translate_default(sqlite_default, pg_type)  # ValueError: caller reports
    if translated is None:
        return None
    if translated.expression is not None:
        return translated.expression
    policy = TextPolicy()
    if isinstance(translated.literal, int | float):  # a number in a date/time column: as its data is
        if reading is None:  # read (date_numbers), else by its magnitude
            magnitude = abs(translated.literal)
            reading = plausible_reading(magnitude, magnitude)
        policy = TextPolicy(date_numbers=NumberReading(reading, NUMBER_DEFAULT))
    convert, _exact = converter_for(column_type_of(pg_type), policy)
    try:
        field_text = split_line(convert(translated.literal))[0]
    except ConversionError as exc:
        raise ValueError(f"default {sqlite_default} does not fit {pg_type}: {exc.reason}") from exc
    return "NULL" if field_text is None else quote_literal(field_text)


def table_ddl(
    schema: str,
    table: SourceTable,
    widen: set[str],
    included: set[str],
    types: dict[str, str] | None = None,
    readings: dict[str, str] | None = None,
) -> TableDDL:
    """CREATE TABLE (columns, NOT NULL, defaults) and the statements to run
    after the load (primary key and uniques; indexes, then foreign keys).

    ``widen``: varchar columns to create as text; ``included``: tables in this
    migration (foreign keys to other tables are left out with a warning);
    ``types``: columns whose type the data decides instead of the casting rules;
    ``readings``: date/time columns' readings of numbers (date_numbers), for their defaults.
    Raises ValueError naming the column when a default cannot be translated.
    """
    result = TableDDL(create="")
    lines: list[str] = []
    identity = table.rowid_alias
    stored = pg_name(table.name)
    result.relations.append(NewRelation("table", table.name, stored, named=True))
    for column in table.columns:
        pg_type = (types or {}).get(column.name) or postgres_type(column.declared)
        if column.name in widen and pg_type.startswith("varchar"):
            pg_type = "text"
        result.types[column.name] = pg_type
        line = f"{quote_ident(column.name)} {pg_type}"
        if column.name == identity:
            line += " GENERATED BY DEFAULT AS IDENTITY"
            sequence = object_name(stored, pg_name(column.name), "seq")
            result.relations.append(NewRelation("identity sequence", f"{table.name}.{column.name}", sequence))
        else:
            try:
                default = _default_sql(
                    table, column.name, column.default, pg_type, (readings or {}).get(column.name)
                )
            except ValueError as exc:
                raise ValueError(f"{table.name}.{column.name}: {exc}") from exc
            if default is not None:
                line += f" DEFAULT {default}"
        if column.not_null or column.pk_position:
            line += " NOT NULL"
        lines.append(line)
    result.create = f"CREATE TABLE {qualified(schema, table.name)} (\n  " + ",\n  ".join(lines) + "\n)"
    uniques = [
        list(index.columns) for index in table.indexes if index.origin == "u" and not index.has_expression
    ]
    keys = (
        [(f"PRIMARY KEY ({column_list(table.primary_key)})", table.primary_key)] if table.primary_key else []
    )
    keys += [(f"UNIQUE ({column_list(columns)})", columns) for columns in uniques]
    if table.primary_key:
        result.relations.append(NewRelation("primary key", table.name, object_name(stored, None, "pkey")))
    for columns in uniques:  # PostgreSQL names the index after the table and the columns
        key_name = object_name(stored, "_".join(pg_name(c) for c in columns), "key")
        result.relations.append(
            NewRelation("unique constraint", f"{table.name} ({', '.join(columns)})", key_name)
        )
    generated = {g.name for g in table.generated}
    for key, columns in keys:
        statement = f"ALTER TABLE {qualified(schema, table.name)} ADD {key}"
        if generated & set(columns):
            result.with_generated.append(("constraint", statement))
            continue
        result.keys.append(statement)
        result.needs[statement] = frozenset({table.name})

    for index in table.indexes:
        if index.origin != "c":
            continue
        if index.partial or index.has_expression:
            result.warnings.append(
                f"{table.name}: index {index.name} has a WHERE clause or an expression; not created"
            )
            continue
        unique = "UNIQUE " if index.unique else ""
        result.relations.append(NewRelation("index", index.name, pg_name(index.name), named=True))
        statement = (
            f"CREATE {unique}INDEX {quote_ident(index.name)} ON {qualified(schema, table.name)} "
            f"({column_list(list(index.columns))})"
        )
        if generated & set(index.columns):
            result.with_generated.append(("index", statement))
            continue
        result.after_load.append(statement)
        result.needs[statement] = frozenset({table.name})
    for key in table.foreign_keys:
        if key.parent not in included:
            result.warnings.append(
                f"{table.name}: foreign key to {key.parent}, which is not migrated; not created"
            )
            continue
        parent_columns = (
            ""
            if any(c is None for c in key.parent_columns)
            else (f" ({column_list([c for c in key.parent_columns if c is not None])})")
        )
        actions = "".join(
            f" ON {event} {action}"
            for event, action in (("UPDATE", key.on_update), ("DELETE", key.on_delete))
            if action and action.upper() != "NO ACTION"
        )
        statement = (
            f"ALTER TABLE {qualified(schema, table.name)} ADD FOREIGN KEY ({column_list(list(key.columns))}) "
            f"REFERENCES {qualified(schema, key.parent)}{parent_columns}{actions}"
        )
        if generated & set(key.columns):
            result.with_generated.append(("foreign key", statement))
            continue
        result.after_load.append(statement)
        result.needs[statement] = frozenset({table.name, key.parent})
    return result
