"""The stand-in application counts the tables the sample has (bwaincell_sample.TABLES,
the one list): it is copied alone to the test hosts, so it keeps its own copy."""

from __future__ import annotations

import sys
from pathlib import Path

from bwaincell_sample import TABLES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "roles"))
from app_control import standin_module


def test_the_standin_counts_the_sample_tables() -> None:
    assert standin_module().TABLES == TABLES
