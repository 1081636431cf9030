"""Helpers for the testinfra checks of roles/postgresql (scenarios default and pi).

What a host should look like is computed here from the role's defaults and the
scenario's inventory variables, independently of the role's own templates, so
that a wrong formula in the role shows up as a failed test.
"""

from __future__ import annotations

import os
import shlex
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLE_DEFAULTS = PROJECT / "roles" / "postgresql" / "defaults" / "main.yml"
PG_VERSION = "15"
SERVICE = f"postgresql@{PG_VERSION}-main"


@cache
def _defaults() -> dict[str, Any]:
    return yaml.safe_load(ROLE_DEFAULTS.read_text())


def role_vars(host) -> dict[str, Any]:
    """The role's defaults overlaid with the scenario's inventory variables."""
    inventory = host.ansible.get_variables()
    merged = dict(_defaults())
    merged.update({k: v for k, v in inventory.items() if k.startswith("postgresql_")})
    return merged


def is_raspberry_pi(host) -> bool:
    return host.file("/etc/rpi-issue").exists


def app_password() -> str:
    """The password the converge generated (see molecule.yml's inventory)."""
    return (Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "postgresql_app_password").read_text().strip()


def expected_settings(host) -> dict[str, str]:
    """Each setting the role should have put in effect, as a string for SHOW
    (sizes in MB; compare them with pg_size_bytes)."""
    v = role_vars(host)
    pi = is_raspberry_pi(host)
    ram = v["postgresql_memory_mb"]
    assert ram, "the scenarios fix postgresql_memory_mb so that sizes are known"
    max_conn = v["postgresql_max_connections"] or (
        v["postgresql_raspberry_pi_max_connections"] if pi else 100
    )
    sb_pct = (
        v["postgresql_raspberry_pi_shared_buffers_percent"] if pi else v["postgresql_shared_buffers_percent"]
    )
    ecs_pct = (
        v["postgresql_raspberry_pi_effective_cache_size_percent"]
        if pi
        else v["postgresql_effective_cache_size_percent"]
    )
    shared_buffers = min(max(ram * sb_pct // 100, 128), 8192)
    settings: dict[str, Any] = {
        "listen_addresses": ",".join(v["postgresql_listen_addresses"]),
        "port": v["postgresql_port"],
        "max_connections": max_conn,
        "shared_buffers": f"{shared_buffers}MB",
        "effective_cache_size": f"{ram * ecs_pct // 100}MB",
        "maintenance_work_mem": f"{min(max(ram // 16, 64), 1024)}MB",
        "work_mem": f"{min(max((ram - shared_buffers) // (3 * max_conn), 4), 64)}MB",
        "password_encryption": "scram-sha-256",
        "ssl": bool(v["postgresql_ssl"]),
    }
    if pi:
        settings.update(v["postgresql_raspberry_pi_settings"])
    settings.update(v["postgresql_settings"])
    return {name: _show_text(value) for name, value in settings.items()}


def _show_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def psql_admin(host, sql: str, db: str = "postgres") -> str:
    """Run SQL as the cluster superuser over the Unix socket; return the output."""
    port = role_vars(host)["postgresql_port"]
    cmd = host.run(
        "runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -p %s -d %s -c %s", str(port), db, sql
    )
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip()


def psql_app(host, sql: str = "SELECT current_user", password: str | None = None, **conninfo: str):
    """Connect as the application over TCP from inside the host. Returns the
    command result; never prompts for a password (-w)."""
    v = role_vars(host)
    params = {
        "host": "127.0.0.1",
        "port": str(v["postgresql_port"]),
        "dbname": v["postgresql_app_db"],
        "user": v["postgresql_app_user"],
        "sslmode": "disable",
    }
    params.update(conninfo)
    dsn = " ".join(f"{k}={v}" for k, v in params.items())
    env = f"PGPASSWORD={shlex.quote(password)} " if password is not None else ""
    return host.run(f"{env}psql -XAtqw -d {shlex.quote(dsn)} -c {shlex.quote(sql)}")
