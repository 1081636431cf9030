"""Per-table plans: what is copied into which columns with which converters."""

from __future__ import annotations

from dataclasses import dataclass, field

from .converters import ColumnType, Converter, TextPolicy
from .ddl import TableDDL, table_ddl
from .errors import Problem
from .identifiers import pg_name
from .large_value import Streamer
from .numeric_dates import ColumnNumbers, column_numbers, gate_expression, gated_columns
from .options import Options
from .pg_target import TargetTable
from .pg_types import INTEGER_TYPES, column_type, converter_for, fast_field, streamer_for
from .schema_extras import TableExtras, created_extras
from .sql_render import FastField
from .sqlite_source import SourceTable, SqliteSource, quote_sqlite
from .table_copy import TableCopy
from .type_rules import integer_type_for, postgres_type


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
    extras: TableExtras | None = None  # a created table's generated columns, checks, ... (schema_extras)
    # An existing table's generated columns that SQLite generates too: PostgreSQL
    # computes them, compared with SQLite's values after the load.
    computed: list[str] = field(default_factory=list)
    numbers: dict[str, ColumnNumbers] = field(default_factory=dict)  # date/time columns holding numbers

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
            found = self.numbers.get(column)
            widened = TextPolicy(
                policy.strip_nul,
                ignore_length=column in self.widen,
                date_numbers=found.reading if found is not None else policy.date_numbers,
            )
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
    computed: list[str] = []  # generated on both sides: PostgreSQL computes it, compared after the load
    sources = [(c.name, False) for c in table.columns] + [(g.name, True) for g in table.generated]
    for name, generated in sources:
        if name in excluded:
            continue
        found = target.column(name)
        if found is None:
            problems.append(
                Problem(
                    table.name,
                    f"{'generated column' if generated else 'column'} has no column of that name in the "
                    "PostgreSQL table (exclude it with exclude_columns to leave it behind)",
                    name,
                )
            )
        elif found.generated and generated:
            computed.append(name)
        elif found.generated:
            problems.append(Problem(table.name, "target column is a generated column", name))
        else:
            columns.append(name)  # a generated one too: data the application reads, SQLite's values copied
    source_names = {pg_name(c.name) for c in table.columns if c.name not in excluded}  # catalog names
    source_names |= {pg_name(g.name) for g in table.generated}
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
    found_columns = {c: target.column(c) for c in columns}
    types = {c: found.type for c, found in found_columns.items() if found is not None}
    for name in computed:
        found = target.column(name)
        if found is not None:
            types[name] = found.type
    plan = TablePlan(
        table, target, columns, types, [c for c, found in found_columns.items() if found and found.not_null]
    )
    plan.computed = computed
    for column in columns:
        column_type = types[column]
        if (
            column_type.name in ("varchar", "bpchar")
            and column_type.length is not None
            and options.widen_varchar
        ) and _too_long(source, table.name, column, column_type.length):
            plan.widen.add(column)
    plan.numbers = column_numbers(source, table, types, options.date_numbers)
    return plan


@dataclass(frozen=True)
class CreatedScan:
    """What one scan of a table the module creates tells its plan before the DDL:
    the integer columns that may need a wider type (all but bigint) and the (min,
    max) of those holding integers, and per date/time column whether it holds a
    number (numeric_dates' gate)."""

    integer_columns: list[str]
    integer_ranges: dict[str, tuple[int, int]]
    holds_number: dict[str, bool]


def _integer_type(
    table: SourceTable, column: str, options: Options, types: dict[str, dict[str, str]]
) -> str | None:
    found = next((c for c in table.columns if c.name == column), None)
    if found is None or column in options.excluded_columns(table.name):
        return None
    pg_type = types.get(table.name, {}).get(column) or postgres_type(found.declared)
    return pg_type if pg_type in INTEGER_TYPES else None


def _scan_created(source: SqliteSource, table: SourceTable, options: Options) -> CreatedScan:
    """One query: min()/max() of the integer columns and the date columns' gate in
    one scan, the rowid alias from the ends of the table's b-tree. Numbers sort
    before text and blobs, so a max() that is not an integer (text in the column,
    or a REAL) has that column asked again for its integers only."""
    integers = [
        c.name for c in table.columns if _integer_type(table, c.name, options, {}) not in (None, "bigint")
    ]
    kept = {c.name: c for c in table.columns if c.name not in options.excluded_columns(table.name)}
    declared_types = {name: column_type_of_declared(c.declared) for name, c in kept.items()}
    dates = gated_columns(table, declared_types, options.date_numbers)
    if not integers and not dates:
        return CreatedScan(integers, {}, {})
    table_sql = quote_sqlite(table.name)
    ends = [c for c in integers if c == table.rowid_alias]
    scanned = [c for c in integers if c != table.rowid_alias]
    parts = [f"(SELECT {f}({quote_sqlite(c)}) FROM {table_sql})" for c in ends for f in ("min", "max")]
    aggregates = [f"{f}({quote_sqlite(c)})" for c in scanned for f in ("min", "max")]
    aggregates += [gate_expression(c) for c in dates]
    sql = "SELECT " + ", ".join([*parts, "a.*"] if aggregates else parts)
    if aggregates:
        sql += f" FROM (SELECT {', '.join(aggregates)} FROM {table_sql}) AS a"
    row = source.one(sql, table.name)
    ranges: dict[str, tuple[int, int]] = {}
    for position, column in enumerate([*ends, *scanned]):
        low, high = row[2 * position], row[2 * position + 1]
        if not (isinstance(low, int) and isinstance(high, int)):
            low, high = source.one(
                f"SELECT min({quote_sqlite(column)}), max({quote_sqlite(column)}) FROM {table_sql} "
                f"WHERE typeof({quote_sqlite(column)}) = 'integer'",
                table.name,
            )
        if low is not None:
            ranges[column] = (low, high)
    flags = row[2 * len(integers) :]
    return CreatedScan(integers, ranges, {c: bool(flag) for c, flag in zip(dates, flags, strict=True)})


