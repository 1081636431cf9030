"""roles/bwaincell_app's env_postgres entry point, for real, over hostile passwords.

One ansible-playbook run (playbooks/bwaincell_app_control.yml, entry
env_postgres, bwaincell_app_env_docker_credentials: true) switches the .env of
one application directory per password, each directory an inventory host on
this machine. Then the application's parser (Node's dotenv, with Sequelize's
and node-postgres's reading of the DATABASE_URL), python-dotenv and the
stand-in read each .env: the password comes back exactly, as POSTGRES_PASSWORD
and percent-decoded from DATABASE_URL, and the other settings are untouched.
A password the .env cannot hold is refused before anything is changed, by
variable name; no password is in the playbook's output."""

from __future__ import annotations

import grp
import json
import os
import pwd
import subprocess
from pathlib import Path

import pytest
from app_control import PLAYBOOK, PROJECT
from dotenv_readers import FILTER, load, read_all

dotenv = load(FILTER)

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name
SQLITE_ENV = (
    "# Bwaincell\nDISCORD_TOKEN=not-a-real-token\n"
    "# SQLite database path\nDATABASE_PATH=./data/bwaincell.sqlite\n"
)

# Each password is one of these, a token of its own (letters and digits: the same percent-encoded,
# so that the output can be searched for it), and the same again.
HOSTILE = [
    "' ",
    '"',
    "`",
    "#",
    " #",
    "$",
    "${HOME}",
    "\\",
    "\\n",
    "  ",
    "\nINJECTED=yes\n",
    "=",
    "é🔑",
    "\r",
    "%40:/?@",
    "\\\\",
]


def passwords() -> dict[str, str]:
    """host -> password; a few more than HOSTILE: the empty one, one ending in a backslash."""
    found = {f"h{i}": f"{h}Tok{i}x{h}" for i, h in enumerate(HOSTILE)}
    found["empty"] = ""
    found["backslash_end"] = "TokBSx\\"
    return found


