"""Stand-in for the application writing to its SQLite file while a backup runs.

Each transaction inserts ROWS_PER_TX notes and bumps ``writer_progress.n``
by one, so any consistent snapshot satisfies
``count(notes titled 'writer-%') == ROWS_PER_TX * n``; a torn copy would not.
It runs until ``stop_file`` exists, with the busy timeout an application
would use, and prints ``{"commits": n, "errors": [...]}`` when it stops.

argv: sqlite_path stop_file
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time

ROWS_PER_TX = 5
BUSY_TIMEOUT_S = 30.0
# An application writes now and then, not in a tight loop: back to back,
# BEGIN IMMEDIATE can starve a rollback-journal reader (the backup) for
# seconds on a loaded CI machine. This paces the writer; it is not a wait
# for anything.
PAUSE_S = 0.002


def prepare(path: str) -> None:
    """Create the progress table (the test's own, not the application's)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE IF NOT EXISTS writer_progress (n INTEGER NOT NULL)")
        conn.execute(
            "INSERT INTO writer_progress (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM writer_progress)"
        )
    conn.close()


def run(path: str, stop_file: str) -> dict[str, object]:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    commits = 0
    errors: list[str] = []
    while not os.path.exists(stop_file):
        try:
            # BEGIN IMMEDIATE: take the write lock up front, as Sequelize's
            # transactions on SQLite do, so the busy timeout applies.
            conn.execute("BEGIN IMMEDIATE")
            n = conn.execute("SELECT n FROM writer_progress").fetchone()[0] + 1
            conn.executemany(
                "INSERT INTO notes (user_id, title, content, is_pinned, created_at, updated_at)"
                " VALUES (1, ?, 'written during the backup', 0,"
                " '2024-04-19 02:51:06.990 +00:00', '2024-04-19 02:51:06.990 +00:00')",
                [(f"writer-{n}-{i}",) for i in range(ROWS_PER_TX)],
            )
            conn.execute("UPDATE writer_progress SET n = ?", (n,))
            conn.execute("COMMIT")
            commits += 1
            time.sleep(PAUSE_S)
        except sqlite3.Error as exc:
            errors.append(str(exc))
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if len(errors) > 20:
                break
    conn.close()
    return {"commits": commits, "errors": errors}


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2])))
