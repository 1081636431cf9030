"""Reading the target back: its digest, and which rows differ from the source.

The read-back uses PostgreSQL's own COPY TO output, not anything the write path
kept, so a value PostgreSQL stored differently from what the source holds (after
the same normalisation) changes the digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .copy_text import (
    NULL,
    DigestWriter,
    RowDigest,
    escape_bytes,
    hash_value,
    line_hasher,
    row_hash,
    split_line,
)
from .identifiers import column_list, qualified, quote_ident
from .large_value import LARGE_VALUE_BYTES, PIECE_BYTES
from .table_copy import TableCopy


def target_digest(
    conn: Any, schema: str, table: str, columns: list[str], streamed: dict[str, str] | None = None
) -> RowDigest:
    """The digest of PostgreSQL's COPY TO text of the table. ``streamed``
    (column -> large_value.Streamer.kind), when the source had values too large
    to copy whole: rows with a value of those columns longer than
    LARGE_VALUE_BYTES are read and hashed in pieces (``_large_rows``), the
    others as usual."""
    writer = DigestWriter()
    select = column_list(columns) if columns else "NULL"
    relation = qualified(schema, table)
    large = ""
    if streamed:
        # octet_length() reads the value's header only (no detoasting).
        large = " OR ".join(f"octet_length({quote_ident(c)}) > {LARGE_VALUE_BYTES}" for c in streamed)
        large = f"coalesce({large}, false)"
    where = f" WHERE NOT {large}" if large else ""
    with conn.cursor() as cur:
        cur.copy_expert(f"COPY (SELECT {select} FROM {relation}{where}) TO STDOUT", writer, size=1 << 18)
    digest = writer.digest
    if large:
        for line_hash in _large_rows(conn, relation, columns, streamed or {}, large):
            digest.count += 1
            digest.total += line_hash
    return digest


def _large_rows(
    conn: Any, relation: str, columns: list[str], streamed: dict[str, str], large: str
) -> list[int]:
    """The row hash of each row with a large value: its line assembled from
    PostgreSQL's COPY text of the small fields and pieces of the large ones
    (never a whole value in memory, here or in libpq's buffers)."""
    sizes = ", ".join(f"octet_length({quote_ident(c)}) > {LARGE_VALUE_BYTES}" for c in streamed)
    hashes: list[int] = []
    with conn.cursor() as cur:
        cur.execute(f"SELECT ctid::text, {sizes} FROM {relation} WHERE {large}")
        rows = cur.fetchall()
    for ctid, *flags in rows:
        big = {c for c, flag in zip(streamed, flags, strict=True) if flag}
        select = ", ".join("NULL" if c in big else quote_ident(c) for c in columns)
        line = _Line()
        with conn.cursor() as cur:
            where = cur.mogrify(" WHERE ctid = %s::tid", (ctid,)).decode()
            cur.copy_expert(f"COPY (SELECT {select} FROM {relation}{where}) TO STDOUT", line)
        fields = line.data.rstrip(b"\n").split(b"\t")  # COPY escapes any tab in a value
        line_hash = line_hasher()
        for position, (column, field_text) in enumerate(zip(columns, fields, strict=True)):
            if position:
                line_hash.update(b"\t")
            if column not in big:
                line_hash.update(field_text)
                continue
            for piece in _pieces(conn, relation, column, streamed[column], where):
                line_hash.update(piece)
        line_hash.update(b"\n")
        hashes.append(hash_value(line_hash))
    return hashes


class _Line:
    """COPY TO sink for one row."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes | str) -> int:
        self.data += data.encode("utf-8") if isinstance(data, str) else bytes(data)
        return len(data)


def _pieces(conn: Any, relation: str, column: str, kind: str, where: str) -> Iterator[bytes]:
    """A large value's COPY text in pieces: bytea as its hex (backslash doubled,
    as COPY prints it), text escaped as COPY escapes it. PostgreSQL takes the
    value's bytes once (a MATERIALIZED CTE: substring() of a toasted text
    would read it from its start for every piece) and sends them a piece at a
    time through a cursor."""
    value = (
        f"convert_to({quote_ident(column)}, 'UTF8')"
        if kind == "text"
        else f"{quote_ident(column)} || ''::bytea"
    )
    sql = (
        f"WITH v AS MATERIALIZED (SELECT {value} AS b FROM {relation}{where}) "
        f"SELECT substring(b FROM s FOR {PIECE_BYTES}) "
        f"FROM v, generate_series(1, octet_length(b), {PIECE_BYTES}) AS s ORDER BY s"
    )
    if kind == "bytea":
        yield b"\\\\x"
    with conn.cursor(name="sqlite_to_postgres_large_value") as cur:
        cur.itersize = 1  # one piece in memory at a time
        cur.execute(sql)
        for (piece,) in cur:
            if kind == "bytea":
                yield bytes(piece).hex().encode("ascii")
            else:
                yield escape_bytes(bytes(piece))


def target_count(conn: Any, schema: str, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {qualified(schema, table)}")
        return int(cur.fetchone()[0])


def target_has_rows(conn: Any, schema: str, table: str) -> bool:
    with conn.cursor() as cur:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {qualified(schema, table)})")
        return bool(cur.fetchone()[0])


@dataclass
class RowDiff:
    table: str
    key_columns: list[str]
    differing: int = 0
    examples: list[str] = field(default_factory=list)

    def message(self) -> str:
        head = f"{self.table}: {self.differing} row(s) differ between SQLite and PostgreSQL"
        return head + (": " + "; ".join(self.examples) if self.examples else "")


class _KeyedCollector:
    """COPY TO sink keeping (key fields -> row hash, line) per target row."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions
        self.rows: dict[tuple[str, ...], list[tuple[int, str]]] = {}

    def write(self, data: bytes | str) -> int:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        line = raw.decode("utf-8")
        fields = line.rstrip("\n").split("\t")
        key = tuple(fields[p] for p in self.positions) if self.positions else (line,)
        self.rows.setdefault(key, []).append((row_hash(raw), line))
        return len(raw)


