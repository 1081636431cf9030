"""Summaries of the runs: the table per size, the targets, the machine, the JSON."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from typing import Any

from bench.cases import CASES, Case, Outcome

# Issue 6's targets on the module, checked at every size (they are promised
# for 1M rows; the smaller sizes show the trend).
RSS_LIMIT_MB = 150.0
COPY_LIMIT_FACTOR = 1.5


def machine() -> dict[str, Any]:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        mem_kb = int(fh.readline().split()[1])
    pgloader = subprocess.run(["pgloader", "--version"], capture_output=True, text=True, check=False)
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pgloader": pgloader.stdout.splitlines()[0] if pgloader.stdout else "?",
    }


def summarise(outcomes: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    """Median wall time and peak memory per case over its repeats."""
    by_case: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_case.setdefault(o.case, []).append(o)
    out: dict[str, dict[str, Any]] = {}
    for key, runs in by_case.items():
        out[key] = {
            "seconds": statistics.median(r.seconds for r in runs),
            "seconds_min": min(r.seconds for r in runs),
            "peak_rss_mb": statistics.median(r.peak_rss_mb for r in runs),
            "client_cpu": statistics.median(r.client_cpu for r in runs),
            "server_cpu": (
                statistics.median(r.server_cpu for r in runs if r.server_cpu is not None)
                if any(r.server_cpu is not None for r in runs)
                else None
            ),
            "ok": all(r.ok for r in runs),
            "notes": sorted({r.note for r in runs if r.note}),
            "samples": [{"seconds": r.seconds, "peak_rss_mb": r.peak_rss_mb, "ok": r.ok} for r in runs],
        }
    return out


def _case(key: str) -> Case:
    return next(c for c in CASES if c.key == key)


def table(total_rows: int, summary: dict[str, dict[str, Any]]) -> str:
    head = (
        f"{'case':<48} {'wall s':>7} {'rows/s':>9} {'peak MB':>7} {'cli CPU':>7} {'srv CPU':>7}"
        f" {'t/ref':>6} {'MB/ref':>6}  ref / check"
    )
    lines = [head, "-" * len(head)]
    for c in CASES:
        s = summary.get(c.key)
        if s is None:
            continue
        ref = summary.get(c.reference) if c.reference else None
        t_ratio = f"{s['seconds'] / ref['seconds']:.2f}" if ref else ""
        srv = f"{s['server_cpu']:.1f}" if s.get("server_cpu") is not None else "-"
        m_ratio = f"{s['peak_rss_mb'] / ref['peak_rss_mb']:.2f}" if ref else ""
        check = "ok" if s["ok"] else "FAILED: " + "; ".join(s["notes"])[:120]
        ref_name = f"vs {c.reference}; " if ref else ""
        lines.append(
            f"{c.label:<48} {s['seconds']:>7.2f} {total_rows / s['seconds']:>9,.0f} "
            f"{s['peak_rss_mb']:>7.1f} {s['client_cpu']:>7.1f} {srv:>7} {t_ratio:>6} {m_ratio:>6}"
            f"  {ref_name}{check}"
        )
    return "\n".join(lines)


def targets(
    summary: dict[str, dict[str, Any]], smaller: dict[str, dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Issue 6's targets, each with the figures it was judged on."""
    res: list[dict[str, Any]] = []

    def sec(key: str) -> float | None:
        s = summary.get(key)
        return s["seconds"] if s else None

    pairs = (
        ("module_full_new", "pgloader_default"),
        ("module_full_new", "pgloader_default_10k"),
        ("module_full_app", "pgloader_data_only"),
        ("module_full_app", "pgloader_data_only_10k"),
    )
    for mod, pgl in pairs:
        a, b = sec(mod), sec(pgl)
        if a is None or b is None:
            continue
        if not summary[pgl]["ok"]:
            # A crashed or row-losing load has no time to beat.
            res.append({"target": f"{mod} < {pgl}", "met": None, "value": a, "limit": b, "by": a / b})
            continue
        res.append({"target": f"{mod} < {pgl}", "met": a < b, "value": a, "limit": b, "by": a / b})
    # The issue's floor is COPY into the same tables (foreign keys and indexes
    # live); the deferred floor is what a loader that rebuilds them could reach.
    for floor in ("copy_server", "copy_server_deferred"):
        a, b = sec("module_count_app"), sec(floor)
        if a is None or b is None:
            continue
        res.append(
            {
                "target": f"module_count_app <= {COPY_LIMIT_FACTOR} x {floor}",
                "met": a <= COPY_LIMIT_FACTOR * b,
                "value": a,
                "limit": COPY_LIMIT_FACTOR * b,
                "by": a / b,
            }
        )
    for key in ("module_count_app", "module_full_app", "module_count_new", "module_full_new"):
        s = summary.get(key)
        if s is None:
            continue
        res.append(
            {
                "target": f"{key} peak < {RSS_LIMIT_MB:.0f} MB",
                "met": s["peak_rss_mb"] < RSS_LIMIT_MB,
                "value": s["peak_rss_mb"],
                "limit": RSS_LIMIT_MB,
                "by": s["peak_rss_mb"] / RSS_LIMIT_MB,
            }
        )
        if smaller and key in smaller:
            # "Does not grow": allow 10 % for allocator noise and larger
            # per-table buffers, which is far below linear growth (10x rows).
            before = smaller[key]["peak_rss_mb"]
            res.append(
                {
                    "target": f"{key} peak flat (≤ 1.1 x smaller size)",
                    "met": s["peak_rss_mb"] <= before * 1.1,
                    "value": s["peak_rss_mb"],
                    "limit": before * 1.1,
                    "by": s["peak_rss_mb"] / before,
                }
            )
    return res


def targets_text(res: list[dict[str, Any]]) -> str:
    # n/a: the contender failed (see its row), so there is no time to compare.
    return "\n".join(
        f"  [{'n/a ' if r['met'] is None else 'met ' if r['met'] else 'MISS'}] {r['target']}: "
        f"{r['value']:.2f} vs {r['limit']:.2f} (ratio {r['by']:.2f})"
        for r in res
    )
