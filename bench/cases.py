"""The contenders: what each case runs, into what kind of target, and how it is checked."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import pgtarget
from bench.measure import Measurement, run_measured
from bench.pgloader_files import write_load_file
from bench.pgtarget import PgServer

# Target kinds: no database at all, an empty database (the loader creates the
# tables), the tables sequelize.sync() creates ("app"), or the sample migrated into
# them beforehand, not measured (for the reverse copy, which reads PostgreSQL).
NONE, EMPTY, APP, MIGRATED = "none", "empty", "app", "migrated"


@dataclass(frozen=True)
class Context:
    server: PgServer
    sqlite_path: Path
    tables: list[str]  # parents first
    app_ddl: list[str]
    copy_manifest: Path
    work: Path  # scratch for load files
    source_rows: dict[str, int]
    baseline: Path | None = None  # another version's module_utils (--baseline), for the *_base cases


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    target: str
    argv: Callable[[Context, str], list[str]]  # (context, database name)
    reference: str | None = None  # key of the module case it is compared with
    prepare: Callable[[Context, str], None] | None = None  # before the measured run, not measured


@dataclass
class Outcome:
    case: str
    seconds: float
    peak_rss_mb: float
    ok: bool
    client_cpu: float = 0.0
    server_cpu: float | None = None
    detail: dict[str, object] = field(default_factory=dict)  # what the child printed (JSON)
    note: str = ""
    target_rows: dict[str, int | None] = field(default_factory=dict)


def _py(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _module(verify: str, baseline: bool = False) -> Callable[[Context, str], list[str]]:
    def argv(ctx: Context, db: str) -> list[str]:
        extra = [str(ctx.baseline)] if baseline and ctx.baseline else []
        login = json.dumps(_login(ctx.server, db))
        return _py("bench.child_module", str(ctx.sqlite_path), login, verify, *extra)

    return argv


def _login(server: PgServer, db: str) -> dict[str, object]:
    # Passed on the command line only in the benchmark's throw-away server,
    # whose password (if any) is generated per run and never stored.
    return {
        "login_host": server.host,
        "port": server.port,
        "login_user": server.user,
        "login_password": server.password,
        "login_db": db,
        "ssl_mode": "disable",
    }


def _dest(ctx: Context, db: str) -> Path:
    return ctx.work / f"{db}.sqlite"


def _reverse(verify: str) -> Callable[[Context, str], list[str]]:
    def argv(ctx: Context, db: str) -> list[str]:
        login = json.dumps(_login(ctx.server, db))
        return _py("bench.child_reverse", str(ctx.sqlite_path), str(_dest(ctx, db)), login, verify)

    return argv


def _migrated(ctx: Context, db: str) -> None:
    """The sample in the application's tables, as after the cut-over (the forward module, unmeasured)."""
    pgtarget.run_statements(ctx.server, db, ctx.app_ddl)
    login = json.dumps(_login(ctx.server, db))
    env = dict(os.environ, PYTHONPATH=str(pgtarget.REPO))
    subprocess.run(
        _py("bench.child_module", str(ctx.sqlite_path), login, "count"),
        env=env,
        cwd=str(pgtarget.REPO),
        check=True,
        capture_output=True,
    )
    _dest(ctx, db).unlink(missing_ok=True)


