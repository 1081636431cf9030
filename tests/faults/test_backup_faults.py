"""Faults around the SQLite backup (issue 6): writes during the backup, a full disk.

These exercise the backup role's own module (roles/sqlite_backup/library/
sqlite_backup.py, the online backup API), run the way Ansible runs it: a
Python process given its arguments as JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
BACKUP_MODULE = REPO / "roles" / "sqlite_backup" / "library" / "sqlite_backup.py"
WRITER = Path(__file__).with_name("sqlite_writer.py")
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(Path(__file__).parent))

import bwaincell_sample  # noqa: E402
import sqlite_writer  # noqa: E402
from polling import wait_for  # noqa: E402
from tmpfs import mounted_tmpfs  # noqa: E402


def run_backup_module(args: dict[str, Any], tmp: Path) -> tuple[int, dict[str, Any]]:
    argsfile = tmp / f"args-{time.monotonic_ns()}.json"
    argsfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run(
        [sys.executable, str(BACKUP_MODULE), str(argsfile)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"module printed no JSON: {proc.stdout!r} {proc.stderr!r}"
    return proc.returncode, json.loads(lines[-1])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def progress(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute("SELECT n FROM writer_progress").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def app_db(tmp_path: Path) -> Path:
    path = tmp_path / "app" / "bwaincell.sqlite"
    bwaincell_sample.create_sample(path, rows=20_000, seed=3)
    sqlite_writer.prepare(str(path))
    return path


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_backup_while_the_application_writes_is_consistent(
    app_db: Path, tmp_path: Path, journal_mode: str
) -> None:
    conn = sqlite3.connect(app_db)
    assert conn.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0] == journal_mode
    conn.close()
    stop = tmp_path / "stop-writer"
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(app_db), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        # Backups start only once the writer is demonstrably committing.
        wait_for(lambda: progress(app_db) >= 20, "the writer's first commits", timeout=30.0)
        seen: list[tuple[int, int, int]] = []
        for _ in range(3):
            before = progress(app_db)
            rc, res = run_backup_module(
                {"command": "backup", "src": str(app_db), "dest_dir": str(tmp_path / "backups"), "keep": 0},
                tmp_path,
            )
            after = progress(app_db)
            assert rc == 0, res
            backup = Path(res["path"])
            assert integrity(backup) == "ok"
            assert sha256(backup) == res["sha256"]
            copy = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            n = int(copy.execute("SELECT n FROM writer_progress").fetchone()[0])
            rows = int(copy.execute("SELECT count(*) FROM notes WHERE title LIKE 'writer-%'").fetchone()[0])
            copy.close()
            # A snapshot of one instant: every committed transaction whole, none
            # half, and taken between the states seen before and after.
            assert rows == sqlite_writer.ROWS_PER_TX * n
            assert before <= n <= after
            seen.append((before, n, after))
        # The writer really was writing while the module ran: at least one
        # snapshot has commits on both sides of it within the backup's window.
        assert any(before < n < after for before, n, after in seen), seen
        wait_for(lambda: progress(app_db) > seen[-1][2], "a commit after the last backup", timeout=30.0)
    finally:
        stop.touch()
        out, _ = writer.communicate(timeout=60)
    report = json.loads(out)
    # The application never saw an error (SQLITE_BUSY beyond its timeout).
    assert report["errors"] == []
    assert report["commits"] > seen[-1][1]
    assert integrity(app_db) == "ok"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: smaller than the database (root only)."""
    with mounted_tmpfs(tmp_path / "tiny", "2m") as mnt:
        yield mnt


@pytest.mark.parametrize(
    ("space_margin", "message"),
    [
        # The module's own pre-flight check refuses before writing a byte.
        (1.1, "not enough room for the backup"),
        # With the check defeated, the disk fills in the middle of the copy.
        (0.0, "database or disk is full"),
    ],
)
def test_backup_on_a_full_disk_fails_cleanly(
    app_db: Path, tmp_path: Path, tiny_disk: Path, space_margin: float, message: str
) -> None:
    assert app_db.stat().st_size > 2 * 1024 * 1024
    before = sha256(app_db)
    rc, res = run_backup_module(
        {"command": "backup", "src": str(app_db), "dest_dir": str(tiny_disk), "space_margin": space_margin},
        tmp_path,
    )
    assert rc != 0
    assert res["failed"] is True
    assert message in res["msg"]
    assert str(app_db) in res["msg"] or "room" in res["msg"]
    # Nothing left behind on the full disk: no partial copy, no journal.
    assert os.listdir(tiny_disk) == []
    # The source is untouched and the application can keep using it.
    assert sha256(app_db) == before
    assert integrity(app_db) == "ok"
    conn = sqlite3.connect(app_db)
    with conn:
        conn.execute("UPDATE writer_progress SET n = n + 1")
    assert conn.execute("SELECT n FROM writer_progress").fetchone()[0] == 1
    conn.close()
