"""Run the module's logic (sqlite_pg.migrate.run) in a process a test can kill.

argv: options_json. Prints {"ok": true, "result": ...} or
{"ok": false, "error": msg, "problems": [...]} as JSON, with "peak_rss_kb"
(this process's VmHWM: getrusage() would carry the parent's high-water mark
over fork and exec); exit 0 or 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "module_utils"))

from sqlite_pg.errors import MigrationError
from sqlite_pg.migrate import run
from sqlite_pg.options import Options
from sqlite_pg.pg_target import ConnectionOptions, login_params


def options_from(args: dict[str, Any]) -> Options:
    connection = ConnectionOptions.from_params(login_params(args), "sqlite_to_postgres")
    extra = {k: v for k, v in args.items() if k in ("verify", "if_not_empty", "tables")}
    return Options(src=args["src"], connection=connection, **extra)


def peak_rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def main(args: dict[str, Any]) -> int:
    try:
        result = run(options_from(args))
    except MigrationError as exc:
        print(
            json.dumps(
                {"ok": False, "error": exc.msg, "problems": exc.problems, "peak_rss_kb": peak_rss_kb()}
            )
        )
        return 1
    print(json.dumps({"ok": True, "result": result, "peak_rss_kb": peak_rss_kb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(json.loads(sys.argv[1])))
