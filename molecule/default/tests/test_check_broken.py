"""playbooks/check.yml on a deliberately broken host: a `trust` line in
pg_hba.conf and a superuser application role, then PostgreSQL stopped. Each
must give `fail` lines naming the problem, and the play must fail. The host
is repaired after each case, whatever happens (the last check proves it)."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import pgtest
from checkplay import run_check

HBA = "/etc/postgresql/15/main/pg_hba.conf"


def test_trust_line_and_superuser_app_role_fail(host):
    name = host.ansible.get_variables()["inventory_hostname"]
    user = pgtest.role_vars(host)["postgresql_app_user"]
    original = host.file(HBA).content_string
    try:
        host.run_test(f"sed -i '1i host all all 127.0.0.1/32 trust' {HBA}")
        pgtest.psql_admin(host, "SELECT pg_reload_conf()")
        pgtest.psql_admin(host, f"ALTER ROLE {user} SUPERUSER")
        broken = run_check(name)
    finally:
        encoded = base64.b64encode(original.encode()).decode()
        host.run_test(f"echo {encoded} | base64 -d > {HBA}")
        pgtest.psql_admin(host, f"ALTER ROLE {user} NOSUPERUSER")
        pgtest.psql_admin(host, "SELECT pg_reload_conf()")
    assert broken.rc != 0
    assert "no trust in pg_hba, app role privileges, app refused without password are fail" in broken.output
    trust = broken.lines["no trust in pg_hba"]
    assert trust["status"] == "fail"
    assert "line 1: host all all 127.0.0.1 trust" in trust["reason"]
    role = broken.lines["app role privileges"]
    assert role["status"] == "fail"
    assert f"{user} is SUPERUSER" in role["reason"]
    nopass = broken.lines["app refused without password"]
    assert (nopass["status"], nopass["reason"]) == ("fail", f"{user} got in over TCP with no password")


def test_postgresql_stopped_fails(host):
    name = host.ansible.get_variables()["inventory_hostname"]
    try:
        host.run_test(f"systemctl stop {pgtest.SERVICE}")
        stopped = run_check(name)
    finally:
        host.run_test(f"systemctl start {pgtest.SERVICE}")
    assert stopped.rc != 0
    running = stopped.lines["postgresql running"]
    assert running["status"] == "fail"
    assert "does not answer on /var/run/postgresql port 5433" in running["reason"]
    assert f"systemctl start {pgtest.SERVICE}" in running["action"]
    assert stopped.lines["app password login"]["status"] == "fail"
    assert stopped.lines["no trust in pg_hba"]["reason"] == "not checked: the server does not answer"
    # Both cases repaired: healthy again.
    assert run_check(name).rc == 0
