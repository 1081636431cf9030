"""One cell changed in PostgreSQL after a migration: verification must catch it (issue 6).

After a verified migration into the application's tables, each trial changes
one cell (seeded random table, row and non-key column) to another value the
column accepts, sometimes a subtle one (1 ms, 1e-12 relative, one character),
sometimes NULL, then runs the module again. It must fail, naming the table,
the row's primary key and the column; the cell is then put back from its own
text form so the next trial starts from an exact copy again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bwaincell_sample
import pytest
import sqlite_pg.verification as verification
from module_child import options_from
from pgfaults import create_app_tables, run_module, snapshot
from sqlite_pg.errors import MigrationError
from sqlite_pg.migrate import run

pytestmark = pytest.mark.integration

TRIALS = 60
SEED = 20261124
ROWS = 1_000


def _columns(cur: Any, table: str) -> list[tuple[str, str, str, bool]]:
    """(name, data_type, format_type, nullable) of each column."""
    cur.execute(
        "SELECT a.attname, c.data_type, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull"
        " FROM pg_attribute a JOIN information_schema.columns c"
        "   ON c.table_schema = 'public' AND c.table_name = %s AND c.column_name = a.attname"
        " WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (table, f'public."{table}"'),
    )
    return [(str(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in cur.fetchall()]


def _references(cur: Any, table: str) -> dict[str, str]:
    """column -> parent table, for this table's (single-column) foreign keys."""
    cur.execute(
        "SELECT a.attname, k.confrelid::regclass::text FROM pg_constraint k"
        " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]"
        " WHERE k.contype = 'f' AND k.conrelid = %s::regclass",
        (f'public."{table}"',),
    )
    return {str(r[0]): str(r[1]).strip('"') for r in cur.fetchall()}


# New value for a non-NULL cell, as SQL over the current value ``v``; each
# keeps the column's type and constraints (varchar length, numeric scale).
_CHANGE = {
    "boolean": "NOT v",
    "integer": "v + 1",
    "numeric": "v + 0.01",
    "double precision": "CASE WHEN v = 0 THEN 1e-9 ELSE v * (1 + 1e-12) END",
    "text": "CASE WHEN v = '' THEN 'x' WHEN left(v, 1) = 'x' THEN 'y' || substr(v, 2)"
    " ELSE 'x' || substr(v, 2) END",
    "timestamp with time zone": "v + interval '1 millisecond'",
    "date": "v + 1",
    "time without time zone": "v + interval '1 second'",
    "json": "CASE json_typeof(v) WHEN 'object' THEN (v::jsonb || '{\"tampered\": 1}')::json"
    " WHEN 'array' THEN (v::jsonb || '[\"tampered\"]'::jsonb)::json ELSE '\"tampered\"'::json END",
    "bytea": "v || '\\x00'::bytea",
}
_CHANGE["character varying"] = _CHANGE["text"]
# A value for a NULL cell.
_FILL = {
    "boolean": "true",
    "integer": "7",
    "numeric": "1.23",
    "double precision": "0.5",
    "text": "'x'",
    "character varying": "'x'",
    "timestamp with time zone": "'2020-02-29 12:00:00.123+00'",
    "date": "'2020-02-29'",
    "time without time zone": "'12:34:56'",
    "json": "'{\"tampered\": 1}'",
    "bytea": "'\\x01'::bytea",
}


def _new_value_sql(
    rng: random.Random,
    column: str,
    data_type: str,
    type_sql: str,
    nullable: bool,
    parent: str | None,
    is_null: bool,
) -> str:
    """An expression over ``v`` (the current value) giving a different value."""
    if not is_null and nullable and rng.random() < 0.15:
        return f"NULL::{type_sql}"
    if parent is not None:
        # Another existing parent row: the foreign key must still hold.
        pick = f'(SELECT p.id FROM public."{parent}" p WHERE p.id IS DISTINCT FROM v ORDER BY p.id LIMIT 1)'
        return pick
    if data_type == "USER-DEFINED":
        return f"(SELECT e FROM unnest(enum_range(NULL::{type_sql})) e WHERE e IS DISTINCT FROM v LIMIT 1)"
    if is_null:
        return f"{_FILL[data_type]}::{type_sql}"
    return _CHANGE[data_type]


@dataclass
class Tamper:
    """One changed cell: where, and its value before and after (PostgreSQL's text)."""

    table: str
    key: str
    column: str
    data_type: str
    type_sql: str
    id_type: str
    original: str | None
    changed: str | None

    def named_in(self, text: str) -> bool:
        key_shown = f"id={self.key}" in text or f"id='{self.key}'" in text
        return self.table in text and key_shown and self.column in text

    def restore(self, cur: Any) -> None:
        """Put the exact original back, from its own text form cast by PostgreSQL."""
        value = "NULL" if self.original is None else f"%s::{self.type_sql}"
        params = (self.key,) if self.original is None else (self.original, self.key)
        cur.execute(
            f'UPDATE public."{self.table}" SET "{self.column}" = {value} WHERE id = %s::{self.id_type}',
            params,
        )


