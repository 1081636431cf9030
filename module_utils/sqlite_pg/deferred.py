"""Foreign keys and plain indexes of empty existing tables, dropped during COPY.

Loading into an indexed table with foreign keys costs one RI trigger call per
row and per foreign key, and one index insertion per row and per index; building
each index once and validating each foreign key with one join afterwards is
cheaper (what pg_restore does). Everything happens inside the migration's one
transaction, so a failure or rollback restores the definitions as they were.

Only what cannot change the outcome is deferred:

- foreign keys between two tables both loaded here into empty existing tables,
  and declared the same way in SQLite (adding one back checks every row; if
  it refuses, SQLite's PRAGMA foreign_key_check names the rows that break it);
  valid, not inherited, without a comment;
- indexes that enforce nothing (not unique, no constraint's), valid, in the
  default tablespace, not clustered, not partitions, without a comment or
  statistics target.

Primary keys, unique and check constraints stay: COPY keeps rejecting a bad
row with its line number. Tables the connecting role does not own are left as
they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .identifiers import pg_name, qualified, quote_ident

_FOREIGN_KEYS_SQL = """
SELECT c.relname, k.conname, p.relname, pg_get_constraintdef(k.oid),
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_class p ON p.oid = k.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE k.contype = 'f' AND n.nspname = %(schema)s AND pn.nspname = %(schema)s
  AND c.relname = ANY(%(names)s) AND p.relname = ANY(%(names)s)
  AND c.relkind = 'r' AND p.relkind = 'r'
  AND k.convalidated AND k.conislocal AND k.coninhcount = 0 AND k.conparentid = 0
  AND obj_description(k.oid, 'pg_constraint') IS NULL
  AND pg_has_role(c.relowner, 'USAGE') AND pg_has_role(p.relowner, 'USAGE')
ORDER BY c.relname, k.conname
"""

_INDEXES_SQL = """
SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = ANY(%(names)s) AND c.relkind = 'r' AND i.relkind = 'i'
  AND NOT x.indisunique AND NOT x.indisprimary AND NOT x.indisexclusion AND NOT x.indisclustered
  AND x.indisvalid AND x.indisready AND i.reltablespace = 0
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = x.indexrelid AND a.attstattarget >= 0)
  AND obj_description(x.indexrelid, 'pg_class') IS NULL
  AND pg_has_role(c.relowner, 'USAGE')
ORDER BY c.relname, i.relname
"""


@dataclass(frozen=True)
class Deferred:
    """Statements to drop before COPY and to run again after it (indexes first:
    validating a foreign key then has the child's indexes too)."""

    drops: list[str] = field(default_factory=list)
    restores: list[str] = field(default_factory=list)
    # Per restore statement, the tables that must be loaded before it runs
    # (the table; for a foreign key, the child and the parent).
    needs: dict[str, frozenset[str]] = field(default_factory=dict)


def plan_deferred(
    conn: Any, schema: str, names: list[str], source_keys: set[tuple[str, tuple[str, ...], str]]
) -> Deferred:
    """What to drop around the COPY of ``names`` (empty existing tables).

    ``source_keys`` are the SQLite foreign keys as (child, columns, parent): a
    PostgreSQL foreign key is deferred only when SQLite declares it too, since
    only those were checked on the source.
    """
    if not names:
        return Deferred()
    # The catalog holds the names as PostgreSQL cut them; tables go back to SQLite names.
    by_stored = {pg_name(n): n for n in names}
    wanted = {(child, tuple(pg_name(c) for c in columns), parent) for child, columns, parent in source_keys}
    params = {"schema": pg_name(schema), "names": list(by_stored)}
    with conn.cursor() as cur:
        cur.execute(_FOREIGN_KEYS_SQL, params)
        keys = [
            (by_stored[child], name, by_stored[parent], definition, columns)
            for child, name, parent, definition, columns in cur.fetchall()
            if (by_stored[child], tuple(columns), by_stored[parent]) in wanted
        ]
        cur.execute(_INDEXES_SQL, params)
        indexes = [(by_stored[table], name, definition) for table, name, definition in cur.fetchall()]
    drops: list[str] = []
    restores: list[str] = []
    needs: dict[str, frozenset[str]] = {}
    for child, name, _parent, _definition, _columns in keys:
        drops.append(f"ALTER TABLE {qualified(schema, child)} DROP CONSTRAINT {quote_ident(name)}")
    for table, name, definition in indexes:
        drops.append(f"DROP INDEX {qualified(schema, name)}")
        restores.append(definition)
        needs[definition] = frozenset({table})
    for child, name, parent, definition, _columns in keys:
        statement = f"ALTER TABLE {qualified(schema, child)} ADD CONSTRAINT {quote_ident(name)} {definition}"
        restores.append(statement)
        needs[statement] = frozenset({child, parent})
    return Deferred(drops, restores, needs)
