"""Phase 3, pre-check: what the source alone says will fail, before anything is sent.

NULLs in NOT NULL columns, and rows whose foreign key points at no row (SQLite's
PRAGMA foreign_key_check) for the tables whose keys PostgreSQL will not check
itself; the others are checked here only when a report is made
(``check_references``), so that one report names every row.
"""

from __future__ import annotations

from .errors import Problem, ProblemLog, excerpt
from .plan import TablePlan
from .read_ahead import SourceLease
from .sqlite_source import SourceTable
from .table_copy import TableCopy
from .utf8 import shown_text


def precheck(
    lease: SourceLease,
    tables: dict[str, SourceTable],
    plans: dict[str, TablePlan],
    copies: dict[str, TableCopy],
    checked_by_postgres: list[str],
    max_problems: int,
    problems: ProblemLog,
) -> None:
    """Source-only checks: NULL in NOT NULL columns, dangling foreign keys
    (of the tables whose keys PostgreSQL does not check); into ``problems``."""
    with lease.reading() as source:
        for name, plan in plans.items():
            copy = copies[name]
            if plan.not_null:
                keys = len(copy.key_columns)
                select = copy.key_columns + (["_rowid_"] if copy.has_rowid else [])
                for row in source.null_rows(name, plan.not_null, select, max_problems):
                    key = copy.key_from(row[:keys], row[keys] if copy.has_rowid else None)
                    flags = row[len(select) :]
                    for column, is_null in zip(plan.not_null, flags, strict=True):
                        if is_null:
                            problems.add(Problem(name, _null_reason(copy, column), column, key))
    check_references(lease, tables, copies, [n for n in plans if n not in checked_by_postgres], problems)


def _null_reason(copy: TableCopy, column: str) -> str:
    if column in copy.key_columns:
        return (
            "NULL in a primary key column (SQLite allows it in a table whose key is not INTEGER "
            "PRIMARY KEY; PostgreSQL does not): give the row a key in SQLite, or delete it"
        )
    return "NULL in a NOT NULL column"


def check_references(
    lease: SourceLease,
    tables: dict[str, SourceTable],
    copies: dict[str, TableCopy],
    names: list[str],
    problems: ProblemLog,
) -> None:
    """SQLite's PRAGMA foreign_key_check: each row whose key points at no row."""
    with lease.reading() as source:
        for name in names:
            source_table = tables[name]
            if not source_table.foreign_keys:
                continue
            copy = copies[name]
            for _table, rowid, parent, fk_id in source.dangling_references(name):
                keys = source_table.foreign_keys  # in PRAGMA foreign_key_list id order
                fk = keys[fk_id] if 0 <= fk_id < len(keys) else None
                fk_columns = list(fk.columns) if fk else []
                key: dict[str, str] = {}
                values = ""
                if rowid is not None:
                    wanted = (copy.key_columns or []) + fk_columns
                    row = source.row_by_rowid(name, wanted, rowid) if wanted else None
                    if row is not None:
                        pk_count = len(copy.key_columns)
                        key = copy.key_from(row[:pk_count], rowid)
                        values = ", ".join(excerpt(v) for v in row[pk_count:])
                    else:
                        key = {"rowid": str(rowid)}
                problems.add(
                    Problem(
                        name,
                        f"foreign key points at no row of {shown_text(parent)}",
                        ", ".join(fk_columns) or None,
                        key,
                        values or None,
                    )
                )
