"""Baseline: the guide's ORM import script, in Python.

The guide's ``import-to-postgres.ts`` calls ``Model.bulkCreate(rows,
{ignoreDuplicates: true})`` per table into the tables ``sequelize.sync()``
made: multi-row ``INSERT ... VALUES (...), (...) ON CONFLICT DO NOTHING``,
each statement committed on its own (Sequelize runs it outside a
transaction). Here: batches of 1000 rows through psycopg2's
``execute_values``; rows are streamed from SQLite rather than read into one
JSON array first, which only flatters this baseline's memory.

argv: sqlite_path dsn table [table ...] (parents first).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import psycopg2
from psycopg2.extras import execute_values

from bench.convert import converters
from bench.pgtarget import column_types

BATCH = 1000


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load(sqlite_path: str, dsn: str, tables: list[str]) -> dict[str, int]:
    src = sqlite3.connect(f"file:{Path(sqlite_path).resolve()}?mode=ro", uri=True)
    dst = psycopg2.connect(dsn)
    dst.autocommit = True
    counts: dict[str, int] = {}
    try:
        with dst.cursor() as cur:
            for table in tables:
                cols = column_types(cur, table)
                src_cols = {r[1] for r in src.execute(f"PRAGMA table_info({_ident(table)})")}
                cols = [(n, t) for n, t in cols if n in src_cols]
                conv = converters([t for _, t in cols])
                names = ", ".join(_ident(n) for n, _ in cols)
                sql = f"INSERT INTO public.{_ident(table)} ({names}) VALUES %s ON CONFLICT DO NOTHING"
                rows = src.execute(f"SELECT {names} FROM {_ident(table)}")
                n = 0
                while batch := rows.fetchmany(BATCH):
                    values = [tuple(f(v) for f, v in zip(conv, row, strict=True)) for row in batch]
                    execute_values(cur, sql, values, page_size=BATCH)
                    n += len(values)
                counts[table] = n
    finally:
        src.close()
        dst.close()
    return counts


if __name__ == "__main__":
    print(json.dumps({"rows": load(sys.argv[1], sys.argv[2], sys.argv[3:])}))
