"""Reading the target back: its digest, and which rows differ from the source.

The read-back uses PostgreSQL's own COPY TO output, not anything the write path
kept, so a value PostgreSQL stored differently from what the source holds (after
the same normalisation) changes the digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .copy_text import NULL, DigestWriter, RowDigest, split_line
from .identifiers import column_list, qualified
from .table_copy import TableCopy


def target_digest(conn: Any, schema: str, table: str, columns: list[str]) -> RowDigest:
    writer = DigestWriter()
    select = column_list(columns) if columns else "NULL"
    with conn.cursor() as cur:
        cur.copy_expert(
            f"COPY (SELECT {select} FROM {qualified(schema, table)}) TO STDOUT", writer, size=1 << 18
        )
    return writer.digest


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
        row_hash = int.from_bytes(hashlib.sha1(raw).digest(), "big")
        self.rows.setdefault(key, []).append((row_hash, line))
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
    for key, row_hash, line in copy.keyed_hashes():
        entries = target.get(key)
        if entries:
            match = next((i for i, (h, _l) in enumerate(entries) if h == row_hash), None)
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
