"""A Bwaincell-shaped database: into an empty target and into the application's own tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from bwaincell_sample import POSTGRES_DDL, create_sample
from helpers import migrate_db

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "bwaincell.sqlite"
    create_sample(path, rows=3000, seed=3)
    return path


def test_into_empty_target_creates_and_verifies(pg_db, sample: Path) -> None:
    result = migrate_db(pg_db, sample)
    assert result["changed"] is True
    assert all(t["created"] and t["verified"] for t in result["tables"])
    again = migrate_db(pg_db, sample)
    assert again["changed"] is False


def test_into_application_tables(pg_db, sample: Path) -> None:
    ddl = POSTGRES_DDL if isinstance(POSTGRES_DDL, str) else ";\n".join(POSTGRES_DDL)
    pg_db.execute(ddl)
    result = migrate_db(pg_db, sample)
    assert result["changed"] is True
    assert all(not t["created"] and t["verified"] for t in result["tables"])
    again = migrate_db(pg_db, sample)
    assert again["changed"] is False
