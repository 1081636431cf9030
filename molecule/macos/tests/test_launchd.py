"""Verify roles/bwaincell_app's launchd control on the stand-in Mac.

The application (tests/standin_app) is the mac user's LaunchAgent, run by the
recording launchctl stand-in (files/launchctl) that the real
community.general.launchd module drives; see molecule/macos/molecule.yml.
converge.yml starts it, stops it, checks it is down, starts it again and
restarts it (first run) and only starts it on the idempotence run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

MAC_USER = "macuser"
HOME = f"/Users/{MAC_USER}"
LABEL = "com.bwaincell.app"
PLIST = f"{HOME}/Library/LaunchAgents/{LABEL}.plist"
APP_DIR = f"{HOME}/bwaincell"
STANDIN_LOGS = f"{HOME}/Library/Logs/launchctl-standin"
CYCLE_RECORD = f"{HOME}/launchd-cycle.json"


def jsonl(host, path: str) -> list[dict]:
    return [json.loads(line) for line in host.file(path).content_string.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def calls(host):
    return jsonl(host, f"{STANDIN_LOGS}/calls.jsonl")


@pytest.fixture(scope="module")
def events(host):
    return [e for e in jsonl(host, f"{STANDIN_LOGS}/jobs.jsonl") if e["label"] == LABEL]


@pytest.fixture(scope="module")
def runs(calls):
    """The launchctl calls of each Ansible run (converge, then idempotence).

    Calls without a run id are this verifier's own `launchctl list`.
    """
    by_run: dict[str, list[dict]] = {}
    for call in calls:
        if call.get("run_id"):
            by_run.setdefault(call["run_id"], []).append(call)
    return list(by_run.values())


@pytest.fixture(scope="module")
def cycle(host):
    return json.loads(host.file(CYCLE_RECORD).content_string)


@pytest.fixture(scope="module")
def sample_counts():
    """Rows per table of the sample prepare.yml wrote (on the controller)."""
    sys.path.insert(0, str(Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "scripts"))
    from bwaincell_sample import table_counts

    return table_counts(Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "bwaincell-launchd.sqlite")


def listed(host) -> dict[str, tuple[str, str]]:
    """`launchctl list` as the mac user: label -> (pid, last exit status)."""
    result = host.run("launchctl list")
    assert result.rc == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "PID\tStatus\tLabel"
    return {label: (pid, status) for pid, status, label in (line.split("\t") for line in lines[1:])}


def non_list(calls: list[dict]) -> list[list[str]]:
    return [c["argv"] for c in calls if c["argv"] != ["list"]]


# --- the job runs, as the mac user, and answers on SQLite ----------------------------


def test_job_runs_as_the_mac_user(host):
    pid, _status = listed(host)[LABEL]
    assert pid != "-", "launchctl list shows the job without a PID"
    proc = host.process.get(pid=int(pid))
    assert proc.user == MAC_USER
    assert f"{APP_DIR}/bwaincell_standin.py" in proc.args


def test_job_has_launchds_environment_not_ansibles(host):
    pid = listed(host)[LABEL][0]
    env = dict(
        item.split("=", 1)
        for item in host.file(f"/proc/{pid}/environ").content_string.split("\0")
        if "=" in item
    )
    assert env["PATH"] == "/usr/bin:/bin:/usr/sbin:/sbin"
    assert env["HOME"] == HOME
    assert env["PYTHONUNBUFFERED"] == "1"  # the plist's EnvironmentVariables
    assert "LAUNCHCTL_STANDIN_RUN_ID" not in env  # nothing of the caller's
    assert host.run(f"readlink /proc/{pid}/cwd").stdout.strip() == APP_DIR


def test_health_answers_sqlite_with_the_samples_counts(host, hostvars, sample_counts):
    url = f"http://127.0.0.1:{hostvars['macos_standin_app_port']}/health"
    result = host.run(f"curl -sf {url}")
    assert result.rc == 0, result.stderr
    health = json.loads(result.stdout)
    assert health["backend"] == "sqlite"
    assert health["database"] == f"{APP_DIR}/data/bwaincell.sqlite"
    assert health["counts"] == sample_counts
    assert sum(sample_counts.values()) == 200
    assert health["pid"] == int(listed(host)[LABEL][0])


def test_jobs_output_goes_to_the_plists_log_file(host):
    log = host.file(f"{HOME}/Library/Logs/bwaincell/bwaincell.err.log")
    assert log.user == MAC_USER
    assert "backend sqlite" in log.content_string


# --- what the launchd module made launchctl do -----------------------------------------


def test_every_launchctl_call_as_the_mac_user_and_succeeded(calls):
    assert calls, "the launchctl stand-in recorded no call"
    assert [c for c in calls if c["euid"] == 0 or c["uid"] == 0] == []
    assert {c["user"] for c in calls} == {MAC_USER}
    assert [c["argv"] for c in calls if c["status"] != 0] == []


def test_two_runs_recorded(runs):
    assert len(runs) == 2, "expected the launchctl calls of converge and of the idempotence run"
    assert all(c["run_id"] != "unset" for run in runs for c in run)


def test_converge_loaded_and_started_unloaded_then_loaded_and_started_again(runs):
    # start (job not loaded): load + start; stop: unload, so that KeepAlive
    # cannot bring it back; start again: load + start; restart: all three.
    assert non_list(runs[0]) == [
        ["load", PLIST],
        ["start", LABEL],
        ["unload", PLIST],
        ["load", PLIST],
        ["start", LABEL],
        ["unload", PLIST],
        ["load", PLIST],
        ["start", LABEL],
    ]


def test_idempotence_run_only_looked(runs):
    second = runs[1]
    assert second, "the idempotence run made no launchctl call"
    assert non_list(second) == []


# --- stopping really stopped the process --------------------------------------------------


def test_stop_left_nothing_answering(cycle):
    after_stop = cycle["after_stop"]
    assert after_stop["status"] == -1, after_stop
    assert "refused" in after_stop["msg"].lower(), after_stop
    # The port stayed closed for the whole watch (longer than launchd's throttle).
    assert after_stop["port_closed_s"] >= 12
    assert after_stop["old_process_exists"] is False


def test_start_after_stop_and_restart_are_new_processes_on_sqlite(host, cycle, sample_counts):
    before, after, restarted = (cycle[k]["json"] for k in ("before", "after", "after_restart"))
    for health in (before, after, restarted):
        assert health["backend"] == "sqlite"
        assert health["counts"] == sample_counts
    assert len({before["pid"], after["pid"], restarted["pid"]}) == 3
    assert not host.file(f"/proc/{before['pid']}").exists
    assert not host.file(f"/proc/{after['pid']}").exists
    # The idempotence run's start left the restarted process alone.
    assert int(listed(host)[LABEL][0]) == restarted["pid"]


def test_each_process_spawned_once_and_ended_by_sigterm(cycle, events):
    pids = [cycle[k]["json"]["pid"] for k in ("before", "after", "after_restart")]
    # No KeepAlive restart in between: one spawn per start.
    assert [(e["event"], e["pid"]) for e in events] == [
        ("spawn", pids[0]),
        ("exit", pids[0]),
        ("spawn", pids[1]),
        ("exit", pids[1]),
        ("spawn", pids[2]),
    ]
    # The application handles SIGTERM and exits 0 (SIGKILL would read -9).
    assert [e["status"] for e in events if e["event"] == "exit"] == [0, 0]


def test_each_process_was_gone_before_the_next_load(runs, events):
    exits = [e["time"] for e in events if e["event"] == "exit"]
    calls = [c for c in runs[0] if c["argv"][0] in ("load", "unload")]
    unloads = [c["time"] for c in calls if c["argv"][0] == "unload"]
    loads = [c["time"] for c in calls if c["argv"][0] == "load"]
    for unload, exited, load in zip(unloads, exits, loads[1:], strict=True):
        assert unload < exited < load
