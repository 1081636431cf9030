"""Runs playbooks/check.yml against a Molecule scenario's host, through the
scenario's own inventory (the same connection and variables as the converge),
and returns the JSON report it wrote on the controller."""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CheckRun:
    rc: int
    output: str
    report: dict[str, Any]
    lines: dict[str, dict[str, str]]

    def status(self, check: str) -> str:
        return self.lines[check]["status"]


def run_check(host: str, *args: str) -> CheckRun:
    ephemeral = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
    report_dir = ephemeral / f"check-reports-{len(list(ephemeral.glob('check-reports-*')))}"
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.update(ANSIBLE_PIPELINING="true", ANSIBLE_FORCE_COLOR="0")
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    cmd = [
        "ansible-playbook",
        "-i",
        str(ephemeral / "inventory"),
        str(PROJECT / "playbooks" / "check.yml"),
        "-l",
        host,
        "-e",
        f"host_check_report_dir={report_dir}",
        *args,
    ]
    done = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=1200)
    reports = sorted(report_dir.glob("check-*.json"))
    assert len(reports) == 1, f"no report in {report_dir}:\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    report = json.loads(reports[0].read_text())
    lines = {line["check"]: line for line in report["hosts"][host]}
    return CheckRun(done.returncode, done.stdout + done.stderr, report, lines)


@functools.cache
def healthy_check(host: str) -> CheckRun:
    """The scenario's check of its healthy host, run once for all the test files."""
    return run_check(host)


def recap_changed(output: str, host: str) -> int:
    """changed= of the host's PLAY RECAP line."""
    for line in output.splitlines():
        if line.startswith(host) and "changed=" in line:
            return int(line.split("changed=")[1].split()[0])
    raise AssertionError(f"no PLAY RECAP line for {host}:\n{output[-3000:]}")
