"""Molecule `backup`: roles/postgresql_backup after provision.yml, then the side
effect (rows before and after T, a dropped table, restore.yml to T, a drill
on a good backup and one on a corrupted backup).

What to expect is computed from the role's defaults here, not from its
templates, so that a wrong rendering shows up as a failed test."""

from __future__ import annotations

import json
import os
import shlex
import time
from functools import cache
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[3]
DEFAULTS = yaml.safe_load((PROJECT / "roles" / "postgresql_backup" / "defaults" / "main.yml").read_text())
STANZA = DEFAULTS["postgresql_backup_stanza"]
REPO = "/var/lib/pgbackrest"
CONFIG = "/etc/pgbackrest/pgbackrest.conf"
DATA = "/var/lib/postgresql/15/main"
PGBACKREST = f"pgbackrest --config={CONFIG} --stanza={STANZA}"

testinfra_hosts = ["bk-debian12"]


def as_postgres(host, command: str):
    return host.run(f"sudo -u postgres {command}")


def sql(host, query: str, db: str = "bwaincell") -> str:
    out = as_postgres(host, f"psql -X -At -d {db} -c {shlex.quote(query)}")
    assert out.rc == 0, out.stderr
    return out.stdout.strip()


@cache
def _password() -> str:
    return (Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "postgresql_app_password").read_text().strip()


def info(host) -> dict:
    out = as_postgres(host, f"{PGBACKREST} --output=json info")
    assert out.rc == 0, out.stderr
    return next(s for s in json.loads(out.stdout) if s["name"] == STANZA)


# --- set-up ----------------------------------------------------------------------


def test_the_stanza_exists_and_holds_good_backups(host):
    stanza = info(host)
    assert stanza["status"]["code"] == 0, stanza["status"]
    # The first full backup of the converge and the one the restore takes.
    fulls = [b for b in stanza["backup"] if b["type"] == "full"]
    assert len(fulls) >= 2
    assert not any(b["error"] for b in stanza["backup"])


def test_pgbackrest_check_passes(host):
    out = as_postgres(host, f"{PGBACKREST} check")
    assert out.rc == 0, out.stderr


def test_the_configuration_is_the_documented_one(host):
    conf = host.file(CONFIG)
    assert (conf.user, conf.group, conf.mode) == ("root", "postgres", 0o640)
    text = conf.content_string
    assert f"repo1-path={REPO}\n" in text
    assert f"compress-type={DEFAULTS['postgresql_backup_compress_type']}\n" in text
    assert f"repo1-retention-full={DEFAULTS['postgresql_backup_retention_full']}\n" in text
    assert "cipher" not in text
    assert f"[{STANZA}]\npg1-path={DATA}\n" in text


def test_archiving_is_on_through_pgbackrest(host):
    assert sql(host, "SHOW archive_mode") == "on"
    assert f"--stanza={STANZA} archive-push %p" in sql(host, "SHOW archive_command")


def _calendar(host, expression: str) -> str:
    out = host.run(f"systemd-analyze calendar {shlex.quote(expression)}")
    assert out.rc == 0, out.stderr
    lines = out.stdout.splitlines()
    return next(line.split(":", 1)[1].strip() for line in lines if "Normalized form" in line)


def test_the_timers_run_on_the_intended_schedule(host):
    # The defaults' "Sun 01:30" and "Mon..Sat 01:30" as systemd writes them.
    expected = {"full": "Sun *-*-* 01:30:00", "diff": "Mon..Sat *-*-* 01:30:00"}
    for kind, calendar in expected.items():
        unit = f"pgbackrest-{STANZA}-{kind}.timer"
        assert host.service(unit).is_enabled, unit
        assert host.run(f"systemctl is-active {unit}").stdout.strip() == "active"
        shown = host.run(f"systemctl show -P TimersCalendar {unit}").stdout
        assert f"OnCalendar={_calendar(host, calendar)} ;" in shown, shown
    service = host.file(f"/etc/systemd/system/pgbackrest-{STANZA}-full.service").content_string
    assert "User=postgres" in service
    assert f"--stanza={STANZA} --type=full backup" in service
    # The drill's timer exists but is off by default.
    assert not host.service(f"pgbackrest-{STANZA}-drill.timer").is_enabled