def scan_created(
    source: SqliteSource, tables: dict[str, SourceTable], options: Options
) -> dict[str, CreatedScan]:
    """Per table the module creates, its one pre-scan (CreatedScan)."""
    return {name: _scan_created(source, table, options) for name, table in tables.items()}


def widen_integers(
    source: SqliteSource, tables: dict[str, SourceTable], options: Options, scans: dict[str, CreatedScan]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """For the tables the module creates: the integer columns whose values do not fit
    the type the casting rules give (SQLite integers are 64-bit; ``scans`` holds their
    ranges), with the narrowest type that holds them (pg_types.INTEGER_TYPES); a column
    referencing a widened one gets its type too, so it can hold every key. With a
    warning each."""
    types: dict[str, dict[str, str]] = {}
    warnings: list[str] = []

    def integer_type(table: SourceTable, column: str) -> str | None:
        return _integer_type(table, column, options, types)

    for name, table in tables.items():
        ranges = dict(scans[name].integer_ranges)
        columns = scans[name].integer_columns
        if not columns:
            continue
        high_water = source.sequence_value(name) if table.autoincrement else None
        next_id = None
        if table.rowid_alias in columns and (table.rowid_alias in ranges or high_water is not None):
            # The identity continues past the highest id and AUTOINCREMENT's high-water mark.
            low, high = ranges.get(table.rowid_alias, (1, 0))
            next_id = max(high, high_water or 0) + 1
            ranges[table.rowid_alias] = (low, next_id)
        for column, (low, high) in ranges.items():
            declared = integer_type(table, column) or "bigint"
            wider = integer_type_for(declared, low, high)
            if wider != declared:
                types.setdefault(name, {})[column] = wider
                values = (
                    f"ids from {low}, the next {high},"
                    if column == table.rowid_alias
                    else (f"values from {low} to {high}")
                )
                warnings.append(f"{name}.{column}: {values} do not fit {declared}; created as {wider}")
    grew = True
    while grew:  # along chains of foreign keys
        grew = False
        for name, table in tables.items():
            for key in table.foreign_keys:
                parent = tables.get(key.parent)
                if parent is None:
                    continue
                referenced = parent.primary_key if None in key.parent_columns else key.parent_columns
                for column, parent_column in zip(key.columns, referenced, strict=False):
                    wider = types.get(key.parent, {}).get(str(parent_column))
                    current = integer_type(table, column)
                    if (
                        wider
                        and current
                        and list(INTEGER_TYPES).index(wider) > list(INTEGER_TYPES).index(current)
                    ):
                        types.setdefault(name, {})[column] = wider
                        warnings.append(
                            f"{name}.{column}: created as {wider} like {key.parent}.{parent_column}, "
                            "which it references"
                        )
                        grew = True
    return types, warnings


def plan_create(
    source: SqliteSource,
    table: SourceTable,
    options: Options,
    included: set[str],
    problems: list[Problem],
    types: dict[str, str] | None = None,
    scan: CreatedScan | None = None,
) -> TablePlan:
    excluded = options.excluded_columns(table.name)
    kept = [c for c in table.columns if c.name not in excluded]
    trimmed = SourceTable(
        table.name,
        kept,
        table.sql,
        table.without_rowid,
        table.indexes,
        table.foreign_keys,
        [g for g in table.generated if g.name not in excluded],
        table.syntax,
        table.syntax_error,
    )
    widen: set[str] = set()
    if options.widen_varchar:
        for column in kept:
            pg_type = column_type_of_declared(column.declared)
            if pg_type.length is not None and _too_long(source, table.name, column.name, pg_type.length):
                widen.add(column.name)
    try:
        prefix = table.name + "."
        readings = {k[len(prefix) :]: v for k, v in options.date_numbers.items() if k.startswith(prefix)}
        ddl = table_ddl(options.schema, trimmed, widen, included, types, readings)
    except ValueError as exc:
        problems.append(Problem(table.name, str(exc)))
        ddl = TableDDL(create="")
        return TablePlan(table, None, [], {}, [], ddl)
    extras = created_extras(options.schema, trimmed, ddl.types)
    types = {name: column_type(pg_type) for name, pg_type in ddl.types.items()}
    # types of the generated columns too: for comparing PostgreSQL's values with SQLite's
    types.update({name: column_type(pg_type) for name, pg_type in extras.generated_types.items()})
    not_null = [c.name for c in kept if c.not_null or c.pk_position]
    numbers = column_numbers(source, table, types, options.date_numbers, scan.holds_number if scan else None)
    plan = TablePlan(table, None, [c.name for c in kept], types, not_null, ddl, widen, numbers=numbers)
    plan.extras = extras
    return plan


def column_type_of_declared(declared: str) -> ColumnType:
    return column_type(postgres_type(declared))
