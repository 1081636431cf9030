"""Streaming one table: SQLite rows -> converted COPY lines, with the source digest.

On the fast path (sql_render.py) SQLite renders and checks each row's whole
line and also concatenates the lines of ~``RANGE_BYTES`` of rows in rowid order
(``_ranges``), in a thread of its own: Python gets one string per step, checks
it once (``clean_chunk``), splits it and hashes each line (one SHA-1 per line,
summed: the digest). A range with a row SQLite could not render, or text that
fails the check, is read again row by row, and those rows go through one
precompiled converter per column (as every row of the classic path, and the
columns SQLite does not render). Lines are joined into ~1 MiB chunks for COPY.
Memory stays at a few chunks: a row with a value longer than
``LARGE_VALUE_BYTES`` is read, checked and sent in pieces (large_value.py).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .converters import Converter
from .copy_text import NULL, RowDigest, hash_sum, hash_value, line_hasher, row_hash
from .errors import ConversionError, Problem, ProblemLog, excerpt
from .large_value import LARGE_VALUE_BYTES, PIECE_BYTES, LargeRow, Streamer
from .prefetch import Prefetch
from .sql_render import FastField, clean_chunk, line_sql
from .sqlite_source import FETCH_ROWS, SourceTable, SqliteSource, StringTooBig, quote_sqlite
from .utf8 import shown_text

CHUNK_BYTES = 1 << 20
BATCHES_AHEAD = 2  # batches of rows read ahead of the Python work
# Rows per concatenation step: sized to about RANGE_BYTES after the first step,
# a quarter of LARGE_VALUE_BYTES (SQLite's length limit meanwhile), so that a
# concatenation rarely reaches it; chunks() joins them into CHUNK_BYTES.
RANGE_BYTES = 256 << 10
FIRST_RANGE_ROWS = 256
MIN_RANGE_ROWS = 16
MAX_RANGE_ROWS = 8192


@dataclass(frozen=True)
class CopyTally:
    """What one pass over a table's rows found (``TableCopy.chunks``' return value):
    the digest and count of every good row, and how many were read in pieces."""

    digest: RowDigest
    large_rows: int = 0


@dataclass
class TableCopy:
    """What is copied from one table and how: the plan for the row loop."""

    source: SqliteSource
    table: SourceTable
    columns: list[str]  # source column names = target column names, in COPY order
    converters: list[Converter]
    key_columns: list[str]  # the primary key, or [] to name rows by rowid
    fast_fields: list[FastField] = field(default_factory=list)  # SQLite renders the first len() columns
    # Per column (or None): how a value too large to copy whole goes in pieces (large_value.py).
    streamers: list[Streamer | None] = field(default_factory=list)
    # Told the rows read so far after each batch (progress.rows_reporter), for a face that shows it.
    on_rows: Callable[[int], None] | None = field(default=None, repr=False, compare=False)

    @property
    def streamed_columns(self) -> dict[str, str]:
        """column -> how verify.py reads its large values back (large_value.Streamer.kind)."""
        return {c: s.kind for c, s in zip(self.columns, self.streamers, strict=False) if s is not None}

    @property
    def uses_rowid(self) -> bool:
        return not self.key_columns and not self.table.without_rowid

    @property
    def has_rowid(self) -> bool:
        return not self.table.without_rowid

    def key_from(self, values: Sequence[Any], rowid: Any) -> dict[str, str]:
        """A row's name in a report: its primary key, or its rowid when it has
        none or a key column is NULL (SQLite allows that in a rowid table whose
        key is not an INTEGER PRIMARY KEY)."""
        if self.key_columns and (rowid is None or all(v is not None for v in values)):
            return {c: shown_text(v) for c, v in zip(self.key_columns, values, strict=True)}
        return {"rowid": shown_text(rowid)} if rowid is not None else {}

    def key_of(self, row: tuple) -> dict[str, str]:
        """``row`` as read: the copied columns, then the rowid when the table has one."""
        rowid = row[len(self.columns)] if len(row) > len(self.columns) else None
        return self.key_from([row[self.columns.index(c)] for c in self.key_columns], rowid)

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
        for row in self.source.rows(self.table, self.columns, self.has_rowid):
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
        table = quote_sqlite(self.table.name)
        return f"SELECT {select}, _rowid_ FROM {table} WHERE _rowid_ >= ? AND _rowid_ <= ? ORDER BY _rowid_"

    def _fast_batches(self, problems: ProblemLog) -> Iterator[tuple[list[bytes], bytes] | LargeRow]:
        """(lines, the lines joined) per batch of rows. SQLite assembles the first
        ``len(fast_fields)`` fields (all of them: the whole line), NULL for a row it
        cannot render exactly; Python converts the other columns, and any row that
        does not pass (re-read by rowid). A row with a value too large to copy
        whole comes as a ``LargeRow``: its line in pieces."""
        with self.source.length_limit(LARGE_VALUE_BYTES):
            yield from self._fast_batches_limited(problems)

    def _fast_batches_limited(self, problems: ProblemLog) -> Iterator[tuple[list[bytes], bytes] | LargeRow]:
        rendered = len(self.fast_fields)
        tail = list(zip(range(1, len(self.columns) - rendered + 1), self.converters[rendered:], strict=True))
        # SQLite steps through the rows in a thread of its own (it releases the
        # GIL meanwhile) while this one hashes and joins the previous batch.
        if tail:
            reader = Prefetch(self._row_batches(self._fast_sql(), -(2**63), 2**63 - 1), depth=BATCHES_AHEAD)
            try:
                yield from self._checked_batches(reader, tail, problems)
            finally:
                reader.close()
            return
        ranges = Prefetch(self._ranges(), depth=BATCHES_AHEAD)
        try:
            for lower, top, data, rendered_rows, rows in ranges:
                lines = data.splitlines(keepends=True) if data is not None else []
                # Every row rendered, the text clean, one line per row: as it is.
                if rendered_rows == rows == len(lines) and clean_chunk(data):
                    yield lines, data
                    continue
                again = self._row_batches(self._range_sql(), lower, top)
                yield from self._checked_batches(again, [], problems)
        finally:
            ranges.close()

    def _range_sql(self) -> str:
        """Row by row: the lines and rowids of a rowid range."""
        return (
            f"SELECT {line_sql(self.fast_fields)} || char(10), _rowid_ FROM {quote_sqlite(self.table.name)} "
            "WHERE _rowid_ >= ? AND _rowid_ <= ? ORDER BY _rowid_"
        )

    def _row_batches(self, sql: str, lower: int, top: int) -> Iterator[list[tuple] | int]:
        """The rows of ``sql`` (rowid last, in rowid order, from ``lower`` to ``top``)
        in batches; a row SQLite stops at its length limit comes as its rowid alone."""
        name = self.table.name
        while lower <= top:
            try:
                for rows in self.source.batches(sql, name, params=(lower, top)):
                    lower = rows[-1][-1] + 1
                    yield rows
                return
            except StringTooBig:
                pass
            # The rows of the batch that stopped, each alone, up to the one at fault.
            while lower <= top:
                rowid = self.source.next_rowid(name, lower)
                if rowid is None or rowid > top:
                    return
                lower = rowid + 1
                try:
                    row = self.source.one(sql, name, (rowid, rowid))
                except StringTooBig:
                    yield rowid
                    break
                yield [row]

    def _ranges(self) -> Iterator[tuple[int, int, bytes | None, int, int]]:
        """(lowest rowid, highest rowid, the lines, rows rendered, rows) per step:
        SQLite concatenates the lines of the next rows in rowid order itself, so
        Python handles one string per ~``RANGE_BYTES`` instead of a tuple per
        row (NULL lines, rows SQLite cannot render, are left out: counted).
        Lines None: the concatenation (or a value in it) passed SQLite's length
        limit; that range is read again row by row."""
        line = f"{line_sql(self.fast_fields)} || char(10)"
        sql = (
            "SELECT group_concat(copy_line, ''), count(copy_line), count(*), max(copy_rowid) FROM "
            f"(SELECT {line} AS copy_line, _rowid_ AS copy_rowid FROM {quote_sqlite(self.table.name)} "
            "WHERE _rowid_ >= ? ORDER BY _rowid_ LIMIT ?)"
        )
        span = (
            f"SELECT max(copy_rowid) FROM (SELECT _rowid_ AS copy_rowid FROM {quote_sqlite(self.table.name)} "
            "WHERE _rowid_ >= ? ORDER BY _rowid_ LIMIT ?)"
        )
        lower = -(2**63)
        limit = FIRST_RANGE_ROWS
        while True:
            try:
                data, rendered_rows, rows, top = self.source.one(sql, self.table.name, (lower, limit))
            except StringTooBig:
                top = self.source.one(span, self.table.name, (lower, limit))[0]
                data, rendered_rows, rows = None, 0, 1
                limit = max(MIN_RANGE_ROWS, limit // 8)
            if not rows:
                return
            yield lower, top, data, rendered_rows, rows
            if top >= 2**63 - 1:
                return
            lower = top + 1
            if data and rendered_rows:
                per_row = max(1, len(data) // rendered_rows)
                limit = max(MIN_RANGE_ROWS, min(MAX_RANGE_ROWS, RANGE_BYTES // per_row))

    def _checked_batches(
        self, reader: Iterator[list[tuple] | int], tail: list[tuple[int, Converter]], problems: ProblemLog
    ) -> Iterator[tuple[list[bytes], bytes] | LargeRow]:
        name = self.table.name
        for rows in reader:
            if type(rows) is int:  # a row too large for SQLite to give whole
                large = self._large_row(rows, problems)
                if large is not None:
                    yield large
                continue
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
                try:
                    raw = self.source.raw_row(name, self.columns, row[-1])
                except StringTooBig:  # a value too long to read whole
                    large = self._large_row(row[-1], problems)
                    if large is not None:
                        yield fixed, b"".join(fixed)
                        fixed = []
                        yield large
                    continue
                converted = self._convert(raw, problems)
                if converted is not None:
                    fixed.append(converted)
            yield fixed, b"".join(fixed)

    def _large_row(self, rowid: int, problems: ProblemLog) -> LargeRow | None:
        """A row holding a value longer than SQLite's length limit: its small
        values read and converted as usual, each large one checked now in pieces
        and rendered in pieces when sent (large_value.py); None having reported
        its problems."""
        name = self.table.name
        classes = self.source.storage_classes(name, self.columns, rowid)
        large = {
            i
            for i, kind in enumerate(classes)
            if kind in ("text", "blob")
            and self.source.value_size(name, self.columns[i], rowid) > LARGE_VALUE_BYTES
        }
        small = [c for i, c in enumerate(self.columns) if i not in large]
        values = dict(zip(small, self.source.raw_row(name, small, rowid), strict=False))
        heads = {i: next(self._pieces(i, rowid, classes[i], 200), b"") for i in large}  # for keys, reports
        key = self.key_of(
            (*(heads[i] if i in large else values[c] for i, c in enumerate(self.columns)), rowid)
        )
        streamers = self.streamers or [None] * len(self.columns)
        fields: list[bytes | int] = []  # each small field's COPY text, or the index of a large one
        reported = False
        for i, (column, convert, streamer) in enumerate(
            zip(self.columns, self.converters, streamers, strict=True)
        ):
            try:
                if i not in large:
                    value = values[column]
                    fields.append(NULL.encode() if value is None else convert(value).encode())
                elif streamer is None:  # a type not rendered in pieces: whole
                    whole = b"".join(self._pieces(i, rowid, classes[i], PIECE_BYTES))
                    fields.append(convert(whole).encode())
                else:
                    streamer.check(self._pieces(i, rowid, classes[i], PIECE_BYTES))
                    fields.append(i)
            except ConversionError as exc:
                shown = excerpt(heads[i] if i in large else values[column])
                problems.add(Problem(name, exc.reason, column, key, shown))
                reported = True
        if reported:
            return None

        def pieces() -> Iterator[bytes]:
            run: list[bytes] = []  # small fields and separators between the large values
            for position, item in enumerate(fields):
                if position:
                    run.append(b"\t")
                if type(item) is bytes:
                    run.append(item)
                    continue
                if run:
                    yield b"".join(run)
                    run = []
                streamer = streamers[item]
                assert streamer is not None
                yield from streamer.render(self._pieces(item, rowid, classes[item], PIECE_BYTES))
            run.append(b"\n")
            yield b"".join(run)

        return LargeRow(key, pieces)

    def _pieces(self, index: int, rowid: int, storage: str, size: int) -> Iterator[bytes]:
        return self.source.value_pieces(self.table.name, self.columns[index], rowid, storage == "text", size)

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

    def read_back(self, tally: CopyTally) -> dict[str, str] | None:
        """The columns whose large values the read-back fetches in pieces, when the
        pass read such values (large_value.py); None: read as usual."""
        return self.streamed_columns if tally.large_rows else None

    def chunks(self, problems: ProblemLog, send: bool) -> Generator[bytes, None, CopyTally]:
        """COPY text in chunks (only while ``send`` and no problem is known);
        returns the tally, whose digest and count cover every good row either way."""
        total = 0
        count = 0
        large_rows = 0
        out: list[bytes] = []
        size = 0
        batches = self._fast_batches(problems) if self.fast_fields else self._classic_batches(problems)
        on_rows = self.on_rows
        try:
            for item in batches:
                if type(item) is LargeRow:  # its line in pieces, hashed and sent as they come
                    if send and out and not problems:
                        yield b"".join(out)
                    out = []
                    size = 0
                    sending = send and not problems
                    line_hash = line_hasher()
                    for piece in item.pieces():
                        line_hash.update(piece)
                        if sending:
                            yield piece
                    total += hash_value(line_hash)
                    count += 1
                    large_rows += 1
                    continue
                lines, data = item
                total += hash_sum(lines)
                count += len(lines)
                if on_rows is not None:
                    on_rows(count)
                if send:
                    out.append(data)
                    size += len(data)
                    if size >= CHUNK_BYTES:
                        if not problems:
                            yield b"".join(out) if len(out) > 1 else out[0]
                        out = []
                        size = 0
        finally:
            batches.close()  # here, in the thread reading SQLite (its length limit is lifted)
        if send and out and not problems:
            yield b"".join(out)
        digest = RowDigest()
        digest.total = total
        digest.count = count
        return CopyTally(digest, large_rows)

    def run(self, problems: ProblemLog) -> CopyTally:
        """Digest only: convert every row without sending anything."""
        chunks = self.chunks(problems, send=False)
        while True:
            try:
                next(chunks)
            except StopIteration as end:
                return end.value

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
            yield key, row_hash(line.encode()), line

    def key_of_line(self, line_number: int) -> dict[str, str]:
        """The key of the n-th row sent (1-based), to name the row of a COPY error."""
        seen = 0
        for row in self.source.rows(self.table, self.columns, self.has_rowid):
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
