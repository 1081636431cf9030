"""The module's copy, as the Ansible module runs it: sqlite_pg.migrate.run(Options).

Called straight on the module_utils logic (no Ansible wrapper, whose JSON
plumbing is not what is measured), in its own process so that its peak RSS
is its own. Prints the module's result (tables, seconds) as JSON.

argv: sqlite_path login_json verify [module_utils_dir]

``module_utils_dir`` runs another version of the module (bench/run.py
--baseline: the same runs with the code before a change, for comparison).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[4] if len(sys.argv) > 4 else str(Path(__file__).parent.parent / "module_utils"))

from sqlite_pg.migrate import run
from sqlite_pg.options import Options
from sqlite_pg.pg_target import ConnectionOptions


def main(sqlite_path: str, login_json: str, verify: str) -> dict[str, object]:
    login = json.loads(login_json)
    connection = ConnectionOptions(
        host=login["login_host"],
        port=int(login["port"]),
        user=login["login_user"],
        password=login.get("login_password"),
        database=login["login_db"],
        ssl_mode=login.get("ssl_mode", "disable"),
    )
    result = run(Options(src=sqlite_path, connection=connection, verify=verify))
    return {
        "changed": result["changed"],
        "rows": {t["name"]: t["target_rows"] for t in result["tables"]},
        "seconds": {t["name"]: t["seconds"] for t in result["tables"]},
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3])))
