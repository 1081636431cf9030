"""Sequences past the copied ids: owned ones moved in the transaction, the others at the commit."""

from __future__ import annotations

from typing import Any

from .errors import MigrationError
from .identifiers import qualified, quote_ident, quote_literal
from .pg_target import psycopg2, serial_sequences
from .target_session import TargetSession, pg_message


def reset_sequences(session: TargetSession, name: str, high_water: int | None) -> list[str]:
    """Identity and serial sequences past the highest id (and past SQLite's
    AUTOINCREMENT high-water mark, so deleted ids are not reused). Returns the
    setval() statements to run at the commit (``set_sequences``)."""
    table = qualified(session.schema, name)
    at_commit: list[str] = []
    for sequence in serial_sequences(session.conn, session.schema, [name]).get(name, []):
        with session.conn.cursor() as cur:
            cur.execute(f"SELECT max({quote_ident(sequence.column)}) FROM {table}")
            current = cur.fetchone()[0] or 0
        top = max(int(current), high_water or 0)
        if top < 1:
            continue
        if sequence.owned:
            # ALTER SEQUENCE is transactional where setval() is not: a rollback
            # (check mode, a failed verification) leaves the sequence as it was.
            session.execute(f"ALTER SEQUENCE {sequence.name} RESTART WITH {top + 1}")
            continue
        # Only the owner may ALTER it; UPDATE allows setval(), which a rollback does
        # not undo: it runs after every check, just before the commit (migrate.run()).
        statement = f"SELECT setval({quote_literal(sequence.name)}, {top})"
        session.ddl.append(statement)
        at_commit.append(statement)
    return at_commit


def set_sequences(conn: Any, statements: list[str]) -> None:
    statement = "setval()"
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    except psycopg2.Error as exc:
        raise MigrationError(
            f"PostgreSQL refused {statement}: {pg_message(exc)}; the transaction was rolled back, "
            "nothing was written (a sequence already moved only skips ids)"
        ) from exc
