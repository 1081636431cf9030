"""roles/sqlite_backup's module: check, backup (retention, sha256) and restore, run as Ansible runs it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "roles" / "sqlite_backup" / "library" / "sqlite_backup.py"
sys.path.insert(0, str(REPO / "scripts"))

import bwaincell_sample  # noqa: E402


def run(args: dict[str, Any], tmp: Path, check_mode: bool = False) -> tuple[int, dict[str, Any]]:
    payload = dict(args)
    if check_mode:
        payload["_ansible_check_mode"] = True
    argsfile = tmp / f"args-{time.monotonic_ns()}.json"
    argsfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(argsfile)], capture_output=True, text=True, timeout=120, check=False
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, proc.stderr
    return proc.returncode, json.loads(lines[-1])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "app" / "bwaincell.sqlite"
    bwaincell_sample.create_sample(path, rows=500, seed=5)
    return path


def test_check_reports_integrity_counts_and_room(db: Path, tmp_path: Path) -> None:
    rc, res = run(
        {"command": "check", "src": str(db), "free_space_paths": [str(tmp_path / "not" / "yet")]}, tmp_path
    )
    assert rc == 0 and res["changed"] is False
    assert res["integrity"] == "ok" and res["readable"] and res["size"] == db.stat().st_size
    assert res["counts"]["tasks"] == bwaincell_sample.table_counts(db)["tasks"]
    assert res["free"][str(tmp_path / "not" / "yet")] > 0
    rc, res = run({"command": "check", "src": str(tmp_path / "missing.sqlite")}, tmp_path)
    assert rc == 0 and res["exists"] is False


def test_check_finds_a_damaged_file(db: Path, tmp_path: Path) -> None:
    data = bytearray(db.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = b"\xff" * 200
    db.write_bytes(bytes(data))
    rc, res = run({"command": "check", "src": str(db)}, tmp_path)
    assert rc == 0
    assert res["integrity"] != "ok"


def test_backup_retention_and_restore(db: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    made = []
    for i in range(3):
        conn = sqlite3.connect(db)  # each backup of a different state
        with conn:
            conn.execute("UPDATE users SET name = ? WHERE id = 1", (f"state {i}",))
        conn.close()
        rc, res = run({"command": "backup", "src": str(db), "dest_dir": str(dest), "keep": 2}, tmp_path)
        assert rc == 0, res
        made.append(res)
        assert sha(Path(res["path"])) == res["sha256"]
        assert (Path(res["path"] + ".sha256")).read_text().split()[0] == res["sha256"]
        assert Path(res["path"]).stat().st_mode & 0o777 == 0o600
        assert Path(res["path"] + ".sha256").stat().st_mode & 0o777 == 0o600
    assert made[2]["pruned"] == [made[0]["path"]]
    assert sorted(made[2]["backups"]) == sorted([made[1]["path"], made[2]["path"]])

    # The application writes after the backup; a restore puts the backup back.
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM notes")
    conn.close()
    rc, res = run({"command": "restore", "src": str(db), "dest_dir": str(dest)}, tmp_path, check_mode=True)
    assert rc == 0 and res["changed"] is True
    assert bwaincell_sample.table_counts(db)["notes"] == 0  # check mode changed nothing
    rc, res = run({"command": "restore", "src": str(db), "dest_dir": str(dest)}, tmp_path)
    assert rc == 0 and res["changed"] is True
    assert res["path"] == made[2]["path"]
    assert sha(db) == made[2]["sha256"]
    assert Path(res["replaced"]).exists()
    assert bwaincell_sample.table_counts(Path(res["replaced"]))["notes"] == 0
    # Twice: nothing to do.
    rc, res = run({"command": "restore", "src": str(db), "dest_dir": str(dest)}, tmp_path)
    assert rc == 0 and res["changed"] is False

    # A named backup, by file name.
    rc, res = run(
        {"command": "restore", "src": str(db), "dest_dir": str(dest), "backup": Path(made[1]["path"]).name},
        tmp_path,
    )
    assert rc == 0 and res["changed"] is True and sha(db) == made[1]["sha256"]


def test_restore_refuses_a_backup_whose_sha256_differs(db: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    rc, res = run({"command": "backup", "src": str(db), "dest_dir": str(dest)}, tmp_path)
    assert rc == 0
    side = Path(res["path"] + ".sha256")
    side.write_text("0" * 64 + "  x\n")
    before = sha(db)
    rc, res = run({"command": "restore", "src": str(db), "dest_dir": str(dest)}, tmp_path)
    assert rc != 0 and "refusing to restore" in res["msg"]
    assert sha(db) == before
    rc, res = run({"command": "restore", "src": str(db), "dest_dir": str(tmp_path / "empty")}, tmp_path)
    assert rc != 0 and "no backup" in res["msg"]
