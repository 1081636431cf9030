"""Per-table plans: what is copied into which columns with which converters."""

from __future__ import annotations

from dataclasses import dataclass, field

from .converters import ColumnType, Converter, TextPolicy, converter_for
from .ddl import TableDDL, column_type_of, table_ddl
from .errors import Problem
from .large_value import Streamer, streamer_for
from .options import Options
from .pg_target import TargetTable
from .sql_render import FastField, fast_field
from .sqlite_source import SourceTable, SqliteSource, quote_sqlite
from .table_copy import TableCopy


@dataclass
class TablePlan:
    source: SourceTable
    target: TargetTable | None  # None: the module creates the table
    columns: list[str]
    types: dict[str, ColumnType]
    not_null: list[str]
    ddl: TableDDL | None = None
    widen: set[str] = field(default_factory=set)
    inexact: list[str] = field(default_factory=list)  # columns of types we cannot render exactly

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def created(self) -> bool:
        return self.target is None

    def copy(self, source: SqliteSource, policy: TextPolicy, fast: bool = True) -> TableCopy:
        """The row loop's plan. Columns SQLite can render go first (COPY takes
        columns in any order), those needing Python last."""
        rendered: list[tuple[str, Converter, FastField | None, Streamer | None]] = []
        for column in self.columns:
            column_type = self.types[column]
            widened = TextPolicy(policy.strip_nul, ignore_length=column in self.widen)
            convert, exact = converter_for(column_type, widened)
            if not exact:
                self.inexact.append(column)
            sql = fast_field(column_type, widened, quote_sqlite(column)) if fast else None
            rendered.append((column, convert, sql, streamer_for(column_type, widened)))
        if self.source.without_rowid:  # the fast path re-reads odd rows by rowid
            rendered = [(c, f, None, None) for c, f, _, _ in rendered]
        rendered.sort(key=lambda item: item[2] is None)
        return TableCopy(
            source,
            self.source,
            [c for c, _, _, _ in rendered],
            [f for _, f, _, _ in rendered],
            self.source.primary_key,
            fast_fields=[s for _, _, s, _ in rendered if s is not None],
            streamers=[s for _, _, _, s in rendered],
        )


def _too_long(source: SqliteSource, table: str, column: str, length: int) -> bool:
    rows = source._query(
        f"SELECT 1 FROM {quote_sqlite(table)} WHERE length({quote_sqlite(column)}) > ? LIMIT 1", (length,)
    )
    return bool(rows)


def plan_existing(
    source: SqliteSource, table: SourceTable, target: TargetTable, options: Options, problems: list[Problem]
) -> TablePlan:
    excluded = options.excluded_columns(table.name)
    columns: list[str] = []
    for column in table.columns:
        if column.name in excluded:
            continue
        found = target.column(column.name)
        if found is None:
            problems.append(
                Problem(
                    table.name,
                    "column has no column of that name in the PostgreSQL table "
                    "(exclude it with exclude_columns to leave it behind)",
                    column.name,
                )
            )
        elif found.generated:
            problems.append(Problem(table.name, "target column is a generated column", column.name))
        else:
            columns.append(column.name)
    source_names = {c.name for c in table.columns} - excluded
    for column in target.columns:
        if column.name in source_names or column.generated:
            continue
        if column.not_null and not (column.has_default or column.identity):
            problems.append(
                Problem(
                    table.name,
                    "target column is NOT NULL without a default and the SQLite table has no such column",
                    column.name,
                )
            )
    types = {c.name: c.type for c in target.columns if c.name in columns}
    plan = TablePlan(
        table, target, columns, types, [c.name for c in target.columns if c.name in columns and c.not_null]
    )
    for column in columns:
        column_type = types[column]
        if (
            column_type.name in ("varchar", "bpchar")
            and column_type.length is not None
            and options.widen_varchar
        ) and _too_long(source, table.name, column, column_type.length):
            plan.widen.add(column)
    return plan


def plan_create(
    source: SqliteSource, table: SourceTable, options: Options, included: set[str], problems: list[Problem]
) -> TablePlan:
    excluded = options.excluded_columns(table.name)
    kept = [c for c in table.columns if c.name not in excluded]
    trimmed = SourceTable(table.name, kept, table.sql, table.without_rowid, table.indexes, table.foreign_keys)
    widen: set[str] = set()
    if options.widen_varchar:
        for column in kept:
            pg_type = column_type_of_declared(column.declared)
            if pg_type.length is not None and _too_long(source, table.name, column.name, pg_type.length):
                widen.add(column.name)
    try:
        ddl = table_ddl(options.schema, trimmed, widen, included)
    except ValueError as exc:
        problems.append(Problem(table.name, str(exc)))
        ddl = TableDDL(create="")
        return TablePlan(table, None, [], {}, [], ddl)
    types = {name: column_type_of(pg_type) for name, pg_type in ddl.types.items()}
    not_null = [c.name for c in kept if c.not_null or c.pk_position]
    return TablePlan(table, None, [c.name for c in kept], types, not_null, ddl, widen)


def column_type_of_declared(declared: str) -> ColumnType:
    from .type_rules import postgres_type

    return column_type_of(postgres_type(declared))
