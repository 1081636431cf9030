"""Physical limit 2: PostgreSQL's own COPY FROM of rows rendered beforehand.

``server``: ``COPY t FROM '/file'`` read by the server itself, no client in
the data path at all. ``client``: the same files streamed through
``copy_expert`` (COPY FROM STDIN), the path any client-side loader, the
module included, has to take. Both in one transaction, tables in foreign-key
order, into the tables the application creates.

argv: mode dsn manifest.json (the manifest lists table, columns, file).
"""

from __future__ import annotations

import json
import sys

import psycopg2


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load(mode: str, dsn: str, manifest_path: str) -> dict[str, int]:
    with open(manifest_path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    conn = psycopg2.connect(dsn)
    counts: dict[str, int] = {}
    try:
        with conn.cursor() as cur:
            for entry in manifest["tables"]:
                cols = ", ".join(_ident(c) for c in entry["columns"])
                target = f"public.{_ident(entry['table'])} ({cols})"
                if mode == "server":
                    cur.execute(f"COPY {target} FROM %s", (entry["file"],))
                else:
                    with open(entry["file"], "rb") as data:
                        cur.copy_expert(f"COPY {target} FROM STDIN", data, size=1 << 20)
                counts[entry["table"]] = cur.rowcount
        conn.commit()
    finally:
        conn.close()
    return counts


if __name__ == "__main__":
    print(json.dumps({"rows": load(sys.argv[1], sys.argv[2], sys.argv[3])}))
