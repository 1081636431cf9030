"""The migration: plan, pre-check, load, verify, all in one PostgreSQL transaction.

Order of work (nothing is sent until the checks of the source alone that
could fail it have passed, nothing committed until every check has):

1. read the SQLite schema (one read snapshot) and the target catalog, while
   PRAGMA quick_check runs in a thread (SourceCheck), until before the commit;
2. plan each table: load into the existing table, or create it;
3. pre-check the source: NULLs in NOT NULL columns, dangling foreign keys
   (only of the tables whose keys PostgreSQL will not check itself; for the
   others SQLite's check runs when a report is made: when PostgreSQL refuses
   a key, it names every row that breaks one, and it completes any other
   failure's report);
4. compare non-empty target tables with the source by digest (equal: unchanged);
5. DDL, TRUNCATE (if_not_empty=replace), drop the foreign keys and plain indexes
   of empty existing tables (deferred.py), then per table in foreign-key order:
6. COPY (read ahead in a thread, prefetch.py), converting and validating every
   value on the way (a bad value stops the sending and the scan goes on to
   collect the other problems);
7. the table's dropped indexes and foreign keys back (a foreign key once its
   parent is loaded), indexes and foreign keys of a created table, sequences
   past the highest id;
8. read the table back and compare with the source digest; ANALYZE it.
   Steps 7 and 8 are PostgreSQL's work: meanwhile the next table is already
   read from SQLite;
9. commit (or roll back in check mode, or on any failure).
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .converters import TextPolicy
from .copy_text import ChunkReader
from .deferred import Deferred, plan_deferred
from .errors import MigrationError, Problem, ProblemLimitReached, ProblemLog, Skipped, excerpt
from .identifiers import column_list, pg_name, qualified, quote_ident, quote_literal
from .locks import LOCK_NOT_AVAILABLE, lock_error, lock_holders
from .names import MappedName, column_collisions, mapped_names, relation_collisions, table_collisions
from .numeric_dates import option_problems
from .options import Options
from .ordering import fk_order, load_order
from .pg_target import (
    TargetTable,
    connect,
    psycopg2,
    read_tables,
    relation_kinds,
    relations,
    schema_exists,
    serial_sequences,
)
from .plan import TablePlan, plan_create, plan_existing, widen_integers
from .privileges import Access, Reference, TableNeeds, missing, read_access
from .schema_extras import (
    CHECK,
    GENERATED,
    VIEW,
    Addition,
    compare_computed,
    shown,
    table_relation,
    trigger_skipped,
    view_statement,
)
from .selection import select_tables
from .spool import SpooledPrefetch, chunks_in_their_own_mmap
from .sql_translate import ColumnInfo, Relation, Untranslatable, translate_select
from .sqlite_source import SchemaObject, SourceTable, SqliteSource
from .sqlite_sql import SqlSyntaxError, view_select
from .table_copy import TableCopy
from .utf8 import shown_text
from .verify import diff_rows, target_count, target_digest, target_has_rows


@dataclass
class TableResult:
    name: str
    source_rows: int = 0
    target_rows: int = 0
    created: bool = False
    action: str = "unchanged"  # created | loaded | replaced | unchanged
    verified: bool = False
    seconds: float = 0.0
    digest: str = ""
    numeric_dates: dict[str, dict[str, Any]] = field(default_factory=dict)  # column -> its numbers' reading

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source_rows": self.source_rows,
            "target_rows": self.target_rows,
            "created": self.created,
            "action": self.action,
            "verified": self.verified,
            "seconds": round(self.seconds, 3),
            "digest": self.digest,
            "numeric_dates": self.numeric_dates,
        }


@dataclass
class Outcome:
    changed: bool = False
    tables: list[TableResult] = field(default_factory=list)
    ddl: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    mapped_names: list[MappedName] = field(default_factory=list)  # names PostgreSQL stores shorter

    # setval() of the sequences the role does not own: not undone by a rollback,
    # so run last, just before the commit, never in check mode (_reset_sequences).
    at_commit: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "tables": [t.as_dict() for t in self.tables],
            "ddl": self.ddl,
            "warnings": self.warnings,
            "skipped": [s.as_dict() for s in self.skipped],
            "problems": self.problems,
            "mapped_names": [m.as_dict() for m in self.mapped_names],
        }


class SourceCheck:
    """PRAGMA quick_check in a thread, on a connection of its own, while the
    migration runs (SQLite releases the GIL while it checks). ``wait()`` before
    the commit: it raises the check's error, and the transaction is rolled back."""

    def __init__(self, source: SqliteSource) -> None:
        self._source = source
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._check, name="sqlite-quick-check", daemon=True)
        self._thread.start()

    def _check(self) -> None:
        try:
            # Through SQLite only: opening the file otherwise would drop the snapshot's lock.
            checked = self._source.another()
            try:
                checked.quick_check()
            finally:
                checked.close()
        except BaseException as exc:  # raised by wait(), in the migrating thread
            self._error = exc

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def run(options: Options) -> dict[str, Any]:
    """Migrate; returns the result dict, or raises MigrationError (nothing committed)."""
    chunks_in_their_own_mmap()
    source = SqliteSource(options.src)
    check = SourceCheck(source) if options.check_source else None
    try:
        selection = select_tables(source, options)
        tables = {n: source.read_table(n) for n in selection.names}
        conn = connect(options.connection)
        try:
            outcome = Migration(conn, source, tables, options).run()
            if check is not None:
                check.wait()
            source.file.check_unchanged()
            outcome.skipped[:0] = selection.skipped
            outcome.warnings[:0] = source.file.notes() + selection.warnings
            if options.check_mode or not outcome.changed:
                conn.rollback()
            else:
                _set_sequences(conn, outcome.at_commit)  # after every check: only the commit can fail now
                conn.commit()  # ANALYZE ran inside the transaction, after each verification
            return outcome.as_dict()
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()
    except BaseException:
        # A corrupt file explains any other failure of reading it: that is the error
        # (and a writer under an immutable read explains a corrupt-looking file).
        try:
            if check is not None:
                check.wait()
        finally:
            source.file.check_unchanged()
        raise
    finally:
        source.close()


