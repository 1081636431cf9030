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
from .errors import (
    KIND_CONNECTION,
    KIND_DATA,
    KIND_TARGET_NOT_EMPTY,
    KIND_VERIFICATION,
    MigrationError,
    Problem,
    ProblemLimitReached,
    ProblemLog,
    Skipped,
    excerpt,
)
from .identifiers import column_list, pg_name, qualified, quote_ident
from .names import MappedName, column_collisions, mapped_names, relation_collisions, table_collisions
from .options import Options
from .ordering import fk_order, load_order
from .pg_target import TargetTable, connect, psycopg2, read_tables, relations, schema_exists
from .plan import TablePlan, plan_create, plan_existing, widen_integers
from .spool import SpooledPrefetch, chunks_in_their_own_mmap
from .sqlite_source import SqliteSource
from .table_copy import TableCopy, key_text
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


def select_tables(available: list[str], wanted: list[str] | None, excluded: list[str]) -> list[str]:
    if wanted:
        missing = [t for t in wanted if t not in available]
        if missing:
            raise MigrationError(f"table(s) not in the SQLite database: {', '.join(missing)}")
        names = list(wanted)
    else:
        names = list(available)
    return [n for n in names if n not in set(excluded)]


class SourceCheck:
    """PRAGMA quick_check in a thread, on a connection of its own, while the
    migration runs (SQLite releases the GIL while it checks). ``wait()`` before
    the commit: it raises the check's error, and the transaction is rolled back."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._check, name="sqlite-quick-check", daemon=True)
        self._thread.start()

    def _check(self) -> None:
        try:
            checked = SqliteSource(self._path)
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
    check = SourceCheck(options.src) if options.check_source else None
    try:
        names = select_tables(source.table_names(), options.tables, options.exclude_tables)
        tables = {n: source.read_table(n) for n in names}
        conn = connect(options.connection)
        try:
            outcome = Migration(conn, source, tables, options).run()
            if check is not None:
                check.wait()
            if options.check_mode or not outcome.changed:
                conn.rollback()
            else:
                conn.commit()  # ANALYZE ran inside the transaction, after each verification
            return outcome.as_dict()
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()
    except BaseException:
        # A corrupt file explains any other failure of reading it: that is the error.
        if check is not None:
            check.wait()
        raise
    finally:
        source.close()


def _rollback(conn: Any) -> None:
    # The connection may be gone (server restart): nothing to undo then.
    with contextlib.suppress(Exception):
        conn.rollback()


FOREIGN_KEY_VIOLATION = "23503"  # SQLSTATE


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
        self.not_empty: list[str] = []  # tables whose rows differ from the source (if_not_empty=fail)
        # Tables whose foreign keys PostgreSQL checks: SQLite's check of them waits for a report.
        self._references_left: list[str] = []
        self._reading: tuple[TableCopy, SpooledPrefetch] | None = None  # the read-ahead

    # -- helpers ------------------------------------------------------------
    def execute(self, sql: str, params: tuple[Any, ...] | None = None, record: bool = True) -> None:
        if record:
            self.outcome.ddl.append(sql)
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
        except psycopg2.Error as exc:
            if self._lost(exc):
                raise self._lost_error(f"running {sql.splitlines()[0]}", exc) from exc
            refused = ReferenceRefused if exc.pgcode == FOREIGN_KEY_VIOLATION else MigrationError
            raise refused(f"PostgreSQL refused: {sql.splitlines()[0]}...: {_pg_message(exc)}") from exc

    def _lost(self, exc: Exception) -> bool:
        return isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError) or bool(self.conn.closed)

    @staticmethod
    def _lost_error(doing: str, exc: Exception) -> MigrationError:
        return MigrationError(
            f"connection to PostgreSQL lost while {doing}: {_pg_message(exc)}; "
            "the transaction was not committed, the target is unchanged",
            kind=KIND_CONNECTION,
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
        kind = KIND_TARGET_NOT_EMPTY if self.not_empty else KIND_DATA
        return MigrationError(self.problems.summary(limited), self.problems.as_list(), kind)

    # -- the run ------------------------------------------------------------
    def run(self) -> Outcome:
        try:
            return self._run()
        except ProblemLimitReached:
            raise self.fail(limited=True) from None
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
        self._references_left = [
            n for n in order if self._keys_checked_by_postgres(n, plans[n], copies[n], existing)
        ]
        self._precheck(plans)

        results = {n: TableResult(n, created=plans[n].created) for n in order}
        to_load = self._compare_existing(plans, copies, results)
        if self.problems:
            # Collect the value problems of the tables not yet scanned, then fail.
            for name in to_load:
                copies[name].run(self.problems)
            raise self.fail()

        self._write(plans, copies, results, order, to_load)
        self.outcome.tables = [results[n] for n in order]
        return self.outcome

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
                select = copy.key_columns or (["_rowid_"] if copy.uses_rowid else [])
                for row in self.source.null_rows(name, plan.not_null, select, self.options.max_problems):
                    key_values = row[: len(select)]
                    flags = row[len(select) :]
                    key = {
                        ("rowid" if c == "_rowid_" else c): key_text(v)
                        for c, v in zip(select, key_values, strict=True)
                    }
                    for column, is_null in zip(plan.not_null, flags, strict=True):
                        if is_null:
                            self.problems.add(Problem(name, "NULL in a NOT NULL column", column, key))
        self._check_references([n for n in plans if n not in self._references_left])

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
                        key = {c: key_text(v) for c, v in zip(copy.key_columns, row[:pk_count], strict=True)}
                        if not key:
                            key = {"rowid": str(rowid)}
                        values = ", ".join(excerpt(v) for v in row[pk_count:])
                    else:
                        key = {"rowid": str(rowid)}
                parent_text = parent.decode() if isinstance(parent, bytes) else parent
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
            target = target_digest(self.conn, self.schema, name, copy.columns)
            source = copy.run(self.problems)
            result = results[name]
            result.source_rows, result.target_rows = source.count, target.count
            result.digest = source.hexdigest()
            result.seconds = time.monotonic() - started
            if self.problems:
                continue
            if source == target and not plan.widen:
                result.verified = True
                continue
            if self.options.if_not_empty == "replace":
                result.action = "replaced"
                to_load.append(name)
                continue
            diff = diff_rows(self.conn, self.schema, copy)
            self.not_empty.append(name)
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
                if self.options.analyze and not self.options.check_mode:
                    self.execute(f"ANALYZE {qualified(self.schema, name)}", record=False)
            except psycopg2.Error as exc:
                if self._lost(exc):
                    raise self._lost_error(f"finishing table {name} (indexes, verification)", exc) from exc
                raise
            result.seconds += time.monotonic() - started
        if self.problems:
            raise self.fail()
        for statement, _needs in pending:  # foreign keys of a cycle
            self.execute(statement)
        self.outcome.changed = bool(to_load)

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
            raise self._copy_error(copy, exc) from exc

    def _copy_error(self, copy: TableCopy, exc: Exception) -> MigrationError:
        name = copy.table.name
        if self._lost(exc):
            return self._lost_error(f"copying table {name}", exc)
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
        problem = Problem(name, f"PostgreSQL rejected a row: {_pg_message(exc)}", column, key)
        self.problems.items.append(problem)
        return MigrationError(self.problems.summary(), self.problems.as_list(), KIND_DATA)

    def _reset_sequences(self, name: str, high_water: int | None) -> None:
        """Identity and serial sequences past the highest id (and past SQLite's
        AUTOINCREMENT high-water mark, so deleted ids are not reused)."""
        table = qualified(self.schema, name)
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                "AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
                (table, table, table),
            )
            sequences = cur.fetchall()
        for column, sequence in sequences:
            with self.conn.cursor() as cur:
                cur.execute(f"SELECT max({quote_ident(column)}) FROM {table}")
                current = cur.fetchone()[0] or 0
            top = max(int(current), high_water or 0)
            if top >= 1:
                # ALTER SEQUENCE is transactional where setval() is not: a rollback
                # (check mode, a failed verification) leaves the sequence as it was.
                self.execute(f"ALTER SEQUENCE {sequence} RESTART WITH {top + 1}")

    def _verify(self, copy: TableCopy, result: TableResult) -> None:
        name = copy.table.name
        if self.options.verify == "count":
            result.target_rows = target_count(self.conn, self.schema, name)
            if result.target_rows != copy.digest.count:
                raise MigrationError(
                    f"verification failed for table {name}: {copy.digest.count} rows read from SQLite, "
                    f"{result.target_rows} in PostgreSQL; rolled back",
                    kind=KIND_VERIFICATION,
                )
            result.verified = True
            return
        target = target_digest(self.conn, self.schema, name, copy.columns)
        result.target_rows = target.count
        if target != copy.digest:
            self._stop_reading()  # diff_rows reads the source
            diff = diff_rows(self.conn, self.schema, copy)
            raise MigrationError(
                f"verification failed, rolled back: {diff.message()}", kind=KIND_VERIFICATION
            )
        result.verified = True


def _pg_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    detail = getattr(diag, "message_detail", None)
    if primary:
        return primary + (f" ({detail})" if detail else "")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
