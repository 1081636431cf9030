"""Physical limit 1: read every row of every table of the SQLite file, do nothing else.

No copy can be faster than reading its source; this is that floor for a
Python reader (the module reads through the same sqlite3 driver).
Prints ``{"rows": {table: n}}`` as JSON.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path


def read_all(path: str) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts: dict[str, int] = {}
        for t in tables:
            n = 0
            quoted = '"' + t.replace('"', '""') + '"'
            # Iterating the cursor materialises every value as a Python object,
            # which is the part of the module's cost this floor should include.
            for _row in conn.execute(f"SELECT * FROM {quoted}"):
                n += 1
            counts[t] = n
        return counts
    finally:
        conn.close()


if __name__ == "__main__":
    print(json.dumps({"rows": read_all(sys.argv[1])}))
