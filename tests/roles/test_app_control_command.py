"""roles/bwaincell_app with ``bwaincell_app_control: command``, for real.

The application is the stand-in (tests/standin_app/bwaincell_standin.py) on
a sample SQLite database in a temp directory, run by three small scripts of
that directory, as an administrator's own would: start launches it detached
(its PID in run/app.pid) and returns, stop kills that PID and waits until it
is gone, status exits 0 only while it is alive. Each script also appends its
name, uid and working directory to run/calls, so the tests see which commands
the role ran, as whom and where.

The role runs its commands with become (become_user
bwaincell_app_command_user); the runs use su as inventory/group_vars/local.yml
does (ansible.cfg's sudo may not be installed), and the current user as
command user: as root su asks no password."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_control import STANDIN, PlaybookRun, health, run_role, sample_database
from pgserver import free_port

PYTHON = sys.executable
USER = pwd.getpwuid(os.getuid()).pw_name

CHECK_TASK = "Check the control method"
STATUS_TASK = "Ask whether the application runs (status command)"
STOP_TASK = "Stop the application (stop command)"
START_TASK = "Start the application (start command)"
HEALTH_TASK = "Wait until the health endpoint answers"

# bin/ of the application directory: the helpers and the three commands.
COMMON = """\
import os
from pathlib import Path

APP = Path(__file__).resolve().parent.parent
RUN = APP / "run"
PID_FILE = RUN / "app.pid"


def record(action):
    RUN.mkdir(exist_ok=True)
    with open(RUN / "calls", "a") as calls:
        calls.write(f"{action}\\t{os.getuid()}\\t{os.getcwd()}\\n")


def alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie is gone


def running_pid():
    try:
        pid = int(PID_FILE.read_text())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None
"""

START = """\
import subprocess
import sys

from _common import APP, PID_FILE, RUN, record, running_pid

