"""Phase 1, prepare: the plan of the run, from the SQLite schema and the target catalog.

Names that collide once cut, each table planned (loaded into the existing table
or created: plan.py), the structural problems (failing the run before anything
is read of the data), the load order, each table's row loop (TableCopy), and
the notes of what will not be migrated.
"""

from __future__ import annotations

from dataclasses import dataclass

from .converters import TextPolicy
from .errors import Problem, ProblemLog, ProblemsFound
from .identifiers import pg_name
from .names import MappedName, column_collisions, mapped_names, relation_collisions, table_collisions
from .numeric_dates import option_problems
from .options import Options
from .ordering import fk_order
from .outcome import Notes
from .pg_target import TargetTable, read_tables, relations
from .plan import TablePlan, plan_create, plan_existing, scan_created, widen_integers
from .read_ahead import SourceLease
from .schema_extras import trigger_skipped
from .sqlite_source import SchemaObject, SourceTable
from .table_copy import TableCopy
from .target_session import TargetSession


@dataclass(frozen=True)
class Prepared:
    existing: dict[str, TargetTable]  # the target tables that exist already
    plans: dict[str, TablePlan]
    copies: dict[str, TableCopy]  # in foreign-key order (parents first)
    order: list[str]
    parents: dict[str, set[str]]  # table -> the migrated tables it references (not itself)
    # Tables whose foreign keys PostgreSQL checks: SQLite's check of them waits for a report.
    checked_by_postgres: list[str]
    objects: list[SchemaObject]  # SQLite's views and triggers
    mapped_names: list[MappedName]


def prepare(
    session: TargetSession,
    lease: SourceLease,
    tables: dict[str, SourceTable],
    options: Options,
    problems: ProblemLog,
    notes: Notes,
) -> Prepared:
    """The plan; raises ProblemsFound with the structural problems in ``problems``."""
    names = list(tables)
    for problem in table_collisions(names):  # before the catalog is read by these names
        problems.add(problem)
    if problems:
        raise ProblemsFound()
    conn, schema = session.conn, session.schema
    existing = read_tables(conn, schema, names)
    structural: list[Problem] = []
    plans: dict[str, TablePlan] = {}
    to_create = {n: tables[n] for n in names if n not in existing and options.create_missing}
    with lease.reading() as source:
        scans = scan_created(source, to_create, options)
        integer_types, widened = widen_integers(source, to_create, options, scans)
        for warning in widened:
            notes.warn(warning)
        for name in names:
            if name in existing:
                plans[name] = plan_existing(source, tables[name], existing[name], options, structural)
            elif options.create_missing:
                plans[name] = plan_create(
                    source,
                    tables[name],
                    options,
                    set(names),
                    structural,
                    integer_types.get(name),
                    scans[name],
                )
            else:
                structural.append(
                    Problem(name, "table does not exist in PostgreSQL (create_missing is false)")
                )
    for name, plan in plans.items():
        structural += column_collisions(name, plan.columns)
    created = {n: p.ddl.relations for n, p in plans.items() if p.created and p.ddl is not None}
    if created:
        structural += relation_collisions(relations(conn, schema), created)
    structural += option_problems(options.date_numbers, plans)
    for problem in structural:
        problems.add(problem)
    if problems:
        raise ProblemsFound()
    mapped = mapped_names(schema, {n: p.columns for n, p in plans.items()}, created)
    for name_mapped in mapped:
        notes.warn(str(name_mapped))

    parents = {n: {k.parent for k in tables[n].foreign_keys} for n in names}
    for name, target in existing.items():
        parents.setdefault(name, set()).update(target.references)
    order, cycle = fk_order(names, parents)
    if cycle:
        notes.warn(f"foreign keys form a cycle among: {', '.join(cycle)}")

    policy = TextPolicy(strip_nul=options.strip_nul)
    with lease.reading() as source:
        copies = {n: plans[n].copy(source, policy) for n in order}
        objects = source.schema_objects()
    for name in order:
        plan = plans[name]
        for column in plan.inexact:
            notes.warn(
                f"{name}.{column}: type {plan.types[column].formatted} is copied as text; "
                "verification compares PostgreSQL's rendering of it"
            )
        if plan.ddl is not None:
            for warning in plan.ddl.warnings:
                notes.warn(warning)
        for skipped in plan.extras.skipped if plan.extras else []:
            notes.skip(skipped)
    views = {o.name for o in objects if o.kind == "view"}
    for trigger in (o for o in objects if o.kind == "trigger"):
        if trigger.table in tables or trigger.table in views:
            notes.skip(trigger_skipped(trigger.name, trigger.table, trigger.sql))
    return Prepared(
        existing=existing,
        plans=plans,
        copies=copies,
        order=order,
        parents={n: {p for p in parents.get(n, set()) if p != n} for n in names},
        checked_by_postgres=[
            n for n in order if _keys_checked_by_postgres(tables, n, plans[n], copies[n], existing)
        ],
        objects=objects,
        mapped_names=mapped,
    )


def _keys_checked_by_postgres(
    tables: dict[str, SourceTable],
    name: str,
    plan: TablePlan,
    copy: TableCopy,
    existing: dict[str, TargetTable],
) -> bool:
    """Whether PostgreSQL itself refuses a row that breaks any foreign key
    SQLite declares on ``name``, before the commit: a created table gets each
    key whose parent is migrated too (added after the load, which checks
    every row); an existing one must have the same key, checked as each
    statement ends. The key's columns must all be loaded."""
    for key in tables[name].foreign_keys:
        if not set(key.columns) <= set(copy.columns):
            return False
        if plan.created:
            if key.parent not in tables:
                return False
        elif (tuple(pg_name(c) for c in key.columns), key.parent) not in existing[name].checked_keys:
            return False
    return True
