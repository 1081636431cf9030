"""The failure's ``kind``: the cases a caller must tell apart (the migration
role's summary does) are told by a field, not by the message's words; and the
Ansible face returns it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_sqlite, migrate_db, options_for, run_failing
from pgserver import free_port
from sqlite_pg import migrate
from sqlite_pg.errors import KINDS, MigrationError

ROOT = Path(__file__).resolve().parents[2]

LIE = (
    "CREATE TABLE tasks (id serial PRIMARY KEY, title varchar(50) NOT NULL);"
    "CREATE FUNCTION lie() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.id = 3 THEN NEW.title := 'tampered'; END IF; RETURN NEW; END $$;"
    "CREATE TRIGGER lie BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION lie();"
)


@pytest.fixture
def tasks(tmp_path: Path) -> str:
    return make_sqlite(
        tmp_path / "app.sqlite",
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL);",
        {"tasks": [(i, f"task {i}") for i in range(1, 6)]},
    )


def test_target_not_empty(pg_db, tasks: str) -> None:
    migrate_db(pg_db, tasks)
    pg_db.execute("UPDATE tasks SET title = 'changed' WHERE id = 2")
    assert run_failing(pg_db, tasks).kind == "target_not_empty"


def test_target_not_empty_wins_over_bad_data_found_with_it(pg_db, tmp_path: Path) -> None:
    """One report lists both; the summary must still say that the target holds other rows."""
    src = make_sqlite(
        tmp_path / "two.sqlite",
        "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT);",
        {"a": [(1, "x")], "b": [(1, "y" * 30)]},
    )
    pg_db.execute("CREATE TABLE a (id int PRIMARY KEY, v text); INSERT INTO a VALUES (1, 'other');")
    pg_db.execute("CREATE TABLE b (id int PRIMARY KEY, v varchar(10));")
    error = run_failing(pg_db, src)
    assert error.kind == "target_not_empty"
    assert {p["table"] for p in error.problems} == {"a", "b"}


def test_bad_data(pg_db, tasks: str) -> None:
    pg_db.execute("CREATE TABLE tasks (id int PRIMARY KEY, title varchar(5) NOT NULL)")
    error = run_failing(pg_db, tasks)
    assert error.kind == "data"
    assert error.problems and error.problems[0]["column"] == "title"


def test_connection(pg_db, tasks: str) -> None:
    options = options_for(pg_db, tasks)
    options.connection = options.connection.__class__(**{**options.connection.__dict__, "port": free_port()})
    with pytest.raises(MigrationError) as info:
        migrate.run(options)
    assert info.value.kind == "connection"


def test_verification(pg_db, tasks: str) -> None:
    pg_db.execute(LIE)
    assert run_failing(pg_db, tasks).kind == "verification"


def test_anything_else_is_error(pg_db, tmp_path: Path) -> None:
    error = run_failing(pg_db, str(tmp_path / "nope.sqlite"))
    assert error.kind == "error"
    assert set(KINDS) == {"error", "connection", "target_not_empty", "data", "verification"}


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Copy
      sqlite_to_postgres:
        src: "{{ src }}"
        login_host: "{{ pg.login_host }}"
        port: "{{ pg.port }}"
        login_user: "{{ pg.login_user }}"
        login_password: "{{ pg.login_password }}"
        login_db: "{{ pg.login_db }}"
        ssl_mode: disable
      register: copy
      ignore_errors: true
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ copy | to_json }}"
        dest: "{{ out }}"
"""


@pytest.mark.integration
def test_the_module_returns_kind(pg_db, tasks: str, tmp_path: Path) -> None:
    migrate_db(pg_db, tasks)
    pg_db.execute("UPDATE tasks SET title = 'changed' WHERE id = 2")
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    out = tmp_path / "result.json"
    varfile = tmp_path / "vars.json"
    varfile.write_text(json.dumps({"src": tasks, "pg": pg_db.module_args(), "out": str(out)}))
    varfile.chmod(0o600)  # holds the password: never on a command line
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", f"@{varfile}"]
    run = subprocess.run(
        [*command, str(tmp_path / "play.yml")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result["failed"] is True
    assert result["kind"] == "target_not_empty"
    assert result["problems"][0]["table"] == "tasks"
