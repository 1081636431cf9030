"""Checks every scenario of roles/postgresql shares (listed in each molecule.yml
under verifier.additional_files_or_dirs)."""

from __future__ import annotations

import pgtest


def test_postgresql_15_installed(host):
    pkg = host.package(f"postgresql-{pgtest.PG_VERSION}")
    assert pkg.is_installed
    assert pkg.version.startswith(f"{pgtest.PG_VERSION}.")
    assert pgtest.psql_admin(host, "SHOW server_version_num").startswith(pgtest.PG_VERSION)


def test_python_driver_installed(host):
    assert host.package("python3-psycopg2").is_installed


def test_running_and_enabled_at_boot(host):
    service = host.service(pgtest.SERVICE)
    assert service.is_running
    assert service.is_enabled


def test_listening_on_configured_addresses_and_port(host):
    v = pgtest.role_vars(host)
    port = v["postgresql_port"]
    for address in v["postgresql_listen_addresses"]:
        ip = {"*": "0.0.0.0", "localhost": "127.0.0.1"}.get(address, address)
        assert host.socket(f"tcp://{ip}:{port}").is_listening, f"{ip}:{port}"


def test_settings_in_effect(host):
    for name, want in pgtest.expected_settings(host).items():
        if want[-2:] in ("kB", "MB", "GB"):
            same = pgtest.psql_admin(
                host, f"SELECT pg_size_bytes(current_setting('{name}')) = pg_size_bytes('{want}')"
            )
            assert same == "t", f"{name}: {pgtest.psql_admin(host, f'SHOW {name}')} != {want}"
        else:
            assert pgtest.psql_admin(host, f"SHOW {name}") == want, name


def test_nothing_waits_for_a_restart(host):
    assert pgtest.psql_admin(host, "SELECT count(*) FROM pg_settings WHERE pending_restart") == "0"


def test_new_cluster_has_data_checksums(host):
    assert pgtest.psql_admin(host, "SHOW data_checksums") == "on"


def test_app_logs_in_over_tcp_with_its_password(host):
    result = pgtest.psql_app(host, password=pgtest.app_password())
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == pgtest.role_vars(host)["postgresql_app_user"]


def test_app_password_stored_as_scram(host):
    user = pgtest.role_vars(host)["postgresql_app_user"]
    stored = pgtest.psql_admin(host, f"SELECT rolpassword FROM pg_authid WHERE rolname = '{user}'")
    assert stored.startswith("SCRAM-SHA-256$")


def test_app_refused_without_password(host):
    result = pgtest.psql_app(host)
    assert result.rc != 0
    assert "no password supplied" in result.stderr


def test_app_refused_with_wrong_password(host):
    result = pgtest.psql_app(host, password="not-the-password")
    assert result.rc != 0
    assert "password authentication failed" in result.stderr


def test_superuser_refused_over_tcp(host):
    result = pgtest.psql_app(host, user="postgres", dbname="postgres", password="anything")
    assert result.rc != 0
    assert "no pg_hba.conf entry" in result.stderr


def test_app_role_is_least_privileged(host):
    user = pgtest.role_vars(host)["postgresql_app_user"]
    row = pgtest.psql_admin(
        host,
        "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        f"FROM pg_roles WHERE rolname = '{user}'",
    )
    assert row == "t|f|f|f|f|f"


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


def test_pg_hba_has_no_trust_and_only_the_app_over_the_network(host):
    v = pgtest.role_vars(host)
    rules = pgtest.psql_admin(
        host, "SELECT type, database, user_name, address, auth_method, error FROM pg_hba_file_rules"
    ).splitlines()
    assert rules
    for line in rules:
        kind, database, users, _address, method, error = line.split("|")
        assert not error, line
        assert method != "trust", line
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
