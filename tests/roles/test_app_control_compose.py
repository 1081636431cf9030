"""roles/bwaincell_app with ``bwaincell_app_control: docker_compose``, for real.

A compose project in a temp directory runs the stand-in application
(tests/standin_app/bwaincell_standin.py) in the test-host image on a sample
SQLite database, published on 127.0.0.1. The role's own entry points (stop,
start, restart, health) drive it through community.docker.docker_compose_v2
and the Compose v2 CLI plugin (scripts/prepare-host.sh installs it); the
tests look at the container and the health endpoint themselves. Without the
plugin or the image the tests fail, they are never skipped."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_control import STANDIN, health, run_role, sample_database
from pgserver import free_port

DOCKER = "/usr/bin/docker"
IMAGE = "bwaincell-test/debian12:amd64"
SERVICE = "bwaincell"
COMPOSE_TASK = "Set the application's compose services to"

# The stand-in reads the .env file itself (bind-mounted); env_file also puts it
# in the container's environment, as the guide's setups do, so a restart that
# does not recreate the container would keep the old values there.
COMPOSE_FILE = """\
services:
  {service}:
    image: {image}
    pull_policy: never
    env_file: .env
    command: ["python3", "/standin/bwaincell_standin.py", "--env", "/app/.env", "--host", "0.0.0.0",
              "--port", "3000"]
    volumes:
      - ./:/app:ro
      - {standin}:/standin/bwaincell_standin.py:ro
    ports:
      - "127.0.0.1:{port}:3000"
    stop_grace_period: 5s
"""


def docker(*args: str, check: bool = True) -> str:
    return subprocess.run([DOCKER, *args], check=check, capture_output=True, text=True).stdout


@dataclass
class RoleRun:
    rc: int
    out: str
    compose_task: dict | None  # the compose task's result on localhost, None when it did not run

    @property
    def compose_changed(self) -> bool:
        assert self.compose_task is not None, f"the compose task did not run:\n{self.out}"
        return self.compose_task["changed"]


@dataclass
class ComposeApp:
    name: str
    directory: Path
    port: int
    counts: dict[str, int]

    def role(self, entry: str, *args: str, **extra: object) -> RoleRun:
        """Runs the role's entry point on this machine; results as JSON."""
        variables = {
            "entry": entry,
            "bwaincell_app_control": "docker_compose",
            "bwaincell_app_dir": str(self.directory),
            "bwaincell_app_database": "sqlite",
            "bwaincell_app_compose_project_name": self.name,
            "bwaincell_app_compose_services": [SERVICE],
            # /usr/local/bin may hold another docker client without the plugin.
            "bwaincell_app_compose_docker_cli": DOCKER,
            "bwaincell_app_health_url": f"http://127.0.0.1:{self.port}/health",
            "bwaincell_app_health_backend_key": "backend",
            "bwaincell_app_health_retries": 20,
            "bwaincell_app_health_delay": 1,
            "bwaincell_app_health_timeout": 2,
            **extra,
        }
        run = run_role(variables, *args)
        result = run.task(COMPOSE_TASK)
        compose_task = None if result is None or result.get("skipped") else result
        return RoleRun(run.rc, run.out, compose_task)

    def container(self) -> dict | None:
        """docker inspect of the service's container, None when there is none."""
        ids = docker(
            "ps",
            "-aq",
            "--filter",
            f"label=com.docker.compose.project={self.name}",
            "--filter",
            f"label=com.docker.compose.service={SERVICE}",
        ).split()
        assert len(ids) <= 1, ids
        return json.loads(docker("inspect", ids[0]))[0] if ids else None

    def health(self) -> dict | None:
        """The stand-in's /health answer, None when nothing answers."""
        return health(self.port)

    def down(self) -> None:
        base = [DOCKER, "compose", "--project-directory", str(self.directory), "-p", self.name]
        subprocess.run([*base, "down", "-v", "--remove-orphans", "-t", "1"], capture_output=True)
        # Whatever compose could not remove (e.g. the plugin broke mid-test).
        leftovers = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={self.name}")
        if leftovers.split():
            docker("rm", "-f", "-v", *leftovers.split(), check=False)
        docker("network", "rm", f"{self.name}_default", check=False)


def running(app: ComposeApp) -> bool:
    container = app.container()
    return container is not None and container["State"]["Running"]


