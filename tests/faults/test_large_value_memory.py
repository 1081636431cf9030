"""Memory with large values (issue 11, item 13): the peak stays near the baseline.

A 50 MiB TEXT and a 50 MiB BLOB in one row of an otherwise normal small
database once took the module from 40 MB to 1.9 GB. The bound checked here
is wide (the baseline, measured in the same test, plus three times the
largest value) and about memory, not time, so it does not flake; the
module's own measurement is bench/run.py --large-values.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import bwaincell_sample
import pytest
from pgfaults import run_module

pytestmark = pytest.mark.integration

VALUE_MIB = 50


def _peak_mb(pg_server: Any, src: Path) -> float:
    name = pg_server.create_database("large")
    try:
        rc, out, err = run_module(pg_server, name, src, verify="full")
    finally:
        pg_server.drop_database(name)
    assert rc == 0 and out["ok"], (out, err)
    assert all(t["verified"] for t in out["result"]["tables"])
    return out["peak_rss_kb"] / 1024


def test_one_50_mib_text_and_blob_stay_within_three_times_the_value(pg_server: Any, tmp_path: Path) -> None:
    normal = tmp_path / "normal.sqlite"
    bwaincell_sample.create_sample(normal, rows=2000, seed=13)
    large = tmp_path / "large.sqlite"
    shutil.copyfile(normal, large)
    conn = sqlite3.connect(large)
    with conn:
        size = VALUE_MIB << 20
        text = ("lorem ipsum\tdolor é\n" * (size // 20))[: size - 100]
        conn.execute(
            "UPDATE notes SET content = ?, attachment = ? WHERE id = (SELECT min(id) FROM notes)",
            (text, os.urandom(size)),
        )
    conn.close()
    baseline = _peak_mb(pg_server, normal)
    peak = _peak_mb(pg_server, large)
    print(f"peak {peak:.1f} MB, baseline {baseline:.1f} MB")
    assert peak < baseline + 3 * VALUE_MIB, f"peak {peak:.0f} MB, baseline {baseline:.0f} MB"
