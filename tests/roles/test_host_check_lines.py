"""roles/host_check/filter_plugins/host_check_lines.py: each observation of a
host becomes the line an operator should read (ok, warn or fail, the reason,
what to do). The observations have the shape roles/host_check's tasks build
(the Molecule scenarios run those tasks on real hosts, and a broken one)."""

from __future__ import annotations

import copy

import pytest
from dotenv_readers import PROJECT, load

judge = load(PROJECT / "roles" / "host_check" / "filter_plugins" / "host_check_lines.py")

NOW = 1_800_000_000.0

HEALTHY: dict = {
    "now": NOW,
    "cert_warn_days": 30,
    "socket_dir": "/var/run/postgresql",
    "port": 5432,
    "listen_addresses": ["localhost"],
    "ssl": False,
    "is_raspberry_pi": True,
    "start_hint": "systemctl start postgresql@15-main",
    "server_binary": {
        "path": "/usr/lib/postgresql/15/bin/postgres",
        "exists": True,
        "version": "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)",
    },
    "boot": {"manager": "systemd", "service": "postgresql@15-main", "enabled": True, "detail": "enabled"},
    "server": {
        "answered": True,
        "error": "",
        "version": "15.14 (Debian 15.14-0+deb12u1)",
        "data_checksums": "on",
        "ssl": "off",
        "ssl_cert_file": "/etc/ssl/certs/ssl-cert-snakeoil.pem",
        "listen_addresses": "localhost",
        "port": "5432",
        "hba_file": "/etc/postgresql/15/main/pg_hba.conf",
        "pending_restart": [],
        "file_settings": [
            {"name": "max_connections", "applied": True, "error": None, "current": "20"},
            {"name": "shared_buffers", "applied": True, "error": None, "current": "614MB"},
        ],
        "hba": [
            {
                "line": 1,
                "type": "local",
                "database": ["all"],
                "user": ["postgres"],
                "address": None,
                "method": "peer",
                "error": None,
            },
            {
                "line": 2,
                "type": "host",
                "database": ["bwaincell"],
                "user": ["bwaincell"],
                "address": "127.0.0.1",
                "method": "scram-sha-256",
                "error": None,
            },
        ],
        "app_role": {
            "rolsuper": False,
            "rolcreaterole": False,
            "rolcreatedb": False,
            "rolreplication": False,
            "rolbypassrls": False,
        },
        "app_db_owner": "bwaincell",
    },
    "tcp": {"127.0.0.1": True},
    "cert": {},
    "app_user": "bwaincell",
    "app_db": "bwaincell",
    "app_host": "127.0.0.1",
    "app_login": {"skipped": False, "available": True, "error": ""},
    "app_nopass": {"available": False, "error": "fe_sendauth: no password supplied"},
    "env": {
        "file": "/opt/bwaincell/.env",
        "exists": True,
        "database": "postgres",
        "sqlite_path": "/opt/bwaincell/data/bwaincell.sqlite",
        "inventory_sqlite_path": "/opt/bwaincell/data/bwaincell.sqlite",
    },
    "migration": {
        "file": "/opt/bwaincell/data/backups/migration-state.json",
        "exists": True,
        "state": {"status": "migrated", "at": "2026-12-01T22:00:00Z"},
    },
    "health": {
        "url": "http://127.0.0.1:3000/health",
        "status": 200,
        "msg": "OK",
        "json": {"backend": "postgres"},
        "status_codes": [200],
        "backend_key": "backend",
        "expected_backend": "postgres",
    },
    "backup": {
        "enabled": True,
        "stanza": "bwaincell",
        "config": "/etc/pgbackrest/pgbackrest.conf",
        "max_age_hours": 26,
        "info_rc": 0,
        "info_error": "",
        "last": {
            "stanza_found": True,
            "status_code": 0,
            "status_message": "ok",
            "label": "20270115-020002F",
            "type": "full",
            "stop": int(NOW - 3 * 3600),
            "problem": "",
        },
        "check_rc": 0,
        "check_error": "",
    },
}


def lines_of(obs: dict) -> dict[str, dict]:
    return {line["check"]: line for line in judge.lines(obs)}


def changed(**paths) -> dict:
    """HEALTHY with some values replaced: changed(server__ssl="on") sets obs["server"]["ssl"]."""
    obs = copy.deepcopy(HEALTHY)
    for path, value in paths.items():
        *parents, key = path.split("__")
        target = obs
        for part in parents:
            target = target[part]
        target[key] = value
    return obs


