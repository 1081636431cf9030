"""The fast path's own checks (issue 6): SQLite's field SQL lets through only
text of the field's pattern, whole chunks are checked at once, rows are read in
SQLite-concatenated ranges with a row-by-row fallback, and tables are loaded
largest first within foreign-key order."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import sqlite_pg.table_copy as table_copy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_pg.converters import ColumnType, TextPolicy
from sqlite_pg.copy_text import DigestWriter, RowDigest, hash_sum
from sqlite_pg.errors import ConversionError, ProblemLog
from sqlite_pg.ordering import load_order
from sqlite_pg.pg_types import converter_for, fast_field
from sqlite_pg.sql_render import clean_chunk
from sqlite_pg.sqlite_source import StringTooBig, quote_sqlite
from test_fast_path import DECLARED, EDGE, TYPES, copies, lines_and_problems, write_table

# Values that pass each field's checks, and near misses that must not.
MORE: dict[str, list[object]] = {
    "ts": [
        "2024-12-31 23:59:59.999 +00:00", "2023-04-31 00:00:00.000 +00:00",
        "2100-02-29 00:00:00.000 +00:00", "2000-02-29 12:00:00.010 +00:00",
        "2024-13-01 00:00:00.000 +00:00", "2024-00-10 00:00:00.000 +00:00",
        "2024-01-00 00:00:00.000 +00:00", "2024-01-32 00:00:00.000 +00:00",
        "2024-01-01 25:00:00.000 +00:00", "2024-01-01 10:60:00.000 +00:00",
        "2024-01-01 10:00:00.000 +00:00\x00junk", "2024-01-01 10:00:00.000 +00:0",
        # Shapes julianday() must refuse: a digit that is not one, year 0, the fraction.
        "2024-01-01 1a:00:00.000 +00:00", "20x4-01-01 10:00:00.000 +00:00", "+024-01-01 10:00:00.000 +00:00",
        "\uff12\uff10\uff12\uff14-01-01 10:00:00.000 +00:00", "0000-12-31 23:59:59.999 +00:00",
        "0001-01-01 00:00:00.000 +00:00", "2024-01-01 10:00:00.12  +00:00", "2024-01-01 10:00:00.1a0 +00:00",
        "2024-01-01 10:00:0 .000 +00:00", "2024-01-01 10:00:00.000 +01:00",
        # Each hour GLOB's edges, both outputs (the last digit 0 or not), a NUL after either.
        "2024-01-01 19:59:59.991 +00:00", "2024-01-01 20:00:00.001 +00:00", "2024-01-01 23:59:59.990 +00:00",
        "2024-01-01 24:00:00.001 +00:00", "2024-01-01 24:00:00.000 +00:00", "2024-01-01 30:00:00.001 +00:00",
        "2024-01-01 10:00:00.123 +00:00\x00junk", "2024-01-01 10:00:00.120 +00:00\x00",
        "2024-01-01 10:00:00.123 +00:00 ", "2024-01-01 10:00:00.123 +00:00 +00:00",
    ],
    "d": ["2024-12-31", "2023-04-31", "0000-01-01", "2024-00-01", "2024-1-01", "2024-01-01\x00x",
          "20a4-01-01", "\uff12\uff10\uff12\uff14-01-01", "0000-12-31", "0001-01-01", " 024-01-01",
          "2024-01-3 "],
    "tm": ["23:59:59", "00:00:00", "20:00:00", "29:00:00", "12:5:00", "12:00:00\x00x"],
    "u": ["00000000-0000-0000-0000-00000000000g", "ee031eb1-e607-4a41-bb75-fccdaf49b138 ",
          "{ee031eb1-e607-4a41-bb75-fccdaf49b138}", "ee031eb1e6074a41bb75fccdaf49b138"],
    "t": ["a\\b\tc\nd\re", "form\x0cfeed", "vt\x0b", "\x01ctl", "\\N", "x" * 300],
    "v": ["a\tb\\c", "1234\n", "ab\x00", "\\\\\\\\\\"],
    "j": ['{"a": "\\u00e9\\n"}', '{"a":\t1}', '"\\\\"', "[1,2,", '{"a": 1}\x00'],
    "i4": [-(2**31) - 1, 2**31, 9.0, "9"],
    "n": [99999999.99, -99999999.99, 1e8 - 0.001, 100000000, -100000000, 99999999],
    "f": [999999999999999, 1000000000000000, -999999999999999, 1.5e-300],
    "e": ["low\x00", "LOW", b"low"],
}  # fmt: skip


def _field_outputs(path: Path, column: str) -> list[bytes | None]:
    field = fast_field(TYPES[column], TextPolicy(), quote_sqlite(column))
    assert field is not None
    conn = sqlite3.connect(path)
    conn.text_factory = bytes
    try:
        return [r[0] for r in conn.execute(f"SELECT {field.sql} FROM t ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize("column", list(TYPES))
def test_sql_gives_only_text_of_the_pattern(tmp_path: Path, column: str) -> None:
    values = EDGE[column] + MORE.get(column, [])
    path = tmp_path / "f.sqlite"
    write_table(path, column, values)
    field = fast_field(TYPES[column], TextPolicy(), quote_sqlite(column))
    assert field is not None
    pattern = re.compile(rf"(?:{field.pattern})|\\N")
    for value, out in zip([*values, None], _field_outputs(path, column), strict=True):
        if out is None:
            continue  # left to Python
        raw = out if isinstance(out, bytes) else str(out).encode()  # a lone integer field
        text = raw.decode("utf-8", "replace")
        # NUL and \b \f \v are caught on the whole chunk (clean_chunk), not by the SQL.
        if not clean_chunk(raw):
            continue
        assert pattern.fullmatch(text), f"{column}: {value!r} gave {text!r}"


@pytest.mark.parametrize("column", ["ts", "d", "tm", "u", "t", "v", "j", "i4", "n", "f", "e"])
def test_fast_and_python_paths_agree_on_near_misses(tmp_path: Path, column: str) -> None:
    path = tmp_path / "m.sqlite"
    write_table(path, column, MORE[column])
    fast, classic = copies(path, column, TextPolicy())
    assert lines_and_problems(fast) == lines_and_problems(classic)


def _stamp(t: tuple[int, int, int, int, int]) -> str:
    year, month, day, hour, minute = t
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{minute:02d}.{day * 29:03d} +00:00"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["ts", "d", "tm"]),
    st.lists(
        st.tuples(
            st.integers(0, 10000),
            st.integers(0, 14),
            st.integers(0, 33),
            st.integers(0, 26),
            st.integers(0, 61),
        ).map(
            lambda t: (
                f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d} {t[3]:02d}:{t[4]:02d}:{t[4]:02d}.{t[2] * 29:03d} +00:00"
            )
        ),
        max_size=20,
    ),
)
def test_calendar_checks_agree_with_python(tmp_path_factory, column: str, stamps: list[str]) -> None:
    values: list[object] = [s if column == "ts" else s[:10] if column == "d" else s[11:19] for s in stamps]
    path = tmp_path_factory.mktemp("cal") / "c.sqlite"
    write_table(path, column, values)
    fast, classic = copies(path, column, TextPolicy())
    assert lines_and_problems(fast) == lines_and_problems(classic)


def test_clean_chunk() -> None:
    assert clean_chunk(b"1\tplain\n2\t\xc3\xa9\\n\n")
    for bad in (b"nul\x00\n", b"bs\x08\n", b"vt\x0b\n", b"ff\x0c\n", b"bad utf-8 \xff\n", b"\xc3\n"):
        assert not clean_chunk(b"1\tok\n" + bad)


def test_ranges_of_many_rows_with_bad_rows_between(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges of a few rows (several SQLite steps), rows Python must convert or
    reject in some of them, a gap in the rowids: the same lines as row by row."""
    monkeypatch.setattr(table_copy, "FIRST_RANGE_ROWS", 3)
    monkeypatch.setattr(table_copy, "MIN_RANGE_ROWS", 3)
    monkeypatch.setattr(table_copy, "MAX_RANGE_ROWS", 5)
    values: list[object] = [f"line {i}" if i % 7 else f"bad\x00{i}" for i in range(40)]
    values[11] = b"\xff\xfe"
    path = tmp_path / "r.sqlite"
    write_table(path, "t", values)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM t WHERE id BETWEEN 20 AND 25")
    conn.execute("INSERT INTO t VALUES (1000000, 'far away')")
    conn.commit()
    conn.close()
    fast, classic = copies(path, "t", TextPolicy(strip_nul=True))
    lines, problems = lines_and_problems(fast)
    assert (lines, problems) == lines_and_problems(classic)
    assert len(lines) == 40 - 6 + 1 + 1 - 1  # + the NULL row, - the invalid UTF-8
    assert [p["column"] for p in problems] == ["t"]


