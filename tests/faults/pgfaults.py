"""Helpers for the copy fault tests: a killable module run, target snapshots, waits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bwaincell_sample

CHILD = Path(__file__).with_name("module_child.py")
APP_NAME = "sqlite_to_postgres"  # the module's application_name


def start_module(
    server: Any, dbname: str, src: Path, env: dict[str, str] | None = None, **extra: Any
) -> subprocess.Popen[str]:
    """The module in a child process (``env``: its environment, default this one's)."""
    args = {**server.module_args(dbname), "src": str(src), **extra}
    return subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, dict[str, Any], str]:
    out, err = proc.communicate(timeout=timeout)
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    return proc.returncode, (json.loads(lines[-1]) if lines else {}), err


def run_module(server: Any, dbname: str, src: Path, **extra: Any) -> tuple[int, dict[str, Any], str]:
    return finish(start_module(server, dbname, src, **extra))


def create_app_tables(server: Any, dbname: str) -> None:
    """The tables sequelize.sync() creates: the guide's path into PostgreSQL."""
    conn = server.connect(dbname, autocommit=False)
    try:
        with conn.cursor() as cur:
            for stmt in bwaincell_sample.POSTGRES_DDL:
                cur.execute(stmt)
        conn.commit()
    finally:
        conn.close()


def snapshot(server: Any, dbname: str) -> str:
    """Everything in the database as pg_dump prints it: schema, rows, sequence values."""
    env = {**os.environ, "PGPASSWORD": server.password}
    login = ["-h", server.host, "-p", str(server.port), "-U", server.user]
    # A fixed \restrict key: pg_dump 15.14+ otherwise writes a random one.
    options = ["--no-comments", "--restrict-key=faulttest"]
    proc = subprocess.run(
        [str(server.bin_dir / "pg_dump"), *login, *options, dbname],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout


def copying(server: Any, dbname: str, table: str) -> Callable[[], bool]:
    """True while the module's session runs COPY into ``table``."""
    pattern = f'COPY %"{table}"%FROM STDIN%'

    def check() -> bool:
        conn = server.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
                    " AND state = 'active' AND query LIKE %s",
                    (dbname, APP_NAME, pattern),
                )
                return int(cur.fetchone()[0]) > 0
        finally:
            conn.close()

    return check


def relation_bytes(server: Any, dbname: str, table: str) -> int:
    """Size of the table's file: grows while an uncommitted COPY writes into it.

    Read on disk: pg_relation_size() would wait for the module's lock (it drops
    the foreign keys and indexes of empty tables during COPY), while neither
    to_regclass() nor pg_relation_filepath() lock the table.
    """
    conn = server.connect(dbname)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_relation_filepath(to_regclass(%s))", (f'public."{table}"',))
            path = cur.fetchone()[0]
    finally:
        conn.close()
    if path is None:
        return 0
    try:
        return (server.data_dir / path).stat().st_size
    except FileNotFoundError:  # no block written yet
        return 0


def module_sessions(server: Any, dbname: str) -> int:
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
                (dbname, APP_NAME),
            )
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def server_up(server: Any) -> bool:
    try:
        server.connect().close()
    except Exception:
        return False
    return True
