"""Limit of the reverse copy: the sqlite3 shell's own ``.import`` of the same rows.

The case's preparation wrote each table's rows as CSV (from the sample itself, so the same
rows and text; blobs as hex, NULL as empty), the tables' columns with their declared types
(constraints left out: .import cannot write NULL) and the indexes; here the sqlite3 shell
creates the tables, imports every table and builds the indexes in one transaction, nothing
checked or converted. Prints the
rows the file holds as JSON.

argv: tables_sql indexes_sql dest_path manifest_json
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path


def main(tables_sql: str, indexes_sql: str, dest: str, manifest: str) -> dict[str, object]:
    tables = json.loads(Path(manifest).read_text())
    script = ["PRAGMA journal_mode = OFF;", "PRAGMA synchronous = OFF;", f".read {tables_sql}", "BEGIN;"]
    script += [f".import --csv {entry['file']} {entry['table']}" for entry in tables]
    script += [f".read {indexes_sql}", "COMMIT;"]
    shell = subprocess.run(
        ["sqlite3", "-bail", dest],
        input="\n".join(script) + "\n",
        text=True,
        capture_output=True,
        check=False,
    )
    if shell.returncode != 0 or shell.stderr:  # .import reports a refused row on stderr and goes on
        raise SystemExit(f"sqlite3 failed ({shell.returncode}): {shell.stderr[:2000]}")
    conn = sqlite3.connect(dest)
    try:
        rows = {
            e["table"]: conn.execute(f'SELECT count(*) FROM "{e["table"]}"').fetchone()[0] for e in tables
        }
    finally:
        conn.close()
    return {"rows": rows}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])))
