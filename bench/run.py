#!/usr/bin/env python3
"""Benchmark sqlite_to_postgres against pgloader, an ORM-style loader and the raw limits.

    python bench/run.py --rows 100000 --rows 1000000 [--repeat 3]
    python bench/run.py --rows 100000 --host 127.0.0.1 --port 5432 --user postgres   # given server
    python bench/run.py --rows 100000 --baseline HEAD   # also the module as committed (*_base cases)
    python bench/run.py --rows 10000 --large-values 50   # only: peak RSS with 50 MiB values (large_values.py)

For each size: writes (or reuses) a Bwaincell-shaped SQLite database with
``scripts/bwaincell_sample.py``, renders its rows to COPY files, then runs
every case in its own child process into a fresh database of one
PostgreSQL 15 (started here unless one is given; PGPASSWORD is read from the
environment for a given one), measuring wall time and peak RSS of the
child. Prints a table per size and the issue's targets; writes everything as
JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# Run as a script (python bench/run.py): make `bench` and the sample generator importable.
sys.path[:0] = [str(REPO), str(REPO / "scripts")]

import bwaincell_sample  # noqa: E402

from bench import large_values, pgtarget, render, report  # noqa: E402
from bench.cases import CASES, Context, Outcome, run_case  # noqa: E402
from bench.pgtarget import PgServer  # noqa: E402


def _sample(out: Path, rows: int, seed: int, regen: bool) -> Path:
    """The sample database, reused while the generator and its options are unchanged.

    Writing 1M rows takes about a minute, which would dominate repeated runs.
    """
    scripts = REPO / "scripts"
    files = [scripts / "bwaincell_sample.py", *sorted((scripts / "bwaincell_sample").glob("*.py"))]
    gen = b"".join(f.read_bytes() for f in files)
    stamp = hashlib.sha256(gen + f"{rows}/{seed}".encode()).hexdigest()
    path = out / "db" / f"bwaincell-{rows}-s{seed}.sqlite"
    marker = path.with_suffix(".stamp")
    if regen or not path.exists() or not marker.exists() or marker.read_text() != stamp:
        t0 = time.monotonic()
        bwaincell_sample.create_sample(path, rows=rows, seed=seed, overwrite=True)
        marker.write_text(stamp)
        print(f"  wrote {path} in {time.monotonic() - t0:.1f} s", flush=True)
    return path


def _render(server: PgServer, sqlite_path: Path, out: Path) -> Path:
    """The COPY files of this sample, rendered again only when the sample changed."""
    stamp = sqlite_path.with_suffix(".stamp").read_text()
    manifest = out / "copy" / sqlite_path.stem / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text()).get("stamp") == stamp:
        return manifest
    db = "bench_render_ddl"
    t0 = time.monotonic()
    pgtarget.fresh_database(server, db)
    try:
        pgtarget.run_statements(server, db, bwaincell_sample.POSTGRES_DDL)
        manifest = render.render(sqlite_path, server, db, list(bwaincell_sample.TABLES), manifest.parent)
    finally:
        pgtarget.drop_database(server, db)
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "stamp": stamp}, indent=1))
    print(f"  rendered COPY files in {time.monotonic() - t0:.1f} s", flush=True)
    return manifest


def _warm(paths: list[Path]) -> None:
    """Read the inputs once, so that no case pays for a cold page cache and the
    first case of a size is not penalised for going first."""
    for path in paths:
        with path.open("rb") as fh:
            while fh.read(1 << 22):
                pass


def _baseline(spec: str | None, out: Path) -> Path | None:
    """The module_utils directory of --baseline: a directory as given, or a git
    revision's module_utils extracted with ``git archive`` (the work tree and the
    repository are left as they are)."""
    if not spec:
        return None
    given = Path(spec)
    if given.is_dir():
        return given.resolve()
    rev = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", spec + "^{commit}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    target = out / "work" / f"baseline-{rev[:12]}"
    if not (target / "module_utils" / "sqlite_pg").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", rev, "module_utils"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "module_utils"


@contextlib.contextmanager
def _server(args: argparse.Namespace) -> Iterator[PgServer]:
    if args.host:
        yield PgServer(args.host, args.port, args.user, os.environ.get("PGPASSWORD"))
        return
    with pgtarget.started_server(durable=args.durable) as server:
        yield server


def _size(args: argparse.Namespace, server: PgServer, rows: int) -> dict[str, Any]:
    out = Path(args.out)
    print(f"\n== {rows:,} rows", flush=True)
    path = _sample(out, rows, args.seed, args.regen)
    source_rows = bwaincell_sample.table_counts(path)
    manifest = _render(server, path, out)
    ctx = Context(
        server=server,
        sqlite_path=path,
        tables=list(bwaincell_sample.TABLES),
        app_ddl=list(bwaincell_sample.POSTGRES_DDL),
        copy_manifest=manifest,
        work=out / "work",
        source_rows=source_rows,
        baseline=_baseline(args.baseline, out),
    )
    cases = [c for c in CASES if not args.case or c.key in args.case] if not args.prepare else []
    if args.large_values:
        cases = []  # that case alone (below)
    if ctx.baseline is None:
        cases = [c for c in cases if not c.key.endswith("_base")]
    _warm([path, *(Path(e["file"]) for e in json.loads(manifest.read_text())["tables"])])
    outcomes: list[Outcome] = []
    # Rounds interleave the cases, so a noisy minute hits all of them alike.
    for r in range(args.repeat):
        for case in cases:
            o, m = run_case(case, ctx, f"{rows}_{r}")
            outcomes.append(o)
            flag = "" if o.ok else f"  !! {o.note}"
            print(
                f"  [{r + 1}/{args.repeat}] {case.key:<20} {o.seconds:8.2f} s {o.peak_rss_mb:8.1f} MB{flag}",
                flush=True,
            )
            if not o.ok and args.verbose:
                print(m.stderr[-4000:], file=sys.stderr)
    result: dict[str, Any] = {
        "rows": rows,
        "source_rows": source_rows,
        "sqlite_bytes": path.stat().st_size,
        "summary": report.summarise(outcomes),
        "outcomes": [o.__dict__ for o in outcomes],
    }
    if args.large_values and not args.prepare:
        result["large_values"] = large_values.run(ctx, args.large_values, out / "db", args.case)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, action="append", help="total rows of a sample database (repeatable)")
    p.add_argument("--repeat", type=int, default=1, help="runs per case; the median is reported")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--case",
        action="append",
        help="run only this case key (repeatable): " + ", ".join(c.key for c in CASES),
    )
    p.add_argument("--out", default=str(REPO / "bench" / "out"))
    p.add_argument("--regen", action="store_true", help="rewrite the sample databases")
    p.add_argument("--host", help="use this PostgreSQL 15 instead of starting one")
    p.add_argument("--port", type=int, default=5432)
    p.add_argument("--user", default="postgres")
    p.add_argument(
        "--durable", action="store_true", help="started server: fsync etc. on (tests run with them off)"
    )
    p.add_argument("--prepare", action="store_true", help="only write the samples and COPY files")
    p.add_argument(
        "--baseline",
        help="a git revision (or a module_utils directory): the module cases also with that code (*_base)",
    )
    p.add_argument(
        "--large-values",
        type=int,
        metavar="MIB",
        help="only the large-values case: the module's peak RSS with a TEXT and a BLOB of MIB MiB",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="print failing cases' stderr")
    args = p.parse_args(argv)
    sizes = args.rows or [100_000]
    Path(args.out).mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": report.machine(),
    }
    with _server(args) as server:
        results["postgresql"] = pgtarget.settings(server)
        results["sizes"] = [_size(args, server, n) for n in sizes]
    print("\nmachine:", json.dumps(results["machine"]))
    print("postgresql:", json.dumps(results["postgresql"]))
    previous: dict[str, Any] | None = None
    for size in results["sizes"]:
        if not size["outcomes"]:
            continue  # --large-values or --prepare: no table of the cases
        print(
            f"\n{size['rows']:,} rows ({size['sqlite_bytes'] / 1e6:.0f} MB SQLite), median of {args.repeat}:"
        )
        print(report.table(size["rows"], size["summary"]))
        size["targets"] = report.targets(size["summary"], previous)
        print("targets:\n" + report.targets_text(size["targets"]))
        previous = size["summary"]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for name in (f"results-{stamp}.json", "latest.json"):
        (Path(args.out) / name).write_text(json.dumps(results, indent=1, default=str))
    print(f"\nwrote {Path(args.out) / f'results-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
