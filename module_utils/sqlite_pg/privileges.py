"""What the connecting role may do to the target, checked before anything is written.

A role that may write the tables but does not own them (the application's own
role, when the tables were created by a migration tool or an administrator)
is a normal case. ``read_access`` reads the privileges once from the catalog
(has_*_privilege, pg_has_role on the owner: ownership counts for members of the
owning role too); ``missing`` compares them with what the run will do and
returns one problem per privilege missing, each with the GRANT that gives it,
so one report names all of them.

What the run needs: USAGE on the schema; per existing table SELECT on the
loaded columns (comparison, verification, the highest id) and, when it is
loaded, INSERT on them (COPY FROM), TRUNCATE for if_not_empty=replace,
ownership for widen_varchar (ALTER TABLE), no row-level security applying to
the role (COPY FROM refuses such tables); per sequence it must move past the
highest id ownership (ALTER SEQUENCE RESTART) or UPDATE (setval(), run just
before the commit: see migrate.py); CREATE on the schema to create tables, or
CREATE on the database when the schema must be created; REFERENCES on an
existing table a created table's foreign key points to. The dropped and
recreated foreign keys and indexes (deferred.py) and ANALYZE are limited to the
tables the role owns (ANALYZE: or the database), so they need nothing more;
PostgreSQL checks foreign keys as the owner of the referenced table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Problem
from .identifiers import column_list, pg_name, qualified, quote_ident
from .pg_target import SerialSequence

COLUMN_PRIVILEGES = ("SELECT", "INSERT", "REFERENCES")


@dataclass(frozen=True)
class TableAccess:
    """What the role may do to one existing table."""

    owner: str
    owned: bool
    analyzable: bool  # owner or database owner (PostgreSQL 15 skips others with a warning)
    truncate: bool
    row_security: bool  # row-level security applies to the role: COPY FROM is refused
    # Per privilege of COLUMN_PRIVILEGES, the columns the role lacks it on.
    denied: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Access:
    role: str
    database: str
    database_create: bool
    schema: str
    schema_exists: bool
    schema_usage: bool
    schema_create: bool
    tables: dict[str, TableAccess] = field(default_factory=dict)


@dataclass(frozen=True)
class TableNeeds:
    """What the run will do to one existing table."""

    name: str
    columns: tuple[str, ...]  # read back, and loaded
    load: bool = False  # COPY FROM
    truncate: bool = False  # if_not_empty=replace
    alter: bool = False  # widen_varchar
    sequences: tuple[SerialSequence, ...] = ()  # to move past the highest id


@dataclass(frozen=True)
class Reference:
    """A foreign key a created table gets to an existing table."""

    child: str
    parent: str
    columns: tuple[str, ...]  # the referenced columns


_ROLE_SQL = """
SELECT current_user, current_database(), has_database_privilege(current_database(), 'CREATE'),
       n.oid IS NOT NULL,
       coalesce(has_schema_privilege(n.oid, 'USAGE'), false),
       coalesce(has_schema_privilege(n.oid, 'CREATE'), false)
FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = %s
"""

_TABLES_SQL = """
SELECT c.relname, pg_get_userbyid(c.relowner), pg_has_role(c.relowner, 'USAGE'),
       pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE'),
       has_table_privilege(c.oid, 'TRUNCATE'),
       c.relrowsecurity AND NOT (r.rolsuper OR r.rolbypassrls)
         AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE'))
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_database d ON d.datname = current_database()
JOIN pg_roles r ON r.rolname = current_user
WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p')
"""

_COLUMNS_SQL = """
SELECT c.relname, a.attname, has_column_privilege(c.oid, a.attnum, 'SELECT'),
       has_column_privilege(c.oid, a.attnum, 'INSERT'), has_column_privilege(c.oid, a.attnum, 'REFERENCES')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p')
"""


def read_access(conn: Any, schema: str, names: list[str]) -> Access:
    """The role's privileges on the schema and on the existing tables ``names``."""
    denied: dict[str, dict[str, set[str]]] = {}
    by_stored = {pg_name(n): n for n in names}  # the catalog's names -> SQLite names
    stored = list(by_stored)
    with conn.cursor() as cur:
        cur.execute(_ROLE_SQL, (pg_name(schema),))
        role, database, database_create, schema_exists, usage, create = cur.fetchone()
        cur.execute(_COLUMNS_SQL, (pg_name(schema), stored))
        for table, column, *granted in cur:
            per_table = denied.setdefault(by_stored[table], {p: set() for p in COLUMN_PRIVILEGES})
            for privilege, ok in zip(COLUMN_PRIVILEGES, granted, strict=True):
                if not ok:
                    per_table[privilege].add(column)
        cur.execute(_TABLES_SQL, (pg_name(schema), stored))
        tables = {
            by_stored[table]: TableAccess(
                owner,
                owned,
                analyzable,
                truncate,
                row_security,
                {p: frozenset(c) for p, c in denied.get(by_stored[table], {}).items()},
            )
            for table, owner, owned, analyzable, truncate, row_security in cur
        }
    return Access(role, database, database_create, schema, schema_exists, usage, create, tables)


