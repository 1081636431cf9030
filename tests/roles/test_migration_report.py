"""The migration report (roles/bwaincell_migration) shows, per host, what of the SQLite
schema was not migrated (the module's 'skipped' list), rendered by Ansible itself."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "migration_report.yml"


def host(name: str, skipped: list[dict]) -> dict:
    return {
        "host": name, "status": "migrated", "seconds": 1.5, "downtime_seconds": 1.0, "started": "s",
        "finished": "f", "steps": [], "warnings": [],
        "source": {"path": "/srv/app.sqlite", "size": 10},
        "backup": {"path": "/b", "sha256": "x", "size": 10, "seconds": None, "pruned": []},
        "target": {"user": "u", "host": "h", "port": 5432, "db": "d", "schema": "public"},
        "tables": [{"name": "t", "source_rows": 1, "target_rows": 1, "created": True, "verified": True,
                    "seconds": 0.1, "digest": "ab"}],
        "skipped": skipped, "problems": [], "failure": None,
        "app": {"control": "none", "env_file": "/e", "health": None, "stopped": True,
                "back_on_sqlite": False},
    }  # fmt: skip


def test_the_report_lists_skipped_entries_per_host(tmp_path) -> None:
    report = tmp_path / "report.md"
    results = [
        host("pi", [
            {"kind": "trigger", "name": "posts_touch", "reason": "trigger bodies are not translated"},
            {"kind": "view", "name": "like_a", "reason": "does not translate: a || b LIKE 'x'"},
        ]),
        host("laptop", []),
    ]  # fmt: skip
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    done = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOK),
         "-e", "ansible_python_interpreter=/usr/bin/python3",  # as group_vars/local.yml has it
         "-e", json.dumps({"results": results, "report_file": str(report)})],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text()
    pi, laptop = text.split("## pi: migrated")[1].split("## laptop: migrated")
    assert "### Not migrated" in pi
    assert "| trigger | posts_touch | trigger bodies are not translated |" in pi
    assert "| view | like_a | does not translate: a &#124;&#124; b LIKE 'x' |" in pi  # one cell
    assert "Not migrated" not in laptop
