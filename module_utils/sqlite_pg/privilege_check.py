"""Phase 2, the privileges check: what the run will do against what the role may do
(privileges.py reads the latter once); every missing privilege one problem."""

from __future__ import annotations

from .errors import Problem
from .pg_target import TargetTable, serial_sequences
from .prepare import Prepared
from .privileges import Access, Reference, TableNeeds, missing
from .read_ahead import SourceLease
from .sqlite_source import SourceTable
from .table_copy import TableCopy
from .target_session import TargetSession


def blind(access: Access, existing: dict[str, TargetTable], copies: dict[str, TableCopy]) -> bool:
    """Whether the role cannot read the existing tables (schema USAGE, SELECT on the columns):
    then the comparison cannot run."""
    if existing and access.schema_exists and not access.schema_usage:
        return True
    return any(
        access.tables[n].denied.get("SELECT", frozenset()) & set(copies[n].columns)
        for n in existing
        if n in access.tables
    )


def missing_privileges(
    session: TargetSession,
    lease: SourceLease,
    access: Access,
    tables: dict[str, SourceTable],
    prepared: Prepared,
    to_load: list[str],
    replaced: set[str],
) -> list[Problem]:
    """The privileges the run needs for ``to_load`` (and to read every existing
    table) that the role lacks, each a problem naming its GRANT."""
    plans, copies = prepared.plans, prepared.copies
    loading = set(to_load)
    existing = [n for n in plans if not plans[n].created]
    sequences = serial_sequences(session.conn, session.schema, [n for n in existing if n in loading])
    needs: list[TableNeeds] = []
    for name in existing:
        load = name in loading
        moved = tuple(sequences.get(name, ())) if load else ()
        if any(not (s.owned or s.can_update) for s in moved) and not _moves_sequences(lease, name):
            moved = ()  # nothing to move: an empty source table without AUTOINCREMENT history
        needs.append(
            TableNeeds(
                name,
                tuple(copies[name].columns),
                load=load,
                truncate=name in replaced,
                alter=load and bool(plans[name].widen),
                sequences=moved,
            )
        )
    created = [n for n in prepared.order if n in loading and plans[n].created]
    references = [
        Reference(
            name,
            fk.parent,
            tuple(
                tables[fk.parent].primary_key
                if None in fk.parent_columns
                else [c for c in fk.parent_columns if c is not None]
            ),
        )
        for name in created
        for fk in tables[name].foreign_keys
        if fk.parent in plans and not plans[fk.parent].created
    ]
    return missing(access, needs, created, references)


def _moves_sequences(lease: SourceLease, name: str) -> bool:
    with lease.reading() as source:
        return bool(source.sequence_value(name)) or source.count(name) > 0
