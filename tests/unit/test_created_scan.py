"""The one pre-scan of a table the module creates (plan.scan_created): the integer
ranges for widening and the date columns' number gate from the same scan, and the
plan reusing the gate's answers instead of scanning the table again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from module_utils.sqlite_pg.options import Options
from module_utils.sqlite_pg.plan import plan_create, scan_created, widen_integers
from module_utils.sqlite_pg.sqlite_source import SqliteSource

DDL = 'CREATE TABLE "t" (id INTEGER PRIMARY KEY, n SMALLINT, d DATETIME, label TEXT)'


def _source(tmp_path: Path, dates: list[object]) -> SqliteSource:
    path = tmp_path / "scan.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(DDL)
    rows = [(i + 1, 70000 if i == 0 else i, d, "x") for i, d in enumerate(dates)]
    conn.executemany('INSERT INTO "t" VALUES (?, ?, ?, ?)', rows)
    conn.commit()
    conn.close()
    return SqliteSource(str(path))


def _statements_on_table(source: SqliteSource) -> list[str]:
    seen: list[str] = []
    source.conn.set_trace_callback(lambda sql: seen.append(sql) if 'FROM "t"' in sql else None)
    return seen


@pytest.mark.parametrize(
    ("dates", "holds_number"),
    [
        (["2024-04-19 02:51:06.990 +00:00", "2024-04-20 00:00:00.000 +00:00"], False),
        (["2024-04-19 02:51:06.990 +00:00", 1713494400], True),
    ],
)
def test_one_scan_gives_the_ranges_and_the_gate(
    tmp_path: Path, dates: list[object], holds_number: bool
) -> None:
    source = _source(tmp_path, dates)
    table = source.read_table("t")
    seen = _statements_on_table(source)
    scans = scan_created(source, {"t": table}, Options(src=source.path))
    assert len(seen) == 1, seen
    assert scans["t"].holds_number == {"d": holds_number}
    assert scans["t"].integer_ranges["n"] == (1, 70000)
    types, warnings = widen_integers(source, {"t": table}, Options(src=source.path), scans)
    assert types == {"t": {"n": "integer"}}, warnings


def test_the_plan_reuses_the_scans_gate(tmp_path: Path) -> None:
    source = _source(tmp_path, ["2024-04-19 02:51:06.990 +00:00"])
    table = source.read_table("t")
    options = Options(src=source.path)
    scans = scan_created(source, {"t": table}, options)
    seen = _statements_on_table(source)
    plan = plan_create(source, table, options, {"t"}, [], None, scans["t"])
    assert plan.numbers == {}
    assert seen == []
    # Without the scan the plan asks SQLite itself, and gets the same answer.
    plan = plan_create(source, table, options, {"t"}, [], None)
    assert plan.numbers == {}
    assert len(seen) == 1 and "min(" in seen[0]


def test_a_number_the_scan_found_is_read_by_the_plan(tmp_path: Path) -> None:
    source = _source(tmp_path, ["2024-04-19 02:51:06.990 +00:00", 1713494400])
    table = source.read_table("t")
    options = Options(src=source.path)
    scans = scan_created(source, {"t": table}, options)
    plan = plan_create(source, table, options, {"t"}, [], None, scans["t"])
    assert plan.numbers["d"].reading.reading == "epoch_s"
    assert plan.numbers["d"].numbers == 1