@pytest.fixture(scope="module")
def compose_app(tmp_path_factory) -> Iterator[ComposeApp]:
    plugin = subprocess.run([DOCKER, "compose", "version"], capture_output=True, text=True)
    assert plugin.returncode == 0, (
        f"{DOCKER} has no compose plugin (scripts/prepare-host.sh installs it): {plugin.stderr.strip()}"
    )
    assert subprocess.run([DOCKER, "image", "inspect", IMAGE], capture_output=True).returncode == 0, (
        f"needs the image {IMAGE} (scripts/prepare-host.sh builds it)"
    )
    directory = tmp_path_factory.mktemp("compose") / "app"
    counts = sample_database(directory / "data" / "bwaincell.sqlite", rows=200, seed=7)
    (directory / ".env").write_text("# stand-in\nDATABASE_PATH=./data/bwaincell.sqlite\n")
    app = ComposeApp(f"bwaincell-compose-{uuid.uuid4().hex[:10]}", directory, free_port(), counts)
    (directory / "compose.yaml").write_text(
        COMPOSE_FILE.format(service=SERVICE, image=IMAGE, standin=STANDIN, port=app.port)
    )
    try:
        yield app
    finally:
        app.down()


def test_start_stop_start(compose_app):
    app = compose_app
    assert sum(app.counts.values()) == 200

    start = app.role("start")
    assert start.rc == 0, start.out
    assert start.compose_changed is True
    assert running(app)
    first = app.health()
    assert first is not None
    assert first["status"] == "ok"
    assert first["backend"] == "sqlite"
    assert first["database"] == "/app/data/bwaincell.sqlite"
    assert first["counts"] == app.counts

    stop = app.role("stop")
    assert stop.rc == 0, stop.out
    assert stop.compose_changed is True, stop.out
    container = app.container()
    assert container is not None, "stop must keep the container, only stop it"
    assert container["State"]["Status"] == "exited"
    assert app.health() is None

    # The role's own health check now fails too.
    health = app.role("health", bwaincell_app_health_retries=1, bwaincell_app_health_delay=0)
    assert health.rc != 0, health.out
    assert "Wait until the health endpoint answers" in health.out

    # A second stop changes nothing, even with the configuration changed
    # meanwhile (env_file): the stopped container is not recreated.
    env_file = app.directory / ".env"
    original = env_file.read_text()
    env_file.write_text(original + "STANDIN_NOTE=changed while stopped\n")
    try:
        again = app.role("stop")
    finally:
        env_file.write_text(original)
    assert again.rc == 0, again.out
    assert again.compose_changed is False, again.out
    assert app.container()["Id"] == container["Id"]
    assert not running(app)

    restart = app.role("start")
    assert restart.rc == 0, restart.out
    assert restart.compose_changed is True
    assert running(app)
    assert app.container()["Id"] == container["Id"], "an unchanged service is started, not recreated"
    second = app.health()
    assert second is not None
    assert second["backend"] == "sqlite"
    assert second["counts"] == app.counts
    assert second["started"] != first["started"]

    unchanged = app.role("start")
    assert unchanged.rc == 0, unchanged.out
    assert unchanged.compose_changed is False, unchanged.out
    assert app.health()["started"] == second["started"]


def test_check_mode_stop_leaves_it_running(compose_app):
    app = compose_app
    start = app.role("start")
    assert start.rc == 0, start.out
    before = app.container()
    answer = app.health()
    assert answer is not None

    check = app.role("stop", "--check")
    assert check.rc == 0, check.out
    # It says it would stop the application, and does not.
    assert check.compose_changed is True, check.out
    after = app.container()
    assert after["Id"] == before["Id"]
    assert after["State"]["Running"] is True
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"]
    assert app.health()["started"] == answer["started"]


def test_restart_reads_a_switched_env(compose_app):
    """restart recreates the container: the new .env is read by the
    application and, through env_file, is in the container's environment
    (`docker compose restart` would keep the old one there)."""
    app = compose_app
    start = app.role("start")
    assert start.rc == 0, start.out
    before = app.container()
    other = sample_database(app.directory / "data" / "other.sqlite", rows=120, seed=11)
    assert other != app.counts
    env_file = app.directory / ".env"
    original = env_file.read_text()
    env_file.write_text("# stand-in\nDATABASE_PATH=./data/other.sqlite\n")
    try:
        restart = app.role("restart")
        assert restart.rc == 0, restart.out
        assert restart.compose_changed is True
        after = app.container()
        assert after["Id"] != before["Id"]
        assert after["State"]["Running"] is True
        assert "DATABASE_PATH=./data/other.sqlite" in after["Config"]["Env"]
        answer = app.health()
        assert answer["database"] == "/app/data/other.sqlite"
        assert answer["counts"] == other
    finally:
        env_file.write_text(original)
