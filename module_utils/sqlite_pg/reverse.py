"""postgres_to_sqlite: PostgreSQL's tables back into a new SQLite file in the application's
own form, proved by the forward module's digest before it replaces the destination.

1. read the template (``SqliteSource``: a read-only snapshot) and, in one REPEATABLE READ
   READ ONLY transaction, PostgreSQL's catalog;
2. plan: each template table's columns against PostgreSQL's, the tables and columns only
   PostgreSQL has (``extra``), each column's storage form (storage_forms.py): every
   structural problem is reported before anything is written;
3. write a temporary file beside dest (sqlite_dest.py): the template's schema SQL as it
   is, then per table ``COPY (SELECT ...) TO STDOUT`` streamed, each line parsed
   (copy_text.split_line) and inserted in batches (executemany) in one SQLite
   transaction; sqlite_sequence; the template's indexes, views and triggers after the rows;
4. verify, in the same snapshot: per table PostgreSQL's digest (verify.target_digest)
   against the new file's, read by the forward module's own plan and converters
   (plan.plan_existing, TableCopy.run); PRAGMA integrity_check and foreign_key_check;
5. fsync, rename over dest, fsync the directory (check mode: discard the file).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .converters import ColumnType, TextPolicy
from .copy_text import split_line
from .errors import (
    KIND_CONNECTION,
    KIND_DATA,
    KIND_VERIFICATION,
    ConversionError,
    MigrationError,
    Problem,
    ProblemLimitReached,
    ProblemLog,
    excerpt,
)
from .identifiers import pg_name, qualified, quote_ident
from .locks import LOCK_NOT_AVAILABLE
from .numeric_dates import column_numbers
from .options import Options
from .pg_target import (
    TargetColumn,
    TargetTable,
    connect,
    psycopg2,
    read_tables,
    relation_kinds,
    serial_sequences,
)
from .plan import plan_existing
from .progress import DONE, VERIFY, rows_reporter, tell
from .reverse_changes import Compared, table_changes, totals
from .reverse_options import ReverseOptions
from .selection import listing
from .sqlite_dest import Destination
from .sqlite_source import SourceTable, SqliteSource, quote_sqlite
from .storage_forms import (
    TEXT_SHAPES,
    ColumnProfile,
    choose_form,
    declared_type,
    profile_sql,
    profiles_from,
    reader_for,
)
from .target_session import pg_message
from .temporal import READINGS
from .verify import diff_rows, target_count, target_digest
from .virtual_tables import special_tables

BATCH_ROWS = 2000  # rows per executemany: memory stays at a batch whatever the table's size


@dataclass(frozen=True)
class SchemaEntry:
    """One row of the template's sqlite_master, in the order SQLite created them."""

    kind: str  # table | index | view | trigger
    name: str
    table: str
    sql: str


@dataclass
class ReverseTable:
    name: str  # the template's (SQLite) name
    target: TargetTable  # PostgreSQL's table (its names as the catalog stores them)
    columns: list[str]  # SQLite columns copied, in the template's order
    types: dict[str, ColumnType]
    forms: dict[str, str] = field(default_factory=dict)
    key: list[str] = field(default_factory=list)  # columns naming a row in a report
    added_columns: list[tuple[str, str]] = field(default_factory=list)  # (name, declared): extra=add
    create: str | None = None  # CREATE TABLE of a table the template lacks (extra=add)
    rowid_alias: str | None = None
    autoincrement: bool = False

    def pg_column(self, column: str) -> str:
        found = self.target.column(column)
        assert found is not None
        return found.name


@dataclass
class ReverseResult:
    name: str
    rows: int = 0
    target_rows: int = 0
    verified: bool = False
    digest: str = ""
    seconds: float = 0.0
    action: str = "copied"  # copied | added (a table the template lacks) | empty (excluded)
    forms: dict[str, str] = field(default_factory=dict)
    sequence: int | None = None
    changes: dict[str, int] | None = None  # against the template: inserted, updated, deleted

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "target_rows": self.target_rows,
            "verified": self.verified,
            "digest": self.digest,
            "seconds": round(self.seconds, 3),
            "action": self.action,
            "forms": self.forms,
            "sequence": self.sequence,
            "changes": self.changes,
        }


