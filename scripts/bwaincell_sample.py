#!/usr/bin/env python3
"""Write a sample Bwaincell SQLite database the way the application writes it.

The application (Sequelize v6 on SQLite) creates its tables with backquoted
names and these declared types: ``UUID``, ``VARCHAR(n)``, ``TEXT``,
``TINYINT(1)`` (booleans stored 0/1), ``DATETIME`` (TEXT
``2024-04-19 02:51:06.990 +00:00``), ``DATE`` (``2024-03-21``), ``TIME``
(``11:02:00``), ``DECIMAL(10,2)``, ``FLOAT``, ``JSON`` (TEXT), ``BLOB``, ENUM
as ``TEXT``, ``INTEGER PRIMARY KEY AUTOINCREMENT`` (with ``sqlite_sequence``),
snake_case columns (``underscored: true``) and ``created_at``/``updated_at``.

Usage::

    scripts/bwaincell_sample.py sample/bwaincell.sqlite            # ~1,000 rows
    scripts/bwaincell_sample.py --rows 1000000 --seed 7 big.sqlite
    scripts/bwaincell_sample.py --defect varchar bad.sqlite         # fails validation

Importable (tests and the benchmark use it)::

    from bwaincell_sample import TABLES, SQLITE_DDL, POSTGRES_DDL, create_sample

``POSTGRES_DDL`` is what the application's ``sequelize.sync()`` creates for the
same models on PostgreSQL: ``uuid``, ``boolean``, ``timestamp with time zone``,
``date``, ``time``, ``numeric(10,2)``, ``double precision``, ``json``,
``bytea``, enum types ``enum_<table>_<column>``, ``serial`` ids, ``varchar(n)``.

Only the standard library is used.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "DEFECTS",
    "ENUMS",
    "MODELS",
    "POSTGRES_DDL",
    "SQLITE_DDL",
    "TABLES",
    "Column",
    "Model",
    "create_sample",
    "format_datetime",
    "postgres_ddl",
    "row_shares",
    "sqlite_ddl",
    "table_counts",
]

# --------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One model attribute, as Sequelize declares it.

    ``kind`` is the Sequelize data type: ``serial`` (INTEGER autoIncrement
    primary key), ``uuid``, ``string`` (``length`` = n), ``text``, ``boolean``,
    ``datetime`` (DataTypes.DATE), ``dateonly``, ``time``, ``decimal``
    (10,2), ``float``, ``json``, ``blob``, ``enum`` (``values``), ``integer``.
    """

    name: str
    kind: str
    length: int | None = None
    nullable: bool = True
    primary: bool = False
    unique: bool = False
    default: str | None = None  # SQL literal, as Sequelize writes it
    references: tuple[str, str] | None = None  # (table, column)
    on_delete: str = "SET NULL"
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Model:
    table: str
    columns: tuple[Column, ...]
    share: float  # fraction of the total rows that --rows gives this table
    indexes: tuple[tuple[str, ...], ...] = field(default=())


def _ts(name: str, nullable: bool = False) -> Column:
    return Column(name, "datetime", nullable=nullable)


