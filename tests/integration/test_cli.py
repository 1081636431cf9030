"""The command lines run for real (python -m, as a user runs them without installing)
against the suite's PostgreSQL: copy, check with a bad value, --json, the exit
statuses, the password from PGPASSWORD, PGPASSFILE or never an argument, and the
reverse copy's face."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bwaincell_sample import POSTGRES_DDL, create_sample
from helpers import user_tables

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FORWARD = "module_utils.sqlite_pg.cli.sqlite_to_postgres"
REVERSE = "module_utils.sqlite_pg.cli.postgres_to_sqlite"


def url_of(db, user: str | None = None) -> str:
    args = db.module_args()
    return f"postgresql://{user or args['login_user']}@{args['login_host']}:{args['port']}/{args['login_db']}"


def cli(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def env_for(db, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**env, "PGPASSWORD": db.module_args()["login_password"], "PGPASSFILE": os.devnull, **extra}


def source_counts(src: Path) -> dict[str, int]:
    conn = sqlite3.connect(src)
    try:
        listed = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        )
        names = [r[0] for r in listed]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=200, seed=5)
    return src


def test_copy_then_again_unchanged(pg_db, sample: Path) -> None:
    env = env_for(pg_db)
    done = cli(FORWARD, "copy", str(sample), url_of(pg_db), "--ssl-mode", "disable", env=env)
    assert done.returncode == 0, done.stderr
    counts = source_counts(sample)
    for table, rows in counts.items():
        assert f"{table}: created, {rows} rows, verified\n" in done.stdout
    assert (
        f"copied and verified {sum(counts.values())} rows in {len(counts)} tables; committed" in done.stdout
    )
    assert "rows/s" not in done.stderr  # not a terminal: no progress display
    assert {"users", "tasks", "notes"} <= set(user_tables(pg_db))
    again = cli(FORWARD, "copy", str(sample), url_of(pg_db), "--ssl-mode", "disable", "--json", env=env)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["changed"] is False
    assert {t["action"] for t in result["tables"]} == {"unchanged"}
    assert isinstance(result["warnings_list"], list)


def test_check_names_the_bad_value_and_writes_nothing(pg_db, tmp_path: Path) -> None:
    src = tmp_path / "bad.sqlite"
    create_sample(src, rows=200, seed=5, defects=["varchar"])
    checked = cli(FORWARD, "check", str(src), url_of(pg_db), "--ssl-mode", "disable", env=env_for(pg_db))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "tasks.title [id=" in checked.stderr
    assert "260 characters, longer than character varying(200)" in checked.stderr
    assert "1 problem(s) found; PostgreSQL is unchanged" in checked.stderr
    assert user_tables(pg_db) == []
    as_json = cli(
        FORWARD, "check", str(src), url_of(pg_db), "--ssl-mode", "disable", "--json", env=env_for(pg_db)
    )
    assert as_json.returncode == 1
    failed = json.loads(as_json.stdout)
    assert failed["failed"] is True and failed["kind"] == "data"
    assert [(p["table"], p["column"]) for p in failed["problems"]] == [("tasks", "title")]


def test_check_of_a_good_database_says_what_it_would_do(pg_db, sample: Path) -> None:
    checked = cli(FORWARD, "check", str(sample), url_of(pg_db), "--ssl-mode", "disable", env=env_for(pg_db))
    assert checked.returncode == 0, checked.stderr
    counts = source_counts(sample)
    assert f"users: would be created, {counts['users']} rows, verified" in checked.stdout
    assert "PostgreSQL would run:" in checked.stdout
    assert "rolled back" in checked.stdout
    assert user_tables(pg_db) == []
    # What each table would become: the types of the columns it would create.
    result = json.loads(
        cli(
            FORWARD,
            "check",
            str(sample),
            url_of(pg_db),
            "--ssl-mode",
            "disable",
            "--json",
            env=env_for(pg_db),
        ).stdout
    )
    users = next(t for t in result["tables"] if t["name"] == "users")
    assert users["column_types"]["id"] == "integer"
    lines = checked.stdout.splitlines()
    shown = lines[lines.index(f"users: would be created, {counts['users']} rows, verified") + 1]
    assert set(shown.strip().split(", ")) == {f"{c} {t}" for c, t in users["column_types"].items()}


def test_check_into_existing_tables_shows_their_column_types(pg_db, sample: Path) -> None:
    for statement in POSTGRES_DDL:
        pg_db.execute(statement)
    checked = cli(
        FORWARD, "check", str(sample), url_of(pg_db), "--ssl-mode", "disable", "--json", env=env_for(pg_db)
    )
    assert checked.returncode == 0, checked.stderr
    tasks = next(t for t in json.loads(checked.stdout)["tables"] if t["name"] == "tasks")
    assert tasks["action"] == "loaded" and tasks["created"] is False
    real = dict(
        pg_db.query(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'tasks'::regclass AND attnum > 0 AND NOT attisdropped"
        )
    )
    assert tasks["column_types"] == {c: real[c] for c in tasks["column_types"]}
    assert set(tasks["column_types"]) == set(real)


def test_password_from_pgpassfile(pg_db, sample: Path, tmp_path: Path) -> None:
    args = pg_db.module_args()
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{args['login_user']}:{args['login_password']}\n")
    passfile.chmod(0o600)
    env = env_for(pg_db, PGPASSFILE=str(passfile))
    del env["PGPASSWORD"]
    done = cli(FORWARD, "copy", str(sample), url_of(pg_db), "--ssl-mode", "disable", env=env)
    assert done.returncode == 0, done.stderr


def test_connection_errors_exit_2(pg_db, sample: Path) -> None:
    env = env_for(pg_db, PGPASSWORD="wrong")
    wrong = cli(FORWARD, "copy", str(sample), url_of(pg_db), "--ssl-mode", "disable", env=env)
    assert wrong.returncode == 2
    assert "password authentication failed" in wrong.stderr
    env = env_for(pg_db)
    del env["PGPASSWORD"]
    none = cli(FORWARD, "copy", str(sample), url_of(pg_db), "--ssl-mode", "disable", env=env)
    assert none.returncode == 2, none.stderr  # no terminal to ask on
    assert user_tables(pg_db) == []


def test_password_in_the_url_is_refused(pg_db, sample: Path) -> None:
    args = pg_db.module_args()
    url = url_of(pg_db, user=f"{args['login_user']}:{args['login_password']}")
    refused = cli(FORWARD, "copy", str(sample), url, env=env_for(pg_db))
    assert refused.returncode == 2
    assert "PGPASSWORD" in refused.stderr
    assert args["login_password"] not in refused.stderr
    assert user_tables(pg_db) == []


def test_reverse_copy_and_check(pg_db, sample: Path, tmp_path: Path) -> None:
    env = env_for(pg_db)
    assert cli(FORWARD, "copy", str(sample), url_of(pg_db), "--ssl-mode", "disable", env=env).returncode == 0
    dest = tmp_path / "back.sqlite"
    flags = ["--template", str(sample), "--ssl-mode", "disable"]
    checked = cli(REVERSE, "check", url_of(pg_db), str(dest), *flags, env=env)
    assert checked.returncode == 0, checked.stderr
    assert f"users: copied, {source_counts(sample)['users']} rows, verified" in checked.stdout
    assert not dest.exists()
    done = cli(REVERSE, "copy", url_of(pg_db), str(dest), *flags, "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["dest"] == str(dest) and dest.exists()
    assert {t["name"]: t["rows"] for t in result["tables"]}["users"] == source_counts(sample)["users"]


def test_console_script_as_setup_installs_it(pg_db, sample: Path, tmp_path: Path) -> None:
    """pyproject.toml's console script, installed as scripts/setup.sh does (in a
    virtualenv of its own here, borrowing this one's packages)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    installed = subprocess.run(
        [*pip, "install", "-q", "--no-deps", "-e", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, installed.stderr
    env = env_for(pg_db, PYTHONPATH=":".join(p for p in sys.path if p.endswith("site-packages")))
    checked = subprocess.run(
        [
            str(venv / "bin" / "sqlite-to-postgres"),
            "check",
            str(sample),
            url_of(pg_db),
            "--ssl-mode",
            "disable",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "rolled back" in checked.stdout