def test_a_healthy_host_is_all_ok_with_every_line_of_the_issue():
    got = judge.lines(HEALTHY)
    assert [line["check"] for line in got] == [
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
        "last backup",
        "pgbackrest check",
    ]
    assert {line["status"] for line in got} == {"ok"}, [line for line in got if line["status"] != "ok"]
    assert all(line["reason"] and not line["action"] for line in got)
    assert "max_connections=20, shared_buffers=614MB" in lines_of(HEALTHY)["settings"]["reason"]
    assert "Raspberry Pi profile" in lines_of(HEALTHY)["settings"]["reason"]


def test_a_trust_line_fails_naming_the_line():
    obs = copy.deepcopy(HEALTHY)
    obs["server"]["hba"].insert(
        0,
        {
            "line": 1,
            "type": "host",
            "database": ["all"],
            "user": ["all"],
            "address": "0.0.0.0",
            "method": "trust",
            "error": None,
        },
    )
    line = lines_of(obs)["no trust in pg_hba"]
    assert line["status"] == "fail"
    assert "line 1: host all all 0.0.0.0 trust" in line["reason"]
    assert "pg_hba.conf" in line["reason"]
    assert line["action"]


def test_a_login_without_password_fails():
    line = lines_of(changed(app_nopass={"available": True, "error": ""}))["app refused without password"]
    assert line["status"] == "fail"
    assert "no password" in line["reason"]


@pytest.mark.parametrize(
    ("attribute", "word"),
    [
        ("rolsuper", "SUPERUSER"),
        ("rolcreaterole", "CREATEROLE"),
        ("rolcreatedb", "CREATEDB"),
        ("rolreplication", "REPLICATION"),
        ("rolbypassrls", "BYPASSRLS"),
    ],
)
def test_a_powerful_application_role_fails_naming_the_power(attribute, word):
    line = lines_of(changed(**{f"server__app_role__{attribute}": True}))["app role privileges"]
    assert line["status"] == "fail"
    assert f"bwaincell is {word}" in line["reason"]
    assert f"ALTER ROLE bwaincell NO{word}" in line["action"]


def test_a_missing_application_role_fails():
    line = lines_of(changed(server__app_role=None))["app role privileges"]
    assert (line["status"], line["reason"]) == ("fail", "the role bwaincell does not exist")


def test_a_stopped_server_fails_the_running_line_and_the_rest_say_not_checked():
    obs = changed(
        server={
            "answered": False,
            "error": 'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed',
        },
        tcp={"127.0.0.1": False},
        app_login={"skipped": False, "available": False, "error": "Connection refused"},
        app_nopass={"available": False, "error": "Connection refused"},
    )
    got = lines_of(obs)
    assert got["postgresql running"]["status"] == "fail"
    assert "does not answer on /var/run/postgresql port 5432" in got["postgresql running"]["reason"]
    assert "systemctl start postgresql@15-main" in got["postgresql running"]["action"]
    for check in (
        "listening",
        "data checksums",
        "settings",
        "tls",
        "no trust in pg_hba",
        "app role privileges",
    ):
        assert (got[check]["status"], got[check]["reason"]) == (
            "warn",
            "not checked: the server does not answer",
        )
    assert got["app password login"]["status"] == "fail"
    assert got["app refused without password"]["status"] == "fail"
    assert "not for want of a password" in got["app refused without password"]["reason"]


def test_not_version_15_fails():
    line = lines_of(changed(server_binary__version="postgres (PostgreSQL) 16.4"))["postgresql installed"]
    assert line["status"] == "fail"
    assert "not version 15" in line["reason"]


def test_missing_server_fails():
    line = lines_of(changed(server_binary__exists=False))["postgresql installed"]
    assert line["status"] == "fail"
    assert "/usr/lib/postgresql/15/bin/postgres" in line["reason"]


@pytest.mark.parametrize(
    ("boot", "status", "words"),
    [
        (
            {"manager": "systemd", "service": "postgresql@15-main", "enabled": False, "detail": "disabled"},
            "fail",
            "systemctl enable postgresql@15-main",
        ),
        (
            {
                "manager": "brew services",
                "service": "postgresql@15",
                "enabled": False,
                "detail": "not loaded",
            },
            "fail",
            "brew services start postgresql@15",
        ),
        (
            {"manager": "none", "service": "postgresql@15-main", "enabled": False, "detail": ""},
            "warn",
            "pg_ctlcluster 15 main start",
        ),
    ],
)
def test_not_started_at_boot(boot, status, words):
    line = lines_of(changed(boot=boot))["started at boot"]
    assert line["status"] == status
    assert words in line["action"]


def test_listening_elsewhere_than_configured_fails():
    line = lines_of(changed(server__listen_addresses="*"))["listening"]
    assert line["status"] == "fail"
    assert "listen_addresses=*" in line["reason"]
    assert "the inventory says listen_addresses=localhost" in line["reason"]


