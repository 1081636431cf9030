"""Values too large to copy whole go in pieces (issue 11, item 13), into real PostgreSQL.

The thresholds are lowered here (a "large" value is 20 kB, read 4,099 bytes at
a time, so that pieces cut UTF-8 characters and escapes), so that every path
of large_value.py runs on small data: text and blobs in text and bytea
columns, a Python-converted column beside them, a type read whole, a table
without a primary key (read back by ctid), and the values the column refuses.
PostgreSQL must hold exactly the source's values, verified (verify=full).
The memory bound itself, with 50 MiB values, is tests/faults/test_large_value_memory.py.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import sqlite_pg.table_copy as table_copy
import sqlite_pg.verify as verify
from helpers import make_sqlite, migrate_db, row_counts, run_failing
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.errors import ConversionError
from sqlite_pg.pg_types import converter_for

pytestmark = pytest.mark.integration

LARGE = 20_000
SIZE = 60_000


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setattr(table_copy, "LARGE_VALUE_BYTES", LARGE)
    monkeypatch.setattr(verify, "LARGE_VALUE_BYTES", LARGE)
    monkeypatch.setattr(table_copy, "PIECE_BYTES", 4099)
    monkeypatch.setattr(verify, "PIECE_BYTES", 4099)
    calls = {"large_rows": 0, "read_back": 0}
    large_row, read_back = table_copy.TableCopy._large_row, verify._large_rows

    def counted_large_row(self: Any, rowid: int, problems: Any) -> Any:
        calls["large_rows"] += 1
        return large_row(self, rowid, problems)

    def counted_read_back(*args: Any) -> list[int]:
        hashes = read_back(*args)
        calls["read_back"] += len(hashes)
        return hashes

    monkeypatch.setattr(table_copy.TableCopy, "_large_row", counted_large_row)
    monkeypatch.setattr(verify, "_large_rows", counted_read_back)
    return calls


def text_of(size: int, seed: str) -> str:
    """Text with everything COPY escapes, multi-byte characters, and no NUL."""
    line = f"{seed} é中🚀 tab\there back\\slash cr\rend\n"
    return (line * (size // len(line) + 1))[:size]


BODY = text_of(SIZE, "body")
DATA = bytes(range(256)) * (SIZE // 256)
DOCS = [
    (1, "small", "small body", b"\x00\x01"),
    (2, "large text", BODY, None),
    (3, "large blob", None, DATA),
    (4, "both", BODY[::-1], DATA[::-1]),
    (5, "text in the bytea column", "tiny", text_of(SIZE, "as bytes")),
    (6, "blob in the text column", text_of(SIZE, "stored as BLOB").encode(), b""),
    (7, "small again", "x", None),
]
JSONB = {"big": "v" * SIZE, "n": [1, 2.50]}


def _reason(convert: Any, value: object) -> str:
    with pytest.raises(ConversionError) as caught:
        convert(value.encode() if isinstance(value, str) else value)
    return caught.value.reason


def _md5(value: object) -> str | None:
    if value is None:
        return None
    return hashlib.md5(value if isinstance(value, bytes) else value.encode()).hexdigest()


def _source(tmp_path: Any) -> str:
    src = make_sqlite(
        tmp_path / "large.sqlite",
        """
        CREATE TABLE docs (id INTEGER PRIMARY KEY, title TEXT, body TEXT, data BLOB);
        CREATE TABLE meta (id INTEGER PRIMARY KEY, body TEXT, doc JSONB);
        CREATE TABLE blobs (name TEXT, data BLOB);
        """,
        {
            "docs": [],
            "meta": [(1, BODY, '{"a": 1}'), (2, "short", json.dumps(JSONB)), (3, None, None)],
            "blobs": [("one", DATA), ("two", b"small"), ("one", DATA)],
        },
    )
    import sqlite3

    conn = sqlite3.connect(src)
    with conn:
        for row in DOCS:  # a BLOB in the text column stays a BLOB, text in the bytea one text
            conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", row)
    conn.close()
    return src


EXISTING = [
    "CREATE TABLE docs (id integer PRIMARY KEY, title text, body text, data bytea)",
    "CREATE TABLE meta (id integer PRIMARY KEY, body varchar(100000), doc jsonb)",
    "CREATE TABLE blobs (name text, data bytea)",
]


@pytest.mark.parametrize("kind", ["existing", "created"])
def test_large_values_arrive_whole_and_verified(
    pg_db: Any, tmp_path: Any, small_thresholds: dict[str, int], kind: str
) -> None:
    if kind == "existing":
        for statement in EXISTING:
            pg_db.execute(statement)
    result = migrate_db(pg_db, _source(tmp_path), verify="full")
    assert all(t["verified"] for t in result["tables"])
    assert row_counts(pg_db) == {"docs": 7, "meta": 3, "blobs": 3}
    # Rows 2-6 of docs, row 1 of meta (2: jsonb, read whole), both large rows of blobs.
    assert small_thresholds == {"large_rows": 5 + 2 + 2, "read_back": 5 + 1 + 2}
    stored = pg_db.query("SELECT id, title, md5(body), md5(data) FROM docs ORDER BY id")
    expected = []
    for key, title, body, data in DOCS:
        body_text = body.decode() if isinstance(body, bytes) else body
        data_bytes = data.encode() if isinstance(data, str) else data
        expected.append((key, title, _md5(body_text), _md5(data_bytes)))
    assert stored == expected
    assert pg_db.query("SELECT md5(body), doc = %s::jsonb FROM meta ORDER BY id", (json.dumps(JSONB),)) == [
        (_md5(BODY), False),
        (_md5("short"), True),
        (None, None),
    ]
    assert pg_db.query("SELECT name, md5(data) FROM blobs ORDER BY name, length(data)") == [
        ("one", _md5(DATA)),
        ("one", _md5(DATA)),
        ("two", _md5(b"small")),
    ]


@pytest.mark.parametrize("kind", ["existing", "created"])
def test_large_values_the_column_refuses_are_reported_with_their_keys(
    pg_db: Any, tmp_path: Any, small_thresholds: dict[str, int], kind: str
) -> None:
    if kind == "existing":
        pg_db.execute("CREATE TABLE t (id integer PRIMARY KEY, short varchar(30000), body text)")
    bad_utf8 = ("é" * 20_000).encode()[:-1] + b"\xff" + b"x" * SIZE
    rows = [
        (1, "fine", BODY),
        (2, "fine", bad_utf8),  # a BLOB: the bytes as stored
        (3, "fine", "nul\x00" + BODY),
        (4, text_of(SIZE, "too long"), "fine"),
    ]
    src = make_sqlite(
        tmp_path / "bad.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, short VARCHAR(30000), body TEXT);",
        {"t": rows},
    )
    before = row_counts(pg_db)
    error = run_failing(pg_db, src)
    got = [(p["column"], p["key"], p["reason"]) for p in error.problems]
    # The reasons the column's converter gives for the whole value.
    text = converter_for(ColumnType("text", "text"), TextPolicy())[0]
    short = converter_for(ColumnType("varchar", "character varying(30000)", length=30000), TextPolicy())[0]
    assert got == [
        ("body", {"id": "2"}, _reason(text, bad_utf8)),
        ("body", {"id": "3"}, _reason(text, rows[2][2])),
        ("short", {"id": "4"}, _reason(short, rows[3][1].encode())),
    ]
    assert row_counts(pg_db) == before
    # strip_nul is the way through for the NUL: the rest of that value arrives.
    pg_db.execute("DROP TABLE IF EXISTS t")
    if kind == "existing":
        pg_db.execute("CREATE TABLE t (id integer PRIMARY KEY, short varchar(30000), body text)")
    src = make_sqlite(
        tmp_path / "nul.sqlite",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, short VARCHAR(30000), body TEXT);",
        {"t": [rows[0], rows[2]]},
    )
    result = migrate_db(pg_db, src, verify="full", strip_nul=True)
    assert result["tables"][0]["verified"]
    assert pg_db.query("SELECT md5(body) FROM t ORDER BY id") == [(_md5(BODY),), (_md5("nul" + BODY),)]
