"""Debian 12 (amd64) scenario: what the common checks do not cover."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import pgtest
import psycopg


def test_sized_as_a_server(host):
    assert not pgtest.is_raspberry_pi(host)
    conf = host.file("/etc/postgresql/15/main/conf.d/61-ansible-reload.conf").content_string
    assert "Sized for a server with 4096 MB of RAM." in conf
    # The Raspberry Pi settings are not applied here.
    assert pgtest.psql_admin(host, "SHOW wal_compression") == "off"
    assert pgtest.psql_admin(host, "SHOW max_connections") == "100"


def test_cluster_created_by_the_role(host):
    assert (
        pgtest.psql_admin(host, "SELECT datcollate FROM pg_database WHERE datname = 'template1'") == "C.UTF-8"
    )
    assert pgtest.psql_admin(host, "SHOW server_encoding") == "UTF8"
    clusters = host.check_output("pg_lsclusters --no-header")
    assert clusters.split()[:4] == ["15", "main", "5433", "online"]


def test_app_reaches_the_server_from_another_host(host):
    """From the Docker host (the controller), over the bridge: a real remote
    client, allowed by postgresql_app_networks and served over TLS."""
    v = pgtest.role_vars(host)
    address = host.interface("eth0").addresses[0]
    with psycopg.connect(
        host=address,
        port=v["postgresql_port"],
        dbname=v["postgresql_app_db"],
        user=v["postgresql_app_user"],
        password=pgtest.app_password(),
        sslmode="require",
        connect_timeout=10,
    ) as conn:
        row = conn.execute(
            "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row == (v["postgresql_app_user"], True)