def _csv_files(ctx: Context, db: str) -> None:
    """Each table of the sample as CSV (blobs as hex), its tables (columns and declared types)
    and its indexes as SQL."""
    folder = ctx.work / f"csv-{ctx.sqlite_path.stem}"
    manifest = folder / "manifest.json"
    _dest(ctx, db).unlink(missing_ok=True)
    if manifest.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(ctx.sqlite_path)
    try:
        entries = []
        for table in ctx.tables:
            path = folder / f"{table}.csv"
            with path.open("w", newline="") as out:
                writer = csv.writer(out)
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    writer.writerow([v.hex() if isinstance(v, bytes) else v for v in row])
            entries.append({"table": table, "file": str(path)})
        # The columns and declared types (their affinity) only: .import cannot write NULL (an
        # empty field is ''), which the UNIQUE and NOT NULL constraints would refuse.
        tables = [
            f'CREATE TABLE "{t}" ('
            + ", ".join(f'"{c[1]}" {c[2]}' for c in conn.execute(f'PRAGMA table_info("{t}")'))
            + ");\n"
            for t in ctx.tables
        ]
        indexes = [
            r[0]
            for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        ]
    finally:
        conn.close()
    (folder / "tables.sql").write_text("".join(tables))
    (folder / "indexes.sql").write_text("".join(f"{sql};\n" for sql in indexes))
    manifest.write_text(json.dumps(entries))


def _sqlite_import(ctx: Context, db: str) -> list[str]:
    folder = ctx.work / f"csv-{ctx.sqlite_path.stem}"
    files = [str(folder / name) for name in ("tables.sql", "indexes.sql")]
    return _py("bench.child_sqlite_import", *files, str(_dest(ctx, db)), str(folder / "manifest.json"))


def _pgloader(mode: str) -> Callable[[Context, str], list[str]]:
    def argv(ctx: Context, db: str) -> list[str]:
        load = write_load_file(mode, ctx.sqlite_path, ctx.server.url(db), ctx.work / f"{db}.load")
        return ["pgloader", str(load)]

    return argv


CASES: tuple[Case, ...] = (
    Case("module_count_app", "module verify=count → app tables", APP, _module("count")),
    Case("module_full_app", "module verify=full → app tables", APP, _module("full")),
    Case("module_count_new", "module verify=count → creates tables", EMPTY, _module("count")),
    Case("module_full_new", "module verify=full → creates tables", EMPTY, _module("full")),
    # The same with the baseline's code (run.py --baseline): before/after in one run.
    Case("module_count_app_base", "baseline: module count → app tables", APP, _module("count", True)),
    Case("module_full_app_base", "baseline: module full → app tables", APP, _module("full", True)),
    Case("module_count_new_base", "baseline: module count → creates", EMPTY, _module("count", True)),
    Case("module_full_new_base", "baseline: module full → creates", EMPTY, _module("full", True)),
    Case(
        "pgloader_default",
        "pgloader 3.6 default (creates tables)",
        EMPTY,
        _pgloader("default"),
        reference="module_full_new",
    ),
    Case(
        "pgloader_default_10k",
        "pgloader 3.6 default, prefetch rows = 10000",
        EMPTY,
        _pgloader("default-prefetch-10k"),
        reference="module_full_new",
    ),
    Case(
        "pgloader_data_only",
        "pgloader 3.6 data only → app tables",
        APP,
        _pgloader("data-only"),
        reference="module_full_app",
    ),
    Case(
        "pgloader_data_only_10k",
        "pgloader 3.6 data only, prefetch rows = 10000",
        APP,
        _pgloader("data-only-prefetch-10k"),
        reference="module_full_app",
    ),
    Case(
        "orm_insert",
        "ORM-style INSERT x1000 → app tables",
        APP,
        lambda ctx, db: _py("bench.child_orm", str(ctx.sqlite_path), ctx.server.dsn(db), *ctx.tables),
        reference="module_full_app",
    ),
    Case(
        "copy_client",
        "COPY FROM STDIN of rendered file → app tables",
        APP,
        lambda ctx, db: _py("bench.child_copy", "client", ctx.server.dsn(db), str(ctx.copy_manifest)),
        reference="module_count_app",
    ),
    Case(
        "copy_server",
        "limit: server-side COPY FROM file → app tables",
        APP,
        lambda ctx, db: _py("bench.child_copy", "server", ctx.server.dsn(db), str(ctx.copy_manifest)),
        reference="module_count_app",
    ),
    Case(
        "copy_server_deferred",
        "limit: server COPY, FKs+indexes rebuilt after",
        APP,
        lambda ctx, db: _py(
            "bench.child_copy", "server-deferred", ctx.server.dsn(db), str(ctx.copy_manifest)
        ),
        reference="module_count_app",
    ),
    Case(
        "reverse_full",
        "reverse: postgres_to_sqlite verify=full → new SQLite",
        MIGRATED,
        _reverse("full"),
        # The forward copy that also starts from nothing (it creates the tables, as the reverse
        # creates the file): the pair the lead's 1M-row run compares.
        reference="module_full_new",
        prepare=_migrated,
    ),
    Case(
        "reverse_count",
        "reverse: postgres_to_sqlite verify=count → new SQLite",
        MIGRATED,
        _reverse("count"),
        reference="sqlite_import",
        prepare=_migrated,
    ),
    Case(
        "sqlite_import",
        "limit: sqlite3 shell .import of the same rows (CSV)",
        NONE,
        _sqlite_import,
        reference="reverse_full",
        prepare=_csv_files,
    ),
    Case(
        "sqlite_read",
        "limit: full read of the SQLite file",
        NONE,
        lambda ctx, db: _py("bench.child_sqlite_read", str(ctx.sqlite_path)),
        reference="module_count_app",
    ),
)