MODELS: tuple[Model, ...] = (
    Model(
        "users",
        (
            Column("id", "serial", nullable=False, primary=True),
            Column("discord_id", "string", 32, nullable=False, unique=True),
            Column("google_id", "string", 64, unique=True),
            Column("email", "string", 255, unique=True),
            Column("name", "string", 100),
            Column("is_admin", "boolean", nullable=False, default="0"),
            Column("role", "enum", values=("user", "moderator", "admin"), default="'user'"),
            Column("timezone", "string", 64, default="'UTC'"),
            Column("preferences", "json"),
            Column("avatar", "blob"),
            Column("last_login_at", "datetime"),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.02,
    ),
    Model(
        "lists",
        (
            Column("id", "uuid", nullable=False, primary=True),
            Column("user_id", "integer", nullable=False, references=("users", "id"), on_delete="CASCADE"),
            Column("guild_id", "string", 32),
            Column("name", "string", 100, nullable=False),
            Column("items", "json"),
            Column("is_archived", "boolean", nullable=False, default="0"),
            Column("color", "string", 7),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.05,
        indexes=(("user_id",),),
    ),
    Model(
        "tasks",
        (
            Column("id", "uuid", nullable=False, primary=True),
            Column("user_id", "integer", nullable=False, references=("users", "id"), on_delete="CASCADE"),
            Column("list_id", "uuid", references=("lists", "id")),
            Column("guild_id", "string", 32),
            Column("title", "string", 200, nullable=False),
            Column("description", "text"),
            Column("completed", "boolean", nullable=False, default="0"),
            Column("priority", "enum", values=("low", "medium", "high"), default="'medium'"),
            Column("estimate_hours", "float"),
            Column("due_date", "datetime"),
            Column("completed_at", "datetime"),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.35,
        indexes=(("user_id",), ("list_id",), ("completed",)),
    ),
    Model(
        "notes",
        (
            Column("id", "serial", nullable=False, primary=True),
            Column("user_id", "integer", nullable=False, references=("users", "id"), on_delete="CASCADE"),
            Column("task_id", "uuid", references=("tasks", "id")),
            Column("title", "string", 200, nullable=False),
            Column("content", "text"),
            Column("tags", "json"),
            Column("is_pinned", "boolean", nullable=False, default="0"),
            Column("attachment", "blob"),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.20,
        indexes=(("user_id",),),
    ),
    Model(
        "reminders",
        (
            Column("id", "serial", nullable=False, primary=True),
            Column("user_id", "integer", nullable=False, references=("users", "id"), on_delete="CASCADE"),
            Column("channel_id", "string", 32),
            Column("message", "text", nullable=False),
            Column(
                "frequency",
                "enum",
                nullable=False,
                values=("once", "daily", "weekly", "monthly"),
                default="'once'",
            ),
            Column("time", "time", nullable=False),
            Column("day_of_week", "integer"),
            Column("due_date", "dateonly"),
            Column("next_trigger", "datetime"),
            Column("active", "boolean", nullable=False, default="1"),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.13,
        indexes=(("user_id",), ("next_trigger",)),
    ),
    Model(
        "budget",
        (
            Column("id", "serial", nullable=False, primary=True),
            Column("user_id", "integer", nullable=False, references=("users", "id"), on_delete="CASCADE"),
            Column("type", "enum", nullable=False, values=("expense", "income")),
            Column("category", "string", 50, nullable=False),
            Column("amount", "decimal", nullable=False),
            Column("currency", "string", 3, default="'USD'"),
            Column("exchange_rate", "float"),
            Column("description", "text"),
            Column("date", "dateonly", nullable=False),
            Column("receipt", "blob"),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.15,
        indexes=(("user_id",), ("date",)),
    ),
    Model(
        "schedules",
        (
            Column("id", "uuid", nullable=False, primary=True),
            Column("user_id", "integer", nullable=False, references=("users", "id"), on_delete="CASCADE"),
            Column("event", "string", 200, nullable=False),
            Column("date", "dateonly", nullable=False),
            Column("time", "time", nullable=False),
            Column("duration_minutes", "integer"),
            Column("recurrence", "enum", values=("none", "daily", "weekly", "monthly"), default="'none'"),
            Column("description", "text"),
            Column("metadata", "json"),
            Column("all_day", "boolean", nullable=False, default="0"),
            _ts("created_at"),
            _ts("updated_at"),
        ),
        share=0.10,
        indexes=(("user_id",), ("date",)),
    ),
)

#: Table names in dependency order (parents first).
TABLES: tuple[str, ...] = tuple(m.table for m in MODELS)
_BY_NAME: dict[str, Model] = {m.table: m for m in MODELS}

#: Enum types PostgreSQL gets: ``enum_<table>_<column>`` -> values.
ENUMS: dict[str, tuple[str, ...]] = {
    f"enum_{m.table}_{c.name}": c.values for m in MODELS for c in m.columns if c.kind == "enum"
}


def row_shares() -> dict[str, float]:
    """Fraction of ``--rows`` that each table receives."""
    return {m.table: m.share for m in MODELS}


# --------------------------------------------------------------------------
# DDL, as Sequelize writes it for each dialect
# --------------------------------------------------------------------------

_SQLITE_TYPES: dict[str, str] = {
    "serial": "INTEGER",
    "integer": "INTEGER",
    "uuid": "UUID",
    "text": "TEXT",
    "boolean": "TINYINT(1)",
    "datetime": "DATETIME",
    "dateonly": "DATE",
    "time": "TIME",
    "decimal": "DECIMAL(10,2)",
    "float": "FLOAT",
    "json": "JSON",
    "blob": "BLOB",
    "enum": "TEXT",
}

_PG_TYPES: dict[str, str] = {
    "serial": "SERIAL",
    "integer": "INTEGER",
    "uuid": "UUID",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP WITH TIME ZONE",
    "dateonly": "DATE",
    "time": "TIME",
    "decimal": "DECIMAL(10,2)",
    "float": "FLOAT",
    "json": "JSON",
    "blob": "BYTEA",
}


def _sqlite_column(c: Column) -> str:
    decl = f"VARCHAR({c.length})" if c.kind == "string" else _SQLITE_TYPES[c.kind]
    parts = [f"`{c.name}`", decl]
    if c.kind == "serial":
        parts.append("PRIMARY KEY AUTOINCREMENT")
    else:
        if not c.nullable:
            parts.append("NOT NULL")
        if c.unique:
            parts.append("UNIQUE")
        if c.default is not None:
            parts.append(f"DEFAULT {c.default}")
        if c.primary:
            parts.append("PRIMARY KEY")
    if c.references:
        parts.append(
            f"REFERENCES `{c.references[0]}` (`{c.references[1]}`) ON DELETE {c.on_delete} ON UPDATE CASCADE"
        )
    return " ".join(parts)


def sqlite_ddl(model: Model) -> list[str]:
    """``CREATE TABLE`` + indexes as Sequelize's SQLite dialect emits them."""
    cols = ", ".join(_sqlite_column(c) for c in model.columns)
    stmts = [f"CREATE TABLE IF NOT EXISTS `{model.table}` ({cols});"]
    for idx in model.indexes:
        name = f"{model.table}_{'_'.join(idx)}"
        stmts.append(f"CREATE INDEX `{name}` ON `{model.table}` ({', '.join(f'`{c}`' for c in idx)})")
    return stmts


def _pg_column(c: Column, table: str, schema: str) -> str:
    if c.kind == "string":
        decl = f"VARCHAR({c.length})"
    elif c.kind == "enum":
        decl = f'"{schema}"."enum_{table}_{c.name}"'
    else:
        decl = _PG_TYPES[c.kind]
    parts = [f'"{c.name}"', decl]
    if not c.nullable and c.kind != "serial":
        parts.append("NOT NULL")
    if c.unique:
        parts.append("UNIQUE")
    if c.default is not None:
        default = c.default
        if c.kind == "boolean":
            default = "true" if c.default == "1" else "false"
        parts.append(f"DEFAULT {default}")
    if c.references:
        parts.append(
            f'REFERENCES "{schema}"."{c.references[0]}" ("{c.references[1]}") '
            f"ON DELETE {c.on_delete} ON UPDATE CASCADE"
        )
    return " ".join(parts)


def postgres_ddl(schema: str = "public") -> list[str]:
    """Statements ``sequelize.sync()`` runs on PostgreSQL for these models.

    Enum types first (``CREATE TYPE "<schema>"."enum_<table>_<column>"``), then
    each table in dependency order with its primary key and indexes. Sequelize
    spells FLOAT ``FLOAT`` (PostgreSQL stores ``double precision``), DECIMAL
    ``DECIMAL(10,2)`` (``numeric(10,2)``), SERIAL as a sequence-backed integer.
    """
    stmts: list[str] = []
    for model in MODELS:
        for c in model.columns:
            if c.kind == "enum":
                values = ", ".join(f"'{v}'" for v in c.values)
                stmts.append(f'CREATE TYPE "{schema}"."enum_{model.table}_{c.name}" AS ENUM({values});')
    for model in MODELS:
        cols = [_pg_column(c, model.table, schema) for c in model.columns]
        pk = [c.name for c in model.columns if c.primary]
        cols.append(f"PRIMARY KEY ({', '.join(f'{chr(34)}{n}{chr(34)}' for n in pk)})")
        stmts.append(f'CREATE TABLE IF NOT EXISTS "{schema}"."{model.table}" ({", ".join(cols)});')
        for idx in model.indexes:
            name = f"{model.table}_{'_'.join(idx)}"
            cols_sql = ", ".join(f'"{c}"' for c in idx)
            stmts.append(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{schema}"."{model.table}" ({cols_sql});')
    return stmts


#: ``CREATE TABLE`` (+ ``CREATE INDEX``) statements per table, SQLite dialect.
SQLITE_DDL: dict[str, list[str]] = {m.table: sqlite_ddl(m) for m in MODELS}

#: What ``sequelize.sync()`` creates on PostgreSQL, schema ``public``.
POSTGRES_DDL: list[str] = postgres_ddl()

#: PostgreSQL types of each column as ``information_schema`` reports them
#: (``data_type``; ``USER-DEFINED`` for enums), for tests that check a copy.
POSTGRES_COLUMN_TYPES: dict[str, dict[str, str]] = {
    m.table: {
        c.name: {
            "serial": "integer",
            "integer": "integer",
            "uuid": "uuid",
            "string": "character varying",
            "text": "text",
            "boolean": "boolean",
            "datetime": "timestamp with time zone",
            "dateonly": "date",
            "time": "time without time zone",
            "decimal": "numeric",
            "float": "double precision",
            "json": "json",
            "blob": "bytea",
            "enum": "USER-DEFINED",
        }[c.kind]
        for c in m.columns
    }
    for m in MODELS
}

# --------------------------------------------------------------------------
# Row generation
# --------------------------------------------------------------------------

_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = 3 * 365 * 24 * 3600
_WORDS: tuple[str, ...] = tuple(
    " ".join(
        (
            "buy milk call mom finish report review pull request plan sprint book dentist water plants",
            "renew passport pay rent walk dog fix bike backup photos update resume clean garage order",
            "filters refill meds send invoice prepare talk read chapter gym session groceries laundry",
            "café naïve résumé 東京 🚀",
        )
    ).split(" ")
)
_CATEGORIES = ("groceries", "rent", "utilities", "transport", "salary", "fun", "health", "gifts")
_COLORS = ("#ff0000", "#00aa88", "#3366ff", "#ffaa00", None)
_TZS = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def format_datetime(dt: datetime) -> str:
    """Sequelize SQLite DATETIME text: ``2024-04-19 02:51:06.990 +00:00``."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d} +00:00"


_DAYS = 3 * 365
_DAY_TEXT: tuple[str, ...] = tuple(
    (_EPOCH + timedelta(days=d)).strftime("%Y-%m-%d") for d in range(_DAYS + 60)
)


class _Gen:
    """Deterministic value source (one ``random.Random``); fast enough for 1M rows."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    @staticmethod
    def _fmt_ms(ms: int) -> str:
        day, rest = divmod(ms, 86_400_000)
        sec, milli = divmod(rest, 1000)
        h, sec = divmod(sec, 3600)
        m, sec = divmod(sec, 60)
        return f"{_DAY_TEXT[day]} {h:02d}:{m:02d}:{sec:02d}.{milli:03d} +00:00"

    def dt(self) -> str:
        return self._fmt_ms(self.r.randrange(_DAYS * 86_400_000))

    def ts_pair(self) -> tuple[str, str]:
        created = self.r.randrange(_DAYS * 86_400_000)
        updated = created + self.r.randrange(30 * 86_400_000)
        return self._fmt_ms(created), self._fmt_ms(updated)

    def date(self) -> str:
        return _DAY_TEXT[self.r.randrange(_DAYS)]

    def time(self) -> str:
        r = self.r
        return f"{r.randrange(24):02d}:{r.choice((0, 15, 30, 45, 2)):02d}:00"

    def words(self, lo: int, hi: int) -> str:
        r = self.r
        return " ".join(r.choices(_WORDS, k=r.randint(lo, hi)))

    def maybe(self, p: float) -> bool:
        return self.r.random() < p


_Row = tuple[Any, ...]


def _users(g: _Gen, n: int) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        prefs = json.dumps({"theme": r.choice(("dark", "light")), "notify": r.random() < 0.5, "n": i})
        yield (
            i,
            str(100000000000000000 + i * 7919),
            f"g{i:010d}" if g.maybe(0.6) else None,
            f"user{i}@example.org" if g.maybe(0.8) else None,
            g.words(1, 2).title()[:100],
            1 if i == 1 or g.maybe(0.02) else 0,
            r.choice(("user", "user", "user", "moderator", "admin")),
            r.choice(_TZS),
            prefs,
            r.randbytes(r.randrange(8, 64)) if g.maybe(0.1) else None,
            g.dt() if g.maybe(0.7) else None,
            created,
            updated,
        )


def _lists(g: _Gen, n: int, users: int, ids: list[str]) -> Iterator[_Row]:
    r = g.r
    for _ in range(n):
        created, updated = g.ts_pair()
        lid = g.uuid()
        ids.append(lid)
        items = json.dumps([{"text": g.words(1, 3), "done": r.random() < 0.3} for _ in range(r.randrange(4))])
        yield (
            lid,
            r.randint(1, users),
            str(200000000000000000 + r.randrange(50)) if g.maybe(0.5) else None,
            g.words(1, 3)[:100],
            items,
            1 if g.maybe(0.1) else 0,
            r.choice(_COLORS),
            created,
            updated,
        )


def _tasks(g: _Gen, n: int, users: int, lists: list[str], ids: list[str]) -> Iterator[_Row]:
    r = g.r
    for _ in range(n):
        created, updated = g.ts_pair()
        tid = g.uuid()
        ids.append(tid)
        done = g.maybe(0.4)
        yield (
            tid,
            r.randint(1, users),
            r.choice(lists) if lists and g.maybe(0.7) else None,
            str(200000000000000000 + r.randrange(50)) if g.maybe(0.5) else None,
            g.words(2, 8)[:200],
            g.words(4, 24) if g.maybe(0.5) else None,
            1 if done else 0,
            r.choice(("low", "medium", "medium", "high")),
            round(r.random() * 16, 3) if g.maybe(0.3) else None,
            g.dt() if g.maybe(0.6) else None,
            updated if done else None,
            created,
            updated,
        )


def _notes(g: _Gen, n: int, users: int, tasks: list[str]) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        yield (
            i,
            r.randint(1, users),
            r.choice(tasks) if tasks and g.maybe(0.2) else None,
            g.words(1, 6)[:200],
            g.words(5, 40) + ("\nline two\ttabbed 'quoted' \"double\" \\ back" if g.maybe(0.1) else ""),
            json.dumps(sorted({r.choice(_WORDS) for _ in range(r.randrange(4))}), ensure_ascii=False),
            1 if g.maybe(0.05) else 0,
            r.randbytes(r.randrange(1, 256)) if g.maybe(0.03) else None,
            created,
            updated,
        )


def _reminders(g: _Gen, n: int, users: int) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        freq = r.choice(("once", "daily", "weekly", "monthly"))
        yield (
            i,
            r.randint(1, users),
            str(300000000000000000 + r.randrange(100)) if g.maybe(0.8) else None,
            g.words(2, 12),
            freq,
            g.time(),
            r.randrange(7) if freq == "weekly" else None,
            g.date() if freq == "once" else None,
            g.dt() if g.maybe(0.9) else None,
            0 if g.maybe(0.15) else 1,
            created,
            updated,
        )


def _budget(g: _Gen, n: int, users: int) -> Iterator[_Row]:
    r = g.r
    for i in range(1, n + 1):
        created, updated = g.ts_pair()
        kind = "income" if g.maybe(0.2) else "expense"
        # DECIMAL has NUMERIC affinity in SQLite: 12.0 is stored as the integer 12.
        amount = round(r.random() * (3000 if kind == "income" else 250), 2)
        yield (
            i,
            r.randint(1, users),
            kind,
            r.choice(_CATEGORIES),
            amount,
            r.choice(("USD", "USD", "EUR", "GBP")),
            round(0.5 + r.random(), 6) if g.maybe(0.3) else None,
            g.words(1, 8) if g.maybe(0.6) else None,
            g.date(),
            r.randbytes(r.randrange(16, 128)) if g.maybe(0.02) else None,
            created,
            updated,
        )


def _schedules(g: _Gen, n: int, users: int) -> Iterator[_Row]:
    r = g.r
    for _ in range(n):
        created, updated = g.ts_pair()
        meta = json.dumps({"location": g.words(1, 2), "attendees": r.randrange(10)}) if g.maybe(0.5) else None
        yield (
            g.uuid(),
            r.randint(1, users),
            g.words(2, 6)[:200],
            g.date(),
            g.time(),
            r.choice((15, 30, 60, 90, None)),
            r.choice(("none", "none", "daily", "weekly", "monthly")),
            g.words(3, 20) if g.maybe(0.4) else None,
            meta,
            1 if g.maybe(0.1) else 0,
            created,
            updated,
        )


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


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path", nargs="?", default="sample/bwaincell.sqlite", help="SQLite file to write")
    p.add_argument("--rows", type=int, default=1000, help="total rows across the tables (default 1000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same file content)")
    p.add_argument(
        "--defect",
        action="append",
        default=[],
        choices=sorted(DEFECTS),
        help="add one row of bad data of this kind (repeatable): "
        + "; ".join(f"{k}: {v}" for k, v in DEFECTS.items()),
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--if-missing", action="store_true", help="do nothing (exit 0) when the file exists")
    p.add_argument(
        "--print-postgres-ddl", action="store_true", help="print what sequelize.sync() creates and exit"
    )
    p.add_argument("--print-sqlite-ddl", action="store_true", help="print the SQLite DDL and exit")
    args = p.parse_args(argv)
    if args.print_postgres_ddl:
        print("\n".join(POSTGRES_DDL))
        return 0
    if args.print_sqlite_ddl:
        print("\n".join(s for t in TABLES for s in SQLITE_DDL[t]))
        return 0
    if args.rows < 1:
        p.error("--rows must be at least 1")
    target = Path(args.path)
    if target.exists() and args.if_missing:
        print(f"{target}: exists, kept")
        return 0
    start = time.monotonic()
    try:
        counts = create_sample(target, args.rows, args.seed, args.defect, overwrite=args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - start
    total = sum(counts.values())
    detail = ", ".join(f"{t}={n}" for t, n in counts.items())
    print(f"{target}: {total} rows in {took:.1f} s ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
