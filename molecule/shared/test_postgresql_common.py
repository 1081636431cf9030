"""Checks every scenario of roles/postgresql shares (listed in each molecule.yml
under verifier.additional_files_or_dirs), beyond playbooks/check.yml's
(test_check_playbook.py): what the check cannot know by itself, such as the
settings computed again here from the role's defaults, the stored password's
hash, wrong passwords, the superuser refused over TCP, PUBLIC's privileges."""

from __future__ import annotations

import pgtest


def test_python_driver_installed(host):
    assert host.package("python3-psycopg2").is_installed


def test_settings_in_effect(host):
    for name, want in pgtest.expected_settings(host).items():
        if want[-2:] in ("kB", "MB", "GB"):
            same = pgtest.psql_admin(
                host, f"SELECT pg_size_bytes(current_setting('{name}')) = pg_size_bytes('{want}')"
            )
            assert same == "t", f"{name}: {pgtest.psql_admin(host, f'SHOW {name}')} != {want}"
        else:
            assert pgtest.psql_admin(host, f"SHOW {name}") == want, name


def test_app_password_stored_as_scram(host):
    user = pgtest.role_vars(host)["postgresql_app_user"]
    stored = pgtest.psql_admin(host, f"SELECT rolpassword FROM pg_authid WHERE rolname = '{user}'")
    assert stored.startswith("SCRAM-SHA-256$")


def test_app_refused_with_wrong_password(host):
    result = pgtest.psql_app(host, password="not-the-password")
    assert result.rc != 0
    assert "password authentication failed" in result.stderr


def test_superuser_refused_over_tcp(host):
    result = pgtest.psql_app(host, user="postgres", dbname="postgres", password="anything")
    assert result.rc != 0
    assert "no pg_hba.conf entry" in result.stderr


def test_app_owns_its_utf8_database(host):
    v = pgtest.role_vars(host)
    row = pgtest.psql_admin(
        host,
        "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM pg_database "
        f"WHERE datname = '{v['postgresql_app_db']}'",
    )
    assert row == f"{v['postgresql_app_user']}|UTF8"


def test_public_cannot_connect_or_create(host):
    db = pgtest.role_vars(host)["postgresql_app_db"]
    row = pgtest.psql_admin(
        host,
        f"SELECT has_database_privilege('public', '{db}', 'CONNECT'), "
        f"has_database_privilege('public', '{db}', 'TEMPORARY'), "
        "has_schema_privilege('public', 'public', 'CREATE')",
        db=db,
    )
    assert row == "f|f|f"


def test_app_can_create_tables_in_its_database(host):
    sql = "CREATE TABLE molecule_probe (id int); DROP TABLE molecule_probe"
    result = pgtest.psql_app(host, sql, password=pgtest.app_password())
    assert result.rc == 0, result.stderr


def test_pg_hba_lets_only_the_app_in_over_the_network(host):
    v = pgtest.role_vars(host)
    rules = pgtest.psql_admin(
        host, "SELECT type, database, user_name, address, auth_method, error FROM pg_hba_file_rules"
    ).splitlines()
    assert rules
    for line in rules:
        kind, database, users, _address, method, error = line.split("|")
        assert not error, line
        if kind != "local":
            assert database == "{" + v["postgresql_app_db"] + "}", line
            assert users == "{" + v["postgresql_app_user"] + "}", line
            assert method == "scram-sha-256", line
    networks = {line.split("|")[3] for line in rules if not line.startswith("local")}
    assert networks == {net.split("/")[0] for net in v["postgresql_app_networks"]}


def test_tls(host):
    v = pgtest.role_vars(host)
    if not v["postgresql_ssl"]:
        # TLS off: the server must say so and refuse a client that requires it.
        assert pgtest.psql_admin(host, "SHOW ssl") == "off"
        refused = pgtest.psql_app(host, password=pgtest.app_password(), sslmode="require")
        assert refused.rc != 0
        assert "SSL" in refused.stderr
        return
    result = pgtest.psql_app(
        host,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        password=pgtest.app_password(),
        sslmode="require",
    )
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "t"
    key = host.file("/etc/postgresql/15/main/ssl/server.key")
    assert key.user == "postgres"
    assert key.mode == 0o600
