"""Bad data ``--defect`` seeds: rows SQLite stores and PostgreSQL refuses."""

from __future__ import annotations

import sqlite3
from typing import Any

from .rows import _Gen

#: Kinds of bad data ``--defect`` seeds (one row each) to make a copy fail
#: validation: each is stored happily by SQLite and refused by PostgreSQL
#: with the application's schema.
DEFECTS: dict[str, str] = {
    "varchar": "tasks.title longer than VARCHAR(200)",
    "uuid": "tasks.id that is not a UUID",
    "enum": "tasks.priority outside the enum",
    "date": "budget.date that is not a date",
    "integer": "reminders.day_of_week holding text",
    "nul": "notes.content containing a NUL character",
    "utf8": "notes.content holding invalid UTF-8 (stored as TEXT)",
    "fk": "tasks.list_id pointing at no list",
    "boolean": "tasks.completed holding 2",
}


def _seed_defect(conn: sqlite3.Connection, kind: str, g: _Gen) -> None:
    created, updated = g.ts_pair()

    def task(**over: Any) -> None:
        row: dict[str, Any] = {
            "id": g.uuid(),
            "user_id": 1,
            "title": "defect",
            "completed": 0,
            "priority": "low",
            "created_at": created,
            "updated_at": updated,
        }
        row.update(over)
        cols = ", ".join(f"`{c}`" for c in row)
        conn.execute(
            f"INSERT INTO `tasks` ({cols}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
        )

    if kind == "varchar":
        task(title="x" * 260)
    elif kind == "uuid":
        task(id="not-a-uuid-0001")
    elif kind == "enum":
        task(priority="urgent")
    elif kind == "fk":
        task(list_id=g.uuid())
    elif kind == "boolean":
        task(completed=2)
    elif kind == "date":
        conn.execute(
            "INSERT INTO `budget` (`user_id`, `type`, `category`, `amount`, `date`,"
            " `created_at`, `updated_at`) VALUES (1, 'expense', 'defect', 1.5, 'yesterday', ?, ?)",
            (created, updated),
        )
    elif kind == "integer":
        conn.execute(
            "INSERT INTO `reminders` (`user_id`, `message`, `frequency`, `time`, `day_of_week`, `active`,"
            " `created_at`, `updated_at`) VALUES (1, 'defect', 'weekly', '10:00:00', 'monday', 1, ?, ?)",
            (created, updated),
        )
    elif kind == "nul":
        conn.execute(
            "INSERT INTO `notes` (`user_id`, `title`, `content`, `is_pinned`, `created_at`, `updated_at`)"
            " VALUES (1, 'defect', ?, 0, ?, ?)",
            ("before\x00after", created, updated),
        )
    elif kind == "utf8":
        conn.execute(
            "INSERT INTO `notes` (`user_id`, `title`, `content`, `is_pinned`, `created_at`, `updated_at`)"
            " VALUES (1, 'defect', CAST(? AS TEXT), 0, ?, ?)",
            (b"caf\xe9 latin-1", created, updated),
        )
    else:
        raise ValueError(f"unknown defect {kind!r}; known: {', '.join(DEFECTS)}")
