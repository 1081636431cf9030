"""``sqlite-to-postgres copy|check SRC URL [flags]``: the sqlite_to_postgres module
from a command line (``python -m module_utils.sqlite_pg.cli.sqlite_to_postgres``
in the repository, or the console script scripts/setup.sh installs)."""

from __future__ import annotations

import argparse
from typing import Any

from ..migrate import run
from ..options import IF_NOT_EMPTY, VERIFY, Options
from .face import Command, parser_for, run_main


def summary(result: dict[str, Any], check: bool) -> list[str]:
    lines = []
    for table in result["tables"]:
        action = table["action"]
        state = f"would be {action}" if check and action != "unchanged" else action
        verified = ", verified" if table["verified"] else ""
        lines.append(f"{table['name']}: {state}, {table['source_rows']} rows{verified}")
        if check and table.get("column_types"):
            lines.append("  " + ", ".join(f"{c} {t}" for c, t in table["column_types"].items()))
    if check and result["ddl"]:
        lines += ["", "PostgreSQL would run:", *(statement + ";" for statement in result["ddl"])]
    rows = sum(t["source_rows"] for t in result["tables"])
    if check:
        lines.append(f"check: {len(result['tables'])} tables, {rows} rows: no problems; rolled back")
    elif result["changed"]:
        lines.append(f"copied and verified {rows} rows in {len(result['tables'])} tables; committed")
    else:
        lines.append(f"nothing to do: the {len(result['tables'])} tables hold the source's rows already")
    return lines


COMMAND = Command(
    name="sqlite_to_postgres",
    options=Options,
    choices={"if_not_empty": IF_NOT_EMPTY, "verify": VERIFY},
    run=run,
    untouched="PostgreSQL",
    summary=summary,
)


def build(args: argparse.Namespace) -> dict[str, Any]:
    return {"src": args.src, "url": args.url}


def parser() -> argparse.ArgumentParser:
    return parser_for(
        COMMAND,
        [("src", "the SQLite database (opened read-only)"), ("url", "postgresql://user@host:port/database")],
        "Copy a SQLite database into PostgreSQL and prove the copy (the sqlite_to_postgres module).",
    )


def main() -> None:
    run_main(COMMAND, parser(), build)


if __name__ == "__main__":
    main()
