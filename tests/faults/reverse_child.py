"""Run postgres_to_sqlite's logic (sqlite_pg.reverse.run) in a process a test can kill.

argv: options_json (login_* as module_args gives them, dest, template). Prints
{"ok": true, "result": ...} or {"ok": false, "error": msg, "kind": ..., "problems": [...]}; exit 0 or 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "module_utils"))

from sqlite_pg.errors import MigrationError
from sqlite_pg.pg_target import ConnectionOptions, login_params
from sqlite_pg.reverse import run
from sqlite_pg.reverse_options import ReverseOptions


def options_from(args: dict[str, Any]) -> ReverseOptions:
    connection = ConnectionOptions.from_params(login_params(args), "postgres_to_sqlite")
    return ReverseOptions(dest=args["dest"], template=args["template"], connection=connection)


def main(args: dict[str, Any]) -> int:
    try:
        result = run(options_from(args))
    except MigrationError as exc:
        print(json.dumps({"ok": False, "error": exc.msg, "kind": exc.kind, "problems": exc.problems}))
        return 1
    print(json.dumps({"ok": True, "result": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
