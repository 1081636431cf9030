"""Which SQLite tables the run copies: ``tables``, ``exclude_tables`` and
``exclude_columns`` checked against the database (a name it does not have is an
error, before anything is written), virtual and shadow tables skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import MigrationError, Problem, Skipped
from .options import Options
from .sqlite_source import SqliteSource
from .virtual_tables import special_tables

LISTED = 30  # names shown in a message


@dataclass
class Selection:
    names: list[str]
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # each skipped one's too


def listing(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED]) or "none"
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def select_tables(source: SqliteSource, options: Options) -> Selection:
    available = source.table_names()
    special = special_tables(source)
    problems = _unknown_names(source, available, options)
    if problems:
        raise MigrationError(
            "options name what the SQLite database does not have, nothing was written: "
            + "; ".join(p.reason for p in problems),
            [p.as_dict() for p in problems],
        )
    excluded = set(options.exclude_tables)
    if options.tables:
        refused = [r for r in (special[n].refusal() for n in options.tables if n in special) if r]
        if refused:
            raise MigrationError("; ".join(refused) + "; nothing was written")
        names = [n for n in options.tables if n not in excluded]
        skipped: list[Skipped] = []
    else:
        names = [n for n in available if n not in special and n not in excluded]
        skipped = [
            special[n].skipped()
            for n in available
            if n in special and n not in excluded and special[n].owner not in excluded
        ]
    selection = Selection(names, skipped, [str(s) for s in skipped])
    ordinary = [n for n in available if n not in special]
    if source.file.empty:
        selection.warnings.append(
            f"SQLite database {source.path} is empty (0 bytes, which SQLite reads as a database with "
            "no tables): nothing was copied; check that src is the application's database"
        )
    elif not ordinary:
        what = "no tables" if not available else "no tables but virtual and shadow tables (skipped)"
        selection.warnings.append(
            f"SQLite database {source.path} has {what}: nothing was copied; "
            "check that src is the application's database"
        )
    elif not names:
        selection.warnings.append(f"no table of SQLite database {source.path} is copied: all are excluded")
    return selection


def _unknown_names(source: SqliteSource, available: list[str], options: Options) -> list[Problem]:
    """A table or column the options name that the database does not have (a typo
    would otherwise silently copy what was meant to be left behind)."""
    have = set(available)
    tables_are = f"its tables are: {listing(available)}"
    problems = [
        Problem(name, f"{option}: no table {name} in the SQLite database ({tables_are})")
        for option, names in (("tables", options.tables or []), ("exclude_tables", options.exclude_tables))
        for name in names
        if name not in have
    ]
    columns: dict[str, list[str]] = {}
    for entry in options.exclude_columns:
        # A table's name may hold dots: any table the entry starts with will do.
        owners = [t for t in available if entry.startswith(t + ".")]
        for table in owners:
            if table not in columns:
                columns[table] = [] if source.unreadable(table) else source.column_names(table)
        if any(entry[len(t) + 1 :] in columns[t] for t in owners):
            continue
        if not owners:
            table = entry.split(".", 1)[0]
            reason = (
                f"exclude_columns: {entry} is not table.column"
                if "." not in entry
                else f"exclude_columns: {entry}: no table {table} in the SQLite database ({tables_are})"
            )
            problems.append(Problem(table, reason))
            continue
        table = max(owners, key=len)
        column = entry[len(table) + 1 :]
        problems.append(
            Problem(
                table,
                f"exclude_columns: {entry}: table {table} has no column {column} "
                f"(its columns are: {listing(columns[table])})",
                column,
            )
        )
    return problems
