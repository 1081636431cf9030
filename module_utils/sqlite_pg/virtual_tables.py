"""Virtual tables (CREATE VIRTUAL TABLE: FTS3/4/5, R*Tree, extension modules) and
their shadow tables, which are not migrated by default.

A virtual table's rows are its module's; its shadow tables are that module's
private storage (an FTS5 index's blocks, an R*Tree's nodes), which means nothing
to PostgreSQL. SQLite 3.37+ names both in PRAGMA table_list ('virtual',
'shadow'); before it, shadow tables are found by the suffixes the built-in
modules give them, only where their virtual table exists.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .errors import Skipped
from .sqlite_source import SqliteSource

FTS3_SHADOWS = ("_content", "_segments", "_segdir", "_docsize", "_stat")
RTREE_SHADOWS = ("_node", "_rowid", "_parent")
SHADOW_SUFFIXES: dict[str, tuple[str, ...]] = {
    "fts3": FTS3_SHADOWS,
    "fts4": FTS3_SHADOWS,
    "fts5": ("_data", "_idx", "_content", "_docsize", "_config"),
    "rtree": RTREE_SHADOWS,
    "rtree_i32": RTREE_SHADOWS,
    "geopoly": RTREE_SHADOWS,
}
_VIRTUAL = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\b", re.IGNORECASE)
# The module's name after USING, bare or quoted in any of SQLite's four ways.
_MODULE = re.compile(
    r"\bUSING\s+(?:\"((?:[^\"]|\"\")+)\"|`([^`]+)`|\[([^\]]+)\]|'([^']+)'|(\w+))", re.IGNORECASE
)


@dataclass(frozen=True)
class SpecialTable:
    """A virtual table, or a shadow table of one (``owner``)."""

    name: str
    kind: str  # "virtual table" | "shadow table"
    module: str  # the virtual table's module ("" when SQLite names no owner of a shadow table)
    owner: str
    missing: str | None = None  # SQLite's error when the module is not in this SQLite

    def skipped(self) -> Skipped:
        if self.missing is not None:
            reason = (
                f"module {self.module} is not in this SQLite ({sqlite3.sqlite_version}), so it cannot "
                f"be read ({self.missing}); recreate its data in PostgreSQL from the application"
            )
        elif self.kind == "virtual table":
            reason = (
                f"a virtual table (USING {self.module}), whose data lives in its shadow tables; "
                "recreate it in PostgreSQL (full-text search: a tsvector column with a GIN index; "
                "R*Tree: PostGIS or a GiST index), or list it in tables to copy its columns as a plain table"
            )
        else:
            owner = f" of virtual table {self.owner} (USING {self.module})" if self.owner else ""
            reason = f"a shadow table{owner}: the module's own storage, meaningless outside SQLite"
        return Skipped(self.kind, self.name, reason)

    def refusal(self) -> str | None:
        """Why it cannot be copied even when asked for in ``tables``."""
        if self.missing is None:
            return None
        return (
            f"table {self.name} is a virtual table of module {self.module}, which this SQLite "
            f"({sqlite3.sqlite_version}) does not have ({self.missing}): it cannot be read; "
            "remove it from tables"
        )


def module_of(sql: str) -> str:
    found = _MODULE.search(sql)
    if not found:
        return ""
    return next(g for g in found.groups() if g is not None).replace('""', '"')


def special_tables(source: SqliteSource, use_table_list: bool = True) -> dict[str, SpecialTable]:
    """Virtual and shadow tables by name (once per run: one probe per virtual table)."""
    entries = source.table_entries()
    names = {name for name, _sql in entries}
    virtual = {name: module_of(sql) for name, sql in entries if _VIRTUAL.match(sql)}
    found: dict[str, SpecialTable] = {}
    for name, module in virtual.items():
        found[name] = SpecialTable(name, "virtual table", module, name, source.unreadable(name))
    for name, module in virtual.items():
        for suffix in SHADOW_SUFFIXES.get(module.lower(), ()):
            if name + suffix in names and name + suffix not in found:
                found[name + suffix] = SpecialTable(name + suffix, "shadow table", module, name)
    types = source.table_types() if use_table_list else None
    for name, kind in (types or {}).items():
        if kind == "shadow" and name in names and name not in found:
            owner = max((v for v in virtual if name.startswith(v + "_")), key=len, default="")
            found[name] = SpecialTable(name, "shadow table", virtual.get(owner, ""), owner)
    return found