def test_a_switched_wal_segment_reaches_the_repository(host):
    segment = sql(host, "SELECT pg_walfile_name(pg_current_wal_lsn())", db="postgres")
    sql(host, "SELECT pg_switch_wal()", db="postgres")
    archive = f"{REPO}/archive/{STANZA}"
    for _ in range(60):
        found = host.run(f"ls {archive}/*/{segment[:16]}/ 2>/dev/null").stdout
        if segment in found:
            break
        time.sleep(1)
    assert segment in found, f"{segment} not archived under {archive}"


# --- the restore to T ----------------------------------------------------------------


def test_the_rows_before_t_are_back_and_those_after_are_not(host):
    assert sql(host, "SELECT count(*), min(id), max(id) FROM bk_kept") == "100|1|100"
    assert sql(host, "SELECT count(*) FROM bk_kept WHERE note LIKE 'after T%'") == "0"


def test_the_dropped_table_is_back(host):
    assert sql(host, "SELECT count(*) FROM bk_dropped") == "10"


def test_the_old_data_directory_was_kept(host):
    aside = host.run(f"ls -d {DATA}.before-restore-*").stdout.split()
    assert len(aside) == 1, aside
    # It holds the state before the restore: the table dropped after T is not in its catalog
    # (its files are there: PG_VERSION and the cluster).
    assert host.file(f"{aside[0]}/PG_VERSION").content_string.strip() == "15"


def test_the_application_role_logs_in_and_the_application_runs(host):
    out = host.run(
        f"PGPASSWORD={shlex.quote(_password())} psql -X -At -h 127.0.0.1 -U bwaincell -d bwaincell "
        "-c 'SELECT count(*) FROM bk_kept'"
    )
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "100"
    assert host.service("bwaincell.service").is_running


def test_the_cluster_left_recovery_on_a_new_timeline(host):
    assert sql(host, "SELECT pg_is_in_recovery()") == "f"
    assert int(sql(host, "SELECT timeline_id FROM pg_control_checkpoint()")) >= 2


# --- the drills ------------------------------------------------------------------------


def test_the_drill_passes_on_a_good_backup(host):
    drill = json.loads(host.file("/root/drill-good.json").content_string)
    assert drill["ok"], drill
    assert drill["marker_found"]
    assert drill["scratch_removed"]
    assert {t["table"]: t["restored_rows"] for t in drill["tables"]} == {"bk_dropped": 10, "bk_kept": 100}
    assert all(t["match"] for t in drill["tables"] if not t["changed_during_drill"])
    # The scratch cluster is gone and never ran on the live port.
    assert not host.file(f"{REPO}/drill").exists
    assert not host.socket("tcp://127.0.0.1:5499").is_listening


def test_the_drill_fails_on_a_corrupted_backup_and_names_it(host):
    broken = json.loads(host.file("/root/drill-broken.json").content_string)
    assert f"backup {broken['label']} of stanza {STANZA} did NOT restore" in broken["message"], broken
    assert broken["drill"]["ok"] is False
    assert broken["drill"]["scratch_removed"]
    # The live cluster was not touched by the failed drill.
    assert sql(host, "SELECT count(*) FROM bk_kept") == "100"


# --- a restore that fails ---------------------------------------------------------------


def test_a_failed_restore_puts_the_original_data_directory_back(host):
    failed = json.loads(host.file("/root/restore-failed.json").content_string)
    assert "FAILED" in failed["message"]
    assert f"The original data directory is back in {DATA} and PostgreSQL runs on it" in failed["message"]
    kept = host.run(f"ls -d {DATA}.failed-restore-*").stdout.split()
    assert len(kept) == 1, kept
    # The data is the restored cluster's of before the failed attempt, and it runs.
    assert sql(host, "SELECT count(*) FROM bk_kept") == "100"
    assert host.service("bwaincell.service").is_running