@dataclass
class ReverseOutcome:
    changed: bool = False
    dest: str = ""
    backup_file: str | None = None
    tables: list[ReverseResult] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    removed_stale: list[str] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "changes": self.changes,
            "dest": self.dest,
            "backup_file": self.backup_file,
            "tables": [t.as_dict() for t in self.tables],
            "extra": self.extra,
            "warnings": self.warnings,
            "removed_stale": self.removed_stale,
        }


def run(options: ReverseOptions) -> dict[str, Any]:
    """Write dest from PostgreSQL; returns the result dict, or raises MigrationError
    (dest unchanged, no temporary file left)."""
    template = SqliteSource(options.template)
    try:
        conn = connect(options.connection)
        try:
            # One snapshot for the catalog, every table's rows and the verification.
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            return Reverse(conn, template, options).run()
        finally:
            with contextlib.suppress(Exception):
                conn.rollback()
            conn.close()
    finally:
        template.close()


class Reverse:
    def __init__(self, conn: Any, template: SqliteSource, options: ReverseOptions) -> None:
        self.conn = conn
        self.template = template
        self.options = options
        self.schema = options.schema
        self.problems = ProblemLog(limit=options.max_problems)
        self.outcome = ReverseOutcome(dest=options.dest)
        self.entries: list[SchemaEntry] = []
        self.shadow: set[str] = set()  # created by their virtual table
        self._virtual: set[str] = set()

    # -- planning -------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        try:
            tables = self._plan()
        except ProblemLimitReached:
            raise self._fail(limited=True) from None
        except psycopg2.Error as exc:
            raise self._pg_error("reading PostgreSQL's catalog", exc) from exc
        destination = Destination(self.options.dest)
        try:
            self.outcome.removed_stale = destination.removed_stale
            try:
                self._write(tables, destination.temp)
                self._verify(tables, destination.temp)
                self._compare(tables, destination.temp)
            except BaseException:
                destination.discard()
                raise
            if self.options.check_mode:
                destination.discard()
            else:
                self.outcome.backup_file = destination.install(self.options.template, self.options.backup)
            self.outcome.changed = True
        finally:
            destination.close()
        return self.outcome.as_dict()

    def _fail(self, limited: bool = False) -> MigrationError:
        summary = self.problems.summary(limited).replace("nothing was written", "dest is unchanged")
        return MigrationError(summary, self.problems.as_list(), kind=KIND_DATA)

    def _pg_error(self, doing: str, exc: Exception) -> MigrationError:
        message = pg_message(exc)
        if getattr(exc, "pgcode", None) == LOCK_NOT_AVAILABLE:
            return MigrationError(
                f"gave up waiting for a lock after lock_timeout={self.options.connection.lock_timeout} s "
                f"while {doing}: {message}; a session holds a conflicting lock (see pg_locks); "
                f"{self.options.dest} is unchanged"
            )
        if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError) or self.conn.closed:
            return MigrationError(
                f"connection to PostgreSQL lost while {doing}: {message}; {self.options.dest} is unchanged",
                kind=KIND_CONNECTION,
            )
        return MigrationError(f"PostgreSQL failed while {doing}: {message}; {self.options.dest} is unchanged")

    def _read_schema(self) -> None:
        rows = self.template._query(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
        )
        self.entries = [SchemaEntry(*(SqliteSource._text(v) for v in row)) for row in rows]
        special = special_tables(self.template)
        self.shadow = {n for n, s in special.items() if s.kind == "shadow table"}
        for name, table in special.items():
            if table.kind == "virtual table":
                self.outcome.warnings.append(
                    f"virtual table {name} is created as the template has it, empty: PostgreSQL does not "
                    "hold it (the forward copy skipped it); rebuild it from its content if it indexes any"
                )
        self._virtual = {n for n, s in special.items() if s.kind == "virtual table"}

    def _ordinary_tables(self) -> list[str]:
        return [
            e.name
            for e in self.entries
            if e.kind == "table"
            and not e.name.startswith("sqlite_")
            and e.name not in self.shadow
            and e.name not in self._virtual
        ]

    def _plan(self) -> list[ReverseTable]:
        self._read_schema()
        names = self._ordinary_tables()
        in_postgres = [n for n, kind in relation_kinds(self.conn, self.schema).items() if kind in ("r", "p")]
        self._check_names(names, in_postgres)
        if self.problems:
            raise self._fail()
        chosen = [n for n in (self.options.tables or names) if n not in self.options.exclude_tables]
        for name in names:
            if name not in chosen:
                self.outcome.tables.append(ReverseResult(name, action="empty", verified=True))
                self.outcome.warnings.append(
                    f"{name}: not copied (tables/exclude_tables): the new file has the template's table, "
                    "empty"
                )
        existing = read_tables(self.conn, self.schema, chosen)
        tables: list[ReverseTable] = []
        for name in chosen:
            target = existing.get(name)
            if target is None:
                self.problems.add(
                    Problem(
                        name,
                        f"no table of that name in PostgreSQL schema {self.schema}: leave it out with "
                        "exclude_tables (the new file then has the template's table, empty)",
                    )
                )
                continue
            planned = self._plan_table(self.template.read_table(name), target)
            if planned is not None:
                tables.append(planned)
        known = {pg_name(n) for n in names}
        excluded = {pg_name(n) for n in self.options.exclude_tables}
        for name in sorted(set(in_postgres) - known - excluded):
            added = self._extra_table(name)
            if added is not None:
                tables.append(added)
        if self.problems:
            raise self._fail()
        return tables

    def _check_names(self, names: list[str], in_postgres: list[str]) -> None:
        """Options naming what neither side has: a typo is an error, before anything is written."""
        have = set(names)
        pg_have = set(in_postgres)
        for name in self.options.tables or []:
            if name not in have:
                self.problems.add(
                    Problem(name, f"tables: no table {name} in the template ({listing(names)})")
                )
        for name in self.options.exclude_tables:
            if name not in have and pg_name(name) not in pg_have:
                self.problems.add(
                    Problem(name, f"exclude_tables: no table {name} in the template or in PostgreSQL")
                )
        for entry in [*self.options.exclude_columns, *self.options.date_numbers]:
            table, _, column = entry.rpartition(".")
            if not table:
                self.problems.add(Problem(entry, f"{entry!r} is not table.column"))
                continue
            columns = self.template.column_names(table) if table in have else []
            if table in have and column in columns:
                continue
            if entry in self.options.date_numbers:
                self.problems.add(
                    Problem(table, f"date_numbers names {entry}: the template has no such column", column)
                )
                continue
            pg_columns = (
                read_tables(self.conn, self.schema, [table]).get(table) if pg_name(table) in pg_have else None
            )
            if pg_columns is not None and pg_columns.column(column) is not None:
                continue
            self.problems.add(
                Problem(
                    table,
                    f"exclude_columns: {entry}: no such column in the template or in PostgreSQL",
                    column,
                )
            )

    def _plan_table(self, source: SourceTable, target: TargetTable) -> ReverseTable | None:
        name = source.name
        excluded = self.options.excluded_columns(name)
        columns: list[str] = []
        for column in source.columns:
            if column.name in excluded:
                self.outcome.warnings.append(
                    f"{name}.{column.name}: not copied (exclude_columns): the new file's rows get its default"
                )
                continue
            if target.column(column.name) is None:
                self.problems.add(
                    Problem(
                        name,
                        "column of the template has no column of that name in PostgreSQL's table: leave it "
                        "out with exclude_columns (the new file's rows then get the template's default)",
                        column.name,
                    )
                )
                continue
            columns.append(column.name)
        types = {c: self._target_column(target, c).type for c in columns}
        table = ReverseTable(
            name,
            target,
            columns,
            types,
            key=[c for c in source.primary_key if c in columns],
            rowid_alias=source.rowid_alias,
            autoincrement=source.autoincrement,
        )
        template_names = {pg_name(c.name) for c in source.columns} | {
            pg_name(g.name) for g in source.generated
        }
        excluded_pg = {pg_name(c) for c in excluded}
        for column in target.columns:
            if column.name in template_names or column.name in excluded_pg:
                continue
            if self._extra_column(table, column):
                table.columns.append(column.name)
                table.types[column.name] = column.type
        self._choose_forms(source, table)
        return table

    @staticmethod
    def _target_column(target: TargetTable, column: str) -> TargetColumn:
        found = target.column(column)
        assert found is not None
        return found

    def _extra_column(self, table: ReverseTable, column: TargetColumn) -> bool:
        """A column PostgreSQL has and the template lacks: True when it is added."""
        declared = declared_type(column.type)
        entry = {"kind": "column", "table": table.name, "column": column.name, "type": column.type.formatted}
        if self.options.extra == "fail":
            self.problems.add(
                Problem(
                    table.name,
                    f"column ({column.type.formatted}) in PostgreSQL but not in the template (added after "
                    f"the cut-over?): extra=add adds it to the new file as {declared}; extra=exclude, or "
                    f"exclude_columns: [{table.name}.{column.name}], leaves it out",
                    column.name,
                )
            )
            return False
        if self.options.extra == "exclude":
            self.outcome.extra.append({**entry, "action": "excluded"})
            self.outcome.warnings.append(
                f"{table.name}.{column.name}: in PostgreSQL, not in the template: left out (extra=exclude)"
            )
            return False
        table.added_columns.append((column.name, declared))
        self.outcome.extra.append({**entry, "action": "added", "declared": declared})
        self.outcome.warnings.append(
            f"{table.name}.{column.name}: in PostgreSQL, not in the template: added as {declared}"
            + (" (nullable: SQLite adds no NOT NULL column without a default)" if column.not_null else "")
        )
        return True

    def _extra_table(self, name: str) -> ReverseTable | None:
        target = read_tables(self.conn, self.schema, [name])[name]
        entry = {"kind": "table", "table": name, "column": None, "type": None}
        if self.options.extra == "fail":
            self.problems.add(
                Problem(
                    name,
                    "table in PostgreSQL but not in the template (created after the cut-over?): extra=add "
                    "creates it in the new file; extra=exclude, or exclude_tables, leaves it out",
                )
            )
            return None
        if self.options.extra == "exclude":
            self.outcome.extra.append({**entry, "action": "excluded"})
            self.outcome.warnings.append(
                f"{name}: in PostgreSQL, not in the template: left out (extra=exclude)"
            )
            return None
        key = _primary_key(self.conn, self.schema, name)
        serial = {s.column for s in serial_sequences(self.conn, self.schema, [name]).get(name, [])}
        definitions: list[str] = []
        alias = None
        for column in target.columns:
            declared = declared_type(column.type)
            text = f"{quote_sqlite(column.name)} {declared}"
            if (
                key == [column.name]
                and column.name in serial
                and column.type.name in ("int2", "int4", "int8")
            ):
                text = f"{quote_sqlite(column.name)} INTEGER PRIMARY KEY AUTOINCREMENT"
                alias = column.name
            elif column.not_null:
                text += " NOT NULL"
            definitions.append(text)
        if key and alias is None:
            definitions.append(f"PRIMARY KEY ({', '.join(quote_sqlite(c) for c in key)})")
        create = f"CREATE TABLE {quote_sqlite(name)} ({', '.join(definitions)})"
        table = ReverseTable(
            name,
            target,
            [c.name for c in target.columns],
            {c.name: c.type for c in target.columns},
            key=key,
            create=create,
            rowid_alias=alias,
            autoincrement=alias is not None,
        )
        for column in table.columns:
            table.forms[column] = choose_form(table.types[column], "", ColumnProfile(), None)
        self.outcome.extra.append({**entry, "action": "added", "declared": create})
        self.outcome.warnings.append(
            f"{name}: in PostgreSQL, not in the template: created in the new file ({create}); its indexes, "
            "unique constraints and foreign keys are not"
        )
        return table

    def _choose_forms(self, source: SourceTable, table: ReverseTable) -> None:
        """Each column's storage form, from its PostgreSQL type and what the template holds."""
        added = {c for c, _ in table.added_columns}
        profiled = [c for c in table.columns if c not in added]
        spec = [(quote_sqlite(c), table.types[c].name) for c in profiled]
        row = self.template.one(profile_sql(source.name, spec), source.name) if spec else ()
        profiles = dict(zip(profiled, profiles_from(row, spec), strict=True)) if spec else {}
        timestamps = {
            c: table.types[c] for c in profiled if table.types[c].name in ("timestamptz", "timestamp")
        }
        numbers = column_numbers(self.template, source, timestamps, self.options.date_numbers)
        declared = {c.name: c.declared for c in source.columns}
        for column in table.columns:
            found = numbers.get(column)
            try:
                table.forms[column] = choose_form(
                    table.types[column],
                    declared.get(column, ""),
                    profiles.get(column, ColumnProfile()),
                    found.reading if found is not None else None,
                )
            except ConversionError as exc:
                self.problems.add(Problem(table.name, f"the template's column holds {exc.reason}", column))

    # -- writing --------------------------------------------------------------
    def _write(self, tables: list[ReverseTable], path: str) -> None:
        db = sqlite3.connect(path, isolation_level=None)
        doing = "creating the schema"
        try:
            self._settings(db)
            db.execute("BEGIN")
            for entry in self.entries:
                if (
                    entry.kind == "table"
                    and not entry.name.startswith("sqlite_")
                    and entry.name not in self.shadow
                ):
                    db.execute(entry.sql)
            for table in tables:
                if table.create is not None:
                    db.execute(table.create)
                for column, declared in table.added_columns:
                    db.execute(
                        f"ALTER TABLE {quote_sqlite(table.name)} ADD COLUMN {quote_sqlite(column)} {declared}"
                    )
            for table in tables:
                doing = f"copying table {table.name}"
                self.outcome.tables.append(self._copy(db, table))
            if self.problems:
                raise self._fail()
            doing = "setting sqlite_sequence"
            self._sequences(db, tables)
            for entry in self.entries:
                if entry.kind in ("index", "view", "trigger"):
                    doing = f"creating {entry.kind} {entry.name} of the template"
                    db.execute(entry.sql)
            doing = "committing the new file"
            db.execute("COMMIT")
            if any(e.kind == "table" and e.name.startswith("sqlite_stat") for e in self.entries):
                db.execute("ANALYZE")  # the template had statistics: fresh ones for the new rows
            if self._template_pragma("journal_mode") == "wal":
                db.execute("PRAGMA journal_mode = WAL")
        except ProblemLimitReached:
            raise self._fail(limited=True) from None
        except psycopg2.Error as exc:  # reading a sequence's last value
            raise self._pg_error(doing, exc) from exc
        except sqlite3.Error as exc:
            raise MigrationError(
                f"writing the new SQLite file failed while {doing}: {exc}; {self.options.dest} is unchanged "
                "(the temporary file is removed)"
            ) from exc
        finally:
            db.close()

    def _template_pragma(self, name: str) -> Any:
        value = self.template._query(f"PRAGMA {name}")[0][0]
        return SqliteSource._text(value).lower() if isinstance(value, bytes | str) else value

    def _settings(self, db: sqlite3.Connection) -> None:
        """The template's file settings, before the first table; no journal while the
        file is built (a failed build is discarded, never rolled back)."""
        db.execute(f"PRAGMA encoding = '{self._template_pragma('encoding').upper()}'")
        db.execute(f"PRAGMA page_size = {int(self._template_pragma('page_size'))}")
        db.execute(f"PRAGMA auto_vacuum = {int(self._template_pragma('auto_vacuum'))}")
        db.execute(f"PRAGMA user_version = {int(self._template_pragma('user_version'))}")
        db.execute(f"PRAGMA application_id = {int(self._template_pragma('application_id'))}")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")

    def _copy(self, db: sqlite3.Connection, table: ReverseTable) -> ReverseResult:
        started = time.monotonic()
        result = ReverseResult(
            table.name, forms=dict(table.forms), action="added" if table.create else "copied"
        )
        readers = [reader_for(table.types[c], table.forms[c]) for c in table.columns]
        select = ", ".join(quote_ident(table.pg_column(c)) for c in table.columns) or "NULL"
        sql = f"COPY (SELECT {select} FROM {qualified(self.schema, table.target.name)}) TO STDOUT"
        marks = ", ".join("?" * len(table.columns))
        insert = (
            f"INSERT INTO {quote_sqlite(table.name)} ({', '.join(quote_sqlite(c) for c in table.columns)}) "
            f"VALUES ({marks})"
        )
        sink = RowSink(db, insert, readers, table, self.problems)
        if self.options.progress is not None:  # the exact total for the display only: a count is a scan
            total = target_count(self.conn, self.schema, table.target.name)
            sink.on_rows = rows_reporter(self.options.progress, table.name, total)
        try:
            with self.conn.cursor() as cur:
                cur.copy_expert(sql, sink, size=1 << 18)
        except psycopg2.Error as exc:
            if sink.error is not None:
                raise sink.error from None
            raise self._pg_error(f"copying table {table.name}", exc) from exc
        if sink.error is not None:
            raise sink.error
        sink.flush()
        result.rows = sink.count
        result.seconds = time.monotonic() - started
        return result

    def _sequences(self, db: sqlite3.Connection, tables: list[ReverseTable]) -> None:
        """sqlite_sequence past the highest id, never below the template's value nor below
        the last value PostgreSQL's sequence handed out (ids used and deleted there stay unused)."""
        results = {r.name: r for r in self.outcome.tables}
        for table in tables:
            if not table.autoincrement or table.rowid_alias is None:
                continue
            alias = quote_sqlite(table.rowid_alias)
            highest = db.execute(f"SELECT max({alias}) FROM {quote_sqlite(table.name)}").fetchone()[0] or 0
            remembered = self.template.sequence_value(table.name) if table.create is None else None
            issued = self._issued(table)
            top = max(highest, remembered or 0, issued or 0)
            if top == 0 and remembered is None:
                continue
            found = db.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (top, table.name))
            if found.rowcount == 0:
                db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table.name, top))
            results[table.name].sequence = top

    def _issued(self, table: ReverseTable) -> int | None:
        """The last value of the rowid alias's sequence in PostgreSQL (NULL when it was never
        used since a RESTART, or the role may not read it)."""
        alias = pg_name(table.rowid_alias or "")
        for sequence in serial_sequences(self.conn, self.schema, [table.name]).get(table.name, []):
            if sequence.column != alias:
                continue
            with self.conn.cursor() as cur:
                cur.execute(
                    "SELECT last_value FROM pg_sequences "
                    "WHERE format('%%I.%%I', schemaname, sequencename)::regclass = %s::regclass",
                    (sequence.name,),
                )
                row = cur.fetchone()
            return int(row[0]) if row and row[0] is not None else None
        return None

    def _compare(self, tables: list[ReverseTable], path: str) -> None:
        """The writes since the cut-over: each copied table against the template, by key."""
        added = {t.name: {c for c, _ in t.added_columns} for t in tables}
        compared = [
            Compared(
                t.name,
                t.key,
                [c for c in t.columns if c not in added[t.name]],
                in_template=t.create is None,
            )
            for t in tables
        ]
        changes = table_changes(path, self.template.file.uri, compared)
        for result in self.outcome.tables:
            if result.name in changes:
                result.changes = changes[result.name]
        self.outcome.changes = totals(changes)
        for name in self.outcome.changes["not_compared"]:
            self.outcome.warnings.append(
                f"{name}: no primary key, so its rows cannot be matched with the template's: its writes "
                "since the cut-over are not counted"
            )

    # -- verification -----------------------------------------------------------
    def _verify(self, tables: list[ReverseTable], path: str) -> None:
        source = SqliteSource(path)
        results = {r.name: r for r in self.outcome.tables}
        try:
            with self.conn.cursor() as cur:  # pg_stat_activity tells the copy from its verification
                cur.execute(
                    "SELECT set_config('application_name', %s, false)",
                    (f"{self.options.connection.application_name} verifying",),
                )
            for table in tables:
                tell(self.options.progress, table.name, VERIFY, results[table.name].rows)
                self._verify_table(source, table, results[table.name])
                tell(self.options.progress, table.name, DONE, results[table.name].rows)
            checked = [SqliteSource._text(r[0]) for r in source._query("PRAGMA integrity_check")]
            if checked != ["ok"]:
                raise MigrationError(
                    f"the new SQLite file fails PRAGMA integrity_check: {'; '.join(checked[:5])}; "
                    f"{self.options.dest} is unchanged"
                )
            dangling = source._query("PRAGMA foreign_key_check")
            if dangling:
                shown = "; ".join(
                    f"{SqliteSource._text(t)} rowid {rowid} points at no row of {SqliteSource._text(parent)}"
                    for t, rowid, parent, _fk in dangling[:10]
                )
                raise MigrationError(
                    f"the new SQLite file fails PRAGMA foreign_key_check ({len(dangling)} row(s)): {shown}; "
                    "PostgreSQL holds these rows without the template's foreign keys; "
                    f"{self.options.dest} is unchanged",
                    kind=KIND_DATA,
                )
        except psycopg2.Error as exc:
            raise self._pg_error("verifying the new file against PostgreSQL", exc) from exc
        finally:
            source.close()

    def _verify_table(self, source: SqliteSource, table: ReverseTable, result: ReverseResult) -> None:
        """The new file's table read as the forward module reads a source (its plan, its
        converters, its digest), against PostgreSQL's COPY TO of the same columns."""
        started = time.monotonic()
        read = source.read_table(table.name)
        copied = set(table.columns)
        left_out = [c.name for c in read.columns if c.name not in copied] + [g.name for g in read.generated]
        numbers = {
            f"{table.name}.{c}": form.removesuffix("_real")
            for c, form in table.forms.items()
            if form.removesuffix("_real") in READINGS
        }
        forward = Options(
            src=source.path,
            schema=self.schema,
            exclude_columns=[f"{table.name}.{c}" for c in left_out],
            date_numbers=numbers,
        )
        target = TargetTable(
            self.schema, table.target.name, [self._target_column(table.target, c) for c in table.columns]
        )
        structural: list[Problem] = []
        plan = plan_existing(source, read, target, forward, structural)
        copy = plan.copy(source, TextPolicy())
        problems = ProblemLog(limit=self.options.max_problems)
        try:
            digest = copy.run(problems).digest
        except ProblemLimitReached:  # problems found: reported below
            digest = None
        if structural or problems or digest is None:
            found = [*structural, *problems.items]
            raise MigrationError(
                f"verification failed for table {table.name}: the new file's values do not read back "
                f"as PostgreSQL's ({'; '.join(str(p) for p in found[:5])}); {self.options.dest} is unchanged",
                [p.as_dict() for p in found],
                kind=KIND_VERIFICATION,
            )
        result.digest = digest.hexdigest()
        if self.options.verify == "count":
            result.target_rows = target_count(self.conn, self.schema, table.target.name)
            if result.target_rows != digest.count:
                raise MigrationError(
                    f"verification failed for table {table.name}: {result.target_rows} rows in PostgreSQL, "
                    f"{digest.count} in the new file; {self.options.dest} is unchanged",
                    kind=KIND_VERIFICATION,
                )
        else:
            theirs = target_digest(self.conn, self.schema, table.target.name, copy.columns)
            result.target_rows = theirs.count
            if theirs != digest:
                diff = diff_rows(self.conn, self.schema, copy)
                raise MigrationError(
                    f"verification failed, {self.options.dest} is unchanged: {diff.message()}",
                    kind=KIND_VERIFICATION,
                )
        result.verified = True
        result.seconds += time.monotonic() - started