def missing(
    access: Access, needs: list[TableNeeds], created: list[str], references: list[Reference]
) -> list[Problem]:
    """One problem per privilege the run needs and the role lacks, with its GRANT."""
    role = quote_ident(access.role)
    who = f"role {access.role}"
    schema = quote_ident(access.schema)
    problems: list[Problem] = []
    where = f"{access.schema} (schema)"
    if access.schema_exists and not access.schema_usage and (needs or created):
        problems.append(
            Problem(
                where,
                f"{who} has no USAGE privilege on schema {access.schema}, needed to reach its tables: "
                f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            )
        )
    if created and access.schema_exists and not access.schema_create:
        problems.append(
            Problem(
                where,
                f"{who} has no CREATE privilege on schema {access.schema}, needed to create "
                f"{', '.join(created)}: GRANT CREATE ON SCHEMA {schema} TO {role} "
                "(or create the tables first)",
            )
        )
    if created and not access.schema_exists and not access.database_create:
        problems.append(
            Problem(
                where,
                f"schema {access.schema} does not exist and {who} may not create it (no CREATE privilege on "
                f"database {access.database}): GRANT CREATE ON DATABASE {quote_ident(access.database)} "
                f"TO {role}, or create the schema first (CREATE SCHEMA {schema} AUTHORIZATION {role})",
            )
        )
    for need in needs:
        table = access.tables.get(need.name)
        if table is not None:
            problems.extend(_table_problems(access, need, table))
    for ref in references:
        parent = access.tables.get(ref.parent)
        if parent is None:
            continue
        if not parent.denied.get("REFERENCES", frozenset()) & {pg_name(c) for c in ref.columns}:
            continue
        name = qualified(access.schema, ref.parent)
        problems.append(
            Problem(
                ref.child,
                f"{who} has no REFERENCES privilege on {ref.parent}, needed for the foreign key the "
                f"created table {ref.child} gets to it: GRANT REFERENCES ON TABLE {name} TO {role}",
            )
        )
    return problems


def _table_problems(access: Access, need: TableNeeds, table: TableAccess) -> list[Problem]:
    role = quote_ident(access.role)
    who = f"role {access.role}"
    name = qualified(access.schema, need.name)
    problems: list[Problem] = []

    def lacks(privilege: str, why: str) -> None:
        lacking = sorted(table.denied.get(privilege, frozenset()) & {pg_name(c) for c in need.columns})
        if not lacking:
            return
        if len(lacking) == len(set(need.columns)):
            problems.append(
                Problem(
                    need.name,
                    f"{who} has no {privilege} privilege on table {need.name} ({why}): "
                    f"GRANT {privilege} ON TABLE {name} TO {role}",
                )
            )
            return
        problems.append(
            Problem(
                need.name,
                f"{who} has no {privilege} privilege on column(s) {', '.join(lacking)} ({why}): "
                f"GRANT {privilege} ({column_list(lacking)}) ON TABLE {name} TO {role}",
                ", ".join(lacking),
            )
        )

    lacks("SELECT", "to compare it with the source and verify the load")
    if need.load:
        lacks("INSERT", "to load it with COPY")
        if table.row_security:
            problems.append(
                Problem(
                    need.name,
                    f"row-level security applies to {who} on table {need.name}, and COPY FROM refuses such "
                    f"tables: run as its owner {table.owner}, or ALTER TABLE {name} DISABLE ROW LEVEL "
                    "SECURITY for the migration",
                )
            )
    if need.truncate and not table.truncate:
        problems.append(
            Problem(
                need.name,
                f"{who} has no TRUNCATE privilege on table {need.name} (if_not_empty=replace empties it "
                f"first): GRANT TRUNCATE ON TABLE {name} TO {role}",
            )
        )
    if need.alter and not table.owned:
        problems.append(
            Problem(
                need.name,
                f"{who} does not own table {need.name} (owner: {table.owner}), and widen_varchar must alter "
                f"its column types: run as {table.owner}, or GRANT {quote_ident(table.owner)} TO {role}",
            )
        )
    for sequence in need.sequences:
        if sequence.owned or sequence.can_update:
            continue
        problems.append(
            Problem(
                need.name,
                f"{who} may not move sequence {sequence.name} past the highest id: it is not its owner "
                f"({sequence.owner}) and has no UPDATE privilege on it: "
                f"GRANT UPDATE ON SEQUENCE {sequence.name} TO {role}",
                sequence.column,
            )
        )
    return problems
