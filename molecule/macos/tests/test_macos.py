"""Verify roles/postgresql's macOS (Homebrew) path on the stand-in Mac.

The host is a Debian 12 container that the role treats as macOS
(postgresql_os_family: Darwin) with a recording `brew` stand-in; see
molecule/macos/molecule.yml. Testinfra connects through Molecule's inventory,
as the mac user (the Homebrew owner), like the role did.
"""

from __future__ import annotations

import json
import shlex

import pytest

PREFIX = "/opt/homebrew"
FORMULA = "postgresql@15"
BIN = f"{PREFIX}/opt/{FORMULA}/bin"
DATA = f"{PREFIX}/var/{FORMULA}"
CALL_LOG = f"{PREFIX}/var/log/brew-standin/calls.jsonl"
MAC_USER = "macuser"
# Changes the state of the formula or of its service.
MUTATING = {"install", "reinstall", "upgrade", "uninstall", "remove", "rm", "link", "unlink", "update"}
SERVICE_MUTATING = {"start", "stop", "restart", "run", "kill", "cleanup"}


@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def calls(host):
    content = host.file(CALL_LOG).content_string
    return [json.loads(line) for line in content.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def runs(calls):
    """The brew calls of each Ansible run (converge, then idempotence), in order."""
    order: list[str] = []
    by_run: dict[str, list[dict]] = {}
    for call in calls:
        run_id = call.get("run_id")
        if not run_id:
            continue
        if run_id not in by_run:
            order.append(run_id)
            by_run[run_id] = []
        by_run[run_id].append(call)
    return [by_run[r] for r in order]


def mutating(call: dict) -> bool:
    argv = call["argv"]
    if not argv:
        return False
    if argv[0] == "services":
        return len(argv) > 1 and argv[1] in SERVICE_MUTATING
    return argv[0] in MUTATING


def psql(host, sql: str, db: str = "postgres"):
    """As the cluster superuser (the mac user) on the Unix socket, peer authentication."""
    return host.run(f"{BIN}/psql -X -v ON_ERROR_STOP=1 -h /tmp -d {db} -Atc {shlex.quote(sql)}")


def query(host, sql: str, db: str = "postgres") -> str:
    result = psql(host, sql, db)
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


# --- the brew calls ------------------------------------------------------------


def test_every_brew_call_is_logged_and_none_as_root(calls):
    assert calls, "the brew stand-in recorded no call"
    as_root = [c for c in calls if c["euid"] == 0 or c["uid"] == 0]
    assert as_root == []
    assert {c["user"] for c in calls} == {MAC_USER}


def test_postgresql_installed_once(calls):
    # (roles/postgresql_backup installs pgbackrest: tests/test_backup_macos.py.)
    installs = [c for c in calls if c["argv"][:1] == ["install"] and FORMULA in c["argv"]]
    assert len(installs) == 1, installs
    assert FORMULA in installs[0]["argv"]
    assert installs[0]["status"] == 0


def test_no_other_mutating_brew_call(calls):
    assert [
        c["argv"]
        for c in calls
        if mutating(c)
        and c["argv"][0] != "install"
        and c["argv"][:2] not in (["services", "start"], ["services", "restart"])
    ] == []


def test_two_runs_recorded(runs):
    assert len(runs) == 2, "expected the brew calls of converge and of the idempotence run"


def test_first_run_installs_and_starts(runs):
    first = [c["argv"] for c in runs[0]]
    assert ["info", "--json=v2", FORMULA] in first
    assert ["install", FORMULA] in first
    assert ["services", "start", FORMULA] in first
    assert first.index(["install", FORMULA]) < first.index(["services", "start", FORMULA])
    # The role's configuration replaces Homebrew's: one restart applies it; a
    # second one turns WAL archiving on (roles/postgresql_backup, after it).
    assert first.count(["services", "restart", FORMULA]) == 2


def test_second_run_installs_and_restarts_nothing(runs):
    second = runs[1]
    assert second, "the idempotence run made no brew call at all"
    assert [c["argv"] for c in second if mutating(c)] == []
    # It still looked: the formula's state and the service's state.
    argvs = [c["argv"] for c in second]
    assert ["info", "--json=v2", FORMULA] in argvs
    assert ["services", "info", FORMULA, "--json"] in argvs


def test_brew_calls_succeeded(calls):
    assert [c["argv"] for c in calls if c["status"] != 0] == []


# --- the Homebrew layout ---------------------------------------------------------


def test_keg_only_binaries(host):
    opt = host.file(f"{PREFIX}/opt/{FORMULA}")
    assert opt.is_symlink
    assert host.file(f"{BIN}/postgres").exists
    # keg-only: nothing linked into the prefix's bin
    assert not host.file(f"{PREFIX}/bin/psql").exists
    assert not host.file(f"{PREFIX}/bin/postgres").exists


def test_cluster_in_homebrews_data_dir_owned_by_mac_user(host):
    data = host.file(DATA)
    assert data.is_directory
    assert data.user == MAC_USER
    assert host.file(f"{DATA}/PG_VERSION").content_string.strip() == "15"
    assert query(host, "SHOW data_directory") == DATA
    assert query(host, "SHOW config_file") == f"{DATA}/postgresql.conf"
    assert query(host, "SHOW hba_file") == f"{DATA}/pg_hba.conf"


def test_server_runs_as_mac_user_never_root(host):
    procs = host.process.filter(comm="postgres")
    assert procs, "no postgres process"
    assert {p.user for p in procs} == {MAC_USER}


def test_debians_own_cluster_is_absent(host):
    result = host.run("ls /etc/postgresql/15 2>/dev/null")
    assert result.stdout.strip() == ""


def test_psycopg2_importable_for_the_mac_users_python(host, hostvars):
    python = hostvars.get("ansible_python_interpreter", "/usr/bin/python3")
    result = host.run(f"{python} -c 'import psycopg2, site; print(psycopg2.__file__)'")
    assert result.rc == 0, result.stderr
    # In the user site, not system-wide.
    assert f"/Users/{MAC_USER}/.local/" in result.stdout


# --- configuration ---------------------------------------------------------------


def test_settings_in_effect(host, hostvars):
    assert query(host, "SHOW password_encryption") == "scram-sha-256"
    assert query(host, "SHOW port") == str(hostvars.get("postgresql_port", 5432))
    assert query(host, "SHOW unix_socket_directories") == "/tmp"
    assert query(host, "SHOW listen_addresses") == "localhost"


def test_admin_is_the_mac_user_with_peer(host):
    rules = query(
        host,
        "SELECT type, array_to_string(database, ','), array_to_string(user_name, ','), auth_method "
        "FROM pg_hba_file_rules ORDER BY line_number",
    ).splitlines()
    assert f"local|all|{MAC_USER}|peer" in rules
    assert query(host, f"SELECT rolsuper FROM pg_roles WHERE rolname = '{MAC_USER}'") == "t"
    assert query(host, "SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'") == "0"


# --- the application's role and database -------------------------------------------


def test_app_password_stored_as_scram(host, hostvars):
    # The role's attributes and its logins are playbooks/check.yml's lines
    # (../shared/test_check_playbook.py).
    user = hostvars["postgresql_app_user"]
    scram = f"SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = '{user}'"
    assert query(host, scram) == "t"


def test_app_db_owned_by_app_role(host, hostvars):
    user, db = hostvars["postgresql_app_user"], hostvars["postgresql_app_db"]
    row = query(
        host,
        "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding) "
        f"FROM pg_database WHERE datname = '{db}'",
    )
    assert row == f"{user}|UTF8"


def test_public_privileges_revoked(host, hostvars):
    db = hostvars["postgresql_app_db"]
    assert query(host, f"SELECT has_database_privilege('public', '{db}', 'CONNECT')") == "f"
    assert query(host, f"SELECT has_database_privilege('public', '{db}', 'TEMPORARY')") == "f"
    assert query(host, "SELECT has_schema_privilege('public', 'public', 'CREATE')", db) == "f"


def _tcp(host, hostvars, password: str):
    user, db = hostvars["postgresql_app_user"], hostvars["postgresql_app_db"]
    port = hostvars.get("postgresql_port", 5432)
    env = f"PGPASSWORD={shlex.quote(password)} "
    return host.run(
        f"{env}PGPASSFILE=/dev/null {BIN}/psql -X -w -h 127.0.0.1 -p {port} -U {user} -d {db} "
        "-Atc 'SELECT current_user'"
    )


def test_app_login_refused_with_wrong_password(host, hostvars):
    result = _tcp(host, hostvars, "wrong-password")
    assert result.rc != 0
    assert "password authentication failed" in result.stderr
