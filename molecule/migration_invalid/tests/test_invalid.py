"""migrate.yml on data PostgreSQL refuses: it fails, the app stays up on SQLite, PostgreSQL stays empty."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

APP = "/opt/bwaincell"
ENV = f"{APP}/.env"
DB = f"{APP}/data/bwaincell.sqlite"
TABLES = ("users", "lists", "tasks", "notes", "reminders", "budget", "schedules")
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))


def psql(host: Any, sql: str) -> list[str]:
    out = host.check_output(f"runuser -u postgres -- psql -X -d bwaincell -Atc {json.dumps(sql)}")
    return [ln for ln in out.splitlines() if ln]


def test_application_never_stopped(host: Any) -> None:
    before = json.loads(host.file("/root/bwaincell-service-at-prepare.json").content_string)
    now = {
        k: host.check_output(f"systemctl show -p {k} --value bwaincell.service")
        for k in ("MainPID", "ActiveEnterTimestampMonotonic", "NRestarts")
    }
    assert now["MainPID"] == before["MainPID"] != "0"
    assert now["ActiveEnterTimestampMonotonic"] == before["ActiveEnterTimestampMonotonic"]
    assert now["NRestarts"] == "0"


def test_application_on_sqlite_with_all_rows(host: Any) -> None:
    answer = json.loads(host.check_output("curl -sf --max-time 10 http://127.0.0.1:3000/health"))
    assert answer["status"] == "ok"
    assert answer["backend"] == "sqlite"
    script = (
        "import json, sqlite3, sys; c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True); "
        f"print(json.dumps({{t: c.execute('SELECT count(*) FROM ' + t).fetchone()[0] for t in {TABLES!r}}}))"
    )
    assert answer["counts"] == json.loads(host.check_output(f"python3 -c {json.dumps(script)} {DB}"))


def test_env_untouched(host: Any) -> None:
    env = host.file(ENV)
    assert "DATABASE_URL" not in env.content_string
    assert "DATABASE_PATH=./data/bwaincell.sqlite" in env.content_string
    assert env.mode == 0o600
    assert not host.file(f"{ENV}.sqlite").exists


def test_postgresql_holds_nothing(host: Any) -> None:
    """Only the empty schema the application created (converge.yml): the
    rehearsal's rollback undid its rows and its sequence restarts."""
    tables = psql(
        host,
        "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
    assert tables == sorted(f"public.{t}" for t in TABLES)
    counts = psql(host, " UNION ALL ".join(f"SELECT '{t}:' || count(*) FROM {t}" for t in TABLES))
    assert counts == [f"{t}:0" for t in TABLES]
    assert psql(
        host,
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
        " AND nspname <> 'information_schema'",
    ) == ["public"]
    sequences = psql(host, "SELECT sequencename || ':' || coalesce(last_value, 0) FROM pg_sequences")
    assert sequences and all(s.endswith(":0") for s in sequences), sequences


def test_report_says_why(host: Any) -> None:
    reports = sorted((EPHEMERAL / "reports").glob("migration-*.json"))
    assert reports
    (result,) = json.loads(reports[-1].read_text())["hosts"]
    assert result["status"] == "failed"
    assert result["failure"]["step"] == "rehearsal"
    assert result["app"]["stopped"] is False
    reasons = json.dumps(result["problems"])
    # priority: the application's enum type refuses 'urgent', which only a
    # rehearsal against the real schema can see.
    assert "title" in reasons and "list_id" in reasons and "priority" in reasons and "urgent" in reasons
    assert host.file(result["backup"]["path"]).exists
    output = (EPHEMERAL / "migrate-output.txt").read_text()
    assert "It was never stopped" in output