def tamper(cur: Any, rng: random.Random, table: str) -> Tamper:
    """Change one random non-key cell of ``table`` to another valid value."""
    described = _columns(cur, table)
    id_type = next(c[2] for c in described if c[0] == "id")
    column, data_type, type_sql, nullable = rng.choice([c for c in described if c[0] != "id"])
    cur.execute(f'SELECT id::text, "{column}"::text FROM public."{table}" ORDER BY id')
    key, original = rng.choice(cur.fetchall())
    change = _new_value_sql(
        rng, column, data_type, type_sql, nullable, _references(cur, table).get(column), original is None
    )
    new = f'(SELECT {change} FROM (SELECT t."{column}" AS v) s)'
    cur.execute(
        f'UPDATE public."{table}" t SET "{column}" = {new} WHERE t.id = %s::{id_type}'
        f' RETURNING "{column}"::text',
        (key,),
    )
    changed = cur.fetchone()[0]
    assert changed != original, f"{table}.{column}: {change} left {original!r} unchanged"
    return Tamper(table, key, column, data_type, type_sql, id_type, original, changed)


def _verify(server: Any, db: str, src: Path) -> str:
    """Run the module in this process (a trial is then ~0.2 s); its failure text, or ''."""
    try:
        run(options_from({**server.module_args(db), "src": str(src), "verify": "full"}))
    except MigrationError as exc:
        return f"{exc.msg} {exc.problems}"
    return ""


@pytest.fixture(scope="module")
def migrated(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, Path]:
    src = tmp_path_factory.mktemp("tamper") / "bwaincell.sqlite"
    bwaincell_sample.create_sample(src, rows=ROWS, seed=5)
    db = pg_server.create_database("tamper")
    create_app_tables(pg_server, db)
    rc, out, err = run_module(pg_server, db, src, verify="full")
    assert rc == 0, (out, err)
    return pg_server, db, src


def test_every_changed_cell_is_caught_and_named(migrated: tuple[Any, str, Path]) -> None:
    server, db, src = migrated
    rng = random.Random(SEED)
    conn = server.connect(db)
    missed: list[str] = []
    kinds: set[str] = set()
    try:
        with conn.cursor() as cur:
            for trial in range(TRIALS):
                t = tamper(cur, rng, rng.choice(bwaincell_sample.TABLES))
                kinds.add(t.data_type if t.changed is not None else "NULL")
                report = _verify(server, db, src)
                if not t.named_in(report):
                    missed.append(f"trial {trial}: {t}: {report or 'not caught'}")
                t.restore(cur)
        rc, out, err = run_module(server, db, src, verify="full")
        assert rc == 0 and out["result"]["changed"] is False, (out, err)
    finally:
        conn.close()
    assert not missed, "\n".join(missed)
    # The trials covered the kinds of value the application stores.
    assert {"boolean", "text", "timestamp with time zone", "json", "NULL"} <= kinds


IN_FLIGHT_TRIALS = 5


def test_a_cell_changed_before_verification_rolls_everything_back(
    pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same kind of change, made inside the module's own transaction between
    its COPY and its read-back: the verification fails, names the row, and the
    rollback leaves the target exactly as it was (schema, rows, sequences)."""
    src = tmp_path / "bwaincell.sqlite"
    bwaincell_sample.create_sample(src, rows=ROWS, seed=6)
    db = pg_server.create_database("inflight")
    create_app_tables(pg_server, db)
    before = snapshot(pg_server, db)
    rng = random.Random(SEED + 1)
    real_digest = verification.target_digest
    failures: list[str] = []
    for trial in range(IN_FLIGHT_TRIALS):
        victim = rng.choice(bwaincell_sample.TABLES)
        done: list[Tamper] = []

        def tampering_digest(
            conn: Any,
            schema: str,
            name: str,
            columns: list[str],
            streamed: Any = None,
            *,
            _victim: str = victim,
            _done: list[Tamper] = done,
        ) -> Any:
            if name == _victim and not _done:
                with conn.cursor() as cur:
                    _done.append(tamper(cur, rng, _victim))
            return real_digest(conn, schema, name, columns, streamed)

        monkeypatch.setattr(verification, "target_digest", tampering_digest)
        text = _verify(pg_server, db, src)
        if not done or "verification failed" not in text or not done[0].named_in(text):
            failures.append(f"trial {trial}: {done}: not caught or not named: {text!r}")
        if snapshot(pg_server, db) != before:
            failures.append(f"trial {trial}: {done}: the target changed despite the rollback")
            break
    assert not failures, "\n".join(failures)