def run_case(case: Case, ctx: Context, run_id: str) -> tuple[Outcome, Measurement]:
    """One measured run of ``case`` into a fresh database, then a row-count check."""
    db = f"bench_{case.key}_{run_id}"
    if case.target != NONE:
        pgtarget.fresh_database(ctx.server, db)
        if case.target == APP:
            pgtarget.run_statements(ctx.server, db, ctx.app_ddl)
    if case.prepare is not None:
        case.prepare(ctx, db)
    pgtarget.checkpoint(ctx.server)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(pgtarget.REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cpu_before = pgtarget.server_cpu_seconds(ctx.server)
    m = run_measured(case.argv(ctx, db), env=env, cwd=str(pgtarget.REPO))
    cpu_after = pgtarget.server_cpu_seconds(ctx.server)
    out = Outcome(case.key, m.seconds, m.peak_rss_mb, ok=m.returncode == 0, client_cpu=m.cpu_seconds)
    # Kept for reading pgloader's summary and any failure afterwards.
    ctx.work.mkdir(parents=True, exist_ok=True)
    (ctx.work / f"{db}.log").write_text(m.stdout + "\n--- stderr\n" + m.stderr)
    if cpu_before is not None and cpu_after is not None:
        out.server_cpu = cpu_after - cpu_before
    if m.returncode == 0 and m.stdout.lstrip().startswith("{"):
        out.detail = json.loads(m.stdout)
    if m.returncode != 0:
        tail = (m.stderr.strip() or m.stdout.strip()).splitlines()[-3:]
        out.note = f"exit {m.returncode}: " + " | ".join(tail)[:300]
    if case.target in (EMPTY, APP):
        out.target_rows = pgtarget.table_counts(ctx.server, db, ctx.tables)
        pgtarget.drop_database(ctx.server, db)
    else:  # what the child counted (in the new SQLite file, for the reverse copy and its limit)
        if case.target == MIGRATED:
            pgtarget.drop_database(ctx.server, db)
        _dest(ctx, db).unlink(missing_ok=True)
        rows = out.detail.get("rows", {})
        out.target_rows = dict(rows) if isinstance(rows, dict) else {}
    short = {t: n for t, n in ctx.source_rows.items() if out.target_rows.get(t) != n}
    if short and m.returncode == 0:
        # A load that exits 0 with rows missing is the failure mode operators
        # fear most (pgloader skips a rejected batch and carries on).
        out.ok = False
        out.note = "rows missing: " + ", ".join(f"{t} {out.target_rows.get(t)}/{n}" for t, n in short.items())
    return out, m
