"""roles/postgresql_backup's macOS path on the stand-in Mac (see molecule.yml):
pgbackrest poured by the brew stand-in (Debian's binary), its configuration
and repository under the Homebrew prefix, the stanza on the stand-in's
PostgreSQL, the schedule as LaunchAgents loaded through the launchctl
stand-in (loaded, not run), and a drill that restores into a scratch cluster.
Not proved: Homebrew's own pgbackrest build, real launchd calendar jobs."""

from __future__ import annotations

import json
import plistlib

PREFIX = "/opt/homebrew"
MAC_USER = "macuser"
CONFIG = f"{PREFIX}/etc/pgbackrest/pgbackrest.conf"
PGBACKREST = f"{PREFIX}/bin/pgbackrest --config={CONFIG} --stanza=main"
AGENTS = f"/Users/{MAC_USER}/Library/LaunchAgents"

testinfra_hosts = ["pg-macos"]


def brew_calls(host) -> list[dict]:
    log = host.file(f"{PREFIX}/var/log/brew-standin/calls.jsonl").content_string
    return [json.loads(line) for line in log.splitlines() if line]


def test_pgbackrest_poured_once_by_the_mac_user(host):
    installs = [c for c in brew_calls(host) if c["argv"][:1] == ["install"] and "pgbackrest" in c["argv"]]
    assert len(installs) == 1, installs
    assert installs[0]["user"] == MAC_USER and installs[0]["status"] == 0
    assert host.file(f"{PREFIX}/bin/pgbackrest").is_symlink


def test_the_configuration_lives_under_the_prefix(host):
    conf = host.file(CONFIG)
    assert conf.user == MAC_USER
    assert conf.mode == 0o640
    text = conf.content_string
    assert f"repo1-path={PREFIX}/var/pgbackrest\n" in text
    assert f"pg1-path={PREFIX}/var/postgresql@15\n" in text
    assert "pg1-socket-path=/tmp\n" in text
    assert f"pg1-user={MAC_USER}\n" in text


def test_the_stanza_is_good_and_check_passes(host):
    out = host.run(f"{PGBACKREST} --output=json info")
    assert out.rc == 0, out.stderr
    stanza = json.loads(out.stdout)[0]
    assert stanza["status"]["code"] == 0, stanza["status"]
    assert [b["type"] for b in stanza["backup"]] == ["full"]
    check = host.run(f"{PGBACKREST} check")
    assert check.rc == 0, check.stderr


def test_archiving_uses_the_prefix_config(host):
    conf = host.file(f"{PREFIX}/var/postgresql@15/conf.d/71-pgbackrest-reload.conf").content_string
    assert f"archive_command = '{PGBACKREST} archive-push %p'" in conf


def test_the_schedule_is_launchagents_loaded_not_run(host):
    expected = {
        "full": [{"Hour": 1, "Minute": 30, "Weekday": 0}],
        "diff": [{"Hour": 1, "Minute": 30, "Weekday": d} for d in range(1, 7)],
    }
    listed = host.run("launchctl list").stdout
    for kind, intervals in expected.items():
        label = f"org.pgbackrest.main.{kind}"
        plist = plistlib.loads(host.file(f"{AGENTS}/{label}.plist").content)
        assert plist["Label"] == label
        assert plist["StartCalendarInterval"] == intervals
        assert plist["ProgramArguments"][-2:] == [f"--type={kind}", "backup"]
        assert not plist.get("RunAtLoad")
        # Loaded, not running: "-" for the PID.
        assert f"-\t0\t{label}" in listed, listed
    # The drill's job is off by default: written, not loaded.
    assert host.file(f"{AGENTS}/org.pgbackrest.main.drill.plist").exists
    assert "org.pgbackrest.main.drill" not in listed


def test_the_drill_restored_into_a_scratch_cluster(host):
    drill = json.loads(host.file(f"/Users/{MAC_USER}/drill.json").content_string)
    assert drill["ok"], drill
    assert drill["marker_found"]
    assert drill["scratch_removed"]
    assert not host.file(f"{PREFIX}/var/pgbackrest/drill").exists
