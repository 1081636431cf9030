"""Streaming one table: SQLite rows -> converted COPY lines, with the source digest.

On the fast path (sql_render.py) SQLite renders and checks each row's whole
line and also concatenates the lines of ~``CHUNK_BYTES`` of rows in rowid order
(``_ranges``), in a thread of its own: Python gets one string per step, checks
it once (``clean_chunk``), splits it and hashes each line (one SHA-1 per line,
summed: the digest). A range with a row SQLite could not render, or text that
fails the check, is read again row by row, and those rows go through one
precompiled converter per column (as every row of the classic path, and the
columns SQLite does not render). Lines are joined into ~1 MiB chunks for COPY.
Memory stays at a few chunks (plus the largest single row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from .converters import Converter
from .copy_text import NULL, RowDigest, hash_sum
from .errors import ConversionError, Problem, ProblemLog, excerpt
from .prefetch import Prefetch
from .sql_render import FastField, clean_chunk, line_sql
from .sqlite_source import FETCH_ROWS, SourceTable, SqliteSource, StringTooBig, quote_sqlite

CHUNK_BYTES = 1 << 20
BATCHES_AHEAD = 2  # batches of rows read ahead of the Python work
# Rows per concatenation step: sized to about CHUNK_BYTES after the first step.
FIRST_RANGE_ROWS = 256
MIN_RANGE_ROWS = 16
MAX_RANGE_ROWS = 8192


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

    def _classic_batches(self, problems: ProblemLog) -> Iterator[tuple[list[bytes], bytes]]:
        lines: list[bytes] = []
        for line in self._classic_lines(problems):
            lines.append(line)
            if len(lines) >= FETCH_ROWS:
                yield lines, b"".join(lines)
                lines = []
        if lines:
            yield lines, b"".join(lines)

    def _fast_sql(self) -> str:
        rendered = len(self.fast_fields)
        head = line_sql(self.fast_fields)
        # SQLite ends the head with its separator, so the head is always text
        # (a single integer field alone would come back as an int).
        head = f"{head} || char(10)" if rendered == len(self.columns) else f"{head} || char(9)"
        select = ", ".join([head] + [quote_sqlite(c) for c in self.columns[rendered:]])
        return f"SELECT {select}, _rowid_ FROM {quote_sqlite(self.table.name)}"

    def _fast_batches(self, problems: ProblemLog) -> Iterator[tuple[list[bytes], bytes]]:
        """(lines, the lines joined) per batch of rows. SQLite assembles the first
        ``len(fast_fields)`` fields (all of them: the whole line), NULL for a row it
        cannot render exactly; Python converts the other columns, and any row that
        does not pass (re-read by rowid)."""
        rendered = len(self.fast_fields)
        tail = list(zip(range(1, len(self.columns) - rendered + 1), self.converters[rendered:], strict=True))
        name = self.table.name
        # SQLite steps through the rows in a thread of its own (it releases the
        # GIL meanwhile) while this one hashes and joins the previous batch.
        if tail:
            reader = Prefetch(self.source.batches(self._fast_sql(), name), depth=BATCHES_AHEAD)
            try:
                yield from self._checked_batches(reader, tail, problems)
            finally:
                reader.close()
            return
        ranges = Prefetch(self._ranges(), depth=BATCHES_AHEAD)
        try:
            for lower, top, data, rendered_rows, rows in ranges:
                if top is None:  # too big to concatenate in SQLite: row by row from here
                    rest = self.source.batches(self._range_sql(to_end=True), name, params=(lower,))
                    yield from self._checked_batches(rest, [], problems)
                    return
                lines = data.splitlines(keepends=True) if data is not None else []
                # Every row rendered, the text clean, one line per row: as it is.
                if rendered_rows == rows == len(lines) and clean_chunk(data):
                    yield lines, data
                    continue
                again = self.source.batches(self._range_sql(), name, params=(lower, top))
                yield from self._checked_batches(again, [], problems)
        finally:
            ranges.close()

    def _range_sql(self, to_end: bool = False) -> str:
        """Row by row: the lines and rowids of a rowid range (from a rowid on)."""
        upper = "" if to_end else " AND _rowid_ <= ?"
        return (
            f"SELECT {line_sql(self.fast_fields)} || char(10), _rowid_ FROM {quote_sqlite(self.table.name)} "
            f"WHERE _rowid_ >= ?{upper} ORDER BY _rowid_"
        )

    def _ranges(self) -> Iterator[tuple[int, int | None, bytes | None, int, int]]:
        """(lowest rowid, highest rowid, the lines, rows rendered, rows) per step:
        SQLite concatenates the lines of the next rows in rowid order itself, so
        Python handles one string per ~``CHUNK_BYTES`` instead of a tuple per
        row (NULL lines, rows SQLite cannot render, are left out: counted).
        ``highest`` None: a concatenation grew too big for SQLite, read on row
        by row from ``lowest``."""
        line = f"{line_sql(self.fast_fields)} || char(10)"
        sql = (
            "SELECT group_concat(copy_line, ''), count(copy_line), count(*), max(copy_rowid) FROM "
            f"(SELECT {line} AS copy_line, _rowid_ AS copy_rowid FROM {quote_sqlite(self.table.name)} "
            "WHERE _rowid_ >= ? ORDER BY _rowid_ LIMIT ?)"
        )
        lower = -(2**63)
        limit = FIRST_RANGE_ROWS
        while True:
            try:
                data, rendered_rows, rows, top = self.source.one(sql, self.table.name, (lower, limit))
            except StringTooBig:
                yield lower, None, None, 0, 0
                return
            if not rows:
                return
            yield lower, top, data, rendered_rows, rows
            if top >= 2**63 - 1:
                return
            lower = top + 1
            if data and rendered_rows:
                per_row = max(1, len(data) // rendered_rows)
                limit = max(MIN_RANGE_ROWS, min(MAX_RANGE_ROWS, CHUNK_BYTES // per_row))

    def _checked_batches(
        self, reader: Iterator[list[tuple]], tail: list[tuple[int, Converter]], problems: ProblemLog
    ) -> Iterator[tuple[list[bytes], bytes]]:
        name = self.table.name
        for rows in reader:
            lines = [self._with_tail(row, tail) for row in rows] if tail else [row[0] for row in rows]
            try:
                data = b"".join(lines)  # TypeError: a row SQLite could not render
                good = clean_chunk(data)
            except TypeError:
                good = False
            if good:
                yield lines, data
                continue
            fixed: list[bytes] = []
            for line, row in zip(lines, rows, strict=True):
                if line is not None and clean_chunk(line):
                    fixed.append(line)
                    continue
                converted = self._convert(self.source.raw_row(name, self.columns, row[-1]), problems)
                if converted is not None:
                    fixed.append(converted)
            yield fixed, b"".join(fixed)

    @staticmethod
    def _with_tail(row: tuple, tail: list[tuple[int, Converter]]) -> bytes | None:
        head = row[0]
        if head is None:
            return None
        try:
            rest = "\t".join([NULL if row[i] is None else c(row[i]) for i, c in tail])
        except ConversionError:
            return None
        return head + rest.encode() + b"\n"  # head: the rendered fields and a tab

    def chunks(self, problems: ProblemLog, send: bool) -> Generator[bytes, None, None]:
        """COPY text in chunks (only while ``send`` and no problem is known);
        the digest and row count cover every good row either way."""
        total = 0
        count = 0
        out: list[bytes] = []
        size = 0
        batches = self._fast_batches(problems) if self.fast_fields else self._classic_batches(problems)
        for lines, data in batches:
            total += hash_sum(lines)
            count += len(lines)
            if send:
                out.append(data)
                size += len(data)
                if size >= CHUNK_BYTES:
                    if not problems:
                        yield b"".join(out) if len(out) > 1 else out[0]
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