def test_a_closed_port_fails():
    line = lines_of(changed(tcp={"127.0.0.1": False}))["listening"]
    assert line["status"] == "fail"
    assert "no TCP connection to 127.0.0.1 port 5432" in line["reason"]


def test_checksums_off_warns():
    line = lines_of(changed(server__data_checksums="off"))["data checksums"]
    assert line["status"] == "warn"
    assert "pg_checksums --enable" in line["action"]


def test_settings_waiting_for_a_restart_warn():
    obs = changed(server__pending_restart=["shared_buffers"])
    obs["server"]["file_settings"][1]["applied"] = False
    line = lines_of(obs)["settings"]
    assert line["status"] == "warn"
    assert "shared_buffers wait for a restart" in line["reason"]


def test_settings_overridden_by_alter_system_warn():
    obs = copy.deepcopy(HEALTHY)
    obs["server"]["file_settings"][0]["applied"] = False
    line = lines_of(obs)["settings"]
    assert line["status"] == "warn"
    assert "max_connections overridden" in line["reason"]


def test_a_setting_postgresql_refuses_fails():
    obs = copy.deepcopy(HEALTHY)
    obs["server"]["file_settings"][0].update(applied=False, error="setting could not be applied")
    line = lines_of(obs)["settings"]
    assert line["status"] == "fail"
    assert "max_connections (setting could not be applied)" in line["reason"]


def test_no_settings_files_read_fails():
    assert lines_of(changed(server__file_settings=[]))["settings"]["status"] == "fail"


@pytest.mark.parametrize(
    ("days", "status", "words"),
    [
        (400, "ok", "valid for 400 more days"),
        (10, "warn", "expires in 10 days"),
        (-3, "fail", "expired 3 days ago"),
    ],
)
def test_tls_certificate_expiry(days, status, words):
    line = lines_of(changed(ssl=True, server__ssl="on", cert={"days": days}))["tls"]
    assert line["status"] == status
    assert words in line["reason"]


def test_tls_configured_but_off_fails():
    assert lines_of(changed(ssl=True))["tls"]["status"] == "fail"


def test_tls_off_while_listening_on_the_network_warns():
    obs = changed(listen_addresses=["*"], server__listen_addresses="*")
    line = lines_of(obs)["tls"]
    assert line["status"] == "warn"
    assert "in clear" in line["reason"]


def test_unreadable_certificate_fails():
    line = lines_of(changed(ssl=True, server__ssl="on", cert={"error": "Could not open file"}))["tls"]
    assert line["status"] == "fail"
    assert "Could not open file" in line["reason"]


def test_cert_days_from_openssls_enddate():
    # NOW is 2027-01-15 08:00:00 UTC.
    assert judge.cert_days("notAfter=Jan 15 08:00:00 2027 GMT", NOW) == 0
    assert judge.cert_days("notAfter=Jan 25 08:00:00 2027 GMT\n", NOW) == 10
    assert judge.cert_days("notAfter=Jan  5 08:00:00 2027 GMT", NOW) == -10


def test_app_login_refused_fails_with_the_servers_message():
    obs = changed(
        app_login={
            "skipped": False,
            "available": False,
            "error": 'FATAL:  password authentication failed for user "bwaincell"',
        }
    )
    line = lines_of(obs)["app password login"]
    assert line["status"] == "fail"
    assert "password authentication failed" in line["reason"]


def test_app_login_without_a_known_password_warns():
    assert lines_of(changed(app_login={"skipped": True}))["app password login"]["status"] == "warn"


def test_env_and_inventory_disagree_fails_naming_both():
    line = lines_of(changed(env__sqlite_path="/srv/old/bwaincell.sqlite"))["app .env"]
    assert line["status"] == "fail"
    assert "/srv/old/bwaincell.sqlite" in line["reason"]
    assert "/opt/bwaincell/data/bwaincell.sqlite" in line["reason"]


def test_no_env_warns():
    line = lines_of(changed(env__exists=False))["app .env"]
    assert line["status"] == "warn"
    assert "/opt/bwaincell/.env" in line["reason"]


def test_env_on_sqlite_is_ok_and_says_so():
    obs = changed(
        env__database="sqlite",
        migration={"file": "f", "exists": False, "state": {}},
        health__expected_backend="sqlite",
        health__json={"backend": "sqlite"},
    )
    got = lines_of(obs)
    assert got["app .env"]["reason"].startswith("points at SQLite /opt/bwaincell/data/bwaincell.sqlite")
    assert got["migration state"]["status"] == "ok"


