"""Physical limit 2: PostgreSQL's own COPY FROM of rows rendered beforehand.

``server``: ``COPY t FROM '/file'`` read by the server itself, no client in
the data path at all. ``client``: the same files streamed through
``copy_expert`` (COPY FROM STDIN), the path any client-side loader, the
module included, has to take. ``server-deferred``: as ``server``, but the
foreign keys and the non-unique indexes are dropped first and rebuilt after
the load, inside the same transaction (what pg_restore does): per-row
foreign-key triggers and index inserts are most of a load's server CPU, so
this is the floor for a loader that defers them. All in one transaction,
tables in foreign-key order, into the tables the application creates.

argv: mode dsn manifest.json (the manifest lists table, columns, file).
"""

from __future__ import annotations

import json
import sys

import psycopg2


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_FOREIGN_KEYS = (
    "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
)
_PLAIN_INDEXES = (
    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indrelid"
    " WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisunique"
)


def load(mode: str, dsn: str, manifest_path: str) -> dict[str, int]:
    with open(manifest_path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    conn = psycopg2.connect(dsn)
    counts: dict[str, int] = {}
    try:
        with conn.cursor() as cur:
            deferred = mode == "server-deferred"
            fks: list[tuple[str, str, str]] = []
            indexes: list[tuple[str, str]] = []
            if deferred:
                cur.execute(_FOREIGN_KEYS)
                fks = cur.fetchall()
                cur.execute(_PLAIN_INDEXES)
                indexes = cur.fetchall()
                for table, name, _definition in fks:
                    cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
                for name, _definition in indexes:
                    cur.execute(f"DROP INDEX {name}")
            for entry in manifest["tables"]:
                cols = ", ".join(_ident(c) for c in entry["columns"])
                target = f"public.{_ident(entry['table'])} ({cols})"
                if mode != "client":
                    cur.execute(f"COPY {target} FROM %s", (entry["file"],))
                else:
                    with open(entry["file"], "rb") as data:
                        cur.copy_expert(f"COPY {target} FROM STDIN", data, size=1 << 20)
                counts[entry["table"]] = cur.rowcount
            for _name, definition in indexes:
                cur.execute(definition)
            for table, name, definition in fks:
                cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        conn.commit()
    finally:
        conn.close()
    return counts


if __name__ == "__main__":
    print(json.dumps({"rows": load(sys.argv[1], sys.argv[2], sys.argv[3])}))
