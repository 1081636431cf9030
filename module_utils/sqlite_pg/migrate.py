"""The migration: phases in one PostgreSQL transaction, each a function of its
own file taking what it needs and returning its results.

Nothing is sent until the checks of the source alone that could fail it have
passed, nothing committed until every check has:

1. ``prepare`` (prepare.py): the SQLite schema (one read snapshot) and the
   target catalog -> each table's plan (load into the existing table, or
   create it), the load order, the row loops; structural problems fail here.
   PRAGMA quick_check runs meanwhile in a thread (SourceCheck), until before
   the commit;
2. the privileges check (privilege_check.py): what the run will do against what
   the role may do;
3. ``precheck`` (precheck.py): NULLs in NOT NULL columns, dangling foreign keys
   (only of the tables whose keys PostgreSQL will not check itself; for the
   others SQLite's check runs when a report is made: when PostgreSQL refuses
   a key, it names every row that breaks one, and it completes any other
   failure's report);
4. ``compare`` (compare.py): non-empty target tables against the source by
   digest (equal: unchanged) -> the tables to load;
5. ``load`` (load.py): DDL, TRUNCATE (if_not_empty=replace), the foreign keys
   and plain indexes of empty existing tables dropped (deferred.py), then per
   table in load order: COPY (read ahead in a thread: read_ahead.py, spool.py),
   converting and validating every value on the way (a bad value stops the
   sending and the scan goes on to collect the other problems); the indexes
   and foreign keys that become ready; the sequences (sequences.py);
6. the table read back and compared with the source's digest (verification.py),
   its generated columns and checks (schema_additions.py), ANALYZE. Steps 5's
   finishing and 6 are PostgreSQL's work: meanwhile the next table is already
   read from SQLite; the views after all tables;
7. commit (the setval()s of sequences the role does not own just before it), or
   roll back in check mode, or on any failure.
"""

from __future__ import annotations

import threading
from typing import Any

from .compare import compare
from .errors import (
    KIND_DATA,
    KIND_TARGET_NOT_EMPTY,
    MigrationError,
    ProblemLimitReached,
    ProblemLog,
    ProblemsFound,
)
from .load import load
from .options import Options
from .outcome import Notes, Outcome, TableResult
from .pg_target import connect, psycopg2
from .precheck import check_references, precheck
from .prepare import Prepared, prepare
from .privilege_check import blind, missing_privileges
from .privileges import read_access
from .read_ahead import SourceLease
from .selection import select_tables
from .sequences import set_sequences
from .spool import chunks_in_their_own_mmap
from .sqlite_source import SourceTable, SqliteSource
from .target_session import ReferenceRefused, TargetSession, rollback

__all__ = ["Outcome", "SourceCheck", "TableResult", "migrate_tables", "run"]


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
            outcome = migrate_tables(conn, source, tables, options)
            if check is not None:
                check.wait()
            source.file.check_unchanged()
            outcome.skipped[:0] = selection.skipped
            outcome.warnings[:0] = source.file.notes() + selection.warnings
            if options.check_mode or not outcome.changed:
                conn.rollback()
            else:
                set_sequences(conn, outcome.at_commit)  # after every check: only the commit can fail now
                conn.commit()  # ANALYZE ran inside the transaction, after each verification
            return outcome.as_dict()
        except BaseException:
            rollback(conn)
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


class _Report:
    """The error of the problems found, with the foreign keys left to PostgreSQL
    checked in SQLite too (once), so that one report names them all."""

    def __init__(self, lease: SourceLease, tables: dict[str, SourceTable], problems: ProblemLog) -> None:
        self._lease = lease
        self._tables = tables
        self._problems = problems
        self._prepared: Prepared | None = None

    def follow(self, prepared: Prepared) -> None:
        self._prepared = prepared

    def error(self, limited: bool = False) -> MigrationError:
        prepared, self._prepared = self._prepared, None
        if not limited and prepared is not None and prepared.checked_by_postgres:
            try:
                check_references(
                    self._lease, self._tables, prepared.copies, prepared.checked_by_postgres, self._problems
                )
            except ProblemLimitReached:
                limited = True
        kind = KIND_TARGET_NOT_EMPTY if self._problems.not_empty else KIND_DATA
        return MigrationError(self._problems.summary(limited), self._problems.as_list(), kind)


def migrate_tables(
    conn: Any, source: SqliteSource, tables: dict[str, SourceTable], options: Options
) -> Outcome:
    """The phases, in the connection's transaction (committed or rolled back by ``run``)."""
    problems = ProblemLog(limit=options.max_problems)
    session = TargetSession(conn, options.schema, options.connection, list(tables))
    lease = SourceLease(source, problems, options.read_ahead_mb << 20)
    report = _Report(lease, tables, problems)
    try:
        return _phases(session, lease, tables, options, problems, report)
    except ProblemLimitReached:
        raise report.error(limited=True) from None
    except ProblemsFound:
        raise report.error() from None
    except psycopg2.Error as exc:  # one not caught where it was raised (reading the target)
        failure = session.failure("reading the target tables", exc)
        if failure is None:
            raise
        raise failure from exc
    except ReferenceRefused as refused:
        # PostgreSQL names one row; SQLite's check names every one (or,
        # finding none, PostgreSQL's own message stands).
        lease.stop()
        rollback(conn)
        error = report.error()
        raise (error if problems else refused) from None
    finally:
        lease.stop()


def _phases(
    session: TargetSession,
    lease: SourceLease,
    tables: dict[str, SourceTable],
    options: Options,
    problems: ProblemLog,
    report: _Report,
) -> Outcome:
    notes = Notes()
    prepared = prepare(session, lease, tables, options, problems, notes)
    report.follow(prepared)
    access = read_access(session.conn, session.schema, list(prepared.existing))
    if blind(access, prepared.existing, prepared.copies):
        # The comparison cannot read the target: report what a full load would need.
        replaced = set(prepared.existing) if options.if_not_empty == "replace" else set()
        for problem in missing_privileges(session, lease, access, tables, prepared, prepared.order, replaced):
            problems.add(problem)
        raise ProblemsFound()
    precheck(
        lease,
        tables,
        prepared.plans,
        prepared.copies,
        prepared.checked_by_postgres,
        options.max_problems,
        problems,
    )
    comparison = compare(session, lease, prepared, options, problems)
    to_load, results = comparison.to_load, comparison.results
    replaced = {n for n in to_load if results[n].action == "replaced"}
    for problem in missing_privileges(session, lease, access, tables, prepared, to_load, replaced):
        problems.add(problem)
    if problems:
        # Collect the value problems of the tables not yet scanned, then fail.
        with lease.reading():
            for name in to_load:
                prepared.copies[name].run(problems)
        raise ProblemsFound()
    loaded = load(session, lease, tables, prepared, access, results, to_load, options, problems, notes)
    return Outcome(
        changed=loaded.changed,
        tables=[results[n] for n in prepared.order],
        ddl=session.ddl,
        warnings=notes.warnings,
        skipped=notes.skipped,
        mapped_names=prepared.mapped_names,
        at_commit=loaded.at_commit,
    )
