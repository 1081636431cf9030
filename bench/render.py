"""Render the SQLite rows to COPY text files once, before any timing.

The raw-COPY limit must not pay for reading SQLite or formatting values: those
costs belong to the loaders being compared, not to the floor. Column types
come from a database that holds the application's tables, so each value is
rendered as that column's text input (booleans t/f, bytea as hex).
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from bench.convert import converters, copy_text_field
from bench.pgtarget import PgServer, column_types


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def render(sqlite_path: Path, server: PgServer, ddl_db: str, tables: list[str], out_dir: Path) -> Path:
    """Write one ``<table>.copy`` per table and a manifest; return the manifest's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{sqlite_path.resolve()}?mode=ro", uri=True)
    entries = []
    try:
        with closing(server.connect(ddl_db)) as conn, conn.cursor() as cur:
            for table in tables:
                src_cols = {r[1] for r in src.execute(f"PRAGMA table_info({_ident(table)})")}
                cols = [(n, t) for n, t in column_types(cur, table) if n in src_cols]
                conv = converters([t for _, t in cols])
                path = out_dir / f"{table}.copy"
                with path.open("w", encoding="utf-8", newline="\n") as fh:
                    names = ", ".join(_ident(n) for n, _ in cols)
                    for row in src.execute(f"SELECT {names} FROM {_ident(table)}"):
                        fields = (copy_text_field(f(v)) for f, v in zip(conv, row, strict=True))
                        fh.write("\t".join(fields) + "\n")
                # Server-side COPY runs as the postgres OS user.
                os.chmod(path, 0o644)
                entries.append({"table": table, "columns": [n for n, _ in cols], "file": str(path)})
    finally:
        src.close()
    manifest = out_dir / "manifest.json"
    manifest.write_text(json.dumps({"source": str(sqlite_path), "tables": entries}, indent=1))
    os.chmod(out_dir, 0o755)
    return manifest
