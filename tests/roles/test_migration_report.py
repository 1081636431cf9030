"""The migration report (roles/bwaincell_migration) shows, per host, what of the SQLite
schema was not migrated (the module's 'skipped' list); the rollback report, written by the same
template, the writes since the cut-over per table. Rendered by Ansible itself."""

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


def render(tmp_path: Path, results: list[dict], kind: str = "migration") -> str:
    report = tmp_path / "report.md"
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    done = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOK),
         "-e", "ansible_python_interpreter=/usr/bin/python3",  # as group_vars/local.yml has it
         "-e", json.dumps({"results": results, "report_file": str(report), "kind": kind})],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return report.read_text()


def test_the_report_lists_skipped_entries_per_host(tmp_path) -> None:
    results = [
        host("pi", [
            {"kind": "trigger", "name": "posts_touch", "reason": "trigger bodies are not translated"},
            {"kind": "view", "name": "like_a", "reason": "does not translate: a || b LIKE 'x'"},
        ]),
        host("laptop", []),
    ]  # fmt: skip
    text = render(tmp_path, results)
    pi, laptop = text.split("## pi: migrated")[1].split("## laptop: migrated")
    assert "### Not migrated" in pi
    assert "| trigger | posts_touch | trigger bodies are not translated |" in pi
    assert "| view | like_a | does not translate: a &#124;&#124; b LIKE 'x' |" in pi  # one cell
    assert "Not migrated" not in laptop


def rolled_back(name: str) -> dict:
    """A host's bwaincell_rollback_result as roles/bwaincell_migration/tasks/rollback_result.yml makes it."""
    result = host(name, [])
    result.update(
        status="rolled_back", method="copy_back", changes_counted="by the copy",
        changes={"inserted": 3, "updated": 2, "deleted": 1, "not_compared": []},
        copy_back={"done": True, "previous_file": "/srv/app.sqlite.20260101_000000.bak"}, restored={},
        dump={"path": "/d.pgc", "sha256": "y"},
        tables=[
            {"name": "notes", "source_rows": 12, "target_rows": 12, "action": "copied", "verified": True,
             "seconds": 0.1, "digest": "cd", "changes": {"inserted": 3, "updated": 0, "deleted": 1}},
            {"name": "users", "source_rows": 5, "target_rows": 5, "action": "copied", "verified": True,
             "seconds": 0.1, "digest": "ef", "changes": {"inserted": 0, "updated": 2, "deleted": 0}},
        ],
    )  # fmt: skip
    result["app"]["back_on_postgres"] = False
    return result


def test_the_rollback_report_gives_the_writes_since_the_cut_over(tmp_path) -> None:
    text = render(tmp_path, [rolled_back("pi")], kind="rollback")
    assert text.startswith("# Bwaincell rollback report")
    assert "| pi | **rolled_back** (copy_back) |" in text
    assert "| 17 | 3 inserted, 2 updated, 1 deleted | /b |" in text  # rows written, the writes
    assert "| notes | 12 | 12 | 3 | 0 | 1 | True | 0.1 | `cd` |" in text
    assert "| users | 5 | 5 | 0 | 2 | 0 | True | 0.1 | `ef` |" in text
    assert "the previous file is kept as `/srv/app.sqlite.20260101_000000.bak`" in text
    assert "since the cut-over (by the copy): 3 rows inserted, 2 updated, 1 deleted" in text
