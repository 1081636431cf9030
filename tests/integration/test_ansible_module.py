"""The real module through Ansible: AnsiballZ must ship module_utils/sqlite_pg
(a package with relative imports) and the result must come back as documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bwaincell_sample import create_sample

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Copy
      sqlite_to_postgres:
        src: "{{ src }}"
        login_host: "{{ pg.login_host }}"
        login_port: "{{ pg.port }}"
        login_user: "{{ pg.login_user }}"
        login_password: "{{ pg.login_password }}"
        login_db: "{{ pg.login_db }}"
        ssl_mode: disable
      register: copy
    - name: Show
      ansible.builtin.copy:
        content: "{{ copy | to_json }}"
        dest: "{{ out }}"
"""


def run_playbook(
    tmp_path: Path, variables: dict, *flags: str, play: str = PLAYBOOK
) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "play.yml"
    playbook.write_text(play)
    varfile = tmp_path / "vars.json"
    varfile.write_text(json.dumps(variables))
    varfile.chmod(0o600)  # holds the password: never on a command line
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", f"@{varfile}"]
    command += [str(playbook), *flags]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_module_runs_through_ansible(pg_db, tmp_path: Path) -> None:
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=300, seed=11)
    out = tmp_path / "result.json"
    variables = {"src": str(src), "pg": pg_db.module_args(), "out": str(out)}

    checked = run_playbook(tmp_path, variables, "--check", "--diff")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert pg_db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]

    first = run_playbook(tmp_path, variables)
    assert first.returncode == 0, first.stdout + first.stderr
    result = json.loads(out.read_text())
    assert result["changed"] is True
    assert {t["name"] for t in result["tables"]} >= {"users", "tasks", "notes"}
    assert all(t["verified"] for t in result["tables"])
    assert pg_db.module_args()["login_password"] not in first.stdout

    second = run_playbook(tmp_path, variables)
    assert second.returncode == 0, second.stdout + second.stderr
    assert json.loads(out.read_text())["changed"] is False
