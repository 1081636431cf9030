"""The Sequelize models of Bwaincell: tables, columns, row shares, and the one list of tables."""

from __future__ import annotations

from dataclasses import dataclass, field


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
