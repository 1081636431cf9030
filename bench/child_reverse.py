"""The reverse copy, as the Ansible module runs it: sqlite_pg.reverse.run(ReverseOptions).

From the database the case prepared (the sample migrated forward into the application's
tables) into a new SQLite file; the template is the sample. Prints the rows the new file
holds (counted by SQLite itself) and the module's per-table seconds as JSON.

argv: template_path dest_path login_json verify
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "module_utils"))

from sqlite_pg.pg_target import ConnectionOptions, login_params
from sqlite_pg.reverse import run
from sqlite_pg.reverse_options import ReverseOptions


def main(template: str, dest: str, login_json: str, verify: str) -> dict[str, object]:
    connection = ConnectionOptions.from_params(login_params(json.loads(login_json)), "postgres_to_sqlite")
    result = run(ReverseOptions(dest=dest, template=template, connection=connection, verify=verify))
    conn = sqlite3.connect(dest)
    try:
        rows = {
            t["name"]: conn.execute(f'SELECT count(*) FROM "{t["name"]}"').fetchone()[0]
            for t in result["tables"]
        }
    finally:
        conn.close()
    return {"rows": rows, "seconds": {t["name"]: t["seconds"] for t in result["tables"]}}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:5])))
