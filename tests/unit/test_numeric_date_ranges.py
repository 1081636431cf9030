"""The per-column choice of how numbers in date/time columns are read (numeric_dates.py)."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlite_pg.numeric_dates import keeps_number_text, summary_sql
from sqlite_pg.temporal import JULIAN_END, NUMBER_TEXT, PLAUSIBLE, plausible_reading


@pytest.mark.parametrize(
    "magnitude",
    [
        0,
        1,
        1970,
        2024,
        9999,
        1721425.5,
        2460000.5,
        JULIAN_END,
        20240105,
        99991231,
        99_999_999.9,
        1.5e10,
        5e13,
    ],
)
def test_years_julian_days_and_yyyymmdd_are_never_taken_for_epochs(magnitude: float) -> None:
    assert plausible_reading(magnitude, magnitude) is None


def test_ranges_are_disjoint_and_mixed_units_are_refused() -> None:
    bounds = sorted(PLAUSIBLE.values())
    assert all(high < low for (_, high), (low, _) in itertools.pairwise(bounds))
    assert plausible_reading(1.7e9, 1.8e9) == "epoch_s"
    assert plausible_reading(1.7e12, 1.8e12) == "epoch_ms"
    assert plausible_reading(1.7e15, 1.8e15) == "epoch_us"
    assert plausible_reading(1.7e9, 1.7e12) is None


def _counted(values: list[object], declared: str = "") -> tuple[int, float | None, float | None]:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (c {declared})")
    conn.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
    column = ("c", keeps_number_text(declared, strict=False))
    count, low, high = conn.execute(summary_sql("t", [column])).fetchone()
    conn.close()
    return count, low, high


@given(st.text(alphabet="0123456789.- \t\n\r\x0b\x0cx:T", max_size=12))
def test_every_text_the_converters_read_as_a_number_is_counted(text: str) -> None:
    if NUMBER_TEXT.fullmatch(text):
        for declared in ("", "TEXT", "DATETIME", "DATE", "TIMESTAMP", "VARCHAR(30)", "BLOB"):
            assert _counted([text], declared)[0] == 1, declared
            assert _counted([text.encode()], declared)[0] == 1, declared  # a blob arrives as bytes too


@pytest.mark.parametrize(
    ("declared", "strict", "keeps"),
    [("DATETIME", False, False), ("date", False, False), ("TIMESTAMP", False, False),
     ("INTEGER", False, False), ("TEXT", False, True), ("VARCHAR(255)", False, True), ("", False, True),
     ("BLOB", False, True), ("ANY", False, False), ("ANY", True, True)],
)  # fmt: skip
def test_which_columns_keep_number_text(declared: str, strict: bool, keeps: bool) -> None:
    assert keeps_number_text(declared, strict) is keeps


def test_dates_are_not_numbers_and_magnitudes_are_absolute() -> None:
    texts = ["2024-04-19", "2024-04-19 02:51:06.990 +00:00", "19.04.2024", "11:02", "yesterday"]
    assert _counted(texts) == (0, None, None)
    assert _counted([-1713495066, " 1713495066.5\n", b"12", None, 2460000.5]) == (4, 12.0, 1713495066.5)
    # A DATETIME column (NUMERIC affinity) stores number text as a number: counted either way.
    assert _counted(["1700000000", "2024-04-19"], "DATETIME") == (1, 1.7e9, 1.7e9)
