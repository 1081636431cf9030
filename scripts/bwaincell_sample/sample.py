"""Writing a sample database, and counting the rows of one."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .ddl import SQLITE_DDL
from .defects import _seed_defect
from .models import MODELS, TABLES
from .rows import _budget, _Gen, _lists, _notes, _reminders, _Row, _schedules, _tasks, _users


def _split(rows: int) -> dict[str, int]:
    """Rows per table for a total of ``rows`` (at least one user)."""
    counts = {m.table: int(rows * m.share) for m in MODELS}
    counts["users"] = max(1, counts["users"])
    # Give the rounding remainder to tasks so the total is exact.
    counts["tasks"] += max(0, rows - sum(counts.values()))
    return counts


def create_sample(
    path: str | Path,
    rows: int = 1000,
    seed: int = 42,
    defects: Sequence[str] = (),
    overwrite: bool = False,
) -> dict[str, int]:
    """Write the sample database at ``path``; return the rows per table.

    One transaction and ``executemany`` per table: a million rows take a few
    seconds. The file is written next to ``path`` and renamed into place, so a
    reader never sees half a database.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists (use overwrite=True / --force)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    counts = _split(rows)
    g = _Gen(seed)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for model in MODELS:
            conn.execute(SQLITE_DDL[model.table][0])
        users = counts["users"]
        list_ids: list[str] = []
        task_ids: list[str] = []
        producers: dict[str, Callable[[], Iterator[_Row]]] = {
            "users": lambda: _users(g, users),
            "lists": lambda: _lists(g, counts["lists"], users, list_ids),
            "tasks": lambda: _tasks(g, counts["tasks"], users, list_ids, task_ids),
            "notes": lambda: _notes(g, counts["notes"], users, task_ids),
            "reminders": lambda: _reminders(g, counts["reminders"], users),
            "budget": lambda: _budget(g, counts["budget"], users),
            "schedules": lambda: _schedules(g, counts["schedules"], users),
        }
        for model in MODELS:
            cols = ", ".join(f"`{c.name}`" for c in model.columns)
            marks = ", ".join("?" * len(model.columns))
            conn.executemany(
                f"INSERT INTO `{model.table}` ({cols}) VALUES ({marks})", producers[model.table]()
            )
        # Secondary indexes after the data (same schema, much faster to build).
        for model in MODELS:
            for stmt in SQLITE_DDL[model.table][1:]:
                conn.execute(stmt)
        # sqlite_sequence is kept by AUTOINCREMENT itself, explicit ids included.
        for kind in defects:
            _seed_defect(conn, kind, g)
        conn.execute("COMMIT")
        result = {t: conn.execute(f"SELECT count(*) FROM `{t}`").fetchone()[0] for t in TABLES}
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    tmp.replace(path)
    return result


def table_counts(path: str | Path) -> dict[str, int]:
    """Rows per Bwaincell table in an existing SQLite file (read-only)."""
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM `{t}`").fetchone()[0] for t in TABLES}
    finally:
        conn.close()
