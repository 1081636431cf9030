"""roles/host_check's judgement: what the tasks observed on a host, as lines.

The tasks only look (every one of them reads, in check mode too) and gather
their observations into one mapping; this file turns that mapping into the
report's lines, each ``{"check", "status", "reason", "action"}`` with status
``ok``, ``warn`` or ``fail``, a one-line reason and, unless ok, what to do.
No line is left out when something could not be looked at: the line says so.

Filters (tests/roles/test_host_check_lines.py):

* ``host_check_lines``: the observations -> the list of lines, in the order
  of the README's "Checking a host" table.
* ``host_check_table``: a host's lines -> one readable text table.
* ``host_check_cert_days``: openssl's ``notAfter=...`` and the time now (Unix
  seconds) -> whole days left (negative when expired).
"""

from __future__ import annotations

import calendar
import time
from typing import Any

Line = dict[str, str]

OK, WARN, FAIL = "ok", "warn", "fail"

# Addresses that keep the server on this host.
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _line(check: str, status: str, reason: str, action: str = "") -> Line:
    return {"check": check, "status": status, "reason": reason, "action": action if status != OK else ""}


def cert_days(enddate: str, now: float) -> int:
    """Days until `notAfter=Mon DD HH:MM:SS YYYY GMT` (openssl x509 -enddate)."""
    text = enddate.strip().removeprefix("notAfter=").strip()
    not_after = calendar.timegm(time.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT"))
    return int((not_after - now) // 86400)


def _down(check: str) -> Line:
    # The "running" line is the fail; the lines that need the server only say
    # they could not look.
    return _line(check, WARN, "not checked: the server does not answer", "start PostgreSQL, then check again")


def _installed(obs: dict[str, Any]) -> Line:
    binary = obs.get("server_binary") or {}
    if not binary.get("exists"):
        return _line(
            "postgresql installed",
            FAIL,
            f"no PostgreSQL 15 server at {binary.get('path', '?')}",
            "run playbooks/provision.yml for this host",
        )
    version = str(binary.get("version", "")).strip()
    if " 15." not in f" {version.split()[-1] if version else ''}":
        return _line(
            "postgresql installed",
            FAIL,
            f"{binary.get('path')} is not version 15: {version or 'no answer to --version'}",
            "install PostgreSQL 15 (playbooks/provision.yml)",
        )
    return _line("postgresql installed", OK, version)


def _running(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    if not server.get("answered"):
        return _line(
            "postgresql running",
            FAIL,
            f"the server does not answer on {obs.get('socket_dir')} port {obs.get('port')}: "
            f"{_one_line(server.get('error')) or 'no answer'}",
            f"start it ({obs.get('start_hint', 'see its log')}) and look at its log",
        )
    return _line(
        "postgresql running", OK, f"answers: PostgreSQL {server.get('version')} on port {server.get('port')}"
    )


def _boot(obs: dict[str, Any]) -> Line:
    boot = obs.get("boot") or {}
    manager, enabled, detail = boot.get("manager"), boot.get("enabled"), _one_line(boot.get("detail"))
    if manager == "none":
        return _line(
            "started at boot",
            WARN,
            "no service manager here (no systemd as PID 1): nothing starts PostgreSQL at boot",
            "start it after each boot (pg_ctlcluster 15 main start) or run the host with systemd",
        )
    if enabled:
        return _line("started at boot", OK, f"{boot.get('service')}: {detail or 'enabled'} ({manager})")
    hint = (
        f"systemctl enable {boot.get('service')}"
        if manager == "systemd"
        else f"brew services start {boot.get('service')}"
    )
    return _line(
        "started at boot",
        FAIL,
        f"{boot.get('service')} is not enabled ({manager}: {detail or 'disabled'})",
        hint,
    )


def _listening(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    want_addresses = ",".join(obs.get("listen_addresses") or [])
    want_port = str(obs.get("port"))
    if not server.get("answered"):
        return _down("listening")
    shown = f"listen_addresses={server.get('listen_addresses')} port={server.get('port')}"
    if server.get("listen_addresses") != want_addresses or str(server.get("port")) != want_port:
        return _line(
            "listening",
            FAIL,
            f"{shown}, the inventory says listen_addresses={want_addresses} port={want_port}",
            "run playbooks/provision.yml (it restarts PostgreSQL with the inventory's settings)",
        )
    closed = [address for address, accepted in (obs.get("tcp") or {}).items() if not accepted]
    if closed:
        return _line(
            "listening",
            FAIL,
            f"{shown}, but no TCP connection to {', '.join(closed)} port {want_port}",
            "look for a firewall or another server on that port, and at PostgreSQL's log",
        )
    return _line("listening", OK, f"{shown}, TCP connection accepted")


def _checksums(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    if not server.get("answered"):
        return _down("data checksums")
    if server.get("data_checksums") == "on":
        return _line("data checksums", OK, "on: a page damaged on disk is reported, not read silently")
    return _line(
        "data checksums",
        WARN,
        "off: a page damaged on disk (a worn SD card) would be read silently",
        "with the server stopped, `pg_checksums --enable -D <data dir>` (after a backup)",
    )


def _settings(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    if not server.get("answered"):
        return _down("settings")
    rows = server.get("file_settings") or []
    if not rows:
        return _line(
            "settings",
            FAIL,
            "PostgreSQL reads none of the role's settings files (conf.d/6?-ansible-*.conf)",
            "run playbooks/provision.yml",
        )
    pending = set(server.get("pending_restart") or [])
    errors = [f"{r['name']} ({r['error']})" for r in rows if r.get("error")]
    waiting = sorted({r["name"] for r in rows if not r.get("applied") and r["name"] in pending})
    overridden = sorted(
        {r["name"] for r in rows if not r.get("applied") and not r.get("error") and r["name"] not in pending}
    )
    shown = ", ".join(f"{r['name']}={r.get('current')}" for r in rows if r.get("applied"))
    if errors:
        return _line(
            "settings",
            FAIL,
            f"PostgreSQL refuses {', '.join(errors)}",
            "fix the value in the inventory (postgresql_settings) and run playbooks/provision.yml",
        )
    if waiting:
        return _line(
            "settings",
            WARN,
            f"{', '.join(waiting)} wait for a restart; in effect: {shown}",
            "restart PostgreSQL (playbooks/provision.yml does it)",
        )
    if overridden:
        return _line(
            "settings",
            WARN,
            f"{', '.join(overridden)} overridden elsewhere (ALTER SYSTEM?); in effect: {shown}",
            "ALTER SYSTEM RESET them, or set them in the inventory instead",
        )
    profile = "Raspberry Pi profile" if obs.get("is_raspberry_pi") else "server profile"
    return _line("settings", OK, f"{profile}, all in effect (SHOW): {shown}")


def _tls(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    if not server.get("answered"):
        return _down("tls")
    want = bool(obs.get("ssl"))
    if server.get("ssl") != "on":
        if want:
            return _line(
                "tls",
                FAIL,
                "ssl is off, the inventory says postgresql_ssl: true",
                "run playbooks/provision.yml",
            )
        remote = set(obs.get("listen_addresses") or []) - _LOOPBACK
        if remote:
            return _line(
                "tls",
                WARN,
                f"off while listening on {', '.join(sorted(remote))}: data crosses the network in clear",
                "set postgresql_ssl: true (and postgresql_app_require_ssl) and run playbooks/provision.yml",
            )
        return _line("tls", OK, "off; the server listens on this host only")
    cert = obs.get("cert") or {}
    if cert.get("error") or cert.get("days") is None:
        return _line(
            "tls",
            FAIL,
            f"on, but the certificate {server.get('ssl_cert_file')} cannot be read: "
            f"{_one_line(cert.get('error')) or 'no answer'}",
            "check the file and its owner, or empty postgresql_ssl_cert_file for a self-signed one",
        )
    days, limit = int(cert["days"]), int(obs.get("cert_warn_days", 30))
    if days < 0:
        return _line(
            "tls",
            FAIL,
            f"on, certificate {server.get('ssl_cert_file')} expired {-days} days ago",
            "renew the certificate and reload PostgreSQL",
        )
    if days < limit:
        return _line(
            "tls",
            WARN,
            f"on, certificate {server.get('ssl_cert_file')} expires in {days} days",
            "renew the certificate and reload PostgreSQL",
        )
    return _line("tls", OK, f"on, certificate {server.get('ssl_cert_file')} valid for {days} more days")


def _no_trust(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    if not server.get("answered"):
        return _down("no trust in pg_hba")
    rules = server.get("hba") or []
    where = server.get("hba_file", "pg_hba.conf")
    trust = [r for r in rules if r.get("method") == "trust"]
    errors = [r for r in rules if r.get("error")]
    if trust:
        shown = "; ".join(
            " ".join(
                [
                    f"line {r['line']}: {r['type']}",
                    ",".join(r.get("database") or []),
                    ",".join(r.get("user") or []),
                ]
                + ([r["address"]] if r.get("address") else [])
                + ["trust"]
            )
            for r in trust
        )
        return _line(
            "no trust in pg_hba",
            FAIL,
            f"{where} lets in without a password: {shown}",
            "remove those lines (playbooks/provision.yml rewrites the file) and reload PostgreSQL",
        )
    if errors:
        shown = "; ".join(f"line {r['line']}: {r['error']}" for r in errors)
        return _line(
            "no trust in pg_hba",
            FAIL,
            f"{where} has lines PostgreSQL cannot read: {shown}",
            "fix them (playbooks/provision.yml rewrites the file)",
        )
    return _line("no trust in pg_hba", OK, f"{len(rules)} rules in {where}, none is trust")


def _app_role(obs: dict[str, Any]) -> Line:
    server = obs.get("server") or {}
    user = obs.get("app_user")
    if not server.get("answered"):
        return _down("app role privileges")
    role = server.get("app_role")
    if not role:
        return _line(
            "app role privileges", FAIL, f"the role {user} does not exist", "run playbooks/provision.yml"
        )
    powers = [
        name
        for name, key in (
            ("SUPERUSER", "rolsuper"),
            ("CREATEROLE", "rolcreaterole"),
            ("CREATEDB", "rolcreatedb"),
            ("REPLICATION", "rolreplication"),
            ("BYPASSRLS", "rolbypassrls"),
        )
        if role.get(key)
    ]
    owner = server.get("app_db_owner")
    if powers:
        return _line(
            "app role privileges",
            FAIL,
            f"{user} is {', '.join(powers)}: the application could do anything to the cluster",
            f"ALTER ROLE {user} {' '.join('NO' + p for p in powers)} (as the cluster superuser)",
        )
    if owner != user:
        return _line(
            "app role privileges",
            FAIL,
            f"the database {obs.get('app_db')} is {'missing' if owner is None else 'owned by ' + str(owner)}",
            "run playbooks/provision.yml",
        )
    return _line(
        "app role privileges",
        OK,
        f"{user}: not superuser, cannot create roles or databases, no replication or RLS bypass, "
        f"owns {obs.get('app_db')}",
    )


def _app_login(obs: dict[str, Any]) -> Line:
    login = obs.get("app_login") or {}
    target = f"{obs.get('app_user')}@{obs.get('app_host')}:{obs.get('port')}/{obs.get('app_db')}"
    if login.get("skipped"):
        return _line(
            "app password login",
            WARN,
            "not tried: postgresql_app_password is not set for this host",
            "give the host its password (Ansible Vault) to check the login",
        )
    if login.get("available"):
        return _line("app password login", OK, f"{target} over TCP with its password (PGPASSFILE)")
    return _line(
        "app password login",
        FAIL,
        f"{target}: the login with its password failed: {_one_line(login.get('error')) or 'no answer'}",
        "run playbooks/provision.yml (it sets the password and pg_hba.conf), or fix postgresql_app_password",
    )


def _app_nopass(obs: dict[str, Any]) -> Line:
    nopass = obs.get("app_nopass") or {}
    if nopass.get("available"):
        return _line(
            "app refused without password",
            FAIL,
            f"{obs.get('app_user')} got in over TCP with no password",
            "remove the trust (or other password-less) line from pg_hba.conf: run playbooks/provision.yml",
        )
    error = _one_line(nopass.get("error"))
    if "password" not in error:
        return _line(
            "app refused without password",
            FAIL,
            f"refused, but not for want of a password: {error or 'no answer'}",
            "see the password login line above",
        )
    return _line("app refused without password", OK, f"refused: {error}")


def _env(obs: dict[str, Any]) -> Line:
    env = obs.get("env") or {}
    if not env.get("exists"):
        return _line(
            "app .env",
            WARN,
            f"no .env at {env.get('file')}: no application here to check",
            "set bwaincell_app_dir (or bwaincell_app_env_file) to where the application is",
        )
    database = env.get("database")
    path, inventory = env.get("sqlite_path"), env.get("inventory_sqlite_path")
    if path and path != inventory:
        return _line(
            "app .env",
            FAIL,
            f"DATABASE_PATH is {path}, the inventory's bwaincell_app_sqlite_path is {inventory}",
            "make them name the same file (the migration refuses to run otherwise)",
        )
    if not path:
        return _line(
            "app .env",
            WARN,
            f"{env.get('file')} has no DATABASE_PATH: a rollback would have no SQLite file to go back to",
            f"add DATABASE_PATH={inventory} to the .env",
        )
    target = "PostgreSQL (DATABASE_URL)" if database == "postgres" else f"SQLite {path}"
    return _line("app .env", OK, f"points at {target}; DATABASE_PATH agrees with the inventory")


def _migration(obs: dict[str, Any]) -> Line:
    state = obs.get("migration") or {}
    env = obs.get("env") or {}
    file = state.get("file")
    if not state.get("exists"):
        if env.get("database") == "postgres":
            return _line(
                "migration state",
                WARN,
                f"no state file at {file}, yet the .env points at PostgreSQL",
                "a migration done by hand? playbooks/rollback.yml needs the state file",
            )
        return _line("migration state", OK, f"no migration yet (no {file})")
    data = state.get("state") or {}
    status = data.get("status", "unknown")
    when = data.get("at") or ""
    at = f" at {when}" if when else ""
    if status == "failed":
        return _line(
            "migration state",
            FAIL,
            f"the last migration failed{at} ({file})",
            "read reports/migration-*.md, then run playbooks/migrate.yml again or playbooks/rollback.yml",
        )
    if status == "migrated" and env.get("exists") and env.get("database") != "postgres":
        return _line(
            "migration state",
            FAIL,
            f"migrated{at}, but the .env points at SQLite",
            "run playbooks/migrate.yml again (it switches the .env) or playbooks/rollback.yml",
        )
    if status not in ("migrated", "rolled_back"):
        return _line(
            "migration state", WARN, f"unknown status {status!r} in {file}", "read the file and the reports"
        )
    return _line("migration state", OK, f"{status}{at}")


def _health(obs: dict[str, Any]) -> Line:
    health = obs.get("health") or {}
    url = health.get("url")
    if not url:
        return _line(
            "app health",
            WARN,
            "not checked: bwaincell_app_health_url is empty",
            "set bwaincell_app_health_url (e.g. http://127.0.0.1:3000/health) where the application runs",
        )
    status = health.get("status")
    if status not in (health.get("status_codes") or [200]):
        return _line(
            "app health",
            FAIL,
            f"{url} answered {status if status not in (None, -1) else 'nothing'}"
            f"{': ' + _one_line(health.get('msg')) if health.get('msg') else ''}",
            "start the application (its log says why it is down)",
        )
    key, want = health.get("backend_key"), health.get("expected_backend")
    answer = health.get("json") or {}
    if key and want:
        got = answer.get(key) if isinstance(answer, dict) else None
        if got != want:
            return _line(
                "app health",
                FAIL,
                f"{url} answers on {got!r}, the .env points at {want}",
                "restart the application so that it reads its .env",
            )
        return _line("app health", OK, f"{url}: {status}, on {got}")
    return _line("app health", OK, f"{url}: {status}")


def _backup(obs: dict[str, Any]) -> list[Line]:
    backup = obs.get("backup") or {}
    if not backup.get("enabled"):
        reason = (
            "no PostgreSQL backups: turned off (postgresql_backup_enabled: false)"
            if backup.get("turned_off")
            else f"no PostgreSQL backups are set up (no pgBackRest configuration at {backup.get('config')})"
        )
        return [
            _line(
                "backups",
                WARN,
                reason,
                "run playbooks/provision.yml for this host (roles/postgresql_backup sets pgBackRest up)",
            )
        ]
    stanza = backup.get("stanza")
    if backup.get("missing"):
        return [
            _line(
                "last backup",
                FAIL,
                f"postgresql_backup_enabled is true, but {' and '.join(backup['missing'])} "
                f"{'does' if len(backup['missing']) == 1 else 'do'} not exist",
                "apply roles/postgresql_backup to this host (it installs and configures pgBackRest)",
            )
        ]
    info = backup.get("last") or {}
    limit_h = int(backup.get("max_age_hours", 26))
    lines: list[Line] = []
    if backup.get("info_rc") not in (0, None) and not info.get("stanza_found"):
        lines.append(
            _line(
                "last backup",
                FAIL,
                f"pgbackrest --stanza={stanza} info failed: "
                f"{_one_line(backup.get('info_error')) or 'no answer'}",
                f"check {backup.get('config')} and run `pgbackrest --stanza={stanza} stanza-create`",
            )
        )
    elif info.get("problem"):
        lines.append(_line("last backup", FAIL, info["problem"], f"check {backup.get('config')}"))
    elif info.get("stop") is None:
        lines.append(
            _line(
                "last backup",
                FAIL,
                f"stanza {stanza} has no good backup ({info.get('status_message') or 'no backup'})",
                f"run `pgbackrest --stanza={stanza} --type=full backup` as postgres",
            )
        )
    else:
        age_h = (float(obs.get("now", time.time())) - int(info["stop"])) / 3600
        shown = f"{info.get('label')} ({info.get('type')}), {age_h:.1f} h old"
        if age_h > limit_h:
            lines.append(
                _line(
                    "last backup",
                    WARN,
                    f"{shown}: older than {limit_h} h",
                    "look at the backup timer's log (systemctl list-timers, journalctl) and run a backup",
                )
            )
        else:
            lines.append(_line("last backup", OK, shown))
    if backup.get("check_rc") == 0:
        lines.append(_line("pgbackrest check", OK, f"stanza {stanza}: WAL archiving and the repository work"))
    else:
        lines.append(
            _line(
                "pgbackrest check",
                FAIL,
                f"pgbackrest --stanza={stanza} check failed: "
                f"{_one_line(backup.get('check_error')) or 'no answer'}",
                "read the message: archive_command, the repository path and its permissions",
            )
        )
    return lines


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())[:300]


def lines(obs: dict[str, Any]) -> list[Line]:
    """The report's lines for one host's observations (see the module docstring)."""
    if obs.get("platform_error"):
        return [
            _line(
                "platform",
                FAIL,
                _one_line(obs["platform_error"]),
                "install PostgreSQL 15 with playbooks/provision.yml (or fix what the message names)",
            )
        ]
    result = [
        _installed(obs),
        _running(obs),
        _boot(obs),
        _listening(obs),
        _checksums(obs),
        _settings(obs),
        _tls(obs),
        _no_trust(obs),
        _app_role(obs),
        _app_login(obs),
        _app_nopass(obs),
        _env(obs),
        _migration(obs),
        _health(obs),
    ]
    return result + _backup(obs)


def table(host_lines: list[Line], host: str) -> str:
    """One host's lines as a text table: check, status, reason (and what to do)."""
    width = max([len(line["check"]) for line in host_lines] + [5])
    out = [f"{host}", f"  {'check':<{width}}  {'':<4}  reason / what to do"]
    for line in host_lines:
        out.append(f"  {line['check']:<{width}}  {line['status']:<4}  {line['reason']}")
        if line.get("action"):
            out.append(f"  {'':<{width}}  {'':<4}  -> {line['action']}")
    counts = {s: sum(1 for line in host_lines if line["status"] == s) for s in (OK, WARN, FAIL)}
    out.append(f"  {counts[OK]} ok, {counts[WARN]} warn, {counts[FAIL]} fail")
    return "\n".join(out)


class FilterModule:
    def filters(self):
        return {"host_check_lines": lines, "host_check_table": table, "host_check_cert_days": cert_days}