def _set_sequences(conn: Any, statements: list[str]) -> None:
    statement = "setval()"
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    except psycopg2.Error as exc:
        raise MigrationError(
            f"PostgreSQL refused {statement}: {_pg_message(exc)}; the transaction was rolled back, "
            "nothing was written (a sequence already moved only skips ids)"
        ) from exc


def _rollback(conn: Any) -> None:
    # The connection may be gone (server restart): nothing to undo then.
    with contextlib.suppress(Exception):
        conn.rollback()


FOREIGN_KEY_VIOLATION = "23503"  # SQLSTATE
INSUFFICIENT_PRIVILEGE = "42501"


class ReferenceRefused(MigrationError):
    """PostgreSQL refused a foreign key (its message names one row)."""


_COPY_CONTEXT = re.compile(r"COPY [^,]+, line (\d+)(?:, column ([^:]+))?")


class Migration:
    def __init__(
        self,
        conn: Any,
        source: SqliteSource,
        tables: dict,
        options: Options,
    ) -> None:
        self.conn = conn
        self.source = source
        self.tables = tables
        self.options = options
        self.policy = TextPolicy(strip_nul=options.strip_nul)
        self.problems = ProblemLog(limit=options.max_problems)
        self.outcome = Outcome()
        self.schema = options.schema
        self.parents: dict[str, set[str]] = {}
        self.order: list[str] = []
        self.copies: dict[str, TableCopy] = {}
        # Tables whose foreign keys PostgreSQL checks: SQLite's check of them waits for a report.
        self._references_left: list[str] = []
        self._reading: tuple[TableCopy, SpooledPrefetch] | None = None  # the read-ahead
        self.access: Access | None = None  # the role's privileges on the target (privileges.py)
        self._objects: list[SchemaObject] = []  # SQLite's views and triggers
        self._generated_added: dict[str, list[str]] = {}  # created tables' generated columns kept

    # -- helpers ------------------------------------------------------------
    def execute(self, sql: str, params: tuple[Any, ...] | None = None, record: bool = True) -> None:
        if record:
            self.outcome.ddl.append(sql)
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
        except psycopg2.Error as exc:
            failure = self._failure(f"running {sql.splitlines()[0]}", exc)
            if failure is not None:
                raise failure from exc
            refused = ReferenceRefused if exc.pgcode == FOREIGN_KEY_VIOLATION else MigrationError
            raise refused(f"PostgreSQL refused: {sql.splitlines()[0]}...: {_pg_message(exc)}") from exc

    def _failure(self, doing: str, exc: Exception, table: str | None = None) -> MigrationError | None:
        """The error of a failure that is no row's fault: a lock not granted, the connection lost."""
        if getattr(exc, "pgcode", None) == LOCK_NOT_AVAILABLE:
            return self._lock_error(doing, table)
        if self._lost(exc):
            return self._lost_error(doing, exc)
        return None

    def _lock_error(self, doing: str, table: str | None) -> MigrationError:
        """lock_timeout expired: name the sessions holding locks on the target tables,
        looked up on a second connection (this transaction is aborted)."""
        ours = self.conn.get_backend_pid()
        _rollback(self.conn)
        try:
            holders = lock_holders(self.options.connection, self.schema, list(self.tables), ours)
        except (MigrationError, psycopg2.Error):
            holders = None
        return lock_error(doing, self.options.connection.lock_timeout, holders, table)

    def _skip(self, skipped: Skipped) -> None:
        self.outcome.skipped.append(skipped)
        self.outcome.warnings.append(str(skipped))

    def _attempt(self, statement: str, check: Any = None) -> str | None:
        """Run ``statement`` (then ``check()``: None or why not) inside a savepoint:
        None when it is kept, else why it was rolled back to the savepoint."""
        self.execute("SAVEPOINT sqlite_to_postgres_extra", record=False)
        try:
            with self.conn.cursor() as cur:
                cur.execute(statement)
            reason = check() if check is not None else None
        except psycopg2.Error as exc:
            if self._lost(exc):
                raise self._lost_error(f"running {statement.splitlines()[0]}", exc) from exc
            reason = f"PostgreSQL refused it: {_pg_message(exc)}"
        if reason is None:
            self.execute("RELEASE SAVEPOINT sqlite_to_postgres_extra", record=False)
            self.outcome.ddl.append(statement)
            return None
        self.execute("ROLLBACK TO SAVEPOINT sqlite_to_postgres_extra", record=False)
        self.execute("RELEASE SAVEPOINT sqlite_to_postgres_extra", record=False)
        return reason

    def _lost(self, exc: Exception) -> bool:
        if self.conn.closed:
            return True
        if not isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError):
            return False
        # psycopg2 raises OperationalError for some errors of a live session too
        # (SQLSTATE classes 53-55: out of memory, stack depth limit exceeded...):
        # the server sent those. Lost: no SQLSTATE, a connection (08) or shutdown (57) one.
        code = getattr(exc, "pgcode", None)
        return code is None or code[:2] in ("08", "57")

    @staticmethod
    def _lost_error(doing: str, exc: Exception) -> MigrationError:
        return MigrationError(
            f"connection to PostgreSQL lost while {doing}: {_pg_message(exc)}; "
            "the transaction was not committed, the target is unchanged"
        )

    def fail(self, limited: bool = False) -> MigrationError:
        """The error of the problems found, with the foreign keys left to
        PostgreSQL checked in SQLite too, so that one report names them all."""
        if not limited and self._references_left:
            names, self._references_left = self._references_left, []
            try:
                self._check_references(names)
            except ProblemLimitReached:
                limited = True
        return MigrationError(self.problems.summary(limited), self.problems.as_list())

    # -- the run ------------------------------------------------------------
    def run(self) -> Outcome:
        try:
            return self._run()
        except ProblemLimitReached:
            raise self.fail(limited=True) from None
        except psycopg2.Error as exc:  # one not caught where it was raised (reading the target)
            failure = self._failure("reading the target tables", exc)
            if failure is None:
                raise
            raise failure from exc
        except ReferenceRefused as refused:
            # PostgreSQL names one row; SQLite's check names every one (or,
            # finding none, PostgreSQL's own message stands).
            self._stop_reading()
            _rollback(self.conn)
            error = self.fail()
            raise (error if self.problems else refused) from None
        finally:
            self._stop_reading()

    def _run(self) -> Outcome:
        names = list(self.tables)
        for problem in table_collisions(names):  # before the catalog is read by these names
            self.problems.add(problem)
        if self.problems:
            raise self.fail()
        existing = read_tables(self.conn, self.schema, names)
        structural: list[Problem] = []
        plans: dict[str, TablePlan] = {}
        to_create = {n: self.tables[n] for n in names if n not in existing and self.options.create_missing}
        integer_types, widened = widen_integers(self.source, to_create, self.options)
        self.outcome.warnings.extend(widened)
        for name in names:
            if name in existing:
                plans[name] = plan_existing(
                    self.source, self.tables[name], existing[name], self.options, structural
                )
            elif self.options.create_missing:
                plans[name] = plan_create(
                    self.source,
                    self.tables[name],
                    self.options,
                    set(names),
                    structural,
                    integer_types.get(name),
                )
            else:
                structural.append(
                    Problem(name, "table does not exist in PostgreSQL (create_missing is false)")
                )
        for name, plan in plans.items():
            structural += column_collisions(name, plan.columns)
        created = {n: p.ddl.relations for n, p in plans.items() if p.created and p.ddl is not None}
        if created:
            structural += relation_collisions(relations(self.conn, self.schema), created)
        structural += option_problems(self.options.date_numbers, plans)
        for problem in structural:
            self.problems.add(problem)
        if self.problems:
            raise self.fail()
        self.outcome.mapped_names = mapped_names(
            self.schema, {n: p.columns for n, p in plans.items()}, created
        )
        self.outcome.warnings.extend(str(m) for m in self.outcome.mapped_names)

        parents = {n: {k.parent for k in self.tables[n].foreign_keys} for n in names}
        for name, target in existing.items():
            parents.setdefault(name, set()).update(target.references)
        order, cycle = fk_order(names, parents)
        self.parents = {n: {p for p in parents.get(n, set()) if p != n} for n in names}
        self.order = order
        if cycle:
            self.outcome.warnings.append(f"foreign keys form a cycle among: {', '.join(cycle)}")

        copies = {n: plans[n].copy(self.source, self.policy) for n in order}
        self.copies = copies
        for name in order:
            for column in plans[name].inexact:
                self.outcome.warnings.append(
                    f"{name}.{column}: type {plans[name].types[column].formatted} is copied as text; "
                    "verification compares PostgreSQL's rendering of it"
                )
            if plans[name].ddl is not None:
                self.outcome.warnings.extend(plans[name].ddl.warnings)
            for skipped in plans[name].extras.skipped if plans[name].extras else []:
                self._skip(skipped)
        self._objects = self.source.schema_objects()
        views = {o.name for o in self._objects if o.kind == "view"}
        for trigger in (o for o in self._objects if o.kind == "trigger"):
            if trigger.table in self.tables or trigger.table in views:
                self._skip(trigger_skipped(trigger.name, trigger.table, trigger.sql))
        self._references_left = [
            n for n in order if self._keys_checked_by_postgres(n, plans[n], copies[n], existing)
        ]
        self.access = read_access(self.conn, self.schema, list(existing))
        if self._blind(existing):
            # The comparison cannot read the target: report what a full load would need.
            replaced = set(existing) if self.options.if_not_empty == "replace" else set()
            for problem in self._missing_privileges(plans, list(order), replaced):
                self.problems.add(problem)
            raise self.fail()
        self._precheck(plans)

        results = {
            n: TableResult(
                n,
                created=plans[n].created,
                numeric_dates={c: found.as_dict() for c, found in plans[n].numbers.items()},
            )
            for n in order
        }
        to_load = self._compare_existing(plans, copies, results)
        replaced = {n for n in to_load if results[n].action == "replaced"}
        for problem in self._missing_privileges(plans, to_load, replaced):
            self.problems.add(problem)
        if self.problems:
            # Collect the value problems of the tables not yet scanned, then fail.
            for name in to_load:
                copies[name].run(self.problems)
            raise self.fail()

        self._write(plans, copies, results, order, to_load)
        self.outcome.tables = [results[n] for n in order]
        return self.outcome

    def _blind(self, existing: dict[str, TargetTable]) -> bool:
        """Whether the role cannot read the existing tables (schema USAGE, SELECT on the columns)."""
        access = self.access
        assert access is not None
        if existing and access.schema_exists and not access.schema_usage:
            return True
        return any(
            access.tables[n].denied.get("SELECT", frozenset()) & set(self.copies[n].columns)
            for n in existing
            if n in access.tables
        )

    def _missing_privileges(
        self, plans: dict[str, TablePlan], to_load: list[str], replaced: set[str]
    ) -> list[Problem]:
        """The privileges the run needs for ``to_load`` (and to read every existing
        table) that the role lacks, each a problem naming its GRANT."""
        assert self.access is not None
        loading = set(to_load)
        existing = [n for n in plans if not plans[n].created]
        sequences = serial_sequences(self.conn, self.schema, [n for n in existing if n in loading])
        needs: list[TableNeeds] = []
        for name in existing:
            load = name in loading
            moved = tuple(sequences.get(name, ())) if load else ()
            if any(not (s.owned or s.can_update) for s in moved) and not self._moves_sequences(name):
                moved = ()  # nothing to move: an empty source table without AUTOINCREMENT history
            needs.append(
                TableNeeds(
                    name,
                    tuple(self.copies[name].columns),
                    load=load,
                    truncate=name in replaced,
                    alter=load and bool(plans[name].widen),
                    sequences=moved,
                )
            )
        created = [n for n in self.order if n in loading and plans[n].created]
        references = [
            Reference(
                name,
                fk.parent,
                tuple(
                    self.tables[fk.parent].primary_key
                    if None in fk.parent_columns
                    else [c for c in fk.parent_columns if c is not None]
                ),
            )
            for name in created
            for fk in self.tables[name].foreign_keys
            if fk.parent in plans and not plans[fk.parent].created
        ]
        return missing(self.access, needs, created, references)

    def _moves_sequences(self, name: str) -> bool:
        return bool(self.source.sequence_value(name)) or self.source.count(name) > 0

    def _keys_checked_by_postgres(
        self, name: str, plan: TablePlan, copy: TableCopy, existing: dict[str, TargetTable]
    ) -> bool:
        """Whether PostgreSQL itself refuses a row that breaks any foreign key
        SQLite declares on ``name``, before the commit: a created table gets each
        key whose parent is migrated too (added after the load, which checks
        every row); an existing one must have the same key, checked as each
        statement ends. The key's columns must all be loaded."""
        for key in self.tables[name].foreign_keys:
            if not set(key.columns) <= set(copy.columns):
                return False
            if plan.created:
                if key.parent not in self.tables:
                    return False
            elif (tuple(pg_name(c) for c in key.columns), key.parent) not in existing[name].checked_keys:
                return False
        return True

    def _precheck(self, plans: dict[str, TablePlan]) -> None:
        """Source-only checks: NULL in NOT NULL columns, dangling foreign keys
        (of the tables whose keys PostgreSQL does not check)."""
        for name, plan in plans.items():
            copy = self.copies[name]
            if plan.not_null:
                keys = len(copy.key_columns)
                select = copy.key_columns + (["_rowid_"] if copy.has_rowid else [])
                for row in self.source.null_rows(name, plan.not_null, select, self.options.max_problems):
                    key = copy.key_from(row[:keys], row[keys] if copy.has_rowid else None)
                    flags = row[len(select) :]
                    for column, is_null in zip(plan.not_null, flags, strict=True):
                        if is_null:
                            self.problems.add(Problem(name, self._null_reason(copy, column), column, key))
        self._check_references([n for n in plans if n not in self._references_left])

    @staticmethod
    def _null_reason(copy: TableCopy, column: str) -> str:
        if column in copy.key_columns:
            return (
                "NULL in a primary key column (SQLite allows it in a table whose key is not INTEGER "
                "PRIMARY KEY; PostgreSQL does not): give the row a key in SQLite, or delete it"
            )
        return "NULL in a NOT NULL column"

    def _check_references(self, names: list[str]) -> None:
        """SQLite's PRAGMA foreign_key_check: each row whose key points at no row."""
        for name in names:
            source_table = self.tables[name]
            if not source_table.foreign_keys:
                continue
            copy = self.copies[name]
            for _table, rowid, parent, fk_id in self.source.dangling_references(name):
                keys = source_table.foreign_keys  # in PRAGMA foreign_key_list id order
                fk = keys[fk_id] if 0 <= fk_id < len(keys) else None
                fk_columns = list(fk.columns) if fk else []
                key: dict[str, str] = {}
                values = ""
                if rowid is not None:
                    wanted = (copy.key_columns or []) + fk_columns
                    row = self.source.row_by_rowid(name, wanted, rowid) if wanted else None
                    if row is not None:
                        pk_count = len(copy.key_columns)
                        key = copy.key_from(row[:pk_count], rowid)
                        values = ", ".join(excerpt(v) for v in row[pk_count:])
                    else:
                        key = {"rowid": str(rowid)}
                parent_text = shown_text(parent)
                self.problems.add(
                    Problem(
                        name,
                        f"foreign key points at no row of {parent_text}",
                        ", ".join(fk_columns) or None,
                        key,
                        values or None,
                    )
                )

    def _compare_existing(
        self, plans: dict[str, TablePlan], copies: dict[str, TableCopy], results: dict[str, TableResult]
    ) -> list[str]:
        """Tables to load; non-empty targets equal to the source are left alone."""
        to_load: list[str] = []
        for name, copy in copies.items():
            plan = plans[name]
            started = time.monotonic()
            if plan.created:
                to_load.append(name)
                continue
            if not target_has_rows(self.conn, self.schema, name):
                if self.source.count(name) == 0:  # empty on both sides: nothing to do
                    results[name].verified = True
                    results[name].digest = copy.digest.hexdigest()
                    continue
                to_load.append(name)
                continue
            found = len(self.problems.items)
            source = copy.run(self.problems)
            target = target_digest(self.conn, self.schema, name, copy.columns, _streamed(copy))
            result = results[name]
            result.source_rows, result.target_rows = source.count, target.count
            result.digest = source.hexdigest()
            result.seconds = time.monotonic() - started
            if len(self.problems.items) > found:  # values it cannot take: those are this table's report
                continue
            if source == target and not plan.widen:
                result.verified = True
                continue
            if self.options.if_not_empty == "replace":
                result.action = "replaced"
                to_load.append(name)
                continue
            diff = diff_rows(self.conn, self.schema, copy)
            self.problems.add(
                Problem(
                    name,
                    "target table already holds rows that differ from the source (if_not_empty=fail): "
                    + diff.message(),
                )
            )
        return self._with_dependants(to_load, results)

    def _with_dependants(self, to_load: list[str], results: dict[str, TableResult]) -> list[str]:
        """Emptying a parent table empties its children too (TRUNCATE of both in one
        statement): the migrated tables that reference a replaced table are reloaded."""
        replaced = {n for n in to_load if results[n].action == "replaced"}
        grew = True
        while grew:
            grew = False
            for name, parents in self.parents.items():
                if name not in replaced and parents & replaced and name in results:
                    replaced.add(name)
                    grew = True
                    if name not in to_load:
                        results[name].action = "replaced"
                        results[name].verified = False
                        to_load.append(name)
        return [n for n in self.order if n in set(to_load)]

    def _write(
        self,
        plans: dict[str, TablePlan],
        copies: dict[str, TableCopy],
        results: dict[str, TableResult],
        order: list[str],
        to_load: list[str],
    ) -> None:
        if any(plans[n].created for n in to_load) and not schema_exists(self.conn, self.schema):
            self.execute(f"CREATE SCHEMA {quote_ident(self.schema)}")
        for name in to_load:
            plan = plans[name]
            if plan.created and plan.ddl is not None:
                self.execute(plan.ddl.create)
            for column in sorted(plan.widen if not plan.created else ()):
                self.execute(
                    f"ALTER TABLE {qualified(self.schema, name)} ALTER COLUMN {quote_ident(column)} TYPE text"
                )
        replaced = [n for n in to_load if results[n].action == "replaced"]
        if replaced:
            self.execute("TRUNCATE " + ", ".join(qualified(self.schema, n) for n in replaced))
        deferred = self._deferred([n for n in to_load if not plans[n].created and n not in replaced], copies)
        for statement in deferred.drops:
            self.execute(statement)
        # What runs after a table's COPY (keys, indexes, then foreign keys), each once
        # the tables it needs are loaded (a foreign key: its parent too). Created
        # tables' keys come first: a foreign key that gets ready with them needs them.
        pending: list[tuple[str, frozenset[str]]] = [
            (s, deferred.needs.get(s, frozenset())) for s in deferred.restores
        ]
        created = [plans[n].ddl for n in to_load if plans[n].ddl is not None]
        pending += [(s, ddl.needs[s]) for ddl in created for s in ddl.keys]
        pending += [(s, ddl.needs[s]) for ddl in created for s in ddl.after_load]
        high_water = {name: self.source.sequence_value(name) for name in to_load}
        to_load = load_order(to_load, self.parents, {n: self.source.size_hint(n) for n in to_load})
        loading = set(to_load)
        loaded: set[str] = set()
        for position, name in enumerate(to_load):
            started = time.monotonic()
            self._copy(copies[name])
            result = results[name]
            result.source_rows = copies[name].digest.count
            result.digest = copies[name].digest.hexdigest()
            if result.action != "replaced":
                result.action = "created" if plans[name].created else "loaded"
            loaded.add(name)
            if self.problems:  # the other tables are still read, for their problems
                result.seconds += time.monotonic() - started
                continue
            # The next table is read from SQLite while PostgreSQL builds this one's
            # indexes, checks its foreign keys and this one is read back.
            if position + 1 < len(to_load):
                self._start_reading(copies[to_load[position + 1]])
            try:
                pending = self._run_ready(pending, loading - loaded)
                self._reset_sequences(name, high_water[name])
                self._verify(copies[name], result)
                self._add_extras(plans[name])
                self._check_computed(plans[name])
                if self.options.analyze and self._analyzable(name) and not self.options.check_mode:
                    self.execute(f"ANALYZE {qualified(self.schema, name)}", record=False)
            except psycopg2.Error as exc:
                failure = self._failure(f"finishing table {name} (indexes, verification)", exc, name)
                if failure is not None:
                    raise failure from exc
                raise
            result.seconds += time.monotonic() - started
        if self.problems:
            raise self.fail()
        for statement, _needs in pending:  # foreign keys of a cycle
            self.execute(statement)
        created_views = self._create_views(plans)
        self.outcome.changed = bool(to_load) or created_views

    # -- generated columns, checks, views (schema_extras.py) ------------------
    def _row_context(self, plan: TablePlan) -> tuple[list[str], list[str]]:
        """(columns naming a row, key columns) for comparing computed values:
        the primary key, or else every copied column."""
        key = plan.source.primary_key
        if key and set(key) <= set(plan.columns):
            return key, key
        return list(plan.columns), []

    def _add_extras(self, plan: TablePlan) -> None:
        """A created table's generated columns (kept only if PostgreSQL computes
        SQLite's values for every row), what needs them, then its CHECK constraints."""
        if plan.extras is None or not (plan.extras.additions or (plan.ddl and plan.ddl.with_generated)):
            return
        self._stop_reading()  # the comparisons read the source
        name = plan.name
        context, key = self._row_context(plan)
        additions = [a for a in plan.extras.additions if a.kind == GENERATED]
        with_generated = plan.ddl.with_generated if plan.ddl else []
        additions += [Addition(kind, f"{name}: {shown(s)}", s) for kind, s in with_generated]
        additions += [a for a in plan.extras.additions if a.kind != GENERATED]
        kept = self._generated_added.setdefault(name, [])
        for addition in additions:
            column = addition.column
            check = None
            if column is not None:

                def check(column: str = column) -> str | None:
                    return compare_computed(
                        self.conn, self.schema, self.source, plan.source, context, key, plan.types, [column]
                    )

            reason = self._attempt(addition.statement, check)
            if reason is None:
                if column is not None:
                    kept.append(column)
                continue
            if addition.kind == GENERATED:
                reason += "; the column is not created"
            elif addition.kind == CHECK:
                reason += (
                    "; the rows are migrated, the constraint is not (it held in SQLite: a row "
                    "PostgreSQL finds breaking it means the translation differs)"
                )
            self._skip(Skipped(addition.kind, addition.name, reason))

    def _check_computed(self, plan: TablePlan) -> None:
        """An existing table's generated columns (the application's definition)
        must give SQLite's values: else the copy is not what the application read."""
        if not plan.computed:
            return
        self._stop_reading()
        context, key = self._row_context(plan)
        reason = compare_computed(
            self.conn, self.schema, self.source, plan.source, context, key, plan.types, plan.computed
        )
        if reason is not None:
            names = ", ".join(f"{plan.name}.{c}" for c in plan.computed)
            raise MigrationError(
                f"verification failed, rolled back: {names} generated in PostgreSQL by the table's own "
                f"definition, generated in SQLite too: {reason}; to accept PostgreSQL's values, leave the "
                f"column(s) out with exclude_columns ({names})"
            )

    def _create_views(self, plans: dict[str, TablePlan]) -> bool:
        """SQLite's views that read only tables (and views) created here, translated,
        each in a savepoint and kept only when its rows equal SQLite's; True if any was."""
        views = [o for o in self._objects if o.kind == "view"]
        if not views:
            return False
        self._stop_reading()
        in_target = relation_kinds(self.conn, self.schema)
        relations: dict[str, Relation] = {}
        refused: dict[str, str] = {}
        for name, plan in plans.items():
            if plan.created and plan.ddl is not None:
                types = {c: plan.ddl.types[c] for c in plan.columns}
                extras = plan.extras
                for column in self._generated_added.get(name, []):
                    types[column] = extras.generated_types[column] if extras else "text"
                relations[name.lower()] = table_relation(self.schema, plan.source, types)
            else:
                refused[name.lower()] = (
                    f"reads {name}, a table that exists in PostgreSQL: the application's schema is "
                    "authoritative there; create the view the way the application does (its migrations)"
                )
        names = {v.name.lower() for v in views}
        parsed: dict[str, Any] = {}
        for view in views:
            try:
                parsed[view.name] = view_select(view.sql)[0]
            except SqlSyntaxError as exc:
                parsed[view.name] = exc
        done: set[str] = set()
        pending = list(views)
        created = False
        while pending:
            ready = [v for v in pending if not self._view_needs(v, parsed[v.name], names) - done]
            if not ready:  # depends on views that are not there: each says why
                ready = pending
            for view in ready:
                pending.remove(view)
                done.add(view.name.lower())
                created |= self._create_view(view, parsed[view.name], relations, refused, in_target)
                if view.name.lower() not in relations:
                    refused[view.name.lower()] = f"reads the view {view.name}, which this run did not create"
        return created

    @staticmethod
    def _view_needs(view: SchemaObject, tokens: Any, views: set[str]) -> set[str]:
        """The other views a view's SQL names (lower-cased)."""
        if isinstance(tokens, Exception):
            return set()
        return ({t.text.lower() for t in tokens if t.identifier} & views) - {view.name.lower()}

    def _create_view(
        self,
        view: SchemaObject,
        tokens: Any,
        relations: dict[str, Relation],
        refused: dict[str, str],
        in_target: dict[str, str],
    ) -> bool:
        name = view.name
        definition = f"SQLite's definition: {shown(view.sql)}"
        if in_target.get(name) == "v":
            return False  # there already (an earlier run, or the application): left as it is
        if name in in_target:
            self._skip(Skipped(VIEW, name, f"a relation of that name exists in PostgreSQL. {definition}"))
            return False
        try:
            if isinstance(tokens, Exception):
                raise tokens
            select, kinds = translate_select(tokens, relations, refused)
            columns = self.source.column_names(name)
        except (SqlSyntaxError, Untranslatable, MigrationError) as exc:
            self._skip(Skipped(VIEW, name, f"does not translate: {exc}. {definition}"))
            return False

        def same_rows() -> str | None:
            found = read_tables(self.conn, self.schema, [name], kinds=("v",)).get(name)
            types = {c.name: c.type for c in found.columns} if found else {}
            shell = SourceTable(name, [], view.sql, without_rowid=True)
            try:
                return compare_computed(self.conn, self.schema, self.source, shell, columns, [], types, [])
            except MigrationError as exc:
                return f"SQLite cannot read it: {exc.msg}"

        reason = self._attempt(view_statement(self.schema, name, columns, select), same_rows)
        if reason is not None:
            self._skip(Skipped(VIEW, name, f"{reason}. {definition}"))
            return False
        if len(kinds) != len(columns):
            kinds = ["other"] * len(columns)
        relations[name.lower()] = Relation(
            f"{quote_ident(self.schema)}.{quote_ident(name)}",
            [ColumnInfo(c, k) for c, k in zip(columns, kinds, strict=True)],
        )
        return True

    def _analyzable(self, name: str) -> bool:
        """Whether the role may ANALYZE the table (PostgreSQL skips it with a
        warning otherwise): say so instead, with what to run."""
        table = self.access.tables.get(name) if self.access is not None else None
        if table is None or table.analyzable:  # created by the module, or owned
            return True
        self.outcome.warnings.append(
            f"{name}: not analyzed (only its owner {table.owner} or the database owner may): "
            f"run ANALYZE {qualified(self.schema, name)} as {table.owner} after the migration"
        )
        return False

    def _run_ready(
        self, pending: list[tuple[str, frozenset[str]]], unloaded: set[str]
    ) -> list[tuple[str, frozenset[str]]]:
        """Run the statements (in order) whose tables are all loaded; the rest wait."""
        waiting: list[tuple[str, frozenset[str]]] = []
        for statement, needs in pending:
            if needs & unloaded:
                waiting.append((statement, needs))
            else:
                self.execute(statement)
        return waiting

    def _deferred(self, empty_existing: list[str], copies: dict[str, TableCopy]) -> Deferred:
        """Foreign keys and plain indexes of the empty existing tables to drop
        during COPY and recreate after it (see deferred.py).

        A foreign key qualifies only if SQLite's check of it (which names the
        rows when adding it back fails) covers exactly what is loaded: declared
        in SQLite, between two of these tables, and no column on either side
        left out (exclude_columns would load defaults instead).
        """
        source_keys: set[tuple[str, tuple[str, ...], str]] = set()
        for name in empty_existing:
            for fk in self.tables[name].foreign_keys:
                if fk.parent not in empty_existing:
                    continue
                parent = self.tables[fk.parent]
                referenced = parent.primary_key if None in fk.parent_columns else fk.parent_columns
                child_loaded = set(fk.columns) <= set(copies[name].columns)
                parent_loaded = set(referenced) <= set(copies[fk.parent].columns)
                if child_loaded and parent_loaded:
                    source_keys.add((name, fk.columns, fk.parent))
        return plan_deferred(self.conn, self.schema, empty_existing, source_keys)

    def _start_reading(self, copy: TableCopy) -> None:
        """Start reading ``copy``'s chunks from SQLite in a thread (spool.py)."""
        self._stop_reading()
        chunks = copy.chunks(self.problems, send=True)
        self._reading = (copy, SpooledPrefetch(chunks, limit=self.options.read_ahead_mb << 20))

    def _stop_reading(self) -> None:
        """Stop any read-ahead: before anything else reads the source."""
        if self._reading is not None:
            self._reading[1].close()
            self._reading = None

    def _copy(self, copy: TableCopy) -> None:
        sql = f"COPY {qualified(self.schema, copy.table.name)} ({column_list(copy.columns)}) FROM STDIN"
        # The chunks are read from SQLite in a thread while this one sends
        # (started already while the previous table was finished).
        if self._reading is None or self._reading[0] is not copy:
            self._start_reading(copy)
        assert self._reading is not None
        chunks = self._reading[1]
        reader = ChunkReader(chunks)
        try:
            try:
                with self.conn.cursor() as cur:
                    cur.copy_expert(sql, reader, size=1 << 20)
            finally:
                # Before anything reads the source again (key_of_line below).
                self._stop_reading()
        except psycopg2.Error as exc:
            if reader.error is not None:
                raise reader.error from None
            failure = self._failure(f"copying table {copy.table.name}", exc, copy.table.name)
            raise (failure or self._copy_error(copy, exc)) from exc

    def _copy_error(self, copy: TableCopy, exc: Exception) -> MigrationError:
        name = copy.table.name
        if getattr(exc, "pgcode", None) == INSUFFICIENT_PRIVILEGE:  # no row's fault (a trigger's, ...)
            return MigrationError(
                f"PostgreSQL refused to load table {name} as role {self.options.connection.user}: "
                f"{_pg_message(exc)}; grant the role that privilege, or run as the table's owner; "
                "the transaction was rolled back, nothing was written"
            )
        if getattr(exc, "pgcode", None) == FOREIGN_KEY_VIOLATION:  # a key kept during the COPY
            return ReferenceRefused(f"PostgreSQL refused a row of {name}: {_pg_message(exc)}")
        diag = getattr(exc, "diag", None)
        context = getattr(diag, "context", None) or ""
        found = _COPY_CONTEXT.search(context)
        column = found.group(2) if found and found.group(2) else getattr(diag, "column_name", None)
        key: dict[str, str] = {}
        if found:
            _rollback(self.conn)  # the failed transaction; re-reading the source needs no server
            key = copy.key_of_line(int(found.group(1)))
        hint = getattr(diag, "message_hint", None)  # the way through, when PostgreSQL knows one
        reason = f"PostgreSQL rejected a row: {_pg_message(exc)}" + (f"; {hint}" if hint else "")
        problem = Problem(name, reason, column, key)
        self.problems.items.append(problem)
        return MigrationError(self.problems.summary(), self.problems.as_list())

    def _reset_sequences(self, name: str, high_water: int | None) -> None:
        """Identity and serial sequences past the highest id (and past SQLite's
        AUTOINCREMENT high-water mark, so deleted ids are not reused)."""
        table = qualified(self.schema, name)
        for sequence in serial_sequences(self.conn, self.schema, [name]).get(name, []):
            with self.conn.cursor() as cur:
                cur.execute(f"SELECT max({quote_ident(sequence.column)}) FROM {table}")
                current = cur.fetchone()[0] or 0
            top = max(int(current), high_water or 0)
            if top < 1:
                continue
            if sequence.owned:
                # ALTER SEQUENCE is transactional where setval() is not: a rollback
                # (check mode, a failed verification) leaves the sequence as it was.
                self.execute(f"ALTER SEQUENCE {sequence.name} RESTART WITH {top + 1}")
                continue
            # Only the owner may ALTER it; UPDATE allows setval(), which a rollback does
            # not undo: it runs after every check, just before the commit (run()).
            statement = f"SELECT setval({quote_literal(sequence.name)}, {top})"
            self.outcome.ddl.append(statement)
            self.outcome.at_commit.append(statement)

    def _verify(self, copy: TableCopy, result: TableResult) -> None:
        name = copy.table.name
        if self.options.verify == "count":
            result.target_rows = target_count(self.conn, self.schema, name)
            if result.target_rows != copy.digest.count:
                raise MigrationError(
                    f"verification failed for table {name}: {copy.digest.count} rows read from SQLite, "
                    f"{result.target_rows} in PostgreSQL; rolled back"
                )
            result.verified = True
            return
        target = target_digest(self.conn, self.schema, name, copy.columns, _streamed(copy))
        result.target_rows = target.count
        if target != copy.digest:
            self._stop_reading()  # diff_rows reads the source
            diff = diff_rows(self.conn, self.schema, copy)
            raise MigrationError(f"verification failed, rolled back: {diff.message()}")
        result.verified = True


def _streamed(copy: TableCopy) -> dict[str, str] | None:
    """The columns whose large values the read-back fetches in pieces, when the
    source had such values (large_value.py); None: read as usual."""
    return copy.streamed_columns if copy.large_rows else None


def _pg_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    detail = getattr(diag, "message_detail", None)
    if primary:
        return primary + (f" ({detail})" if detail else "")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
