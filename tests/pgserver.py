"""A throw-away PostgreSQL 15 for the tests and the benchmark.

``started_server()`` runs initdb + pg_ctl from ``PG_BIN_DIR`` (default
``/usr/lib/postgresql/15/bin``) in a temp directory, on a free TCP port on
127.0.0.1, with scram-sha-256 password authentication and fsync off (``durable``
turns fsync, synchronous_commit and full_page_writes back on). As root the
cluster runs as the ``postgres`` OS user (PostgreSQL refuses root); otherwise as
the current user. ``tests/conftest.py`` wraps it in the ``pg_server`` fixture;
``bench/`` uses it directly, so both run the same configuration.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PG_BIN_DIR = Path(os.environ.get("PG_BIN_DIR", "/usr/lib/postgresql/15/bin"))
PG_OS_USER = "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgServer:
    bin_dir: Path
    base_dir: Path
    port: int
    password: str
    host: str = "127.0.0.1"
    user: str = "postgres"
    as_user: str | None = None  # OS user that runs the server (None: the current one)
    _counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "socket"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def initdb(self) -> None:
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        self.socket_dir.mkdir()
        if self.as_user:
            info = pwd.getpwnam(self.as_user)
            for path in (self.base_dir, pwfile, self.socket_dir):
                os.chown(path, info.pw_uid, info.pw_gid)
        pwfile.chmod(0o600)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D", str(self.data_dir),
            "-U", self.user,
            "--pwfile", str(pwfile),
            "--auth", "scram-sha-256",
            "--encoding", "UTF8",
            "--locale", "C.UTF-8",
            "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\n"
                f"listen_addresses = '{self.host}'\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                # A test cluster: durability off for speed.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 40\nshared_buffers = 64MB\n"
            )

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> Any:
        import psycopg2

        conn = psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=dbname
        )
        conn.autocommit = autocommit
        return conn

    def _execute(self, sql: str) -> None:
        """One statement on a short-lived superuser connection (autocommit:
        CREATE/DROP DATABASE cannot run in a transaction)."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create_database(self, prefix: str = "test") -> str:
        name = f"{prefix}_{next(self._counter)}_{secrets.token_hex(3)}"
        self._execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def module_args(self, dbname: str) -> dict[str, Any]:
        return {
            "login_host": self.host,
            "port": self.port,
            "login_user": self.user,
            "login_password": self.password,
            "login_db": dbname,
            "ssl_mode": "disable",
        }


@dataclass
class PgDatabase:
    server: PgServer
    name: str

    def connect(self) -> Any:
        return self.server.connect(self.name)

    def module_args(self) -> dict[str, Any]:
        return self.server.module_args(self.name)

    def query(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def execute(self, sql: str, params: tuple[Any, ...] | None = None) -> None:
        self.query(sql, params)


@contextmanager
def started_server(durable: bool = False, prefix: str = "pgtest-") -> Iterator[PgServer]:
    """Start a fresh cluster; stop it and remove its files on exit."""
    if not (PG_BIN_DIR / "initdb").exists():
        raise RuntimeError(
            f"PostgreSQL 15 binaries not found in {PG_BIN_DIR}: install postgresql-15 "
            "(scripts/prepare-host.sh does) or set PG_BIN_DIR"
        )
    as_user = PG_OS_USER if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix=prefix))
    server = PgServer(PG_BIN_DIR, base, free_port(), secrets.token_urlsafe(18), as_user=as_user)
    try:
        server.initdb()
        if durable:
            with (server.data_dir / "postgresql.conf").open("a") as conf:
                conf.write("fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")
        server.start()
    except subprocess.CalledProcessError as exc:
        log = server.log_file.read_text() if server.log_file.exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"test PostgreSQL failed to start: {exc.stderr}\n{log}") from exc
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
