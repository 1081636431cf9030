"""What a run reports: per table (TableResult) and in all (Outcome, the module's result),
and the notes (warnings, skipped parts of the schema) the phases add to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Skipped
from .names import MappedName


@dataclass
class TableResult:
    name: str
    source_rows: int = 0
    target_rows: int = 0
    created: bool = False
    action: str = "unchanged"  # created | loaded | replaced | unchanged
    verified: bool = False
    seconds: float = 0.0
    digest: str = ""
    numeric_dates: dict[str, dict[str, Any]] = field(default_factory=dict)  # column -> its numbers' reading
    column_types: dict[str, str] = field(default_factory=dict)  # copied column -> its PostgreSQL type

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source_rows": self.source_rows,
            "target_rows": self.target_rows,
            "created": self.created,
            "action": self.action,
            "verified": self.verified,
            "seconds": round(self.seconds, 3),
            "digest": self.digest,
            "numeric_dates": self.numeric_dates,
            "column_types": self.column_types,
        }


@dataclass
class Notes:
    """Warnings and the parts of the SQLite schema not migrated, in the order found:
    every phase may add to them (as every phase may add to the ProblemLog)."""

    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def warn(self, warning: str) -> None:
        self.warnings.append(warning)

    def skip(self, skipped: Skipped) -> None:
        self.skipped.append(skipped)
        self.warnings.append(str(skipped))


@dataclass
class Outcome:
    changed: bool = False
    tables: list[TableResult] = field(default_factory=list)
    ddl: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    mapped_names: list[MappedName] = field(default_factory=list)  # names PostgreSQL stores shorter

    # setval() of the sequences the role does not own: not undone by a rollback,
    # so run last, just before the commit, never in check mode (sequences.py).
    at_commit: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "tables": [t.as_dict() for t in self.tables],
            "ddl": self.ddl,
            "warnings": self.warnings,
            "skipped": [s.as_dict() for s in self.skipped],
            "problems": self.problems,
            "mapped_names": [m.as_dict() for m in self.mapped_names],
        }
