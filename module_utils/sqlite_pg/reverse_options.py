"""postgres_to_sqlite's options as one typed object (library/postgres_to_sqlite.py fills it in)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .options import check_shared
from .pg_target import ConnectionOptions
from .progress import Progress

EXTRA = ("fail", "exclude", "add")


@dataclass
class ReverseOptions:
    dest: str
    template: str
    connection: ConnectionOptions = field(
        default_factory=lambda: ConnectionOptions(application_name="postgres_to_sqlite")
    )
    schema: str = "public"
    tables: list[str] | None = None  # template tables to copy (default: every one)
    exclude_tables: list[str] = field(default_factory=list)  # template tables (created empty) or PostgreSQL's
    exclude_columns: list[str] = field(default_factory=list)  # "table.column", either side
    extra: str = "fail"  # tables/columns PostgreSQL has and the template lacks: fail | exclude | add
    verify: str = "full"
    max_problems: int = 50
    date_numbers: dict[str, str] = field(default_factory=dict)  # "table.column" -> temporal.READINGS
    backup: bool = False
    check_mode: bool = False
    progress: Progress | None = field(default=None, repr=False, compare=False)  # a display (progress.py)

    def __post_init__(self) -> None:
        if self.extra not in EXTRA:
            raise ValueError(f"extra must be one of {EXTRA}")
        check_shared(self.verify, self.max_problems, self.connection, self.date_numbers)

    def excluded_columns(self, table: str) -> set[str]:
        prefix = table + "."
        return {c[len(prefix) :] for c in self.exclude_columns if c.startswith(prefix)}
