"""postgres_to_sqlite through Ansible: AnsiballZ ships module_utils/sqlite_pg's reverse files,
check mode leaves dest alone, the result comes back as documented."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bwaincell_sample import create_sample, table_counts
from helpers import migrate_db
from test_ansible_module import run_playbook

pytestmark = pytest.mark.integration

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Back to SQLite
      postgres_to_sqlite:
        dest: "{{ dest }}"
        template: "{{ template }}"
        login_host: "{{ pg.login_host }}"
        login_port: "{{ pg.port }}"
        login_user: "{{ pg.login_user }}"
        login_password: "{{ pg.login_password }}"
        login_db: "{{ pg.login_db }}"
        ssl_mode: disable
        backup: true
      register: back
    - name: Show
      ansible.builtin.copy:
        content: "{{ back | to_json }}"
        dest: "{{ out }}"
"""


def test_module_runs_through_ansible(pg_db, tmp_path: Path) -> None:
    template = tmp_path / "template.sqlite"
    create_sample(template, rows=300, seed=13)
    migrate_db(pg_db, template)
    pg_db.execute("DELETE FROM notes WHERE id > 10")
    dest = tmp_path / "app" / "bwaincell.sqlite"
    dest.parent.mkdir()
    shutil.copy(template, dest)
    before = dest.read_bytes()
    out = tmp_path / "result.json"
    variables = {"dest": str(dest), "template": str(template), "pg": pg_db.module_args(), "out": str(out)}

    checked = run_playbook(tmp_path, variables, "--check", play=PLAYBOOK)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert dest.read_bytes() == before
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]

    done = run_playbook(tmp_path, variables, play=PLAYBOOK)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["changed"] is True
    assert all(t["verified"] for t in result["tables"])
    assert table_counts(dest)["notes"] == 10
    assert Path(result["backup_file"]).read_bytes() == before
    assert pg_db.module_args()["login_password"] not in done.stdout