def test_a_failed_migration_fails():
    line = lines_of(changed(migration__state={"status": "failed", "at": "2026-12-01T22:00:00Z"}))[
        "migration state"
    ]
    assert line["status"] == "fail"
    assert "failed at 2026-12-01T22:00:00Z" in line["reason"]
    assert "rollback.yml" in line["action"]


def test_migrated_but_env_on_sqlite_fails():
    line = lines_of(changed(env__database="sqlite"))["migration state"]
    assert line["status"] == "fail"


def test_health_answering_the_other_backend_fails():
    line = lines_of(changed(health__json={"backend": "sqlite"}))["app health"]
    assert line["status"] == "fail"
    assert "answers on 'sqlite', the .env points at postgres" in line["reason"]


def test_health_down_fails():
    line = lines_of(changed(health__status=-1, health__msg="Connection refused"))["app health"]
    assert line["status"] == "fail"
    assert "answered nothing: Connection refused" in line["reason"]


def test_no_health_url_warns():
    assert lines_of(changed(health__url=""))["app health"]["status"] == "warn"


@pytest.mark.parametrize(
    ("backup", "said"),
    [
        (
            {"enabled": False, "turned_off": False, "config": "/etc/pgbackrest/pgbackrest.conf"},
            "no pgBackRest configuration at /etc/pgbackrest/pgbackrest.conf",
        ),
        (
            {"enabled": False, "turned_off": True, "config": "/etc/pgbackrest/pgbackrest.conf"},
            "turned off (postgresql_backup_enabled: false)",
        ),
    ],
)
def test_no_backups_is_one_warn_line_saying_why_and_what_to_do(backup, said):
    got = judge.lines(changed(backup=backup))
    lines = [line for line in got if line["check"] in ("backups", "last backup", "pgbackrest check")]
    assert len(lines) == 1
    assert lines[0]["status"] == "warn"
    assert said in lines[0]["reason"]
    assert "roles/postgresql_backup" in lines[0]["action"]


def test_an_old_backup_warns_with_its_age():
    obs = changed(backup__last__stop=int(NOW - 30 * 3600))
    line = lines_of(obs)["last backup"]
    assert line["status"] == "warn"
    assert "30.0 h old: older than 26 h" in line["reason"]


def test_a_fresh_backup_is_ok_with_its_age():
    line = lines_of(HEALTHY)["last backup"]
    assert line["reason"] == "20270115-020002F (full), 3.0 h old"


def test_no_good_backup_fails():
    obs = changed(backup__last__stop=None, backup__last__status_message="no valid backups")
    line = lines_of(obs)["last backup"]
    assert line["status"] == "fail"
    assert "no valid backups" in line["reason"]


def test_pgbackrest_check_failing_fails_with_its_message():
    obs = changed(backup__check_rc=82, backup__check_error="ERROR: [082]: WAL segment was not archived")
    line = lines_of(obs)["pgbackrest check"]
    assert line["status"] == "fail"
    assert "WAL segment was not archived" in line["reason"]


def test_info_failing_fails():
    obs = changed(
        backup__info_rc=1,
        backup__info_error="ERROR: [041]: unable to open config",
        backup__last={"stanza_found": False, "problem": "pgbackrest info printed no JSON", "stop": None},
    )
    line = lines_of(obs)["last backup"]
    assert line["status"] == "fail"
    assert "unable to open config" in line["reason"]


def test_platform_error_is_one_fail_line():
    got = judge.lines({"platform_error": "Homebrew was not found (/opt/homebrew/bin/brew)."})
    assert got == [
        {
            "check": "platform",
            "status": "fail",
            "reason": "Homebrew was not found (/opt/homebrew/bin/brew).",
            "action": "install PostgreSQL 15 with playbooks/provision.yml (or fix what the message names)",
        }
    ]


def test_table_shows_every_line_and_what_to_do():
    obs = changed(server__data_checksums="off")
    text = judge.table(judge.lines(obs), "pi")
    rows = text.splitlines()
    assert rows[0] == "pi"
    assert any(row.split()[:3] == ["data", "checksums", "warn"] for row in rows)
    assert any("-> with the server stopped" in row for row in rows)
    assert rows[-1] == "  15 ok, 1 warn, 0 fail"


def test_backups_enabled_without_pgbackrest_fails_naming_what_is_missing():
    obs = changed(backup__missing=["/usr/bin/pgbackrest", "/etc/pgbackrest/pgbackrest.conf"])
    got = [line for line in judge.lines(obs) if line["check"] in ("last backup", "pgbackrest check")]
    assert len(got) == 1
    assert got[0]["status"] == "fail"
    assert "/usr/bin/pgbackrest and /etc/pgbackrest/pgbackrest.conf do not exist" in got[0]["reason"]
