"""Faults during the copy (issue 6): the module killed, PostgreSQL restarted.

Either way the target must be exactly as before (compared with pg_dump:
schema, rows and sequence values) and the next run must succeed. The fault
is injected only once the module is observably in the middle of copying the
largest table (its COPY is active in pg_stat_activity and, for existing
tables, the table's file has grown), never after a guessed delay.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import bwaincell_sample
import pytest
from pgfaults import (
    copying,
    create_app_tables,
    finish,
    module_sessions,
    relation_bytes,
    run_module,
    server_up,
    snapshot,
    start_module,
)
from polling import wait_for

pytestmark = pytest.mark.integration

# Big enough that copying `tasks` (35 % of the rows) takes a good fraction of
# a second, small enough for CI.
ROWS = 25_000
BIG_TABLE = "tasks"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "bwaincell.sqlite"
    bwaincell_sample.create_sample(path, rows=ROWS, seed=11)
    return path


@pytest.fixture
def target(pg_server: Any, request: pytest.FixtureRequest) -> Any:
    name = pg_server.create_database("faults")
    yield name
    if server_up(pg_server):
        pg_server.drop_database(name)


def _wait_mid_copy(pg_server: Any, dbname: str, app_tables: bool, proc: Any) -> None:
    wait_for(lambda: proc.poll() is not None or copying(pg_server, dbname, BIG_TABLE)(), "the COPY of tasks")
    assert proc.poll() is None, f"the module finished before the fault could be injected: {finish(proc)}"
    if app_tables:
        wait_for(lambda: relation_bytes(pg_server, dbname, BIG_TABLE) > 0, "rows written into tasks")
    assert proc.poll() is None, "the module finished before the fault could be injected"


def _assert_next_run_succeeds(pg_server: Any, dbname: str, source: Path) -> None:
    rc, out, err = run_module(pg_server, dbname, source, verify="full")
    assert rc == 0, (out, err)
    expected = bwaincell_sample.table_counts(source)
    got = {t["name"]: t["target_rows"] for t in out["result"]["tables"]}
    assert got == expected
    assert all(t["verified"] for t in out["result"]["tables"])


@pytest.mark.parametrize("app_tables", [True, False], ids=["into-app-tables", "creating-tables"])
def test_module_killed_mid_copy_leaves_target_as_before(
    pg_server: Any, target: str, source: Path, app_tables: bool
) -> None:
    if app_tables:
        create_app_tables(pg_server, target)
    before = snapshot(pg_server, target)
    proc = start_module(pg_server, target, source, verify="full")
    _wait_mid_copy(pg_server, target, app_tables, proc)
    os.kill(proc.pid, signal.SIGKILL)
    rc, _out, _err = finish(proc)
    assert rc == -signal.SIGKILL
    # The server rolls back once it sees the client gone; wait for that.
    wait_for(lambda: module_sessions(pg_server, target) == 0, "the killed session to end")
    assert snapshot(pg_server, target) == before
    _assert_next_run_succeeds(pg_server, target, source)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_restart_mid_copy_is_a_clear_error(
    pg_server: Any, target: str, source: Path, mode: str
) -> None:
    create_app_tables(pg_server, target)
    before = snapshot(pg_server, target)
    proc = start_module(pg_server, target, source, verify="full")
    _wait_mid_copy(pg_server, target, True, proc)
    # fast: the server terminates sessions and shuts down cleanly;
    # immediate: it dies without a checkpoint and recovers at start (a crash).
    pg_server.restart(mode)
    rc, out, err = finish(proc)
    # A handled failure (the module's own message, exit 1), not a crash.
    assert rc == 1, (out, err)
    assert out["ok"] is False
    message = out["error"]
    assert "connection to PostgreSQL lost" in message
    assert BIG_TABLE in message
    assert "not committed" in message
    assert snapshot(pg_server, target) == before
    _assert_next_run_succeeds(pg_server, target, source)
