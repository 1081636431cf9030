"""The PostgreSQL side: connecting with clear errors, and the catalog of target tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .converters import ColumnType
from .errors import KIND_CONNECTION, MigrationError
from .identifiers import pg_name

try:
    import psycopg2
    import psycopg2.extensions

    HAS_PSYCOPG2 = True
except ImportError:  # reported by the module as a missing requirement
    psycopg2 = None  # type: ignore[assignment]
    HAS_PSYCOPG2 = False

# Output settings the converters render for (see copy_text): fixed here so the
# read-back prints values the same way whatever the server's configuration.
SESSION_SETTINGS = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
    "SET client_encoding = 'UTF8'",
    "SET standard_conforming_strings = on",
)


# The login options both modules take (their Ansible argument_spec entries), read by
# ConnectionOptions.from_params; each module's DOCUMENTATION documents them.
LOGIN_ARGUMENT_SPEC: dict[str, dict[str, Any]] = dict(
    login_host=dict(type="str", default="", aliases=["host"]),
    login_port=dict(
        type="int",
        default=5432,
        aliases=["port"],
        deprecated_aliases=[dict(name="port", version="2.0.0", collection_name="bwaincell.migration")],
    ),
    login_user=dict(type="str", default="postgres"),
    login_password=dict(type="str", no_log=True),
    login_db=dict(type="str", required=True, aliases=["db"]),
    ssl_mode=dict(
        type="str",
        default="prefer",
        choices=["allow", "disable", "prefer", "require", "verify-ca", "verify-full"],
    ),
    ca_cert=dict(type="path", aliases=["ssl_rootcert"]),
    login_unix_socket=dict(type="path"),
    connect_timeout=dict(type="int", default=10),
    lock_timeout=dict(type="int", default=10),
)


def login_params(args: dict[str, Any]) -> dict[str, Any]:
    """The login options as AnsibleModule fills them in from ``args`` (an alias such as
    ``port`` resolved, integers as integers, the spec's default for the rest): what
    ConnectionOptions.from_params reads, for callers of the logic without Ansible."""
    params: dict[str, Any] = {}
    for name, spec in LOGIN_ARGUMENT_SPEC.items():
        given = [args[n] for n in (name, *spec.get("aliases", [])) if n in args]
        value = given[0] if given else spec.get("default")
        params[name] = int(value) if spec["type"] == "int" and value is not None else value
    return params


@dataclass(frozen=True)
class ConnectionOptions:
    host: str | None = None
    port: int = 5432
    user: str = "postgres"
    password: str | None = None
    database: str = "postgres"
    ssl_mode: str = "prefer"
    ca_cert: str | None = None
    unix_socket: str | None = None
    connect_timeout: int = 10
    lock_timeout: int = 10  # seconds any statement waits for a lock (0: for ever); see locks.py
    application_name: str = "sqlite_to_postgres"  # how pg_stat_activity shows the module's session

    @classmethod
    def from_params(cls, params: dict[str, Any], application_name: str) -> ConnectionOptions:
        """From the login options both modules take (their Ansible parameters)."""
        return cls(
            host=params["login_host"] or None,
            port=params["login_port"],
            user=params["login_user"],
            password=params["login_password"],
            database=params["login_db"],
            ssl_mode=params["ssl_mode"],
            ca_cert=params["ca_cert"],
            unix_socket=params["login_unix_socket"],
            connect_timeout=params["connect_timeout"],
            lock_timeout=params["lock_timeout"],
            application_name=application_name,
        )

    def describe(self) -> str:
        where = self.unix_socket or self.host or "local socket"
        return f"PostgreSQL {self.user}@{where}:{self.port}/{self.database}"


def connect(options: ConnectionOptions) -> Any:
    if not HAS_PSYCOPG2:
        raise MigrationError("the Python library psycopg2 is required on the managed host (python3-psycopg2)")
    params: dict[str, Any] = {
        "port": options.port,
        "user": options.user,
        "dbname": options.database,
        "connect_timeout": options.connect_timeout,
        "application_name": options.application_name,
    }
    host = options.unix_socket or options.host
    if host:
        params["host"] = host
    if options.password:
        params["password"] = options.password
    if not options.unix_socket:
        params["sslmode"] = options.ssl_mode
        if options.ca_cert:
            params["sslrootcert"] = options.ca_cert
    try:
        conn = psycopg2.connect(**params)
    except psycopg2.OperationalError as exc:
        raise MigrationError(
            f"cannot connect to {options.describe()}: {_connect_reason(str(exc))}", kind=KIND_CONNECTION
        ) from exc
    conn.autocommit = False
    with conn.cursor() as cur:
        for statement in SESSION_SETTINGS:
            cur.execute(statement)
        cur.execute("SELECT set_config('lock_timeout', %s, false)", (f"{options.lock_timeout * 1000}ms",))
    conn.commit()
    return conn


def _connect_reason(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if "password authentication failed" in text:
        return "password authentication failed (wrong login_user or login_password)"
    if "no password supplied" in text:
        return "the server asks for a password and login_password is empty"
    if "Connection refused" in text or "No such file or directory" in text:
        return "server not running or not listening there (connection refused): " + lines[-1]
    if "does not exist" in text:
        return lines[-1]
    if "timeout expired" in text:
        return "connection timed out (server down or unreachable)"
    return "; ".join(lines[-2:])


@dataclass(frozen=True)
class TargetColumn:
    name: str
    type: ColumnType
    not_null: bool
    has_default: bool
    identity: bool
    generated: bool


@dataclass
class TargetTable:
    """A table of the catalog: ``name`` and the columns' names as PostgreSQL stores
    them (pg_name of the SQLite names); ``references`` and the parents of
    ``checked_keys`` by SQLite name where the parent is migrated."""

    schema: str
    name: str
    columns: list[TargetColumn]
    references: set[str] = field(default_factory=set)  # tables this one's foreign keys point to
    # (columns, parent table) of the foreign keys PostgreSQL checks as each
    # statement ends (not INITIALLY DEFERRED: those wait for the commit).
    checked_keys: set[tuple[tuple[str, ...], str]] = field(default_factory=set)

    def column(self, name: str) -> TargetColumn | None:
        """The column of the SQLite column ``name``."""
        stored = pg_name(name)
        return next((c for c in self.columns if c.name == stored), None)


_TABLES_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       coalesce(bt.typname, t.typname), coalesce(bt.typtype, t.typtype),
       coalesce(nullif(a.atttypmod, -1), t.typtypmod),
       a.attnotnull OR coalesce(t.typnotnull, false), a.atthasdef, a.attidentity <> '', a.attgenerated <> '',
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
         WHERE e.enumtypid = coalesce(bt.oid, t.oid))
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
WHERE n.nspname = %s AND c.relkind::text = ANY(%s) AND c.relname = ANY(%s)
ORDER BY c.relname, a.attnum
"""

_REFERENCES_SQL = """
SELECT c.relname, p.relname, k.condeferred,
       ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_class p ON p.oid = k.confrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f' AND n.nspname = %s AND c.relname = ANY(%s)
"""


def _modifiers(formatted: str) -> tuple[int | None, int | None, int | None]:
    """(length, precision, scale) from format_type's text."""
    found = re.search(r"\((\d+)(?:,(\d+))?\)", formatted)
    if not found:
        return None, None, None
    first = int(found.group(1))
    second = int(found.group(2)) if found.group(2) else None
    if formatted.startswith(("character", "bit")):
        return first, None, None
    if formatted.startswith("numeric"):
        return None, first, second if second is not None else 0
    return None, None, None


def read_tables(
    conn: Any, schema: str, names: list[str], kinds: tuple[str, ...] = ("r", "p")
) -> dict[str, TargetTable]:
    """The existing tables (``kinds``: pg_class.relkind; 'v' for views) of ``names``
    (SQLite names, which must not collide after pg_name) and their columns, keyed by
    SQLite name."""
    tables: dict[str, TargetTable] = {}
    by_stored = {pg_name(n): n for n in names}
    with conn.cursor() as cur:
        cur.execute(_TABLES_SQL, (pg_name(schema), list(kinds), list(by_stored)))
        for table, column, formatted, typname, typtype, _typmod, not_null, has_def, ident, gen, labels in cur:
            length, precision, scale = _modifiers(formatted)
            column_type = ColumnType(
                name=typname,
                formatted=formatted,
                length=length,
                precision=precision,
                scale=scale,
                enum_labels=tuple(labels) if typtype == "e" and labels else (),
            )
            entry = tables.setdefault(by_stored[table], TargetTable(schema, table, []))
            entry.columns.append(TargetColumn(column, column_type, not_null, has_def, ident, gen))
        cur.execute(_REFERENCES_SQL, (pg_name(schema), list(by_stored)))
        for child, parent, deferred, columns in cur:
            child, parent = by_stored[child], by_stored.get(parent, parent)
            if child in tables:
                tables[child].references.add(parent)
                if not deferred:
                    tables[child].checked_keys.add((tuple(columns), parent))
    return tables


def relation_kinds(conn: Any, schema: str) -> dict[str, str]:
    """Every relation of the schema: name -> pg_class.relkind."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s",
            (pg_name(schema),),
        )
        return dict(cur.fetchall())


def schema_exists(conn: Any, schema: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (pg_name(schema),))
        return cur.fetchone() is not None


_RELATION_KINDS = {
    "r": "table",
    "p": "table",
    "i": "index",
    "I": "index",
    "S": "sequence",
    "v": "view",
    "m": "materialized view",
    "c": "composite type",
    "f": "foreign table",
    "t": "TOAST table",
}


def relations(conn: Any, schema: str) -> dict[str, str]:
    """Every relation of the schema (tables, indexes, sequences, views share one
    namespace): name -> kind, in words."""
    return {
        name: _RELATION_KINDS.get(kind, "relation") for name, kind in relation_kinds(conn, schema).items()
    }


@dataclass(frozen=True)
class SerialSequence:
    """The sequence of an identity or serial column, and what the role may do to it."""

    table: str
    column: str
    name: str  # as pg_get_serial_sequence prints it (schema-qualified, quoted where needed)
    owner: str
    owned: bool  # the role has its owner's privileges: ALTER SEQUENCE (transactional)
    can_update: bool  # UPDATE on it: setval() (not transactional)


_SEQUENCES_SQL = """
SELECT c.relname, a.attname, q.seq, pg_get_userbyid(s.relowner),
       pg_has_role(s.relowner, 'USAGE'), has_sequence_privilege(s.oid, 'UPDATE')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
CROSS JOIN LATERAL (SELECT pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname)) q(seq)
JOIN pg_class s ON s.oid = q.seq::regclass
WHERE n.nspname = %s AND c.relname = ANY(%s) AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""


def serial_sequences(conn: Any, schema: str, names: list[str]) -> dict[str, list[SerialSequence]]:
    """Per table, the sequences of its identity and serial columns."""
    found: dict[str, list[SerialSequence]] = {}
    by_stored = {pg_name(n): n for n in names}  # the catalog's names -> SQLite names
    with conn.cursor() as cur:
        cur.execute(_SEQUENCES_SQL, (pg_name(schema), list(by_stored)))
        for table, column, name, owner, owned, can_update in cur:
            table = by_stored[table]
            found.setdefault(table, []).append(SerialSequence(table, column, name, owner, owned, can_update))
    return found
