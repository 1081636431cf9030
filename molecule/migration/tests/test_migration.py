"""migrate.yml and rollback.yml on a host with the stand-in application.

The same tests run after each phase; the host's migration state file tells
which: ``migrated`` (after converge) or ``rolled_back`` (after each side
effect). Before the first rollback the application wrote on PostgreSQL
(side_effect.yml: a note inserted, a task updated, a note deleted); the
rollback copies PostgreSQL back (bwaincell_rollback_method copy_back), so
those writes must be in the SQLite file the application serves again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

APP = "/opt/bwaincell"
DB = f"{APP}/data/bwaincell.sqlite"
BACKUPS = f"{APP}/data/backups"
STATE = f"{BACKUPS}/migration-state.json"
ENV = f"{APP}/.env"
TABLES = ("users", "lists", "tasks", "notes", "reminders", "budget", "schedules")
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))


def state(host: Any) -> dict[str, Any]:
    return json.loads(host.file(STATE).content_string)


def health(host: Any) -> dict[str, Any]:
    return json.loads(host.check_output("curl -sf --max-time 10 http://127.0.0.1:3000/health"))


def sqlite_counts(host: Any, path: str) -> dict[str, int]:
    script = (
        "import json, sqlite3, sys; c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); "
        f"print(json.dumps({{t: c.execute('SELECT count(*) FROM ' + t).fetchone()[0] for t in {TABLES!r}}}))"
    )
    return json.loads(host.check_output(f"python3 -c {json.dumps(script)} {path}"))


def sha256(host: Any, path: str) -> str:
    return host.check_output(f"sha256sum {path}").split()[0]


def latest_backup(host: Any) -> str:
    return host.check_output(f"ls -1 {BACKUPS}/bwaincell_*.sqlite | sort | tail -n 1")


def sqlite_row(host: Any, table: str, key: Any) -> list[Any] | None:
    script = (
        "import json, sqlite3, sys; c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); "
        "r = c.execute('SELECT * FROM ' + sys.argv[2] + ' WHERE id = ?', (sys.argv[3],)).fetchone(); "
        "print(json.dumps(None if r is None else [v if not isinstance(v, bytes) else v.hex() for v in r]))"
    )
    return json.loads(host.check_output(f"python3 -c {json.dumps(script)} {DB} {table} {key}"))


def writes() -> dict[str, Any]:
    """What side_effect.yml wrote on PostgreSQL, and PostgreSQL's counts after it."""
    return json.loads((EPHEMERAL / "writes-on-postgres.json").read_text())


@pytest.fixture
def phase(host: Any) -> str:
    return state(host)["status"]


def test_service_runs(host: Any) -> None:
    svc = host.service("bwaincell.service")
    assert svc.is_running


def test_backend_and_counts(host: Any, phase: str) -> None:
    answer = health(host)
    assert answer["status"] == "ok"
    expected = sqlite_counts(host, latest_backup(host))
    assert all(expected[t] > 0 for t in TABLES)
    if phase == "migrated":
        assert answer["backend"] == "postgres"
        assert answer["counts"] == expected
    else:
        assert phase == "rolled_back"
        assert answer["backend"] == "sqlite"
        assert answer["database"] == DB
        # What PostgreSQL held after the application's writes, not the backup's counts.
        assert answer["counts"] == writes()["counts"]
        assert answer["counts"]["notes"] == expected["notes"]  # one inserted, one deleted


def test_env_file(host: Any, phase: str) -> None:
    env = host.file(ENV)
    assert env.mode == 0o600
    assert env.user == "bwaincell"
    assert env.group == "bwaincell"
    text = env.content_string
    active = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert "DATABASE_PATH=./data/bwaincell.sqlite" in active
    assert "DISCORD_TOKEN=not-a-real-token" in active
    urls = [ln for ln in active if ln.startswith("DATABASE_URL=")]
    kept = host.file(f"{ENV}.sqlite")
    assert kept.exists and kept.mode == 0o600 and kept.user == "bwaincell"
    assert "DATABASE_URL" not in kept.content_string
    if phase == "migrated":
        assert len(urls) == 1
        quoted = urls[0].split("=", 1)[1]
        # Single-quoted (roles/bwaincell_app/filter_plugins/bwaincell_dotenv.py).
        assert quoted[0] == quoted[-1] == "'"
        url = quoted[1:-1]
        assert url.startswith("postgresql://bwaincell:")
        assert url.endswith("@127.0.0.1:5432/bwaincell")
        password = (EPHEMERAL / "postgresql_app_password").read_text().strip()
        userinfo = url[len("postgresql://") : url.rindex("@")]
        # Percent-encoded: nothing in the password part can end the user-info.
        assert not any(ch in userinfo.split(":", 1)[1] for ch in "@/?#")
        assert unquote(userinfo.split(":", 1)[1]) == password
    else:
        assert urls == []


def test_backup_and_its_sha256(host: Any) -> None:
    backup = latest_backup(host)
    f = host.file(backup)
    assert f.mode == 0o600
    side = host.file(backup + ".sha256")
    assert side.mode == 0o600
    assert side.content_string.split()[0] == sha256(host, backup)
    assert (
        host.check_output(
            f"python3 -c \"import sqlite3; print(sqlite3.connect('{backup}')"
            ".execute('PRAGMA integrity_check').fetchone()[0])\""
        )
        == "ok"
    )


