"""Shared test fixtures: a real PostgreSQL 15 started by the suite.

``pg_server`` (session): a throw-away cluster (initdb + pg_ctl from
``PG_BIN_DIR``, default ``/usr/lib/postgresql/15/bin``) in a temp directory, on a
free TCP port on 127.0.0.1, scram-sha-256 password authentication, fsync off.
As root the cluster runs as the ``postgres`` OS user (PostgreSQL refuses root);
otherwise as the current user. It yields a ``PgServer``:

    pg_server.host, .port, .user, .password      superuser over TCP
    pg_server.socket_dir                          its Unix socket directory
    pg_server.connect(dbname)                     psycopg2 connection (autocommit)
    pg_server.create_database(prefix)             a fresh database, returns its name
    pg_server.module_args(dbname)                 login_* options for sqlite_to_postgres
    pg_server.stop() / .start() / .restart()      for fault tests (mode: fast|immediate)

``pg_db`` (function): a fresh database per test, ``PgDatabase`` with ``.name``,
``.server``, ``.connect()``, ``.module_args()``, ``.query(sql, params)``.

The server itself is ``pgserver.started_server()``. Set ``PG_BIN_DIR`` to use
another PostgreSQL build; without initdb the tests that need it fail (they are
never skipped).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "module_utils"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "scripts"))  # bwaincell_sample

from pgserver import PgDatabase, PgServer, free_port, started_server  # noqa: E402

__all__ = ["PgDatabase", "PgServer", "free_port"]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    with started_server() as server:
        yield server


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[PgDatabase]:
    name = pg_server.create_database()
    yield PgDatabase(pg_server, name)
    pg_server.drop_database(name)