def run_env_postgres(tmp_path: Path, hosts: dict[str, dict]) -> tuple[subprocess.CompletedProcess, dict]:
    inventory = tmp_path / "inventory.json"
    common = {"ansible_connection": "local", "ansible_python_interpreter": "/usr/bin/python3"}
    inventory.write_text(json.dumps({"all": {"hosts": hosts, "vars": common}}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    cmd = ["ansible-playbook", "-i", str(inventory), str(PLAYBOOK), "-e", "entry=env_postgres"]
    run = subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = {"plays": [], "stats": {}}
    return run, report


def failed_tasks(report: dict, host: str) -> list[tuple[str, str]]:
    return [
        (task["task"]["name"], task["hosts"][host].get("msg", ""))
        for play in report["plays"]
        for task in play["tasks"]
        if task["hosts"].get(host, {}).get("failed")
    ]


@pytest.fixture(scope="module")
def switched(tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("env_postgres")
    hosts = {}
    for host, password in passwords().items():
        app = tmp_path / host
        app.mkdir()
        (app / ".env").write_text(SQLITE_ENV)
        hosts[host] = {
            "bwaincell_app_dir": str(app),
            "bwaincell_app_user": USER,
            "bwaincell_app_group": GROUP,
            "bwaincell_app_db_password": password,
            "bwaincell_app_env_docker_credentials": True,
        }
    # User and database names are percent-encoded in the URL too, and single-quoted as POSTGRES_*.
    hosts["h1"] |= {"bwaincell_app_db_user": "bw #é", "bwaincell_app_db_name": "bw db$ 1"}
    # No .env yet (bwaincell_app_env_create): env_read writes DATABASE_PATH, single-quoted too.
    for host, name in {"create": "bw #1 .sqlite", "create_refused": "it's.sqlite"}.items():
        app = tmp_path / host
        app.mkdir()
        hosts[host] = hosts["h1"] | {
            "bwaincell_app_dir": str(app),
            "bwaincell_app_env_create": True,
            "bwaincell_app_sqlite_path": f"{app}/data/{name}",
        }
    first, report = run_env_postgres(tmp_path, hosts)
    second, again = run_env_postgres(tmp_path, hosts)
    return {"tmp": tmp_path, "hosts": hosts, "runs": [first, second], "reports": [report, again]}


def test_every_accepted_password_reads_back_exactly(switched) -> None:
    hosts, (report, again) = switched["hosts"], switched["reports"]
    accepted = [
        h
        for h, v in hosts.items()
        if h in passwords()
        if v["bwaincell_app_db_password"] and not dotenv.dotenv_problem(v["bwaincell_app_db_password"])
    ]
    assert len(accepted) >= 10
    for host in accepted:
        assert not failed_tasks(report, host), (host, failed_tasks(report, host))
        assert report["stats"][host]["changed"] > 0, host
        # Run again: nothing changes.
        assert again["stats"][host]["changed"] == 0, (host, failed_tasks(again, host))
    reads = read_all([Path(hosts[h]["bwaincell_app_dir"]) / ".env" for h in accepted])
    for reader, results in reads.items():
        for host, read in zip(accepted, results, strict=True):
            password = hosts[host]["bwaincell_app_db_password"]
            user = hosts[host].get("bwaincell_app_db_user", "bwaincell")
            database = hosts[host].get("bwaincell_app_db_name", "bwaincell")
            assert read.variables == {
                "DISCORD_TOKEN": "not-a-real-token",
                "DATABASE_PATH": "./data/bwaincell.sqlite",
                "DATABASE_URL": read.variables["DATABASE_URL"],
                "POSTGRES_USER": user,
                "POSTGRES_PASSWORD": password,
                "POSTGRES_DB": database,
            }, (reader, host)
            assert read.url, (reader, host, "DATABASE_URL is not postgresql://")
            for library, parts in read.url.items():
                assert parts["password"] == password, (reader, library, host)
                if library != "sequelize":  # Sequelize 6 takes the database name undecoded
                    assert (parts["user"], parts["database"]) == (user, database), (reader, library, host)


def test_a_refused_password_changes_nothing_and_is_named(switched) -> None:
    hosts, report = switched["hosts"], switched["reports"][0]
    refused = [
        h
        for h, v in hosts.items()
        if h in passwords() and dotenv.dotenv_problem(v["bwaincell_app_db_password"])
    ]
    assert {"h0", "h6", "h13", "h15", "backslash_end"} <= set(refused)
    for host in [*refused, "empty"]:
        env = Path(hosts[host]["bwaincell_app_dir"])
        assert (env / ".env").read_text() == SQLITE_ENV, host
        assert sorted(p.name for p in env.iterdir()) == [".env"], host
        ((task, msg),) = failed_tasks(report, host)
        if host == "empty":
            assert task.endswith("Refuse to write a DATABASE_URL without a password"), msg
            continue
        assert task.endswith("Refuse values the .env cannot hold"), (host, task)
        assert "POSTGRES_PASSWORD (bwaincell_app_db_password): it " in msg, msg
        assert "nothing was changed" in msg, msg


def test_no_password_is_in_the_output(switched) -> None:
    tokens = [f"Tok{i}x" for i in range(len(HOSTILE))] + ["TokBSx"]
    assert all(any(t in p for p in passwords().values()) for t in tokens)
    for run in switched["runs"]:
        for token in tokens:
            assert token not in run.stdout + run.stderr, token


def test_a_created_env_holds_the_sqlite_path_exactly(switched) -> None:
    hosts, (report, again) = switched["hosts"], switched["reports"]
    created = Path(hosts["create"]["bwaincell_app_dir"]) / ".env"
    assert not failed_tasks(report, "create"), failed_tasks(report, "create")
    assert again["stats"]["create"]["changed"] == 0, failed_tasks(again, "create")
    for reader, (read,) in read_all([created]).items():
        assert read.variables["DATABASE_PATH"] == hosts["create"]["bwaincell_app_sqlite_path"], reader
        assert read.variables["POSTGRES_PASSWORD"] == hosts["create"]["bwaincell_app_db_password"], reader
    # Refused before the .env is created.
    ((task, msg),) = failed_tasks(report, "create_refused")
    assert task.endswith("Refuse a DATABASE_PATH the .env cannot hold"), (task, msg)
    assert "DATABASE_PATH (bwaincell_app_sqlite_path): it contains a single quote" in msg, msg
    assert list(Path(hosts["create_refused"]["bwaincell_app_dir"]).iterdir()) == []
