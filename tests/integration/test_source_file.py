"""The SQLite file itself (issue 11, items 1 and 14): what the module says when it
cannot read it, an empty file, a WAL database in a read-only directory, and that
nothing but SQLite opens the file once a connection to it exists."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import make_sqlite, migrate_db, row_counts
from sqlite_pg.errors import MigrationError
from sqlite_pg.source_file import SourceFile, fingerprint_of, inspect

pytestmark = pytest.mark.integration

CHILD = Path(__file__).resolve().parents[1] / "faults" / "module_child.py"
SCHEMA = "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
ROWS = {"t": [(1, "one"), (2, "two")]}


def as_nobody(pg_db: Any, src: Path, **extra: Any) -> dict[str, Any]:
    """The module run as an unprivileged user. The suite runs as root, for whom
    every directory is searchable and writable: the cases below need a user
    the permissions apply to (setpriv switches to nobody for this process only)."""
    args = {**pg_db.module_args(), "src": str(src), **extra}
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    proc = subprocess.run(
        [*nobody, sys.executable, str(CHILD), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, (proc.stdout, proc.stderr)
    return json.loads(lines[-1])


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory nobody can reach (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="h1-source-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for sub in path.rglob("*"):
            if sub.is_dir():
                sub.chmod(0o755)
        shutil.rmtree(path)


def test_a_directory_the_user_cannot_search_is_named(pg_db: Any, shared_dir: Path) -> None:
    locked = shared_dir / "locked"
    locked.mkdir()
    src = Path(make_sqlite(locked / "app.sqlite", SCHEMA, ROWS))
    src.chmod(0o644)
    locked.chmod(0o700)  # root's: nobody may not search it
    out = as_nobody(pg_db, src)
    assert out["ok"] is False
    assert out["error"].startswith(
        f"permission denied: this user (nobody) cannot search the directory {locked} (no x permission"
    ), out
    assert "does not exist" not in out["error"]
    assert row_counts(pg_db) == {}


def test_a_file_the_user_cannot_read_is_named(pg_db: Any, shared_dir: Path) -> None:
    src = Path(make_sqlite(shared_dir / "app.sqlite", SCHEMA, ROWS))
    src.chmod(0o600)
    out = as_nobody(pg_db, src)
    assert out["error"].startswith(f"permission denied: this user (nobody) cannot read SQLite database {src}")


def _wal_database(directory: Path) -> Path:
    src = Path(make_sqlite(directory / "app.sqlite", SCHEMA, ROWS, wal=True))
    src.chmod(0o644)
    # The last connection's close checkpointed the log and removed -wal and -shm.
    assert not Path(f"{src}-wal").exists() and not Path(f"{src}-shm").exists()
    return src


@pytest.mark.parametrize("stale_shm", [False, True], ids=["no-shm", "stale-shm"])
def test_a_wal_database_in_a_read_only_directory_is_read_as_immutable(
    pg_db: Any, shared_dir: Path, stale_shm: bool
) -> None:
    src = _wal_database(shared_dir)
    if stale_shm:  # as a crash between removing -wal and -shm leaves it (SQLite: "readonly database")
        Path(f"{src}-shm").write_bytes(b"\0" * 32768)
        Path(f"{src}-shm").chmod(0o644)
    before = sorted(os.listdir(shared_dir))
    out = as_nobody(pg_db, src)  # shared_dir is root's, 0755: not writable for nobody
    assert out["ok"] is True, out
    assert row_counts(pg_db) == {"t": 2}
    assert any("read as an immutable file" in w for w in out["result"]["warnings"])
    assert sorted(os.listdir(shared_dir)) == before  # nothing made


def test_a_wal_database_whose_log_holds_commits_is_refused_with_the_reason(
    pg_db: Any, shared_dir: Path, tmp_path: Path
) -> None:
    """As a crashed application leaves it: commits in -wal, no -shm. Read as
    immutable they would be lost, so the module says why it cannot read them."""
    original = Path(make_sqlite(tmp_path / "app.sqlite", SCHEMA, ROWS, wal=True))
    writer = sqlite3.connect(original)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO t VALUES (3, 'three')")
    writer.commit()
    src = shared_dir / "app.sqlite"
    shutil.copyfile(original, src)
    shutil.copyfile(f"{original}-wal", f"{src}-wal")
    writer.close()
    for path in (src, Path(f"{src}-wal")):
        path.chmod(0o644)
    out = as_nobody(pg_db, src)
    assert out["ok"] is False
    assert out["error"].startswith(
        f"SQLite database {src} is in WAL mode and {src}-wal holds changes not yet in the database file"
    ), out
    assert f"the directory {shared_dir} is not writable by this user (nobody)" in out["error"]
    assert row_counts(pg_db) == {}


def test_an_immutable_read_that_a_writer_changed_is_not_trusted(tmp_path: Path) -> None:
    src = Path(make_sqlite(tmp_path / "app.sqlite", SCHEMA, ROWS, wal=True))
    read = SourceFile(str(src), "", immutable=True, fingerprint=fingerprint_of(str(src)))
    read.check_unchanged()
    conn = sqlite3.connect(src)
    with conn:
        conn.execute("INSERT INTO t VALUES (3, 'three')")
    conn.close()
    with pytest.raises(MigrationError, match=r"another process wrote it\. Nothing was committed"):
        read.check_unchanged()


def test_an_empty_file_is_an_empty_database(pg_db: Any, tmp_path: Path) -> None:
    src = tmp_path / "empty.sqlite"
    src.touch()
    assert inspect(str(src)).empty
    result = migrate_db(pg_db, str(src))
    assert result["changed"] is False and result["tables"] == []
    assert result["warnings"] == [
        f"SQLite database {src} is empty (0 bytes, which SQLite reads as a database with no tables): "
        "nothing was copied; check that src is the application's database"
    ]
    assert src.stat().st_size == 0


def test_a_database_with_no_tables_is_said_to_have_none(pg_db: Any, tmp_path: Path) -> None:
    src = make_sqlite(tmp_path / "none.sqlite", "PRAGMA user_version = 7;")
    assert os.path.getsize(src) > 0
    result = migrate_db(pg_db, src)
    assert result["changed"] is False
    assert result["warnings"] == [
        f"SQLite database {src} has no tables: nothing was copied; "
        "check that src is the application's database"
    ]


def test_nothing_but_sqlite_opens_the_file_once_connected(pg_db: Any, tmp_path: Path) -> None:
    """Closing any descriptor of the file would drop the snapshot's lock (item 1):
    every Python-level open of the database or its -wal/-shm/-journal comes before
    the first connection to it (audit events, which SQLite's own opens do not raise)."""
    src = Path(make_sqlite(tmp_path / "app.sqlite", SCHEMA, ROWS, wal=True))
    events: list[tuple[str, str]] = []
    recording = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if not recording[0] or event not in ("open", "sqlite3.connect"):
            return
        name = os.fsdecode(args[0]) if isinstance(args[0], str | bytes | os.PathLike) else ""
        if str(src) in name or src.resolve().as_uri() in name:
            events.append((event, name))

    sys.addaudithook(hook)  # cannot be removed: it stops recording at the end
    try:
        migrate_db(pg_db, str(src), check_source=True)
    finally:
        recording[0] = False
    first_connect = next(i for i, (event, _name) in enumerate(events) if event == "sqlite3.connect")
    assert [e for e in events[first_connect:] if e[0] == "open"] == []
    assert [e for e, _name in events].count("sqlite3.connect") == 2  # the snapshot's, the quick_check's
    assert row_counts(pg_db) == {"t": 2}
