"""roles/postgresql without a test host: argument validation, the choice of
package source (Debian 12/13, Ubuntu, Raspberry Pi OS on arm64 and armhf),
and the PGDG repository's deb822 source (rendered for real in a throwaway
container, since apt.postgresql.org cannot be reached here).

The choice is made by the role's own preflight tasks, run on this machine
with the release, the dpkg architecture and the Pi detection given as extra
vars (which win over the facts the preflight sets)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
DOCKER = "/usr/bin/docker"
IMAGE = "bwaincell-test/debian12:amd64"


def ansible_playbook(playbook: str, *args: str, extra: dict | None = None, inventory: str = "localhost,"):
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    cmd = ["ansible-playbook", "-i", inventory, str(PLAYBOOKS / playbook), *args]
    # The managed host's system Python, as inventory/group_vars/local.yml has it.
    cmd += ["-e", "ansible_python_interpreter=/usr/bin/python3"]
    if extra:
        cmd += ["-e", json.dumps(extra)]
    return subprocess.run(cmd, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)


# --- argument validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"postgresql_install_source": "pgdgg"},
            "value of postgresql_install_source must be one of: auto, distro, pgdg, got: pgdgg",
        ),
        (
            {"postgresql_port": "fivefourthreetwo"},
            "argument 'postgresql_port' is of type str and we were unable to convert to int",
        ),
        (
            {"postgresql_app_networks": {"office": "192.0.2.0/24"}},
            "argument 'postgresql_app_networks' is of type dict and we were unable to convert to list",
        ),
        (
            {"postgresql_ssl": "perhaps"},
            "argument 'postgresql_ssl' is of type str and we were unable to convert to bool",
        ),
        (
            {
                "postgresql_hba_entries": [
                    {
                        "type": "host",
                        "database": "all",
                        "user": "all",
                        "address": "0.0.0.0/0",
                        "method": "trust",
                    }
                ]
            },
            "value of method must be one of: scram-sha-256, peer, cert, reject, got: trust",
        ),
    ],
    ids=["misspelled-choice", "port-not-int", "networks-not-list", "ssl-not-bool", "hba-trust"],
)
def test_wrong_variable_fails_at_once_with_a_clear_message(extra, message):
    result = ansible_playbook("postgresql_role.yml", "-c", "local", extra=extra)
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert message in out, out
    assert "Validating arguments against arg spec 'main'" in out
    # Nothing ran before the validation failed.
    assert "ok=0    changed=0" in out, out


def test_misspelled_platform_fails_before_any_change():
    # postgresql_os_family defaults to null, which argument specs cannot combine
    # with choices: the role's first task checks it.
    result = ansible_playbook("postgresql_role.yml", "-c", "local", extra={"postgresql_os_family": "Debain"})
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "postgresql_os_family must be Debian, Darwin or null (Ansible's os_family), got: Debain" in out
    assert " changed=0 " in " ".join(out.split()) + " ", out


def test_password_is_not_in_the_validation_output():
    secret = "S3cretThatMustNotShow"
    result = ansible_playbook(
        "postgresql_role.yml",
        "-c",
        "local",
        "-vvv",
        extra={"postgresql_app_password": secret, "postgresql_port": "x"},
    )
    assert result.returncode == 2
    assert secret not in result.stdout + result.stderr


# --- choice of the package source ------------------------------------------------

SERVER_PACKAGES = ["postgresql-15", "postgresql-client-15"]

# (id, case, expected source). A case gives the release, the dpkg architecture,
# whether the host is a Raspberry Pi, and postgresql_install_source.
CASES = [
    ("debian12", {"release": "bookworm", "arch": "amd64"}, "distro"),
    ("pi-bookworm-arm64", {"release": "bookworm", "arch": "arm64", "pi": True}, "distro"),
    ("pi-bookworm-armhf", {"release": "bookworm", "arch": "armhf", "pi": True}, "distro"),
    ("debian13", {"release": "trixie", "arch": "amd64"}, "pgdg"),
    ("pi-trixie-arm64", {"release": "trixie", "arch": "arm64", "pi": True}, "pgdg"),
    ("ubuntu-noble", {"release": "noble", "arch": "amd64"}, "pgdg"),
    ("ubuntu-jammy-arm64", {"release": "jammy", "arch": "arm64"}, "pgdg"),
    ("forced-pgdg", {"release": "bookworm", "arch": "amd64", "source": "pgdg"}, "pgdg"),
    ("forced-distro", {"release": "trixie", "arch": "amd64", "source": "distro"}, "distro"),
]


def decide(tmp_path: Path, cases: list[dict]) -> tuple[subprocess.CompletedProcess, list | None]:
    result_file = tmp_path / "decisions.json"
    result = ansible_playbook(
        "postgresql_preflight.yml", "-c", "local", extra={"result_file": str(result_file), "cases": cases}
    )
    decisions = json.loads(result_file.read_text()) if result_file.exists() else None
    return result, decisions


@pytest.fixture(scope="module")
def decisions(tmp_path_factory) -> dict[str, dict]:
    """All cases in one ansible-playbook run (the preflight only reads)."""
    result, found = decide(tmp_path_factory.mktemp("decide"), [case for _, case, _ in CASES])
    assert result.returncode == 0, result.stdout + result.stderr
    return {case_id: decision for (case_id, _, _), decision in zip(CASES, found, strict=True)}


@pytest.mark.parametrize(("case_id", "case", "source"), CASES, ids=[c[0] for c in CASES])
def test_package_source_and_packages(decisions, case_id, case, source):
    decision = decisions[case_id]
    assert decision["source"] == source
    assert decision["packages"] == SERVER_PACKAGES
    assert decision["arch"] == case["arch"]
    assert decision["raspberry_pi"] is case.get("pi", False)


def test_this_machine_is_detected_as_it_is(tmp_path):
    result, found = decide(tmp_path, [])
    assert result.returncode == 0, result.stdout + result.stderr
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    assert found[0]["arch"] == arch
    assert found[0]["raspberry_pi"] is Path("/etc/rpi-issue").exists()


@pytest.mark.parametrize("release", ["trixie", "noble"])
def test_armhf_without_distro_package_is_refused_before_any_change(tmp_path, release):
    result, found = decide(tmp_path, [{"release": release, "arch": "armhf", "pi": True}])
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert found is None
    assert "Stop when the PGDG repository has no packages for this architecture" in out
    assert "PGDG builds no armhf packages" in out
    assert "Nothing has been changed" in out
    assert "install the 64-bit (arm64) Raspberry Pi OS" in out
    assert " changed=0 " in " ".join(out.split()) + " ", out


# --- the PGDG repository, rendered for real ------------------------------------------


def _docker_ready() -> bool:
    if not shutil.which(DOCKER):
        return False
    return subprocess.run([DOCKER, "image", "inspect", IMAGE], capture_output=True).returncode == 0


@pytest.fixture
def throwaway_container():
    assert _docker_ready(), f"needs {DOCKER} and the image {IMAGE} (scripts/prepare-host.sh builds it)"
    name = f"pg-pgdg-test-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [DOCKER, "run", "-d", "--rm", "--name", name, IMAGE, "sleep", "1800"], check=True, capture_output=True
    )
    try:
        yield name
    finally:
        subprocess.run([DOCKER, "rm", "-f", name], capture_output=True)


def in_container(name: str, *cmd: str) -> str:
    return subprocess.run([DOCKER, "exec", name, *cmd], check=True, capture_output=True, text=True).stdout


@pytest.mark.slow
def test_pgdg_repository_is_a_signed_deb822_source(throwaway_container):
    name = throwaway_container
    result = ansible_playbook(
        "postgresql_pgdg.yml",
        "-c",
        "community.docker.docker",
        inventory=f"{name},",
        extra={"__postgresql_release": "trixie", "postgresql_install_source": "auto"},
    )
    assert result.returncode == 0, result.stdout + result.stderr

    source = in_container(name, "cat", "/etc/apt/sources.list.d/pgdg.sources")
    fields = dict(line.split(": ", 1) for line in source.strip().splitlines())
    assert fields == {
        "X-Repolib-Name": "pgdg",
        "Types": "deb",
        "URIs": "https://apt.postgresql.org/pub/repos/apt",
        "Suites": "trixie-pgdg",
        "Components": "main",
        "Architectures": "amd64",
        "Signed-By": "/etc/apt/keyrings/pgdg.asc",
    }
    # The key is the PGDG key, and apt trusts it for this source only.
    key = in_container(name, "gpg", "--show-keys", "--with-colons", "/etc/apt/keyrings/pgdg.asc")
    assert "fpr:::::::::B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8:" in key
    globally_trusted = in_container(name, "ls", "/etc/apt/trusted.gpg.d").split()
    assert not [f for f in globally_trusted if "pgdg" in f or "postgresql" in f], globally_trusted
    assert in_container(name, "sh", "-c", "test ! -e /etc/apt/trusted.gpg && echo none").strip() == "none"
    # apt reads the source: it would fetch trixie-pgdg's index from PGDG.
    uris = in_container(name, "apt-get", "update", "--print-uris")
    assert "https://apt.postgresql.org/pub/repos/apt/dists/trixie-pgdg/InRelease" in uris


@pytest.mark.slow
def test_provision_without_systemd_from_scratch_then_nothing_changes(throwaway_container, tmp_path):
    """playbooks/provision.yml on a fresh Debian 12 where PID 1 is not systemd
    (like this CI machine): installs, creates the cluster, starts it with
    pg_ctlcluster; the second run changes nothing."""
    name = throwaway_container
    inventory = tmp_path / "inventory.yml"
    password_file = tmp_path / "app_password"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {
                        name: {
                            "ansible_connection": "community.docker.docker",
                            "postgresql_app_password": "{{ lookup('ansible.builtin.password', '"
                            + str(password_file)
                            + " chars=ascii_letters,digits length=24') }}",
                        }
                    }
                }
            }
        )
    )
    playbook = str(PROJECT / "playbooks" / "provision.yml")
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env["PATH"] = f"/usr/bin:{env.get('PATH', '')}"
    recaps = []
    for _ in range(2):
        run = subprocess.run(
            ["ansible-playbook", "-i", str(inventory), playbook],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        recaps.append(" ".join(run.stdout.split("PLAY RECAP")[-1].split()))
    assert " changed=0 " in recaps[1] + " ", recaps[1]
    assert in_container(name, "ps", "-p", "1", "-o", "comm=").strip() == "sleep"
    assert in_container(name, "pg_lsclusters", "--no-header").split()[:4] == ["15", "main", "5432", "online"]
    login = subprocess.run(
        [
            DOCKER,
            "exec",
            "-e",
            f"PGPASSWORD={password_file.read_text().strip()}",
            name,
            "psql",
            "-XAtw",
            "host=127.0.0.1 dbname=bwaincell user=bwaincell",
            "-c",
            "SELECT current_user",
        ],
        capture_output=True,
        text=True,
    )
    assert login.stdout.strip() == "bwaincell", login.stderr
