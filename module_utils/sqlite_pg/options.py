"""The module's options as one typed object (the Ansible face fills it in)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .pg_target import ConnectionOptions
from .progress import Progress
from .temporal import READINGS

IF_NOT_EMPTY = ("fail", "replace")
VERIFY = ("count", "full")


def check_shared(
    verify: str, max_problems: int, connection: ConnectionOptions, date_numbers: dict[str, str]
) -> None:
    """The checks of the options both directions take (ValueError naming the option)."""
    if verify not in VERIFY:
        raise ValueError(f"verify must be one of {VERIFY}")
    if max_problems < 1:
        raise ValueError("max_problems must be at least 1")
    if connection.lock_timeout < 0:
        raise ValueError("lock_timeout must be 0 (wait for ever) or more seconds")
    for key, reading in date_numbers.items():
        if reading not in READINGS:
            raise ValueError(f"date_numbers: {key}: {reading!r} is not one of {', '.join(READINGS)}")
        if "." not in key:
            raise ValueError(f"date_numbers: {key!r} is not table.column")


@dataclass
class Options:
    src: str
    connection: ConnectionOptions = field(default_factory=ConnectionOptions)
    schema: str = "public"
    tables: list[str] | None = None
    exclude_tables: list[str] = field(default_factory=list)
    exclude_columns: list[str] = field(default_factory=list)  # "table.column"
    if_not_empty: str = "fail"
    verify: str = "full"
    max_problems: int = 50
    widen_varchar: bool = False
    strip_nul: bool = False
    date_numbers: dict[str, str] = field(default_factory=dict)  # "table.column" -> temporal.READINGS
    create_missing: bool = True
    check_source: bool = True
    analyze: bool = True
    read_ahead_mb: int = 256  # the next table's COPY text spilled to a temporary file (spool.py)
    check_mode: bool = False
    progress: Progress | None = field(default=None, repr=False, compare=False)  # a display (progress.py)

    def __post_init__(self) -> None:
        if self.if_not_empty not in IF_NOT_EMPTY:
            raise ValueError(f"if_not_empty must be one of {IF_NOT_EMPTY}")
        check_shared(self.verify, self.max_problems, self.connection, self.date_numbers)
        if self.read_ahead_mb < 0:
            raise ValueError("read_ahead_mb must be 0 or more")

    def excluded_columns(self, table: str) -> set[str]:
        prefix = table + "."
        return {c[len(prefix) :] for c in self.exclude_columns if c.startswith(prefix)}