def test_a_range_too_big_for_sqlite_goes_on_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.sqlite"
    write_table(path, "t", [f"v{i}".ljust(300, "x") for i in range(40)])
    fast, classic = copies(path, "t", TextPolicy())
    # SQLite's length limit (large_value.py) below a range of 8 rows, above a row:
    # the first ranges stop there (then they are made smaller).
    monkeypatch.setattr(table_copy, "LARGE_VALUE_BYTES", 2000)  # longer than the statements
    monkeypatch.setattr(table_copy, "FIRST_RANGE_ROWS", 8)
    too_big = []
    real_one = fast.source.one

    def one(sql: str, table: str, params: tuple[object, ...] = ()) -> tuple:
        try:
            return real_one(sql, table, params)
        except StringTooBig:
            too_big.append(sql)
            raise

    monkeypatch.setattr(fast.source, "one", one)
    assert lines_and_problems(fast) == lines_and_problems(classic)
    assert too_big and all("group_concat" in sql for sql in too_big)


def test_typical_values_need_no_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sequelize's usual forms are rendered by SQLite alone (no row re-read by rowid)."""
    typical = {
        "ts": "2024-04-19 02:51:06.990 +00:00", "d": "2024-02-29", "tm": "23:15:00",
        "u": "ee031eb1-e607-4a41-bb75-fccdaf49b138", "t": "multi\nline \\ text", "j": '{"a": "caf\\u00e9"}',
        "i4": 12, "n": 19.99, "f": 0.25, "b": 1, "e": "low", "by": b"\x00\x01",
    }  # fmt: skip
    for column, value in typical.items():
        path = tmp_path / f"{column}.sqlite"
        write_table(path, column, [value] * 5)
        fast, _classic = copies(path, column, TextPolicy())

        def reread(*args: object, _what: str = f"{column}: {value!r}") -> None:
            pytest.fail(f"{_what} re-read by rowid")

        monkeypatch.setattr(fast.source, "raw_row", reread)
        assert fast.run(ProblemLog(10)).digest.count == 6, column