def test_report_on_the_controller(host: Any) -> None:
    reports = sorted((EPHEMERAL / "reports").glob("migration-*.json"))
    assert reports, "no migration report"
    assert reports[-1].with_suffix(".md").exists()
    data = json.loads(reports[-1].read_text())
    (result,) = [h for h in data["hosts"] if h["host"] == "mig-debian12"]
    assert result["status"] == "migrated"
    assert result["failure"] is None
    tables = {t["name"]: t for t in result["tables"]}
    assert set(tables) == set(TABLES)
    for t in tables.values():
        assert t["verified"] is True
        # Into the application's own tables (converge.yml), not new ones.
        assert t["created"] is False and t["action"] == "loaded"
        assert t["source_rows"] == t["target_rows"] > 0
        assert t["digest"]
    assert result["backup"]["sha256"] == sha256(host, result["backup"]["path"])
    steps = [s["step"] for s in result["steps"]]
    assert steps == [
        "preflight",
        "backup",
        "provision",
        "rehearsal",
        "stage",
        "stop",
        "copy",
        "switch",
        "start",
        "backups",
    ]
    assert result["app"]["health"]["json"]["backend"] == "postgres"
    # pgBackRest set up after the start, its first full backup in the report.
    assert result["pg_backup"]["enabled"] and not result["pg_backup"]["error"], result["pg_backup"]
    assert result["pg_backup"]["last"]["label"].endswith("F")
    # The downtime (stop to healthy start) is its own figure, within the steps it spans.
    window = sum(s["seconds"] for s in result["steps"] if s["step"] in ("stop", "copy", "switch"))
    assert (
        0
        < window
        < result["downtime_seconds"]
        < window + next(s["seconds"] for s in result["steps"] if s["step"] == "start") + 0.01
    )
    # Only the copy and the start are in it: the .env was staged before the stop.
    assert not host.file(f"{ENV}.staged").exists


def test_rolled_back_database_holds_what_postgresql_held(host: Any, phase: str) -> None:
    st = state(host)
    if phase == "migrated":
        # Nothing copied back or dumped yet: the rollback's traces must be absent.
        assert "restored_backup" not in st and "pg_dump" not in st
        assert not (EPHEMERAL / "writes-on-postgres.json").exists()
        return
    assert st["method"] == "copy_back"
    done = writes()
    inserted = sqlite_row(host, "notes", done["inserted_note"])
    assert inserted is not None and "written on PostgreSQL" in inserted
    assert sqlite_row(host, "notes", done["deleted_note"]) is None
    updated = sqlite_row(host, "tasks", done["updated_task"])
    assert updated is not None and "renamed on PostgreSQL" in updated
    # The module's count of the writes since the cut-over, against the backup by primary key.
    assert st["changes"] == {"inserted": 1, "updated": 1, "deleted": 1, "not_compared": []}
    # The template was the cut-over backup; the SQLite file the copy replaced is kept beside it.
    assert sha256(host, st["restored_backup"]) == st["restored_sha256"]
    previous = host.file(st["replaced_file"])
    assert st["replaced_file"].startswith(DB + ".") and st["replaced_file"].endswith(".bak")
    assert previous.exists and previous.user == "bwaincell"
    assert sqlite_counts(host, st["replaced_file"]) == sqlite_counts(host, st["restored_backup"])
    db = host.file(DB)
    assert (db.user, db.group, db.mode) == ("bwaincell", "bwaincell", 0o640)  # as the file it replaced
    dump = host.file(st["pg_dump"])
    assert dump.exists and dump.mode == 0o600 and dump.size > 0
    assert sha256(host, st["pg_dump"]) == st["pg_dump_sha256"]
    assert st["previous"]["status"] == "migrated"


def test_failed_rollback_put_the_application_back_on_postgres(host: Any, phase: str) -> None:
    """side_effect.yml's first rollback fails at its pg_dump, after the stop."""
    output = EPHEMERAL / "rollback-fault-output.txt"
    if phase == "migrated":
        assert not output.exists()
        return
    text = output.read_text()
    assert "ROLLBACK OF mig-debian12 FAILED at step 'dump'" in text
    assert "was stopped, then started again on PostgreSQL" in text
    answer = json.loads((EPHEMERAL / "rollback-fault-health.json").read_text())
    assert answer["status"] == "ok" and answer["backend"] == "postgres"
    assert answer["counts"] == writes()["counts"]
    # The state it failed in is kept: the real rollback then saw "migrated".
    assert state(host)["previous"]["status"] == "migrated"


def test_rollback_report_on_the_controller(host: Any, phase: str) -> None:
    reports = sorted((EPHEMERAL / "reports").glob("rollback-*.json"))
    if phase == "migrated":
        assert not reports
        return
    # The failed rollback's, then the real one's (rollback.yml --check's between them).
    data = json.loads(reports[-1].read_text())
    assert reports[-1].with_suffix(".md").exists()
    assert data["report"] == "bwaincell-rollback" and data["check_mode"] is False
    (result,) = data["hosts"]
    assert (result["status"], result["method"], result["failure"]) == ("rolled_back", "copy_back", None)
    assert [s["step"] for s in result["steps"]] == ["check", "stop", "dump", "copy", "switch", "start"]
    tables = {t["name"]: t for t in result["tables"]}
    assert set(tables) == set(TABLES)
    for t in tables.values():
        assert t["verified"] and t["digest"] and t["source_rows"] == t["target_rows"] > 0
    assert tables["notes"]["changes"] == {"inserted": 1, "updated": 0, "deleted": 1}
    assert tables["tasks"]["changes"] == {"inserted": 0, "updated": 1, "deleted": 0}
    assert result["changes"] == state(host)["changes"]
    assert 0 < result["downtime_seconds"] < result["seconds"]
    text = reports[-1].with_suffix(".md").read_text()
    assert "| notes | " in text and "1 inserted, 1 updated, 1 deleted" in text
