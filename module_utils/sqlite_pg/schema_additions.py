"""Phase 7, the schema beyond tables (planned in schema_extras.py): a created
table's generated columns and CHECK constraints after its verification, then
SQLite's views over created tables after all tables; each in a savepoint, kept
only when PostgreSQL gives SQLite's values (else skipped, with the reason)."""

from __future__ import annotations

from typing import Any

from .errors import MigrationError, Skipped
from .identifiers import quote_ident
from .outcome import Notes
from .pg_target import read_tables, relation_kinds
from .plan import TablePlan
from .read_ahead import SourceLease
from .schema_extras import (
    CHECK,
    GENERATED,
    VIEW,
    Addition,
    compare_computed,
    shown,
    table_relation,
    view_statement,
)
from .sql_translate import ColumnInfo, Relation, Untranslatable, translate_select
from .sqlite_source import SchemaObject, SourceTable
from .sqlite_sql import SqlSyntaxError, view_select
from .target_session import TargetSession
from .verification import row_context


def add_extras(session: TargetSession, lease: SourceLease, plan: TablePlan, notes: Notes) -> list[str]:
    """A created table's generated columns (kept only if PostgreSQL computes
    SQLite's values for every row), what needs them, then its CHECK constraints.
    Returns the generated columns kept."""
    kept: list[str] = []
    if plan.extras is None or not (plan.extras.additions or (plan.ddl and plan.ddl.with_generated)):
        return kept
    name = plan.name
    context, key = row_context(plan)
    additions = [a for a in plan.extras.additions if a.kind == GENERATED]
    with_generated = plan.ddl.with_generated if plan.ddl else []
    additions += [Addition(kind, f"{name}: {shown(s)}", s) for kind, s in with_generated]
    additions += [a for a in plan.extras.additions if a.kind != GENERATED]
    with lease.reading() as source:  # the comparisons read the source
        for addition in additions:
            column = addition.column
            check = None
            if column is not None:

                def check(column: str = column) -> str | None:
                    return compare_computed(
                        session.conn, session.schema, source, plan.source, context, key, plan.types, [column]
                    )

            reason = session.attempt(addition.statement, check)
            if reason is None:
                if column is not None:
                    kept.append(column)
                continue
            if addition.kind == GENERATED:
                reason += "; the column is not created"
            elif addition.kind == CHECK:
                reason += (
                    "; the rows are migrated, the constraint is not (it held in SQLite: a row "
                    "PostgreSQL finds breaking it means the translation differs)"
                )
            notes.skip(Skipped(addition.kind, addition.name, reason))
    return kept


def create_views(
    session: TargetSession,
    lease: SourceLease,
    plans: dict[str, TablePlan],
    objects: list[SchemaObject],
    generated_added: dict[str, list[str]],
    notes: Notes,
) -> bool:
    """SQLite's views that read only tables (and views) created here, translated,
    each in a savepoint and kept only when its rows equal SQLite's; True if any was.
    ``generated_added``: per created table, the generated columns it got."""
    views = [o for o in objects if o.kind == "view"]
    if not views:
        return False
    in_target = relation_kinds(session.conn, session.schema)
    relations: dict[str, Relation] = {}
    refused: dict[str, str] = {}
    for name, plan in plans.items():
        if plan.created and plan.ddl is not None:
            types = {c: plan.ddl.types[c] for c in plan.columns}
            extras = plan.extras
            for column in generated_added.get(name, []):
                types[column] = extras.generated_types[column] if extras else "text"
            relations[name.lower()] = table_relation(session.schema, plan.source, types)
        else:
            refused[name.lower()] = (
                f"reads {name}, a table that exists in PostgreSQL: the application's schema is "
                "authoritative there; create the view the way the application does (its migrations)"
            )
    names = {v.name.lower() for v in views}
    parsed: dict[str, Any] = {}
    for view in views:
        try:
            parsed[view.name] = view_select(view.sql)[0]
        except SqlSyntaxError as exc:
            parsed[view.name] = exc
    done: set[str] = set()
    pending = list(views)
    created = False
    with lease.reading() as source:
        while pending:
            ready = [v for v in pending if not _view_needs(v, parsed[v.name], names) - done]
            if not ready:  # depends on views that are not there: each says why
                ready = pending
            for view in ready:
                pending.remove(view)
                done.add(view.name.lower())
                created |= _create_view(
                    session, source, view, parsed[view.name], relations, refused, in_target, notes
                )
                if view.name.lower() not in relations:
                    refused[view.name.lower()] = f"reads the view {view.name}, which this run did not create"
    return created


def _view_needs(view: SchemaObject, tokens: Any, views: set[str]) -> set[str]:
    """The other views a view's SQL names (lower-cased)."""
    if isinstance(tokens, Exception):
        return set()
    return ({t.text.lower() for t in tokens if t.identifier} & views) - {view.name.lower()}


def _create_view(
    session: TargetSession,
    source: Any,
    view: SchemaObject,
    tokens: Any,
    relations: dict[str, Relation],
    refused: dict[str, str],
    in_target: dict[str, str],
    notes: Notes,
) -> bool:
    name = view.name
    schema = session.schema
    definition = f"SQLite's definition: {shown(view.sql)}"
    if in_target.get(name) == "v":
        return False  # there already (an earlier run, or the application): left as it is
    if name in in_target:
        notes.skip(Skipped(VIEW, name, f"a relation of that name exists in PostgreSQL. {definition}"))
        return False
    try:
        if isinstance(tokens, Exception):
            raise tokens
        select, kinds = translate_select(tokens, relations, refused)
        columns = source.column_names(name)
    except (SqlSyntaxError, Untranslatable, MigrationError) as exc:
        notes.skip(Skipped(VIEW, name, f"does not translate: {exc}. {definition}"))
        return False

    def same_rows() -> str | None:
        found = read_tables(session.conn, schema, [name], kinds=("v",)).get(name)
        types = {c.name: c.type for c in found.columns} if found else {}
        shell = SourceTable(name, [], view.sql, without_rowid=True)
        try:
            return compare_computed(session.conn, schema, source, shell, columns, [], types, [])
        except MigrationError as exc:
            return f"SQLite cannot read it: {exc.msg}"

    reason = session.attempt(view_statement(schema, name, columns, select), same_rows)
    if reason is not None:
        notes.skip(Skipped(VIEW, name, f"{reason}. {definition}"))
        return False
    if len(kinds) != len(columns):
        kinds = ["other"] * len(columns)
    relations[name.lower()] = Relation(
        f"{quote_ident(schema)}.{quote_ident(name)}",
        [ColumnInfo(c, k) for c, k in zip(columns, kinds, strict=True)],
    )
    return True
