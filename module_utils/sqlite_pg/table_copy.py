"""Streaming one table: SQLite rows -> converted COPY lines, with the source digest.

The hot loop: one precompiled converter per column, a list comprehension per
row, one SHA-1 per line for the digest, lines joined into ~1 MiB chunks for COPY.
Memory stays at about one chunk (plus the largest single row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from .converters import Converter
from .copy_text import NULL, RowDigest
from .errors import ConversionError, Problem, ProblemLog, excerpt
from .sql_render import FastField, line_regex, line_sql
from .sqlite_source import SourceTable, SqliteSource, quote_sqlite

CHUNK_BYTES = 1 << 20


def key_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@dataclass
class TableCopy:
    """What is copied from one table and how: the plan for the row loop."""

    source: SqliteSource
    table: SourceTable
    columns: list[str]  # source column names = target column names, in COPY order
    converters: list[Converter]
    key_columns: list[str]  # the primary key, or [] to name rows by rowid
    fast_fields: list[FastField] = field(default_factory=list)  # SQLite renders the first len() columns
    digest: RowDigest = field(default_factory=RowDigest)
    sent_rows: int = 0

    @property
    def uses_rowid(self) -> bool:
        return not self.key_columns and not self.table.without_rowid

    def key_of(self, row: tuple) -> dict[str, str]:
        if self.key_columns:
            return {c: key_text(row[self.columns.index(c)]) for c in self.key_columns}
        if self.uses_rowid:
            return {"rowid": key_text(row[-1])}
        return {}

    def _report(self, row: tuple, problems: ProblemLog) -> None:
        key = self.key_of(row)
        for name, convert, value in zip(self.columns, self.converters, row, strict=False):
            if value is None:
                continue
            try:
                convert(value)
            except ConversionError as exc:
                problems.add(Problem(self.table.name, exc.reason, name, key, excerpt(value)))

    def _convert(self, row: tuple, problems: ProblemLog) -> bytes | None:
        """One source row to its COPY line, or None having reported its problems."""
        try:
            line = "\t".join(
                [NULL if v is None else c(v) for c, v in zip(self.converters, row, strict=False)]
            )
        except ConversionError:
            self._report(row, problems)
            return None
        return (line + "\n").encode()

    def _classic_lines(self, problems: ProblemLog) -> Iterator[bytes]:
        converters = self.converters
        for row in self.source.rows(self.table, self.columns, self.uses_rowid):
            try:
                line = "\t".join([NULL if v is None else c(v) for c, v in zip(converters, row, strict=False)])
            except ConversionError:
                self._report(row, problems)
                continue
            yield (line + "\n").encode()

    def _fast_lines(self, problems: ProblemLog) -> Iterator[bytes]:
        """SQLite assembles the first ``len(fast_fields)`` fields, one regex checks
        them; Python converts the other columns, and any row that does not pass
        (re-read by rowid)."""
        rendered = len(self.fast_fields)
        tail = list(zip(range(1, len(self.columns) - rendered + 1), self.converters[rendered:], strict=True))
        select = ", ".join([line_sql(self.fast_fields)] + [quote_sqlite(c) for c in self.columns[rendered:]])
        sql = f"SELECT {select}, _rowid_ FROM {quote_sqlite(self.table.name)}"
        fullmatch = line_regex(self.fast_fields).fullmatch
        name = self.table.name
        for row in self.source.select(sql, name):
            head = row[0]
            if head is not None:
                try:
                    good = fullmatch(head.decode()) is not None
                except UnicodeDecodeError:
                    good = False
                if good:
                    if not tail:
                        yield head + b"\n"
                        continue
                    try:
                        rest = "\t".join([NULL if row[i] is None else c(row[i]) for i, c in tail])
                        yield head + b"\t" + rest.encode() + b"\n"
                        continue
                    except ConversionError:
                        pass
            converted = self._convert(self.source.raw_row(name, self.columns, row[-1]), problems)
            if converted is not None:
                yield converted

    def chunks(self, problems: ProblemLog, send: bool) -> Generator[bytes, None, None]:
        """COPY text in chunks (only while ``send`` and no problem is known);
        the digest and row count cover every good row either way."""
        sha1 = hashlib.sha1
        from_bytes = int.from_bytes
        total = 0
        count = 0
        out: list[bytes] = []
        size = 0
        lines = self._fast_lines(problems) if self.fast_fields else self._classic_lines(problems)
        for data in lines:
            total += from_bytes(sha1(data).digest(), "big")
            count += 1
            if send:
                out.append(data)
                size += len(data)
                if size >= CHUNK_BYTES:
                    if not problems:
                        yield b"".join(out)
                    out = []
                    size = 0
        if send and out and not problems:
            yield b"".join(out)
        self.digest.total = total
        self.digest.count = count
        self.sent_rows = count if send and not problems else 0

    def run(self, problems: ProblemLog) -> RowDigest:
        """Digest only: convert every row without sending anything."""
        for _ in self.chunks(problems, send=False):
            pass
        return self.digest

    def keyed_hashes(self) -> Iterator[tuple[tuple[str, ...], int, str]]:
        """(key fields as COPY text, row hash, line) per convertible row: for row diffs."""
        positions = [self.columns.index(c) for c in self.key_columns]
        for row in self.source.rows(self.table, self.columns, False):
            try:
                fields = [NULL if v is None else c(v) for c, v in zip(self.converters, row, strict=False)]
            except ConversionError:
                continue
            line = "\t".join(fields) + "\n"
            key = tuple(fields[p] for p in positions) if positions else (line,)
            yield key, int.from_bytes(hashlib.sha1(line.encode()).digest(), "big"), line

    def key_of_line(self, line_number: int) -> dict[str, str]:
        """The key of the n-th row sent (1-based), to name the row of a COPY error."""
        seen = 0
        for row in self.source.rows(self.table, self.columns, self.uses_rowid):
            try:
                for c, v in zip(self.converters, row, strict=False):
                    if v is not None:
                        c(v)
            except ConversionError:
                continue
            seen += 1
            if seen == line_number:
                return self.key_of(row)
        return {}
