"""Waiting for locks: lock_timeout, and the sessions to blame when it expires.

The application is stopped during the copy, so a session that holds a lock on
a target table is a forgotten one (a psql left in a transaction, a stuck
backup, ...), and waiting for it would wait as long as it lives. The migration
sets the session's lock_timeout (migrate.py); when a statement gives up
(SQLSTATE 55P03), its transaction is aborted, so the holders are looked up on a
second, short connection: the sessions holding granted locks on the target
tables (pg_locks), with what pg_stat_activity says about them.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass

from .errors import MigrationError, Problem
from .identifiers import pg_name
from .pg_target import ConnectionOptions, connect

LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE: lock_timeout expired (or NOWAIT)
QUERY_CHARS = 120


@dataclass(frozen=True)
class LockHolder:
    pid: int
    user: str
    application: str
    client: str
    state: str
    since: str  # when its transaction started (UTC)
    query: str  # the start of its current or last query
    table: str
    modes: str

    def describe(self) -> str:
        query = self.query + ("..." if len(self.query) >= QUERY_CHARS else "")
        return (
            f"pid {self.pid} (user {self.user}, application_name {self.application!r}, client {self.client}, "
            f"state {self.state!r}, transaction open since {self.since}, query {query!r}) "
            f"holds {self.modes} on {self.table}"
        )


_HOLDERS_SQL = """
SELECT a.pid, coalesce(a.usename, '?'), coalesce(a.application_name, ''),
       coalesce(host(a.client_addr) || ':' || a.client_port, 'local socket'), coalesce(a.state, '?'),
       coalesce(to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC', '?'),
       left(coalesce(a.query, ''), %(chars)s), c.relname, string_agg(DISTINCT l.mode, ', ')
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation' AND n.nspname = %(schema)s AND c.relname = ANY(%(names)s)
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND a.pid <> pg_backend_pid() AND a.pid <> %(ours)s
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
ORDER BY 1, 8
"""


def lock_holders(connection: ConnectionOptions, schema: str, names: list[str], ours: int) -> list[LockHolder]:
    """Other sessions holding locks on the tables ``names`` (empty if none, or
    if the second connection fails: the error then says so)."""
    short = dataclasses.replace(connection, connect_timeout=min(connection.connect_timeout, 5))
    conn = connect(short)
    try:
        with conn.cursor() as cur:
            cur.execute(
                _HOLDERS_SQL,
                {
                    "chars": QUERY_CHARS,
                    "schema": pg_name(schema),
                    "names": [pg_name(n) for n in names],
                    "ours": ours,
                },
            )
            return [LockHolder(*row) for row in cur.fetchall()]
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.close()


def lock_error(
    doing: str, seconds: int, holders: list[LockHolder] | None, table: str | None = None
) -> MigrationError:
    """The report of an expired lock_timeout: the statement, the holders, the way through.
    ``holders`` None: they could not be looked up."""
    head = (
        f"gave up waiting for a lock after lock_timeout={seconds} s while {doing}; "
        "the transaction was rolled back, nothing was written"
    )
    problems: list[Problem] = []
    if holders:
        pids = sorted({h.pid for h in holders})
        body = "; ".join(h.describe() for h in holders)
        terminate = "; ".join(f"SELECT pg_terminate_backend({pid})" for pid in pids)
        tail = (
            f". End that session's transaction (it is not the stopped application's), or {terminate}; "
            "then run again"
        )
        for holder in holders:
            problems.append(
                Problem(
                    holder.table,
                    f"locked by another session: {holder.describe()}; end it or "
                    f"SELECT pg_terminate_backend({holder.pid})",
                )
            )
        return MigrationError(f"{head}. Held by: {body}{tail}", [p.as_dict() for p in problems])
    if holders is None:
        found = "the sessions holding it could not be looked up (second connection failed)"
    else:
        found = "no other session holds a lock on the target tables any more (the blocker has ended)"
    advice = (
        "; look for the blocking session with SELECT pid, usename, application_name, state, query FROM "
        "pg_stat_activity WHERE pid <> pg_backend_pid(), end it, and run again "
        "(or raise lock_timeout; 0 waits for ever)"
    )
    if table:
        problems.append(Problem(table, "lock not granted within lock_timeout"))
    return MigrationError(f"{head}; {found}{advice}", [p.as_dict() for p in problems])
