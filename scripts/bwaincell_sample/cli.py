"""The command line: ``python scripts/bwaincell_sample.py [options] [path]``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import bwaincell_sample

from .ddl import POSTGRES_DDL, SQLITE_DDL
from .defects import DEFECTS
from .models import TABLES
from .sample import create_sample


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=bwaincell_sample.__doc__.split("\n\n")[0])
    p.add_argument("path", nargs="?", default="sample/bwaincell.sqlite", help="SQLite file to write")
    p.add_argument("--rows", type=int, default=1000, help="total rows across the tables (default 1000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same file content)")
    p.add_argument(
        "--defect",
        action="append",
        default=[],
        choices=sorted(DEFECTS),
        help="add one row of bad data of this kind (repeatable): "
        + "; ".join(f"{k}: {v}" for k, v in DEFECTS.items()),
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--if-missing", action="store_true", help="do nothing (exit 0) when the file exists")
    p.add_argument(
        "--print-postgres-ddl", action="store_true", help="print what sequelize.sync() creates and exit"
    )
    p.add_argument("--print-sqlite-ddl", action="store_true", help="print the SQLite DDL and exit")
    args = p.parse_args(argv)
    if args.print_postgres_ddl:
        print("\n".join(POSTGRES_DDL))
        return 0
    if args.print_sqlite_ddl:
        print("\n".join(s for t in TABLES for s in SQLITE_DDL[t]))
        return 0
    if args.rows < 1:
        p.error("--rows must be at least 1")
    target = Path(args.path)
    if target.exists() and args.if_missing:
        print(f"{target}: exists, kept")
        return 0
    start = time.monotonic()
    try:
        counts = create_sample(target, args.rows, args.seed, args.defect, overwrite=args.force)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    took = time.monotonic() - start
    total = sum(counts.values())
    detail = ", ".join(f"{t}={n}" for t, n in counts.items())
    print(f"{target}: {total} rows in {took:.1f} s ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
