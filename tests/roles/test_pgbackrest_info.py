"""roles/host_check/filter_plugins/pgbackrest_info.py on the shapes of
`pgbackrest info --output=json` that pgBackRest 2.45 prints (its user guide's
"Monitoring" section and command reference): a healthy stanza with a full and
an incremental backup, a backup with a checksum error (``error: true``), a
stanza without backups (status code 2), a missing stanza path (code 1, also from
the real pgbackrest 2.45), and
what is not JSON at all."""

from __future__ import annotations

import json
import subprocess

import pytest
from dotenv_readers import PROJECT, load

info = load(PROJECT / "roles" / "host_check" / "filter_plugins" / "pgbackrest_info.py")


def backup(label: str, kind: str, start: int, stop: int, error: bool = False) -> dict:
    """One entry of a stanza's "backup" list, as pgBackRest 2.45 writes it."""
    return {
        "archive": {"start": "000000010000000000000004", "stop": "000000010000000000000004"},
        "backrest": {"format": 5, "version": "2.45"},
        "database": {"id": 1, "repo-key": 1},
        "error": error,
        "info": {"delta": 25943309, "repository": {"delta": 3144426, "size": 3144426}, "size": 25943309},
        "label": label,
        "lsn": {"start": "0/4000028", "stop": "0/4000100"},
        "prior": None if kind == "full" else "20230317-020002F",
        "reference": None if kind == "full" else ["20230317-020002F"],
        "timestamp": {"start": start, "stop": stop},
        "type": kind,
    }


def stanza(name: str, backups: list[dict], code: int = 0, message: str = "ok") -> dict:
    return {
        "archive": [
            {
                "database": {"id": 1, "repo-key": 1},
                "id": "15-1",
                "max": "000000010000000000000006",
                "min": "000000010000000000000001",
            }
        ],
        "backup": backups,
        "cipher": "none",
        "db": [{"id": 1, "repo-key": 1, "system-id": 7211567382926143210, "version": "15"}],
        "name": name,
        "repo": [{"cipher": "none", "key": 1, "status": {"code": code, "message": message}}],
        "status": {
            "code": code,
            "lock": {"backup": {"held": False}, "restore": {"held": False}},
            "message": message,
        },
    }


def test_newest_good_backup_of_the_stanza():
    text = json.dumps(
        [
            stanza("other", [backup("20230318-020002F", "full", 1679104802, 1679104900)]),
            stanza(
                "bwaincell",
                [
                    backup("20230317-020002F", "full", 1679018402, 1679018467),
                    backup("20230317-020002F_20230317-140002I", "incr", 1679061602, 1679061610),
                ],
            ),
        ]
    )
    got = info.last_backup(text, "bwaincell")
    assert got == {
        "stanza_found": True,
        "status_code": 0,
        "status_message": "ok",
        "label": "20230317-020002F_20230317-140002I",
        "type": "incr",
        "stop": 1679061610,
        "problem": "",
    }


def test_a_backup_with_errors_is_not_the_last_good_one():
    text = json.dumps(
        [
            stanza(
                "bwaincell",
                [
                    backup("20230317-020002F", "full", 1679018402, 1679018467),
                    backup("20230318-020002F", "full", 1679104802, 1679104900, error=True),
                ],
            )
        ]
    )
    got = info.last_backup(text, "bwaincell")
    assert (got["label"], got["stop"]) == ("20230317-020002F", 1679018467)


def test_stanza_without_backups():
    text = json.dumps([stanza("bwaincell", [], code=2, message="no valid backups")])
    got = info.last_backup(text, "bwaincell")
    assert got["stanza_found"] is True
    assert (got["status_code"], got["status_message"], got["stop"]) == (2, "no valid backups", None)
    assert got["problem"] == ""


def test_missing_stanza_path():
    # What 2.45 prints for a stanza that was never created.
    text = json.dumps(
        [
            {
                "archive": [],
                "backup": [],
                "cipher": "none",
                "db": [],
                "name": "bwaincell",
                "repo": [
                    {"cipher": "none", "key": 1, "status": {"code": 1, "message": "missing stanza path"}}
                ],
                "status": {"code": 1, "lock": {"backup": {"held": False}}, "message": "missing stanza path"},
            }
        ]
    )
    got = info.last_backup(text, "bwaincell")
    assert (got["status_code"], got["status_message"], got["stop"]) == (1, "missing stanza path", None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "pgbackrest info printed no JSON"),
        ("ERROR: [055]: unable to load info file", "pgbackrest info printed no JSON"),
        ('{"name": "bwaincell"}', "not a list of stanzas"),
        (json.dumps([stanza("other", [])]), "knows no stanza 'bwaincell'"),
    ],
)
def test_answers_that_cannot_be_read(text, problem):
    got = info.last_backup(text, "bwaincell")
    assert problem in got["problem"]
    assert got["stop"] is None


def test_the_real_pgbackrest_on_a_stanza_never_created(tmp_path):
    """pgBackRest itself (Debian's 2.45, installed by scripts/prepare-host.sh)
    asked about a stanza that has no repository yet."""
    done = subprocess.run(
        [
            "pgbackrest",
            "--stanza=bwaincell",
            f"--repo1-path={tmp_path}/repo",
            f"--lock-path={tmp_path}",
            f"--log-path={tmp_path}",
            "--log-level-console=off",
            "--output=json",
            "info",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    got = info.last_backup(done.stdout, "bwaincell")
    assert got == {
        "stanza_found": True,
        "status_code": 1,
        "status_message": "missing stanza path",
        "label": None,
        "type": None,
        "stop": None,
        "problem": "",
    }


def test_the_stanzas_of_a_pgbackrest_conf():
    conf = (
        "[global]\nrepo1-path=/var/lib/pgbackrest\n\n[global:archive-push]\ncompress-level=3\n\n"
        "[main]\npg1-path=/var/lib/postgresql/15/main\n\n[main:backup]\nstart-fast=y\n"
    )
    assert info.stanzas(conf) == ["main"]
    assert info.stanzas("[global]\n[a]\n[b]\n") == ["a", "b"]
    assert info.stanzas("") == []
