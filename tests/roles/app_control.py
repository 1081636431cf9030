"""Shared helpers of the roles/bwaincell_app control tests
(test_app_control_compose.py, test_app_control_command.py).

``run_role`` runs one entry point of the role on this machine through
playbooks/bwaincell_app_control.yml (``ansible-playbook -c local``) and
returns the ansible.posix.json callback's report; ``sample_database`` writes
a sample SQLite database (scripts/bwaincell_sample.py) and counts its rows
per table of the stand-in application (tests/standin_app/bwaincell_standin.py),
whose ``/health`` answer ``health`` fetches."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bwaincell_sample import TABLES

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "bwaincell_app_control.yml"
STANDIN = PROJECT / "tests" / "standin_app" / "bwaincell_standin.py"
SAMPLE = PROJECT / "scripts" / "bwaincell_sample.py"


def standin_module() -> Any:
    """The stand-in application as a module (it is a script, copied alone to the hosts)."""
    spec = importlib.util.spec_from_file_location("bwaincell_standin", STANDIN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_database(path: Path, rows: int, seed: int) -> dict[str, int]:
    """Writes a sample database; returns its row count per table of the stand-in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(SAMPLE), "--rows", str(rows), "--seed", str(seed), str(path)]
    subprocess.run(cmd, check=True, capture_output=True)
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}


def health(port: int) -> dict | None:
    """The stand-in's /health answer on 127.0.0.1:port, None when nothing answers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}/health", timeout=3) as answer:
            return json.load(answer)
    except (urllib.error.URLError, OSError):
        return None


@dataclass
class PlaybookRun:
    rc: int
    out: str
    report: dict  # the ansible.posix.json report, {"plays": []} when stdout was not JSON
    stderr: str = ""

    def task(self, prefix: str) -> dict | None:
        """The result on localhost of the last task whose name (without the
        "<role> : " prefix) starts with prefix; None when no such task was
        reached. A task skipped by its `when` is there, with skipped: true."""
        found = None
        for play in self.report.get("plays", []):
            for task in play["tasks"]:
                if task["task"]["name"].split(" : ", 1)[-1].startswith(prefix):
                    found = task["hosts"].get("localhost", found)
        return found

    def summary(self) -> str:
        """One line per task (its state on localhost, and its msg), then stderr:
        shorter than out in an assertion's message."""
        lines = []
        for play in self.report.get("plays", []):
            for task in play["tasks"]:
                result = task["hosts"].get("localhost", {})
                state = next((key for key in ("failed", "skipped", "changed") if result.get(key)), "ok")
                msg = f" ({result['msg']})" if result.get("msg") and state != "skipped" else ""
                lines.append(f"{state}: {task['task']['name']}{msg}")
        rest = self.stderr if lines else self.out  # stdout too when it was not JSON
        return "\n".join([f"rc={self.rc}", *lines, rest[-3000:]]).rstrip()

    @property
    def changed(self) -> int:
        """How many tasks reported changed on localhost (the play recap)."""
        return self.report.get("stats", {}).get("localhost", {}).get("changed", 0)


def run_role(variables: dict, *args: str) -> PlaybookRun:
    """Runs the entry point ``variables["entry"]`` of roles/bwaincell_app on
    this machine, the variables as extra vars, args added to ansible-playbook's."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    variables = {"ansible_python_interpreter": "/usr/bin/python3", **variables}
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PLAYBOOK), *args]
    cmd += ["-e", json.dumps(variables)]
    run = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=180)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = {"plays": []}
    return PlaybookRun(run.returncode, run.stdout + run.stderr, report, run.stderr)