record("start")
if running_pid() is None:
    RUN.mkdir(exist_ok=True)
    with open(RUN / "app.log", "ab") as log:
        app = subprocess.Popen(
            [sys.executable, sys.argv[1], "--env", str(APP / ".env")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    PID_FILE.write_text(f"{app.pid}\\n")
    with open(RUN / "launched", "a") as launched:
        launched.write(f"{app.pid}\\n")
"""

STOP = """\
import os
import signal
import sys
import time

from _common import PID_FILE, alive, record, running_pid

record("stop")
pid = running_pid()
if pid is not None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        sys.exit(f"PID {pid} still runs 10 s after SIGTERM")
PID_FILE.unlink(missing_ok=True)
"""

STATUS = """\
import sys

from _common import record, running_pid

record("status")
sys.exit(0 if running_pid() is not None else 3)
"""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@dataclass
class CommandApp:
    directory: Path
    port: int
    counts: dict[str, int]

    @property
    def database(self) -> Path:
        return self.directory / "data" / "bwaincell.sqlite"

    def command(self, name: str) -> list[str]:
        argv = [PYTHON, str(self.directory / "bin" / f"{name}.py")]
        return [*argv, str(STANDIN)] if name == "start" else argv

    def role(self, entry: str, *args: str, **extra: object) -> PlaybookRun:
        """Runs the role's entry point on this machine; results as JSON."""
        return run_role(
            {
                "entry": entry,
                "bwaincell_app_control": "command",
                "bwaincell_app_dir": str(self.directory),
                "bwaincell_app_database": "sqlite",
                "bwaincell_app_start_command": self.command("start"),
                "bwaincell_app_stop_command": self.command("stop"),
                "bwaincell_app_status_command": self.command("status"),
                "bwaincell_app_command_user": USER,
                "ansible_become_method": "ansible.builtin.su",
                "bwaincell_app_health_url": f"http://127.0.0.1:{self.port}/health",
                "bwaincell_app_health_backend_key": "backend",
                "bwaincell_app_health_retries": 20,
                "bwaincell_app_health_delay": 1,
                "bwaincell_app_health_timeout": 2,
                **extra,
            },
            *args,
        )

    def run(self, name: str) -> None:
        """Runs one of the commands directly, without the role."""
        subprocess.run(self.command(name), cwd=self.directory, check=True, capture_output=True)

    def calls(self) -> list[tuple[str, int, str]]:
        """(command, uid, working directory) of every command run so far."""
        path = self.directory / "run" / "calls"
        lines = path.read_text().splitlines() if path.exists() else []
        return [(name, int(uid), cwd) for name, uid, cwd in (line.split("\t") for line in lines)]

    def pid(self) -> int | None:
        path = self.directory / "run" / "app.pid"
        return int(path.read_text()) if path.exists() else None

    def launched(self) -> list[int]:
        path = self.directory / "run" / "launched"
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def health(self) -> dict | None:
        return health(self.port)

    def wait_health(self) -> dict:
        """The health answer of an application started without the role."""
        deadline = time.monotonic() + 10
        while (answer := self.health()) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert answer is not None, "the stand-in did not answer within 10 s"
        return answer


class Calls:
    """The commands run since the last look."""

    def __init__(self, app: CommandApp) -> None:
        self.app = app
        self.seen = len(app.calls())

    def new(self) -> list[str]:
        calls = self.app.calls()
        fresh, self.seen = calls[self.seen :], len(calls)
        for _, uid, cwd in fresh:
            assert (uid, cwd) == (os.getuid(), str(self.app.directory)), fresh
        return [name for name, _, _ in fresh]


def ran(run: PlaybookRun, task: str) -> dict:
    result = run.task(task)
    assert result is not None, f"{task!r} was not reached:\n{run.summary()}"
    assert not result.get("skipped"), f"{task!r} was skipped:\n{run.summary()}"
    return result


def skipped(run: PlaybookRun, task: str) -> bool:
    result = run.task(task)
    return result is not None and bool(result.get("skipped"))


@pytest.fixture(scope="module")
def command_app(tmp_path_factory) -> Iterator[CommandApp]:
    directory = tmp_path_factory.mktemp("command") / "app"
    counts = sample_database(directory / "data" / "bwaincell.sqlite", rows=200, seed=7)
    app = CommandApp(directory, free_port(), counts)
    (directory / ".env").write_text(f"# stand-in\nDATABASE_PATH=./data/bwaincell.sqlite\nPORT={app.port}\n")
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    for name, text in {"_common": COMMON, "start": START, "stop": STOP, "status": STATUS}.items():
        (bin_dir / f"{name}.py").write_text(text)
    try:
        yield app
    finally:
        for pid in app.launched():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def stopped(command_app) -> CommandApp:
    command_app.run("stop")
    assert command_app.health() is None
    return command_app


def test_start_stop_with_status(stopped):
    app = stopped
    assert sum(app.counts.values()) == 200
    calls = Calls(app)
    launched = app.launched()

    start = app.role("start")
    assert start.rc == 0, start.summary()
    assert ran(start, STATUS_TASK)["rc"] == 3
    assert skipped(start, STOP_TASK)
    assert ran(start, START_TASK)["changed"] is True
    assert start.changed == 1
    assert calls.new() == ["status", "start"]
    pid = app.pid()
    assert pid is not None and alive(pid)
    assert app.launched() == [*launched, pid]
    # The role waited for the health endpoint, which answers from the SQLite file.
    assert ran(start, HEALTH_TASK)["json"]["backend"] == "sqlite"
    first = app.health()
    assert first is not None
    assert first["status"] == "ok"
    assert first["backend"] == "sqlite"
    assert Path(first["database"]).resolve() == app.database.resolve()
    assert first["counts"] == app.counts

    # Running: the status command says so, nothing is started again.
    again = app.role("start")
    assert again.rc == 0, again.summary()
    assert ran(again, STATUS_TASK)["rc"] == 0
    assert skipped(again, START_TASK)
    assert again.changed == 0, again.summary()
    assert calls.new() == ["status"]
    assert app.pid() == pid and alive(pid)
    assert app.health()["started"] == first["started"]

    stop = app.role("stop")
    assert stop.rc == 0, stop.summary()
    assert ran(stop, STOP_TASK)["changed"] is True
    assert skipped(stop, START_TASK)
    assert stop.changed == 1
    assert calls.new() == ["status", "stop"]
    assert not alive(pid)
    assert app.pid() is None
    assert app.health() is None

    stopped_again = app.role("stop")
    assert stopped_again.rc == 0, stopped_again.summary()
    assert ran(stopped_again, STATUS_TASK)["rc"] == 3
    assert skipped(stopped_again, STOP_TASK)
    assert stopped_again.changed == 0, stopped_again.summary()
    assert calls.new() == ["status"]
    assert app.launched() == [*launched, pid]


def test_check_mode_runs_only_the_status_command(stopped):
    app = stopped
    calls = Calls(app)
    launched = app.launched()

    # With the health URL: in check mode the check makes one attempt and
    # only reports that nothing answers (the start did not happen).
    check = app.role("start", "--check")
    assert check.rc == 0, check.summary()
    assert ran(check, STATUS_TASK)["rc"] == 3
    # It says it would start the application, and does not.
    assert ran(check, START_TASK)["changed"] is True, check.summary()
    assert check.changed == 1
    assert calls.new() == ["status"]
    assert app.launched() == launched
    assert app.pid() is None
    assert app.health() is None

    app.run("start")
    pid = app.pid()
    answer = app.wait_health()
    calls.new()

    check = app.role("stop", "--check")
    assert check.rc == 0, check.summary()
    assert ran(check, STOP_TASK)["changed"] is True, check.summary()
    assert check.changed == 1
    assert calls.new() == ["status"]
    assert app.pid() == pid and alive(pid)
    assert app.health()["started"] == answer["started"]


def test_without_status_command_stop_and_start_always_run(stopped):
    app = stopped
    app.run("start")
    pid = app.pid()
    assert pid is not None and alive(pid)
    app.wait_health()
    calls = Calls(app)
    no_status = {"bwaincell_app_status_command": []}

    for _ in range(2):
        stop = app.role("stop", **no_status)
        assert stop.rc == 0, stop.summary()
        assert skipped(stop, STATUS_TASK)
        assert ran(stop, STOP_TASK)["changed"] is True
        assert stop.changed == 1
        assert calls.new() == ["stop"]
        assert not alive(pid)
        assert app.health() is None

    start = app.role("start", **no_status)
    assert start.rc == 0, start.summary()
    assert skipped(start, STATUS_TASK)
    assert ran(start, START_TASK)["changed"] is True
    assert start.changed == 1
    assert calls.new() == ["start"]
    pid = app.pid()
    assert pid is not None and alive(pid)
    answer = app.health()
    assert answer["backend"] == "sqlite"
    assert answer["counts"] == app.counts

    # The start command runs again (the script itself sees the application runs).
    again = app.role("start", **no_status)
    assert again.rc == 0, again.summary()
    assert ran(again, START_TASK)["changed"] is True
    assert again.changed == 1
    assert calls.new() == ["start"]
    assert app.pid() == pid and alive(pid)
    assert app.health()["started"] == answer["started"]


@pytest.mark.parametrize(
    ("entry", "empty"),
    [("stop", "bwaincell_app_start_command"), ("start", "bwaincell_app_stop_command")],
)
def test_refuses_an_empty_command(stopped, entry, empty):
    app = stopped
    calls = Calls(app)
    run = app.role(entry, **{empty: []})
    assert run.rc != 0, run.summary()
    check = run.task(CHECK_TASK)
    assert check is not None and check.get("failed"), run.summary()
    assert "command needs bwaincell_app_start_command and bwaincell_app_stop_command" in check["msg"]
    for task in (STATUS_TASK, STOP_TASK, START_TASK):
        assert run.task(task) is None, run.summary()
    assert calls.new() == []
    assert app.pid() is None
