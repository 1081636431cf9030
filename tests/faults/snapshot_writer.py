"""Another process committing to several tables while the module copies (issue 11, item 1).

Each transaction updates a row of ``big``, inserts into ``a`` and ``b`` and bumps
``progress.n``, on a connection of its own that it closes afterwards (as a
short-lived process would: in WAL mode the last connection to close then
checkpoints the log into the database file, unless a reader's lock stops it).
With a short busy timeout, a commit that must wait for the module's read lock
(rollback-journal mode) fails with SQLITE_BUSY and is retried.

After every attempt it rewrites ``status_file`` ({"commits", "busy", "errors"}),
so the test sees what it did while the module ran. Runs until ``stop_file`` exists.

argv: sqlite_path stop_file status_file busy_timeout_s
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time

PAUSE_S = 0.002  # paces the writer; not a wait for anything


def status(path: str, state: dict[str, object]) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(state, out)
    os.replace(path + ".tmp", path)


def run(path: str, stop_file: str, status_file: str, busy_timeout: float) -> None:
    state: dict[str, object] = {"commits": 0, "busy": 0, "errors": []}
    status(status_file, state)
    while not os.path.exists(stop_file):
        conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            n = conn.execute("SELECT n FROM progress").fetchone()[0] + 1
            conn.execute("UPDATE big SET payload = ? WHERE id = ?", (f"changed by commit {n}", n))
            conn.execute("INSERT INTO a (id, v) VALUES (?, ?)", (1_000_000 + n, f"writer {n}"))
            conn.execute("INSERT INTO b (id, v) VALUES (?, ?)", (1_000_000 + n, f"writer {n}"))
            conn.execute("UPDATE progress SET n = ?", (n,))
            conn.execute("COMMIT")
            state["commits"] = int(state["commits"]) + 1  # type: ignore[call-overload]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                state["busy"] = int(state["busy"]) + 1  # type: ignore[call-overload]
            else:
                state["errors"].append(str(exc))  # type: ignore[union-attr]
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            conn.close()
        status(status_file, state)
        time.sleep(PAUSE_S)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
