"""playbooks/check.yml as the scenarios' shared verify step: the one
definition of a healthy host (PostgreSQL 15 installed, running, started at
boot, listening where configured, checksums, the role's settings in effect,
TLS, no trust, the application's role least privileged, its password login
over TCP and its refusal without one, the .env, the migration state, the
health endpoint, backups). Listed in each molecule.yml under
verifier.additional_files_or_dirs; each scenario names the lines that may
warn on its host in molecule_check_expected_warn (inventory). That `--check`
gives the same answer is test_check_mode.py's (not on the slow armhf host)."""

from __future__ import annotations

import pytest
from checkplay import healthy_check, recap_changed


@pytest.fixture(scope="module")
def name(host):
    return host.ansible.get_variables()["inventory_hostname"]


@pytest.fixture(scope="module")
def checked(name):
    return healthy_check(name)


@pytest.fixture(scope="module")
def expected_warn(host):
    return set(host.ansible.get_variables().get("molecule_check_expected_warn", []))


def test_every_line_ok_but_the_expected_warnings(checked, expected_warn):
    assert checked.rc == 0, checked.output[-4000:]
    warned = {check for check, line in checked.lines.items() if line["status"] == "warn"}
    failed = {check: line for check, line in checked.lines.items() if line["status"] == "fail"}
    assert failed == {}
    assert warned == expected_warn, {
        c: checked.lines[c] for c in warned ^ expected_warn if c in checked.lines
    }


def test_every_line_of_the_issue_is_reported(checked):
    assert list(checked.lines)[:14] == [
        "postgresql installed",
        "postgresql running",
        "started at boot",
        "listening",
        "data checksums",
        "settings",
        "tls",
        "no trust in pg_hba",
        "app role privileges",
        "app password login",
        "app refused without password",
        "app .env",
        "migration state",
        "app health",
    ]
    assert set(list(checked.lines)[14:]) in ({"backups"}, {"last backup", "pgbackrest check"})


def test_the_check_changed_nothing(checked, name):
    assert recap_changed(checked.output, name) == 0


def test_the_table_is_shown(checked, name):
    assert f'"{name}",' in checked.output
    assert "ok, " in checked.output
