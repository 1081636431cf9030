"""DDL, as Sequelize writes it for each dialect, and the PostgreSQL column types it gives."""

from __future__ import annotations

from .models import MODELS, Column, Model

_SQLITE_TYPES: dict[str, str] = {
    "serial": "INTEGER",
    "integer": "INTEGER",
    "uuid": "UUID",
    "text": "TEXT",
    "boolean": "TINYINT(1)",
    "datetime": "DATETIME",
    "dateonly": "DATE",
    "time": "TIME",
    "decimal": "DECIMAL(10,2)",
    "float": "FLOAT",
    "json": "JSON",
    "blob": "BLOB",
    "enum": "TEXT",
}

_PG_TYPES: dict[str, str] = {
    "serial": "SERIAL",
    "integer": "INTEGER",
    "uuid": "UUID",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP WITH TIME ZONE",
    "dateonly": "DATE",
    "time": "TIME",
    "decimal": "DECIMAL(10,2)",
    "float": "FLOAT",
    "json": "JSON",
    "blob": "BYTEA",
}


def _sqlite_column(c: Column) -> str:
    decl = f"VARCHAR({c.length})" if c.kind == "string" else _SQLITE_TYPES[c.kind]
    parts = [f"`{c.name}`", decl]
    if c.kind == "serial":
        parts.append("PRIMARY KEY AUTOINCREMENT")
    else:
        if not c.nullable:
            parts.append("NOT NULL")
        if c.unique:
            parts.append("UNIQUE")
        if c.default is not None:
            parts.append(f"DEFAULT {c.default}")
        if c.primary:
            parts.append("PRIMARY KEY")
    if c.references:
        parts.append(
            f"REFERENCES `{c.references[0]}` (`{c.references[1]}`) ON DELETE {c.on_delete} ON UPDATE CASCADE"
        )
    return " ".join(parts)


def sqlite_ddl(model: Model) -> list[str]:
    """``CREATE TABLE`` + indexes as Sequelize's SQLite dialect emits them."""
    cols = ", ".join(_sqlite_column(c) for c in model.columns)
    stmts = [f"CREATE TABLE IF NOT EXISTS `{model.table}` ({cols});"]
    for idx in model.indexes:
        name = f"{model.table}_{'_'.join(idx)}"
        stmts.append(f"CREATE INDEX `{name}` ON `{model.table}` ({', '.join(f'`{c}`' for c in idx)})")
    return stmts


def _pg_column(c: Column, table: str, schema: str) -> str:
    if c.kind == "string":
        decl = f"VARCHAR({c.length})"
    elif c.kind == "enum":
        decl = f'"{schema}"."enum_{table}_{c.name}"'
    else:
        decl = _PG_TYPES[c.kind]
    parts = [f'"{c.name}"', decl]
    if not c.nullable and c.kind != "serial":
        parts.append("NOT NULL")
    if c.unique:
        parts.append("UNIQUE")
    if c.default is not None:
        default = c.default
        if c.kind == "boolean":
            default = "true" if c.default == "1" else "false"
        parts.append(f"DEFAULT {default}")
    if c.references:
        parts.append(
            f'REFERENCES "{schema}"."{c.references[0]}" ("{c.references[1]}") '
            f"ON DELETE {c.on_delete} ON UPDATE CASCADE"
        )
    return " ".join(parts)


def postgres_ddl(schema: str = "public") -> list[str]:
    """Statements ``sequelize.sync()`` runs on PostgreSQL for these models.

    Enum types first (``CREATE TYPE "<schema>"."enum_<table>_<column>"``), then
    each table in dependency order with its primary key and indexes. Sequelize
    spells FLOAT ``FLOAT`` (PostgreSQL stores ``double precision``), DECIMAL
    ``DECIMAL(10,2)`` (``numeric(10,2)``), SERIAL as a sequence-backed integer.
    """
    stmts: list[str] = []
    for model in MODELS:
        for c in model.columns:
            if c.kind == "enum":
                values = ", ".join(f"'{v}'" for v in c.values)
                stmts.append(f'CREATE TYPE "{schema}"."enum_{model.table}_{c.name}" AS ENUM({values});')
    for model in MODELS:
        cols = [_pg_column(c, model.table, schema) for c in model.columns]
        pk = [c.name for c in model.columns if c.primary]
        cols.append(f"PRIMARY KEY ({', '.join(f'{chr(34)}{n}{chr(34)}' for n in pk)})")
        stmts.append(f'CREATE TABLE IF NOT EXISTS "{schema}"."{model.table}" ({", ".join(cols)});')
        for idx in model.indexes:
            name = f"{model.table}_{'_'.join(idx)}"
            cols_sql = ", ".join(f'"{c}"' for c in idx)
            stmts.append(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{schema}"."{model.table}" ({cols_sql});')
    return stmts


#: ``CREATE TABLE`` (+ ``CREATE INDEX``) statements per table, SQLite dialect.
SQLITE_DDL: dict[str, list[str]] = {m.table: sqlite_ddl(m) for m in MODELS}

#: What ``sequelize.sync()`` creates on PostgreSQL, schema ``public``.
POSTGRES_DDL: list[str] = postgres_ddl()

#: PostgreSQL types of each column as ``information_schema`` reports them
#: (``data_type``; ``USER-DEFINED`` for enums), for tests that check a copy.
POSTGRES_COLUMN_TYPES: dict[str, dict[str, str]] = {
    m.table: {
        c.name: {
            "serial": "integer",
            "integer": "integer",
            "uuid": "uuid",
            "string": "character varying",
            "text": "text",
            "boolean": "boolean",
            "datetime": "timestamp with time zone",
            "dateonly": "date",
            "time": "time without time zone",
            "decimal": "numeric",
            "float": "double precision",
            "json": "json",
            "blob": "bytea",
            "enum": "USER-DEFINED",
        }[c.kind]
        for c in m.columns
    }
    for m in MODELS
}