def _show_key(key_columns: list[str], key: tuple[str, ...]) -> str:
    if not key_columns:
        fields = split_line(key[0])
        return "row (" + ", ".join("NULL" if f is None else f[:30] for f in fields[:6]) + ")"
    parts = []
    for name, text in zip(key_columns, key, strict=True):
        value = split_line(text)[0]
        parts.append(f"{name}={'NULL' if text == NULL else value}")
    return ", ".join(parts)


def _changed_columns(columns: list[str], source_line: str, target_line: str) -> list[str]:
    source_fields = split_line(source_line)
    target_fields = split_line(target_line)
    return [c for c, s, t in zip(columns, source_fields, target_fields, strict=False) if s != t]


def diff_rows(conn: Any, schema: str, copy: TableCopy, limit: int = 5) -> RowDiff:
    """Which rows differ: the target held in a dict of row hashes (the failure path only)."""
    positions = [copy.columns.index(c) for c in copy.key_columns]
    collector = _KeyedCollector(positions)
    select = column_list(copy.columns) if copy.columns else "NULL"
    with conn.cursor() as cur:
        cur.copy_expert(
            f"COPY (SELECT {select} FROM {qualified(schema, copy.table.name)}) TO STDOUT",
            collector,
            size=1 << 18,
        )
    target = collector.rows
    diff = RowDiff(copy.table.name, copy.key_columns)
    for key, source_hash, line in copy.keyed_hashes():
        entries = target.get(key)
        if entries:
            match = next((i for i, (h, _l) in enumerate(entries) if h == source_hash), None)
            if match is not None:
                entries.pop(match)
                if not entries:
                    del target[key]
                continue
            _hash, target_line = entries.pop(0)
            if not entries:
                del target[key]
            diff.differing += 1
            if len(diff.examples) < limit:
                changed = _changed_columns(copy.columns, line, target_line)
                diff.examples.append(
                    f"{_show_key(copy.key_columns, key)} (differs in {', '.join(changed) or 'values'})"
                )
            continue
        diff.differing += 1
        if len(diff.examples) < limit:
            diff.examples.append(f"{_show_key(copy.key_columns, key)} (missing in PostgreSQL)")
    for key, entries in target.items():
        diff.differing += len(entries)
        if len(diff.examples) < limit:
            diff.examples.append(f"{_show_key(copy.key_columns, key)} (only in PostgreSQL)")
    return diff
