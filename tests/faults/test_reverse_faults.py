"""Faults during postgres_to_sqlite: the module killed, PostgreSQL restarted, the disk full.

Each time dest must be byte for byte as it was, and no temporary file may be left once the next
run (which must succeed) is done. The fault is injected only once the module is observably in the
middle of the copy, never after a guessed delay: a session of the test holds a lock on the table
copied after the largest one, so the module has written the earlier tables into its temporary
file and waits at that table's COPY for as long as the test needs (a fast machine once finished
the whole copy between two polls of an active COPY).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bwaincell_sample
import pytest
from pgfaults import create_app_tables, finish, server_up
from polling import wait_for
from sqlite_pg.migrate import run as migrate
from test_backup_faults import tiny_disk  # noqa: F401 (the fixture: a 2 MiB tmpfs)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from helpers import options_for

pytestmark = pytest.mark.integration

ROWS = 40_000
BIG_TABLE = "tasks"
HELD_TABLE = "notes"  # copied after tasks (foreign-key order); the test holds a lock on it
CHILD = Path(__file__).with_name("reverse_child.py")
APP_NAME = "postgres_to_sqlite"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reverse-faults") / "bwaincell.sqlite"
    bwaincell_sample.create_sample(path, rows=ROWS, seed=12)
    return path


@pytest.fixture
def source_db(pg_server: Any, template: Path) -> Iterator[Any]:
    name = db_name = pg_server.create_database("reverse_faults")
    create_app_tables(pg_server, name)

    class Db:
        name = db_name

        def module_args(self) -> dict[str, Any]:
            return pg_server.module_args(name)

    migrate(options_for(Db(), str(template)))
    yield Db()
    if server_up(pg_server):
        pg_server.drop_database(name)


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    path = tmp_path / "app" / "bwaincell.sqlite"
    path.parent.mkdir()
    bwaincell_sample.create_sample(path, rows=200, seed=1)  # the file the application had before
    return path


def start(db: Any, dest: Path, template: Path) -> subprocess.Popen[str]:
    args = {**db.module_args(), "dest": str(dest), "template": str(template), "lock_timeout": 120}
    return subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def temporary_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if ".postgres_to_sqlite.tmp" in p.name]


@contextlib.contextmanager
def held(pg_server: Any, db: Any) -> Iterator[None]:
    """An ACCESS EXCLUSIVE lock on HELD_TABLE until the block ends (or the server goes)."""
    conn = pg_server.connect(db.name)
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(f'LOCK TABLE "public"."{HELD_TABLE}" IN ACCESS EXCLUSIVE MODE')
        yield
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        with contextlib.suppress(Exception):
            conn.close()


def waiting_at_held_table(pg_server: Any) -> bool:
    conn = pg_server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                "AND wait_event_type = 'Lock' AND query LIKE %s",
                (APP_NAME, f'COPY (SELECT %FROM "public"."{HELD_TABLE}") TO STDOUT'),
            )
            return int(cur.fetchone()[0]) > 0
    finally:
        conn.close()


def wait_mid_copy(pg_server: Any, proc: Any, directory: Path) -> None:
    def mid_copy() -> bool:
        waiting = waiting_at_held_table(pg_server)
        return proc.poll() is not None or (waiting and bool(temporary_files(directory)))

    wait_for(mid_copy, f"the module waiting at the COPY of {HELD_TABLE}, its temporary file written")
    assert proc.poll() is None, f"the module finished before the fault could be injected: {finish(proc)}"


def next_run_succeeds(db: Any, dest: Path, template: Path) -> dict[str, Any]:
    rc, out, err = finish(start(db, dest, template))
    assert rc == 0, (out, err)
    assert all(t["verified"] for t in out["result"]["tables"])
    assert bwaincell_sample.table_counts(dest) == bwaincell_sample.table_counts(template)
    assert temporary_files(dest.parent) == []
    return out["result"]


def test_killed_mid_copy_leaves_dest_as_it_was(
    pg_server: Any, source_db: Any, template: Path, dest: Path
) -> None:
    before = dest.read_bytes()
    with held(pg_server, source_db):
        proc = start(source_db, dest, template)
        wait_mid_copy(pg_server, proc, dest.parent)
        os.kill(proc.pid, signal.SIGKILL)
        rc, _out, _err = finish(proc)
    assert rc == -signal.SIGKILL
    assert dest.read_bytes() == before
    left = temporary_files(dest.parent)
    assert left  # the killed run's file, removed by the next run
    result = next_run_succeeds(source_db, dest, template)
    assert result["removed_stale"] == [str(p) for p in left if p.name.endswith(".tmp")]


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_restart_mid_copy_is_a_clear_error(
    pg_server: Any, source_db: Any, template: Path, dest: Path, mode: str
) -> None:
    before = dest.read_bytes()
    with held(pg_server, source_db):
        proc = start(source_db, dest, template)
        wait_mid_copy(pg_server, proc, dest.parent)
        pg_server.restart(mode)
        rc, out, err = finish(proc)
    assert rc == 1, (out, err)
    assert f"connection to PostgreSQL lost while copying table {HELD_TABLE}" in out["error"]
    assert out["kind"] == "connection"
    assert f"{dest} is unchanged" in out["error"]
    assert dest.read_bytes() == before
    assert temporary_files(dest.parent) == []
    next_run_succeeds(source_db, dest, template)


def test_a_full_disk_fails_cleanly(source_db: Any, template: Path, tiny_disk: Path) -> None:  # noqa: F811
    dest = tiny_disk / "bwaincell.sqlite"
    bwaincell_sample.create_sample(dest, rows=100, seed=1)
    before = dest.read_bytes()
    rc, out, err = finish(start(source_db, dest, template))
    assert rc == 1, (out, err)
    assert "database or disk is full" in out["error"]
    assert f"{dest} is unchanged" in out["error"]
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == [dest.name]
