"""The large-values case (issue 11, item 13): the module's peak RSS with huge values.

    python bench/run.py --rows 10000 --large-values 50

Variants of the sample database of ``--rows``: the first note's ``content``
set to a TEXT of N MiB (``text``), its ``attachment`` to a BLOB of N MiB
(``blob``), both in that one row (``both``); ``none`` is the sample as it is,
the baseline. The module cases run on each variant (in their own processes,
measured as every case); printed: peak RSS, the excess over the baseline, and
that excess in multiples of the largest value, against the bound (3).
"""

from __future__ import annotations

import base64
import dataclasses
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from bench.cases import CASES, Context, run_case

CASE_KEYS = ("module_count_app", "module_full_app", "module_full_new")
VARIANTS = ("none", "text", "blob", "both")
BOUND = 3.0  # the peak may exceed the baseline by this many times the largest value


def large_text(size: int) -> str:
    """Text as a large log or document holds it: lines with tabs, some not ASCII."""
    line = base64.b64encode(os.urandom(600)).decode() + "\tété\n"
    return (line * (size // len(line.encode()) + 1)).encode()[:size].decode("utf-8", "ignore")


def variant(sample: Path, kind: str, mib: int, out: Path) -> Path:
    """The sample with the first note's large value(s), written once per sample."""
    path = out / f"{sample.stem}-{kind}-{mib}mib.sqlite"
    stamp = path.with_suffix(".stamp")
    source_stamp = sample.with_suffix(".stamp").read_text()
    if path.exists() and stamp.exists() and stamp.read_text() == source_stamp:
        return path
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sample, path)
    conn = sqlite3.connect(path)
    size = mib << 20
    with conn:
        note = conn.execute("SELECT min(id) FROM notes").fetchone()[0]
        if kind in ("text", "both"):
            conn.execute("UPDATE notes SET content = ? WHERE id = ?", (large_text(size), note))
        if kind in ("blob", "both"):
            conn.execute("UPDATE notes SET attachment = ? WHERE id = ?", (os.urandom(size), note))
    conn.close()
    stamp.write_text(source_stamp)
    return path


def largest_value_mb(path: Path) -> float:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT max(max(coalesce(length(CAST(content AS BLOB)), 0), coalesce(length(attachment), 0))) "
            "FROM notes"
        ).fetchone()
    finally:
        conn.close()
    return (row[0] or 0) / (1 << 20)


def run(ctx: Context, mib: int, out: Path, cases: list[str] | None) -> list[dict[str, Any]]:
    """Each module case on each variant; the table printed as it goes."""
    chosen = [c for c in CASES if c.key in (cases or CASE_KEYS) and c.key in CASE_KEYS]
    results: list[dict[str, Any]] = []
    print(f"\n== large values ({mib} MiB): peak RSS against the database without them (bound {BOUND:g}x)")
    print(f"  {'case':<18} {'variant':<6} {'seconds':>8} {'peak MB':>8} {'+ MB':>7} {'largest':>8} {'x':>5}")
    for case in chosen:
        baseline: float | None = None
        for kind in VARIANTS:
            path = ctx.sqlite_path if kind == "none" else variant(ctx.sqlite_path, kind, mib, out)
            outcome, _m = run_case(case, dataclasses.replace(ctx, sqlite_path=path), f"large_{kind}")
            largest = largest_value_mb(path)
            if kind == "none":
                baseline = outcome.peak_rss_mb
            excess = outcome.peak_rss_mb - (baseline or 0.0)
            ratio = excess / largest if kind != "none" and largest else None
            flag = "" if outcome.ok else f"  !! {outcome.note}"
            over = "  !! over the bound" if ratio is not None and ratio > BOUND else ""
            shown = f"{ratio:5.2f}" if ratio is not None else "    -"
            print(
                f"  {case.key:<18} {kind:<6} {outcome.seconds:8.2f} {outcome.peak_rss_mb:8.1f} {excess:7.1f} "
                f"{largest:8.1f} {shown}{flag}{over}",
                flush=True,
            )
            results.append(
                {
                    "case": case.key,
                    "variant": kind,
                    "ok": outcome.ok,
                    "seconds": outcome.seconds,
                    "peak_rss_mb": outcome.peak_rss_mb,
                    "baseline_mb": baseline,
                    "largest_value_mb": largest,
                    "excess_per_largest": ratio,
                    "within_bound": ratio is None or ratio <= BOUND,
                    "note": outcome.note,
                }
            )
    return results