class RowSink:
    """File-like sink for ``copy_expert(COPY ... TO STDOUT)``: each line parsed, its
    values put in their storage form, inserted a batch at a time. An exception here is
    kept in ``error`` (psycopg2 replaces it) and re-raised by the caller."""

    def __init__(
        self,
        db: sqlite3.Connection,
        insert: str,
        readers: list[Any],
        table: ReverseTable,
        problems: ProblemLog,
    ) -> None:
        self.db = db
        self.insert = insert
        self.readers = readers
        self.table = table
        self.problems = problems
        self.rows: list[list[object]] = []
        self.count = 0
        self.on_rows: Callable[[int], None] | None = None  # told the rows written per batch (progress.py)
        self.error: BaseException | None = None
        self.keys = [table.columns.index(c) for c in table.key]
        self.converted = [
            (i, r)
            for i, (c, r) in enumerate(zip(table.columns, readers, strict=True))
            if table.forms[c] != "text"
        ]

    def write(self, data: bytes | str) -> int:
        try:
            line = data.decode("utf-8") if isinstance(data, bytes) else data
            row: list[Any] = split_line(line)
            if len(row) != len(self.readers):
                raise MigrationError(
                    f"{self.table.name}: PostgreSQL sent {len(row)} fields, not {len(self.readers)}"
                )
            try:
                for position, read in self.converted:  # text is inserted as it is: no call
                    value = row[position]
                    if value is not None:
                        row[position] = read(value)
            except ConversionError:
                self._report(split_line(line))
                return len(data)
            self.rows.append(row)
            if len(self.rows) >= BATCH_ROWS:
                self.flush()
        except BaseException as exc:
            self.error = exc
            raise
        return len(data)

    def flush(self) -> None:
        if self.rows:
            if not self.problems:  # once a value is refused the file is not kept: stop writing
                self.db.executemany(self.insert, self.rows)
            self.count += len(self.rows)
            self.rows.clear()
            if self.on_rows is not None:
                self.on_rows(self.count)

    def _report(self, fields: list[str | None]) -> None:
        key = {self.table.columns[p]: "NULL" if fields[p] is None else fields[p] for p in self.keys}
        for column, reader, value in zip(self.table.columns, self.readers, fields, strict=True):
            if value is None:
                continue
            try:
                reader(value)
            except ConversionError as exc:
                form = self.table.forms[column]
                shape = TEXT_SHAPES.get(form)
                self.problems.add(
                    Problem(
                        self.table.name,
                        f"no faithful SQLite form ({shape.note if shape else form}): {exc.reason}",
                        column,
                        key,
                        excerpt(value),
                    )
                )


def _primary_key(conn: Any, schema: str, table: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN unnest(i.indkey) WITH ORDINALITY k(attnum, ord) ON true "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
            "WHERE i.indisprimary AND n.nspname = %s AND c.relname = %s ORDER BY k.ord",
            (pg_name(schema), table),
        )
        return [r[0] for r in cur.fetchall()]