def test_load_order_parents_first_then_largest_the_lightest_leaf_last() -> None:
    parents = {
        "tasks": {"users", "lists"},
        "lists": {"users"},
        "notes": {"tasks", "users"},
        "budget": {"users"},
    }
    weight = {"users": 2, "lists": 5, "tasks": 35, "notes": 20, "budget": 15, "tiny": 1}
    order = load_order(["budget", "lists", "notes", "tasks", "tiny", "users"], parents, weight)
    assert order == ["users", "budget", "lists", "tasks", "notes", "tiny"]
    # The last table is the lightest one nothing waits for (budget, not notes),
    # even when it is ready from the start.
    order = load_order(["budget", "lists", "notes", "tasks", "users"], parents, weight)
    assert order == ["users", "lists", "tasks", "notes", "budget"]
    # a cycle comes last, by name
    assert load_order(["a", "b", "c"], {"a": {"b"}, "b": {"a"}}, {"a": 9}) == ["c", "a", "b"]


def test_declared_types_cover_the_renderers() -> None:
    assert set(DECLARED) == set(TYPES)


def test_digest_writer_hashes_in_batches_as_row_digest_does() -> None:
    rows = [f"{i}\tvalue {i}\n".encode() for i in range(DigestWriter.BATCH * 2 + 7)]
    expected = RowDigest()
    for row in rows:
        expected.add(row)
    writer = DigestWriter()
    for row in rows[:-1]:
        assert writer.write(row) == len(row)
    writer.write(rows[-1].decode())  # a text-mode caller
    assert writer.digest == expected and writer.digest.count == len(rows)
    assert hash_sum(rows) == expected.total


def test_jsonb_cache_keeps_types_apart() -> None:
    convert, _exact = converter_for(ColumnType("jsonb", "jsonb"), TextPolicy())
    assert convert(1) == "1" and convert(1.0) == "1.0" and convert(1) == "1"
    assert convert(b'{"b": 1, "a": [1.50]}') == '{"a": [1.50], "b": 1}'
    with pytest.raises(ConversionError):
        convert(b"{bad")
    with pytest.raises(ConversionError):  # errors are not cached
        convert(b"{bad")
