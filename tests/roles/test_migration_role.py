"""roles/bwaincell_migration through playbooks/migrate.yml and rollback.yml on
this machine, where they must refuse before anything changes: settings of a
wrong type, a misspelt choice or a misspelt name (argument specs and the
role's check of its settings' names), and a pre-flight that finds the
inventory's SQLite file missing or not the one the application's .env names.
Each run gets its own application directory and report directory under
tmp_path; nothing in it may change, and no backup may be made."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def run_playbook(playbook: str, extra: dict) -> tuple[int, str]:
    """ansible-playbook on this machine (localhost, no become), extra as extra vars;
    returns the exit status and stdout + stderr with whitespace runs made single."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    variables = {"ansible_python_interpreter": "/usr/bin/python3", "ansible_become": False, **extra}
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PROJECT / "playbooks" / playbook)]
    run = subprocess.run(
        [*cmd, "-e", json.dumps(variables)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
    )
    return run.returncode, " ".join((run.stdout + run.stderr).split())


@pytest.fixture
def app(tmp_path: Path) -> dict:
    """An application directory with a live database, a stale copy and a .env
    naming the live one relatively; the settings that point the playbooks at it."""
    data = tmp_path / "app" / "data"
    data.mkdir(parents=True)
    for name in ("live.sqlite", "stale.sqlite"):
        with sqlite3.connect(data / name) as conn:
            conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
            conn.execute("INSERT INTO users (name) VALUES ('a')")
    (tmp_path / "app" / ".env").write_text("PORT=3000\nDATABASE_PATH=./data/live.sqlite\n")
    return {
        "bwaincell_app_dir": str(tmp_path / "app"),
        "bwaincell_app_sqlite_path": str(data / "live.sqlite"),
        "bwaincell_app_user": "root",
        "bwaincell_app_control": "none",
        "bwaincell_migration_report_dir": str(tmp_path / "reports"),
    }


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_refused_before_any_change(rc: int, out: str, app_dir: Path, before: dict[str, bytes]) -> None:
    assert rc == 2, out
    assert snapshot(app_dir) == before, "the application directory changed"
    assert not (app_dir / "data" / "backups").exists(), "a backup was made"
    assert "Back up the SQLite database" not in out, out


# --- settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("playbook", "extra", "message"),
    [
        (
            "migrate.yml",
            {"bwaincell_migration_verify": "countt"},
            "value of bwaincell_migration_verify must be one of: full, count, got: countt",
        ),
        (
            "migrate.yml",
            {"bwaincell_migration_read_ahead_mb": "lots"},
            "argument 'bwaincell_migration_read_ahead_mb' is of type str and we were unable to convert to",
        ),
        (
            "migrate.yml",
            {"bwaincell_migration_replace": "perhaps"},
            "argument 'bwaincell_migration_replace' is of type str and we were unable to convert to bool",
        ),
        (
            "migrate.yml",
            {"bwaincell_migration_tables": {"users": True}},
            "argument 'bwaincell_migration_tables' is of type dict and we were unable to convert to list",
        ),
        (
            "rollback.yml",
            {"bwaincell_rollback_dump": "perhaps"},
            "argument 'bwaincell_rollback_dump' is of type str and we were unable to convert to bool",
        ),
        (
            "rollback.yml",
            {"bwaincell_rollback_method": "copyback"},
            "value of bwaincell_rollback_method must be one of: copy_back, restore_backup, got: copyback",
        ),
        (
            "rollback.yml",
            {"bwaincell_rollback_extra": "keep"},
            "value of bwaincell_rollback_extra must be one of: fail, add, exclude, got: keep",
        ),
        (
            "migrate.yml",
            {"bwaincell_migration_verfy": "count"},
            "Unknown setting(s) bwaincell_migration_verfy on localhost: misspelt?",
        ),
        (
            "rollback.yml",
            {"bwaincell_rollback_froce": True},
            "Unknown setting(s) bwaincell_rollback_froce on localhost: misspelt?",
        ),
    ],
    ids=[
        "verify-choice",
        "read-ahead-not-int",
        "replace-not-bool",
        "tables-not-list",
        "rollback-dump-not-bool",
        "rollback-method-choice",
        "rollback-extra-choice",
        "misspelt-migration-name",
        "misspelt-rollback-name",
    ],
)
def test_wrong_setting_fails_before_any_change(app, playbook, extra, message):
    app_dir = Path(app["bwaincell_app_dir"])
    before = snapshot(app_dir)
    rc, out = run_playbook(playbook, {**app, **extra})
    assert message in out, out
    assert " changed=0 " in out, out
    assert_refused_before_any_change(rc, out, app_dir, before)


# --- the pre-flight: the file the application really uses ------------------------------


def test_inventory_naming_another_file_than_the_env_is_refused(app):
    app_dir = Path(app["bwaincell_app_dir"])
    before = snapshot(app_dir)
    stale = str(app_dir / "data" / "stale.sqlite")
    rc, out = run_playbook("migrate.yml", {**app, "bwaincell_app_sqlite_path": stale})
    assert_refused_before_any_change(rc, out, app_dir, before)
    assert "MIGRATION OF localhost FAILED at step 'preflight'" in out, out
    assert f"On localhost, the inventory's bwaincell_app_sqlite_path is {stale}" in out, out
    assert (
        f"has DATABASE_PATH=./data/live.sqlite, that is {app_dir}/data/live.sqlite: a different file" in out
    )
    assert "It was never stopped" in out


def test_env_naming_a_missing_file_is_refused(app):
    app_dir = Path(app["bwaincell_app_dir"])
    (app_dir / ".env").write_text("DATABASE_PATH='data/gone.sqlite'  \n")
    before = snapshot(app_dir)
    rc, out = run_playbook("migrate.yml", app)
    assert_refused_before_any_change(rc, out, app_dir, before)
    assert f"DATABASE_PATH=data/gone.sqlite, that is {app_dir}/data/gone.sqlite (which does not exist)" in out


def test_env_without_database_path_is_refused(app):
    app_dir = Path(app["bwaincell_app_dir"])
    (app_dir / ".env").write_text("PORT=3000\n# DATABASE_PATH=./data/live.sqlite\n")
    before = snapshot(app_dir)
    rc, out = run_playbook("migrate.yml", app)
    assert_refused_before_any_change(rc, out, app_dir, before)
    assert f"{app_dir}/.env has no DATABASE_PATH" in out, out


def test_missing_sqlite_file_names_the_file_and_the_host(app):
    """As a new user meets it (migrate.yml before the sample exists): the
    pre-flight says which file is missing on which host, not a template error."""
    app_dir = Path(app["bwaincell_app_dir"])
    before = snapshot(app_dir)
    missing = str(app_dir / "data" / "bwaincell.sqlite")
    rc, out = run_playbook("migrate.yml", {**app, "bwaincell_app_sqlite_path": missing})
    assert_refused_before_any_change(rc, out, app_dir, before)
    assert f"On localhost, the SQLite database {missing} (bwaincell_app_sqlite_path) does not exist" in out
    assert "has no attribute" not in out, out
