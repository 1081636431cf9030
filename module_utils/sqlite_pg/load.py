"""Phase 5, load: DDL, TRUNCATE, the deferred indexes and foreign keys, then per
table in load order its COPY, what becomes ready after it (keys, indexes,
foreign keys), its sequences, its verification (verification.py), its schema
additions (schema_additions.py) and ANALYZE; views last.

Each table's COPY reads chunks made by a producer thread (SourceLease.sending);
while PostgreSQL finishes a table the next one is read ahead
(SourceLease.read_ahead), and whatever reads the source meanwhile stops that
first (SourceLease.reading).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from .copy_text import ChunkReader
from .deferred import Deferred, plan_deferred
from .errors import KIND_DATA, MigrationError, Problem, ProblemLog, ProblemsFound
from .identifiers import column_list, qualified, quote_ident
from .options import Options
from .ordering import load_order
from .outcome import Notes, TableResult
from .pg_target import psycopg2, schema_exists
from .prepare import Prepared
from .privileges import Access
from .progress import ANALYZE, DONE, KEYS, VERIFY, rows_reporter, tell
from .read_ahead import SourceLease
from .schema_additions import add_extras, create_views
from .sequences import reset_sequences
from .sqlite_source import SourceTable
from .table_copy import CopyTally, TableCopy
from .target_session import (
    FOREIGN_KEY_VIOLATION,
    INSUFFICIENT_PRIVILEGE,
    ReferenceRefused,
    TargetSession,
    pg_message,
    rollback,
)
from .verification import check_computed, verify_table

_COPY_CONTEXT = re.compile(r"COPY [^,]+, line (\d+)(?:, column ([^:]+))?")


@dataclass(frozen=True)
class Loaded:
    changed: bool
    at_commit: list[str] = field(default_factory=list)  # setval()s, run just before the commit


def load(
    session: TargetSession,
    lease: SourceLease,
    tables: dict[str, SourceTable],
    prepared: Prepared,
    access: Access,
    results: dict[str, TableResult],
    to_load: list[str],
    options: Options,
    problems: ProblemLog,
    notes: Notes,
) -> Loaded:
    """Load ``to_load``, filling in their ``results``; raises MigrationError
    (ReferenceRefused for a foreign key PostgreSQL refused) on any failure."""
    plans, copies = prepared.plans, prepared.copies
    schema = session.schema
    if any(plans[n].created for n in to_load) and not schema_exists(session.conn, schema):
        session.execute(f"CREATE SCHEMA {quote_ident(schema)}")
    for name in to_load:
        plan = plans[name]
        if plan.created and plan.ddl is not None:
            session.execute(plan.ddl.create)
        for column in sorted(plan.widen if not plan.created else ()):
            session.execute(
                f"ALTER TABLE {qualified(schema, name)} ALTER COLUMN {quote_ident(column)} TYPE text"
            )
    replaced = [n for n in to_load if results[n].action == "replaced"]
    if replaced:
        session.execute("TRUNCATE " + ", ".join(qualified(schema, n) for n in replaced))
    deferred = _deferred(
        session, tables, [n for n in to_load if not plans[n].created and n not in replaced], copies
    )
    for statement in deferred.drops:
        session.execute(statement)
    # What runs after a table's COPY (keys, indexes, then foreign keys), each once
    # the tables it needs are loaded (a foreign key: its parent too). Created
    # tables' keys come first: a foreign key that gets ready with them needs them.
    pending: list[tuple[str, frozenset[str]]] = [
        (s, deferred.needs.get(s, frozenset())) for s in deferred.restores
    ]
    created = [plans[n].ddl for n in to_load if plans[n].ddl is not None]
    pending += [(s, ddl.needs[s]) for ddl in created for s in ddl.keys]
    pending += [(s, ddl.needs[s]) for ddl in created for s in ddl.after_load]
    progress = options.progress
    with lease.reading() as source:
        high_water = {name: source.sequence_value(name) for name in to_load}
        to_load = load_order(to_load, prepared.parents, {n: source.size_hint(n) for n in to_load})
        if progress is not None:  # exact totals for the display only: a count is a scan
            for name in to_load:
                copies[name].on_rows = rows_reporter(progress, name, source.count(name))
    loading = set(to_load)
    loaded: set[str] = set()
    at_commit: list[str] = []
    generated_added: dict[str, list[str]] = {}
    for position, name in enumerate(to_load):
        started = time.monotonic()
        tally = _copy(session, lease, copies[name], options, problems, freeze=plans[name].created)
        result = results[name]
        result.source_rows = tally.digest.count
        result.digest = tally.digest.hexdigest()
        if result.action != "replaced":
            result.action = "created" if plans[name].created else "loaded"
        loaded.add(name)
        if problems:  # the other tables are still read, for their problems
            result.seconds += time.monotonic() - started
            continue
        # The next table is read from SQLite while PostgreSQL builds this one's
        # indexes, checks its foreign keys and this one is read back.
        if position + 1 < len(to_load):
            lease.read_ahead(copies[to_load[position + 1]])
        rows = result.source_rows
        try:
            tell(progress, name, KEYS, rows)
            pending = _run_ready(session, pending, loading - loaded)
            at_commit += reset_sequences(session, name, high_water[name])
            tell(progress, name, VERIFY, rows)
            result.target_rows = verify_table(session, lease, copies[name], tally, options.verify)
            result.verified = True
            generated_added[name] = add_extras(session, lease, plans[name], notes)
            check_computed(session, lease, plans[name])
            if options.analyze and _analyzable(access, schema, name, notes) and not options.check_mode:
                tell(progress, name, ANALYZE, rows)
                session.execute(f"ANALYZE {qualified(schema, name)}", record=False)
            tell(progress, name, DONE, rows)
        except psycopg2.Error as exc:
            failure = session.failure(f"finishing table {name} (indexes, verification)", exc, name)
            if failure is not None:
                raise failure from exc
            raise
        result.seconds += time.monotonic() - started
    if problems:
        raise ProblemsFound()
    for statement, _needs in pending:  # foreign keys of a cycle
        session.execute(statement)
    created_views = create_views(session, lease, plans, prepared.objects, generated_added, notes)
    return Loaded(bool(to_load) or created_views, at_commit)


def _copy(
    session: TargetSession,
    lease: SourceLease,
    copy: TableCopy,
    options: Options,
    problems: ProblemLog,
    freeze: bool = False,
) -> CopyTally:
    """COPY one table; the tally of what was read (every good row, sent or not)."""
    sql = f"COPY {qualified(session.schema, copy.table.name)} ({column_list(copy.columns)}) FROM STDIN"
    if freeze:
        sql += " WITH (FREEZE)"
    # The chunks are read from SQLite in a thread while this one sends
    # (started already while the previous table was finished).
    failed: psycopg2.Error | None = None
    with lease.sending(copy) as chunks:
        reader = ChunkReader(chunks)
        try:
            with session.conn.cursor() as cur:
                cur.copy_expert(sql, reader, size=1 << 20)
        except psycopg2.Error as exc:
            failed = exc
    # The read-ahead is stopped and joined here: the source may be read again (key_of_line).
    if failed is not None:
        if reader.error is not None:
            raise reader.error from None
        failure = session.failure(f"copying table {copy.table.name}", failed, copy.table.name)
        raise (failure or _copy_error(session, lease, copy, failed, options, problems)) from failed
    return chunks.result


def _copy_error(
    session: TargetSession,
    lease: SourceLease,
    copy: TableCopy,
    exc: Exception,
    options: Options,
    problems: ProblemLog,
) -> MigrationError:
    name = copy.table.name
    if getattr(exc, "pgcode", None) == INSUFFICIENT_PRIVILEGE:  # no row's fault (a trigger's, ...)
        return MigrationError(
            f"PostgreSQL refused to load table {name} as role {options.connection.user}: "
            f"{pg_message(exc)}; grant the role that privilege, or run as the table's owner; "
            "the transaction was rolled back, nothing was written"
        )
    if getattr(exc, "pgcode", None) == FOREIGN_KEY_VIOLATION:  # a key kept during the COPY
        return ReferenceRefused(f"PostgreSQL refused a row of {name}: {pg_message(exc)}")
    diag = getattr(exc, "diag", None)
    context = getattr(diag, "context", None) or ""
    found = _COPY_CONTEXT.search(context)
    column = found.group(2) if found and found.group(2) else getattr(diag, "column_name", None)
    key: dict[str, str] = {}
    if found:
        rollback(session.conn)  # the failed transaction; re-reading the source needs no server
        with lease.reading():
            key = copy.key_of_line(int(found.group(1)))
    hint = getattr(diag, "message_hint", None)  # the way through, when PostgreSQL knows one
    reason = f"PostgreSQL rejected a row: {pg_message(exc)}" + (f"; {hint}" if hint else "")
    problems.items.append(Problem(name, reason, column, key))
    return MigrationError(problems.summary(), problems.as_list(), KIND_DATA)


def _analyzable(access: Access, schema: str, name: str, notes: Notes) -> bool:
    """Whether the role may ANALYZE the table (PostgreSQL skips it with a
    warning otherwise): say so instead, with what to run."""
    table = access.tables.get(name)
    if table is None or table.analyzable:  # created by the module, or owned
        return True
    notes.warn(
        f"{name}: not analyzed (only its owner {table.owner} or the database owner may): "
        f"run ANALYZE {qualified(schema, name)} as {table.owner} after the migration"
    )
    return False


def _run_ready(
    session: TargetSession, pending: list[tuple[str, frozenset[str]]], unloaded: set[str]
) -> list[tuple[str, frozenset[str]]]:
    """Run the statements (in order) whose tables are all loaded; the rest wait."""
    waiting: list[tuple[str, frozenset[str]]] = []
    for statement, needs in pending:
        if needs & unloaded:
            waiting.append((statement, needs))
        else:
            session.execute(statement)
    return waiting


def _deferred(
    session: TargetSession,
    tables: dict[str, SourceTable],
    empty_existing: list[str],
    copies: dict[str, TableCopy],
) -> Deferred:
    """Foreign keys and plain indexes of the empty existing tables to drop
    during COPY and recreate after it (see deferred.py).

    A foreign key qualifies only if SQLite's check of it (which names the
    rows when adding it back fails) covers exactly what is loaded: declared
    in SQLite, between two of these tables, and no column on either side
    left out (exclude_columns would load defaults instead).
    """
    source_keys: set[tuple[str, tuple[str, ...], str]] = set()
    for name in empty_existing:
        for fk in tables[name].foreign_keys:
            if fk.parent not in empty_existing:
                continue
            parent = tables[fk.parent]
            referenced = parent.primary_key if None in fk.parent_columns else fk.parent_columns
            child_loaded = set(fk.columns) <= set(copies[name].columns)
            parent_loaded = set(referenced) <= set(copies[fk.parent].columns)
            if child_loaded and parent_loaded:
                source_keys.add((name, fk.columns, fk.parent))
    return plan_deferred(session.conn, session.schema, empty_existing, source_keys)
