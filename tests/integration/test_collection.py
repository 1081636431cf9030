"""The collection scripts/build-collection.sh builds, installed into a collections
path of its own and used from another project by fully qualified names only: the
module against the suite's PostgreSQL, sqlite_backup, the postgresql role's
argument-spec validation, and the playbooks (their roles found in the collection)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from bwaincell_sample import create_sample
from helpers import user_tables

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((ROOT / "collection" / "galaxy.yml").read_text())
FQCN = f"{GALAXY['namespace']}.{GALAXY['name']}"

PLAYBOOK = f"""
- name: The collection by its fully qualified names
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Copy with the collection's module
      {FQCN}.sqlite_to_postgres:
        src: "{{{{ src }}}}"
        login_host: "{{{{ pg.login_host }}}}"
        login_port: "{{{{ pg.port }}}}"
        login_user: "{{{{ pg.login_user }}}}"
        login_db: "{{{{ pg.login_db }}}}"
        ssl_mode: disable
      environment:
        PGPASSFILE: "{{{{ passfile }}}}"
      register: copied

    - name: Check the source with the collection's sqlite_backup
      {FQCN}.sqlite_backup:
        command: check
        src: "{{{{ src }}}}"
      register: checked

    - name: The postgresql role refuses a wrong choice before its first task
      block:
        - name: Include the role with a bad postgresql_install_source
          ansible.builtin.include_role:
            name: {FQCN}.postgresql
          vars:
            postgresql_install_source: from-a-usb-stick
        - name: Not reached
          ansible.builtin.set_fact:
            role_ran: true
      rescue:
        - name: Keep the validation's failure
          ansible.builtin.set_fact:
            refused: "{{{{ ansible_failed_result }}}}"

    - name: A filter of the collection
      ansible.builtin.set_fact:
        quoted: "{{{{ 'two words' | {FQCN}.bwaincell_dotenv_quote }}}}"

    - name: Write what happened
      ansible.builtin.copy:
        content: "{{{{ {{'copied': copied, 'checked': checked, 'refused': refused,
                     'role_ran': role_ran | default(false), 'quoted': quoted}} | to_json }}}}"
        dest: "{{{{ out }}}}"
        mode: "0600"
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built tarball installed into a fresh collections path; its dependencies
    are not fetched (Galaxy cannot be reached here) but found in the repository's
    collections/ (community.docker's own dependency is not extracted there)."""
    base = tmp_path_factory.mktemp("collection")
    built = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-collection.sh"), str(base / "build")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    tarball = Path(built.stdout.strip())
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert not [n for n in names if n.startswith("tests") or "/cli/" in n or "__pycache__" in n]
    path = base / "collections"
    install = [str(VENV_BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(path)]
    env = project_env(path)
    done = subprocess.run([*install, "--no-deps"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def project_env(collections: Path) -> dict[str, str]:
    """Another project: none of this repository's ansible.cfg (no library/, no module_utils/)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    config = collections.parent / "ansible.cfg"
    config.write_text("[defaults]\n")
    return {
        **env,
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_COLLECTIONS_PATH": f"{collections}:{ROOT / 'collections'}",
        "ANSIBLE_NOCOLOR": "1",
    }


def playbook(installed: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", *args]
    return subprocess.run(
        command,
        cwd=project,
        env=project_env(installed),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_module_and_role_by_fully_qualified_names(installed: Path, pg_db, tmp_path: Path) -> None:
    assert (
        installed / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"] / "MANIFEST.json"
    ).exists()
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=200, seed=4)
    login = pg_db.module_args()
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{login['login_user']}:{login['login_password']}\n")
    passfile.chmod(0o600)
    out = tmp_path / "out.json"
    variables = tmp_path / "vars.json"
    variables.write_text(
        json.dumps({"src": str(src), "pg": login, "out": str(out), "passfile": str(passfile)})
    )
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    ran = playbook(installed, tmp_path, "-e", f"@{variables}", "play.yml")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = json.loads(out.read_text())
    assert result["copied"]["changed"] is True
    assert all(t["verified"] for t in result["copied"]["tables"])
    assert {"users", "tasks", "notes"} <= set(user_tables(pg_db))
    assert result["checked"]["integrity"] == "ok"
    assert result["role_ran"] is False
    assert "postgresql_install_source" in result["refused"]["msg"] + json.dumps(result["refused"])
    assert result["quoted"] != "two words"  # quoted for the .env


def test_roles_name_the_collections_plugins_by_fqcn(installed: Path) -> None:
    """A collection's roles find its modules (in module_defaults) and filters by FQCN only."""
    root = installed / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    modules = {p.stem for p in (root / "plugins" / "modules").glob("*.py")}
    assert modules == {"sqlite_to_postgres", "postgres_to_sqlite", "sqlite_backup"}
    filters = {"bwaincell_dotenv_quote", "bwaincell_dotenv_problems"}
    for path in (root / "roles").rglob("*"):
        if path.suffix not in (".yml", ".j2"):
            continue
        text = path.read_text()
        for name in modules:
            assert not re.search(rf"^\s*-?\s*{name}:", text, re.M), f"{path}: {name} by its short name"
        for name in filters:
            assert not re.search(rf"\|\s*{name}\b", text), f"{path}: filter {name} by its short name"


def test_playbooks_find_their_roles_in_the_collection(installed: Path, tmp_path: Path) -> None:
    for name in ("migrate", "rollback", "provision"):
        checked = playbook(installed, tmp_path, f"{FQCN}.{name}", "--syntax-check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
