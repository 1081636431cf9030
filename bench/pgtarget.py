"""The PostgreSQL 15 the benchmark loads into: connection details and admin chores."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import psycopg2
import psycopg2.extensions

REPO = Path(__file__).resolve().parent.parent

# Settings worth printing next to the numbers: they move them.
REPORTED_SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "max_wal_size",
    "wal_level",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
)


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str | None = None
    postmaster_pid: int | None = None  # known when the benchmark started the server

    def dsn(self, dbname: str) -> str:
        parts = {"host": self.host, "port": str(self.port), "user": self.user, "dbname": dbname}
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{k}='{v}'" for k, v in parts.items())

    def url(self, dbname: str) -> str:
        """pgloader's connection string (a URL; a socket dir goes in ``unix:``)."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        host = f"unix:{self.host}" if self.host.startswith("/") else self.host
        return f"postgresql://{auth}@{host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> psycopg2.extensions.connection:
        conn = psycopg2.connect(self.dsn(dbname))
        conn.autocommit = autocommit
        return conn


def server_cpu_seconds(server: PgServer) -> float | None:
    """CPU used so far by the whole server: live processes, plus the backends the
    postmaster has already reaped (its children_* times). Differences of two
    readings bill a case for its share of PostgreSQL's work (parsing COPY,
    indexes, WAL), which the client's figure cannot show."""
    if server.postmaster_pid is None:
        return None
    try:
        master = psutil.Process(server.postmaster_pid)
        t = master.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in master.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                c = child.cpu_times()
                total += c.user + c.system
    except psutil.NoSuchProcess:
        return None
    return total


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fresh_database(server: PgServer, name: str) -> None:
    """Drop and create ``name``: every measured run starts from an empty database."""
    with closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")
        cur.execute(f"CREATE DATABASE {_ident(name)}")


def drop_database(server: PgServer, name: str) -> None:
    with closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")


def checkpoint(server: PgServer) -> None:
    """Flush the previous run's dirty pages so it does not bill the next one."""
    with closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute("CHECKPOINT")


def run_statements(server: PgServer, dbname: str, statements: Iterable[str]) -> None:
    with closing(server.connect(dbname, autocommit=False)) as conn:
        with conn.cursor() as cur:
            for stmt in statements:
                cur.execute(stmt)
        conn.commit()


def table_counts(server: PgServer, dbname: str, tables: Sequence[str]) -> dict[str, int | None]:
    """Rows per table; None where the table does not exist (a load that failed)."""
    out: dict[str, int | None] = {}
    with closing(server.connect(dbname)) as conn, conn.cursor() as cur:
        for t in tables:
            cur.execute("SELECT to_regclass(%s)", (f"public.{_ident(t)}",))
            row = cur.fetchone()
            if row is None or row[0] is None:
                out[t] = None
                continue
            cur.execute(f"SELECT count(*) FROM public.{_ident(t)}")
            counted = cur.fetchone()
            out[t] = int(counted[0]) if counted else None
    return out


def column_types(cur: Any, table: str, schema: str = "public") -> list[tuple[str, str]]:
    cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    )
    return [(str(r[0]), str(r[1])) for r in cur.fetchall()]


def settings(server: PgServer) -> dict[str, str]:
    with closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", (list(REPORTED_SETTINGS),)
        )
        rows = {str(n): f"{s}{' ' + u if u else ''}" for n, s, u in cur.fetchall()}
        cur.execute("SHOW server_version")
        ver = cur.fetchone()
        rows["server_version"] = str(ver[0]) if ver else "?"
    return rows


@contextmanager
def started_server(durable: bool = False) -> Iterator[PgServer]:
    """A throw-away PostgreSQL 15, started by the test suite's own code
    (``tests/pgserver.py``), so both measure and test the same configuration.
    ``durable`` turns fsync, synchronous_commit and full_page_writes back on
    (the test cluster runs with them off), for figures closer to production.
    """
    sys.path.insert(0, str(REPO / "tests"))
    import pgserver

    with pgserver.started_server(durable=durable, prefix="bench-pg-") as server:
        pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        yield PgServer(server.host, server.port, server.user, server.password, postmaster_pid=pid)
