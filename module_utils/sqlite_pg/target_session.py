"""The migration's PostgreSQL session: statements run and recorded (the result's
``ddl``), savepoint attempts, and the failures that are no row's fault (a lock
not granted, the connection lost) told from PostgreSQL refusing a statement."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from .errors import KIND_CONNECTION, MigrationError
from .locks import LOCK_NOT_AVAILABLE, lock_error, lock_holders
from .pg_target import ConnectionOptions, psycopg2

FOREIGN_KEY_VIOLATION = "23503"  # SQLSTATE
INSUFFICIENT_PRIVILEGE = "42501"


class ReferenceRefused(MigrationError):
    """PostgreSQL refused a foreign key (its message names one row)."""


def pg_message(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    detail = getattr(diag, "message_detail", None)
    if primary:
        return primary + (f" ({detail})" if detail else "")
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def rollback(conn: Any) -> None:
    # The connection may be gone (server restart): nothing to undo then.
    with contextlib.suppress(Exception):
        conn.rollback()


class TargetSession:
    """One connection's transaction, with the statements it ran in ``ddl``."""

    def __init__(self, conn: Any, schema: str, connection: ConnectionOptions, tables: list[str]) -> None:
        self.conn = conn
        self.schema = schema
        self.connection = connection
        self.tables = tables  # the target tables: whose lock holders a lock error names
        self.ddl: list[str] = []

    def execute(self, sql: str, params: tuple[Any, ...] | None = None, record: bool = True) -> None:
        if record:
            self.ddl.append(sql)
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
        except psycopg2.Error as exc:
            failure = self.failure(f"running {sql.splitlines()[0]}", exc)
            if failure is not None:
                raise failure from exc
            refused = ReferenceRefused if exc.pgcode == FOREIGN_KEY_VIOLATION else MigrationError
            raise refused(f"PostgreSQL refused: {sql.splitlines()[0]}...: {pg_message(exc)}") from exc

    def failure(self, doing: str, exc: Exception, table: str | None = None) -> MigrationError | None:
        """The error of a failure that is no row's fault: a lock not granted, the connection lost."""
        if getattr(exc, "pgcode", None) == LOCK_NOT_AVAILABLE:
            return self._lock_error(doing, table)
        if self.lost(exc):
            return self.lost_error(doing, exc)
        return None

    def _lock_error(self, doing: str, table: str | None) -> MigrationError:
        """lock_timeout expired: name the sessions holding locks on the target tables,
        looked up on a second connection (this transaction is aborted)."""
        ours = self.conn.get_backend_pid()
        rollback(self.conn)
        try:
            holders = lock_holders(self.connection, self.schema, self.tables, ours)
        except (MigrationError, psycopg2.Error):
            holders = None
        return lock_error(doing, self.connection.lock_timeout, holders, table)

    def attempt(self, statement: str, check: Callable[[], str | None] | None = None) -> str | None:
        """Run ``statement`` (then ``check()``: None or why not) inside a savepoint:
        None when it is kept, else why it was rolled back to the savepoint."""
        self.execute("SAVEPOINT sqlite_to_postgres_extra", record=False)
        try:
            with self.conn.cursor() as cur:
                cur.execute(statement)
            reason = check() if check is not None else None
        except psycopg2.Error as exc:
            if self.lost(exc):
                raise self.lost_error(f"running {statement.splitlines()[0]}", exc) from exc
            reason = f"PostgreSQL refused it: {pg_message(exc)}"
        if reason is None:
            self.execute("RELEASE SAVEPOINT sqlite_to_postgres_extra", record=False)
            self.ddl.append(statement)
            return None
        self.execute("ROLLBACK TO SAVEPOINT sqlite_to_postgres_extra", record=False)
        self.execute("RELEASE SAVEPOINT sqlite_to_postgres_extra", record=False)
        return reason

    def lost(self, exc: Exception) -> bool:
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
    def lost_error(doing: str, exc: Exception) -> MigrationError:
        return MigrationError(
            f"connection to PostgreSQL lost while {doing}: {pg_message(exc)}; "
            "the transaction was not committed, the target is unchanged",
            kind=KIND_CONNECTION,
        )
