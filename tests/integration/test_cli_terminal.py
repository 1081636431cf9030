"""The command line's progress display in a real terminal: tmux runs the command,
capture-pane shows what the operator sees (each table with its rows done of total
and its phase, the final summary), and Ctrl-C in the middle of a copy rolls back."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bwaincell_sample import create_sample
from helpers import user_tables
from polling import wait_for
from test_cli import FORWARD, ROOT, source_counts, url_of

pytestmark = pytest.mark.integration


class Terminal:
    """One tmux session on a server of its own (-S: its socket in tmp_path)."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        found = subprocess.run(
            ["tmux", "-S", str(self.socket), *args], capture_output=True, text=True, check=True
        )
        return found.stdout

    def start(self, command: str) -> None:
        # A wide pane: every column of a table's line fits; the shell prints the exit status.
        self.tmux(
            "new-session", "-d", "-x", "200", "-y", "50", "-s", "cli", f"{command}; echo EXIT=$?; sleep 3600"
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "cli")  # with the scrollback


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    assert shutil.which("tmux"), "tmux is missing (scripts/prepare-host.sh installs it)"
    term = Terminal(tmp_path / "tmux.sock")
    try:
        yield term
    finally:
        subprocess.run(["tmux", "-S", str(term.socket), "kill-server"], capture_output=True, check=False)


def command_for(pg_db, tmp_path: Path, *args: str) -> str:
    """The shell command: the password in a private PGPASSFILE, never on a command line."""
    login = pg_db.module_args()
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{login['login_user']}:{login['login_password']}\n")
    passfile.chmod(0o600)
    words = [sys.executable, "-m", FORWARD, *args, url_of(pg_db), "--ssl-mode", "disable"]
    return f"cd {ROOT} && env -u PGPASSWORD PGPASSFILE={passfile} " + " ".join(words)


def test_progress_per_table_and_the_summary(pg_db, tmp_path: Path, terminal: Terminal) -> None:
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=3000, seed=3)
    terminal.start(command_for(pg_db, tmp_path, "copy", str(src)))
    wait_for(lambda: "EXIT=" in terminal.screen(), "the command to end", timeout=300)
    screen = terminal.screen()
    assert "EXIT=0" in screen, screen
    counts = source_counts(src)
    lines = screen.splitlines()
    for table, rows in counts.items():
        shown = [line for line in lines if line.startswith(table + " ") and "done" in line]
        assert shown, f"no progress line of {table}:\n{screen}"
        assert f"{rows}/{rows}" in shown[0], screen
        assert f"{table}: created, {rows} rows, verified" in screen
    assert f"copied and verified {sum(counts.values())} rows in {len(counts)} tables; committed" in screen


def test_ctrl_c_rolls_back_and_says_so(pg_db, tmp_path: Path, terminal: Terminal) -> None:
    src = tmp_path / "big.sqlite"
    conn = sqlite3.connect(src)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
        "INSERT INTO events SELECT i, printf('event %d of the night', i) FROM n"
    )
    conn.commit()
    conn.close()
    terminal.start(command_for(pg_db, tmp_path, "copy", str(src)))

    # Interrupted while the rows are being copied: the display shows the table in its copy phase.
    def copying() -> bool:
        return any(line.startswith("events ") and " copy " in line for line in terminal.screen().splitlines())

    wait_for(copying, "the copy of events to start", timeout=120)
    terminal.tmux("send-keys", "-t", "cli", "C-c")
    wait_for(lambda: "EXIT=" in terminal.screen(), "the command to end", timeout=120)
    screen = terminal.screen()
    assert "interrupted: rolled back, PostgreSQL is unchanged" in screen, screen
    assert "EXIT=130" in screen
    assert user_tables(pg_db) == []


def test_password_prompt_on_a_terminal(pg_db, tmp_path: Path, terminal: Terminal) -> None:
    """No PGPASSWORD, no ~/.pgpass line: the server asks, the terminal is asked."""
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=200, seed=3)
    words = [sys.executable, "-m", FORWARD, "copy", str(src), url_of(pg_db), "--ssl-mode", "disable"]
    terminal.start(f"cd {ROOT} && env -u PGPASSWORD PGPASSFILE=/dev/null " + " ".join(words))
    wait_for(lambda: "Password for PostgreSQL" in terminal.screen(), "the password prompt", timeout=120)
    typed = tmp_path / "typed"  # through a tmux buffer: the password is on no command line
    typed.write_text(pg_db.module_args()["login_password"])
    terminal.tmux("load-buffer", str(typed))
    terminal.tmux("paste-buffer", "-t", "cli")
    terminal.tmux("send-keys", "-t", "cli", "Enter")
    wait_for(lambda: "EXIT=" in terminal.screen(), "the command to end", timeout=300)
    screen = terminal.screen()
    assert "EXIT=0" in screen, screen
    assert pg_db.module_args()["login_password"] not in screen
    assert "committed" in screen


def test_no_display_with_json(pg_db, tmp_path: Path, terminal: Terminal) -> None:
    src = tmp_path / "app.sqlite"
    create_sample(src, rows=200, seed=3)
    terminal.start(command_for(pg_db, tmp_path, "copy", str(src), "--json"))
    wait_for(lambda: "EXIT=" in terminal.screen(), "the command to end", timeout=300)
    screen = terminal.screen()
    assert "EXIT=0" in screen, screen
    assert '"changed": true' in screen
    assert not [line for line in screen.splitlines() if line.startswith("users ")], screen
