"""Phase 6, verify: a loaded table read back from PostgreSQL and compared with what
was read from SQLite (verify=full: the digest; count: the rows), and an existing
table's generated columns compared with SQLite's values."""

from __future__ import annotations

from .errors import KIND_VERIFICATION, MigrationError
from .plan import TablePlan
from .read_ahead import SourceLease
from .schema_extras import compare_computed
from .table_copy import CopyTally, TableCopy
from .target_session import TargetSession
from .verify import diff_rows, target_count, target_digest


def verify_table(
    session: TargetSession, lease: SourceLease, copy: TableCopy, tally: CopyTally, mode: str
) -> int:
    """The table's row count in PostgreSQL, having checked it against ``tally``
    (the pass that sent it); raises MigrationError (rolled back) when they differ."""
    name = copy.table.name
    conn, schema = session.conn, session.schema
    if mode == "count":
        target_rows = target_count(conn, schema, name)
        if target_rows != tally.digest.count:
            raise MigrationError(
                f"verification failed for table {name}: {tally.digest.count} rows read from SQLite, "
                f"{target_rows} in PostgreSQL; rolled back",
                kind=KIND_VERIFICATION,
            )
        return target_rows
    target = target_digest(conn, schema, name, copy.columns, copy.read_back(tally))
    if target != tally.digest:
        with lease.reading():  # diff_rows reads the source
            diff = diff_rows(conn, schema, copy)
        raise MigrationError(f"verification failed, rolled back: {diff.message()}", kind=KIND_VERIFICATION)
    return target.count


def row_context(plan: TablePlan) -> tuple[list[str], list[str]]:
    """(columns naming a row, key columns) for comparing computed values:
    the primary key, or else every copied column."""
    key = plan.source.primary_key
    if key and set(key) <= set(plan.columns):
        return key, key
    return list(plan.columns), []


def check_computed(session: TargetSession, lease: SourceLease, plan: TablePlan) -> None:
    """An existing table's generated columns (the application's definition)
    must give SQLite's values: else the copy is not what the application read."""
    if not plan.computed:
        return
    context, key = row_context(plan)
    with lease.reading() as source:
        reason = compare_computed(
            session.conn, session.schema, source, plan.source, context, key, plan.types, plan.computed
        )
    if reason is not None:
        names = ", ".join(f"{plan.name}.{c}" for c in plan.computed)
        raise MigrationError(
            f"verification failed, rolled back: {names} generated in PostgreSQL by the table's own "
            f"definition, generated in SQLite too: {reason}; to accept PostgreSQL's values, leave the "
            f"column(s) out with exclude_columns ({names})",
            kind=KIND_VERIFICATION,
        )
