"""``postgres-to-sqlite copy|check URL DEST --template T [flags]``: the
postgres_to_sqlite module from a command line (``python -m
module_utils.sqlite_pg.cli.postgres_to_sqlite`` in the repository, or the console
script scripts/setup.sh installs)."""

from __future__ import annotations

import argparse
from typing import Any

from ..options import VERIFY
from ..reverse import run
from ..reverse_options import EXTRA, ReverseOptions
from .face import Command, parser_for, run_main


def summary(result: dict[str, Any], check: bool) -> list[str]:
    lines = [
        f"{t['name']}: {t['action']}, {t['rows']} rows" + (", verified" if t["verified"] else "")
        for t in result["tables"]
    ]
    rows = sum(t["rows"] for t in result["tables"])
    if check:
        lines.append(
            f"check: {len(result['tables'])} tables, {rows} rows: no problems; {result['dest']} unchanged"
        )
    else:
        lines.append(f"wrote and verified {rows} rows in {len(result['tables'])} tables to {result['dest']}")
    return lines


COMMAND = Command(
    name="postgres_to_sqlite",
    options=ReverseOptions,
    choices={"extra": EXTRA, "verify": VERIFY},
    run=run,
    untouched="the SQLite file",
    summary=summary,
)


def build(args: argparse.Namespace) -> dict[str, Any]:
    return {"dest": args.dest, "template": args.template, "url": args.url}


def parser() -> argparse.ArgumentParser:
    made = parser_for(
        COMMAND,
        [("url", "postgresql://user@host:port/database"), ("dest", "the SQLite file to write")],
        "Copy PostgreSQL back into a SQLite file shaped like a template (the postgres_to_sqlite module).",
    )
    for action in made._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
        action.add_argument("--template", required=True, help="the SQLite file whose schema DEST gets")
    return made


def main() -> None:
    run_main(COMMAND, parser(), build)


if __name__ == "__main__":
    main()
