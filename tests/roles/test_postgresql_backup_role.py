"""roles/postgresql_backup without a test host: argument validation, the
refusals before any change (no room, bad paths, bad schedules, encryption
without a passphrase), the warning for a repository on the data's file
system, the stop when pgBackRest cannot list the data directory or the
repository, and the schedule filter's translations for systemd, cron and
launchd. The refusals run the role's read-only preflight on this machine."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from test_postgresql_role import ansible_playbook

PROJECT = Path(__file__).resolve().parents[2]
FILTER = PROJECT / "roles" / "postgresql_backup" / "filter_plugins" / "pgbackrest_schedule.py"
DATA_DIR = "/var/lib/postgresql/15/main"


def _schedule_module():
    spec = importlib.util.spec_from_file_location("pgbackrest_schedule", FILTER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


schedule = _schedule_module()


def flat(text: str) -> str:
    return " ".join(text.split())


# --- argument specs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"postgresql_backup_compress_type": "zstd"},
            "value of postgresql_backup_compress_type must be one of: zst, lz4, gz, bz2, none, got: zstd",
        ),
        (
            {"postgresql_backup_retention_full": "two"},
            "argument 'postgresql_backup_retention_full' is of type str and we were unable to convert to int",
        ),
        (
            {"postgresql_backup_encrypt": "perhaps"},
            "argument 'postgresql_backup_encrypt' is of type str and we were unable to convert to bool",
        ),
        (
            {"postgresql_backup_type": "weekly"},
            "value of postgresql_backup_type must be one of: full, diff, incr, got: weekly",
        ),
    ],
    ids=["compress-choice", "retention-not-int", "encrypt-not-bool", "type-choice"],
)
def test_wrong_variable_fails_at_once_with_a_clear_message(extra, message):
    result = ansible_playbook("postgresql_backup_role.yml", "-c", "local", extra=extra)
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert message in flat(out), out
    assert "Validating arguments against arg spec 'main'" in out
    assert "ok=0    changed=0" in out, out


def test_the_passphrase_is_not_in_the_validation_output():
    secret = "S3cretPassphraseThatMustNotShow"
    result = ansible_playbook(
        "postgresql_backup_role.yml",
        "-c",
        "local",
        "-vvv",
        extra={"postgresql_backup_cipher_pass": secret, "postgresql_backup_process_max": "x"},
    )
    assert result.returncode == 2
    assert secret not in result.stdout + result.stderr


# --- refusals before any change ----------------------------------------------------------


def preflight(extra: dict):
    # No sudo on the machines this runs on (as root): su to the cluster's user.
    extra = {"ansible_become_method": "su", **extra}
    result = ansible_playbook("postgresql_backup_preflight.yml", "-c", "local", extra=extra)
    return result, result.stdout + result.stderr


def assert_refused(result, out: str, message: str) -> None:
    assert result.returncode == 2, out
    assert message in flat(out), out
    assert " changed=0 " in flat(out) + " ", out


def test_no_room_for_one_full_backup_is_refused(tmp_path):
    result, out = preflight(
        {"postgresql_backup_repo_path": str(tmp_path / "repo"), "postgresql_backup_min_free_mb": 10**9}
    )
    assert_refused(result, out, f"the repository {tmp_path / 'repo'} (file system")
    assert "one full backup needs" in flat(out)
    assert "Nothing was changed" in flat(out)
    assert not (tmp_path / "repo").exists()


@pytest.mark.parametrize(
    "repo",
    ["relative/pgbackrest", "/", "/var", f"{DATA_DIR}/backups", "/var/lib/postgresql/15"],
    ids=["relative", "root", "system-dir", "inside-data", "containing-data"],
)
def test_bad_repository_paths_are_refused(repo):
    result, out = preflight({"postgresql_backup_repo_path": repo})
    assert_refused(result, out, f"postgresql_backup_repo_path '{repo}'")
    assert "cannot be used" in flat(out)


def test_a_repository_below_a_file_is_refused(tmp_path):
    (tmp_path / "a-file").write_text("")
    repo = tmp_path / "a-file" / "pgbackrest"
    result, out = preflight({"postgresql_backup_repo_path": str(repo)})
    assert_refused(result, out, f"{repo} cannot be made: a part of it is not a directory")


def test_the_drill_port_must_not_be_the_live_one(tmp_path):
    result, out = preflight(
        {"postgresql_backup_repo_path": str(tmp_path), "postgresql_backup_drill_port": 5432}
    )
    assert_refused(result, out, "the drill's port must not be the cluster's")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("postgresql_backup_full_schedule", "Sun 25:00", "'Sun 25:00' is not a time of day"),
        ("postgresql_backup_diff_schedule", "Funday 01:30", "'Funday' in 'Funday 01:30' is not a weekday"),
        (
            "postgresql_backup_diff_schedule",
            "Sat..Mon 01:30",
            "the range 'Sat..Mon' in 'Sat..Mon 01:30' runs backwards",
        ),
        (
            "postgresql_backup_drill_schedule",
            "01:30",
            'postgresql_backup_drill_schedule must be "<days> HH:MM"',
        ),
        (
            "postgresql_backup_full_schedule",
            "weekly",
            'postgresql_backup_full_schedule must be "<days> HH:MM"',
        ),
    ],
    ids=["hour-25", "no-such-day", "backwards-range", "no-days", "cron-word"],
)
def test_bad_schedules_are_refused(tmp_path, setting, value, message):
    result, out = preflight({"postgresql_backup_repo_path": str(tmp_path), setting: value})
    assert_refused(result, out, message)
    assert setting in flat(out)


def test_encryption_without_a_passphrase_is_refused(tmp_path):
    result, out = preflight({"postgresql_backup_repo_path": str(tmp_path), "postgresql_backup_encrypt": True})
    assert_refused(
        result, out, "postgresql_backup_encrypt is true but postgresql_backup_cipher_pass is not set"
    )


def test_a_short_passphrase_is_refused_and_never_shown(tmp_path):
    secret = "short-secret"
    result, out = preflight(
        {
            "postgresql_backup_repo_path": str(tmp_path),
            "postgresql_backup_encrypt": True,
            "postgresql_backup_cipher_pass": secret,
        }
    )
    assert_refused(result, out, "(or shorter than 20 characters)")
    assert secret not in out


def test_a_repository_on_the_data_file_system_is_allowed_with_a_warning():
    # /var/lib/pgbackrest is the default, beside the data directory: warned, not refused
    # (scripts/prepare-host.sh installs postgresql-15, whose package makes the cluster).
    assert os.path.isdir(DATA_DIR)
    result, out = preflight({})
    assert result.returncode == 0, out
    assert "WARNING" in out and "is on the same file system as the data directory" in flat(out), out


def test_a_repository_elsewhere_is_not_warned_about(tmp_path):
    # /tmp is a tmpfs or another file system than /var/lib on the machines this runs on
    # only when it is: compare the devices here as the role does.
    result, out = preflight({"postgresql_backup_repo_path": str(tmp_path / "repo")})
    assert result.returncode == 0, out
    same = os.path.isdir(DATA_DIR) and os.stat(tmp_path).st_dev == os.stat(DATA_DIR).st_dev
    assert ("is on the same file system as the data directory" in flat(out)) == same, out


# --- the schedule filter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "on_calendar", "cron", "launchd"),
    [
        ("Sun 01:30", "Sun *-*-* 01:30:00", "30 1 * * 0", [{"Hour": 1, "Minute": 30, "Weekday": 0}]),
        (
            "Mon..Sat 01:30",
            "Mon,Tue,Wed,Thu,Fri,Sat *-*-* 01:30:00",
            "30 1 * * 1,2,3,4,5,6",
            [{"Hour": 1, "Minute": 30, "Weekday": d} for d in (1, 2, 3, 4, 5, 6)],
        ),
        ("daily 23:05", "*-*-* 23:05:00", "5 23 * * *", [{"Hour": 23, "Minute": 5}]),
        ("Mon..Sun 00:00", "*-*-* 00:00:00", "0 0 * * *", [{"Hour": 0, "Minute": 0}]),
        (
            "wed,fri 4:00",
            "Wed,Fri *-*-* 04:00:00",
            "0 4 * * 3,5",
            [{"Hour": 4, "Minute": 0, "Weekday": d} for d in (3, 5)],
        ),
    ],
)
def test_one_schedule_means_the_same_everywhere(text, on_calendar, cron, launchd):
    assert schedule.on_calendar(text) == on_calendar
    assert schedule.cron_fields(text) == cron
    assert schedule.launchd_intervals(text) == launchd


@pytest.mark.parametrize("text", ["Sun 1:3", "Sun 01:60", "Mon-Fri 01:00", "", None, 130])
def test_the_filter_refuses_what_is_not_a_schedule(text):
    with pytest.raises(AnsibleFilterError, match="must be"):
        schedule.parse_schedule(text, "postgresql_backup_full_schedule")


# --- pgBackRest must see the files ---------------------------------------------------------


def listing(tmp_path: Path, extra: dict):
    data, repo = tmp_path / "data", tmp_path / "repo"
    (data / "global").mkdir(parents=True)
    (data / "PG_VERSION").write_text("15\n")
    (repo / "archive").mkdir(parents=True)
    (repo / "backup").mkdir()
    extra = {
        "postgresql_data_dir": str(data),
        "postgresql_backup_repo_path": str(repo),
        # As the connecting user: the cluster's user cannot enter pytest's tmp_path.
        "__postgresql_backup_become": False,
        **extra,
    }
    result = ansible_playbook("postgresql_backup_listing.yml", "-c", "local", extra=extra)
    return result, result.stdout + result.stderr


def test_pgbackrest_that_lists_the_directories_passes(tmp_path):
    # Debian's real pgbackrest (scripts/prepare-host.sh installs it).
    result, out = listing(tmp_path, {})
    assert result.returncode == 0, out
    assert "failed=0" in out, out


def test_pgbackrest_that_lists_nothing_is_refused(tmp_path):
    # What Debian's armhf pgbackrest does under qemu-arm on ext4: readdir()
    # ends at once with EOVERFLOW, pgBackRest prints nothing and exits 0.
    blind = tmp_path / "pgbackrest"
    blind.write_text("#!/bin/sh\nexit 0\n")
    blind.chmod(0o755)
    result, out = listing(tmp_path, {"__postgresql_backup_bin": str(blind)})
    assert result.returncode == 2, out
    data = tmp_path / "data"
    refused = f"localhost: pgBackRest ({blind}) lists 0 entries in {data}, which holds PG_VERSION"
    assert refused in flat(out), out
    assert "it cannot read that file system's directories" in flat(out), out
